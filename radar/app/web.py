"""Serving twisted.web resources quietly on one address: the daemon's /healthz and the board's pages."""

from __future__ import annotations

from typing import Any, cast

from twisted.web.resource import IResource, Resource
from twisted.web.server import Site

from radar.domain.errors import RadarError


def put(parent: Resource, name: bytes, child: Resource) -> None:
    """`parent.putChild`, typed (twisted's resources declare IResource through zope, unseen by mypy)."""
    parent.putChild(name, cast(IResource, child))


def quiet_site(root: Resource) -> Site:
    """A Site without a log line per connection or per request."""
    site = Site(root)
    site.noisy = False
    site.log = lambda request: None  # type: ignore[method-assign]
    return site


def listen(reactor: Any, root: Resource, port: int, bind: str, what: str) -> int:
    """Serve `root` on bind:port; returns the port (useful with port 0). A port that cannot be
    listened on is one RadarError line."""
    from twisted.internet.error import CannotListenError

    try:
        listening = reactor.listenTCP(port, quiet_site(root), interface=bind)
    except CannotListenError as exc:  # say which address, no traceback
        raise RadarError(f"cannot serve {what} on {bind}:{port}: {exc}") from None
    return int(listening.getHost().port)
