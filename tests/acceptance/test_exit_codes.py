"""What a script sees from the real CLI: distinct exit codes, one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO

ENTRY_POINTS = {
    "python -m radar.cli": [sys.executable, "-m", "radar.cli"],
    "console script": [sys.executable, "-c", "import sys, radar.launch; sys.exit(radar.launch.main())"],
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_a_reader_that_goes_away_ends_the_command_quietly(cli, entry):
    """`status | head -1`: the pipe closes before the table is written; no BrokenPipeError traceback."""
    cli("init", str(cli.config))
    cli("status")  # the store exists, so the broken pipe is the only thing that can go wrong below
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes a byte
    try:
        proc = subprocess.run([*ENTRY_POINTS[entry], "--config", str(cli.config), "status"], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, env=cli.env, cwd=REPO, timeout=120)
    finally:
        os.close(write_end)
    assert proc.stderr == ""
    assert proc.returncode == 141
