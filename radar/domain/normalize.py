"""Text normalization shared by show matching and the classifier's rules.

Three forms of one text are used:

- the *display* form (`Folded.text`): NFKC, unified quotes/dashes/brackets, × → x, whitespace
  collapsed; case is kept so that phrases quoted back to users stay readable;
- the *low* form (`Folded.low`): the display form case-folded, character for character the same
  length, so every span found in it is a span of the display form too;
- the *key* form (`Folded.key`): the low form with punctuation turned into single spaces. Show
  names are compiled in this form, so "Re:Zero", "Re: Zero" and "re zero" are the same key and a
  whole-word test is a look at the neighbouring characters ("one piece" never matches inside
  "one punch man"). `Folded.to_text` maps a key offset back to the display form.

One more form identifies an article by its title (`title_key`, the `title:…` key of one with neither
GUID nor link). It is frozen: stored article keys, and the event ids made from them, depend on it.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass, field

__all__ = ["Folded", "fold", "has_cjk", "is_latin_word_char", "name_key", "normalize", "original_span",
           "title_key"]

# Quotes, brackets, dashes and a few look-alikes, mapped to one ASCII form each.
_UNIFY: dict[int, str] = {
    **{ord(c): "'" for c in "‘’‚‛′`´"},
    **{ord(c): '"' for c in "“”„‟″『』「」〝〞〟«»"},
    **{ord(c): "[" for c in "【〔〖〘［"},
    **{ord(c): "]" for c in "】〕〗〙］"},
    **{ord(c): "<" for c in "〈《"},
    **{ord(c): ">" for c in "〉》"},
    **{ord(c): "-" for c in "‐‑‒–—―−﹘﹣⁃"},
    **{ord(c): "~" for c in "〜～"},
    ord("×"): "x",
    ord("･"): "・",
    ord("\u200b"): "",  # zero-width space
    ord("\ufeff"): "",
}

# Decorative symbols that separate words the way punctuation does.
_DECORATIVE = "☆★♪♫♡♥※◆◇■□●○▼▲△▽→←・"


@functools.cache
def _punctuation_table() -> dict[int, str]:
    """Punctuation and decorative symbols to spaces; built on first use (a scan of the BMP, 20 ms that
    commands reading no text, such as `status`, need not pay)."""
    table: dict[int, str] = {}
    for cp in range(0x10000):
        ch = chr(cp)
        if unicodedata.category(ch).startswith("P"):
            table[cp] = " "
    for ch in _DECORATIVE:
        table[ord(ch)] = " "
    return table


_WS = re.compile(r"\s+")
_SPACES = re.compile(r"  +")
_NON_WORD = re.compile(r"[^\w]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _low(text: str) -> str:
    low = text.casefold()
    if len(low) == len(text):
        return low
    # a character that case-folds to several (ß → ss) keeps its lower-case form instead
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _display(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_UNIFY)
    return _WS.sub(" ", text).strip()


def original_span(original: str, phrase: str) -> str | None:
    """The span of `original` whose display form is `phrase` (a span of the display form), as the
    article wrote it: full-width signs, 「」 and dashes kept; None when it is not there."""
    chars: list[str] = []
    starts: list[int] = []
    for i, ch in enumerate(original):  # the display form, character by character, with each one's source
        for out in unicodedata.normalize("NFKC", ch).translate(_UNIFY):
            if out.isspace():
                if not chars or chars[-1] == " ":
                    continue
                out = " "
            chars.append(out)
            starts.append(i)
    found = "".join(chars).find(phrase.rstrip("…"))
    if not phrase.strip() or found < 0:
        return None
    end = found + len(phrase.rstrip("…")) - 1
    return original[starts[found]:starts[end] + 1] + ("…" if phrase.endswith("…") else "")


def normalize(text: str) -> str:
    """NFKC, case-folded, unified quotes/dashes/brackets, × → x, whitespace collapsed."""
    return _low(_display(text))


def name_key(name: str) -> str:
    """The key form of a show name: normalized, punctuation as single spaces."""
    return _WS.sub(" ", normalize(name).translate(_punctuation_table())).strip()


def title_key(title: str) -> str:
    """The form an article's title is stored under as its key: NFKC, case-folded, every run of non-word
    characters one space. Not the key form: what is stored never changes, so neither does this (no
    unified quotes, × a separator, ß → ss, an underscore kept)."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def has_cjk(text: str) -> bool:
    """True when the text holds kana or kanji."""
    return _CJK.search(text) is not None


def is_latin_word_char(ch: str) -> bool:
    """A letter or digit of an alphabetic script, where whole-word matching applies."""
    return ch.isalnum() and ch < "\u3000"


@dataclass
class Folded:
    """One text in display, low and key forms (see the module docstring)."""

    text: str
    low: str
    key: str
    _raw_key: str = field(repr=False)
    _shifts: tuple[list[int], list[int]] | None = field(default=None, repr=False)

    def to_text(self, key_offset: int) -> int:
        """The display-form offset of a key-form offset."""
        if self._shifts is None:
            # the key is the raw key (same length as `low`) with runs of spaces squeezed to one
            starts, removed = [], []
            total = 0
            for m in _SPACES.finditer(self._raw_key):
                total += m.end() - m.start() - 1
                starts.append(m.end() - total)
                removed.append(total)
            self._shifts = (starts, removed)
        starts, removed = self._shifts
        i = bisect.bisect_right(starts, key_offset)
        return key_offset + (removed[i - 1] if i else 0)


def fold(text: str) -> Folded:
    """Normalize a text once into the forms used by matching and rules."""
    display = _display(text)
    low = _low(display)
    raw_key = low.translate(_punctuation_table())
    key = _SPACES.sub(" ", raw_key) if "  " in raw_key else raw_key
    return Folded(display, low, key, raw_key, None if key is not raw_key else ([], []))

