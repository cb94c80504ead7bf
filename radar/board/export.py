"""`renewal-radar export DIR`: the board's pages as static files, to host anywhere.

The filter links of an exported board point at one file per status (`status-dated.html`), since a
static host ignores query strings. Each file is written to a temporary name and renamed, so a web
server never serves half of one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from radar.board.data import Board
from radar.board.pages import PAGES, render_html, static_link
from radar.domain.errors import RadarError


def documents(board: Board) -> dict[str, bytes]:
    """Every exported file: relative path → content."""
    files = {"index.html": render_html(board, link=static_link, searchable=False)}
    for status in sorted({name for show in board.shows for name in show.statuses}):
        files[static_link(status)] = render_html(board, status, link=static_link, searchable=False)
    for path, (_content_type, render) in PAGES.items():
        files[path] = render(board)
    return files


def export(board: Board, directory: Path, redact: Callable[[str], str] = str) -> list[Path]:
    """Write the board's files under `directory` (made if missing); returns their paths."""
    written = []
    try:
        for relative, content in documents(board).items():
            target = directory / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            with os.fdopen(handle, "wb") as out:
                out.write(redact(content.decode("utf-8")).encode("utf-8"))
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
            written.append(target)
    except OSError as exc:
        raise RadarError(f"cannot export the board to {directory}: {exc.strerror or exc}") from None
    return written
