"""Issue 11, items 11, 13, 14 and 16: what the command line prints, through the real CLI.

A usage mistake is its own exit code and one line with close matches; the global options work after the
command too; `check --json` is JSON only even when the starter config's console notifier fires; each alert
is printed once, rumours only with `rumors = true`, a delay says the move, the trigger is quoted as the
article wrote it, and times are local with their zone."""

from __future__ import annotations

import json

import pytest
from test_check_pipeline import OPM_DATED, WATCHLIST, rss

USAGE = 64
OPM_DELAYED = ("opm-delay", "「ワンパンマン」第3期、放送延期　２０２７年１月に", "",
               "Mon, 01 Sep 2026 09:00:00 +0000")
AKUDAMA_S2 = ("akudama-s2", "TVアニメ「アクダマドライブ」第２期制作決定！", "",
              "Tue, 01 Dec 2026 09:00:00 +0000")
PP_RUMOR = ("pp-rumor", "Princess Principal Season 2 Release Date: Everything We Know",
            ("Princess Principal season 2 is set to air soon according to fans, but the release date has not "
             "been announced."), "Tue, 01 Dec 2026 10:00:00 +0000")


@pytest.fixture
def starter(cli, site, copy_starter):
    """The starter config (`init`: a console notifier), with the watchlist and one feed on 127.0.0.1."""
    copy_starter(cli.config)
    (cli.config / "watchlist.toml").write_text(WATCHLIST)
    (cli.config / "sources.toml").write_text(
        f'[[source]]\nname = "news"\nkind = "rss"\nurl = "{site.url("/news.xml")}"\ntrust = "news"\n')
    cli.env["TZ"] = "Asia/Tokyo"
    return cli


def test_check_json_is_json_only_and_each_alert_is_printed_once_as_written(starter, site):
    cli = starter
    site.put("/news.xml", rss(OPM_DATED))
    cli("check")  # the baseline, silent

    site.put("/news.xml", rss(OPM_DELAYED, OPM_DATED))
    proc = cli("check", "--json")
    report = json.loads(proc.stdout)  # JSON only, though the console notifier printed the alert
    assert [(a["show_id"], a["event"], a["release"]) for a in report["alerts"]] == [
        ("one-punch-man", "delayed", "2027-01")]
    assert "One-Punch Man — Season 3: delayed to January 2027" in proc.stderr  # the console's, on stderr
    assert "delayed: 2026-10-05 → 2027-01" in proc.stderr and "Status: dated (was dated)" not in proc.stderr

    site.put("/news.xml", rss(AKUDAMA_S2, PP_RUMOR, OPM_DELAYED, OPM_DATED))
    out = cli("check").stdout
    # the console's alert, no ALERT line too
    assert out.count("Akudama Drive — Season 2: announced") == 1, out
    assert "ALERT" not in out
    # the article's text, not folded
    assert 'Triggered by: "TVアニメ「アクダマドライブ」第２期制作決定！"' in out
    assert "rumor" not in out and "Princess Principal" not in out  # rumors = false: no alert for a rumour
    assert "Detected 20" in out and " JST\n" in out  # local time, naming the zone
    assert "1 alerts (1 recorded silently)" in out


def test_usage_mistakes_are_their_own_exit_code_with_close_matches(starter):
    cli = starter
    mistakes = (("history", "akudama"), ("notify-test", "nope"))
    names = ("akudama-drive", "Akudama-Drive", "akudama drive", "AKUDAMA DRIVE", "アクダマドライブ")
    *wrong, unknown_option, as_json = cli.many(*mistakes, ("check", "--no-such-option"),
                                               ("history", "--json", "Akudama Drive"), check=False)
    for args, proc in zip(mistakes, wrong, strict=True):
        assert proc.returncode == USAGE and proc.stdout == "", proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and "config error" not in proc.stderr
        assert f"renewal-radar: {args[0]}: usage error: " in proc.stderr
    history, notify_test = wrong
    assert "did you mean akudama-drive?" in history.stderr
    assert "the notifiers are terminal" in notify_test.stderr
    for name, proc in zip(names, cli.many(*[("history", name) for name in names]), strict=True):
        assert proc.stdout == "akudama-drive: no events yet\n", name
    assert as_json.returncode == 0 and as_json.stdout.strip() == "[]"
    proc = unknown_option
    assert proc.returncode == USAGE and len(proc.stderr.strip().splitlines()) == 1


def test_global_options_after_the_command_help_examples_and_json_everywhere(starter):
    cli = starter
    commands = ("init", "check", "daemon", "status", "sources", "history", "deliveries", "notify-test",
                "config", "demo", "serve", "export", "watchlist")
    # each exactly as typed: no --config put in front
    alone, after, quiet, *helps = cli.many((), ("config", "check", "--config", str(cli.config), "-v"),
                                           ("-q", "sources", "--config", str(cli.config), "--json"),
                                           *[(command, "--help") for command in commands], config=False)
    assert alone.returncode == 0 and "COMMAND" in alone.stdout and "history" in alone.stdout
    assert after.returncode == 0 and after.stdout.startswith(f"{cli.config}: OK"), after.stderr
    assert quiet.returncode == 0
    for command, shown in zip(commands, helps, strict=True):
        assert shown.returncode == 0 and "example: renewal-radar" in shown.stdout, command

    checked, config_shown, tested, retried = cli.many(
        ("config", "check", "--json"), ("config", "show", "--json"), ("notify-test", "--json"),
        ("deliveries", "--json", "retry"))
    assert json.loads(checked.stdout) == {
        "directory": str(cli.config), "ok": True, "shows": 4, "sources": 1, "notifiers": 1}
    shown = json.loads(config_shown.stdout)
    assert shown["alerts"] == {"on_baseline": False, "rumors": False, "failing_source": "6h"}
    assert shown["source"][0]["name"] == "news"
    # every section of radar.toml, as in effect: defaults included
    assert {"plugins", "store", "alerts", "schedule", "delivery", "anilist", "board"} <= set(shown)
    assert (shown["anilist"] == {"url": "https://graphql.anilist.co"}
            and shown["schedule"]["parse_budget"] == "5s")
    assert json.loads(tested.stdout) == [{"notifier": "terminal", "sent": True, "target": "console (stdout)",
                                          "error": None}]
    assert "[TEST]" in tested.stderr
    assert json.loads(retried.stdout) == {"requeued": 0, "daemon_pid": None, "delivered": 0, "errors": []}


def test_a_failed_delivery_is_printed_once_naming_its_alert(cli, site, hook):
    (cli.config / "watchlist.toml").write_text(WATCHLIST)
    (cli.config / "sources.toml").write_text(
        f'[[source]]\nname = "news"\nkind = "rss"\nurl = "{site.url("/news.xml")}"\ntrust = "news"\n')
    (cli.config / "radar.toml").write_text(
        f'[store]\npath = "radar.db"\n\n[[notifier]]\nname = "automation"\nkind = "webhook"\n'
        f'url = "{site.url("/hook")}"\n')
    site.put("/news.xml", rss(OPM_DATED))
    cli("check")  # the baseline, silent
    hook.status = 500
    site.put("/news.xml", rss(OPM_DELAYED, OPM_DATED))
    proc = cli("check", check=False)
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if "automation" in line]
    assert len(lines) == 1, proc.stdout + proc.stderr
    assert "delivery to automation failed (kept for retry): One-Punch Man — Season 3: delayed" in lines[0]
    assert "500" in lines[0] and proc.returncode == 4
