"""The parts of an article the classifier reads: its title or summary scanned once (`Part`), cut into
sentences and clauses, and the clauses of a sentence naming several shows given to their owners.

Every split is one pass of a pattern over the text (no backtracking that can go quadratic); a split
that falls inside a show's name is skipped, so a name is never cut.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from radar.detect.installment import Found
from radar.detect.matching import Mention
from radar.detect.releases import Release
from radar.domain.normalize import Folded

_SENTENCE = re.compile(r"。+\s*|[.!?]+(?=\s|$|[\"'\u3040-\u9fff])\s*|(?<=[\u3040-\u9fff\"])!+(?=[0-9a-z])")
_ABBREV = frozenset("dr no vol mr mrs ms st jr vs ep pt inc co ltd approx jan feb aug sept oct nov dec"
                    .split())
_CLAUSE = re.compile(
    r"\s*[;|]\s*|:\s+|,\s+(?![0-9]{4}\b)|\s+[-~]\s+|\s+/\s+|[、，|]\s*"
    r"|\s+(?:and|while|whereas|but|meanwhile|plus|as well as|alongside|&)\s+"
)
FILLER = re.compile(r"(?:\b(?:and|the|anime|tv|s|plus|in|for|on|by|from|of)\b"
                     r"|[\s,&'\"\-:;/、・とにへはも])+")
Span = tuple[int, int]




@dataclass
class Part:
    """The title or the summary, scanned once."""

    folded: Folded
    is_title: bool
    mentions: list[Mention]  # mentions that count (not in passing)
    masks: list[Span]  # every mention span: show names are never evidence
    hits: dict[str, list[Span]] = field(default_factory=dict)
    releases: list[Release] = field(default_factory=list)
    installments: list[Found] = field(default_factory=list)
    question: bool = False
    sentences: list[Span] = field(default_factory=list)
    clause_cache: dict[Span, list[Span]] = field(default_factory=dict)

    starts: dict[str, list[int]] = field(default_factory=dict)

    def has(self, family: str, start: int, end: int) -> bool:
        """Whether a phrase of the family starts in [start, end): a binary search, not a scan."""
        starts = self.starts.get(family)
        if starts is None:
            starts = self.starts[family] = sorted(s for s, _ in self.hits.get(family, ()))
        i = bisect.bisect_left(starts, start)
        return i < len(starts) and starts[i] < end


def overlaps(s: int, e: int, spans: list[Span]) -> bool:
    return any(s < me and ms < e for ms, me in spans)


def sentences(part: Part) -> list[Span]:
    text = part.folded.text
    spans, start = [], 0
    for m in _SENTENCE.finditer(text):
        if overlaps(m.start(), m.end(), part.masks):
            continue
        if text[m.start()] == ".":
            word = text[:m.start()].rsplit(" ", 1)[-1].lower()
            if (word in _ABBREV or len(word) == 1 or "." in word
                    or (m.end() < len(text) and text[m.end()].islower())):
                continue
        if m.end() > start:
            spans.append((start, m.end()))
            start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def names_only(part: Part, s: int, e: int) -> bool:
    """Whether a clause holds nothing but show names and filler ("Jujutsu Kaisen, Dorohedoro")."""
    masks = sorted((max(ms, s), min(me, e)) for ms, me in part.masks if ms < e and s < me)
    return not FILLER.sub("", without(part.folded.low, s, e, masks))


def sentence_of(part: Part, s: int, e: int) -> Span:
    """The sentence holding a span (a show may own only some clauses of it)."""
    for ss, se in part.sentences:
        if ss <= s < se:
            return ss, se
    return s, e


def clauses(part: Part, s: int, e: int) -> list[Span]:
    """The clauses of a span (cached: a show's judge asks for the same sentence several times)."""
    cached = part.clause_cache.get((s, e))
    if cached is None:
        cached = part.clause_cache[(s, e)] = _split_clauses(part, s, e)
    return cached


def _split_clauses(part: Part, s: int, e: int) -> list[Span]:
    spans, start = [], s
    for m in _CLAUSE.finditer(part.folded.low, s, e):
        if m.start() > start and not overlaps(m.start(), m.end(), part.masks):
            spans.append((start, m.start()))
            start = m.end()
    if start < e:
        spans.append((start, e))
    return spans


def split_owners(part: Part, s: int, e: int, mentions: list[Mention]) -> list[tuple[str, Span]]:
    """Clauses of a sentence naming several shows, each given to the shows it names.

    A clause that is only a name ("Jujutsu Kaisen, Dorohedoro Dated") shares the next clause;
    a clause naming no show belongs to the shows of the clause before it.
    """
    out: list[tuple[str, Span]] = []
    pending: list[str] = []
    last: list[str] = []
    for cs, ce in clauses(part, s, e):
        shows = list(dict.fromkeys(m.show_id for m in mentions if cs <= m.start < ce))
        if shows:
            if names_only(part, cs, ce):
                pending.extend(shows)
                continue
            owners = pending + shows
            pending = []
        else:
            owners = pending + last
            pending = []
        out.extend((show, (cs, ce)) for show in dict.fromkeys(owners))
        last = owners
    return out


def without(low: str, s: int, e: int, spans: list[Span]) -> str:
    """The text of a clause with some spans (its dates, its installment words) cut out."""
    out, pos = [], s
    for start, end in spans:
        out.append(low[pos:start])
        pos = max(pos, end)
    out.append(low[pos:e])
    return "".join(out)
