"""The board over HTTP with twisted.web: `/`, `/feed.atom`, `/calendar.ics`, `/api/status.json`.

Read-only: only GET and HEAD are answered (any other method is 405); each request reads the store
in a worker thread, so the reactor (the daemon's polls) never waits for SQLite. Every page is sent
with a Content-Security-Policy that allows no script at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from radar.app.config import Config
from radar.app.web import listen, put
from radar.board.data import Board
from radar.board.pages import PAGES, render_html
from radar.domain.errors import RadarError
from radar.store import Store

log = logging.getLogger(__name__)

HEADERS = {
    b"content-security-policy": b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                                b"base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"cache-control": b"no-cache",
}
Render = Callable[[Board, dict[str, str]], bytes]


class Page(Resource):
    """One page: read the board (in a thread), render it, mask secrets, send it."""

    isLeaf = True

    def __init__(self, load: Callable[[], Board], render: Render, content_type: str,
                 redact: Callable[[str], str]) -> None:
        super().__init__()
        self.load, self.render_page, self.content_type, self.redact = load, render, content_type, redact

    def render(self, request: Any) -> Any:
        """GET and HEAD; any other method is 405 (twisted would answer 501 to the ones it does not know)."""
        if request.method not in (b"GET", b"HEAD"):
            request.setResponseCode(405)
            request.setHeader(b"allow", b"GET, HEAD")
            request.setHeader(b"content-type", b"text/plain; charset=utf-8")
            return b"read-only: only GET and HEAD\n"
        return super().render(request)

    def _body(self, args: dict[str, str]) -> bytes:
        return self.redact(self.render_page(self.load(), args).decode("utf-8")).encode("utf-8")

    def render_GET(self, request: Any) -> Any:
        from twisted.internet.threads import deferToThread

        args = {key.decode("utf-8", "replace"): values[-1].decode("utf-8", "replace")
                for key, values in request.args.items() if values}
        gone: list[bool] = []
        request.notifyFinish().addErrback(lambda _: gone.append(True))

        def send(body: bytes, code: int = 200, content_type: str | None = None) -> None:
            if gone:
                return
            request.setResponseCode(code)
            request.setHeader(b"content-type", (content_type or self.content_type).encode())
            for name, value in HEADERS.items():
                request.setHeader(name, value)
            request.setHeader(b"content-length", str(len(body)).encode())
            if request.method != b"HEAD":
                request.write(body)
            request.finish()

        def failed(failure: Any) -> None:
            problem = failure.getErrorMessage() if failure.check(RadarError) else "internal error"
            log.error("board page %s failed: %s", request.path.decode("utf-8", "replace"),
                      failure.getErrorMessage() if failure.check(RadarError) else failure.getTraceback())
            send(f"the board cannot be read: {self.redact(problem)}\n".encode(), 503,
                 "text/plain; charset=utf-8")

        deferToThread(self._body, args).addCallbacks(send, failed)
        return NOT_DONE_YET

    render_HEAD = render_GET


def _html(board: Board, args: dict[str, str]) -> bytes:
    return render_html(board, args.get("status") or None, args.get("q", ""))


def _ignoring_args(render: Callable[[Board], bytes]) -> Render:
    return lambda board, _args: render(board)


def board_root(load: Callable[[], Board], redact: Callable[[str], str]) -> Resource:
    """The resource tree of the board; `load` reads a fresh Board for each request."""
    root = Resource()
    html = Page(load, _html, "text/html; charset=utf-8", redact)
    put(root, b"", html)
    put(root, b"index.html", html)
    api = Resource()
    put(root, b"api", api)
    for path, (content_type, render) in PAGES.items():
        parent, name = (api, path.split("/", 1)[1]) if path.startswith("api/") else (root, path)
        put(parent, name.encode(), Page(load, _ignoring_args(render), content_type, redact))
    return root


def live_root(current: Callable[[], Config], store: Store) -> Resource:
    """The board of the daemon's `--http-port`: read from `store` with the config in use at each request
    (SIGHUP may replace it)."""
    from radar.board.data import read_board

    return board_root(lambda: read_board(current(), store), lambda text: current().masker.mask(text))


def serve(load: Callable[[], Board], redact: Callable[[str], str], port: int, bind: str,
          ready: Callable[[int], None]) -> None:
    """`renewal-radar serve`: the board until SIGTERM/SIGINT; `ready(port)` once it listens."""
    from radar.app.fetch.crawl import install_reactor

    reactor = install_reactor()
    ready(listen(reactor, board_root(load, redact), port, bind, "the status board"))
    reactor.run(installSignalHandlers=True)
