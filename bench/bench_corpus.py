"""How well the classifier reads each labelled corpus, and what a user replaying it would be alerted.

    .venv/bin/python bench/bench_corpus.py [--corpus ../shared/corpus] [--no-replay] [--errors]

For every `NAME.jsonl` in the corpus folder that has a watchlist (`NAME_watchlist.toml`, or
`dev_watchlist.toml` for `dev_items.jsonl`), the items go through the real `renewal-radar classify`
and the corpus's own `score.py`; then, unless --no-replay, `replay.py` publishes the corpus day by
day through real `check` cycles and judges every alert. One table row per corpus:

- precision, recall, event, release, installment: score.py's figures (installment: of the labelled
  events found that name one, how many name the same one);
- inst/all: the stricter installment figure, of every labelled confirmed event that names an
  installment, found or not;
- alert P / alert R: the replay's alert precision and recall; DUP: duplicate alerts it saw.

It measures and prints; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIRMED = {"announced", "dated", "delayed", "premiered", "cancelled"}
FIGURES = ("precision", "recall", "event", "release", "installment")


def corpora(folder: Path) -> list[tuple[str, Path, Path]]:
    """(name, items, watchlist) for every labelled corpus with a watchlist."""
    out = []
    for items in sorted(folder.glob("*.jsonl")):
        name = items.stem
        for candidate in (f"{name}_watchlist.toml", f"{name.removesuffix('_items')}_watchlist.toml"):
            if (folder / candidate).is_file():
                out.append((name, items, folder / candidate))
                break
    return out


def classify(rr: Path, items: Path, watchlist: Path, work: Path) -> Path:
    """Run `renewal-radar classify` on the items without their labels; returns the output file."""
    unlabelled = work / f"{items.stem}.in"
    with items.open(encoding="utf-8") as src, unlabelled.open("w", encoding="utf-8") as dst:
        for line in src:
            if line.strip():
                row = json.loads(line)
                row.pop("expect", None)
                row.pop("note", None)
                dst.write(json.dumps(row, ensure_ascii=False) + "\n")
    predicted = work / f"{items.stem}.out"
    with unlabelled.open(encoding="utf-8") as stdin, predicted.open("w", encoding="utf-8") as stdout:
        subprocess.run([str(rr), "classify", "--watchlist", str(watchlist)], stdin=stdin, stdout=stdout,
                       check=True)
    return predicted


def score(folder: Path, items: Path, predicted: Path, errors: bool) -> dict[str, float]:
    """score.py's figures, read from its last line."""
    args = [sys.executable, str(folder / "score.py"), str(items), str(predicted)]
    run = subprocess.run(args + (["--show-errors"] if errors else []), check=False, capture_output=True,
                         text=True)
    if errors:
        print("\n".join(line for line in run.stdout.splitlines()[:-1]))
    last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    return {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", last) if k in FIGURES}


def strict_installment(items: Path, predicted: Path) -> float:
    """Of every labelled confirmed event naming an installment, the share predicted with that label."""
    got = {}
    for line in predicted.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        got[row["id"]] = {e["show"]: e for e in row.get("events", []) if e.get("event") in CONFIRMED}
    total = right = 0
    for line in items.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        for ev in row["expect"]:
            if ev.get("event") in CONFIRMED and ev.get("installment") and not ev.get("optional"):
                total += 1
                right += got.get(row["id"], {}).get(ev["show"], {}).get("installment") == ev["installment"]
    return right / total if total else 1.0


def replay(folder: Path, rr: Path, items: Path, watchlist: Path) -> tuple[float, float, int] | None:
    """The replay's alert precision, recall and number of duplicate alerts."""
    run = subprocess.run([sys.executable, str(folder / "replay.py"), str(items), str(watchlist),
                          "--rr", str(rr)], check=False, capture_output=True, text=True)
    found = re.search(r"alert_precision=([0-9.]+) alert_recall=([0-9.]+)", run.stdout)
    if not found:
        print(f"replay of {items.name} failed: {run.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    dups = sum(1 for line in run.stdout.splitlines() if line.startswith("DUP"))
    return float(found.group(1)), float(found.group(2)), dups


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--rr", type=Path, default=ROOT / ".venv" / "bin" / "renewal-radar")
    ap.add_argument("--no-replay", action="store_true", help="classify and score only (seconds, not minutes)")
    ap.add_argument("--errors", action="store_true", help="print score.py's list of errors per corpus")
    args = ap.parse_args(argv)
    found = corpora(args.corpus)
    if not found:
        print(f"no labelled corpus with a watchlist in {args.corpus}", file=sys.stderr)
        return 2
    header = f"{'corpus':14} " + " ".join(f"{f[:6]:>7}" for f in FIGURES) + f" {'inst/all':>8}"
    header += "" if args.no_replay else f" {'alert P':>8} {'alert R':>8} {'DUP':>4}"
    rows = [header]
    with tempfile.TemporaryDirectory(prefix="bench-corpus-") as tmp:
        for name, items, watchlist in found:
            predicted = classify(args.rr, items, watchlist, Path(tmp))
            figures = score(args.corpus, items, predicted, args.errors)
            row = f"{name:14} " + " ".join(f"{figures.get(f, float('nan')):7.3f}" for f in FIGURES)
            row += f" {strict_installment(items, predicted):8.3f}"
            if not args.no_replay:
                result = replay(args.corpus, args.rr, items, watchlist)
                row += (f" {result[0]:8.3f} {result[1]:8.3f} {result[2]:4d}" if result
                        else "  (replay failed)")
            rows.append(row)
            print(row if len(rows) > 2 else "\n".join(rows), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
