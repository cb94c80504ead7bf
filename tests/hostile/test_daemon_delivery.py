"""Item 3 in the real daemon: a webhook receiver that trickles its answer (1 byte / 2 s) beside a healthy
one. The healthy one gets every alert while the stuck one hangs, and SIGTERM exits within the shutdown
grace period, the stuck alerts still pending in the outbox."""

from __future__ import annotations

import signal
from typing import Any

from acceptance.test_daemon import AKUDAMA_ANNOUNCED, OLD, PP_ANNOUNCED, TF_ANNOUNCED, WATCHLIST, rss, source
from harness import wait_for
from servers import RawServer, trickle

from radar.app.daemon import SHUTDOWN_GRACE


def test_a_stuck_receiver_holds_no_other_and_sigterm_leaves_its_alerts_pending(cli: Any, site: Any, hook: Any,
                                                                             daemons: Any) -> None:
    sent: list[int] = []
    stuck = RawServer(trickle(2.0, sent, head=False))  # raw bytes: not even a status line
    try:
        (cli.config / "radar.toml").write_text(f"""
[schedule]
interval = "1s"
jitter = "10%"
timeout = "10s"

[delivery]
retry_backoff = "1s"
max_backoff = "2s"

[[notifier]]
name = "stuck"
kind = "webhook"
url = "{stuck.url('/hook')}"
timeout = "60s"

[[notifier]]
name = "healthy"
kind = "webhook"
url = "{hook.url}"
""")
        (cli.config / "watchlist.toml").write_text(WATCHLIST)
        (cli.config / "sources.toml").write_text(source("news", site.url("/news.xml")))
        site.put("/news.xml", rss(OLD))
        daemon = daemons()
        daemon.wait(lambda: cli.polled_ok("news"), 20, "the first poll")

        site.put("/news.xml", rss(TF_ANNOUNCED, AKUDAMA_ANNOUNCED, PP_ANNOUNCED, OLD))
        site.wait(lambda: len(hook.calls) >= 3, 15, "every alert at the healthy receiver", daemon.output)
        assert sorted(p["show_id"] for p in hook.payloads()) == ["akudama-drive", "princess-principal",
                                                                 "terra-formars"]
        wait_for(lambda: sent, 10, "the stuck receiver to be trickling", daemon.output)

        code, took = daemon.stop(signal.SIGTERM)
        assert code == 0 and took < SHUTDOWN_GRACE + 4, (took, daemon.output())
        assert "abandoned" in daemon.output() and "Traceback" not in daemon.output()
        rows = cli.query(
            "select notifier, state, count(*) from outbox group by notifier, state order by 1, 2")
        assert rows == [("healthy", "delivered", 3), ("stuck", "pending", 3)]
    finally:
        stuck.close()
