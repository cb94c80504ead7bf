"""Read feeds once with the daemon's FeedReader in a fresh process (the reactor cannot restart).

stdin: {"sources": [Source fields], "timeout": s, "max_bytes": n, "ports": [server ports]}
stdout: {"results": [FetchResult fields], "maxrss_mb": peak RSS of this process since exec,
         "established": ESTABLISHED TCP connections to `ports` once the results are in (waited for,
         up to 5 s, while the reader's pool is still open, as in the daemon)}
"""

from __future__ import annotations

import dataclasses
import json
import resource
import sys
import time
from typing import Any

from radar.app.fetch.crawl import install_reactor
from radar.domain.models import Source


def established(ports: set[int]) -> int:
    """ESTABLISHED connections from or to `ports` in this network namespace (/proc/net/tcp)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as file:
                lines = file.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, remote, state = line.split()[1:4]
            if state == "01" and (
                    {int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16)} & ports):
                count += 1
    return count


def peak_rss_mb() -> float:
    """This process's peak RSS since exec (VmHWM: getrusage's ru_maxrss survives exec, so it would
    report the parent's size)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    job = json.load(sys.stdin)
    reactor = install_reactor()
    from radar.app.fetch.feedreader import FeedReader

    reader = FeedReader(reactor, job.get("timeout", 10.0), job.get("max_bytes", 5 * 2**20), 4)
    sources = [Source(**s) for s in job["sources"]]
    ports = set(job.get("ports", ()))
    out: dict[str, Any] = {}

    def settle(results: Any, deadline: float) -> None:
        count = established(ports)
        if count and time.monotonic() < deadline:
            reactor.callLater(0.05, settle, results, deadline)
            return
        out["established"] = count
        out["results"] = [dataclasses.asdict(r) for r in results]
        reader.stop().addBoth(lambda _: reactor.stop())

    reader.read(sources, {}).addCallback(lambda results: settle(results, time.monotonic() + 5))
    reactor.run(installSignalHandlers=False)
    out["maxrss_mb"] = peak_rss_mb()
    json.dump(out, sys.stdout, default=str, ensure_ascii=False)


if __name__ == "__main__":
    main()
