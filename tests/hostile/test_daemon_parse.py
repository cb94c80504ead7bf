"""Parsing off the reactor in the real daemon: a hostile feed (the corpus's 4.5 MB Atom summary of
'&lt;', about two seconds of parsing) beside a good source. While the hostile body is being read, /healthz
keeps answering (polled all along, every answer timed), the good source's news alerts within its usual
latency, and the hostile source, over its `parse_budget`, is reported "took too long to parse"."""

from __future__ import annotations

import signal
import threading
import time
import urllib.request
from typing import Any

from acceptance.test_daemon import OLD, TF_ANNOUNCED, rss, source, write_config
from corpus import text_bodies

HEALTHZ_BOUND = 1.0  # seconds: a stalled reactor (a parse on its thread) answers after the whole parse
HOSTILE_SIZE = 4_500_000  # under the 5 MB cap, so the body is read and parsed
INTERVAL = 1.5  # seconds: not the daemon tests' 1 s, which would parse the hostile body more often
TOO_LATE = INTERVAL * 1.1 + 3  # the bar: interval + 3 s (jitter included)


class HealthWatch:
    """Asks /healthz again and again in a thread, recording how long each answer took."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.took: list[float] = []
        self.errors: list[str] = []
        self.last = 0.0  # when the latest answer came
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=10) as answer:
                    answer.read()
                self.last = time.monotonic()
                self.took.append(self.last - started)
            except OSError as exc:  # not listening yet
                if self.took:
                    self.errors.append(repr(exc))
                self.stopping.wait(0.05)
            self.stopping.wait(0.02)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(15)


def test_a_hostile_feed_never_stalls_healthz_or_the_good_news(cli: Any, site: Any, hook: Any,
                                                               daemons: Any) -> None:
    hostile = next(b for b in text_bodies(HOSTILE_SIZE) if b.name == "lt")
    site.put("/hostile.xml", hostile.data, hostile.content_type)
    site.put("/news.xml", rss(OLD))
    write_config(cli, site, interval=INTERVAL, schedule='parse_budget = "1s"',
                 sources=source("news", site.url("/news.xml")) + source("hostile", site.url("/hostile.xml")))
    daemon = daemons(health=True)
    watch = HealthWatch(daemon.port)
    try:
        daemon.wait(lambda: cli.polled_ok("news"), 30, "the first poll")
        def over_budget() -> bool:
            return "took too long to parse" in daemon.healthz().get("failing_sources", {}).get("hostile", "")

        daemon.wait(over_budget, 30, "the hostile source reported over its budget")
        published = time.monotonic()
        site.put("/news.xml", rss(TF_ANNOUNCED, OLD))
        site.wait(lambda: hook.calls, TOO_LATE + 2, "the alert", daemon.output)
        late = hook.calls[0].at - published
        assert late <= TOO_LATE, f"alert took {late:.1f}s"
        # the hostile body read (and parsed) at least twice while /healthz was being asked
        site.wait(lambda: len(site.of("/hostile.xml")) >= 2, 30, "a second poll of the hostile feed",
                  daemon.output)
        second = time.monotonic()
        reads = len(site.of("/hostile.xml"))
        # answers for longer than the parse takes after that read began (about 2 s, more under load)
        daemon.wait(lambda: watch.last - second > 4.0, 30, "/healthz answers through the second parse")
    finally:
        watch.stop()
        code, _ = daemon.stop(signal.SIGTERM)
    assert code == 0, daemon.output()
    assert watch.took and not watch.errors, watch.errors[:3]
    slowest = max(watch.took)
    assert slowest < HEALTHZ_BOUND, (f"/healthz took {slowest:.2f}s (of {len(watch.took)} answers) while "
                                     f"{reads} hostile bodies were parsed")
    assert "Traceback" not in daemon.output()
