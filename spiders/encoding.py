"""A feed's bytes as UTF-8 the parsers can trust: decoded by its BOM, HTTP charset, XML declaration or,
without any, by trying UTF-8, then EUC-JP and Shift_JIS (cp932) — taken only when the text has kana, since
Western bytes often decode as cp932 too — then windows-1252, with a warning. (charset_normalizer, which
requests installs, was tried: it named a plain windows-1252 feed cp775; the kana test is exact enough.)

Every step is linear in the body: the XML declaration is read from the first DECL_MAX bytes only, and
feedparser never sees a first line it could backtrack over (its encoding pattern scans the whole first
line once per quote).
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass

logger = logging.getLogger(__name__)

DECL_MAX = 1024  # an XML declaration is ~40 bytes; one not closed within 1 KB is not a declaration
DETECT_ORDER = ("utf-8", "euc-jp", "cp932")  # tried in order when nothing declares a charset
_KANA = re.compile("[\u3041-\u3096\u30a1-\u30fa]")  # hiragana, katakana: Japanese text has some
_BOMS = ((codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF16_LE, "utf-16-le"))
_DECL_ENCODING = re.compile(rb"""\sencoding\s*+=\s*+(["'])([A-Za-z][A-Za-z0-9._:-]{0,63})\1""")
_CHARSET = re.compile(r"""charset\s*+=\s*+["']?([A-Za-z0-9._:-]{1,64})""", re.IGNORECASE)
_UTF8_DECL = b'<?xml version="1.0" encoding="utf-8"?>\n'


class BadDeclaration(ValueError):
    """The body starts like an XML declaration that never ends (the message says where it looked)."""


@dataclass(frozen=True)
class Decoded:
    """A body ready for the feed parsers: UTF-8 bytes, the content type to give them, what was wrong."""

    body: bytes
    content_type: str | None
    encoding: str              # what the original bytes were read as
    warning: str | None = None  # invalid bytes replaced, or a guess; like feedparser's bozo


def decode_feed(body: bytes, content_type: str | None) -> Decoded:
    """`body` as UTF-8 (unchanged when it already is), read by BOM, charset, declaration or detection.

    Raises BadDeclaration for a `<?` that is not closed within DECL_MAX bytes.
    """
    bom, name = next(((b, n) for b, n in _BOMS if body.startswith(b)), (b"", ""))
    charset = _charset(content_type)
    declared = "" if name and name != "utf-8" else declaration_encoding(body[len(bom):])
    chosen = name or _known(charset) or _known(declared)
    if chosen in ("", "ascii"):
        return _detect(body, content_type)
    if chosen == "utf-8":
        try:
            body[len(bom):].decode("utf-8")
        except UnicodeDecodeError as error:
            where = error.start + len(bom)
            text = body[len(bom):].decode("utf-8", "replace")
            return _as_utf8(text, content_type, "utf-8",
                            f"invalid UTF-8 (byte {body[where]:#04x} at offset {where}) replaced by U+FFFD")
        return Decoded(_short_first_line(body), content_type, "utf-8")
    try:
        text = body[len(bom):].decode(chosen)
    except UnicodeDecodeError as error:
        text = body[len(bom):].decode(chosen, "replace")
        return _as_utf8(text, content_type, chosen, f"invalid {chosen} (at offset {error.start}) replaced")
    return _as_utf8(text, content_type, chosen)


def _detect(body: bytes, content_type: str | None) -> Decoded:
    for encoding in DETECT_ORDER:
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8":
            return Decoded(_short_first_line(body), content_type, "utf-8")
        if not _KANA.search(text):
            continue
        logger.debug("no charset declared, read as %s", encoding)
        return _as_utf8(text, content_type, encoding)
    return _as_utf8(body.decode("cp1252", "replace"), content_type, "cp1252",
                    "no charset declared and not UTF-8 or Japanese: read as windows-1252")


def _as_utf8(text: str, content_type: str | None, encoding: str, warning: str | None = None) -> Decoded:
    """The text re-encoded as UTF-8 under a declaration that says so."""
    data = text.encode("utf-8")
    decl_end = _declaration_end(data)
    if decl_end:
        decl = data[:decl_end]
        if _DECL_ENCODING.search(decl):
            decl = _DECL_ENCODING.sub(b' encoding="utf-8"', decl, count=1)
        else:
            decl = decl[:-2].rstrip() + b' encoding="utf-8"?>'
        data = decl + b"\n" + data[decl_end:]
    else:
        data = _UTF8_DECL + data
    mime = (content_type or "application/xml").split(";")[0].strip() or "application/xml"
    return Decoded(data, f"{mime}; charset=utf-8", encoding, warning)


def declaration_encoding(data: bytes) -> str:
    """The encoding named by the XML declaration at the start of `data` ('' when none)."""
    end = _declaration_end(data)
    found = _DECL_ENCODING.search(data[:end]) if end else None
    return found.group(2).decode("ascii").lower() if found else ""


def _declaration_end(data: bytes) -> int:
    """The end of the `<?xml …?>` declaration at the start of `data`, or 0 when there is none."""
    if not data.startswith(b"<?xml"):
        return 0
    end = data.find(b"?>", 0, DECL_MAX)
    if end < 0:
        raise BadDeclaration(f"an XML declaration not closed within its first {DECL_MAX} bytes")
    return end + 2


def _short_first_line(body: bytes) -> bytes:
    """The body with a line break after a leading `<?…?>` when its first line goes on: XML reads the
    same, and feedparser's encoding pattern (which scans the first line) stays on the declaration."""
    bom = codecs.BOM_UTF8 if body.startswith(codecs.BOM_UTF8) else b""
    if not body.startswith(b"<?", len(bom)):
        return body
    line_end = body.find(b"\n", 0, DECL_MAX + len(bom))
    if line_end >= 0:
        return body
    end = body.find(b"?>", 0, DECL_MAX + len(bom))
    if end < 0:
        raise BadDeclaration(f"a processing instruction not closed within its first {DECL_MAX} bytes")
    return body[:end + 2] + b"\n" + body[end + 2:]


def _charset(content_type: str | None) -> str:
    found = _CHARSET.search(content_type or "")
    return found.group(1).lower() if found else ""


def _known(name: str) -> str:
    """The Python codec name for an encoding label ('' when unknown)."""
    try:
        codec = codecs.lookup(name).name if name else ""
    except LookupError:
        return ""
    return {"us-ascii": "ascii", "utf-8-sig": "utf-8"}.get(codec, codec)


def pi_encoding(data: bytes) -> bytes | None:
    """What feedparser's `^<\\?.*encoding=['"](.*?)['"].*\\?>` captures from `data`, in linear time.

    The pattern reads the first line only; its greedy `.*` picks the last `encoding=` plus quote that has
    a quote after it, and the lazy group ends at the first quote before the line's last `?>`.
    """
    if not data.startswith(b"<?"):
        return None
    newline = data.find(b"\n")
    line = data if newline < 0 else data[:newline]
    last = line.rfind(b"?>")
    end = len(line)
    while last >= 0 and (k := line.rfind(b"encoding=", 2, end)) >= 0:
        end = k + 8  # the next candidate starts before k
        start = k + 10
        if line[k + 9:k + 10] in (b"'", b'"') and start <= last:
            quotes = [q for q in (line.find(b"'", start, last), line.find(b'"', start, last)) if q >= 0]
            if quotes:
                return line[start:min(quotes)]
    return None
