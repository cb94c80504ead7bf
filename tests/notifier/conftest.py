"""Fixtures for the notifier tests: a real SMTP sink and sample events of every kind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from smtp_sink import SmtpSink

from radar.domain.models import Event, Evidence

EVIDENCE = Evidence(
    title="Akudama Drive Season 2 Announced",
    url="https://www.animenewsnetwork.com/news/2026-10-30/akudama-drive-season-2/.210001",
    source="ann",
    trust="news",
    published="2026-10-30T00:00:00+00:00",
)


def make_event(**changes: Any) -> Event:
    """An `announced` event for Akudama Drive; keyword arguments replace fields."""
    fields: dict[str, Any] = dict(
        event_id="0123456789abcdef01234567",
        event="announced",
        show_id="akudama-drive",
        show_title="Akudama Drive",
        status="announced",
        previous_status="none",
        release=None,
        previous_release=None,
        evidence=(EVIDENCE,),
        detected_at="2026-10-30T09:15:02+00:00",
        phrase="second season is in production",
    )
    fields.update(changes)
    return Event(**fields)


@pytest.fixture
def event_factory() -> Callable[..., Event]:
    return make_event


@pytest.fixture
def event() -> Event:
    return make_event()


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    """A real plain-SMTP server on 127.0.0.1 accepting the login radar / mail-pass."""
    with SmtpSink(user="radar", password="mail-pass-5ecret") as sink:
        yield sink


@pytest.fixture(scope="session")
def _server_on_loopback() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def httpserver(_server_on_loopback: HTTPServer) -> Iterator[HTTPServer]:
    """pytest-httpserver's server, bound to 127.0.0.1 (its default is `localhost`),
    cleared after each test."""
    yield _server_on_loopback
    _server_on_loopback.clear()
