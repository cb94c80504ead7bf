"""Shared helpers for the spider tests: fixture files and sources."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture
def fixture_bytes() -> object:
    """Read a fixture file by name, as bytes."""
    return lambda name: (FIXTURES / name).read_bytes()
