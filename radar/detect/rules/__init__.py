"""The classifier's rules as data: phrase lists per language, compiled into one automaton.

`radar.detect.rules.en.RULES` and `radar.detect.rules.ja.RULES` map a family name to a list of
(phrases, why), phrases separated by "|" (see `radar.detect.rules.en` for the syntax). `ruleset(lang)`
compiles every phrase of every family into a single Aho-Corasick automaton, so scanning a text for
all families is one pass whatever the number of phrases. Japanese texts get the Japanese and the
English phrases (headlines mix "Season 2" with 第2期).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import ahocorasick

from radar.detect.rules import en, ja
from radar.domain.normalize import is_latin_word_char

__all__ = ["Hits", "RuleSet", "ruleset"]

Span = tuple[int, int]
Hits = dict[str, list[Span]]
Table = dict[str, list[tuple[str, str]]]

_TABLES: dict[str, tuple[Table, ...]] = {"en": (en.RULES,), "ja": (ja.RULES, en.RULES)}
_ANCHORED: dict[str, tuple[Table, ...]] = {"en": (en.ANCHORED,), "ja": (ja.ANCHORED, en.ANCHORED)}
_DIGITS = str.maketrans("0123456789", "##########")
# What may stand between an ordinal and its season noun: "second TV season", "new short anime project".
_ORDINAL_GAP = re.compile(
    r"(?:[ -]+(?!manga|novel|light|game|stage|live|episode|of\b|the\b)[\w']+){0,2}[ -]+")
# What may stand between a print word and its event: "manga's final arc", "light novel series ends".
_PRINT_GAP = re.compile(r"(?:'s)?(?:[ -]+[\w']+){0,3}[ -]+|[^。.!?]{0,12}")


@dataclass(frozen=True)
class _Phrase:
    family: str
    prefix: bool  # a trailing * in the rule: no word boundary after it
    check_start: bool
    check_end: bool


def _is_word(ch: str) -> bool:
    return ch == "#" or is_latin_word_char(ch)


def _expand(phrase: str) -> list[str]:
    """A phrase with its number runs: "第#期" → 第#期, 第##期 (digits become one # each)."""
    if "#" not in phrase:
        return [phrase]
    out = [""]
    for piece in re.split(r"(#)", phrase):
        out = [o + "#" * n for o in out for n in (1, 2, 3, 4)] if piece == "#" else [o + piece for o in out]
    return out


def _alternation(regexes: Iterable[str]) -> re.Pattern[str]:
    parts = [f"(?:{r})" for r in regexes]
    return re.compile("|".join(parts) if parts else r"(?!x)x")


class RuleSet:
    """Every phrase of one language's rules in one automaton; `scan` finds them all."""

    def __init__(self, lang: str, tables: tuple[Table, ...], anchored: tuple[Table, ...]) -> None:
        self.lang = lang
        # anchored regexes, matched at one position: after a show name, at a headline's start
        self.sequel_suffix = _alternation(r for t in anchored for r, _ in t.get("sequel_suffix", ()))
        self.question = _alternation(r for t in anchored for r, _ in t.get("question", ()))
        self.families: tuple[str, ...] = tuple(dict.fromkeys(f for t in tables for f in t))
        keys: dict[str, set[_Phrase]] = defaultdict(set)
        for table in tables:
            for family, rules in table.items():
                for phrases, _why in rules:
                    for raw in phrases.split("|"):
                        prefix = raw.endswith("*")
                        for key in _expand(raw.rstrip("*")):
                            check_end = _is_word(key[-1]) and not prefix
                            keys[key].add(_Phrase(family, prefix, _is_word(key[0]), check_end))
        if "#" not in keys:
            keys["#"] = {_Phrase("date_anchor", False, True, False)}
        self._automaton = ahocorasick.Automaton()
        for key, found in keys.items():
            self._automaton.add_word(key, (len(key), tuple(found)))
        self._automaton.make_automaton()

    def scan(self, low: str) -> Hits:
        """Spans of every family's phrases in a low-form text, in text order per family."""
        text = low.translate(_DIGITS)
        n = len(text)
        hits: Hits = {f: [] for f in self.families}
        hits.setdefault("date_anchor", [])
        for last, (length, phrases) in self._automaton.iter(text):
            start, end = last + 1 - length, last + 1
            for p in phrases:
                if p.check_start and start and _is_word(text[start - 1]):
                    continue
                if p.check_end and end < n and _is_word(text[end]):
                    continue
                hits[p.family].append((start, end))
        self._compose(text, hits)
        return hits

    @staticmethod
    def _compose(text: str, hits: Hits) -> None:
        """Families made of two phrases close together."""
        for s1, e1 in hits.get("ordinal", ()):
            for s2, e2 in hits.get("season_noun", ()):
                if e1 < s2 <= e1 + 30 and _ORDINAL_GAP.fullmatch(text, e1, s2):
                    hits["object"].append((s1, e2))
                    break
        for s1, e1 in hits.get("print_medium", ()):
            for s2, e2 in hits.get("print_event", ()):
                if e1 <= s2 <= e1 + 40 and _PRINT_GAP.fullmatch(text, e1, s2):
                    hits["negative"].append((s1, e2))
                    break
        for s1, e1 in hits.get("platform", ()):
            if any(abs(s2 - e1) <= 30 or abs(s1 - e2) <= 8 for s2, e2 in hits.get("platform_verb", ())):
                hits["negative"].append((s1, e1))
        for s1, e1 in hits.get("schedule_noun", ()):
            if any(e1 <= s2 <= e1 + 16 for s2, _ in hits.get("change_word", ())):
                hits["delay"].append((s1, e1))
        for s1, e1 in hits.get("live_prefix", ()):
            if not text.endswith(("アニメ", "劇場"), 0, s1):
                hits["negative"].append((s1, e1))
        anchors = hits["date_anchor"]
        # a number run is one anchor, at its first digit
        hits["date_anchor"] = [(s, e) for s, e in anchors
                               if not (text[s] == "#" and s and text[s - 1] == "#")]


@cache
def ruleset(lang: str) -> RuleSet:
    """The compiled rules for "en" or "ja" (anything else gets English)."""
    lang = lang if lang in _TABLES else "en"
    return RuleSet(lang, _TABLES[lang], _ANCHORED[lang])
