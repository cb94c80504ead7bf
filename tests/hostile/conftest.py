"""The acceptance helpers (the real CLI, a web of feeds on 127.0.0.1) for the hostile daemon tests."""

from __future__ import annotations

from acceptance.conftest import cli, hook, site  # noqa: F401 (fixtures)
from acceptance.test_daemon import receiver  # noqa: F401 (fixture)
