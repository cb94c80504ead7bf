"""The `renewal-radar` executable: start-up without Python's cyclic garbage collector.

A poll imports about a thousand modules (pydantic, SQLAlchemy, Twisted, Scrapy for html pages). Each
import allocates classes and functions, and the collector keeps walking that growing heap while it
happens: about a fifth of a one-shot `check` in which nothing changed. Start-up objects live as long
as the process, so the collector is held off until the process is about to do its real work, then the
start-up heap is frozen (never walked again) and collection resumes for everything after it.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Sequence

_held = False


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point: `radar.cli.main` with collection held off until `settled()`."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True
    try:
        from radar.cli import main as cli_main

        return quiet_pipe(cli_main, argv)
    finally:
        settled()


def quiet_pipe(run: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None = None) -> int:
    """Run the CLI; when stdout's reader goes away (`status | head -1`) end quietly with exit 141.

    Python ignores SIGPIPE, so the closed pipe surfaces as BrokenPipeError, and once more when the
    interpreter flushes stdout at exit: stdout is pointed at /dev/null so that last flush is silent.
    """
    try:
        code = run(argv)
        sys.stdout.flush()  # inside the try: buffered output may meet the closed pipe only here
        return code
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        from radar.errors import ExitStatus

        return ExitStatus.BROKEN_PIPE


def settled() -> None:
    """Start-up is over: freeze what it allocated and let the collector run again (idempotent)."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()
