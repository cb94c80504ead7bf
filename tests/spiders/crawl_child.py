"""Run one `crawl_once` in a fresh process (the Twisted reactor cannot restart): JSON in, JSON out.

stdin: {"sources": [Source fields], "validators": {name: {"etag", "last_modified"}}, "options": {...}}
stdout: a JSON list of FetchResult fields, articles included.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys

from radar.domain.models import Source, Validators
from radar.app.fetch.crawl import crawl_once


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    job = json.load(sys.stdin)
    sources = [Source(**{**s, "options": tuple(tuple(kv) for kv in s.get("options", ()))})
               for s in job["sources"]]
    validators = {name: Validators(**v) for name, v in job.get("validators", {}).items()}
    results = crawl_once(sources, validators, **job.get("options", {}))
    json.dump([dataclasses.asdict(r) for r in results], sys.stdout, default=str, ensure_ascii=False)


if __name__ == "__main__":
    main()
