"""The poll-cycle benchmark: `renewal-radar check` and `daemon` (and optionally urlwatch) on N local feeds.

    .venv/bin/python bench/run.py [--sizes 100,500,2000] [--runs 3] [--vs-urlwatch] [--quick]
                                  [--server auto|nginx|python]

Serves N generated RSS feeds (bench/feeds.py, ~30 items, ~31 KB each) on 127.0.0.1 from a temp docroot, by
a server in its own process: nginx if it is installed (bench/nginx_server.py: a private instance, one
worker, nginx's own ETag / Last-Modified and 304s), else bench/feed_server.py (a small asyncio static file
server with the same ETags, Last-Modified and 304 rules); --server picks one. Either way the requests and
their statuses are counted from the server's access log, and the server's CPU is its own, not the harness's.
For each N it measures, as separate child processes (one fresh process per measurement, os.wait4 gives that
child's own CPU and peak RSS):

  first      `renewal-radar --config DIR check` on an empty store (every feed new, ~30 N articles)
  unchanged  the same check again: every feed answers 304
  changed    after every feed published one new item: N new articles parsed, matched, classified, stored

and the same three cycles inside one running `renewal-radar daemon` (interval 1 h, jitter 0): the first from
spawning the daemon, each later one from the SIGUSR1 that starts it ("poll every source now") to the end of
the fold of the last of its N polls (healthz last_cycle).
With --vs-urlwatch, urlwatch 2.29 (separate venv in /tmp/urlwatch-venv, reporters off) polls the same feeds
in the same run, interleaved with radar's runs, and the ratios are printed. Every number is the median of
--runs runs. Afterwards bench/bench_classify.py (classifier throughput) runs if it exists.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import feeds  # noqa: E402
import urlwatch_job  # noqa: E402
from feed_server import FileServer, PythonFeedServer  # noqa: E402
from nginx_server import NginxServer  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
SUMMARY = re.compile(r"polled (\d+) sources \((\d+) unchanged\), (\d+) new articles")
CYCLES = ("first", "unchanged", "changed")


def radar_exe() -> Path:
    if os.environ.get("RADAR_BENCH_EXE"):  # another build or a wrapper (e.g. a profiler) to measure instead
        return Path(os.environ["RADAR_BENCH_EXE"])
    for candidate in (Path(sys.executable).parent / "renewal-radar",
                      ROOT / ".venv" / "bin" / "renewal-radar"):
        if candidate.exists():
            return candidate
    sys.exit("renewal-radar not found: run this with the project venv (.venv/bin/python bench/run.py)")


def compile_project() -> None:
    """Write the project's .pyc files first, as a regular (non-editable) install does when it installs.

    An editable install compiles a module the first time it is imported and caches it, unless the
    environment says PYTHONDONTWRITEBYTECODE (as on the reference machine): then every run would
    compile every project module again, a cost no installed tool (urlwatch included) pays.
    """
    packages = [str(ROOT / name) for name in ("radar", "spiders", "notifier")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], check=True,
                   stdout=subprocess.DEVNULL)


# -- measurements ----------------------------------------------------------------------------------


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    ok: bool = True
    note: str = ""
    server_cpu: float | None = None  # CPU the feed server's processes used meanwhile (progress lines, --json)


@dataclass
class Cell:
    samples: list[Sample] = field(default_factory=list)

    def median(self, attr: str) -> float | None:
        values = [getattr(s, attr) for s in self.samples if s.ok]
        return statistics.median(values) if values else None

    def spread(self) -> str:
        walls = [s.wall for s in self.samples if s.ok]
        return f"{min(walls):.2f}–{max(walls):.2f}" if len(walls) > 1 else ""

    def notes(self) -> str:
        return "; ".join(sorted({s.note for s in self.samples if s.note}))


def run_child(argv: list[str], env: dict[str, str] | None = None) -> tuple[Sample, str, str]:
    """Run one fresh child to completion: wall, its own user+sys CPU (os.wait4) and peak RSS, stdout, stderr.

    Peak RSS comes from /usr/bin/time (%M) or, without it, from a small Python launcher: a child forked
    straight from this (large) harness would report the harness's RSS as its own ru_maxrss, since Linux
    carries the high-water mark of the forked memory across exec.
    """
    before = os.times()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        if Path("/usr/bin/time").exists():
            launcher = ["/usr/bin/time", "-f", "%M", "-o", rss.name]
        else:
            launcher = [sys.executable, "-c", LAUNCHER, rss.name]
        start = time.perf_counter()
        proc = subprocess.Popen(launcher + argv, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        reported = rss.read().split()
        rss_kb = int(reported[-1]) if reported and reported[-1].isdigit() else usage.ru_maxrss
    after = os.times()  # RUSAGE_CHILDREN delta: must agree with wait4's numbers for that child
    children_cpu = ((after.children_user - before.children_user)
                    + (after.children_system - before.children_system))
    cpu = usage.ru_utime + usage.ru_stime
    sample = Sample(wall, cpu, rss_kb / 1024, ok=proc.returncode == 0)
    if abs(children_cpu - cpu) > 0.05:
        sample.note = f"rusage mismatch {children_cpu:.2f}/{cpu:.2f}"
    if proc.returncode != 0:
        sample.note = f"exit {proc.returncode}: {(stderr.strip().splitlines() or [''])[-1][:120]}"
    return sample, stdout, stderr


# fallback launcher: fork from a small process, wait, write the child's own peak RSS (KB), pass its status on
LAUNCHER = """import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


class BenchDaemon:
    """One `renewal-radar daemon` on a bench config with a one-hour interval: it polls every source once
    when it starts and then nothing on its own; each later cycle is started by SIGUSR1 ("poll every
    source now") and ends when the daemon has folded all N polls (/healthz `polls`, `last_cycle`)."""

    def __init__(self, bench: Bench, n: int, directory: Path) -> None:
        self.bench, self.n, self.port = bench, n, _free_port()
        directory = bench.radar_config(directory, interval="1h")
        self.logfile = (directory / "daemon.log").open("wb")
        self.mark = len(bench.request_log())
        self.server_cpu = bench.server.cpu_seconds()
        self.started = time.time()
        self.proc = subprocess.Popen([str(bench.exe), "--config", str(directory), "daemon",
                                      "--healthcheck-port", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=self.logfile,
                                     stdin=subprocess.DEVNULL)
        self.polls = 0
        self.cpu = 0.0  # the first pass's CPU and wall include start-up (imports, config, store)

    def first(self, wanted: dict[int, int]) -> Sample:
        """The pass the daemon makes when it starts."""
        sample = self._measure(self.started, wanted)
        sample.note = (sample.note + " incl. start-up").strip()
        return sample

    def cycle(self, wanted: dict[int, int]) -> Sample:
        """One pass over every source, started by SIGUSR1 now."""
        time.sleep(0.5)  # the previous pass's worker threads go idle
        self.mark, self.cpu = len(self.bench.request_log()), _proc_cpu(self.proc.pid)
        self.server_cpu = self.bench.server.cpu_seconds()
        start = time.time()
        self.proc.send_signal(signal.SIGUSR1)
        return self._measure(start, wanted)

    def _measure(self, start: float, wanted: dict[int, int]) -> Sample:
        health = self.bench._wait_cycle(self.proc, self.port, self.polls + self.n, timeout=60 + self.n * 0.1)
        self.polls = health["polls"]
        end = datetime.fromisoformat(health["last_cycle"]).timestamp()
        sample = Sample(end - start, _proc_cpu(self.proc.pid) - self.cpu, _proc_hwm_mb(self.proc.pid))
        sample.server_cpu = self.bench.server.cpu_seconds() - self.server_cpu
        counts = self.bench.statuses(self.mark)
        if counts != wanted:
            sample.note = f"http {counts}, expected {wanted}"
        return sample

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.logfile.close()


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.generation = 0
        self.count = 0
        self.tmp = Path(tempfile.mkdtemp(prefix="radar-bench-"))
        self.results: dict[tuple[int, str, str], Cell] = {}
        self.scaling: dict[int, dict[str, Cell]] = {}
        self.feed_generations: list[int] = []
        self.exe = radar_exe()
        compile_project()
        self.urlwatch = urlwatch_job.ensure_urlwatch(say=self.say) if args.vs_urlwatch else None
        # the server last: nothing above can fail and leave a private nginx running (main() stops it)
        self.server_kind = args.server
        if self.server_kind == "auto":
            self.server_kind = "nginx" if NginxServer.available() else "python"
        server_class: type[FileServer] = NginxServer if self.server_kind == "nginx" else PythonFeedServer
        self.server = server_class().start()
        self.server_label = self.server.describe()

    def request_log(self) -> list[tuple[float, int]]:
        """(time, status) of every request the feed server has answered so far, in order."""
        return self.server.request_log()

    def settle(self) -> None:
        """After a child exited: let the server finish logging its last requests (a log line is written
        just after the response is sent)."""
        self.server.settle()

    def say(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def cell(self, n: int, tool: str, cycle: str) -> Cell:
        return self.results.setdefault((n, tool, cycle), Cell())

    # -- the feeds ----------------------------------------------------------------------------------

    def publish(self, count: int, generation: int) -> None:
        for path, body in feeds.feeds(count, generation).items():
            self.server.put(path, body)
        self.count, self.generation = count, generation
        self.feed_generations = [generation] * count

    def change_feeds(self, k: int) -> None:
        """The first `k` feeds each publish one new item (the others stay as they are)."""
        for i in range(k):
            self.feed_generations[i] += 1
            self.server.put(feeds.feed_path(i), feeds.feed(i, self.feed_generations[i]))

    def next_generation(self) -> None:
        self.publish(self.count, self.generation + 1)

    def urls(self) -> list[str]:
        return [self.server.url(feeds.feed_path(i)) for i in range(self.count)]

    def statuses(self, since: int) -> dict[int, int]:
        counts: dict[int, int] = {}
        for _, status in self.request_log()[since:]:
            counts[status] = counts.get(status, 0) + 1
        return counts

    # -- renewal-radar --------------------------------------------------------------------------------

    def radar_config(self, directory: Path, interval: str = "30m", port: int | None = None) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "radar.toml").write_text(
            "# Renewal Radar bench config (bench/run.py): no notifiers, fixed schedule\n"
            f'[schedule]\ninterval = "{interval}"\njitter = "0%"\ntimeout = "30s"\n'
            f"per_host = {self.args.per_host}\n", encoding="utf-8")
        sources = []
        for i, url in enumerate(self.urls()):
            trust = "community" if i % 5 == 4 else "news"
            sources.append(f'[[source]]\nname = "feed-{i:05d}"\nkind = "rss"\nurl = "{url}"\n'
                           f'trust = "{trust}"\n')
        (directory / "sources.toml").write_text("\n".join(sources), encoding="utf-8")
        (directory / "watchlist.toml").write_text(feeds.watchlist_toml(), encoding="utf-8")
        return directory

    def check_once(self, n: int, directory: Path, cycle: str, changed: int | None = None) -> Sample:
        """One `check`; `changed`: how many feeds published one new item (default: per `cycle`)."""
        mark, server_cpu = len(self.request_log()), self.server.cpu_seconds()
        sample, stdout, stderr = run_child([str(self.exe), "--config", str(directory), "check"])
        self.settle()
        sample.server_cpu = self.server.cpu_seconds() - server_cpu
        if changed is None:
            expect_new = {"first": n * feeds.ITEMS, "unchanged": 0, "changed": n}[cycle]
            expect_304 = n if cycle == "unchanged" else 0
        else:
            expect_new, expect_304 = changed, n - changed
        match = SUMMARY.search(stdout)
        if sample.ok and not match:
            sample.ok, sample.note = False, "no summary line: " + (stdout + stderr)[-200:].replace("\n", " ")
        elif match and (int(match[1]), int(match[2]), int(match[3])) != (n, expect_304, expect_new):
            sample.note = f"got {match[0]!r}, expected {expect_new} new / {expect_304} unchanged"
        self.say(f"  radar    N={n:<5} {cycle:<9} {sample.wall:6.2f}s wall {sample.cpu:6.2f}s cpu "
                 f"{sample.rss_mb:6.1f} MB  server {sample.server_cpu:.2f}s cpu  http {self.statuses(mark)} "
                 f"{sample.note}")
        return sample

    def radar_run(self, n: int, run: int) -> None:
        directory = self.radar_config(self.tmp / f"radar-{n}-{run}")
        for cycle in CYCLES:
            if cycle == "changed":
                self.next_generation()
            self.cell(n, "check", cycle).samples.append(self.check_once(n, directory, cycle))

    # -- urlwatch ---------------------------------------------------------------------------------------

    def urlwatch_run(self, n: int, run: int) -> None:
        assert self.urlwatch is not None
        directory = self.tmp / f"urlwatch-{n}-{run}"
        urlwatch_job.write_job(directory, self.urls())
        argv, env = urlwatch_job.command(directory, self.urlwatch)
        for cycle in CYCLES:
            if cycle == "changed":
                self.next_generation()
            mark, server_cpu = len(self.request_log()), self.server.cpu_seconds()
            sample, _, _ = run_child(argv, env)
            self.settle()
            sample.server_cpu = self.server.cpu_seconds() - server_cpu
            counts = self.statuses(mark)
            wanted = {"first": {200: n}, "unchanged": {304: n}, "changed": {200: n}}[cycle]
            if counts != wanted:
                sample.note = f"http {counts}, expected {wanted}"
            self.say(f"  urlwatch N={n:<5} {cycle:<9} {sample.wall:6.2f}s wall {sample.cpu:6.2f}s cpu "
                     f"{sample.rss_mb:6.1f} MB  server {sample.server_cpu:.2f}s cpu  http {counts} "
                     f"{sample.note}")
            self.cell(n, "urlwatch", cycle).samples.append(sample)

    # -- the daemon ------------------------------------------------------------------------------------

    def daemon_run(self, n: int) -> None:
        """One daemon; cycles: first, then --runs × (unchanged, changed)."""
        daemon = BenchDaemon(self, n, self.tmp / f"daemon-{n}")
        try:
            plan = ["first"] + ["unchanged", "changed"] * self.args.runs
            for index, cycle in enumerate(plan):
                wanted = {"first": {200: n}, "unchanged": {304: n}, "changed": {200: n}}[cycle]
                sample = daemon.first(wanted) if cycle == "first" else daemon.cycle(wanted)
                self.say(f"  daemon   N={n:<5} {cycle:<9} {sample.wall:6.2f}s wall {sample.cpu:6.2f}s cpu "
                         f"{sample.rss_mb:6.1f} MB peak  server {sample.server_cpu:.2f}s cpu  {sample.note}")
                self.cell(n, "daemon", cycle).samples.append(sample)
                if index + 1 < len(plan) and plan[index + 1] == "changed":
                    self.next_generation()
        finally:
            daemon.stop()

    def scaling_run(self, n: int) -> None:
        """Cost against the number of changed feeds, N fixed: `check`, and a daemon cycle, with 0, N/10,
        N/2 and N feeds that published one new item (the rest answer 304); --runs rounds of those steps."""
        self.say(f"scaling: N = {n}, changed feeds {self.scaling_steps(n)}, {self.args.runs} rounds")
        self.publish(n, self.generation + 1)
        directory = self.radar_config(self.tmp / f"scaling-{n}")
        self.check_once(n, directory, "first")
        daemon = None if self.args.no_daemon else BenchDaemon(self, n, self.tmp / f"scaling-daemon-{n}")
        try:
            if daemon:
                daemon.first({200: n})
            for _ in range(self.args.runs):
                for k in self.scaling_steps(n):
                    self.change_feeds(k)
                    cells = self.scaling.setdefault(k, {"check": Cell(), "daemon": Cell()})
                    cells["check"].samples.append(self.check_once(n, directory, f"{k} changed", changed=k))
                    if daemon:
                        wanted = {s: c for s, c in ((200, k), (304, n - k)) if c}
                        sample = daemon.cycle(wanted)
                        self.say(f"  daemon   N={n:<5} {k} changed {sample.wall:6.2f}s wall "
                                 f"{sample.cpu:6.2f}s cpu {sample.rss_mb:6.1f} MB peak  {sample.note}")
                        cells["daemon"].samples.append(sample)
        finally:
            if daemon:
                daemon.stop()

    def scaling_report(self, n: int) -> list[str]:
        """The sweep's table (medians) and a straight-line fit of CPU against changed feeds."""
        lines = ["", (f"Cost against the number of changed feeds, N = {n} (median of {self.args.runs} "
                      "rounds; a changed feed published one new item, the others answer 304):"), "",
                 "| changed feeds | check wall s | check CPU s | daemon wall s | daemon CPU s | notes |",
                 "|---:|---:|---:|---:|---:|---|"]
        for k, cells in sorted(self.scaling.items()):
            check, daemon = cells["check"], cells["daemon"]
            notes = "; ".join(note for note in (check.notes(), daemon.notes()) if note)
            lines.append(f"| {k} | {_f(check.median('wall'))} | {_f(check.median('cpu'))} "
                         f"| {_f(daemon.median('wall'))} | {_f(daemon.median('cpu'))} | {notes} |")
        lines.append("")
        for what in ("check", "daemon"):
            points = [(k, s.cpu) for k, cells in self.scaling.items() for s in cells[what].samples]
            fit = _fit(points)
            if fit:
                base, per_feed, r2 = fit
                meaning = (f"start-up and {n} 304s" if what == "check" else
                           f"{n} 304s: {base / n * 1000:.2f} ms per unchanged feed")
                lines.append(f"- {what} CPU ≈ {base:.2f} s ({meaning}) + {per_feed * 1000:.2f} ms × changed "
                             f"feeds; least squares over every sample, R² = {r2:.3f}")
        return lines

    @staticmethod
    def scaling_steps(n: int) -> list[int]:
        return sorted({0, n // 10, n // 2, n})

    def _wait_cycle(self, proc: subprocess.Popen, port: int, polls: int, timeout: float) -> dict:
        """/healthz once the daemon has made `polls` polls in all and none is in flight: a cycle over N
        sources is several crawls of at most 250 sources, so count polls, not crawls."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    health = json.load(response)
                if health.get("polls", 0) >= polls and not health.get("polls_in_flight"):
                    return health
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("daemon cycle timed out")

    # -- the whole run ---------------------------------------------------------------------------------

    def run(self) -> None:
        for n in self.args.sizes:
            self.say(f"N = {n}: generating and serving {n} feeds on {self.server.url('/feeds/')}")
            self.publish(n, self.generation + 1)
            for run in range(self.args.runs):
                self.radar_run(n, run)
                if self.urlwatch:
                    self.urlwatch_run(n, run)
            if not self.args.no_daemon:
                self.daemon_run(n)
        if not self.args.no_scaling:
            self.scaling_run(max(self.args.sizes))

    def report(self) -> str:
        lines = [(f"# Renewal Radar poll-cycle bench — {datetime.now().strftime('%Y-%m-%d %H:%M')}, "
                  f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, tree {_tree()}, "
                  f"server: {self.server_label}, per_host={self.args.per_host}, "
                  f"median of {self.args.runs} runs"), "",
                 "| N | what | cycle | wall s | CPU s | peak RSS MB | wall min–max | notes |",
                 "|---:|---|---|---:|---:|---:|---|---|"]
        for n in self.args.sizes:
            for tool in ("check", "daemon", "urlwatch"):
                for cycle in CYCLES:
                    cell = self.results.get((n, tool, cycle))
                    if not cell or not cell.samples:
                        continue
                    label = {"check": "radar check", "daemon": "radar daemon",
                             "urlwatch": "urlwatch 2.29"}[tool]
                    lines.append(f"| {n} | {label} | {cycle} | {_f(cell.median('wall'))} "
                                 f"| {_f(cell.median('cpu'))} | {_f(cell.median('rss_mb'), 0)} "
                                 f"| {cell.spread()} | {cell.notes()} |")
        if self.urlwatch:
            lines += ["", "| N | cycle | radar check / urlwatch wall | CPU ratio | RSS ratio | target |",
                      "|---:|---|---:|---:|---:|---|"]
            targets = {"unchanged": "≤ 0.5 (N=500)", "changed": "≤ 1.0 (N=500)", "first": ""}
            for n in self.args.sizes:
                for cycle in CYCLES:
                    radar = self.results.get((n, "check", cycle))
                    uw = self.results.get((n, "urlwatch", cycle))
                    if not radar or not uw:
                        continue
                    ratio = [_ratio(radar.median(a), uw.median(a)) for a in ("wall", "cpu", "rss_mb")]
                    lines.append(f"| {n} | {cycle} | {ratio[0]} | {ratio[1]} | {ratio[2]} "
                                 f"| {targets[cycle]} |")
        if self.scaling:
            lines += self.scaling_report(max(self.args.sizes))
        return "\n".join(lines)


def _fit(points: list[tuple[float, float]]) -> tuple[float, float, float] | None:
    """Least-squares line y = a + b·x through the points, and its R²."""
    if len(points) < 2:
        return None
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if not sxx:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    intercept = mean_y - slope * mean_x
    total = sum((y - mean_y) ** 2 for _, y in points)
    residual = sum((y - intercept - slope * x) ** 2 for x, y in points)
    return intercept, slope, (1 - residual / total) if total else 1.0


def _tree() -> str:
    """The commit measured, and whether the working tree had local changes."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (f"+{len(dirty.splitlines())} modified files" if dirty else "")


def _f(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or not b else f"{a / b:.2f}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def _proc_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_classify_bench(quick: bool) -> None:
    script = HERE / "bench_classify.py"
    if not script.exists():
        print("\n(bench/bench_classify.py not found: classify throughput table skipped)")
        return
    print("\n## Classifier throughput (bench/bench_classify.py)\n", flush=True)
    argv = [sys.executable, str(script)]
    if quick and "--quick" in script.read_text(encoding="utf-8"):
        argv.append("--quick")
    subprocess.run(argv, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=None, help="comma-separated feed counts (default 100,500,2000)")
    parser.add_argument("--runs", type=int, default=None,
                        help="runs per cell, the median is shown (default 3)")
    parser.add_argument("--vs-urlwatch", action="store_true", help="also run urlwatch 2.29 on the same feeds")
    parser.add_argument("--quick", action="store_true", help="sizes 100,500 and 1 run unless given")
    parser.add_argument("--per-host", type=int, default=10,
                        help="[schedule] per_host of the bench config (default 10 = urlwatch's 10 workers; "
                             "every bench feed is on the one host 127.0.0.1)")
    parser.add_argument("--no-daemon", action="store_true", help="skip the daemon cycles")
    parser.add_argument("--no-scaling", action="store_true",
                        help="skip the changed-feeds sweep (0, N/10, N/2, N changed feeds at the largest N)")
    parser.add_argument("--no-classify", action="store_true", help="skip bench/bench_classify.py")
    parser.add_argument("--json", type=Path, help="also write every sample to this file")
    parser.add_argument("--server", choices=("auto", "nginx", "python"), default="auto",
                        help="feed server: nginx (a private instance, bench/nginx_server.py), python "
                             "(bench/feed_server.py, asyncio, its own process), auto (default) = nginx if "
                             "installed, else python")
    args = parser.parse_args()
    args.sizes = [int(s) for s in (args.sizes or ("100,500" if args.quick else "100,500,2000")).split(",")]
    args.runs = args.runs or (1 if args.quick else 3)
    if args.server == "nginx" and not NginxServer.available():
        parser.error("--server nginx: no nginx executable found (PATH, /usr/sbin/nginx)")
    bench = Bench(args)
    try:
        bench.run()
    finally:
        print(bench.report(), flush=True)
        bench.server.stop()
        if args.json:
            args.json.write_text(json.dumps(
                [{"n": n, "tool": tool, "cycle": cycle, "samples": [s.__dict__ for s in cell.samples]}
                 for (n, tool, cycle), cell in bench.results.items()], indent=1), encoding="utf-8")
    if not args.no_classify:
        run_classify_bench(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
