"""Issue 9 end to end: every season, part and film of a show has its own status — the real
`renewal-radar check` against feeds, a webhook receiver and an SMTP server on 127.0.0.1, a real
SQLite file. Each scenario gives the alerts a fan would expect, exactly once, naming the installment."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime

from smtp_sink import SmtpSink

WATCHLIST = """
[[show]]
id = "frieren"
title = "Frieren"

[[show]]
id = "mushoku-tensei"
title = "Mushoku Tensei"

[[show]]
id = "chainsaw-man"
title = "Chainsaw Man"

[[show]]
id = "one-punch-man"
title = "One-Punch Man"
"""

# (guid, headline, publication day): the headlines the classifier names installments in
FRIEREN_S2 = ("frieren-s2", "Frieren Season 2 Premieres in January", "2025-09-01")
FRIEREN_S2_PART2 = ("frieren-s2p2", "Frieren Season 2 Part 2 Premieres in October", "2026-05-01")
FRIEREN_S3 = ("frieren-s3", "Frieren Season 3 Announced", "2026-06-01")
MUSHOKU_S2 = ("mushoku-s2", "Mushoku Tensei Season 2 Premieres in April", "2026-01-10")
MUSHOKU_S3 = ("mushoku-s3", "Mushoku Tensei Season 3 Announced", "2026-03-01")
MUSHOKU_S3_DATED = ("mushoku-s3-dated", "Mushoku Tensei Season 3 Premieres in January 2028", "2026-09-01")
MUSHOKU_S2_TODAY = ("mushoku-s2-today", "Mushoku Tensei Season 2 Premieres Today", "2026-04-05")
MUSHOKU_S3_DELAYED = ("mushoku-s3-delay", "Mushoku Tensei Season 3 Delayed to April 2028", "2026-10-01")
CSM_S2 = ("csm-s2", "Chainsaw Man Season 2 Premieres in October", "2026-03-01")
CSM_FILM = ("csm-film", "Chainsaw Man Film Opens September 19", "2026-05-01")
CSM_FILM_TODAY = ("csm-film-today", "Chainsaw Man Film Opens in Japanese Theaters Today", "2026-09-19")
OPM_DAY = ("opm-day", "One-Punch Man Season 3 Premieres on October 5", "2026-08-01")
OPM_MONTH = ("opm-month", "One-Punch Man Season 3 Premieres in October", "2026-08-10")


def rss(*items: tuple[str, str, str]) -> str:
    """An RSS 2.0 feed of (guid, title, day) items."""
    body = "".join(
        f"<item><title>{title}</title><link>/articles/{guid}</link><guid>{guid}</guid><pubDate>"
        f"{format_datetime(datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC))}</pubDate></item>"
        for guid, title, day in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed</title>'
            f"<link>http://example.org/</link><description>d</description>{body}</channel></rss>")


def source(name: str, url: str) -> str:
    return f'\n[[source]]\nname = "{name}"\nkind = "rss"\nurl = "{url}"\ntrust = "news"\n'


def write_config(cli, site, *names: str, mail_port: int | None = None) -> None:
    notifiers = f'[[notifier]]\nname = "automation"\nkind = "webhook"\nurl = "{site.url("/hook")}"\n'
    if mail_port is not None:
        notifiers += (f'\n[[notifier]]\nname = "mail"\nkind = "apprise"\nurl = "mailto://radar:pw@127.0.0.1:'
                      f'{mail_port}?from=radar@example.org&to=fan@example.org&mode=insecure"\n')
    (cli.config / "radar.toml").write_text(notifiers)
    (cli.config / "watchlist.toml").write_text(WATCHLIST)
    (cli.config / "sources.toml").write_text("".join(source(n, site.url(f"/{n}.xml")) for n in names))


def alerts_of(cli, hook) -> set[tuple[str, str, str | None, str | None]]:
    """Run one check; the alerts it POSTed as (show, event, installment, release)."""
    before = len(hook.calls)
    cli("check")
    payloads = hook.payloads()[before:]
    found = [(p["show_id"], p["event"], p["installment"], p["release"]) for p in payloads]
    assert len(found) == len(set(found)), f"an alert came twice: {found}"
    return set(found)


def installments(shown) -> list[tuple[str | None, str, str | None]]:
    """(installment, status, release) of each row `status SHOW --json` printed."""
    return [(r["installment"], r["status"], r["release"]) for r in json.loads(shown.stdout)]


def test_seasons_parts_and_films_each_alert_once_naming_their_installment(cli, site, hook):
    with SmtpSink() as smtp:
        write_config(cli, site, "news", "news-two", mail_port=smtp.port)
        site.put("/news.xml", rss())
        site.put("/news-two.xml", rss())
        assert alerts_of(cli, hook) == set()  # the first check: every show and source baselined, nothing yet

        news = [FRIEREN_S2, MUSHOKU_S2, CSM_S2, OPM_DAY]
        site.put("/news.xml", rss(*news))
        assert alerts_of(cli, hook) == {
            ("frieren", "dated", "season 2", "2026-01"), ("mushoku-tensei", "dated", "season 2", "2026-04"),
            ("chainsaw-man", "dated", "season 2", "2026-10"),
            ("one-punch-man", "dated", "season 3", "2026-10-05")}

        # a new part of a dated season is dated, not delayed; a new season beside a dated one is announced;
        # a film's date is the film's; "October" after "October 5" from a second source is corroboration
        news += [FRIEREN_S2_PART2, MUSHOKU_S3, CSM_FILM]
        site.put("/news.xml", rss(*news))
        site.put("/news-two.xml", rss(OPM_MONTH))
        assert alerts_of(cli, hook) == {
            ("frieren", "dated", "season 2 part 2", "2026-10"),
            ("mushoku-tensei", "announced", "season 3", None),
            ("chainsaw-man", "dated", "film", "2026-09-19")}

        # the new season's date is `dated` for it, not `delayed`; the film's premiere flips only the film
        news += [MUSHOKU_S3_DATED, CSM_FILM_TODAY]
        site.put("/news.xml", rss(*news))
        assert alerts_of(cli, hook) == {("mushoku-tensei", "dated", "season 3", "2028-01"),
                                        ("chainsaw-man", "premiered", "film", "2026-09-19")}
        assert alerts_of(cli, hook) == set()  # nothing new, nothing sent
        assert len({p["event_id"] for p in hook.payloads()}) == len(hook.calls) == 9

        subjects = [m["Subject"] for m in smtp.wait_for(9)]
        assert "Mushoku Tensei — Season 3: dated January 2028" in subjects
        assert "Frieren — Season 2 Part 2: dated October 2026" in subjects
        assert "Chainsaw Man — Film: premiered" in subjects and len(subjects) == 9

    # what the store now holds, read by commands that write nothing (two at a time)
    chainsaw, frieren, mushoku, opm_shown, every, history_shown, table_shown, frieren_history = cli.many(
        ("status", "chainsaw-man", "--json"), ("status", "frieren", "--json"),
        ("status", "mushoku-tensei", "--json"), ("status", "one-punch-man", "--json"), ("status", "--json"),
        ("history", "chainsaw-man", "--json"), ("status", "mushoku-tensei"), ("history", "frieren"))
    assert installments(chainsaw) == [("season 2", "dated", "2026-10"), ("film", "premiered", "2026-09-19")]
    assert installments(frieren) == [("season 2", "dated", "2026-01"),
                                     ("season 2 part 2", "dated", "2026-10")]
    assert installments(mushoku) == [("season 2", "dated", "2026-04"), ("season 3", "dated", "2028-01")]
    opm = json.loads(opm_shown.stdout)
    assert [(r["installment"], r["release"]) for r in opm] == [("season 3", "2026-10-05")]
    assert {e["source"] for e in opm[0]["evidence"]} == {"news", "news-two"}
    rows = {r["id"]: r for r in json.loads(every.stdout)}
    assert (rows["chainsaw-man"]["installment"], rows["chainsaw-man"]["status"]) == ("season 2", "dated")
    history = json.loads(history_shown.stdout)
    assert sorted((e["event"], e["installment"]) for e in history) == [
        ("dated", "film"), ("dated", "season 2"), ("premiered", "film")]
    table = table_shown.stdout
    assert "Season 3" in table and "2028-01" in table
    assert "Season 2 Part 2" in frieren_history.stdout


def test_a_newly_added_source_backlog_is_silent_and_never_moves_a_season_back(cli, site, hook):
    write_config(cli, site, "news")
    site.put("/news.xml", rss())
    assert alerts_of(cli, hook) == set()
    site.put("/news.xml", rss(MUSHOKU_S2, MUSHOKU_S3, MUSHOKU_S3_DATED))
    assert alerts_of(cli, hook) == {("mushoku-tensei", "dated", "season 2", "2026-04"),
                                    ("mushoku-tensei", "announced", "season 3", None),
                                    ("mushoku-tensei", "dated", "season 3", "2028-01")}

    # a source added now: its backlog — a late "Season 2 premieres today" among it — is its baseline
    write_config(cli, site, "news", "archive")
    site.put("/archive.xml", rss(MUSHOKU_S2_TODAY, FRIEREN_S2, FRIEREN_S3))
    assert alerts_of(cli, hook) == set()
    mushoku, frieren, frieren_history = cli.many(
        ("status", "mushoku-tensei", "--json"), ("status", "frieren", "--json"),
        ("history", "frieren", "--json"))
    assert installments(mushoku) == [("season 2", "premiered", "2026-04-05"),
                                     ("season 3", "dated", "2028-01")]
    assert installments(frieren) == [("season 2", "dated", "2026-01"),
                                     ("season 3", "announced", None)]
    baseline = json.loads(frieren_history.stdout)
    assert baseline and all(e["silent"] for e in baseline)

    # from its second poll on, its news alerts like any other source's
    site.put("/archive.xml", rss(MUSHOKU_S3_DELAYED, MUSHOKU_S2_TODAY, FRIEREN_S2, FRIEREN_S3))
    assert alerts_of(cli, hook) == {("mushoku-tensei", "delayed", "season 3", "2028-04")}
    assert alerts_of(cli, hook) == set()
    assert len(hook.calls) == 4
