"""Alert titles and bodies name the installment an article named:
"Mushoku Tensei — Season 3: dated July 2026"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from radar.domain.models import Event
from radar.domain.wording import render, when


def fields(**changes: str) -> dict[str, str]:
    return changes


INSTALLMENT_CASES = [
    # (event fields, expected title)
    (fields(event="announced", installment="season 3"), "Akudama Drive — Season 3: announced"),
    (fields(event="dated", status="dated", previous_status="announced", release="2026-07",
            installment="season 3"),
     "Akudama Drive — Season 3: dated July 2026"),
    (fields(event="dated", status="dated", previous_status="dated", release="2026-10-05",
            previous_release="2026-10", installment="season 2 part 2"),
     "Akudama Drive — Season 2 Part 2: dated October 5, 2026 (was October 2026)"),
    (fields(event="delayed", status="dated", previous_status="dated", release="2027",
            previous_release="2026-10", installment="film"),
     "Akudama Drive — Film: delayed to 2027 (was October 2026)"),
    (fields(event="delayed", status="announced", previous_status="dated", previous_release="2026-10",
          installment="film"), "Akudama Drive — Film: delayed, no new date yet"),
    (fields(event="premiered", status="premiered", previous_status="dated", release="2026-09-19",
          installment="film"), "Akudama Drive — Film: premiered"),
    (fields(event="cancelled", status="cancelled", previous_status="announced", installment="final season"),
     "Akudama Drive — Final Season: cancelled"),
    (fields(event="rumor", status="rumored", installment="new series"),
     "Akudama Drive — New Series: rumored"),
    (fields(event="announced", installment="Season 9 (odd)"), "Akudama Drive — Season 9 (odd): announced"),
]


@pytest.mark.parametrize(("changes", "title"), INSTALLMENT_CASES)
def test_title_names_the_installment(event_factory: Callable[..., Event], changes: dict, title: str) -> None:
    assert render(event_factory(**changes)).title == title


def test_body_names_the_installment_and_an_unnamed_one_reads_as_before(
        event_factory: Callable[..., Event]) -> None:
    named = render(event_factory(event="dated", status="dated", release="2026-07", installment="season 3"))
    assert "Installment: Season 3\nRelease: 2026-07\n" in named.text
    unnamed = render(event_factory())
    assert unnamed.title == "Akudama Drive: season announced" and "Installment" not in unnamed.text


@pytest.mark.parametrize(("release", "shown"), [("2027", "2027"), ("2026-07", "July 2026"),
                                                ("2026-07-04", "July 4, 2026"), (None, ""),
                                                ("2026-13", "2026-13")])
def test_release_as_people_write_it(release: str | None, shown: str) -> None:
    assert when(release) == shown
