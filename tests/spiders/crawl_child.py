"""Poll sources once with `crawl_deferred` in a fresh process (the Twisted reactor cannot restart):
JSON in, JSON out.

stdin: {"sources": [Source fields], "validators": {name: {"etag", "last_modified"}}, "options": {...}}
       (options: PollRunner's timeout, max_bytes, per_host)
stdout: a JSON list of FetchResult fields, articles included.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from radar.app.fetch.crawl import PollRunner, crawl_deferred, install_reactor
from radar.domain.models import FetchResult, Source, Validators


def crawl(sources: Sequence[Source], validators: Mapping[str, Validators],
          **options: Any) -> list[FetchResult]:
    """Run the reactor until every source has a result, as the daemon's poll would give it."""
    reactor = install_reactor()
    runner = PollRunner(**options)
    outcome: list[Any] = []
    done = crawl_deferred(runner, sources, validators)
    done.addBoth(outcome.append)
    done.addBoth(lambda _: runner.stop())
    done.addBoth(lambda _: reactor.callLater(0, reactor.stop))
    reactor.run(installSignalHandlers=False)
    if not outcome:
        raise RuntimeError("the reactor stopped before the crawl finished")
    if not isinstance(outcome[0], list):
        outcome[0].raiseException()
    return outcome[0]


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    job = json.load(sys.stdin)
    sources = [Source(**{**s, "options": tuple(tuple(kv) for kv in s.get("options", ()))})
               for s in job["sources"]]
    validators = {name: Validators(**v) for name, v in job.get("validators", {}).items()}
    results = crawl(sources, validators, **job.get("options", {}))
    json.dump([dataclasses.asdict(r) for r in results], sys.stdout, default=str, ensure_ascii=False)


if __name__ == "__main__":
    main()
