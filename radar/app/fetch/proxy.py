"""Feeds through the proxy the environment names (`http_proxy`, `https_proxy`, `no_proxy`), as urllib,
requests and Scrapy's html pages read them: an http URL as an absolute-URI request to the proxy, an https
one through a CONNECT tunnel with TLS to the feed's host inside it (the proxy never sees the feed).
"""

from __future__ import annotations

import base64
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from twisted.internet import defer
from twisted.internet.endpoints import HostnameEndpoint
from twisted.internet.protocol import Factory, Protocol
from twisted.web.client import Agent, HTTPConnectionPool, ProxyAgent
from twisted.web.iweb import IAgent, IAgentEndpointFactory
from zope.interface import implementer

HEAD_MAX = 16384  # bytes of a proxy's answer to CONNECT


class TunnelError(Exception):
    """The proxy did not open a CONNECT tunnel (the message gives its answer)."""


def environment_proxies() -> dict[str, str]:
    """The proxies of the environment by scheme ("no": the no_proxy list), lower- or upper-case names."""
    return urllib.request.getproxies_environment()


@implementer(IAgent)
class ProxyRouter:
    """An agent sending each request directly (`direct`) or through the proxy `proxies` names for its
    scheme, unless its host is in `proxies["no"]`; one agent and connection pool per proxy."""

    def __init__(self, reactor: Any, direct: Any, proxies: Mapping[str, str], timeout: float, tls_policy: Any,
                 per_host: int) -> None:
        self.reactor, self.direct, self.proxies = reactor, direct, dict(proxies)
        self.timeout, self.tls_policy, self.per_host = timeout, tls_policy, per_host
        self.routes: dict[tuple[str, str], tuple[Any, bytes | None]] = {}
        self.pools: list[HTTPConnectionPool] = []

    def request(self, method: bytes, uri: bytes, headers: Any = None, bodyProducer: Any = None) -> Any:
        """Like Agent.request, by the route for `uri`."""
        parts = urlsplit(uri.decode("ascii"))
        proxy = self.proxies.get(parts.scheme)
        bypass: Any = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]  # undeclared in typeshed
        if not proxy or bypass(parts.netloc, self.proxies):
            return self.direct.request(method, uri, headers, bodyProducer)
        agent, auth = self._route(parts.scheme, proxy)
        if auth is not None and parts.scheme == "http":  # for https it went in the CONNECT, not to the feed
            headers = headers.copy()
            headers.setRawHeaders(b"Proxy-Authorization", [auth])
        return agent.request(method, uri, headers, bodyProducer)

    def close(self) -> Any:
        """Close the proxied connections' pools."""
        return defer.DeferredList([pool.closeCachedConnections() for pool in self.pools], consumeErrors=True)

    def _route(self, scheme: str, proxy: str) -> tuple[Any, bytes | None]:
        if (scheme, proxy) not in self.routes:
            parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
            host, port = parts.hostname or "", parts.port or 80
            auth = None
            if parts.username is not None:
                pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
                auth = b"Basic " + base64.b64encode(pair)
            pool = HTTPConnectionPool(self.reactor, persistent=True)
            pool.maxPersistentPerHost = self.per_host
            self.pools.append(pool)
            if scheme == "http":
                endpoint = HostnameEndpoint(self.reactor, host, port, timeout=self.timeout)
                agent: Any = ProxyAgent(endpoint, self.reactor, pool)
            else:
                tunnels = _Tunnels(self.reactor, host, port, auth, self.tls_policy, self.timeout)
                agent = Agent.usingEndpointFactory(self.reactor, tunnels, pool=pool)
            self.routes[(scheme, proxy)] = (agent, auth)
        return self.routes[(scheme, proxy)]


@implementer(IAgentEndpointFactory)
class _Tunnels:
    """One CONNECT-tunnel endpoint per https host and port, through one proxy."""

    def __init__(self, reactor: Any, host: str, port: int, auth: bytes | None, tls_policy: Any,
                 timeout: float) -> None:
        self.proxy = HostnameEndpoint(reactor, host, port, timeout=timeout)
        self.auth, self.tls_policy = auth, tls_policy

    def endpointForURI(self, uri: Any) -> _TunnelEndpoint:
        return _TunnelEndpoint(self.proxy, b"%s:%d" % (uri.host, uri.port), self.auth,
                               self.tls_policy.creatorForNetloc(uri.host, uri.port))


class _TunnelEndpoint:
    """Connects to the proxy, asks it to CONNECT to `target`, then speaks TLS to the target inside."""

    def __init__(self, proxy: Any, target: bytes, auth: bytes | None, creator: Any) -> None:
        self.proxy, self.target, self.auth, self.creator = proxy, target, auth, creator

    def connect(self, factory: Any) -> Any:
        tunnel = _Tunnel(self.target, self.auth, self.creator, factory)
        connecting = self.proxy.connect(Factory.forProtocol(lambda: tunnel))

        def cancel(_: Any) -> None:
            connecting.cancel()
            if tunnel.transport is not None:
                tunnel.transport.abortConnection()

        tunnel.ready = defer.Deferred(cancel)
        connecting.addErrback(lambda failure: None if tunnel.ready.called else tunnel.ready.errback(failure))
        return tunnel.ready


class _Tunnel(Protocol):
    """The CONNECT exchange; after it, the bytes of the connection belong to the protocol of `factory`."""

    def __init__(self, target: bytes, auth: bytes | None, creator: Any, factory: Any) -> None:
        self.target, self.auth, self.creator, self.factory = target, auth, creator, factory
        self.ready: Any = None
        self.inner: Any = None
        self.head = b""

    def connectionMade(self) -> None:
        auth = b"Proxy-Authorization: %s\r\n" % self.auth if self.auth else b""
        transport: Any = self.transport
        transport.write(b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (self.target, self.target, auth))

    def dataReceived(self, data: bytes) -> None:
        if self.inner is not None:
            self.inner.dataReceived(data)
            return
        self.head += data
        if b"\r\n\r\n" not in self.head:
            if len(self.head) > HEAD_MAX:
                self._fail(TunnelError("the proxy's answer to CONNECT is too long"))
            return
        head, _, rest = self.head.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if status.split(b" ")[1:2] != [b"200"]:
            self._fail(TunnelError(f"the proxy refused CONNECT: {status[:80].decode('latin-1')}"))
            return
        transport: Any = self.transport
        transport.startTLS(self.creator)
        self.inner = self.factory.buildProtocol(transport.getPeer())
        self.inner.makeConnection(transport)
        self.ready.callback(self.inner)
        if rest:
            self.inner.dataReceived(rest)

    def connectionLost(self, reason: Any = None) -> None:
        if self.inner is not None:
            self.inner.connectionLost(reason)
        elif self.ready is not None and not self.ready.called:
            self.ready.errback(reason)

    def _fail(self, error: Exception) -> None:
        transport: Any = self.transport
        transport.abortConnection()
        if not self.ready.called:
            self.ready.errback(error)
