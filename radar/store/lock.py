"""One daemon per store: an exclusive lock file next to the SQLite database (or in the config dir).

The lock is an flock, so the kernel drops it when the daemon dies, even on `kill -9`: a stale lock
file never keeps the next daemon from starting. The file holds the pid of the daemon, for messages.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from radar.domain.errors import RadarError


class AlreadyRunning(RadarError):
    """Another daemon holds the store's lock."""

    def __init__(self, path: Path, pid: str) -> None:
        self.path, self.pid = path, pid
        super().__init__(f"another renewal-radar daemon (pid {pid or '?'}) is already running on this store "
                         f"(lock {path}); stop it first, or give this one its own [store] path")


class StoreLock:
    """Context manager holding an flock on `<store>.lock` for the life of the daemon."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid = handle.read().strip()
            handle.close()
            raise AlreadyRunning(self.path, pid) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.truncate(0)  # no pid left behind for the next reader
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> StoreLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder(path: Path) -> str | None:
    """The pid of the daemon holding the lock ("" when unknown), or None when nobody holds it."""
    try:
        handle = path.open("r")
    except FileNotFoundError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return handle.read().strip()
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


def lock_path(store_url: str, config_dir: Path) -> Path:
    """`<db>.lock` for a SQLite file, else `.renewal-radar.lock` in the config dir."""
    if store_url.startswith("sqlite:///"):
        return Path(store_url.removeprefix("sqlite:///") + ".lock")
    return config_dir / ".renewal-radar.lock"
