"""`renewal-radar init`: writes the bundled, commented starter config (the same as ./config)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from radar.app.config import RADAR_FILE, SOURCES_FILE, WATCHLIST_FILE
from radar.domain.errors import ConfigError

STARTER_FILES = (RADAR_FILE, SOURCES_FILE, WATCHLIST_FILE)


def starter_text(name: str) -> str:
    """The bundled text of one starter file."""
    return resources.files("radar").joinpath("data", "starter", name).read_text(encoding="utf-8")


def write_starter(target: Path) -> list[Path]:
    """Write the three files into `target`; refuses to overwrite an existing one."""
    existing = [target / name for name in STARTER_FILES if (target / name).exists()]
    if existing:
        raise ConfigError(str(existing[0]), None, "already exists",
                          "init never overwrites a config; choose an empty directory")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in STARTER_FILES:
        path = target / name
        path.write_text(starter_text(name), encoding="utf-8")
        written.append(path)
    return written
