"""The `renewal-radar` executable: the CLI with start-up collection held off (radar.app.process) and a
quiet end when stdout's reader goes away."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

from radar.app import process


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point: `radar.cli.commands.main` with collection held off until settled."""
    process.hold()
    try:
        from radar.cli.commands import main as cli_main

        return quiet_pipe(cli_main, argv)
    finally:
        process.settled()


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
        from radar.domain.errors import ExitStatus

        return ExitStatus.BROKEN_PIPE
