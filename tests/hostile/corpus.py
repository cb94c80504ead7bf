"""The hostile-input corpus, generated (never stored as megabytes): each body says what it attacks.

`text_bodies(size)` are the issue's item-1 bodies (and their cousins) grown to about `size` bytes; each
is a complete feed, so the real path (response bytes -> articles) reads it end to end. `gzip_bomb()`,
`ja_feed()` and `bad_utf8_feed()` cover items 2 and 7's encodings; `people_feed()` item 7's text for
people (escapes, bidi overrides, unsafe links, a 1 MB title) and the SECRET_VALUES item 6's secrets. Used
by tests/hostile/ and by bench/bench_hostile.py.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

RSS_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Hostile</title>'
            "<link>http://127.0.0.1/</link><description>d</description>")
RSS_TAIL = "</channel></rss>\n"
ITEM = ("<item><title>{title}</title><link>http://127.0.0.1/a/{guid}</link><guid>{guid}</guid>"
        "<pubDate>Sat, 21 Nov 2026 08:00:00 +0000</pubDate><description>{summary}</description></item>")
ATOM_HEAD = ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
             "<title>Hostile</title><id>urn:hostile</id><updated>2026-11-21T08:00:00Z</updated>")
GOOD_TITLE = "Akudama Drive Season 2 Announced"


@dataclass(frozen=True)
class Body:
    """One hostile response body: what it attacks and the content type it is served with."""

    name: str
    attacks: str
    data: bytes
    content_type: str = "application/rss+xml; charset=utf-8"


def rss(summary: str, title: str = GOOD_TITLE, guid: str = "hostile-1", head: str = RSS_HEAD) -> bytes:
    """A one-item RSS 2.0 feed; `summary` and `title` go in as they are (already escaped or CDATA)."""
    return (head + ITEM.format(title=title, guid=guid, summary=summary) + RSS_TAIL).encode("utf-8")


def _times(unit: str, size: int) -> int:
    return max(1, size // len(unit.encode("utf-8")))


def _xmlns(size: int) -> Body:
    return Body("xmlns", "feedxml._XMLNS: 'xmlns:' repeated in a description",
                rss("xmlns:" * _times("xmlns:", size)))


def _xml_encoding(size: int) -> Body:
    decl = '<?xml version="1.0" encoding="' + '"' * _times('"', size)
    return Body("xml-encoding", "fastfeed._XML_ENCODING: unterminated encoding=\" then quotes",
                (decl + RSS_HEAD.partition("\n")[2] + ITEM.format(title=GOOD_TITLE, guid="hostile-1",
                                                                  summary="s") + RSS_TAIL).encode())


def _script(size: int) -> Body:
    return Body("script", "base.text_of _DROP: CDATA '<script' repeated, never closed",
                rss("<![CDATA[" + "<script" * _times("<script", size) + "]]>"))


def _script_open(size: int) -> Body:
    return Body("script-open", "base.text_of _DROP: CDATA '<script>' repeated, never closed",
                rss("<![CDATA[" + "<script>" * _times("<script>", size) + "]]>"))


def _comment(size: int) -> Body:
    return Body("comment", "base.text_of _DROP: CDATA '<!--' repeated, never closed",
                rss("<![CDATA[" + "<!--" * _times("<!--", size) + "]]>"))


def _lt(size: int) -> Body:
    entry = ("<entry><title>{t}</title><id>urn:hostile:1</id><link href='http://127.0.0.1/a/1'/>"
             "<updated>2026-11-21T08:00:00Z</updated><summary type='html'>{s}</summary></entry>")
    data = ATOM_HEAD + entry.format(t=GOOD_TITLE, s="&lt;" * _times("&lt;", size)) + "</feed>\n"
    return Body("lt", "base.text_of _TAG: Atom summary '&lt;' repeated (text '<<<…', no '>')",
                data.encode(), "application/atom+xml")


def _br(size: int) -> Body:
    return Body("br", "base.text_of _BLOCK: CDATA '<br' repeated, no '>'",
                rss("<![CDATA[" + "<br" * _times("<br", size) + "]]>"))


def _spaced_lt(size: int) -> Body:
    return Body("spaced-lt", "fastfeed._ANY_TAG: escaped '< ' repeated with non-ASCII text, no '>'",
                rss("é" + "&lt; " * _times("&lt; ", size)))


def _attrs(size: int) -> Body:
    unit = " a=b"
    return Body("attrs", "fastfeed._HTML_OK: one tag with endless attributes, never closed",
                rss("&lt;p" + unit * _times(unit, size)))


def _long_title(size: int) -> Body:
    sentence = "The studio said the season was announced at the event and fans cheered. "
    return Body("title", "radar/classify and the stored title: a title of sentences",
                rss("s", title=sentence * _times(sentence, size)))


def _long_plain(size: int) -> Body:
    words = "Akudama Drive season 2 announced for a spring premiere. "
    return Body("summary", "the stored summary: a description of sentences",
                rss(words * _times(words, size)))


TEXT_BODIES: tuple[Callable[[int], Body], ...] = (
    _xmlns, _xml_encoding, _script, _script_open, _comment, _lt, _br, _spaced_lt, _attrs, _long_title,
    _long_plain)
ISSUE_BODIES = ("xmlns", "xml-encoding", "script", "lt", "title")  # the rows of the issue's table


def text_bodies(size: int) -> list[Body]:
    """Every item-1 body at about `size` bytes."""
    return [make(size) for make in TEXT_BODIES]


def gzip_bomb(layers: int = 2, inflated: int = 1 << 30) -> bytes:
    """`inflated` zero bytes gzipped `layers` times: ~7 KB for 1 GiB in two layers."""
    data = _gzip_zeros(inflated)
    for _ in range(layers - 1):
        data = gzip.compress(data, 9)
    return data


def _gzip_zeros(size: int) -> bytes:
    """A gzip member of `size` zero bytes, written as a compressor writes it but in a tenth of the time:
    one compressed mebibyte of zeros ending on a full flush is the same bytes every time, so it is made
    once and repeated (compressing 1 GiB took 5 s of every run of the suite)."""
    chunk = bytes(1 << 20)
    count, rest = divmod(size, len(chunk))
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = squeeze.compress(chunk) + squeeze.flush(zlib.Z_FULL_FLUSH)
    tail = squeeze.compress(bytes(rest)) + squeeze.flush()
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(bytes(rest), crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, deflate, no name, no mtime, best compression
    return header + block * count + tail + struct.pack("<II", crc, size & 0xFFFFFFFF)


def deflate(data: bytes) -> bytes:
    """`data` as a zlib stream (HTTP's `deflate`)."""
    return zlib.compress(data, 9)


JA_TITLE = "アクダマドライブ 第2期 制作決定"


def ja_feed(encoding: str, declare: bool) -> bytes:
    """A Japanese one-item feed in `encoding`; with `declare`, the XML declaration names it."""
    decl = f'<?xml version="1.0" encoding="{encoding}"?>\n' if declare else ""
    text = (decl + RSS_HEAD.partition("\n")[2]
            + ITEM.format(title=JA_TITLE, guid="ja-1",
                          summary="アニメ「アクダマドライブ」第2期の制作が決定した。")
            + RSS_TAIL)
    return text.encode(encoding)


def bad_utf8_feed() -> bytes:
    """A feed declared UTF-8 with one invalid byte (0xff) in a title beside valid Japanese."""
    body = rss("summary", title="Akudama Drive 第2期 @BAD@ announced", guid="bad-utf8-1")
    return body.replace(b"@BAD@", b"\xff")


# -- item 7: text that reaches people ------------------------------------------------------------------------

# A terminal clear, an OSC window title, a C1 CSI, bidi overrides and isolates, NUL and BEL: none may reach
# a terminal, a chat message or a webhook payload. Raw ESC is not well-formed XML, so the feed is read by
# the tolerant parser ("malformed feed read anyway"), as a browser-minded CMS would have it.
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\u009b31m\u202egnp.exe\u202c\u2066\u2067x\u2069\u202a\u202b\u202d\x00\x07"
UNSAFE_CHARS = ("\x1b", "\x07", "\x00", "\u009b", *(chr(c) for c in range(0x202A, 0x202F)),
                *(chr(c) for c in range(0x2066, 0x206A)))
UNSAFE_LINKS = ("javascript:alert(1)", "data:text/html,&lt;b&gt;x&lt;/b&gt;", "file:///etc/passwd")
PEOPLE_TITLES = ("Terra Formars Season 3 Announced", "Akudama Drive Season 2 Announced",
                 "Princess Principal Season 2 Announced")


def people_feed(title_size: int = 1_000_000) -> bytes:
    """Three announcements, each title laced with ESCAPES and linked by one of UNSAFE_LINKS; the first
    title also runs on for `title_size` bytes of sentences (a 1 MB webhook POST if stored whole)."""
    sentence = " The studio said more at the event and fans cheered."
    items = []
    for n, (title, link) in enumerate(zip(PEOPLE_TITLES, UNSAFE_LINKS, strict=True)):
        tail = sentence * (title_size // len(sentence)) if n == 0 else ""
        items.append(ITEM.format(title=f"{ESCAPES} {title} {ESCAPES}{tail}", guid=f"people-{n}",
                                 summary=f"{ESCAPES} {title}. {ESCAPES}").replace(f"http://127.0.0.1/a/people-{n}",
                                                                                link))
    return (RSS_HEAD + "".join(items) + RSS_TAIL).encode("utf-8")


# -- item 6: secrets and private URL parts -------------------------------------------------------------------

SOURCE_PASSWORD = "feedPass-5150"                     # a source URL's user:password@
APPRISE_USER, APPRISE_PASSWORD = "mailUser-77", "mailPass-2718"
NTFY_TOPIC = "radar-private-topic-9931"              # an ntfy topic: who knows it can read the alerts
HOOK_TOKEN = "hookToken-6060"                          # the private path of a webhook URL
AUTHORIZATION = "Bearer authz-Secret-4711"            # a receiver echoes it into its error body
SECRET_VALUES = (SOURCE_PASSWORD, APPRISE_USER, APPRISE_PASSWORD, NTFY_TOPIC, HOOK_TOKEN, "authz-Secret-4711")


def main(argv: list[str] | None = None) -> int:
    """Write the corpus to a directory (`python tests/hostile/corpus.py OUT [SIZE]`), for other tools."""
    import sys
    from pathlib import Path

    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: corpus.py OUT_DIR [SIZE_BYTES]", file=sys.stderr)
        return 2
    out, size = Path(args[0]), int(args[1]) if len(args) > 1 else 100_000
    out.mkdir(parents=True, exist_ok=True)
    for body in text_bodies(size):
        (out / f"{body.name}-{size}.xml").write_bytes(body.data)
    (out / "gzip-gzip-1GiB.bin").write_bytes(gzip_bomb())
    for encoding in ("shift_jis", "euc-jp"):
        (out / f"{encoding}-undeclared.xml").write_bytes(ja_feed(encoding, declare=False))
    (out / "bad-utf8.xml").write_bytes(bad_utf8_feed())
    (out / "people.xml").write_bytes(people_feed())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
