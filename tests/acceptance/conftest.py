"""Helpers for driving the real `renewal-radar` CLI against servers on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug import Request, Response

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Site:
    """Files served by pytest-httpserver with ETag handling, and every request they received."""

    server: object
    files: dict[str, tuple[bytes, str, int]] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)

    def put(self, path: str, body: bytes | str, content_type: str = "application/rss+xml; charset=utf-8",
            status: int = 200) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.files[path] = (data, content_type, status)

    def url(self, path: str) -> str:
        return self.server.url_for(path)  # type: ignore[attr-defined]

    def handle(self, request: Request) -> Response:
        path = request.path
        conditional = bool(request.headers.get("If-None-Match") or request.headers.get("If-Modified-Since"))
        self.requests.append({"path": path, "conditional": conditional,
                              "user_agent": request.headers.get("User-Agent", ""), "at": time.monotonic()})
        if path not in self.files:
            return Response("not found", status=404)
        body, content_type, status = self.files[path]
        if status != 200:
            return Response(body, status=status)
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, status=200, headers={"ETag": etag, "Content-Type": content_type})


@pytest.fixture
def site(httpserver):
    """A web of feeds and pages on 127.0.0.1; put() publishes, requests records what was asked."""
    result = Site(httpserver)
    httpserver.expect_request(__import__("re").compile("^/(?!hook).*")).respond_with_handler(result.handle)
    return result


@dataclass
class Hook:
    """A webhook receiver: every POST it got, raw body and headers."""

    calls: list[dict] = field(default_factory=list)
    status: int = 200

    def handle(self, request: Request) -> Response:
        self.calls.append({"body": request.get_data(), "headers": dict(request.headers)})
        return Response("ok" if self.status < 400 else "boom", status=self.status)

    def payloads(self) -> list[dict]:
        return [json.loads(c["body"]) for c in self.calls]


@pytest.fixture
def hook(httpserver, site):
    receiver = Hook()
    httpserver.expect_request("/hook", method="POST").respond_with_handler(receiver.handle)
    return receiver


@dataclass
class Cli:
    """Runs `renewal-radar` as a real process with a given environment."""

    config: Path
    env: dict[str, str]
    outputs: list[str] = field(default_factory=list)

    def __call__(self, *args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, "-m", "radar.cli", "--config", str(self.config), *args],
                              capture_output=True, text=True, env=self.env, input=stdin, timeout=120, cwd=REPO)
        self.outputs += [proc.stdout, proc.stderr]
        if check and proc.returncode != 0:
            raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
        return proc


@pytest.fixture
def cli(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENEWAL_RADAR")}
    env["PYTHONPATH"] = str(REPO)
    directory = tmp_path / "config"
    directory.mkdir()
    return Cli(directory, env)
