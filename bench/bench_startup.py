"""What one `renewal-radar` command costs from exec to exit: the floor every CLI call (and every
acceptance test) pays before it does any work. Prints a table; asserts nothing.

    .venv/bin/python bench/bench_startup.py            # 7 runs of each command, median and best
    .venv/bin/python bench/bench_startup.py --runs 15

The config is the bundled `config/` with its sources pointed at one feed on 127.0.0.1 (a
`python -m http.server` in a temp directory), so `check` polls, classifies and stores but never leaves
this machine. `RADAR_BENCH_EXE=/path` measures another executable with the same CLI.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXE = os.environ.get("RADAR_BENCH_EXE") or str(Path(sys.executable).parent / "renewal-radar")
FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed</title>
<link>http://example.org/</link><description>d</description><item><title>Akudama Drive Season 2 Announced
</title><link>http://example.org/a/1</link><guid>a1</guid><pubDate>Sat, 21 Nov 2026 08:00:00 +0000</pubDate>
<description>A second season of the Akudama Drive anime has been announced.</description></item>
</channel></rss>"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
    with tempfile.TemporaryDirectory(prefix="radar-startup-") as tmp:
        root, config = Path(tmp) / "www", Path(tmp) / "config"
        root.mkdir()
        (root / "feed.xml").write_text(FEED)
        shutil.copytree(REPO / "config", config)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                                   "--directory", str(root)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.05)
            (config / "sources.toml").write_text(
                f'[[source]]\nname = "news"\nkind = "rss"\nurl = "http://127.0.0.1:{port}/feed.xml"\n'
                'trust = "news"\n')
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
        finally:
            server.terminate()
            server.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
