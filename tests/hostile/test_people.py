"""Item 7 through the real `renewal-radar check`: a feed whose titles carry terminal escapes (ESC[2J, an OSC
window title), bidi overrides and isolates and a 1 MB run-on title, each item linked by `javascript:`,
`data:` or `file:`. Its news still alerts, but nothing printed by check, history or status, nothing sent to
the webhook and nothing in the store carries one of those characters or links, and the stored and sent
titles are cut at the classifier's limit."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from corpus import PEOPLE_TITLES, UNSAFE_CHARS, people_feed

from radar.domain.display import TITLE_LIMIT, clean, clean_lines, web_link

WATCHLIST = "".join(f'\n[[show]]\nid = "{i}"\ntitle = "{t}"\n' for i, t in (
    ("terra-formars", "Terra Formars"), ("akudama-drive", "Akudama Drive"),
    ("princess-principal", "Princess Principal")))
OLD = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed</title>'
       "<link>http://example.org/</link><description>d</description><item><title>Anime Expo Schedule"
       "</title><link>http://example.org/a/1</link><guid>old-1</guid></item></channel></rss>")
UNSAFE_SCHEMES = ("javascript:", "data:", "file:")


def unsafe(text: str) -> list[str]:
    """What of item 7 `text` still holds: unsafe characters and unsafe link schemes."""
    found = [repr(c) for c in UNSAFE_CHARS if c in text]
    return found + [s for s in UNSAFE_SCHEMES if s in text.lower()]


def test_escapes_bidi_and_unsafe_links_never_reach_people(cli: Any, site: Any, hook: Any) -> None:
    (cli.config / "watchlist.toml").write_text(WATCHLIST)
    (cli.config / "sources.toml").write_text(
        f'[[source]]\nname = "news"\nkind = "rss"\nurl = "{site.url("/news.xml")}"\ntrust = "news"\n')
    (cli.config / "radar.toml").write_text(
        f'[[notifier]]\nname = "automation"\nkind = "webhook"\nurl = "{site.url("/hook")}"\n')
    site.put("/news.xml", OLD)
    cli("check")  # the baseline
    site.put("/news.xml", people_feed())
    checked = cli("check", check=False)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.count("ALERT") == 3, checked.stdout

    payloads = hook.payloads()
    assert sorted(p["show_id"] for p in payloads) == ["akudama-drive", "princess-principal", "terra-formars"]
    for call in hook.calls:
        assert len(call.body) < 8_000  # not the 1 MB title
    for payload in payloads:
        for evidence in payload["evidence"]:
            assert len(evidence["title"]) <= TITLE_LIMIT and evidence["url"] == ""
            assert any(title in evidence["title"] for title in PEOPLE_TITLES)
        assert unsafe(json.dumps(payload, ensure_ascii=False)) == []

    printed = [checked.stdout, checked.stderr]
    for done in cli.many(("history", "terra-formars"), ("status",), ("status", "--json"),
                         ("history", "akudama-drive")):
        printed += [done.stdout, done.stderr]
    for text in printed:
        assert unsafe(text) == [], text

    with sqlite3.connect(cli.config / "radar.db") as conn:
        dump = "\n".join(conn.iterdump())
    assert unsafe(dump) == []
    assert "Terra Formars Season 3 Announced" in dump


def test_text_for_people_is_cleaned_bounded_and_linear() -> None:
    cases = [  # (raw, clean) — one case each
        ("a\x1b[2Jb", "ab"),                                 # CSI: clear the screen
        ("x\x1b[38;5;196mred\x1b[0m", "xred"),                # CSI with parameters
        ("t\x1b]0;pwned\x07itle", "title"),                   # OSC window title, BEL-terminated
        ("t\x1b]8;;http://evil/\x1b\\link", "tlink"),         # OSC hyperlink, ST-terminated
        ("\u202egnp.exe", "gnp.exe"),                         # right-to-left override
        ("a\u2066b\u2067c\u2068d\u2069e", "abcde"),           # isolates
        ("a\x00b\x07c\x7fd\x9b2Je", "abcde"),                # NUL, BEL, DEL, a C1 CSI sequence
        ("one\ntwo\tthree\r\nfour", "one two three four"),    # whitespace controls are spaces
        ("アクダマドライブ 第2期", "アクダマドライブ 第2期"),  # ordinary text is left alone
    ]
    for raw, expected in cases:
        assert clean(raw) == expected, raw
    assert clean("x" * 1000, 300) == "x" * 299 + "…"
    assert clean_lines("a\x1b[2J\nb\u202e") == "a\nb"
    for link in ("javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "file:///etc/passwd",
                 "mailto:a@b", "//evil.example/", "http:///no-host", " javascript:x"):
        assert web_link(link) == "", link
    assert web_link("https://example.org/a?b=1") == "https://example.org/a?b=1"
    # a megabyte of escape openers costs one pass, not one per opener (would take minutes if quadratic)
    for unit in ("\x1b]", "\x1b[", "\x1b", "\u202e "):
        assert clean(unit * 500_000) == ""
