"""Several daemons on one store (issue 14): polls/s and alert latency with 1, 2 and 3 daemons, SQLite and
PostgreSQL side by side.

    .venv/bin/python bench/bench_shared.py [--sources 2000] [--interval 10] [--window 30] [--news 20]
                                           [--daemons 1,2,3] [--backends sqlite,postgresql]

For each (backend, daemons): a fresh store (SQLite: a new radar.db; PostgreSQL: a new database on a private
cluster started by tests/postgres.py, initdb/pg_ctl into a temp dir), `--sources` small RSS feeds on one
bench/feed_server.py (ETag/304), a config with `interval = --interval`, `jitter = "0%"`, `per_host = 10`
and one webhook notifier (a receiver in this process), and the daemons started on it. Once every source
has been polled once (the store's source_state: `last_success` set for each — the silent baseline), it
measures for `--window` seconds (rounded to whole intervals: with jitter 0% the polls come in bursts):

  polls/s        feed requests answered by the feed server per second (its access log), all daemons together
  alert latency  news published in `--news` feeds (one watched show each), spread over the window's first
                 interval (so every phase of the polling cycle is sampled): from each feed's publication
                 to the POST of its alert at the webhook receiver (median, max)
  duplicates     POSTs of an event_id the receiver had already had (should be 0)

SQLite allows one daemon per store, so its 2- and 3-daemon rows are "n/a". The table goes to stdout,
progress to stderr. Everything listens on 127.0.0.1; every process started is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))

import pytest  # noqa: E402 (tests/postgres.py reports a missing PostgreSQL with pytest.fail)
from feed_server import PythonFeedServer  # noqa: E402
from postgres import Postgres, start_postgres  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
WORDS = [
    "Amber", "Basalt", "Cobalt", "Dahlia", "Ember", "Fennel", "Garnet", "Harbor", "Indigo",
    "Juniper", "Kestrel", "Lumen", "Marigold", "Nimbus", "Onyx", "Paprika", "Quartz", "Russet",
    "Saffron", "Thistle", "Umber", "Vellum", "Willow", "Xenon", "Yarrow", "Zephyr", "Aster",
    "Bramble", "Cinder", "Drift",
]
OLD = ("old-1", "Anime Expo Schedule Revealed", "The convention's panel schedule is out.")
SQLITE_NA = "n/a (one daemon per SQLite store)"


def rss(*items: tuple[str, str, str]) -> bytes:
    body = "".join(f"<item><title>{t}</title><link>http://example.org/a/{g}</link><guid>{g}</guid>"
                   f"<pubDate>Sat, 21 Nov 2026 08:00:00 +0000</pubDate><description>{s}</description></item>"
                   for g, t, s in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed</title>'
            f"<link>http://example.org/</link><description>d</description>{body}</channel></rss>").encode()


def title(k: int) -> str:
    return f"{WORDS[k]} Chronicle"


def show_id(k: int) -> str:
    return f"{WORDS[k].lower()}-chronicle"


def news(k: int) -> tuple[str, str, str]:
    return (f"news-{k}", f"{title(k)} Season 2 Announced",
            f"A second season of the {title(k)} anime has been announced.")


def radar_exe() -> Path:
    for candidate in (Path(sys.executable).parent / "renewal-radar",
                      ROOT / ".venv" / "bin" / "renewal-radar"):
        if candidate.exists():
            return candidate
    sys.exit("renewal-radar not found: run this with the project venv "
             "(.venv/bin/python bench/bench_shared.py)")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


# -- the webhook receiver --------------------------------------------------------------------------------


@dataclass
class Receiver:
    """A webhook endpoint answering 200 at once; records (arrival time, event_id, show_id) of every POST."""

    posts: list[tuple[float, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                at = time.time()
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                with receiver.lock:
                    receiver.posts.append((at, str(body.get("event_id", "")), str(body.get("show_id", ""))))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- one measurement --------------------------------------------------------------------------------------


@dataclass
class Row:
    backend: str
    daemons: int
    first_pass: float | None = None
    polls_per_s: float | None = None
    latencies: list[float] = field(default_factory=list)
    alerts: int = 0
    duplicates: int = 0
    cpu_percent: float | None = None
    note: str = ""


@dataclass
class Bench:
    args: argparse.Namespace
    server: PythonFeedServer
    receiver: Receiver
    workdir: Path
    postgres: Postgres | None = None
    exe: Path = field(default_factory=radar_exe)

    def feed_path(self, n: int) -> str:
        return f"/feed/{n}.xml"

    def news_feeds(self) -> list[int]:
        """The feeds that publish news, spread over all sources."""
        step = max(1, self.args.sources // self.args.news)
        return [k * step for k in range(self.args.news)]

    def write_config(self, directory: Path, store_url: str | None) -> None:
        store = f'[store]\nurl = "{store_url}"\n' if store_url else ""
        (directory / "radar.toml").write_text(f"""{store}
[schedule]
interval = "{self.args.interval:g}s"
jitter = "0%"
timeout = "10s"
per_host = 10

[delivery]
retry_backoff = "1s"
max_backoff = "2s"

[[notifier]]
name = "automation"
kind = "webhook"
url = "{self.receiver.url}"
""")
        (directory / "watchlist.toml").write_text("".join(
            f'[[show]]\nid = "{show_id(k)}"\ntitle = "{title(k)}"\n\n' for k in range(self.args.news)))
        (directory / "sources.toml").write_text("".join(
            f'[[source]]\nname = "feed-{n}"\nkind = "rss"\nurl = "{self.server.url(self.feed_path(n))}"\n'
            f'trust = "news"\n\n' for n in range(self.args.sources)))

    def measure(self, backend: str, daemons: int) -> Row:
        row = Row(backend, daemons)
        args = self.args
        for n in range(args.sources):  # every feed back to its old state (a new mtime: a new ETag)
            self.server.put(self.feed_path(n), rss(OLD))
        directory = Path(tempfile.mkdtemp(prefix=f"{backend}-{daemons}-", dir=self.workdir))
        if backend == "postgresql":
            assert self.postgres is not None
            store_url = self.postgres.new_database()
        else:
            store_url = f"sqlite:///{directory / 'radar.db'}"
        self.write_config(directory, store_url if backend == "postgresql" else None)
        engine = create_engine(store_url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RENEWAL_RADAR")}
        procs: list[subprocess.Popen] = []
        logs: list[Path] = []
        try:
            with self.receiver.lock:
                self.receiver.posts.clear()
            started = time.time()
            for i in range(daemons):
                logs.append(directory / f"daemon-{i}.log")
                with logs[-1].open("wb") as out:
                    procs.append(subprocess.Popen([str(self.exe), "--config", str(directory), "daemon"],
                                                  env=env, stdin=subprocess.DEVNULL, stdout=out,
                                                  stderr=subprocess.STDOUT))

            def polled() -> int:
                with engine.connect() as conn:
                    try:
                        return int(conn.execute(text(
                            "select count(*) from source_state where coalesce(last_success, '') <> ''"
                        )).scalar() or 0)
                    except Exception:  # noqa: BLE001 (the tables are not there yet)
                        return 0

            deadline = started + 60 + args.sources * 0.1
            count = 0
            while time.time() < deadline:
                dead = [i for i, p in enumerate(procs) if p.poll() is not None]
                if dead:
                    tail = logs[dead[0]].read_text(errors="replace").strip().splitlines()[-1:] or [""]
                    row.note = f"daemon {dead[0]} exited {procs[dead[0]].returncode}: {tail[0][:120]}"
                    return row
                count = polled()
                if count >= args.sources:
                    break
                time.sleep(0.5)
            else:
                row.note = (f"first pass not done after {deadline - started:.0f}s "
                            f"({count}/{args.sources} polled)")
                return row
            row.first_pass = time.time() - started
            log(f"{backend} × {daemons}: first pass {row.first_pass:.1f}s")

            # the window: every poll counted at the feed server; news published at its start
            mark = len(self.server.request_log())
            cpu0 = sum(proc_cpu(p.pid) for p in procs)
            t0 = time.time()
            published: dict[str, float] = {}
            for k, n in enumerate(self.news_feeds()):  # spread over one interval: every phase of the cycle
                time.sleep(max(0.0, t0 + k * args.interval / args.news - time.time()))
                published[show_id(k)] = time.time()
                self.server.put(self.feed_path(n), rss(news(k), OLD))
            time.sleep(max(0.0, t0 + args.window - time.time()))
            t1 = time.time()
            cpu1 = sum(proc_cpu(p.pid) for p in procs)
            self.server.settle()
            requests = [at for at, _status in self.server.request_log()[mark:] if t0 <= at < t1]
            row.polls_per_s = len(requests) / (t1 - t0)
            row.cpu_percent = 100 * (cpu1 - cpu0) / (t1 - t0)

            # every alert, then a few seconds more for any duplicate
            deadline = t0 + max(args.window, 2 * args.interval) + 30
            while time.time() < deadline and len({e for _, e, _ in self.receiver.posts}) < args.news:
                time.sleep(0.2)
            time.sleep(3)
            with self.receiver.lock:
                posts = list(self.receiver.posts)
            seen: set[str] = set()
            for at, event_id, show in sorted(posts):
                if event_id in seen:
                    row.duplicates += 1
                    continue
                seen.add(event_id)
                if show in published:
                    row.latencies.append(at - published[show])
            row.alerts = len(seen)
            if row.alerts < args.news:
                row.note = f"{args.news - row.alerts} alerts missing"
            log(f"{backend} × {daemons}: {row.polls_per_s:.1f} polls/s, {row.alerts} alerts, "
                f"{row.duplicates} duplicates")
            return row
        finally:
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            codes = []
            for p in procs:
                try:
                    codes.append(p.wait(20))
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(10)
                    codes.append(-9)
            if any(codes) and not row.note:
                row.note = f"exit codes {codes}"
            engine.dispose()


# -- the table --------------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def table(rows: list[Row], args: argparse.Namespace) -> str:
    lines = [("| backend | daemons | first pass s | polls/s | latency median s | latency max s | alerts | "
              "duplicates | daemon CPU % | notes |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        if r.note == SQLITE_NA:
            lines.append(f"| {r.backend} | {r.daemons} | {SQLITE_NA} | | | | | | | |")
            continue
        median = statistics.median(r.latencies) if r.latencies else None
        top = max(r.latencies) if r.latencies else None
        measured = r.polls_per_s is not None
        lines.append(f"| {r.backend} | {r.daemons} | {fmt(r.first_pass)} | {fmt(r.polls_per_s)} | "
                     f"{fmt(median, 2)} | {fmt(top, 2)} | {f'{r.alerts}/{args.news}' if measured else ''} | "
                     f"{r.duplicates if measured else ''} | {fmt(r.cpu_percent, 0)} | {r.note} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--interval", type=float, default=10.0,
                        help="the daemons' [schedule] interval, seconds")
    parser.add_argument("--window", type=float, default=30.0,
                        help="seconds measured after the first pass (rounded to whole intervals)")
    parser.add_argument("--news", type=int, default=20,
                        help=f"feeds that publish news (at most {len(WORDS)})")
    parser.add_argument("--daemons", default="1,2,3")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    # polls come in bursts (jitter 0%): a window of whole intervals sees each source the same number of times
    args.window = max(1, round(args.window / args.interval)) * args.interval
    counts = [int(d) for d in args.daemons.split(",") if d.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if (not 1 <= args.news <= min(len(WORDS), args.sources)
            or any(b not in ("sqlite", "postgresql") for b in backends)):
        parser.error(f"--news must be 1..{len(WORDS)} and ≤ --sources; --backends sqlite and/or postgresql")

    subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(ROOT / p) for p in ("radar", "spiders",
                    "notifier"))], check=False, stdout=subprocess.DEVNULL)
    rows: list[Row] = []
    server = PythonFeedServer()
    receiver = Receiver()
    postgres: Postgres | None = None
    workdir = Path(tempfile.mkdtemp(prefix="radar-bench-shared-"))
    try:
        server.start()
        pg_error = ""
        if "postgresql" in backends:
            try:
                postgres = start_postgres()
            except (Exception, pytest.fail.Exception) as error:  # noqa: BLE001
                pg_error = str(error)[:200]
        bench = Bench(args, server, receiver, workdir, postgres)
        for backend in backends:
            for daemons in counts:
                if backend == "sqlite" and daemons > 1:
                    rows.append(Row(backend, daemons, note=SQLITE_NA))
                    continue
                if backend == "postgresql" and postgres is None:
                    rows.append(Row(backend, daemons, note=f"no PostgreSQL: {pg_error}"))
                    continue
                log(f"{backend} × {daemons}: starting on {args.sources} sources")
                rows.append(bench.measure(backend, daemons))
    finally:
        server.stop()
        receiver.stop()
        if postgres is not None:
            postgres.stop()
        subprocess.run(["rm", "-rf", str(workdir)], check=False)
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPUs, load average {load} (after the run), "
          f"{args.sources} sources on {server.describe()}, interval {args.interval:g}s, jitter 0%, "
          f"window {args.window:g}s, news in {args.news} feeds; expected polls/s = sources / interval = "
          f"{args.sources / args.interval:.0f}")
    print()
    print(table(rows, args))


if __name__ == "__main__":
    main()
