"""Issue 11, item 4: a source that keeps failing is alerted once, and once more when it recovers — through
the outbox to the notifiers that ask for `source_failing`, real `check` runs against a feed answering 500
on 127.0.0.1."""

from __future__ import annotations

import json
import time

import pytest
from test_check_pipeline import OPM_DATED, WATCHLIST, rss


@pytest.fixture
def team(site):
    """A second receiver, for a notifier with the default events."""
    return site.receiver("/team")


def write_config(cli, site, failing_source: str = "1s") -> None:
    (cli.config / "radar.toml").write_text(f"""
[alerts]
failing_source = "{failing_source}"

[[notifier]]
name = "ops"
kind = "webhook"
url = "{site.url('/hook')}"
events = ["announced", "source_failing"]

[[notifier]]
name = "team"
kind = "webhook"
url = "{site.url('/team')}"
""")
    (cli.config / "watchlist.toml").write_text(WATCHLIST)
    (cli.config / "sources.toml").write_text(
        f'[[source]]\nname = "news"\nkind = "rss"\nurl = "{site.url("/news.xml")}"\ntrust = "news"\n'
        f'[[source]]\nname = "other"\nkind = "rss"\nurl = "{site.url("/other.xml")}"\ntrust = "news"\n')


def test_a_source_failing_past_the_threshold_alerts_once_and_its_recovery_once(cli, site, hook, team):
    write_config(cli, site)
    site.put("/news.xml", "boom", "text/plain", status=500)
    site.put("/other.xml", rss(OPM_DATED))
    outputs = []
    deadline = time.monotonic() + 60
    while not hook.calls:  # each check polls again; the alert comes once the failure is 1 s old
        assert time.monotonic() < deadline, "\n".join(outputs)
        outputs.append(cli("check").stdout)
    assert "ALERT Source news: failing since " in outputs[-1] and "HTTP 500" in outputs[-1]
    assert len(outputs) >= 2 and "ALERT" not in outputs[0]  # the first failure is not yet 1 s old
    status_shown, sources_shown = cli.many(("status",), ("sources", "--json"))
    status = status_shown.stdout
    assert "failing sources: news (" in status and " since " in status
    rows = {r["name"]: r for r in json.loads(sources_shown.stdout)}
    assert rows["news"]["failing_since"] and rows["other"]["failing_since"] is None

    cli("check")  # still failing: no second alert
    [failing] = hook.payloads()
    assert failing["event"] == "source_failing" and failing["show_id"] is None and failing["evidence"] == []
    assert failing["source"]["name"] == "news" and "500" in failing["source"]["error"]
    assert failing["source"]["url"] == site.url("/news.xml") and failing["source"]["failures"] >= 2
    assert failing["source"]["failing_since"] == rows["news"]["failing_since"]

    site.put("/news.xml", rss(OPM_DATED))
    recovered_out = cli("check").stdout
    assert "ALERT Source news: recovered" in recovered_out
    cli("check")
    assert [p["event"] for p in hook.payloads()] == ["source_failing", "source_recovered"]
    recovered = hook.payloads()[1]
    assert recovered["source"]["failing_since"] == failing["source"]["failing_since"]
    assert team.calls == []  # the default events do not include a source's alerts
    assert "failing sources" not in cli("status").stdout


def test_failing_source_is_a_duration_or_off(cli, site, hook, team):
    write_config(cli, site, "off")
    assert cli("config", "check").returncode == 0
    write_config(cli, site, "soon")
    proc = cli("config", "check", check=False)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "radar.toml: alerts.failing_source: 'soon' is not a duration" in proc.stderr
