"""Release extraction: absolute, partial and relative dates in English and Japanese."""

from __future__ import annotations

from datetime import date

import pytest

from radar.detect.releases import find_releases, is_future, release_key
from radar.domain.normalize import normalize


def values(text: str, published: date | None) -> list[str]:
    return [r.value for r in find_releases(normalize(text), published)]


@pytest.mark.parametrize("text, published, expected", [
    # absolute
    ("premieres in 2026", date(2025, 1, 1), ["2026"]),
    ("on 2026-01-15", None, ["2026-01-15"]),
    ("from 2026-03", None, ["2026-03"]),
    ("premieres in January 2026", date(2025, 6, 1), ["2026-01"]),
    ("opens July 18, 2025", None, ["2025-07-18"]),
    ("opens on 18 July 2025", None, ["2025-07-18"]),
    ("Spring 2026 anime", None, ["2026-04"]),
    ("Winter 2026 lineup", None, ["2026-01"]),
    ("fall 2026", None, ["2026-10"]),
    ("autumn of 2026", None, ["2026-10"]),
    ("2026 summer", None, ["2026-07"]),
    # partial, resolved against the publication date
    ("premieres October 2", date(2024, 7, 6), ["2024-10-02"]),
    ("opens July 18", date(2024, 11, 25), ["2025-07-18"]),
    ("premieres in January", date(2025, 9, 1), ["2026-01"]),
    ("premieres in October", date(2025, 9, 1), ["2025-10"]),
    ("October premiere", date(2025, 3, 1), ["2025-10"]),
    # relative
    ("streams next spring", date(2024, 12, 5), ["2025-04"]),
    ("streams this October", date(2025, 3, 1), ["2025-10"]),
    ("coming this winter", date(2025, 12, 1), ["2026-01"]),
    ("later this year", date(2025, 3, 1), ["2025"]),
    ("next year", date(2025, 3, 1), ["2026"]),
    ("premieres today", date(2025, 7, 3), ["2025-07-03"]),
    ("premieres tomorrow", date(2025, 7, 3), ["2025-07-04"]),
    # Japanese
    ("2027年1月放送開始", None, ["2027-01"]),
    ("2026年春", None, ["2026-04"]),
    ("2026年10月5日(日)より", None, ["2026-10-05"]),
    ("2026年放送決定", None, ["2026"]),
    ("来年春", date(2025, 5, 1), ["2026-04"]),
    ("今秋公開", date(2025, 5, 1), ["2025-10"]),
    ("1月より放送開始", date(2025, 10, 1), ["2026-01"]),
    ("10月5日より", date(2025, 8, 1), ["2025-10-05"]),
    ("本日より放送", date(2025, 7, 19), ["2025-07-19"]),
    # not dates
    ("AnimeJapan 2025 stage", date(2025, 3, 1), []),
    ("Cyberpunk 2077 and Blade Runner 2049", None, []),
    ("ratings fall sharply", date(2025, 3, 1), []),
    ("it may return", date(2025, 3, 1), []),
    ("premieres in January", None, []),  # a month without a year needs the publication date
    ("月刊誌12月号", date(2025, 3, 1), []),
])
def test_find_releases(text: str, published: date | None, expected: list[str]) -> None:
    assert values(text, published) == expected


def test_delay_text_gives_both_dates() -> None:
    text = "postponed from its planned 2025 release to 2026"
    assert values(text, date(2025, 1, 15)) == ["2025", "2026"]


def test_today_flag() -> None:
    [r] = find_releases("premieres today", date(2025, 7, 3))
    assert r.today and r.value == "2025-07-03"


def test_anchors_give_the_same_dates() -> None:
    low = normalize("Season 2 premieres in January 2026, a year after the film on March 3")
    anchors = [i for i, ch in enumerate(low) if i == 0 or low[i - 1] == " "]
    assert find_releases(low, date(2025, 6, 1), anchors) == find_releases(low, date(2025, 6, 1))


def test_is_future_and_key() -> None:
    pub = date(2025, 6, 15)
    assert is_future("2025", pub) and not is_future("2024", pub)
    assert is_future("2025-06", pub) and not is_future("2025-05", pub)
    assert is_future("2025-06-14", pub) and not is_future("2025-06-01", pub)
    assert is_future("2020", None)
    assert release_key("2026") < release_key("2026-01") < release_key("2026-01-02")
