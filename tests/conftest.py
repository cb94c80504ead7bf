"""Fixtures for every test directory: the store's backends (a SQLite file, a real PostgreSQL), the
installed `renewal-radar` console script (`renewal_radar`, `cli`, `daemons`), and one HTTP server on
127.0.0.1 for feeds, pages and webhook receivers (`site`, `hook`). The classes behind them are in
harness.py and local_site.py."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from harness import Cli, Daemon, cli_env, free_port
from local_site import LocalSite, Receiver
from postgres import Postgres, start_postgres

CONSOLE_SCRIPT = Path(sys.executable).parent / "renewal-radar"


def pytest_configure(config: pytest.Config) -> None:
    """A shell that starts the suite in the background (`pytest &` in a script) ignores SIGINT for it, and
    every daemon it starts would inherit that: the tests that stop a daemon with SIGINT would wait in
    vain. The daemons get SIGINT as a user's shell gives it."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """One PostgreSQL cluster for the session, started on first use (fails, saying how to get it,
    when PostgreSQL is not installed)."""
    cluster = start_postgres()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty store's URL on each backend: a SQLite file, a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'radar.db'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture(scope="session")
def renewal_radar() -> list[str]:
    """The command of the installed console script, as the README installs it: the `renewal-radar`
    beside this interpreter. Without it the session stops: these tests run what users run."""
    if not CONSOLE_SCRIPT.is_file():
        pytest.exit(f"{CONSOLE_SCRIPT} is missing: install the project into this environment first "
                    f"(`{sys.executable} -m pip install -e '.[test]'`), then run the tests again",
                    returncode=4)
    return [str(CONSOLE_SCRIPT)]


@pytest.fixture(scope="session")
def starter_files(tmp_path_factory: pytest.TempPathFactory, renewal_radar: list[str]) -> Path:
    """What `renewal-radar init DIR` writes, written once for the session: copy_starter() copies it."""
    directory = tmp_path_factory.mktemp("starter") / "config"
    subprocess.run([*renewal_radar, "init", str(directory)], check=True, capture_output=True, env=cli_env())
    return directory


@pytest.fixture
def copy_starter(starter_files: Path) -> Callable[[Path], Path]:
    """copy_starter(DIR): DIR as `renewal-radar init DIR` leaves it (the session's one init, copied)."""
    def copy(directory: Path) -> Path:
        shutil.copytree(starter_files, directory, dirs_exist_ok=True)
        return directory

    return copy


@pytest.fixture
def cli(tmp_path: Path, renewal_radar: list[str]) -> Cli:
    """`renewal-radar --config DIR ...` on an empty config directory, in an environment without the
    caller's RENEWAL_RADAR_* variables."""
    directory = tmp_path / "config"
    directory.mkdir()
    return Cli(renewal_radar, directory, cli_env())


@pytest.fixture
def site() -> Iterator[LocalSite]:
    """Feeds, pages and webhook receivers on 127.0.0.1: put() publishes, requests records what came."""
    server = LocalSite()
    yield server
    server.close()


@pytest.fixture
def hook(site: LocalSite) -> Receiver:
    """A webhook receiver at /hook on the site."""
    return site.receiver("/hook")


@pytest.fixture
def daemons(cli: Cli, tmp_path: Path) -> Iterator[Callable[..., Daemon]]:
    """start(*args, health=False, log="daemon.log") runs a daemon on the test's config (with a /healthz
    port when `health`); every one is killed at the end, whatever happens."""
    started: list[Daemon] = []

    def start(*args: str, health: bool = False, log: str = "daemon.log") -> Daemon:
        daemon = Daemon(cli, tmp_path / log, *args, port=free_port() if health else None)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.kill()
