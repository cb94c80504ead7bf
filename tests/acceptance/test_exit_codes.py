"""What a script sees from the real CLI: distinct exit codes, one clear line, never a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from harness import REPO
from test_check_pipeline import OPM_DATED, WATCHLIST, rss


@pytest.mark.parametrize("entry", ["console script", "python -m radar.cli"])
def test_a_reader_that_goes_away_ends_the_command_quietly(cli, copy_starter, entry):
    """`status | head -1`: the pipe closes before the table is written; no BrokenPipeError traceback.
    The one test that runs `python -m radar.cli` too: every other runs the installed console script."""
    command = cli.command if entry == "console script" else [sys.executable, "-m", "radar.cli"]
    copy_starter(cli.config)  # what `init` writes
    cli("status")  # the store exists, so the broken pipe is the only thing that can go wrong below
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes a byte
    try:
        proc = subprocess.run([*command, "--config", str(cli.config), "status"], check=False,
                              stdout=write_end,
                              stderr=subprocess.PIPE, text=True, env=cli.env, cwd=REPO, timeout=120)
    finally:
        os.close(write_end)
    assert proc.stderr == ""
    assert proc.returncode == 141


def _one_feed(cli, site, radar: str = "") -> None:
    (cli.config / "radar.toml").write_text(radar)
    (cli.config / "watchlist.toml").write_text(WATCHLIST)
    (cli.config / "sources.toml").write_text("".join(
        f'[[source]]\nname = "{name}"\nkind = "rss"\nurl = "{site.url("/" + name + ".xml")}"\n'
        'trust = "news"\n'
        for name in ("news", "news-two")))


@pytest.mark.parametrize("json_flag", [(), ("--json",)])
def test_check_exits_5_when_every_source_failed_and_0_when_one_still_works(cli, site, json_flag):
    _one_feed(cli, site)
    site.put("/news.xml", "oops", "text/plain", status=500)
    site.put("/news-two.xml", "gone", "text/plain", status=404)
    outage = cli("check", *json_flag, check=False)
    assert outage.returncode == 5, outage.stdout + outage.stderr
    assert "Traceback" not in outage.stderr
    site.put("/news-two.xml", rss(OPM_DATED))
    assert cli("check", *json_flag, check=False).returncode == 0


@pytest.mark.parametrize("json_flag", [(), ("--json",)])
def test_check_exits_4_when_a_delivery_failed(cli, site, hook, json_flag):
    hook.status = 500
    _one_feed(cli, site, radar=f'[alerts]\non_baseline = true\n[[notifier]]\nname = "automation"\n'
                               f'kind = "webhook"\nurl = "{site.url("/hook")}"\n')
    site.put("/news.xml", rss(OPM_DATED))
    site.put("/news-two.xml", rss())
    proc = cli("check", *json_flag, check=False)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert len(hook.calls) == 1 and "Traceback" not in proc.stderr


def test_config_check_refuses_a_config_dir_without_its_watchlist(cli, copy_starter):
    copy_starter(cli.config)  # what `init` writes
    (cli.config / "watchlist.toml").rename(cli.config / "watchlist.tml")
    proc = cli("config", "check", check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [(f"renewal-radar: config error: {cli.config / 'watchlist.tml'}: "
                                         "unknown file; did you mean watchlist.toml? "
                                         "(rename it to watchlist.toml)")]
    (cli.config / "watchlist.tml").unlink()
    proc = cli("config", "check", check=False)
    assert proc.returncode == 2 and (
        "watchlist.toml: file not found (run `renewal-radar init DIR`" in proc.stderr)


def test_a_store_another_writer_keeps_locked_is_one_clear_line_and_exit_3(cli, site):
    """A held write lock (another connection inside BEGIN IMMEDIATE): `check` waits the busy timeout,
    then says the store is busy, in one line, with the store's exit code."""
    _one_feed(cli, site)
    site.put("/news.xml", rss(OPM_DATED))
    site.put("/news-two.xml", rss())
    cli("check")  # the store and its tables exist
    site.put("/news-two.xml", rss(OPM_DATED))  # something new to write
    holder = sqlite3.connect(cli.config / "radar.db", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        proc = cli("check", check=False)
    finally:
        holder.close()
    assert proc.returncode == 3, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("renewal-radar: store error: the store sqlite:///")
    assert "is busy: another process has held its write lock" in lines[0]
    assert cli("check", check=False).returncode == 0  # the lock is gone: the same check goes through
