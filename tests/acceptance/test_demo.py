"""`renewal-radar demo` shows a newcomer real alerts offline, through the real pipeline."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_demo_alerts_once_for_each_real_change_and_ignores_look_alikes():
    proc = subprocess.run([sys.executable, "-m", "radar.cli", "demo"], capture_output=True, text=True,
                          timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    baseline, _, alerts = out.partition("Cycle 2")
    assert "Akudama Drive: season announced" in alerts and "Terra Formars: dated for 2027-04" in alerts
    assert "Akudama Drive:" not in baseline and "Terra Formars:" not in baseline
    assert "Princess Principal:" not in out
    assert alerts.count("Akudama Drive: season announced") == 1
    assert "Traceback" not in proc.stderr
