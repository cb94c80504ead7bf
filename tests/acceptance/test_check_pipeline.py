"""Issue 2 end to end: baseline, an official announcement, quiet cycles, dates and bad sources —
the real CLI against a real HTTP server, a real SMTP server and a real SQLite file."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Cli, cli_env
from local_site import LocalSite
from smtp_sink import SmtpSink

from notifier.webhook import verify_signature

SECRET = "hook-secret-7f3a9c"
MAIL_PASSWORD = "mail-pass-4471"


def rss(*items: tuple[str, str, str, str]) -> str:
    """A small RSS 2.0 feed from (guid, title, description, RFC 822 date) tuples."""
    body = "".join(f"<item><title>{t}</title><link>/articles/{g}</link><guid>{g}</guid>"
                   f"<pubDate>{d}</pubDate><description>{s}</description></item>" for g, t, s, d in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed</title>'
            f"<link>http://example.org/</link><description>d</description>{body}</channel></rss>")


def official_page(*items: tuple[str, str, str]) -> str:
    lis = "".join(f'<li><time datetime="{d}">{d}</time><a href="{href}">{t}</a></li>' for d, href, t in items)
    return (f'<html lang="ja"><head><meta charset="utf-8"></head><body><ul class="news">{lis}</ul>'
            '</body></html>')


OPM_DATED = ("opm-s3", "One-Punch Man Season 3 Premieres on October 5",
             "The third season of the One-Punch Man anime will premiere on October 5, 2026.",
             "Sat, 01 Aug 2026 09:00:00 +0000")
BLOG_RUMOR = ("akudama-wewk", "Akudama Drive Season 2 Release Date: Everything We Know",
              ("Akudama Drive season 2 is set to air soon according to fans, but the release date has not "
               "been announced."), "Thu, 01 Oct 2026 09:00:00 +0000")
PRICONNE = ("priconne-s3", "Princess Connect! Re:Dive Season 3 Announced",
            "A third season of the Princess Connect! Re:Dive anime has been announced.",
            "Sat, 21 Nov 2026 08:00:00 +0000")
TF_DATED = ("tf-new", "Terra Formars Anime Gets New Season in April 2027",
            "The Terra Formars anime will return with a new season in April 2027.",
            "Sat, 21 Nov 2026 09:00:00 +0000")
TF_DATED_AGAIN = ("tf-again", "Terra Formars Anime Returns in April 2027",
                  "A new season of the Terra Formars anime is set to premiere in April 2027.",
                  "Sat, 21 Nov 2026 11:00:00 +0000")
OLD_PAGE = [("2026-03-10", "/news/bd/", "Blu-ray BOX 発売決定！")]
NEW_PAGE = [("2026-11-20", "/news/season2/", "TVアニメ第2期制作決定！"), *OLD_PAGE]

WATCHLIST = """
[[show]]
id = "akudama-drive"
title = "Akudama Drive"
aliases = ["アクダマドライブ"]

[[show]]
id = "one-punch-man"
title = "One-Punch Man"
aliases = ["ワンパンマン"]

[[show]]
id = "princess-principal"
title = "Princess Principal"
aliases = ["プリンセス・プリンシパル"]

[[show]]
id = "terra-formars"
title = "Terra Formars"
aliases = ["テラフォーマーズ"]
"""


def write_config(cli, site, hook_url: str, smtp_port: int, extra_sources: str = "") -> None:
    cli.env["RADAR_HOOK_SECRET"] = SECRET
    cli.env["RADAR_MAIL_URL"] = (f"mailto://radar:{MAIL_PASSWORD}@127.0.0.1:{smtp_port}"
                                 f"?from=radar@example.org&to=fan@example.org&mode=insecure")
    (cli.config / "radar.toml").write_text(f"""
[[notifier]]
name = "automation"
kind = "webhook"
url = "{hook_url}"
secret = "${{RADAR_HOOK_SECRET}}"

[[notifier]]
name = "mail"
kind = "apprise"
url = "${{RADAR_MAIL_URL}}"
""")
    (cli.config / "watchlist.toml").write_text(WATCHLIST)
    (cli.config / "sources.toml").write_text(f"""
[[source]]
name = "news"
kind = "rss"
url = "{site.url('/news.xml')}"
trust = "news"

[[source]]
name = "news-two"
kind = "rss"
url = "{site.url('/news2.xml')}"
trust = "news"

[[source]]
name = "blog"
kind = "rss"
url = "{site.url('/blog.xml')}"
trust = "community"

[[source]]
name = "akudama-official"
kind = "html"
url = "{site.url('/official/news/')}"
trust = "official"
show = "akudama-drive"
item = "ul.news li"
title = "a::text"
link = "a::attr(href)"
date = "time::attr(datetime)"
{extra_sources}
""")


def statuses(cli) -> dict[str, dict]:
    return {row["id"]: row for row in json.loads(cli("status", "--json").stdout)}


def test_check_pipeline_end_to_end(cli, site, hook):
    with SmtpSink() as smtp:
        write_config(cli, site, site.url("/hook"), smtp.port)
        site.put("/news.xml", rss(OPM_DATED))
        site.put("/news2.xml", rss())
        site.put("/blog.xml", rss(BLOG_RUMOR))
        site.put("/official/news/", official_page(*OLD_PAGE), "text/html; charset=utf-8")

        # 1. Baseline: statuses recorded, nothing sent; the blog's "everything we know" confirms nothing.
        cli("check")
        state = statuses(cli)
        assert (state["one-punch-man"]["status"], state["one-punch-man"]["release"]) == (
            "dated", "2026-10-05")
        assert state["one-punch-man"]["evidence"][0]["source"] == "news"
        assert state["akudama-drive"]["status"] in ("none", "rumored")
        assert hook.calls == [] and smtp.messages == []
        assert all("RenewalRadar" in r.user_agent for r in site.fetches)

        # 2. The official site announces a season 2 without naming the show; a look-alike title elsewhere.
        site.put("/official/news/", official_page(*NEW_PAGE), "text/html; charset=utf-8")
        site.put("/news.xml", rss(PRICONNE, OPM_DATED))
        cli("check")
        assert len(hook.calls) == 1
        call = hook.calls[0]
        payload = call.json()
        assert payload["show_id"] == "akudama-drive" and payload["show_title"] == "Akudama Drive"
        assert payload["status"] == "announced"
        assert payload["previous_status"] == state["akudama-drive"]["status"]
        assert payload["evidence"][0]["url"] == site.url("/news/season2/")
        assert payload["evidence"][0]["trust"] == "official"
        assert call.header("Idempotency-Key") == payload["event_id"]
        assert verify_signature(call.body, call.header("X-Renewal-Radar-Signature"), SECRET)
        mails = smtp.wait_for(1)
        assert len(mails) == 1 and "Akudama Drive" in mails[0]["Subject"]
        assert statuses(cli)["princess-principal"]["status"] == "none"

        # 3. Nothing new: nothing sent, every fetch conditional.
        before = len(site.fetches)
        cli("check")
        quiet = [r for r in site.fetches[before:] if r.path != "/robots.txt"]
        assert len(quiet) == 4 and all(r.conditional for r in quiet)
        assert len(hook.calls) == 1 and len(smtp.messages) == 1

        # 4. A dated article: one "dated" alert; the same news from a second source sends nothing.
        site.put("/news.xml", rss(TF_DATED, PRICONNE, OPM_DATED))
        cli("check")
        assert len(hook.calls) == 2
        dated = hook.payloads()[1]
        assert (dated["show_id"], dated["status"], dated["release"]) == ("terra-formars", "dated", "2027-04")
        smtp.wait_for(2)
        site.put("/news2.xml", rss(TF_DATED_AGAIN))
        cli("check")
        assert len(hook.calls) == 2 and len(smtp.messages) == 2
        status, history, _, _ = cli.many(("status", "--json"), ("history", "akudama-drive"),
                                         ("config", "show"), ("deliveries",))
        evidence = {row["id"]: row for row in json.loads(status.stdout)}["terra-formars"]["evidence"]
        assert {e["source"] for e in evidence} == {"news", "news-two"}
        assert "announced" in history.stdout and "第2期制作決定" in history.stdout

        for text in cli.outputs:
            assert SECRET not in text and MAIL_PASSWORD not in text


def test_failing_sources_are_reported_and_the_rest_still_work(cli, site, hook):
    with SmtpSink() as smtp:
        bad = "".join(f"""
[[source]]
name = "{name}"
kind = "rss"
url = "{site.url('/' + name)}"
trust = "news"
""" for name in ("answers-500", "html-page", "invalid-xml", "huge-body"))
        write_config(cli, site, site.url("/hook"), smtp.port, extra_sources=bad)
        site.put("/news.xml", rss(OPM_DATED))
        site.put("/news2.xml", rss())
        site.put("/blog.xml", rss())
        site.put("/official/news/", official_page(*OLD_PAGE), "text/html; charset=utf-8")
        site.put("/html-page", "<html><body><h1>Welcome</h1><p>Not a feed.</p></body></html>", "text/html")
        site.put("/invalid-xml", "<?xml version='1.0'?><rss><channel><item><title>x</broken>",
                 "application/xml")
        site.put("/huge-body", b"<rss>" + b"x" * (50 * 2**20) + b"</rss>", "application/rss+xml")
        site.put("/answers-500", "oops", "text/plain", status=500)

        result = cli("check", "--json")
        report = json.loads(result.stdout)
        failed = {e["source"]: e["error"] for e in report["source_errors"]}
        failed.update({w["source"]: w["warning"] for w in report["source_warnings"]})
        assert set(failed) == {"answers-500", "html-page", "invalid-xml", "huge-body"}
        assert "500" in failed["answers-500"]
        assert statuses(cli)["one-punch-man"]["status"] == "dated"
        human = cli("check").stdout
        for name in failed:
            assert name in human


@pytest.fixture(scope="module")
def checked_once(tmp_path_factory: pytest.TempPathFactory, renewal_radar: list[str]) -> Iterator[Path]:
    """A config reading one feed, checked once (One-Punch Man dated): made once, copied by each test."""
    site = LocalSite()
    made = Cli(renewal_radar, tmp_path_factory.mktemp("checked") / "config", cli_env())
    made.config.mkdir()
    site.put("/news.xml", rss(OPM_DATED))
    (made.config / "watchlist.toml").write_text(WATCHLIST)
    (made.config / "sources.toml").write_text(
        f'[[source]]\nname = "news"\nkind = "rss"\nurl = "{site.url("/news.xml")}"\ntrust = "news"\n')
    made("check")
    site.close()
    yield made.config


@pytest.mark.parametrize("breakage, where", [
    (lambda d: (d / "radar.toml").write_text('[alerts]\non_baseline = false\nrumours = true\n'),
     "radar.toml: alerts.rumours: unknown key"),
    (lambda d: (d / "radar.toml").write_text('[[notifier]]\nname = "x"\nkind = "webhook"\n'
                                             'url = "${NOPE_UNSET}"\n'),
     "NOPE_UNSET"),
    (lambda d: (d / "watchlist.toml").write_text('[[show]]\nid = "a"\ntitle = "A"\n'
                                                 '[[show]]\nid = "a"\ntitle = "B"\n'),
     "watchlist.toml: show[1].id: duplicate show id"),
])
def test_bad_config_gets_one_clear_line_and_keeps_the_store(cli, checked_once, breakage, where):
    shutil.copytree(checked_once, cli.config, dirs_exist_ok=True)
    saved = {p.name: p.read_text() for p in cli.config.glob("*.toml")}
    breakage(cli.config)
    for proc in cli.many(("check",), ("config", "check"), ("status",), check=False):
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and where in lines[0], proc.stderr
    for path in cli.config.glob("*.toml"):
        path.unlink()
    for name, text in saved.items():
        (cli.config / name).write_text(text)
    assert statuses(cli)["one-punch-man"]["status"] == "dated"
