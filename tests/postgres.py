"""A real PostgreSQL for the tests: Debian's server binaries, initdb/pg_ctl into a temporary directory,
listening on 127.0.0.1 only; one fresh database per test that asks for one.

Root cannot run the server: as root the cluster belongs to the `postgres` user (which the package
creates) and its commands run through `runuser`. Without the binaries the tests that need them fail
and say how to get them: they are never skipped.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

HOW_TO_GET_IT = ("PostgreSQL's server binaries (initdb, pg_ctl) are not installed: "
                 "`apt-get update && apt-get install -y postgresql` (Debian/Ubuntu), "
                 "then run the tests again")


def _bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: Debian keeps them out of PATH, in /usr/lib/postgresql/N/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Postgres:
    """A running cluster: `url(db)` for SQLAlchemy, `new_database()` for a test of its own."""

    port: int
    directory: Path
    bin_dir: Path
    as_user: list[str]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Create an empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        subprocess.run([*self.as_user, str(self.bin_dir / "pg_ctl"), "-D", str(self.directory / "data"),
                        "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60, check=False)
        shutil.rmtree(self.directory, ignore_errors=True)


def start_postgres() -> Postgres:
    """initdb and start a cluster in a new temporary directory; pytest.fail saying how to get PostgreSQL
    when it is not installed."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        pytest.fail(HOW_TO_GET_IT, pytrace=False)
    directory = Path(tempfile.mkdtemp(prefix="radar-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        import pwd

        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root and there is no `postgres` user to run PostgreSQL as: "
                        "`apt-get install -y postgresql` creates it", pytrace=False)
        os.chown(directory, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = directory / "data", _free_port()
    made = subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                           "-A", "trust", "-E", "UTF8", "--no-sync"],
                          capture_output=True, text=True, timeout=120, check=False)
    if made.returncode:
        pytest.fail(f"initdb failed: {made.stderr.strip()}", pytrace=False)
    options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={directory} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    started = subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data),
                              "-l", str(directory / "log"), "-o", options, "-w", "-t", "60", "start"],
                             capture_output=True, text=True, timeout=120, check=False)
    if started.returncode:
        log = (directory / "log").read_text(errors="replace") if (directory / "log").exists() else ""
        pytest.fail(f"PostgreSQL did not start: {started.stderr.strip()} {log[-2000:]}", pytrace=False)
    return Postgres(port, directory, bin_dir, as_user)
