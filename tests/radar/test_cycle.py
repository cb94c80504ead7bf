"""The cycle after the fetch: baselines, rumours, notifier filters, late shows — real SQLite, no HTTP."""

from datetime import UTC, datetime
from pathlib import Path

from radar.config import load_config
from radar.cycle import CycleProcessor
from radar.models import Article, FetchResult
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
    second = processor.process([ok("news", news("b", "Dorohedoro Season 2 Premieres in April 2027", day=22))], NOW)
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
        processor.process([ok("blog", news("r", "Sonny Boy Season 2 Officially Announced", "blog", "community"))],
                          NOW)
    assert quiet_store.shows()["sonny-boy"].state.status == "rumored"
    assert queued(quiet_store) == []
    assert queued(loud_store) == [("all", "sonny-boy", "rumor")]


def test_the_same_article_twice_is_processed_once(tmp_path):
    processor, store = setup(tmp_path)
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
