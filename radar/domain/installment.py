"""One installment of a show: a season, a part or cour, a film, a special, a new series.

An installment is named by a canonical label (`corpus/LABELING.md`): `season 3`, `season 2 part 2`,
`part 2`, `final season`, `film`, `special`, `new series`. `Installment.parse` reads a label (any case
and spacing, "Season 3", "season 2 part 1") into its kind and numbers; `label` writes it back in the
canonical form and `display` in the form an alert shows ("Season 2 Part 2", "Film").

Order: the seasons of a show's TV line follow their numbers (season 2 < season 2 part 2 < season 3 <
final season); every other installment (a part without a season number, a film, a special, a new
series, the unnamed one) is ordered by when it was first seen. `ordered` merges both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

__all__ = ["KINDS", "Installment", "Kind", "display", "ordered"]

Kind = Literal["season", "part", "final season", "film", "special", "new series"]
KINDS: tuple[str, ...] = ("season", "part", "final season", "film", "special", "new series")

_SEASON = re.compile(r"season (\d{1,3})(?: part (\d{1,3}))?")
_PART = re.compile(r"part (\d{1,3})")
_FINAL = 10 ** 6  # the final season comes after every numbered one

T = TypeVar("T")


@dataclass(frozen=True, order=False)
class Installment:
    """A parsed label: its kind, its season number and its part number when it has them."""

    kind: str
    season: int | None = None
    part: int | None = None

    @classmethod
    def parse(cls, label: str) -> Installment:
        """Read a canonical label (case and spacing are forgiven); ValueError for anything else.

        `season N part 1` is `season N`: the first part of a season is the season's start.
        """
        text = " ".join(label.casefold().replace("-", " ").split())
        if match := _SEASON.fullmatch(text):
            season, part = int(match[1]), int(match[2]) if match[2] else None
            if season < 1 or part == 0:
                raise ValueError(f"not an installment label: {label!r}")
            return cls("season", season, None if part == 1 else part)
        if match := _PART.fullmatch(text):
            if int(match[1]) < 1:
                raise ValueError(f"not an installment label: {label!r}")
            return cls("part", None, int(match[1]))
        if text in ("final season", "film", "special", "new series"):
            return cls(text)
        raise ValueError(f"not an installment label: {label!r}")

    @classmethod
    def normalize(cls, label: str | None) -> str | None:
        """The canonical label of `label`, None for None or an empty label."""
        if label is None or not label.strip():
            return None
        return cls.parse(label).label

    @property
    def label(self) -> str:
        """The canonical, lower-case label."""
        if self.kind == "season":
            return f"season {self.season}" + (f" part {self.part}" if self.part else "")
        if self.kind == "part":
            return f"part {self.part}"
        return self.kind

    @property
    def display(self) -> str:
        """The label as an alert shows it: "Season 2 Part 2", "Final Season", "Film"."""
        return " ".join(word.capitalize() for word in self.label.split())

    @property
    def line_key(self) -> tuple[int, int] | None:
        """Its place in the show's TV line of numbered seasons, None when it has none."""
        if self.kind == "season":
            return (self.season or 0, self.part or 1)
        if self.kind == "final season":
            return (_FINAL, 1)
        return None


def display(label: str | None) -> str | None:
    """The display form of a label, None for the unnamed installment."""
    return Installment.parse(label).display if label else None


def ordered(items: Sequence[T], label: Callable[[T], str | None], seen: Callable[[T], int]) -> list[T]:
    """`items` from the first installment to the newest.

    Everything is placed by when it was first seen (`seen`, smaller is earlier); the installments of
    the TV line then take the places the TV line holds in the order of their season numbers, so a
    season 2 seen after season 3 still comes before it.
    """
    by_seen = sorted(items, key=seen)
    keys = [_key(label(item)) for item in by_seen]
    line = sorted((item for item, key in zip(by_seen, keys, strict=True) if key is not None),
                  key=lambda item: (_key(label(item)), seen(item)))
    filler = iter(line)
    return [next(filler) if key is not None else item for item, key in zip(by_seen, keys, strict=True)]


def _key(label: str | None) -> tuple[int, int] | None:
    if not label:
        return None
    try:
        return Installment.parse(label).line_key
    except ValueError:
        return None
