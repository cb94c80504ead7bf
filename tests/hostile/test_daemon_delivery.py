"""Item 3 in the real daemon: a webhook receiver that trickles its answer (1 byte / 2 s) beside a healthy
one. The healthy one gets every alert while the stuck one hangs, and SIGTERM exits within the shutdown
grace period, the stuck alerts still pending in the outbox."""

from __future__ import annotations

import json
import signal
from typing import Any

from acceptance.test_daemon import (
    AKUDAMA_ANNOUNCED,
    OLD,
    PP_ANNOUNCED,
    TF_ANNOUNCED,
    WATCHLIST,
    Daemon,
    polled_ok,
    query,
    rss,
    source,
    wait_for,
)
from servers import RawServer, trickle
from werkzeug import Request, Response

from radar.app.daemon import SHUTDOWN_GRACE


def test_a_stuck_receiver_holds_no_other_and_sigterm_leaves_its_alerts_pending(cli: Any, site: Any,
                                                                             httpserver: Any,
                                                                             tmp_path: Any) -> None:
    got: list[str] = []

    def healthy(request: Request) -> Response:
        got.append(json.loads(request.get_data())["show_id"])
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(healthy)
    sent: list[int] = []
    stuck = RawServer(trickle(2.0, sent, head=False))
    daemon = None
    try:
        (cli.config / "radar.toml").write_text(f"""
[schedule]
interval = "1.5s"
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
url = "{site.url('/hook')}"
""")
        (cli.config / "watchlist.toml").write_text(WATCHLIST)
        (cli.config / "sources.toml").write_text(source("news", site.url("/news.xml")))
        site.put("/news.xml", rss(OLD))
        daemon = Daemon(cli, tmp_path / "daemon.log")
        wait_for(lambda: polled_ok(cli, "news"), 20, "the first poll", daemon)

        site.put("/news.xml", rss(TF_ANNOUNCED, AKUDAMA_ANNOUNCED, PP_ANNOUNCED, OLD))
        wait_for(lambda: len(got) >= 3, 15, "every alert at the healthy receiver", daemon)
        assert sorted(got) == ["akudama-drive", "princess-principal", "terra-formars"]
        wait_for(lambda: sent, 10, "the stuck receiver to be trickling", daemon)

        code, took = daemon.stop(signal.SIGTERM)
        assert code == 0 and took < SHUTDOWN_GRACE + 4, (took, daemon.output())
        assert "abandoned" in daemon.output() and "Traceback" not in daemon.output()
        rows = query(cli, "select notifier, state, count(*) from outbox group by notifier, state order by 1, 2")
        assert rows == [("healthy", "delivered", 3), ("stuck", "pending", 3)]
    finally:
        if daemon is not None and daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait(10)
        stuck.close()
