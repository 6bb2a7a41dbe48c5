"""Reading Parquet tables: one file, or a folder of part files (Spark, Hive,
DuckDB), with Spark's UTC timestamps recognised.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..caching.cache import (
    sha256_file,
)
from .problems import Problem
from .raw_table import ParquetSource, RawTable, row_problem
from .schema import TableSpec

__all__ = [
    "parquet_parts",
    "read_parquet",
    "utc_day_problems",
]


def read_parquet(src: ParquetSource) -> RawTable | Problem:
    path, table = src.path, src.table
    if path.is_dir():
        return _read_parquet_parts(src)
    frame = _parquet_frame(path, table)
    if isinstance(frame, Problem):
        return frame
    return RawTable(table, frame, str(path), str(path), sha256_file(path), "row", 0)


def _parquet_frame(path: Path, table: str) -> pd.DataFrame | Problem:
    """One Parquet file as a frame (RangeIndex, Spark's UTC instants tz-aware, column names
    stripped), or the problem of a file that cannot be read."""
    try:
        frame = pd.read_parquet(path, **_PARQUET_DATES)
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes a reported problem
        return Problem(
            table, str(path), None, "read_error", 0,
            detail=f"cannot be read as Parquet: {exc}",
        )
    frame = _spark_instants(frame.reset_index(drop=True), path)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _spark_instants(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Spark's ``TIMESTAMP`` columns as UTC (tz-aware): Spark stores them as UTC instants
    (INT96, which pyarrow reads as naive times), so the day of a value depends on the time
    zone of the session that wrote it; tz-aware, :func:`utc_day_problems` can say so.
    Files not written by Spark, and Spark's ``DATE`` / ``TIMESTAMP_NTZ``, are left as read."""
    import json

    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path).metadata or {}
        row = json.loads(meta.get(b"org.apache.spark.sql.parquet.row.metadata", b"{}"))
    except Exception:  # noqa: BLE001 - no readable Spark schema: as read
        return frame
    for spark_field in row.get("fields", []):
        name = spark_field.get("name")
        if spark_field.get("type") == "timestamp" and name in frame.columns:
            col = frame[name]
            if isinstance(col.dtype, np.dtype) and col.dtype.kind == "M":
                frame[name] = col.dt.tz_localize("UTC")
    return frame


def utc_day_problems(raw: RawTable, spec: TableSpec) -> list[Problem]:
    """A warning per contract date column holding UTC instants (a Spark ``TIMESTAMP``, a
    Parquet timestamp adjusted to UTC) with values that are not midnight UTC: their day is
    taken in UTC, which is not the local day of times near midnight (a local midnight east
    of Greenwich is the evening before in UTC)."""
    out = []
    for col in spec.columns:
        if col.kind not in ("date", "month") or col.name not in raw.frame:
            continue
        values = raw.frame[col.name]
        if getattr(getattr(values, "dt", None), "tz", None) is None:
            continue
        off = values.notna() & (values != values.dt.floor("D"))
        if off.any():
            out.append(row_problem(
                raw, col.name, "utc_timestamp", off, values,
                "holding UTC times that are not midnight UTC (a Spark TIMESTAMP or a Parquet "
                "timestamp adjusted to UTC): each counts on its UTC day, the day before for "
                "a local midnight east of Greenwich; write the column as a DATE (Spark: "
                "F.to_date(...)) or as local time (TIMESTAMP_NTZ)",
                severity="warning",
            ))
    return out


def parquet_parts(folder: Path) -> tuple[list[Path], list[Path]]:
    """(part files, sub-folders) of a Parquet table folder, each in name order.

    Names starting with ``_`` or ``.`` are not data (Spark's ``_SUCCESS`` and ``.crc``
    files), as for pyarrow and Spark; every other file is a part, whatever its extension
    (Hive writes ``000000_0``)."""
    parts, subfolders = [], []
    for p in sorted(folder.iterdir(), key=lambda p: p.name):
        if p.name.startswith(("_", ".")):
            continue
        (subfolders if p.is_dir() else parts).append(p)
    return parts, subfolders


def _read_parquet_parts(src: ParquetSource) -> RawTable | Problem:
    """A table written as a folder of Parquet part files (``transactions.parquet/`` from
    Spark's ``df.write.parquet``, Hive, DuckDB ``PER_THREAD_OUTPUT``): the parts read in
    name order and stacked.  Messages name the part file and the row in it."""
    folder, table = src.path, src.table
    if (folder / "_delta_log").is_dir():  # its folder also holds the files of old versions
        return Problem(
            table, str(folder), None, "read_error", 0,
            detail="is a Delta table (it has a _delta_log): its folder also holds the files "
            "of earlier versions; export the current version as plain Parquet, e.g. "
            "spark.read.format('delta').load(path).write.parquet(...)",
        )
    parts, subfolders = parquet_parts(folder)
    if subfolders:
        return Problem(
            table, str(folder), None, "read_error", 0,
            detail=f"is partitioned into sub-folders ({', '.join(p.name for p in subfolders[:3])}"
            f"{', ...' if len(subfolders) > 3 else ''}): write the table without "
            "partitionBy, as part files directly in the folder",
        )
    if not parts:
        return RawTable(table, pd.DataFrame(), str(folder), str(folder), _parts_sha256(parts),
                    "row", 0)
    frames, starts, n = [], [], 0
    for part in parts:
        frame = _parquet_frame(part, table)
        if isinstance(frame, Problem):
            return frame
        if frames and list(frame.columns) != list(frames[0].columns):
            return Problem(
                table, str(part), None, "read_error", 0,
                detail=f"has the columns {list(frame.columns)}, the part "
                f"{parts[0].name} {list(frames[0].columns)}: every part of a table must "
                "have the same columns",
            )
        frames.append(frame)
        starts.append((n, part.name))
        n += len(frame)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    del frames
    return RawTable(table, frame, str(folder), str(folder), _parts_sha256(parts), "row", 0,
                parts=tuple(starts))


def _parts_sha256(parts: list[Path]) -> str:
    """One SHA-256 of a Parquet table folder: over each part's name and SHA-256."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(f"{part.name}\x1f{sha256_file(part)}\n".encode())
    return digest.hexdigest()


def _parquet_dates() -> dict[str, Any]:
    """``read_parquet`` options giving Parquet ``DATE`` columns as datetime64 rather than
    Python ``datetime.date`` objects (pandas >= 3.0; older pandas: none): parsing 21M date
    objects one by one took ~20 s of a Parquet folder's load."""
    import inspect

    if "to_pandas_kwargs" in inspect.signature(pd.read_parquet).parameters:
        return {"to_pandas_kwargs": {"date_as_object": False}}
    return {}


_PARQUET_DATES = _parquet_dates()
