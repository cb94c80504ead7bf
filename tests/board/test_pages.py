"""The board's pages rendered from a real store: the HTML escapes what feeds say, the Atom feed has one
entry per alert, the calendar one VEVENT per dated installment whose SEQUENCE rises with each change."""

from __future__ import annotations

import json
from datetime import timedelta

import feedparser
import icalendar
from filled_store import HOSTILE, T0, Radar, article, make_radar

from radar.board.data import read_board, status_rows
from radar.board.export import export
from radar.board.ics import render_ics, uid
from radar.board.pages import render_atom, render_html, render_json, static_link

NOW = T0 + timedelta(days=3)


def vevents(data: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def test_upcoming_first_and_each_installment_with_status_release_trust_and_evidence(radar: Radar) -> None:
    board = read_board(radar.config, radar.store, NOW)
    assert [s.id for s in board.shows][:1] == ["akudama-drive"]  # the only upcoming release
    akudama = board.shows[0].installments[0]
    assert (akudama.name, akudama.status, akudama.release, akudama.release_text, akudama.trust) == (
        "Season 2", "dated", "2027-04", "April 2027", "news")
    assert akudama.evidence[0].url == "https://news.example/ak-apr"
    page = render_html(board).decode()
    assert "Akudama Drive" in page and "April 2027" in page and 'href="https://news.example/ak-apr"' in page
    assert "Princess Principal" in page and "rumored" in page and "One-Punch Man" in page


def test_a_hostile_title_is_text_and_a_javascript_link_is_no_link(radar: Radar) -> None:
    page = render_html(read_board(radar.config, radar.store, NOW)).decode()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Terra Formars Season 3 Announced" in page
    assert "javascript:" not in page


def test_filter_by_status_and_search(radar: Radar) -> None:
    board = read_board(radar.config, radar.store, NOW)
    dated = render_html(board, "dated").decode()
    assert "Akudama Drive</h2>" in dated and "Terra Formars</h2>" not in dated
    assert 'aria-current="page">dated (1)' in dated
    found = render_html(board, q="terra").decode()
    assert "Terra Formars</h2>" in found and "Akudama Drive</h2>" not in found
    assert "Akudama Drive</h2>" in render_html(board, "no-such-status").decode()  # unknown: no filter


def test_sources_with_their_health(radar: Radar) -> None:
    board = read_board(radar.config, radar.store, NOW)
    health = {s.name: s for s in board.sources}
    assert health["ann"].failures == 0 and health["ann"].last_success == (T0 + timedelta(days=2)).isoformat()
    assert health["blog"].failing_since == (T0 + timedelta(days=2)).isoformat()
    page = render_html(board).decode()
    assert "failing since 2026-06-03 09:00 UTC (1×)" in page


def test_atom_has_one_entry_per_alert_with_the_event_id_and_evidence_links(radar: Radar) -> None:
    board = read_board(radar.config, radar.store, NOW)
    alerts = [e for e, silent in radar.store.all_events() if not silent and e.event != "rumor"]
    parsed = feedparser.parse(render_atom(board))
    assert not parsed.bozo, parsed.bozo_exception
    # dated, delayed, announced; a rumour only with rumors = true
    assert len(parsed.entries) == len(alerts) == 3
    assert {e.id for e in parsed.entries} == {f"urn:renewal-radar:event:{a.event_id}" for a in alerts}
    newest = parsed.entries[0]
    assert newest.title == "Akudama Drive — Season 2: delayed to April 2027 (was October 2026)"
    assert newest.link == "https://news.example/ak-apr" and newest.updated.startswith("2026-06-03T09:00")
    hostile = next(e for e in parsed.entries if "Terra" in e.title)
    assert HOSTILE in hostile.content[0].value and hostile.content[0].type == "text/plain"
    # its card: never the javascript:
    assert [link.href for link in hostile.links] == ["./#show-terra-formars"]


def test_rumours_are_entries_only_when_alerts_rumors_is_on(tmp_path) -> None:

    made = make_radar(tmp_path / "config", "[alerts]\nrumors = true\n")
    made.poll(T0, article("ann", "Anime Expo Schedule Revealed", T0, "expo"))
    made.poll(T0 + timedelta(days=1), article("blog", "Princess Principal Season 2 Announced", T0, "pp",
                                              trust="community"))
    parsed = feedparser.parse(render_atom(read_board(made.config, made.store, NOW)))
    made.store.close()
    assert [e.title for e in parsed.entries] == ["Princess Principal — Season 2: rumored"]


def test_calendar_one_event_per_dated_installment_same_uid_higher_sequence_after_a_delay(
        radar: Radar, tmp_path) -> None:
    before = vevents(render_ics(read_board(radar.config, radar.store, NOW)))
    assert len(before) == 1  # only Akudama Drive's season 2 has a date
    [event] = before
    assert str(event["uid"]) == uid("akudama-drive", "season 2")
    assert event.decoded("dtstart").isoformat() == "2027-04-01"
    assert str(event["summary"]) == "Akudama Drive — Season 2 (April 2027)"
    assert int(event["sequence"]) == 1 and str(event["status"]) == "CONFIRMED"
    again = vevents(render_ics(read_board(radar.config, radar.store, NOW + timedelta(hours=1))))
    assert int(again[0]["sequence"]) == 1  # read twice: the same SEQUENCE
    later = T0 + timedelta(days=5)
    radar.poll(later, article("ann", "Akudama Drive Season 2 premieres on April 10, 2027", later, "ak-day"))
    [refined] = vevents(render_ics(read_board(radar.config, radar.store, later)))
    assert str(refined["uid"]) == str(event["uid"]) and int(refined["sequence"]) == 2
    assert refined.decoded("dtstart").isoformat() == "2027-04-10"
    assert str(refined["summary"]) == "Akudama Drive — Season 2"  # a day: no precision said


def test_a_cancelled_installment_keeps_its_date_with_status_cancelled(radar: Radar) -> None:
    later = T0 + timedelta(days=6)
    radar.poll(later, article("ann", "Akudama Drive Season 2 Cancelled", later, "ak-cancel"))
    [event] = vevents(render_ics(read_board(radar.config, radar.store, later)))
    assert str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 2
    assert event.decoded("dtstart").isoformat() == "2027-04-01"


def test_status_json_is_what_status_json_prints(radar: Radar) -> None:
    board = read_board(radar.config, radar.store, NOW)
    assert json.loads(render_json(board)) == status_rows(radar.config, radar.store)
    assert [r["id"] for r in board.rows] == [s.id for s in radar.config.shows]


def test_export_writes_the_four_files_and_a_page_per_status(radar: Radar, tmp_path) -> None:
    written = export(read_board(radar.config, radar.store, NOW), tmp_path / "site")
    names = {p.relative_to(tmp_path / "site").as_posix() for p in written}
    assert {"index.html", "feed.atom", "calendar.ics", "api/status.json", static_link("dated")} <= names
    index = (tmp_path / "site" / "index.html").read_text()
    assert f'href="{static_link("dated")}"' in index and "?status=" not in index
