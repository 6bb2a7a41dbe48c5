"""End-to-end time of ``retention report`` on ``data/sample`` (target: under 20 s on 2 cores).

Usage::

    .venv/bin/python benchmarks/report_sample.py [--runs 3] [--data data/sample]

Runs the installed ``retention`` command N times into a fresh temporary reports folder each
time (so every run builds and publishes the whole report), prints each wall time and the
median, and appends one line to ``benchmarks/results/report_sample.txt``.  When
``data/sample`` is missing it is generated first (not timed).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "report_sample.txt"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="number of timed runs (default 3)")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "sample")
    args = parser.parse_args()
    retention = Path(sys.executable).with_name("retention")
    command = (
        [str(retention)] if retention.exists() else [sys.executable, "-m", "retention_lib.cli"]
    )
    if not (args.data / "transactions.csv").exists():
        subprocess.run([*command, "sample", "--out", str(args.data)], check=True, cwd=ROOT)
    times = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="retention-bench-") as out:
            start = time.perf_counter()
            done = subprocess.run(
                [*command, "report", "--data", str(args.data), "--out", out],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            seconds = time.perf_counter() - start
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        times.append(seconds)
        print(f"run {run}: {seconds:.2f} s")
    median = statistics.median(times)
    print(f"median of {len(times)}: {median:.2f} s")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(
            f"{datetime.now().isoformat(timespec='seconds')}  host={platform.node()}  "
            f"python={platform.python_version()}  data={args.data.name}  runs="
            + ",".join(f"{t:.2f}" for t in times)
            + f"  median={median:.2f}s\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
