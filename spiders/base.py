"""What the source kinds share: header lookup and the linear markup-to-text helpers."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime

from radar.domain.display import TITLE_LIMIT

logger = logging.getLogger(__name__)

SUMMARY_MAX = 2000


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header value by case-insensitive name."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


# What of a text is worth reading: a headline is rarely over 150 characters and a summary's news is in
# its first paragraphs. Text past these is cut before anything scans it (the classifier included), and
# markup past MARKUP_MAX is not even stripped: no field costs more than a few KB, whatever a source sends.
TITLE_MAX = TITLE_LIMIT  # the one title limit (radar.domain.display); summaries stop earlier, at SUMMARY_MAX
MARKUP_MAX = 64 * 1024

_TAG = re.compile(r"<[^>]*>")
_BLOCK = re.compile(r"<\s*+/?\s*+"
                    r"(br|hr|p|div|li|ul|ol|h[1-6]|tr|td|th|dt|dd|table|blockquote|section|article)\b"
                    r"[^>]*>", re.IGNORECASE)
_HIDDEN_OPEN = re.compile(r"<\s*(script|style)\b|<!--", re.IGNORECASE)
_HIDDEN_CLOSE = {"script": re.compile(r"<\s*+/\s*+script\s*+>", re.IGNORECASE),
                 "style": re.compile(r"<\s*+/\s*+style\s*+>", re.IGNORECASE), "<!--": re.compile("-->")}
_cuts_logged: set[tuple[str, str]] = set()


def text_of(markup: str, limit: int = SUMMARY_MAX) -> str:
    """HTML stripped to plain text with squeezed whitespace, capped at `limit` characters."""
    return _text_of(markup, limit)[0]


def _text_of(markup: str, limit: int) -> tuple[str, bool]:
    """text_of, and whether anything was cut. Linear in the markup (every pattern is scanned once)."""
    cut = len(markup) > MARKUP_MAX
    if cut:
        markup = markup[:MARKUP_MAX]
        if markup.rfind("<") > markup.rfind(">"):  # no half tag at the cut
            markup = markup[: markup.rfind("<")]
    text = _outside_tags(_BLOCK, " ", _drop_hidden(markup))
    text = _outside_tags(_TAG, "", text)
    text = " ".join(html.unescape(text).split())
    if len(text) > limit:
        return text[: limit - 1].rstrip() + "…", True
    return text, cut


def _squeeze(text: str, limit: int) -> tuple[str, bool]:
    text = " ".join(text[: limit * 8].split())  # runs of whitespace count once: read a little more
    if len(text) > limit:
        return text[: limit - 1].rstrip() + "…", True
    return text, False


def readable(source: str, what: str, raw: str, limit: int, markup: bool) -> str:
    """A field of an article as stored: `raw` (HTML if `markup`) as plain text of at most `limit`
    characters; the first cut of each field of each source is logged."""
    text, cut = _text_of(raw, limit) if markup else _squeeze(raw, limit)
    if cut and (source, what) not in _cuts_logged:
        _cuts_logged.add((source, what))
        logger.warning("source %r: a %s of %d characters was cut to %d (later cuts not logged)",
                       source, what, len(raw), limit)
    return text


def _outside_tags(pattern: re.Pattern[str], replacement: str, text: str) -> str:
    """`pattern.sub(replacement, text)` for a pattern ending in `[^>]*>`: past the last ">" nothing can
    match, so only the part before it is scanned (else each "<" there would scan to the end)."""
    end = text.rfind(">") + 1
    return pattern.sub(replacement, text[:end]) + text[end:] if end else text


def _drop_hidden(markup: str) -> str:
    """Scripts, styles and comments replaced by a space, as `<script…</script>|<!--…-->` would be, but
    linear: once a closing tag is missing after one opening tag, it is missing after every later one."""
    parts: list[str] = []
    done = start = 0
    unclosed: set[str] = set()
    while found := _HIDDEN_OPEN.search(markup, start):
        kind = (found.group(1) or "<!--").lower()
        close = None if kind in unclosed else _HIDDEN_CLOSE[kind].search(markup, found.end())
        if close is None:
            unclosed.add(kind)
            start = found.start() + 1
            continue
        parts += [markup[done:found.start()], " "]
        done = start = close.end()
    return "".join(parts) + markup[done:] if parts else markup


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
