"""The board commands: export the status board's pages, or serve them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from radar.app.config import Config
from radar.cli.output import out
from radar.domain.errors import ExitStatus


def board_dir(config: Config) -> Path:
    """`[board] export_dir`, a relative one taken from the config directory."""
    path = Path(config.radar.board.export_dir or "").expanduser()
    return path if path.is_absolute() else config.directory / path


def export_board(config: Config, store: Any, directory: Path) -> Path:
    from radar.board.data import read_board
    from radar.board.export import export

    export(read_board(config, store), directory, config.masker.mask)
    return directory


def export_command(args: argparse.Namespace, config: Config, store: Any) -> int:
    directory = export_board(config, store, Path(args.dir))
    out(f"board exported to {directory}/: index.html, feed.atom, calendar.ics, api/status.json", config)
    return ExitStatus.OK


def serve_command(args: argparse.Namespace, config: Config, store: Any) -> int:
    from radar.board.data import read_board
    from radar.board.web import serve

    def ready(port: int) -> None:
        out(f"serving http://{args.bind}:{port}/ (status board, feed.atom, calendar.ics, api/status.json)",
            config)
        sys.stdout.flush()

    serve(lambda: read_board(config, store), config.masker.mask, args.port, args.bind, ready)
    return ExitStatus.OK
