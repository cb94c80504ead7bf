"""The console script holds the cyclic GC off while a command imports, then freezes that heap and turns the
collector back on, whatever the command does (a real child interpreter, a real config directory)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import gc, sys
import radar.cli.launch
from radar.app import process
seen = []
orig = process.settled
def settled():
    seen.append(gc.isenabled())
    orig()
process.settled = settled
code = radar.cli.launch.main(sys.argv[1:])
print("before settled:", seen[0], "after:", gc.isenabled(), "frozen:", gc.get_freeze_count() > 0,
      "code:", code)
"""


@pytest.mark.parametrize("args, code", [(["config", "check"], 0), (["--config", "missing-dir", "check"], 2)])
def test_collector_is_off_until_settled_then_on_with_the_start_up_heap_frozen(tmp_path, args, code,
                                                                             copy_starter):
    copy_starter(tmp_path / "cfg")  # what `renewal-radar init` writes
    argv = ["--config", str(tmp_path / "cfg"), *args] if args[0] != "--config" else args
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=tmp_path, capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == (
        f"before settled: False after: True frozen: True code: {code}")
