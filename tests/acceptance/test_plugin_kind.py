"""A source kind added as one small module and one line of config is polled by `check` and by the daemon.

The kind below is written by the test into the config directory, as a user would add their own
(`[plugins] paths`); nothing in radar names it. It reads a plain-text bulletin board (one headline per
line) and is fetched as a page (`Fetch.PAGE`: through Scrapy, robots.txt obeyed), so the routing of
both commands goes by what the kind declares.
"""

from __future__ import annotations

import signal

from test_daemon import write_config as write_daemon_config

KIND = '''
"""A plain-text bulletin: one headline per line, "#" lines are comments."""

from radar.domain.models import Article
from radar.domain.source_kind import Fetch, SourceKind


class BulletinKind(SourceKind, kind="bulletin"):
    """A plain-text bulletin board, one headline per line."""

    fetch = Fetch.PAGE

    @classmethod
    def parse(cls, source, body, url, headers):
        lines = [line.strip() for line in body.decode("utf-8").splitlines()]
        return [Article(source=source.name, trust=source.trust, title=line, url=url, guid=line)
                for line in lines if line and not line.startswith("#")]
'''

def write_config(cli, site) -> None:
    """The daemon tests' config (their watchlist, a webhook at /hook) with the kind's file in `kinds/`,
    named by `[plugins] paths`, and one source of that kind."""
    (cli.config / "kinds").mkdir()
    (cli.config / "kinds" / "bulletin.py").write_text(KIND)
    write_daemon_config(cli, site, sources=f'[[source]]\nname = "board"\nkind = "bulletin"\n'
                                          f'url = "{site.url("/board.txt")}"\ntrust = "official"\n')
    radar_toml = cli.config / "radar.toml"
    radar_toml.write_text('[plugins]\npaths = ["kinds"]\n' + radar_toml.read_text())


def test_a_kind_of_ones_own_is_polled_by_check_and_by_the_daemon(cli, site, hook, daemons):
    write_config(cli, site)
    site.put("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    site.put("/board.txt", "# studio bulletin\nWinter Schedule Posted\n", content_type="text/plain")
    assert "1 sources" in cli("config", "check").stdout
    cli("check")  # the first poll: the baseline, silent
    assert cli.polled_ok("board") and site.of("/robots.txt"), "fetched as a page: robots.txt read first"

    site.put("/board.txt", "# studio bulletin\nWinter Schedule Posted\nAkudama Drive Season 2 Announced\n",
             content_type="text/plain")
    shown = cli("check").stdout
    assert "ALERT Akudama Drive" in shown and "announced" in shown
    assert [(p["show_id"], p["event"]) for p in hook.payloads()] == [("akudama-drive", "announced")]

    daemon = daemons(health=True)
    polls = daemon.wait(lambda: max(daemon.counter("polls"), 0), 15, "the daemon's first poll")
    site.put("/board.txt", "Akudama Drive Season 2 Announced\nTerra Formars Season 3 Announced\n",
             content_type="text/plain")
    daemon.wait(lambda: len(hook.payloads()) == 2, 15, "the daemon's alert from the bulletin")
    assert daemon.counter("polls") > polls
    assert [(p["show_id"], p["event"]) for p in hook.payloads()][1] == ("terra-formars", "announced")
    assert daemon.stop(signal.SIGTERM)[0] == 0


def test_a_plugin_file_that_does_not_import_is_one_config_error_line(cli, site, hook):
    write_config(cli, site)
    (cli.config / "kinds" / "bulletin.py").write_text("import no_such_module\n")
    proc = cli("config", "check", check=False)
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    assert "radar.toml: plugins.paths" in line and "bulletin.py failed to load" in line
    assert "ModuleNotFoundError" in line and "Traceback" not in proc.stderr
