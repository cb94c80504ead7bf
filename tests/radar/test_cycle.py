"""The cycle after the fetch: baselines, rumours, notifier filters, late shows — real SQLite, no HTTP."""

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from radar.app.config import load_config
from radar.app.cycle import CycleProcessor, CycleReport, CycleTotals
from radar.app.delivery import DeliveryReport
from radar.domain.models import Article, FetchResult
from radar.store import Store

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
SHOWS = ('[[show]]\nid = "dorohedoro"\ntitle = "Dorohedoro"\n\n'
         '[[show]]\nid = "sonny-boy"\ntitle = "Sonny Boy"\n')
LATE_SHOW = '[[show]]\nid = "beastars"\ntitle = "Beastars"\n'


def setup(tmp_path: Path, radar: str = "", shows: str = SHOWS) -> tuple[CycleProcessor, Store]:
    (tmp_path / "radar.toml").write_text(radar + '\n[[notifier]]\nname = "all"\nkind = "console"\n'
                                         '\n[[notifier]]\nname = "dorohedoro-only"\nkind = "console"\n'
                                         'shows = ["dorohedoro"]\nevents = ["dated"]\n')
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nname = "news"\nkind = "rss"\nurl = "https://example.org/rss"\ntrust = "news"\n'
        '[[source]]\nname = "blog"\nkind = "rss"\nurl = "https://example.org/blog"\ntrust = "community"\n')
    (tmp_path / "watchlist.toml").write_text(shows)
    config = load_config(tmp_path, {})
    store = Store(config.store_url)
    return CycleProcessor(config, store), store


def news(guid: str, title: str, source: str = "news", trust: str = "news", day: int = 20) -> Article:
    return Article(source=source, trust=trust, title=title, url=f"https://example.org/{guid}", guid=guid,
                   published=datetime(2026, 11, day, tzinfo=UTC))


def ok(source: str, *items: Article) -> FetchResult:
    return FetchResult(source, "ok", list(items))


def queued(store: Store) -> list[tuple[str, str, str]]:
    return sorted((d.notifier, d.event.show_id, d.event.event) for d in store.deliveries())


def test_baseline_is_silent_then_changes_go_to_subscribed_notifiers(tmp_path):
    processor, store = setup(tmp_path)
    first = processor.process([ok("news", news("a", "Dorohedoro Season 2 Announced"))], NOW)
    assert first.events == [] and first.silent_events == 1 and queued(store) == []
    second = processor.process([ok("news", news("b", "Dorohedoro Season 2 Premieres in April 2027",
                                                day=22))], NOW)
    assert [(e.show_id, e.event, e.release) for e in second.events] == [("dorohedoro", "dated", "2027-04")]
    assert queued(store) == [("all", "dorohedoro", "dated"), ("dorohedoro-only", "dorohedoro", "dated")]


def test_on_baseline_alerts_the_first_check(tmp_path):
    processor, store = setup(tmp_path, "[alerts]\non_baseline = true\n")
    processor.process([ok("news", news("a", "Dorohedoro Season 2 Announced"))], NOW)
    assert queued(store) == [("all", "dorohedoro", "announced")]


def test_rumours_alert_only_when_asked_and_never_confirm(tmp_path):
    (tmp_path / "quiet").mkdir()
    (tmp_path / "loud").mkdir()
    quiet, quiet_store = setup(tmp_path / "quiet")
    loud, loud_store = setup(tmp_path / "loud", "[alerts]\nrumors = true\n")
    for processor in (quiet, loud):
        processor.process([ok("news"), ok("blog")], NOW)  # baseline of the shows and of both sources
        processor.process([ok("blog", news("r", "Sonny Boy Season 2 Officially Announced", "blog",
                                           "community"))], NOW)
    assert quiet_store.shows()["sonny-boy"].state.status == "rumored"
    assert queued(quiet_store) == []
    assert queued(loud_store) == [("all", "sonny-boy", "rumor")]


def test_the_same_article_twice_is_processed_once(tmp_path):
    processor, _store = setup(tmp_path)
    processor.process([ok("news")], NOW)
    item = news("a", "Dorohedoro Season 2 Announced")
    report = processor.process([ok("news", item), ok("blog", item)], NOW)
    assert report.new_articles == 1 and len(report.events) == 1


def test_a_show_added_later_is_checked_silently_against_stored_articles(tmp_path):
    processor, store = setup(tmp_path)
    processor.process([ok("news", news("a", "Beastars Final Season Part 2 Premieres in December 2026"))], NOW)
    assert "beastars" not in store.shows()
    processor, store = setup(tmp_path, shows=SHOWS + LATE_SHOW)
    report = processor.process([ok("news")], NOW)
    stored = store.shows()["beastars"]
    assert (stored.state.status, stored.state.release) == ("dated", "2026-12")
    assert report.events == [] and queued(store) == []


def test_a_newly_added_source_replays_its_backlog_silently(tmp_path):
    processor, _store = setup(tmp_path)
    processor.process([ok("news")], NOW)  # the shows and the news source are baselined
    backlog = processor.process([ok("blog", news("old", "Dorohedoro Season 2 Announced", "blog",
                                                 "news"))], NOW)
    assert backlog.events == [] and backlog.silent_events == 1
    later = processor.process([ok("blog", news("new", "Dorohedoro Season 2 Premieres in April 2027", "blog",
                                               "news", day=22))], NOW)
    assert [(e.event, e.installment, e.release) for e in later.events] == [("dated", "season 2", "2027-04")]


def test_a_source_that_failed_first_is_baselined_by_its_first_success(tmp_path):
    processor, _store = setup(tmp_path)
    processor.process([ok("news"), FetchResult("blog", "error", error="HTTP 500")], NOW)
    first = processor.process([ok("blog", news("a", "Sonny Boy Season 2 Announced", "blog", "news"))], NOW)
    assert first.events == [] and first.silent_events == 1


def test_batches_of_sources_alert_exactly_what_one_check_alerts(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "batched").mkdir()
    whole, whole_store = setup(tmp_path / "one")
    batched, batched_store = setup(tmp_path / "batched")
    first = [ok("news", news("a", "Dorohedoro Season 2 Announced")),
             ok("blog", news("b", "Sonny Boy Season 2 Premieres in July 2027", "blog", "news"))]
    whole.process(first, NOW)
    for result in first:  # the daemon folds its sources in batches: each batch is one process()
        batched.process([result], NOW)
    assert queued(whole_store) == queued(batched_store) == []
    second = [ok("news", news("c", "Dorohedoro Season 2 Premieres in January 2027", day=22)),
              ok("blog", news("d", "Sonny Boy Season 2 Delayed to October 2027", "blog", "news", day=23))]
    alerts = [(e.show_id, e.event, e.installment) for e in whole.process(second, NOW).events]
    for result in second:
        alerts_batched = [(e.show_id, e.event, e.installment) for e in batched.process([result], NOW).events]
        assert alerts_batched and set(alerts_batched) <= set(alerts)
    assert queued(whole_store) == queued(batched_store)
    assert sorted(alerts) == [("dorohedoro", "dated", "season 2"), ("sonny-boy", "delayed", "season 2")]


def test_each_installment_gets_its_own_events_and_status(tmp_path):
    processor, store = setup(tmp_path, shows=SHOWS + '[[show]]\nid = "frieren"\ntitle = "Frieren"\n')

    def item(guid: str, title: str, month: int, source: str = "news", trust: str = "news") -> Article:
        return replace(news(guid, title, source, trust), published=datetime(2026, month, 1, tzinfo=UTC))

    processor.process([ok("news", item("a", "Frieren Season 2 Premieres in January", 1))], NOW)
    report = processor.process([ok("news", item("b", "Frieren Season 2 Part 2 Premieres in October", 5),
                                    item("c", "Frieren Season 3 Announced", 6),
                                    item("d", "Frieren Film Opens September 19", 7))], NOW)
    assert [(e.event, e.installment, e.status, e.release) for e in report.events] == [
        ("dated", "season 2 part 2", "dated", "2026-10"), ("announced", "season 3", "announced", None),
        ("dated", "film", "dated", "2026-09-19")]
    assert len({e.event_id for e in report.events}) == 3
    shown = store.shows()["frieren"]
    assert [(i.installment, i.state.status) for i in shown.installments] == [
        ("season 2", "dated"), ("season 2 part 2", "dated"), ("season 3", "announced"), ("film", "dated")]
    assert store.evidence_of("frieren", "film", "dated")[0].url == "https://example.org/d"
    again = processor.process([ok("blog", item("e", "Frieren Season 3 Announced", 8, "blog",
                                               "official"))], NOW)
    assert again.events == []  # a new source's first poll: its baseline


def test_a_claim_naming_no_installment_takes_the_unnamed_one_then_a_label(tmp_path):
    processor, store = setup(tmp_path)
    processor.process([ok("news"), ok("blog")], NOW)
    report = processor.process([ok("news", news("a", "Dorohedoro TV Anime Sequel Announced", day=20),
                                    news("b", "Dorohedoro Season 2 Premieres in April 2027", day=21))], NOW)
    assert [(e.event, e.installment) for e in report.events][-1] == ("dated", "season 2")
    assert [i.installment for i in store.shows()["dorohedoro"].installments] == ["season 2"]


def test_one_wording_of_what_cycles_did_for_check_and_the_daemon() -> None:
    report = CycleReport(polled=3, not_modified=1, errors=[("broken", "HTTP 500")],
                         warnings=[("odd", "malformed feed read anyway")], new_articles=2, silent_events=0,
                         delivered=1)
    assert report.summary() == ("polled 3 sources (3 polls, 1 unchanged), 2 new articles, 0 alerts "
                                "(0 recorded silently), 1 delivered, 1 source errors (broken: HTTP 500), "
                                "1 malformed feeds read anyway, 0 delivery errors")
    totals = CycleTotals()  # the daemon's: batches and drains since its last cycle line
    assert not totals
    totals.add(replace(report, delivered=0), ["news", "broken", "odd"])
    totals.add(CycleReport(polled=2, errors=[(f"s{n}", "timed out") for n in range(4)]), ["news", "broken"])
    totals.add_drain(DeliveryReport(delivered=2, errors=[("hook", "HTTP 500")]))
    assert totals.line() == ("polled 3 sources (5 polls, 1 unchanged), 2 new articles, 0 alerts "
                             "(0 recorded silently), 2 delivered, 5 source errors (broken: HTTP 500; "
                             "s0: timed out; s1: timed out; +2 more), 1 malformed feeds read anyway, "
                             "1 delivery errors")
