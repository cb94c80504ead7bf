"""Shared helpers for the spider tests: fixture files and sources."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the project is not installed in the venv; import it from the tree
    sys.path.insert(0, str(ROOT))

FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture
def fixture_bytes() -> object:
    """Read a fixture file by name, as bytes."""
    return lambda name: (FIXTURES / name).read_bytes()
