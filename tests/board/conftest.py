"""The board tests' store: see filled_store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from filled_store import HOSTILE, T0, Radar, article, make_radar


@pytest.fixture
def radar(tmp_path: Path) -> Iterator[Radar]:
    """Baselined on an unrelated article; then news: Akudama Drive S2 dated October 2026 and delayed to
    April 2027, Terra Formars S3 announced under a hostile title, a blog's rumour, a failing blog."""
    made = make_radar(tmp_path / "config")
    made.poll(T0, article("ann", "Anime Expo Schedule Revealed", T0, "expo"))
    day = timedelta(days=1)
    made.poll(T0 + day,
              article("ann", "Akudama Drive Season 2 Premieres in October 2026", T0 + day, "ak-oct"),
              article("ann", HOSTILE, T0 + day, "tf-s3", url="javascript:alert(2)"),
              article("blog", "Princess Principal Season 2 Announced", T0 + day, "pp", trust="community"))
    made.poll(T0 + 2 * day,
              article("ann", "Akudama Drive Season 2 Delayed to April 2027", T0 + 2 * day, "ak-apr"),
              failing=("blog",))
    yield made
    made.store.close()
