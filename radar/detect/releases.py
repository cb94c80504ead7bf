"""Release dates in announcement texts, English and Japanese, as YYYY, YYYY-MM or YYYY-MM-DD.

Absolute forms ("July 18, 2025", "2026年10月5日", "Spring 2026") are read as written; partial
and relative forms ("October 2", "next spring", "1月より", "来年春", "premieres today") are resolved
against the article's publication date: the next occurrence on or after it, roughly. Anime
seasons map to their first month: winter 01, spring 04, summer 07, fall/autumn 10.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["Release", "find_releases", "is_future", "release_key"]

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
_SEASONS = {"winter": 1, "spring": 4, "summer": 7, "fall": 10, "autumn": 10,
            "冬": 1, "春": 4, "夏": 7, "秋": 10}

_FULL = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
_ANY = _FULL[:-1] + r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
_SEASON = r"(?:winter|spring|summer|fall|autumn)"
_Y = r"(?:20[0-4][0-9])"
_BEFORE = "".join(f"(?<={w} )|" for w in (
    "in", "this", "next", "on", "for", "from", "until", "till", "to", "by", "early", "late", "mid",
    "starting", "coming", "since", "of", "during", "before", "after", "around", "into", "the", "'s"))
_BEFORE = f"(?:{_BEFORE}(?<=mid-))"

_MEDIUM = r"(?:(?:tv|anime|theatrical|japanese|world|television) )?"

# Most specific forms first: at one position the first alternative that matches wins.
_DATE = re.compile(
    rf"\b(?P<iy>{_Y})[-/.](?P<im>\d{{1,2}})(?:[-/.](?P<id>\d{{1,2}}))?\b"
    r"|(?<![0-9])(?P<jy2>[2-4][0-9])\s*年\s*(?P<jm2>\d{1,2})\s*月(?:\s*(?P<jd2>\d{1,2})\s*日)?"
    rf"|(?P<jy>{_Y})\s*年\s*(?:(?P<jm>\d{{1,2}})\s*月(?:\s*(?P<jd>\d{{1,2}})\s*日)?(?!号)|(?P<js>[春夏秋冬]))?"
    rf"|(?<![0-9年])(?P<nm>\d{{1,2}})\s*月(?:\s*(?P<nd>\d{{1,2}})\s*日)?(?![号間])"
    r"|(?P<jrel>来年|今年|再来年)\s*(?:の\s*)?(?:(?P<jrs>[春夏秋冬])|(?P<jrm>\d{1,2})\s*月(?:\s*(?P<jrd>\d{1,2})\s*日)?)?"
    r"|(?P<jq>今|来|この)(?P<jqs>[春夏秋冬])(?!休|期限)"
    r"|(?P<jtoday>本日|今日|今夜|今晩|きょう)|(?P<jtmr>明日)|(?P<jthism>今月)|(?P<jnextm>来月)"
    rf"|\b(?P<mn>{_ANY})\.?\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)(?:,?\s+(?P<my>{_Y})\b)?"
    rf"|\b(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dm>{_FULL})\b(?:,?\s+(?P<dy>{_Y})\b)?"
    rf"|\b(?P<ym>{_FULL})\s*,?\s+(?:of\s+)?(?P<yy>{_Y})\b"
    rf"|\b(?P<sn>{_SEASON})(?:\s+(?:anime\s+)?season)?\s*,?\s+(?:of\s+)?(?P<sy>{_Y})\b"
    rf"|\b(?P<ys>{_Y})\s+(?P<ss>{_SEASON})\b"
    rf"|\b(?P<rq>this|next|coming|the coming|early|late|in the|in|for|by|until|to|its)"
    rf"\s+(?P<rs>{_SEASON})\b(?!\s*,?\s*(?:of\s+)?{_Y})"
    rf"|\b(?P<rs2>{_SEASON})\s+(?=line-?up|anime|season|premiere|debut|release|schedule|slate|broadcast)"
    r"|\b(?P<rel>later this year|earlier this year|this year|next year|this month|next month)\b"
    rf"|{_BEFORE}(?P<bm>{_FULL})\b"
    rf"|\b(?!may\b)(?P<bm2>{_FULL})\s+(?={_MEDIUM}(?:premiere|debut|release|launch|broadcast|opening|airing|delay))"
    rf"|{_BEFORE}(?P<cy>{_Y})\b"
    rf"|\b(?P<cy2>{_Y})\s+(?={_MEDIUM}(?:premiere|debut|release|launch|broadcast|return|opening|airing|delay))"
    r"|\b(?P<today>today|tonight|this evening)\b|\b(?P<tmr>tomorrow)\b"
)


@dataclass(frozen=True)
class Release:
    """A release date found in a text: its value and where it was written."""

    value: str  # YYYY | YYYY-MM | YYYY-MM-DD
    start: int
    end: int
    today: bool = False  # "today", "tonight", 本日: the day of publication itself


def release_key(value: str) -> tuple[int, int, int]:
    """A sortable (year, month, day) for a release value; missing parts are 0."""
    parts = [int(p) for p in value.split("-")]
    padded = [*parts, 0, 0, 0]
    return padded[0], padded[1], padded[2]


def is_future(value: str, published: date | None, slack_days: int = 1) -> bool:
    """True when a release is on or after the publication date, at the value's precision."""
    if published is None:
        return True
    y, m, d = release_key(value)
    if not m:
        return y >= published.year
    if not d:
        return (y, m) >= (published.year, published.month)
    return date(y, m, d) >= published - timedelta(days=slack_days)


def _ymd(y: int, m: int = 0, d: int = 0) -> str | None:
    if not 1 <= m <= 12:
        return f"{y:04d}" if m == 0 else None
    if not d:
        return f"{y:04d}-{m:02d}"
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _month_only(m: int, pub: date | None, strictly_next: bool = False) -> str | None:
    if pub is None:
        return None
    if strictly_next:
        year = pub.year if m > pub.month else pub.year + 1
    else:
        year = pub.year if m >= pub.month - 1 else pub.year + 1
    return _ymd(year, m)


def _month_day(m: int, d: int, pub: date | None) -> str | None:
    if pub is None:
        return None
    try:
        candidate = date(pub.year, m, d)
    except ValueError:
        return None
    if candidate < pub - timedelta(days=30):
        candidate = date(pub.year + 1, m, d) if not (m == 2 and d == 29) else candidate
    return candidate.isoformat()


def _relative_season(qualifier: str, month: int, pub: date | None) -> str | None:
    if pub is None:
        return None
    if qualifier in ("next", "来"):
        return _ymd(pub.year if month > pub.month else pub.year + 1, month)
    if month == 1:  # "this winter" after February is the coming one, whose first month is next January
        return _ymd(pub.year if pub.month <= 2 else pub.year + 1, month)
    return _ymd(pub.year if month >= pub.month - 2 else pub.year + 1, month)


def _resolve(g: dict[str, str | None], pub: date | None) -> tuple[str | None, bool]:
    """The value of one match and whether it means "today"."""
    def num(key: str) -> int:
        value = g.get(key)
        return int(value) if value else 0

    if g["iy"]:
        return _ymd(num("iy"), num("im"), num("id")), False
    if g["jy2"]:  # 「27年1月より」: a two-digit year with its month
        return _ymd(2000 + num("jy2"), num("jm2"), num("jd2")), False
    if g["jy"]:
        if g["js"]:
            return _ymd(num("jy"), _SEASONS[g["js"]]), False
        return _ymd(num("jy"), num("jm"), num("jd")), False
    if g["nm"]:
        if g["nd"]:
            return _month_day(num("nm"), num("nd"), pub), False
        return _month_only(num("nm"), pub), False
    if g["jrel"]:
        if pub is None:
            return None, False
        year = pub.year + {"今年": 0, "来年": 1, "再来年": 2}[g["jrel"]]
        if g["jrm"]:
            return _ymd(year, num("jrm"), num("jrd")), False
        return _ymd(year, _SEASONS[g["jrs"]] if g["jrs"] else 0), False
    if g["jq"]:
        return _relative_season("来" if g["jq"] == "来" else "this", _SEASONS[g["jqs"] or "春"], pub), False
    if g["mn"]:
        month, day = _MONTHS[g["mn"]], num("md")
        if g["my"]:
            return _ymd(num("my"), month, day), False
        return _month_day(month, day, pub), False
    if g["dm"]:
        month, day = _MONTHS[g["dm"]], num("dd")
        return (_ymd(num("dy"), month, day) if g["dy"] else _month_day(month, day, pub)), False
    if g["ym"]:
        return _ymd(num("yy"), _MONTHS[g["ym"]]), False
    if g["sn"]:
        return _ymd(num("sy"), _SEASONS[g["sn"]]), False
    if g["ys"]:
        return _ymd(num("ys"), _SEASONS[g["ss"] or "spring"]), False
    if named_season := g["rs"] or g["rs2"]:
        return _relative_season(g["rq"] or "this", _SEASONS[named_season], pub), False
    if month_name := g["bm"] or g["bm2"]:
        return _month_only(_MONTHS[month_name], pub), False
    if g["cy"] or g["cy2"]:
        return _ymd(num("cy") or num("cy2")), False
    return _relative_day(g, pub)


def _relative_day(g: dict[str, str | None], pub: date | None) -> tuple[str | None, bool]:
    if pub is None:
        return None, False
    if g["rel"]:
        rel = g["rel"]
        if rel.endswith("month"):
            first = pub.replace(day=1)
            if rel.startswith("next"):
                first = (first + timedelta(days=32)).replace(day=1)
            return _ymd(first.year, first.month), False
        return _ymd(pub.year + (1 if rel == "next year" else 0)), False
    if g["jthism"] or g["jnextm"]:
        first = pub.replace(day=1)
        if g["jnextm"]:
            first = (first + timedelta(days=32)).replace(day=1)
        return _ymd(first.year, first.month), False
    if g["today"] or g["jtoday"]:
        return pub.isoformat(), True
    if g["tmr"] or g["jtmr"]:
        return (pub + timedelta(days=1)).isoformat(), False
    return None, False


def find_releases(low: str, published: date | None, anchors: Iterable[int] | None = None) -> list[Release]:
    """Every release date written in a low-form text, in text order.

    `anchors` (optional) are the only offsets where a date may start: digits, month and season
    names, relative words. The classifier finds them in its single rule scan; without them the
    whole text is searched.
    """
    if anchors is None:
        matches: Iterable[re.Match[str] | None] = _DATE.finditer(low)
    else:
        matches = _anchored(low, sorted(set(anchors)))
    found: list[Release] = []
    for m in matches:
        if m is None:
            continue
        value, today = _resolve(m.groupdict(), published)
        if value:
            found.append(Release(value, m.start(), m.end(), today))
    return found


def _anchored(low: str, anchors: list[int]) -> Iterator[re.Match[str] | None]:
    end = -1
    for pos in anchors:
        if pos < end:
            continue
        m = _DATE.match(low, pos)
        if m and m.end() > m.start():
            end = m.end()
            yield m
