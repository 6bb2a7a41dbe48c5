"""End-to-end time of ``retention report`` on ``data/sample`` (target: under 20 s on 2 cores).

Usage::

    .venv/bin/python benchmarks/report_sample.py [--runs 3] [--data data/sample] [--jobs N]
                                                 [--label TEXT]

Runs the installed ``retention`` command N times into a fresh temporary reports folder each
time (so every run builds and publishes the whole report), prints each wall time and the
median, and appends one line to ``benchmarks/results/report_sample.txt`` with the label, the
notebooks run, ``--jobs`` and the 1-minute load average before the first and after the last
run (the build machine's 2 cores are shared: compare medians taken in the same session), and
the CPU seconds (user + system) of the report process and its kernels, which depend far less
on the other load of the machine than the wall time.
When ``data/sample`` is missing it is generated first (not timed).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
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
    parser.add_argument("--jobs", type=int, default=None, help="pass --jobs N to the report")
    parser.add_argument("--label", default="", help="free text recorded with the result")
    args = parser.parse_args()
    retention = Path(sys.executable).with_name("retention")
    command = (
        [str(retention)] if retention.exists() else [sys.executable, "-m", "retention_lib.cli"]
    )
    if not (args.data / "transactions.csv").exists():
        subprocess.run([*command, "sample", "--out", str(args.data)], check=True, cwd=ROOT)
    extra = ["--jobs", str(args.jobs)] if args.jobs is not None else []
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    load_before = os.getloadavg()[0]
    times = []
    cpus = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="retention-bench-") as out:
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(
                [*command, "report", "--data", str(args.data), "--out", out, *extra],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            seconds = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        times.append(seconds)
        cpus.append(cpu)
        print(f"run {run}: {seconds:.2f} s wall, {cpu:.2f} s CPU")
    median = statistics.median(times)
    load_after = os.getloadavg()[0]
    cpu_median = statistics.median(cpus)
    print(
        f"median of {len(times)}: {median:.2f} s wall, {cpu_median:.2f} s CPU  "
        f"(load {load_before:.2f} -> {load_after:.2f})"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(
            f"{datetime.now().isoformat(timespec='seconds')}  host={platform.node()}  "
            f"python={platform.python_version()}  cpus={os.cpu_count()}  "
            f"label={args.label or '-'}  jobs={args.jobs if args.jobs is not None else 'default'}  "
            f"notebooks={len(notebooks)}  load={load_before:.2f}->{load_after:.2f}  "
            f"data={args.data.name}  runs="
            + ",".join(f"{t:.2f}" for t in times)
            + f"  median={median:.2f}s  cpu=" + ",".join(f"{c:.1f}" for c in cpus)
            + f"  cpu_median={cpu_median:.1f}s\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
