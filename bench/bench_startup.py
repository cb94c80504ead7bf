"""What one `renewal-radar` command costs from exec to exit: the floor every CLI call (and every
acceptance test) pays before it does any work. Prints a table; asserts nothing.

    .venv/bin/python bench/bench_startup.py            # 7 runs of each command, median and best
    .venv/bin/python bench/bench_startup.py --runs 15

The config is the bundled `config/` with its sources pointed at one feed on 127.0.0.1 (the bench's own
feed server, bench/feed_server.py), so `check` polls, classifies and stores but never leaves
this machine. `RADAR_BENCH_EXE=/path` measures another executable with the same CLI.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from feed_server import PythonFeedServer  # noqa: E402

EXE = os.environ.get("RADAR_BENCH_EXE") or str(Path(sys.executable).parent / "renewal-radar")
FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed</title>
<link>http://example.org/</link><description>d</description><item><title>Akudama Drive Season 2 Announced
</title><link>http://example.org/a/1</link><guid>a1</guid><pubDate>Sat, 21 Nov 2026 08:00:00 +0000</pubDate>
<description>A second season of the Akudama Drive anime has been announced.</description></item>
</channel></rss>"""


def timed(argv: list[str], runs: int) -> tuple[float, float]:
    """Median and best wall seconds of `runs` runs of `argv` (each must exit 0)."""
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        took.append(time.perf_counter() - start)
    return statistics.median(took), min(took)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="radar-startup-") as tmp, \
            PythonFeedServer({"/feed.xml": FEED.encode()}).start() as server:
        config = Path(tmp) / "config"
        shutil.copytree(REPO / "config", config)
        (config / "sources.toml").write_text(
            f'[[source]]\nname = "news"\nkind = "rss"\nurl = "{server.url("/feed.xml")}"\ntrust = "news"\n')
        cli = [EXE, "--config", str(config)]
        subprocess.run([*cli, "check", "-q"], check=True, capture_output=True)  # the store exists
        rows = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("import radar.cli.commands", [sys.executable, "-c", "import radar.cli.commands"]),
            ("renewal-radar --help", [EXE, "--help"]),
            ("config check", [*cli, "config", "check"]),
            ("status", [*cli, "status"]),
            ("history akudama-drive", [*cli, "history", "akudama-drive"]),
            ("sources", [*cli, "sources"]),
            ("check (one local feed, 304)", [*cli, "check", "-q"]),
        ]
        print(f"{args.runs} runs each; {EXE}")
        print(f"{'command':40} {'median s':>9} {'best s':>8}")
        for name, command in rows:
            median, best = timed(command, args.runs)
            print(f"{name:40} {median:9.3f} {best:8.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
