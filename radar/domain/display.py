"""Text for people: what a source wrote, made safe to store, print and send.

A feed's title, summary and link reach terminals (`check`, `history`, `status`), chat services and
webhook receivers. Here they are bounded (a title at 300 characters, a summary at 4,000: what the
classifier reads, an ellipsis marking the cut), cleaned of control characters, terminal escape sequences
(`ESC[2J`, OSC titles) and bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069), and a link is kept
only when it is `http` or `https`. `for_people` is applied where articles enter the store, so everything
read back from it is clean; `clean` is applied again where stored text is printed. Linear in its input.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urlsplit

from radar.domain.models import Article

# What is worth reading of an article, for people and for the classifier alike (radar.detect.classify cuts at
# these too): a headline is a few hundred characters, a summary's news is in its first few KB.
TITLE_LIMIT = 300
SUMMARY_LIMIT = 4000
URL_LIMIT = 2000

# ESC [ … final byte (CSI), ESC ] … BEL or ESC \ (OSC), ESC P/X/^/_ … ESC \ (DCS, SOS, PM, APC), then any
# other two-byte ESC sequence; the C1 forms (U+009B CSI, U+009D OSC) likewise. Every repetition is bounded
# and no two alternatives can re-scan the same run, so the scan is linear.
_ESCAPE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]{0,64}[ -/]{0,16}[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]{0,4096}(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?")
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_DROP = dict.fromkeys([*range(0x20), 0x7F, *range(0x80, 0xA0)])  # C0, DEL, C1
_DROP.update({ord(c): None for c in _BIDI})
_SPACES = {ord(c): " " for c in "\t\n\r\v\f\x85\u2028\u2029"}  # whitespace controls read as a space
_KEEP_LINES = {**_DROP, ord("\n"): "\n", ord("\t"): "    "}


def clean(text: str, limit: int | None = None) -> str:
    """One line of text for people: escape sequences, control and bidi characters removed, whitespace
    squeezed, at most `limit` characters (an ellipsis marks a cut)."""
    text = _ESCAPE.sub("", text[: limit * 8] if limit else text)
    text = " ".join(text.translate(_SPACES).translate(_DROP).split())
    return cut(text, limit) if limit else text


def clean_lines(text: str) -> str:
    """Multi-line text for people (a rendered alert): as `clean`, but newlines kept and nothing cut."""
    return _ESCAPE.sub("", text.replace("\r\n", "\n")).translate(_KEEP_LINES)


def cut(text: str, limit: int) -> str:
    """`text` at most `limit` characters; a cut one ends in an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def web_link(url: str) -> str:
    """`url` when it is an http(s) link with a host (cleaned, bounded); otherwise "" (javascript:, data:,
    file:, mailto: … are never offered as a link to follow)."""
    url = clean(url)
    if len(url) > URL_LIMIT:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else ""


def for_people(article: Article) -> Article:
    """The article as it is stored: title and summary cleaned and bounded, only an http(s) link kept."""
    title = clean(article.title, TITLE_LIMIT)
    summary = clean(article.summary, SUMMARY_LIMIT)
    url = web_link(article.url) if article.url else ""
    if (title, summary, url) == (article.title, article.summary, article.url):
        return article
    return replace(article, title=title, summary=summary, url=url)
