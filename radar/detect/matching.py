"""Which watched shows a text names: one Aho-Corasick pass over the normalized text.

The watchlist is compiled once into an automaton of name keys (see `radar.domain.normalize`): every
title and alias, plus safe derived variants (the part of a title before a colon subtitle, both
spellings of "A×B"). Finding mentions costs one pass over the text whatever the watchlist size.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from radar.domain.models import Show
from radar.domain.normalize import Folded, fold, has_cjk, is_latin_word_char, name_key, normalize

log = logging.getLogger(__name__)

__all__ = ["Matcher", "Mention"]

# A title's part before a subtitle separator: "Mushoku Tensei: Jobless Reincarnation".
_SUBTITLE = re.compile(r"\s*(?::|\s[-~–—]|\(|\[)")
_PUNCT = "!?.~-'\")]>"
# A lone word too common to stand for a show by itself when cut from a longer title.
_GENERIC_PREFIXES = frozenset(
    "the a an new my our your his her their one two this that cyberpunk gundam pokemon digimon "
    "mobile suit love star world hero heroes dragon sword magic princess prince king queen "
    "lord demon devil ghost monster girls boys school tokyo city night dark black white blue "
    "red green golden project". split()
)


@dataclass(frozen=True)
class Mention:
    """A watched show named in a text; `start`/`end` index `fold(text).text` (the display form)."""

    show_id: str
    start: int
    end: int
    name: str  # the matched name key
    derived: bool = False  # matched a derived variant, not a listed name


@dataclass(frozen=True)
class _Entry:
    key: str
    show_ids: tuple[str, ...]
    derived: bool
    check_case: bool  # Latin name written with capitals: an all-lowercase occurrence is a common word
    tail: str = ""  # punctuation ending the name ("Bocchi the Rock!"), part of the mention when present


def _variants(show: Show) -> Iterable[tuple[str, bool, str]]:
    """(key, derived, original name) for every name of a show."""
    for name in show.names:
        key = name_key(name)
        yield key, False, name
        if "×" in name or " x " in key:
            spaced = name_key(name.replace("×", " x "))
            yield spaced, True, name
            yield spaced.replace(" x ", "x"), True, name
    head = _SUBTITLE.split(show.title, maxsplit=1)[0]
    if head != show.title:
        yield name_key(head), True, head


def _tail(name: str) -> str:
    low = normalize(name)
    return low[len(low.rstrip(_PUNCT)):]


def _safe_derived(key: str) -> bool:
    words = key.split()
    if has_cjk(key):
        return len(key.replace(" ", "")) >= 3
    if len(words) >= 2:
        return len(key) >= 6 and not all(w in _GENERIC_PREFIXES for w in words)
    return len(key) >= 6 and key not in _GENERIC_PREFIXES


def _usable(key: str) -> bool:
    compact = key.replace(" ", "")
    return len(compact) >= (2 if has_cjk(compact) else 3)


# A capitalised name run into the next word by a feed that lost a space: "BLUELOCKManga",
# "Re:ZEROSeason 4", "DAN DA DAN2nd Season".
_ORDINAL_AFTER = re.compile(r"\d{1,2}(?:st|nd|rd|th)\b")
# "… of the Neighbor X", "… of X": a one-word name ending another title.
_INSIDE_TITLE = re.compile(r"\bof (?:the |a )?[a-z'-]{2,20} $")


def _glued(text: str, i: int) -> bool:
    """Whether a name ending at display offset `i` is glued to the next word at a case change."""
    if i <= 0 or i + 1 >= len(text) or not text[i - 1].isupper():
        return False
    nxt, after = text[i], text[i + 1]
    return (nxt.isupper() and after.islower()) or bool(nxt.isdigit() and _ORDINAL_AFTER.match(text, i))


class Matcher:
    """Finds mentions of watched shows in texts; built once per watchlist."""

    def __init__(self, shows: Sequence[Show]) -> None:
        """Compile every show's names into one automaton."""
        exact: dict[str, set[str]] = {}
        derived: dict[str, set[str]] = {}
        cased: dict[str, bool] = {}
        tails: dict[str, str] = {}
        for show in shows:
            for key, is_derived, original in _variants(show):
                if not _usable(key):
                    if is_derived:
                        continue
                    log.warning("show %r: name %r is too short to match safely", show.id, original)
                    continue
                if is_derived and not _safe_derived(key):
                    continue
                (derived if is_derived else exact).setdefault(key, set()).add(show.id)
                has_upper = any(c.isupper() for c in original) and not has_cjk(original)
                cased[key] = cased.get(key, True) and has_upper
                tails.setdefault(key, _tail(original))
        self._automaton = ahocorasick.Automaton()
        self.size = 0
        for key, ids in exact.items():
            self._add(key, ids, False, cased[key], tails[key])
        for key, ids in derived.items():
            if key in exact or len(ids) > 1:  # a shared head ("Gundam: …") names no single show
                continue
            self._add(key, ids, True, cased[key], tails[key])
        if self.size:
            self._automaton.make_automaton()

    def _add(self, key: str, ids: set[str], derived: bool, check_case: bool, tail: str) -> None:
        if len(ids) > 1:
            log.info("name %r is shared by shows %s", key, sorted(ids))
        self._automaton.add_word(key, _Entry(key, tuple(sorted(ids)), derived, check_case, tail))
        self.size += 1

    def find(self, text: str) -> list[Mention]:
        """Whole-word mentions of watched shows, longest first at overlaps, in text order.

        Spans index the display form `radar.domain.normalize.fold(text).text`.
        """
        return self.find_folded(fold(text))

    def find_folded(self, folded: Folded) -> list[Mention]:
        """`find` for a text already folded."""
        if not self.size:
            return []
        key = folded.key
        found: list[tuple[int, int, _Entry]] = []
        for last, entry in self._automaton.iter(key):
            start, end = last + 1 - len(entry.key), last + 1
            if start > 0 and is_latin_word_char(key[start]) and is_latin_word_char(key[start - 1]):
                continue
            if (end < len(key) and is_latin_word_char(key[end - 1]) and is_latin_word_char(key[end])
                    and not _glued(folded.text, folded.to_text(end - 1) + 1)):
                continue
            found.append((start, end, entry))
        if not found:
            return []
        found.sort(key=lambda f: (f[0] - f[1], f[0]))  # longest first, then leftmost
        taken: list[tuple[int, int]] = []
        mentions: list[Mention] = []
        for start, end, entry in found:
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            t_start, t_end = folded.to_text(start), folded.to_text(end - 1) + 1
            if entry.tail and folded.low.startswith(entry.tail, t_end):
                t_end += len(entry.tail)
            if entry.check_case and not any(c.isupper() for c in folded.text[t_start:t_end]):
                continue
            if " " not in entry.key and _INSIDE_TITLE.search(folded.low, max(0, t_start - 40), t_start):
                continue  # "the Prince of the Neighbor Kingdom": one word of another title
            mentions.extend(Mention(sid, t_start, t_end, entry.key, entry.derived) for sid in entry.show_ids)
        mentions.sort(key=lambda m: (m.start, m.show_id))
        return mentions
