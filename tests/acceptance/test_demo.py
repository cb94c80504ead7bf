"""`renewal-radar demo` shows a newcomer real alerts offline, through the real pipeline."""

import subprocess

from harness import REPO


def test_demo_alerts_once_for_each_real_change_and_ignores_look_alikes(renewal_radar):
    proc = subprocess.run([*renewal_radar, "demo"], check=False, capture_output=True, text=True,
                          timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    baseline, _, alerts = out.partition("Cycle 2")
    # the official site's 第2期制作決定 names season 2; "returns with a new season" names no installment
    assert "Akudama Drive — Season 2: announced" in alerts and "Terra Formars: dated for 2027-04" in alerts
    for show in ("Akudama Drive", "Terra Formars"):
        assert f"{show}:" not in baseline and f"{show} —" not in baseline
    assert "Princess Principal:" not in out and "Princess Principal —" not in out
    assert alerts.count("Akudama Drive — Season 2: announced") == 1
    assert "Traceback" not in proc.stderr
