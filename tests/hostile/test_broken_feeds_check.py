"""Items 4 and 7 through the real `renewal-radar check`: a feed cut short in transit is a failed poll, so
its news alerts (once) when the complete feed returns; Shift_JIS and EUC-JP feeds without a charset are read
right, so a Japanese alias matches."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from corpus import ja_feed
from servers import RawServer

OLD = ("old-1", "Anime Expo Schedule Revealed", "The convention's panel schedule is out.")
TF_DATED = ("tf-new", "Terra Formars Anime Gets New Season in April 2027",
            "The Terra Formars anime will return with a new season in April 2027.")
WATCHLIST = """
[[show]]
id = "terra-formars"
title = "Terra Formars"

[[show]]
id = "akudama-drive"
title = "Akudama Drive"
aliases = ["アクダマドライブ"]
"""


def rss(*items: tuple[str, str, str]) -> bytes:
    body = "".join(f"<item><title>{t}</title><link>http://example.org/a/{g}</link><guid>{g}</guid>"
                   f"<pubDate>Sat, 21 Nov 2026 08:00:00 +0000</pubDate><description>{s}</description></item>"
                   for g, t, s in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed</title>'
            f"<link>http://example.org/</link><description>d</description>{body}</channel></rss>").encode()


class Versioned:
    """A feed server that answers with ETag validators (304 when they match) and, when `cut` is set, sends
    only the first `cut` bytes of the body and closes (no Content-Length): a response cut in transit, which
    the shared LocalSite (always a whole body, with its length) cannot send."""

    def __init__(self) -> None:
        self.body, self.etag, self.cut = b"", '"v0"', 0
        self.conditional: list[bool] = []
        self.server = RawServer(self.answer)

    def publish(self, body: bytes, etag: str, cut: int = 0) -> None:
        self.body, self.etag, self.cut = body, etag, cut

    def answer(self, conn: socket.socket) -> None:
        head = self.server.requests[-1].decode("latin-1").lower()
        sent_etag = next((line.split(":", 1)[1].strip() for line in head.split("\r\n")
                          if line.startswith("if-none-match:")), None)
        self.conditional.append(sent_etag is not None)
        if sent_etag == self.etag.lower():
            conn.sendall(f"HTTP/1.1 304 Not Modified\r\nETag: {self.etag}\r\n\r\n".encode())
            return
        body = self.body[:self.cut] if self.cut else self.body
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: {self.etag}\r\n"
                     "Connection: close\r\n\r\n".encode() + body)


def config(cli: Any, hook_url: str, sources: str) -> None:
    (cli.config / "radar.toml").write_text(
        f'[[notifier]]\nname = "hook"\nkind = "webhook"\nurl = "{hook_url}"\n')
    (cli.config / "watchlist.toml").write_text(WATCHLIST)
    (cli.config / "sources.toml").write_text(sources)


def source(name: str, url: str) -> str:
    return f'[[source]]\nname = "{name}"\nkind = "rss"\nurl = "{url}"\ntrust = "news"\n'


def test_a_feed_cut_in_transit_fails_the_poll_and_alerts_once_when_complete(cli: Any, hook: Any) -> None:
    feed = Versioned()
    try:
        config(cli, hook.url, source("news", feed.server.url()))
        feed.publish(rss(OLD), '"v1"')
        cli("check")  # the baseline: recorded silently
        assert hook.calls == []

        full = rss(TF_DATED, OLD)
        feed.publish(full, '"v2"', cut=full.index(b"</title>"))  # cut mid-item: a half item with no title end
        failed = cli("check", "--json", check=False)
        assert failed.returncode == 5, failed.stdout + failed.stderr  # every source failed
        assert "connection closed before the feed was complete" in failed.stdout + failed.stderr
        assert hook.calls == []

        feed.publish(full, '"v2"')  # the same version, complete: the cut poll must not have kept its ETag
        cli("check")
        assert feed.conditional[-1] is True  # validators of the baseline, not of the cut response
        assert [(e["show_id"], e["event"]) for e in hook.payloads()] == [("terra-formars", "dated")]
        assert hook.payloads()[0]["release"] == "2027-04"

        cli("check")  # 304 now; nothing more
        assert len(hook.calls) == 1
    finally:
        feed.server.close()


@pytest.mark.parametrize("encoding", ["shift_jis", "euc-jp", "utf-8"])
def test_a_japanese_feed_without_a_charset_reads_right_and_its_alias_matches(
        cli: Any, site: Any, hook: Any, encoding: str) -> None:
    baseline = ja_feed(encoding, declare=False).replace(b"ja-1", b"ja-0")
    for news in ("アクダマドライブ 第2期 制作決定", "アニメ「アクダマドライブ」第2期の制作が決定した。"):
        baseline = baseline.replace(news.encode(encoding), "イベント情報".encode(encoding))
    site.put("/ja.xml", baseline, "application/xml")  # no charset
    config(cli, hook.url, source("ja", site.url("/ja.xml")))
    cli("check")
    site.put("/ja.xml", ja_feed(encoding, declare=False), "application/xml")
    second = cli("check")
    assert [(e["show_id"], e["event"]) for e in hook.payloads()] == [
        ("akudama-drive", "announced")], second.stdout
    assert hook.payloads()[0]["evidence"][0]["title"] == "アクダマドライブ 第2期 制作決定"
