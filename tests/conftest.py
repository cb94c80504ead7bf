"""Fixtures for every test directory: the store's backends (a SQLite file, a real PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from postgres import Postgres, start_postgres


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """One PostgreSQL cluster for the session, started on first use (fails, saying how to get it,
    when PostgreSQL is not installed)."""
    cluster = start_postgres()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty store's URL on each backend: a SQLite file, a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'radar.db'}"
    return request.getfixturevalue("postgres").new_database()
