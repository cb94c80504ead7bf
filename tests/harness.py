"""What the end-to-end tests drive: the installed `renewal-radar` console script (`Cli`), its daemon as a
real process (`Daemon`), and waiting on what happens (`wait_for`) instead of sleeping. The fixtures that
hand these out are in conftest.py; a test imports from here only the plain helpers it calls itself."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smtp_sink import free_port

__all__ = ["REPO", "Cli", "Daemon", "cli_env", "free_port", "healthz", "wait_for"]

REPO = Path(__file__).resolve().parents[1]
POLL_EVERY = 0.02  # seconds between two looks at a condition: waiting on it, not sleeping past it


def wait_for(check: Callable[[], Any], timeout: float, what: str,
             log: Callable[[], str] | None = None) -> Any:
    """The first true value of `check()`, looked at every 20 ms; AssertionError naming `what` (and
    `log()` when given) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            shown = f"\n{log()}" if log else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{shown}")
        time.sleep(POLL_EVERY)


def cli_env() -> dict[str, str]:
    """The environment the CLI runs in: this one, less the caller's RENEWAL_RADAR_* variables, with the
    repository first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENEWAL_RADAR")}
    env["PYTHONPATH"] = str(REPO)
    return env


def healthz(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
        return json.loads(response.read())


@dataclass
class Cli:
    """Runs the installed `renewal-radar` console script (`command`) as a real process on one config
    directory, with a given environment; `outputs` keeps everything it printed."""

    command: list[str]
    config: Path
    env: dict[str, str]
    outputs: list[str] = field(default_factory=list)

    def __call__(self, *args: str, check: bool = True,
                 stdin: str | None = None) -> subprocess.CompletedProcess:
        proc = self.run("--config", str(self.config), *args, stdin=stdin)
        if check and proc.returncode != 0:
            raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
        return proc

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        """The command exactly as typed (no --config put in front)."""
        proc = subprocess.run([*self.command, *args], capture_output=True, text=True, env=self.env,
                              input=stdin, timeout=120, cwd=REPO)
        self.outputs += [proc.stdout, proc.stderr]
        return proc

    def many(self, *commands: Sequence[str], check: bool = True,
             config: bool = True) -> list[subprocess.CompletedProcess]:
        """Commands that do not depend on one another, run two at a time (the machine has two cores);
        their results in the order given. `config=False`: each exactly as typed, as `run` does."""
        def one(args: Sequence[str]) -> subprocess.CompletedProcess:
            return self(*args, check=check) if config else self.run(*args)

        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(one, commands))

    def query(self, sql: str) -> list[tuple]:
        """Read the SQLite store in the config directory directly (WAL: readers never block the writer)."""
        with sqlite3.connect(self.config / "radar.db", timeout=5) as conn:
            return conn.execute(sql).fetchall()

    def polled_ok(self, name: str) -> bool:
        """Whether source `name` has been polled successfully (False before the store has its tables)."""
        try:
            sql = f"select 1 from source_state where name = '{name}' and last_success != ''"
            return bool(self.query(sql))
        except sqlite3.OperationalError:
            return False


class Daemon:
    """One `renewal-radar daemon` process on `cli`'s config; its output goes to `log` (a file, so a full
    pipe never blocks it). `port` is its /healthz port when it was started with one."""

    def __init__(self, cli: Cli, log: Path, *args: str, port: int | None = None) -> None:
        self.log, self.port = log, port
        health = ["--healthcheck-port", str(port)] if port else []
        with log.open("ab") as out:
            self.proc = subprocess.Popen([*cli.command, "--config", str(cli.config), "daemon", *health,
                                          *args], env=cli.env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        """wait_for, showing the daemon's log when it times out."""
        return wait_for(check, timeout, what, self.output)

    def healthz(self) -> dict[str, Any]:
        """The daemon's /healthz (an empty dict while it is not listening yet)."""
        assert self.port, "started without a /healthz port"
        try:
            return healthz(self.port)
        except OSError:
            return {}

    def counter(self, name: str) -> int:
        """One of /healthz's counters ("cycles", "polls", "reloads", ...): -1 while it is not listening."""
        return int(self.healthz().get(name, -1))

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> tuple[int, float]:
        """Send `sig`; the exit code and how long the process took to exit."""
        started = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"daemon still running {timeout}s after signal {sig}:\n"
                                 f"{self.output()}") from None
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
