"""The whole ``retention report`` at scale (target: 20M transactions in <= 120 s, <= 4 GB).

Usage::

    .venv/bin/python benchmarks/report_scale.py --data /path/to/sample_1360000 \\
        [--period 2026-10] [--runs 1] [--timeout 1500] [--max-rss-gb 20] [--jobs N] \\
        [--label TEXT] [--results benchmarks/results/report_scale.md] [--append] [--keep]

Data: a folder written by ``retention sample --customers 1360000`` (about 20.9M
transactions); any folder of CSV/Parquet tables works (``benchmarks/csv_to_parquet.py``
writes the same tables as typed Parquet files).

Each run starts ``retention report --data DATA --out TMP --period PERIOD`` (all notebooks,
default ``--jobs`` unless given) in a fresh subprocess with its own temporary reports folder
and records:

* wall seconds, from starting the command to its exit (imports included);
* peak memory of the whole process tree (the runner, its page-build workers and its
  notebook kernels), sampled every 0.25 s: the sum of the tree's proportional set sizes
  (PSS, ``/proc/PID/smaps_rollup``: a page shared by n processes counts 1/n in each, so
  the tables the build workers share with the runner after ``fork`` count once) and, as
  before, the sum of their resident sets (RSS, which counts such a page once per process
  and so overstates the tree once workers are forked); also the largest single process's
  own peak (``VmHWM``), which sampling cannot miss.  Sampled sums are lower bounds of the
  true peak (short spikes between samples are missed); the phase (the last log line of the
  runner) in which each peak happened is recorded too;
* CPU seconds (user + system) of the command and everything it started;
* per-step times from the runner's log lines, time-stamped on arrival: start-up (imports)
  until ``validating``, validation/load until ``period``, each page the runner builds
  (``  diagnostics: 98.9 s``), each notebook from ``executing`` to
  ``done in``, and the tail after the last notebook (rendering the last page, waiting for the
  in-process headline figures, publishing);
* per-cell seconds from the executed notebooks' ``metadata.papermill.duration`` (the executed
  notebooks stay in the output folder, or in ``failed/`` when a notebook failed).

A run is killed (whole tree) after ``--timeout`` seconds or when the tree's PSS exceeds
``--max-rss-gb``; the results then say so and keep whatever step timings were reached.
Results: a Markdown file (machine, date, table sizes, wall, peak RSS, the slowest steps and
cells, failures with the error); ``--append`` adds a section instead of overwriting.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "report_scale.md"
GB = 1024**3
POLL_SECONDS = 0.25


# --------------------------------------------------------------------------- machine / data


def machine() -> str:
    """One line describing the machine: host, CPU model, cores, memory, Python, pandas."""
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import pandas as pd

    return (
        f"{platform.node()}, {model}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / GB:.1f} GB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, pandas {pd.__version__}"
    )


def _count_csv_rows(path: Path) -> int:
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)  # header


def table_sizes(folder: Path) -> list[tuple[str, int, float]]:
    """``(file name, rows, MB)`` per table file of ``folder``."""
    rows = []
    for path in sorted(folder.iterdir()):
        if path.name.endswith(".parquet"):
            import pyarrow.parquet as pq

            # a table may be a folder of part files (as Spark writes it)
            parts = ([p for p in sorted(path.iterdir()) if not p.name.startswith(("_", "."))]
                     if path.is_dir() else [path])
            n = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
            size = sum(p.stat().st_size for p in parts)
        elif path.name.endswith(".csv"):
            n, size = _count_csv_rows(path), path.stat().st_size
        else:
            continue
        rows.append((path.name, n, size / 1e6))
    return rows


# --------------------------------------------------------------------------- one run


@dataclass
class Run:
    """What one run of the report measured."""

    wall: float = 0.0
    cpu: float = 0.0
    returncode: int | None = None
    killed: str = ""  # why the tree was killed ("" = not killed)
    peak_tree: int = 0  # bytes, sampled sum of RSS over the tree
    peak_pss: int = 0  # bytes, sampled sum of PSS over the tree
    peak_pss_phase: str = ""
    peak_tree_phase: str = ""
    peak_tree_procs: int = 0
    peak_single: int = 0  # bytes, the largest VmHWM of any process of the tree
    peak_single_name: str = ""
    phase_peaks: dict[str, int] = field(default_factory=dict)
    log: list[tuple[float, str]] = field(default_factory=list)  # (seconds since start, line)
    stdout: str = ""
    steps: list[tuple[str, float]] = field(default_factory=list)
    cells: list[tuple[float, str, int, str]] = field(default_factory=list)  # (s, nb, idx, src)
    notebooks: dict[str, float] = field(default_factory=dict)  # papermill total per notebook
    failed: list[str] = field(default_factory=list)


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return []


def _vmhwm(proc: psutil.Process) -> int:
    try:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _pss(proc: psutil.Process) -> int:
    """Proportional set size in bytes (``/proc/PID/smaps_rollup``; 0 when unreadable)."""
    try:
        with open(f"/proc/{proc.pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _kill_tree(proc: psutil.Process) -> None:
    for p in reversed(_tree(proc)):
        try:
            p.kill()
        except psutil.Error:
            pass


def run_once(command: list[str], *, timeout: float, max_rss: int, cwd: Path) -> Run:
    """Run ``command``, watch its process tree, kill it on ``timeout`` or ``max_rss``."""
    run = Run()
    phase = ["start-up"]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    popen = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    proc = psutil.Process(popen.pid)

    def read_stderr() -> None:
        assert popen.stderr is not None
        for line in popen.stderr:
            line = line.rstrip("\n")
            run.log.append((time.perf_counter() - start, line))
            if line.startswith("validating"):
                phase[0] = "validation/load"
            elif line.startswith("period ") or line.startswith("building"):
                phase[0] = "building pages"
            elif line.startswith("executing "):
                phase[0] = "notebooks"
            print(f"[{time.perf_counter() - start:7.1f} s] {line}", file=sys.stderr, flush=True)

    def read_stdout() -> None:
        assert popen.stdout is not None
        run.stdout = popen.stdout.read()

    readers = [threading.Thread(target=read_stderr), threading.Thread(target=read_stdout)]
    for reader in readers:
        reader.start()
    last_note = start
    while popen.poll() is None:
        elapsed = time.perf_counter() - start
        procs = _tree(proc)
        rss = pss = 0
        for p in procs:
            try:
                rss += p.memory_info().rss
            except psutil.Error:
                pass
            pss += _pss(p)
            hwm = _vmhwm(p)
            if hwm > run.peak_single:
                run.peak_single = hwm
                try:
                    run.peak_single_name = " ".join(p.cmdline()[:3])[-80:]
                except psutil.Error:
                    pass
        if rss > run.peak_tree:
            run.peak_tree, run.peak_tree_phase, run.peak_tree_procs = rss, phase[0], len(procs)
        if pss > run.peak_pss:
            run.peak_pss, run.peak_pss_phase = pss, phase[0]
        run.phase_peaks[phase[0]] = max(run.phase_peaks.get(phase[0], 0), pss)
        if time.perf_counter() - last_note > 30:
            last_note = time.perf_counter()
            print(f"[{elapsed:7.1f} s] tree PSS {pss / GB:.2f} GB, RSS {rss / GB:.2f} GB "
                  f"({len(procs)} processes)", file=sys.stderr, flush=True)
        if elapsed > timeout:
            run.killed = f"timeout after {timeout:.0f} s"
        elif pss > max_rss:
            run.killed = f"tree PSS {pss / GB:.1f} GB over the {max_rss / GB:.0f} GB limit"
        if run.killed:
            print(f"killing the run: {run.killed}", file=sys.stderr, flush=True)
            _kill_tree(proc)
            break
        time.sleep(POLL_SECONDS)
    popen.wait()
    run.wall = time.perf_counter() - start
    run.returncode = popen.returncode
    for reader in readers:
        reader.join(timeout=10)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run.cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    run.steps = steps_from_log(run.log, end=run.wall)
    return run


_DONE = re.compile(r"^(?P<nb>\S+\.ipynb) done in (?P<s>[\d.]+) s")
_PAGE = re.compile(r"^  (?P<page>[^:]+): (?P<s>[\d.]+) s$")  # "  diagnostics: 98.9 s"


def _step_rows(runs: list) -> list[str]:
    """One Markdown row per step name (in the order of first appearance): the median over
    the runs that reached it, then each run's seconds (blank: not reached)."""
    names: list[str] = []
    for run in runs:
        names += [name for name, _ in run.steps if name not in names]
    rows = []
    for name in names:
        each = [dict(run.steps).get(name) for run in runs]
        reached = [v for v in each if v is not None]
        cells = " | ".join("" if v is None else f"{v:.1f}" for v in each)
        rows.append(f"| {name} | {statistics.median(reached):.1f} | {cells} |")
    return rows


def steps_from_log(log: list[tuple[float, str]], *, end: float) -> list[tuple[str, float]]:
    """Runner steps and their seconds from the time-stamped log lines."""
    steps: list[tuple[str, float]] = []
    t_validating = t_period = t_building = None
    started: dict[str, float] = {}
    last_done = None
    for t, line in log:
        if line.startswith("validating") and t_validating is None:
            t_validating = t
            steps.append(("start-up (imports, settings)", t))
        elif line.startswith("period ") and t_period is None and t_validating is not None:
            t_period = t
            steps.append(("validation/load (runner)", t - t_validating))
        elif line.startswith("building the pages") and t_period is not None:
            t_building = t
        elif line.startswith("tables built") and t_building is not None:
            steps.append(("building every page (runner, wall: workers side by side)",
                          t - t_building))
        elif (m := _PAGE.match(line)) is not None:
            steps.append((f"build (runner): {m['page']}", float(m["s"])))
        elif line.startswith("executing "):
            name = line.split()[1]
            started[name] = t
        elif (m := _DONE.match(line)) is not None:
            nb = m["nb"]
            steps.append((f"notebook {nb} (runner: executing → done)", float(m["s"])))
            last_done = t
    for name, t in started.items():
        if not any(s.startswith(f"notebook {name}") for s, _ in steps):
            steps.append((f"notebook {name} (unfinished: started at {t:.0f} s)", end - t))
    if last_done is not None:
        steps.append(("tail after the last notebook (render, metrics wait, publish)",
                      end - last_done))
    return steps


def notebook_cells(out: Path) -> tuple[list[tuple[float, str, int, str]], dict[str, float]]:
    """Per-cell papermill durations of every executed notebook under ``out``."""
    cells = []
    totals = {}
    for path in sorted(out.rglob("*.ipynb")):
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        label = path.name if "failed" not in path.parts else f"failed/{path.name}"
        total = nb.get("metadata", {}).get("papermill", {}).get("duration")
        if total is not None:
            totals[label] = float(total)
        for index, cell in enumerate(nb.get("cells", [])):
            duration = cell.get("metadata", {}).get("papermill", {}).get("duration")
            if duration is None:
                continue
            source = "".join(cell.get("source", ""))
            first = next((s.strip() for s in source.splitlines() if s.strip()), "")
            cells.append((float(duration), label, index, first[:90]))
    return sorted(cells, reverse=True), totals


def failures(out: Path, run: Run) -> list[str]:
    """What failed: the runner's error file(s) and, failing those, the end of its log."""
    found = []
    for error in sorted(out.rglob("error.txt")):
        found.append(error.read_text(encoding="utf-8").strip())
    if run.killed:
        found.append(f"killed: {run.killed}")
    if run.returncode not in (0, None) and not found:
        tail = "\n".join(line for _, line in run.log[-30:])
        found.append(f"exit code {run.returncode}; last log lines:\n{tail}")
    return found


# --------------------------------------------------------------------------- results


def _gb(n: int) -> str:
    return f"{n / GB:.2f} GB"


def markdown(args: argparse.Namespace, runs: list[Run], sizes, command: list[str]) -> str:
    lines = [
        f"## retention report at scale — {args.label or args.data.name}",
        "",
        f"* date: {datetime.now().isoformat(timespec='seconds')}",
        f"* machine: {machine()}",
        f"* load average before the first run: {args.load_before:.2f}",
        f"* command: `{' '.join(command[1:])}` (+ `--out <fresh tmp>`)",
        f"* data: `{args.data}`",
        "",
        "| table file | rows | MB |",
        "|---|--:|--:|",
        *(f"| {name} | {rows:,} | {mb:,.0f} |" for name, rows, mb in sizes),
        "",
        "| run | exit | wall s | CPU s | peak PSS tree (sampled) | at phase "
        "| peak RSS tree (sampled) | at phase | largest process VmHWM |",
        "|--:|--:|--:|--:|--:|---|--:|---|--:|",
    ]
    for i, r in enumerate(runs, 1):
        exit_text = "killed" if r.killed else str(r.returncode)
        lines.append(
            f"| {i} | {exit_text} | {r.wall:.1f} | {r.cpu:.1f} | {_gb(r.peak_pss)} "
            f"| {r.peak_pss_phase} | {_gb(r.peak_tree)} ({r.peak_tree_procs} procs) "
            f"| {r.peak_tree_phase} | {_gb(r.peak_single)} |"
        )
    if len(runs) > 1:
        lines.append(
            f"\nmedian of {len(runs)}: wall {statistics.median(r.wall for r in runs):.1f} s, "
            f"peak PSS {_gb(int(statistics.median(r.peak_pss for r in runs)))}, "
            f"peak RSS {_gb(int(statistics.median(r.peak_tree for r in runs)))}"
        )
    last = runs[-1]
    lines += [
        "",
        "Peak tree PSS per phase (last run): "
        + ", ".join(f"{k} {_gb(v)}" for k, v in last.phase_peaks.items()),
        f"Largest single process: `{last.peak_single_name}`",
        "",
        "### Runner steps (from time-stamped log lines; median and each run)",
        "",
        "| step | median s | " + " | ".join(f"run {i}" for i in range(1, len(runs) + 1)) + " |",
        "|---|--:|" + "--:|" * len(runs),
        *_step_rows(runs),
        "",
    ]
    if last.notebooks:
        lines += [
            "Papermill total per notebook: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in last.notebooks.items()),
            "",
        ]
    lines += [
        "### Top 10 slowest cells (last run, `metadata.papermill.duration`)",
        "",
        "| s | notebook | cell | first line |",
        "|--:|---|--:|---|",
        *(
            f"| {s:.1f} | {nb} | {idx} | `{src.replace('|', '/')}` |"
            for s, nb, idx, src in last.cells[:10]
        ),
        "",
    ]
    if not last.cells:
        lines.insert(-1, "(no executed notebook was left to read)")
    lines += ["### Failures", ""]
    if last.failed:
        for text in last.failed:
            lines += ["```", text[:4000], "```", ""]
    else:
        lines += ["none", ""]
    lines += ["### Runner log (last run)", "", "```"]
    lines += [f"{t:7.1f} s  {line}" for t, line in last.log[-60:]]
    lines += ["```", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of input tables")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=1500, help="seconds per run")
    parser.add_argument("--max-rss-gb", type=float, default=20.0,
                        help="kill the run when the process tree's PSS exceeds this (default 20)")
    parser.add_argument("--jobs", type=int, default=None, help="pass --jobs N to the report")
    parser.add_argument("--notebooks", nargs="+", default=None,
                        help="pass --notebooks NAME ... (default: all notebooks)")
    parser.add_argument("--label", default="")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--append", action="store_true", help="add a section to --results")
    parser.add_argument("--keep", type=Path, default=None,
                        help="copy the last run's reports folder here (default: discard)")
    args = parser.parse_args()
    args.data = args.data.resolve()
    retention = Path(sys.executable).with_name("retention")
    base = [str(retention)] if retention.exists() else [sys.executable, "-m", "retention_lib.cli"]
    extra = ["--jobs", str(args.jobs)] if args.jobs is not None else []
    for name in args.notebooks or []:
        extra += ["--notebooks", name]
    command = [*base, "report", "--data", str(args.data), "--period", args.period, *extra]
    sizes = table_sizes(args.data)
    for name, rows, mb in sizes:
        print(f"{name:<20} {rows:>12,} rows {mb:>9,.0f} MB", file=sys.stderr)
    args.load_before = os.getloadavg()[0]
    runs = []
    for i in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="retention-scale-") as out:
            run = run_once([*command, "--out", out], timeout=args.timeout,
                           max_rss=int(args.max_rss_gb * GB), cwd=ROOT)
            run.cells, run.notebooks = notebook_cells(Path(out))
            run.failed = failures(Path(out), run)
            if args.keep is not None and i == args.runs:
                import shutil

                shutil.copytree(out, args.keep, dirs_exist_ok=True)
        runs.append(run)
        killed = f" (killed: {run.killed})" if run.killed else ""
        print(f"run {i}: exit {run.returncode}{killed}"
              f", {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, peak tree RSS {_gb(run.peak_tree)}"
              f", largest process {_gb(run.peak_single)}", file=sys.stderr)
    text = markdown(args, runs, sizes, command)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    if args.append and args.results.exists():
        with args.results.open("a", encoding="utf-8") as handle:
            handle.write("\n" + text)
    else:
        args.results.write_text("# `retention report` at scale\n\n" + text, encoding="utf-8")
    print(f"written to {args.results}", file=sys.stderr)
    return 0 if all(r.returncode == 0 and not r.killed for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
