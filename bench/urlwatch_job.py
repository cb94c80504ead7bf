"""urlwatch 2.29 as the bench's baseline: its own venv, its own job, config, cache and hooks files.

urlwatch is never a dependency of Renewal Radar: it lives in a separate venv (default /tmp/urlwatch-venv,
created on demand with `python3 -m venv` + pip). Every run uses a temp dir holding urls.yaml (one plain URL
job per feed), config.yaml (every reporter off, so only fetch + compare + cache is measured) and cache.db.
HOME and XDG dirs point into the temp dir so nothing of the user's own urlwatch setup is read or written.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

URLWATCH_VERSION = "2.29"
DEFAULT_VENV = Path("/tmp/urlwatch-venv")

# Reporting off: urlwatch enables only `stdout` by default; everything else defaults to disabled.
CONFIG_YAML = """\
display:
  new: true
  error: true
  unchanged: false
  empty-diff: true
report:
  stdout:
    enabled: false
    color: false
  email:
    enabled: false
  html:
    diff: unified
    separate: false
"""


def ensure_urlwatch(venv: Path = DEFAULT_VENV, say=print) -> Path:
    """The urlwatch executable of `venv`, installing urlwatch there first if needed."""
    exe = venv / "bin" / "urlwatch"
    if exe.exists():
        return exe
    say(f"installing urlwatch {URLWATCH_VERSION} into {venv} (separate venv, not a project dependency)")
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"urlwatch=={URLWATCH_VERSION}"], check=True)
    return exe


def write_job(directory: Path, urls: list[str]) -> None:
    """urls.yaml (one job per URL) and config.yaml in `directory`; the cache starts empty."""
    directory.mkdir(parents=True, exist_ok=True)
    jobs = "---\n".join(f"name: feed-{i:05d}\nurl: {url}\n" for i, url in enumerate(urls))
    (directory / "urls.yaml").write_text(jobs, encoding="utf-8")
    (directory / "config.yaml").write_text(CONFIG_YAML, encoding="utf-8")
    for stale in directory.glob("cache.db*"):
        stale.unlink()


def command(directory: Path, exe: Path) -> tuple[list[str], dict[str, str]]:
    """argv and environment of one urlwatch run (all jobs) on the files of `directory`."""
    argv = [str(exe), "--urls", str(directory / "urls.yaml"), "--config", str(directory / "config.yaml"),
            "--cache", str(directory / "cache.db"), "--hooks", str(directory / "hooks.py")]
    env = dict(os.environ, HOME=str(directory), XDG_CONFIG_HOME=str(directory / "xdg-config"),
               XDG_CACHE_HOME=str(directory / "xdg-cache"))
    return argv, env
