"""Source and notifier kinds are plugins: the core finds them only through their registries.

The kinds that ship with Renewal Radar (`spiders`, `notifier`) are declared as entry points of the
group `renewal_radar.plugins` in pyproject.toml, as any installed package may declare its own; a config
may add kinds of its own as Python files (`[plugins] paths` in radar.toml, like Apprise's
`plugin_paths`). Importing a plugin module registers its classes (`SourceKind.registry`,
`Channel.registry`); nothing in `radar` imports a kind by name.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import threading
from collections.abc import Iterable
from importlib.metadata import entry_points
from pathlib import Path

from radar.domain.channel import Channel
from radar.domain.errors import ConfigError
from radar.domain.source_kind import SourceKind

log = logging.getLogger(__name__)

GROUP = "renewal_radar.plugins"
_loaded: set[str] = set()
_installed = False  # the entry points were read: reading them costs milliseconds, so it is done once
_installing = threading.Lock()  # parse threads may ask at once: none reads a registry half filled


def load_installed() -> None:
    """Import every installed plugin module (once per process: the registries are read per source)."""
    global _installed
    if _installed:
        return
    with _installing:
        if not _installed:
            _load_entry_points()
            _installed = True


def _load_entry_points() -> None:
    for point in entry_points(group=GROUP):
        if point.value in _loaded:
            continue
        try:
            point.load()
        except Exception as exc:  # noqa: BLE001 (a broken third-party plugin must not take the daemon down)
            log.error("plugin %s (%s) failed to load: %s: %s", point.name, point.value,
                      type(exc).__name__, exc)
        _loaded.add(point.value)


def source_kinds() -> dict[str, type[SourceKind]]:
    """Every source kind by its `kind` name, the installed plugins loaded first."""
    load_installed()
    return SourceKind.registry


def channel_kinds() -> dict[str, type[Channel]]:
    """Every notifier kind by its `kind` name, the installed plugins loaded first."""
    load_installed()
    return Channel.registry


def load_files(paths: Iterable[Path], config_file: str, key: str = "plugins.paths") -> None:
    """Import each plugin file (or each *.py file of a directory) once; a missing or broken file is a
    ConfigError naming the file."""
    load_installed()
    for path in paths:
        files = sorted(path.glob("*.py")) if path.is_dir() else [path]
        if not path.exists():
            raise ConfigError(config_file, key, f"no plugin file or directory {str(path)!r}",
                              "fix the path (relative paths are read from the config directory)")
        for file in files:
            _load_file(file.resolve(), config_file, key)


def _load_file(file: Path, config_file: str, key: str) -> None:
    if str(file) in _loaded:
        return
    name = f"radar_plugin_{file.stem}_{abs(hash(str(file))) % 10**8}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ConfigError(config_file, key, f"{file} is not a Python module", "name a .py file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 (whatever the plugin raised is a config error)
        del sys.modules[name]
        raise ConfigError(config_file, key, f"plugin {file} failed to load: {type(exc).__name__}: {exc}",
                          "fix the plugin or remove it from [plugins] paths") from None
    _loaded.add(str(file))
