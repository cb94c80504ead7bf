"""What the command line prints: stdout cleaned and masked, one-line errors, log set-up."""

from __future__ import annotations

import logging
import sys

from radar.app.config import Config


def out(text: str, config: Config | None = None) -> None:
    from radar.domain.display import (
        clean_lines,  # no terminal escape or bidi override a feed wrote is printed
    )

    print(clean_lines(config.masker.mask(text) if config else text))


def err(text: str) -> None:
    print(f"renewal-radar: {text}", file=sys.stderr)


def setup_logging(verbosity: int) -> None:
    """-1 (--quiet): errors only; 0: warnings; 1 (-v): info; 2 (-vv): debug."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    for noisy in ("scrapy", "twisted", "apprise", "urllib3", "filelock", "asyncio"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def redact_logs(config: Config) -> None:
    from radar.domain.secret import mask_logs

    mask_logs(config.masker)
