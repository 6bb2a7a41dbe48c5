"""Per-customer summary at scale: lifetimes vs our pandas path vs DuckDB on Parquet vs the floor.

Usage (one command; every step is cached, so a second run only measures)::

    .venv/bin/python benchmarks/summary_scale.py [--sizes 1M 5M 20M] [--runs 3]
        [--cache ~/.cache/retention-bench] [--customers 1360000]
        [--engines lifetimes pandas duckdb floor]
        [--out benchmarks/results/summary_scale.md]

Data
    ``retention sample --customers N --out CACHE/sample_N`` (about 15 transactions per customer
    over three years; 1.36M customers give 20.9M transactions and take ~20 minutes to
    generate), converted once to ``CACHE/tx_full.parquet`` (``customer_id`` string, ``date``
    timestamp[us], ``amount`` float64, plus the other transaction columns).  Size ``S`` is the
    first ``S`` rows of that file, ``CACHE/tx_S.parquet``: the generator writes rows sorted by
    customer, so a size holds complete customer histories (the last one possibly cut).
Engines (each run in a fresh subprocess)
    ``lifetimes``: ``pd.read_parquet`` of the three columns, then
    ``lifetimes.utils.summary_data_from_transaction_data(..., freq="D",
    observation_period_end=as_of)``;
    ``pandas``: the same read, then ``retention_lib.analysis.summary.customer_summary``;
    ``duckdb``: ``retention_lib.analysis.engine.summarize_files`` on the Parquet file (nothing
    loaded
    into pandas but the per-customer result);
    ``floor``: the bare DuckDB group-by ``SELECT customer_id, min(date), max(date), count(*),
    sum(amount) FROM read_parquet(...) GROUP BY 1``, fetched to Arrow.
Measures
    seconds: wall time inside the child from the start of reading the file to the result in
    memory (interpreter start and imports excluded); peak RSS: the child's own peak resident
    set (``VmHWM``), so it includes the interpreter and imported libraries (~150-250 MB).
    Medians over ``--runs`` runs; the engines alternate within a round so that machine noise
    spreads over all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "summary_scale.md"
AS_OF = "2026-10-31"  # last day of the generated sample (its default --end)
ENGINES = ("lifetimes", "pandas", "duckdb", "floor")
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "retention-bench"
TARGETS = "20M: >= 8x faster than lifetimes, <= 3x the DuckDB floor, peak RSS <= 1.5 GB"


def parse_size(text: str) -> int:
    """``"1M"`` -> 1_000_000, ``"500k"`` -> 500_000, ``"20000000"`` -> 20_000_000."""
    units = {"k": 1_000, "m": 1_000_000}
    t = text.strip().lower().replace("_", "")
    if t and t[-1] in units:
        return int(float(t[:-1]) * units[t[-1]])
    return int(t)


def label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


# --------------------------------------------------------------------------- children


def child(engine: str, path: str) -> dict[str, float]:
    """Run one engine once in this (fresh) process; return timings."""
    import pandas as pd
    import pyarrow.parquet  # noqa: F401 - imports are not timed

    if engine in ("lifetimes", "pandas"):
        if engine == "lifetimes":
            from lifetimes.utils import summary_data_from_transaction_data
        else:
            from retention_lib.analysis.summary import customer_summary
        start = time.perf_counter()
        tx = pd.read_parquet(path, columns=["customer_id", "date", "amount"])
        loaded = time.perf_counter()
        if engine == "lifetimes":
            out = summary_data_from_transaction_data(
                tx, "customer_id", "date", monetary_value_col="amount",
                observation_period_end=AS_OF, freq="D",
            )
        else:
            out = customer_summary(tx, as_of=AS_OF, freq="D")
        end = time.perf_counter()
        return {"seconds": end - start, "load_seconds": loaded - start, "rows": len(out)}
    if engine == "duckdb":
        import ibis
        import ibis.backends.duckdb  # noqa: F401 - imports are not timed

        from retention_lib.analysis.engine import summarize_files

        ibis.duckdb.connect().disconnect()  # first-use import of the backend, not timed

        start = time.perf_counter()
        out = summarize_files(path, as_of=AS_OF, freq="D")
        end = time.perf_counter()
        return {"seconds": end - start, "load_seconds": 0.0, "rows": len(out)}
    if engine == "floor":
        import duckdb

        start = time.perf_counter()
        con = duckdb.connect()
        result = con.sql(
            "SELECT customer_id, min(date), max(date), count(*), sum(amount) "
            f"FROM read_parquet('{path}') GROUP BY 1"
        ).to_arrow_table()
        end = time.perf_counter()
        return {"seconds": end - start, "load_seconds": 0.0, "rows": result.num_rows}
    raise ValueError(f"unknown engine {engine!r}; choose from {list(ENGINES)}")


def peak_rss_mb() -> float:
    """This process's own peak resident set (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(engine: str, path: Path) -> dict[str, float]:
    """One run in a fresh subprocess: the child's timings plus its peak RSS in MB.

    The peak RSS is the child's own ``VmHWM``; ``ru_maxrss`` from ``os.wait4`` is kept as
    ``maxrss_mb`` (on Linux it also counts the parent's pages at fork time, which is why the
    parent stays small: data preparation runs in a subprocess, no pandas in the parent).
    """
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", engine, str(path)],
            stdout=out, cwd=ROOT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"{engine} on {path} failed with exit code {proc.returncode}")
        out.seek(0)
        result = json.loads(out.read().strip().splitlines()[-1])
    result["maxrss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    return result


# --------------------------------------------------------------------------- data


def ensure_data(cache: Path, customers: int, sizes: list[int]) -> dict[int, Path]:
    """Generate (once) and cut the Parquet files; return {size: path}."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    cache.mkdir(parents=True, exist_ok=True)
    sample = cache / f"sample_{customers}"
    csv = sample / "transactions.csv"
    done = sample / ".complete"
    if not done.exists():
        retention = Path(sys.executable).with_name("retention")
        command = ([str(retention)] if retention.exists()
                   else [sys.executable, "-m", "retention_lib.cli"])
        print(f"generating {customers:,} customers into {sample} (slow, once) ...", file=sys.stderr)
        t0 = time.perf_counter()
        subprocess.run([*command, "sample", "--customers", str(customers), "--out",
                        str(sample)], check=True, cwd=ROOT, stdout=sys.stderr)
        done.write_text(f"{time.perf_counter() - t0:.0f} s\n")
    full = cache / f"tx_full_{customers}.parquet"
    if not full.exists():
        print(f"converting {csv} to Parquet ...", file=sys.stderr)
        convert = pacsv.ConvertOptions(column_types={
            "customer_id": pa.string(), "date": pa.timestamp("us"), "amount": pa.float64(),
            "order_id": pa.string(),
        })
        reader = pacsv.open_csv(csv, convert_options=convert,
                                read_options=pacsv.ReadOptions(block_size=64 << 20))
        tmp = full.with_suffix(".tmp")
        with pq.ParquetWriter(tmp, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch, row_group_size=1 << 20)
        tmp.rename(full)
    total = pq.ParquetFile(full).metadata.num_rows
    paths: dict[int, Path] = {}
    for size in sizes:
        if size > total:
            raise SystemExit(f"size {size:,} > {total:,} generated rows: raise --customers "
                             f"(about {size // 14 + 1:,} for this size)")
        path = cache / f"tx_{customers}_{label(size)}.parquet"
        if not path.exists():
            print(f"cutting the first {size:,} rows into {path} ...", file=sys.stderr)
            tmp = path.with_suffix(".tmp")
            source = pq.ParquetFile(full)
            left = size
            with pq.ParquetWriter(tmp, source.schema_arrow) as writer:
                for batch in source.iter_batches(batch_size=1 << 20):
                    if left <= 0:
                        break
                    part = batch.slice(0, min(left, batch.num_rows))
                    writer.write_batch(part, row_group_size=1 << 20)
                    left -= part.num_rows
            tmp.rename(path)
        paths[size] = path
    return paths


# --------------------------------------------------------------------------- report


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024**2:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    versions = []
    for name in ("pandas", "numpy", "duckdb", "ibis-framework", "lifetimes", "pyarrow"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return (f"{cpu}, {os.cpu_count()} cores{mem}; Linux {platform.release()}; "
            f"Python {platform.python_version()}; " + ", ".join(versions))


def write_markdown(rows: list[dict], *, out: Path, runs: int, customers: int) -> str:
    lines = [
        "# Per-customer summary at scale",
        "",
        f"Run {datetime.now().isoformat(timespec='seconds')} with "
        f"`benchmarks/summary_scale.py` ({runs} runs per cell, medians; data: "
        f"`retention sample --customers {customers}`, first N rows; freq D, "
        f"as_of {AS_OF}).",
        "",
        f"Machine: {machine()}.",
        "",
        "Seconds: reading the Parquet file to the summary in memory (imports excluded); "
        "pandas/lifetimes include `pd.read_parquet` (load s in brackets). Peak RSS: the "
        "child process's maximum resident set (includes Python + libraries). "
        "`x lifetimes` = lifetimes seconds / engine seconds (speed-up); "
        "`x floor` = engine seconds / floor seconds.",
        "",
        "| transactions | customers | engine | median s | peak RSS MB | x lifetimes | x floor |",
        "|---:|---:|---|---:|---:|---:|---:|",
    ]
    by_size: dict[int, dict[str, dict]] = {}
    for row in rows:
        by_size.setdefault(row["size"], {})[row["engine"]] = row
    for size, engines in by_size.items():
        base = engines.get("lifetimes", {}).get("seconds")
        floor = engines.get("floor", {}).get("seconds")
        for engine, row in engines.items():
            seconds = row["seconds"]
            load = f" ({row['load_seconds']:.2f})" if row["load_seconds"] else ""
            vs_lt = f"{base / seconds:.1f}" if base else "n/a"
            vs_floor = f"{seconds / floor:.2f}" if floor else "n/a"
            lines.append(
                f"| {label(size)} | {row['customers']:,} | {engine} | {seconds:.2f}{load} | "
                f"{row['rss_mb']:.0f} | {vs_lt} | {vs_floor} |"
            )
    lines += ["", f"Targets (issue 8): {TARGETS}.", ""]
    for size, engines in by_size.items():
        ours = engines.get("duckdb")
        if not ours:
            continue
        base = engines.get("lifetimes", {}).get("seconds")
        floor = engines.get("floor", {}).get("seconds")
        parts = []
        if base:
            parts.append(f"{base / ours['seconds']:.1f}x faster than lifetimes")
        if floor:
            parts.append(f"{ours['seconds'] / floor:.2f}x the floor")
        parts.append(f"{ours['rss_mb']:.0f} MB peak RSS")
        lines.append(f"- {label(size)}: DuckDB path " + ", ".join(parts) + ".")
    text = "\n".join(lines) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1M", "5M", "20M"],
                        help="numbers of transactions (1M, 500k, 20000000)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--customers", type=int, default=1_360_000,
                        help="customers to generate (~15 transactions each)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="where generated data are kept between runs")
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child(*args.child)
        result["rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return 0
    sizes = [parse_size(s) for s in args.sizes]
    if args.prepare:
        paths = ensure_data(args.cache, args.customers, sizes)
        print(json.dumps({str(k): str(v) for k, v in paths.items()}))
        return 0
    # prepare in a subprocess: the parent stays small (see measure)
    prepared = subprocess.run(
        [sys.executable, __file__, "--prepare", "--cache", str(args.cache), "--customers",
         str(args.customers), "--sizes", *map(str, sizes)],
        check=True, cwd=ROOT, stdout=subprocess.PIPE, text=True,
    ).stdout.strip().splitlines()
    paths = {int(k): Path(v) for k, v in json.loads(prepared[-1]).items()}
    rows: list[dict] = []
    for size in sizes:
        results: dict[str, list[dict]] = {e: [] for e in args.engines}
        for run in range(args.runs):
            for engine in args.engines:
                r = measure(engine, paths[size])
                results[engine].append(r)
                print(f"{label(size):>4} run {run + 1} {engine:<9} {r['seconds']:7.2f} s "
                      f"{r['rss_mb']:7.0f} MB", flush=True)
        for engine, runs in results.items():
            rows.append({
                "size": size,
                "engine": engine,
                "customers": int(runs[0]["rows"]),
                "seconds": statistics.median(r["seconds"] for r in runs),
                "load_seconds": statistics.median(r["load_seconds"] for r in runs),
                "rss_mb": statistics.median(r["rss_mb"] for r in runs),
            })
        # rewrite after each size, so a long run leaves partial results
        write_markdown(rows, out=args.out, runs=args.runs, customers=args.customers)
    print(write_markdown(rows, out=args.out, runs=args.runs, customers=args.customers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
