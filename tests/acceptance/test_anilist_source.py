"""Issue 13: the `anilist` source kind through real `renewal-radar check` cycles — a local stand-in of
AniList's GraphQL API, an ANN-style RSS feed and a webhook receiver, all on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from anilist_standin import AniList, media, serve
from test_check_pipeline import rss

from radar.domain.models import Show, Source, Validators
from spiders.anilist import claim_of, fetch, installment_of, release_of

ROOT, S2, S3 = 108465, 146065, 166873
OLD_NEWS = ("old", "Unrelated Show Gets Blu-ray Box", "Nothing to see.", "Sat, 01 Aug 2026 09:00:00 +0000")
ANN_DATED = ("mt-s3", "Mushoku Tensei Season 3 Anime Premieres in July 2027",
             "The third season of Mushoku Tensei: Jobless Reincarnation premieres in July 2027.",
             "Sun, 01 Nov 2026 09:00:00 +0000")


def season3(start: tuple[int | None, int | None, int | None] = (None, None, None)) -> dict:
    return media(S3, "Mushoku Tensei III: Isekai Ittara Honki Dasu",
                 "Mushoku Tensei: Jobless Reincarnation Season 3", "無職転生 III", status="NOT_YET_RELEASED",
                 start=start)


@pytest.fixture
def anilist(httpserver) -> tuple[AniList, str]:
    """The stand-in, on pytest-httpserver (one-off answers queued per request)."""
    standin, url = serve(httpserver)
    standin.relations = {ROOT: [("SEQUEL", media(S2, "Mushoku Tensei II", status="FINISHED")),
                                ("SOURCE", {**media(99, "Mushoku Tensei (novel)"), "type": "MANGA"})],
                         S2: [("PREQUEL", media(ROOT, "Mushoku Tensei"))]}
    return standin, url


def configure(cli, site, hook, url: str) -> None:
    (cli.config / "radar.toml").write_text(f'[anilist]\nurl = "{url}"\n\n[[notifier]]\nname = "automation"\n'
                                           f'kind = "webhook"\nurl = "{site.url("/hook")}"\n')
    (cli.config / "watchlist.toml").write_text(
        '[[show]]\nid = "mushoku-tensei"\ntitle = "Mushoku Tensei: Jobless Reincarnation"\n'
        f'aliases = ["Mushoku Tensei", "無職転生"]\nanilist = {ROOT}\n')
    (cli.config / "sources.toml").write_text(
        f'[[source]]\nname = "anilist"\nkind = "anilist"\n\n'
        f'[[source]]\nname = "ann"\nkind = "rss"\nurl = "{site.url("/ann.xml")}"\n'
        'trust = "news"\n')


def test_a_sequel_on_anilist_alerts_announced_then_dated_and_ann_later_only_corroborates(
        anilist, site, hook, cli):
    standin, url = anilist
    configure(cli, site, hook, url)
    site.put("/ann.xml", rss(OLD_NEWS))
    cli("check")  # the baseline: season 2 is finished, no news
    assert hook.calls == []
    assert [r["variables"]["ids"] for r in standin.requests] == [[ROOT], [S2]]  # the chain, one query a level

    standin.relations[S2].append(("SEQUEL", season3()))
    standin.requests.clear()
    out = cli("check").stdout
    assert [r["variables"]["ids"] for r in standin.requests] == [[ROOT], [S2], [S3]]
    assert len(hook.calls) == 1, out
    alert = hook.payloads()[0]
    assert (alert["show_id"], alert["event"], alert["installment"], alert["release"]) == (
        "mushoku-tensei", "announced", "season 3", None)
    assert alert["evidence"][0]["url"] == f"https://anilist.co/anime/{S3}"
    assert alert["evidence"][0]["source"] == "anilist" and alert["evidence"][0]["trust"] == "news"

    report = json.loads(cli("check", "--json").stdout)  # AniList says the same: nothing new
    assert report["new_articles"] == 0 and report["alerts"] == [] and len(hook.calls) == 1
    assert report["not_modified"] == 2  # the feed by its ETag, AniList by the digest of its answer

    standin.relations[S2][-1] = ("SEQUEL", season3(start=(2027, 7, None)))
    cli("check")
    assert len(hook.calls) == 2
    dated = hook.payloads()[1]
    assert (dated["event"], dated["status"], dated["release"], dated["installment"]) == (
        "dated", "dated", "2027-07", "season 3")

    site.put("/ann.xml", rss(ANN_DATED, OLD_NEWS))
    report = json.loads(cli("check", "--json").stdout)
    assert report["new_articles"] == 1 and report["alerts"] == [] and len(hook.calls) == 2  # corroboration
    rows = json.loads(cli("status", "mushoku-tensei", "--json").stdout)
    assert [(r["installment"], r["status"], r["release"]) for r in rows] == [("season 3", "dated", "2027-07")]
    assert {e["source"] for e in rows[0]["evidence"]} == {"anilist", "ann"}


def test_a_malformed_answer_is_reported_and_the_other_sources_still_alert(anilist, site, hook, cli):
    standin, url = anilist
    configure(cli, site, hook, url)
    site.put("/ann.xml", rss(OLD_NEWS))
    cli("check")
    standin.queue.append((200, {}, "<html>maintenance</html>"))
    site.put("/ann.xml", rss(("mt-s3-ann", "Mushoku Tensei: Jobless Reincarnation Anime Gets 3rd Season",
                              "", "Sun, 01 Nov 2026 09:00:00 +0000"), OLD_NEWS))
    proc = cli("check")
    assert "source anilist failed: malformed answer: not JSON" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    assert [p["event"] for p in hook.payloads()] == ["announced"]  # from the feed
    assert hook.payloads()[0]["evidence"][0]["source"] == "ann"
    rows = json.loads(cli("sources", "--json").stdout)
    assert {r["name"]: r["failures"] for r in rows} == {"anilist": 1, "ann": 0}


def test_a_429_with_retry_after_is_waited_out_then_the_request_is_made_again(anilist):
    standin, url = anilist
    standin.relations[S2].append(("SEQUEL", season3(start=(2027, 7, 4))))
    standin.queue.append((429, {"Retry-After": "1"},
                          '{"errors": [{"message": "Too Many Requests.", "status": 429}]}'))
    source = Source("anilist", "anilist", url, "news")
    shows = [Show("mushoku-tensei", "Mushoku Tensei", anilist=ROOT)]
    result = fetch(source, shows, None, 5.0, 2**20)
    assert result.outcome == "ok", result.error
    assert [(r["status"], r["variables"]["ids"]) for r in standin.requests] == [
        (429, [ROOT]), (200, [ROOT]), (200, [S2]), (200, [S3])]
    [article] = result.articles
    assert [(c.event, c.release, c.installment) for c in article.claims] == [
        ("dated", "2027-07-04", "season 3")]
    again = fetch(source, shows, Validators(result.etag, None, " ".join(result.fingerprints)), 5.0, 2**20)
    assert again.outcome == "not_modified" and again.articles == []


def test_an_answer_of_the_wrong_shape_is_an_error_of_one_line(anilist):
    standin, url = anilist
    standin.queue.append((200, {}, json.dumps({"data": {"Page": {"media": {"id": 1}}}})))
    result = fetch(Source("anilist", "anilist", url, "news"), [Show("m", "M", anilist=ROOT)], None, 5.0,
                   2**20)
    assert (result.outcome, result.error) == ("error", "malformed answer: Page.media is not a list")
    standin.queue.append((500, {}, "oops"))
    result = fetch(Source("anilist", "anilist", url, "news"), [Show("m", "M", anilist=ROOT)], None, 5.0,
                   2**20)
    assert (result.outcome, result.error) == ("error", "HTTP 500")


@pytest.mark.parametrize(("node", "label"), [
    ({"format": "MOVIE", "title": {"romaji": "Mushoku Tensei Movie"}}, "film"),
    ({"format": "OVA", "title": {"romaji": "Mushoku Tensei: Eris no Goblin Toubatsu"}}, "special"),
    ({"format": "TV", "title": {"english": "Mushoku Tensei: Jobless Reincarnation Season 3"}}, "season 3"),
    ({"format": "TV", "title": {"romaji": "Shingeki no Kyojin 2nd Season"}}, "season 2"),
    ({"format": "TV", "title": {"romaji": "Overlord II"}}, "season 2"),
    ({"format": "TV", "title": {"native": "無職転生 第3期"}}, "season 3"),
    ({"format": "TV", "title": {"romaji": "Isekai Ojisan"}}, None),
])
def test_the_installment_comes_from_the_format_and_the_title(node, label):
    assert installment_of(node) == label


def test_status_and_start_date_make_the_claim_at_anilists_precision():
    from datetime import date

    today = date(2026, 12, 1)
    assert claim_of({"status": "NOT_YET_RELEASED", "startDate": {"year": None}}, today) == ("announced", None)
    assert claim_of({"status": "NOT_YET_RELEASED", "startDate": {"year": 2027}}, today) == ("dated", "2027")
    assert claim_of({"status": "RELEASING", "startDate": {"year": 2026, "month": 10, "day": 5}}, today) == (
        "premiered", "2026-10-05")
    assert claim_of({"status": "CANCELLED", "startDate": {"year": 2027, "month": 1}}, today) == (
        "cancelled", None)
    assert claim_of({"status": "HIATUS", "startDate": {"year": 2027, "month": 1}}, today) == (
        "dated", "2027-01")
    assert release_of({"year": 2027, "month": 13, "day": 1}) == "2027"


def test_a_show_the_source_asks_about_for_the_first_time_is_its_baseline(anilist):
    standin, url = anilist
    standin.relations[S2].append(("SEQUEL", season3()))
    source = Source("anilist", "anilist", url, "news")
    before = fetch(source, [Show("other", "Other", anilist=S2)], None, 5.0, 2**20)  # another show only
    assert [a.baseline for a in before.articles] == [True]  # a first answer is a baseline anyway
    sent = Validators(before.etag, None, " ".join(before.fingerprints))
    shows = [Show("other", "Other", anilist=S2), Show("mushoku-tensei", "Mushoku Tensei", anilist=ROOT)]
    after = fetch(source, shows, sent, 5.0, 2**20)
    assert after.outcome == "ok"
    # S3 is news of the nearer watched show (S2's "other"), already seen; the new show has no news of its own
    assert after.articles == []
    standin.relations[ROOT].append(("SIDE_STORY", media(777, "Mushoku Tensei Special", format_="SPECIAL",
                                                        status="NOT_YET_RELEASED")))
    later = fetch(source, shows, sent, 5.0, 2**20)
    assert [(a.show_hint, a.baseline, a.claims[0].installment) for a in later.articles] == [
        ("mushoku-tensei", True, "special")]  # its first look: recorded silently, not alerted
