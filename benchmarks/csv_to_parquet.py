"""Write a folder of CSV tables (``retention sample --customers N``) as typed Parquet files.

Usage::

    .venv/bin/python benchmarks/csv_to_parquet.py SRC_FOLDER DST_FOLDER

The Parquet folder is what a warehouse export looks like: dates as Parquet ``DATE``, amounts
as doubles, ``answered`` as booleans; ``customer_id`` stays text (``"007"`` is not 7).  It feeds
``report_scale.py --data DST_FOLDER`` to measure the report on Parquet input.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq


def convert(src: Path, dst: Path) -> None:
    """One ``<table>.parquet`` in ``dst`` per ``<table>.csv`` of ``src``."""
    dst.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.glob("*.csv")):
        start = time.perf_counter()
        table = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
            column_types={"customer_id": pa.string()}))
        pq.write_table(table, dst / f"{path.stem}.parquet")
        print(f"{path.name}: {table.num_rows:,} rows, {time.perf_counter() - start:.1f} s",
              flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    convert(Path(sys.argv[1]), Path(sys.argv[2]))
