"""The errors Renewal Radar raises on purpose; each builds a message a user can act on."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """The process exit codes of every command (documented in docs/commands.md)."""

    OK = 0                 # done; `check`: even when some sources failed (they are reported)
    ERROR = 1              # any other known error
    CONFIG = 2             # the config is invalid or missing
    STORE = 3              # the store cannot be opened, read or written (busy, locked, missing)
    DELIVERY = 4           # a delivery failed; the alert stays in the outbox for a retry
    SOURCES = 5            # `check`: every configured source failed this cycle
    USAGE = 64             # a mistyped command line: unknown command or option, no such show or notifier
    BROKEN_PIPE = 141      # the reader of stdout went away (`status | head -1`), like a shell's SIGPIPE


class RadarError(Exception):
    """Base of every error the CLI reports without a traceback."""


class ConfigError(RadarError):
    """A config file is missing, unreadable or invalid."""

    def __init__(self, file: str, key: str | None, problem: str, fix: str | None = None) -> None:
        self.file, self.key, self.problem, self.fix = file, key, problem, fix
        where = f"{file}: {key}" if key else file
        super().__init__(f"{where}: {problem}" + (f" ({fix})" if fix else ""))


class UsageError(RadarError):
    """The command line asks for something that is not there: a show, a notifier, an option."""

    def __init__(self, problem: str, fix: str | None = None) -> None:
        self.problem, self.fix = problem, fix
        super().__init__(problem + (f" ({fix})" if fix else ""))


class SourceError(RadarError):
    """A source could not be read this cycle."""

    def __init__(self, source: str, url: str, problem: str) -> None:
        self.source, self.url, self.problem = source, url, problem
        super().__init__(f"source {source!r} ({url}): {problem}")


class ParseError(SourceError):
    """The response was not a feed or listing we can read."""


class StoreError(RadarError):
    """The state database cannot be opened, read or written."""

    busy = False  # True when another writer held the database's lock past the busy timeout


class DeliveryError(RadarError):
    """A notifier failed to deliver an alert; the outbox keeps it for a retry."""

    def __init__(self, notifier: str, problem: str) -> None:
        self.notifier, self.problem = notifier, problem
        super().__init__(f"notifier {notifier!r}: {problem}")


class ApiError(RadarError):
    """An outside service's API (AniList) failed a request or answered something we cannot read."""

    def __init__(self, service: str, url: str, problem: str, malformed: bool = False) -> None:
        self.service, self.url, self.problem, self.malformed = service, url, problem, malformed
        super().__init__(f"{service} ({url}): {problem}")


class InputError(RadarError):
    """A file given on the command line (not a config file) is missing or not what it should be."""

    def __init__(self, file: str, problem: str, fix: str | None = None) -> None:
        self.file, self.problem, self.fix = file, problem, fix
        super().__init__(f"{file}: {problem}" + (f" ({fix})" if fix else ""))
