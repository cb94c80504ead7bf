"""`renewal-radar demo`: the real pipeline, offline, against sample sources served on 127.0.0.1.

Cycle 1 is the baseline: statuses are recorded silently. Then the official site announces a second
season (without naming the show) and a news outlet dates another show; cycle 2 alerts through a
console notifier, ignores a look-alike title, and `status` shows the evidence.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from radar.app.config import load_config
from radar.cli.sample_server import SampleServer
from radar.cli.starter import starter_text

DEMO_FILES = {"/feeds/news.xml": "news.xml", "/feeds/blog.xml": "blog.xml", "/akudama/news/": "akudama.html"}

RADAR_TOML = """[alerts]
on_baseline = false

[[notifier]]
name = "terminal"
kind = "console"
"""

SOURCES_TOML = """[[source]]
name = "demo-news"
kind = "rss"
url = "{base}/feeds/news.xml"
trust = "news"

[[source]]
name = "demo-blog"
kind = "rss"
url = "{base}/feeds/blog.xml"
trust = "community"

[[source]]
name = "akudama-official"
kind = "html"
url = "{base}/akudama/news/"
trust = "official"
show = "akudama-drive"
item = "ul.news li"
title = "a::text"
link = "a::attr(href)"
date = "time::attr(datetime)"
"""


def _phase(name: str) -> dict[str, bytes]:
    folder = resources.files("radar").joinpath("data", "demo", name)
    return {path: folder.joinpath(file).read_bytes() for path, file in DEMO_FILES.items()}


def run_demo(say: Callable[[str], None]) -> int:
    """Run two cycles against the sample server and narrate them; returns an exit status."""
    from radar.app.check import run_cycles
    from radar.cli.table import render
    from radar.domain.installment import display
    from radar.store import Store

    with (tempfile.TemporaryDirectory(prefix="renewal-radar-demo-") as tmp,
          SampleServer(_phase("phase1")) as server):
        directory = Path(tmp)
        (directory / "radar.toml").write_text(RADAR_TOML, encoding="utf-8")
        (directory / "sources.toml").write_text(SOURCES_TOML.format(base=server.url("")), encoding="utf-8")
        (directory / "watchlist.toml").write_text(starter_text("watchlist.toml"), encoding="utf-8")
        config = load_config(directory)
        store = Store(config.store_url)

        def before(index: int) -> None:
            if index == 0:
                say(f"Serving a news feed, a community blog and an official show site on {server.url('')}")
                say("Cycle 1 — baseline: statuses are recorded silently.")
            else:
                for path, body in _phase("phase2").items():
                    server.put(path, body)
                say("\nThe official Akudama Drive site posts 「TVアニメ第2期制作決定！」; "
                    "the news feed dates Terra Formars and reports a look-alike title.\nCycle 2 — alerts:")

        try:
            reports = run_cycles(config, store, 2, before_each=before)
            for number, report in enumerate(reports, 1):
                say(f"cycle {number}: {report.summary()}")
            rows = []
            for show in config.shows:
                entry = store.shows().get(show.id)
                evidence = store.evidence_for(show.id, 1)
                rows.append([show.title, (display(entry.installment) or "") if entry else "",
                             entry.state.status if entry else "none",
                             entry.state.release or "" if entry else "",
                             evidence[0].source if evidence else ""])
            say("\n" + render(["SHOW", "INSTALLMENT", "STATUS", "RELEASE", "EVIDENCE FROM"], rows))
            say("\nNext: `renewal-radar init myconfig`, edit watchlist.toml, then "
                "`renewal-radar --config myconfig check`.")
        finally:
            store.close()
    return 0
