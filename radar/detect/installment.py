"""Which installment a text names: a season, a part or cour, a film, a special, a new series.

`find_installments(low)` scans a low-form text (see `radar.domain.normalize`) once and returns every
installment word it finds with its canonical label (`season 3`, `season 2 part 2`, `part 2`,
`final season`, `film`, `special`, `new series`: the labels of the corpus policy). A season
number and a part number close together ("Season 2 … 2nd Part", 第3期第2クール) compose into one
label. Every pattern is anchored on a literal word and bounded, so a scan is linear in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

__all__ = ["RANK", "Found", "find_installments", "sequel_number"]

_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
          "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
          "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6,
          "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_KANJI = "一二三四五六七八九十"
_ORD = (r"(?<!\d)(?P<{0}>\d{{1,2}})(?:st|nd|rd|th)"
        r"|\b(?P<{0}w>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)")
_CARD = (r"(?P<{0}>\d{{1,2}})(?![\d.])"
         r"|(?P<{0}w>two|three|four|five|six|seven|eight|nine|ten|ii|iii|iv|vi|v)(?![a-z])")
# Up to two words between an ordinal and its noun: "2nd TV anime season", "third and final season".
_GAP = r"(?:[ -](?:tv|anime|new|and|final|cour|television|full|main|'?\w+'?s?)){0,2}[ -]"

# Each form with the words it cannot match without, so a text is only searched for the forms it may
# hold (a substring test is far cheaper than trying every form at every position). Earlier forms win
# at the same position.
_Form = tuple[re.Pattern[str], tuple[str, ...]]
_ORDINALS = ("1st", "2nd", "3rd", "th", "first", "second", "third", "fourth", "fifth", "sixth", "seventh",
             "eighth", "ninth", "tenth")
_EN: tuple[_Form, ...] = tuple((re.compile(p), words) for p, words in (
    (rf"\bseasons? (?:{_CARD.format('sn')})(?:[:,]? (?:part|cour) (?:{_CARD.format('sp')}))?", ("season",)),
    (rf"(?:{_ORD.format('on')}){_GAP}(?:season|series)(?![a-z])", ("season", "series")),
    (r"s(?<![a-z0-9]s)(?P<sx>\d{1,2})\b", ("s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9")),
    (rf"\bpart (?:{_CARD.format('pn')})(?!\s*:)", ("part ",)),
    (rf"(?:{_ORD.format('po')}){_GAP}(?:part|cour|half|stage)(?![a-z])", ("part", "cour", "half", "stage")),
    (r"\b(?P<final>final|last) (?:tv |anime )?(?:season|series|arc|chapter|cour)\b", ("final ", "last ")),
    ((r"\b(?P<film>(?:anime |theatrical |feature |sequel |new |original |brand-new )?"
      r"(?:film|films|movie|movies)|theatrical anime|anime film)\b"), ("film", "movie", "theatrical")),
    ((r"\b(?P<special>ova|ovas|oad|ona|tv special|anime special|special|specials|mini-anime|mini anime"
      r"|anime short|short anime|bonus episode|bonus episodes|\d{1,3}-minute)\b"),
     ("ova", "oad", "ona", "special", "mini", "short", "bonus", "-minute")),
    ((r"\b(?P<new>new (?:tv |television |net |original |short |light )?anime(?: series| project)?"
      r"|new project)\b"), ("new ",)),
    (r"\b(?P<new>(?:net|light) anime|spin-?off (?:tv )?anime|anime adaptation|anime project)\b",
     ("net anime", "light anime", "spinoff", "spin-off", "anime adaptation", "anime project")),
    (r"\b(?P<new>remake|reboot|tv format)\b", ("remake", "reboot", "tv format")),
    (r"\b(?P<new>gets? (?:an? |its first |1st )?(?:tv |television |net |light )?anime)\b", ("get",)),
    (r"\b(?P<new>(?:1st|first) (?:promo |teaser )?(?:video|trailer|teaser))\b", ("1st ", "first ")),
))
_JA: tuple[_Form, ...] = tuple((re.compile(p), words) for p, words in (
    (rf"第?(?P<jn>\d{{1,2}}|[{_KANJI}])(?:期|シーズン|シリーズ)(?:\s*第?(?P<jp>\d{{1,2}}|[{_KANJI}])クール)?",
     ("期", "シーズン", "シリーズ")),
    (r"(?:シーズン|season)\s*(?P<jn2>\d{1,2})", ("シーズン", "season")),
    (rf"第(?P<jc>\d{{1,2}}|[{_KANJI}])クール|(?P<jc2>\d)クール目", ("クール",)),
    (r"(?P<jfinal>最終章|最終シーズン|完結編|ファイナルシーズン|final season)",
     ("最終", "完結", "ファイナル", "final")),
    (r"(?P<jfilm>劇場版|映画化|映画|劇場アニメ|劇場作品)", ("劇場", "映画")),
    (r"(?P<jspecial>ova|oad|特別編|ミニアニメ|ショートアニメ|tvスペシャル|スペシャルアニメ)",
     ("ova", "oad", "特別編", "アニメ", "スペシャル")),
    (r"(?P<jnew>完全新作アニメ|新作アニメ|新作tvアニメ|tvアニメ化|アニメ化|新シリーズ|新プロジェクト)",
     ("新", "アニメ化")),
))

# What follows a reference to an installment that is airing, not news of one.
_AIRING = re.compile(r"(?:'s)? (?:finale|episode|episodes|ep|recap|review|premiere episode|blu-ray|dub)\b")

# Which label wins when several stand in one claim's text: a number says most.
RANK = {"season": 0, "final season": 1, "part": 2, "film": 3, "special": 4, "new series": 5}


@dataclass(frozen=True)
class Found:
    """One installment word in a text."""

    label: str
    start: int
    end: int

    @property
    def kind(self) -> str:
        """The label's kind, for ranking: season, final season, part, film, special, new series."""
        if self.label.startswith("season"):
            return "season"
        if self.label.startswith("part"):
            return "part"
        return self.label


def _num(m: re.Match[str], name: str) -> int | None:
    raw = m.group(name) if name in m.re.groupindex else None
    if raw is None and name + "w" in m.re.groupindex:
        raw = m.group(name + "w")
    if raw is None:
        return None
    return int(raw) if raw.isdigit() else _WORDS.get(raw)


def _label(m: re.Match[str]) -> str | None:
    season = next((n for n in (_num(m, k) for k in ("sn", "on", "sx", "jn", "jn2")) if n), None)
    part = next((n for n in (_num(m, k) for k in ("sp", "jp", "pn", "po", "jc", "jc2")) if n), None)
    if season == 1 and not part:
        return None  # "six years after the first season": the first season is never the news
    if season:
        return f"season {season} part {part}" if part else f"season {season}"
    if part:
        return f"part {part}"
    for group, label in (("final", "final season"), ("jfinal", "final season"), ("film", "film"),
                         ("jfilm", "film"), ("special", "special"), ("jspecial", "special"),
                         ("new", "new series"), ("jnew", "new series")):
        if group in m.re.groupindex and m.group(group):
            return label
    return None


def find_installments(low: str, japanese: bool = False) -> list[Found]:
    """Every installment word of a low-form text, in text order, season and part composed."""
    forms, triggers = _forms(japanese)
    possible = {order for _, orders in triggers.iter(low) for order in orders} if triggers.kind else set()
    matches = sorted((m.start(), order, m)
                     for order in sorted(possible) for m in forms[order][0].finditer(low))
    found: list[Found] = []
    for _, _, m in matches:
        if found and m.start() < found[-1].end:
            continue  # inside an earlier or stronger form
        label = _label(m)
        if label and _AIRING.match(low, m.end()):
            continue  # "2nd Season Finale", "Season 2 Episode 5": an airing installment's episode
        if label:
            found.append(Found(label, m.start(), m.end()))
    return _compose(low, found)


@lru_cache(maxsize=2)
def _forms(japanese: bool) -> tuple[tuple[_Form, ...], ahocorasick.Automaton]:
    """The forms of a language and one automaton of their trigger words (word → form indexes)."""
    forms = (*_JA, *_EN) if japanese else _EN
    by_word: dict[str, set[int]] = {}
    for order, (_, words) in enumerate(forms):
        for word in words:
            by_word.setdefault(word, set()).add(order)
    automaton = ahocorasick.Automaton()
    for word, orders in by_word.items():
        automaton.add_word(word, tuple(orders))
    automaton.make_automaton()
    return forms, automaton


def _compose(low: str, found: list[Found]) -> list[Found]:
    """ "Season 2 … 2nd Part" → season 2 part 2 when the part follows its season within a clause."""
    out: list[Found] = []
    for f in found:
        prev = out[-1] if out else None
        if (prev and f.kind == "part" and prev.kind == "season" and "part" not in prev.label
                and f.start - prev.end <= 100 and not re.search(r"[.;!?。]", low[prev.end:f.start])):
            out[-1] = Found(f"{prev.label} {f.label}", prev.start, f.end)
            continue
        out.append(f)
    return out


def sequel_number(suffix: str) -> int | None:
    """The season a title suffix stands for: "2" or "II" after a title is its season 2."""
    word = suffix.strip().strip('"').strip()
    if word.isdigit():
        return int(word)
    return _WORDS.get(word)
