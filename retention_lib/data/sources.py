"""Finding the input tables: the files of a data folder, or a mapping of DataFrames.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..caching.cache import (
    hash_files,
)
from ..config import Settings
from .csv_reader import read_csv_header
from .parquet_reader import parquet_parts
from .problems import Problem
from .raw_table import CsvSource, ParquetSource, RawTable
from .schema import REQUIRED_TABLES, TABLES

__all__ = [
    "FILE_SUFFIXES",
    "read_folder",
    "read_frames",
    "table_files",
]


FILE_SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet")


def _sha256_frame(frame: pd.DataFrame) -> str:
    try:
        hashed = pd.util.hash_pandas_object(frame, index=True).to_numpy()
        payload = hashed.tobytes() + "\x1f".join(map(str, frame.columns)).encode()
    except (TypeError, ValueError):
        payload = frame.to_csv().encode()
    return hashlib.sha256(payload).hexdigest()


def read_folder(folder: Path, settings: Settings,
                problems: list[Problem]) -> list[RawTable | CsvSource | ParquetSource]:
    if not folder.exists():
        problems.append(Problem(
            "transactions", str(folder), None, "missing_folder", 0,
            detail="data folder not found",
        ))
        return []
    if not folder.is_dir():
        problems.append(Problem(
            "transactions", str(folder), None, "missing_folder", 0,
            detail="is not a folder; pass the folder that holds transactions.csv etc.",
        ))
        return []
    hash_files(table_files(folder))  # all at once, two at a time; each read below reuses
    raws: list[RawTable | CsvSource | ParquetSource] = []
    for table in TABLES:
        found = [folder / f"{table}{suffix}" for suffix in FILE_SUFFIXES]
        found = [p for p in found if p.is_file() or _is_parquet_folder(p)]
        if not found:
            if table in REQUIRED_TABLES:
                names = ", ".join(f"{table}{s}" for s in FILE_SUFFIXES)
                present = sorted(p.name for p in folder.iterdir() if p.is_file())
                problems.append(Problem(
                    table, str(folder / f"{table}.csv"), None, "missing_file", 0,
                    detail=f"required table '{table}' not found in {folder} (looked for "
                    f"{names}); files found: {present or 'none'}",
                ))
            continue
        if len(found) > 1:
            problems.append(Problem(
                table, str(folder), None, "ambiguous_file", 0,
                detail=f"several files for table '{table}': {[p.name for p in found]}; "
                "keep exactly one",
            ))
            continue
        path = found[0]
        raw = (
            ParquetSource(table, path)
            if path.name.endswith(".parquet")
            else read_csv_header(path, table, settings, problems)
        )
        if raw is not None:
            raws.append(raw)
    return raws


def read_frames(frames: Mapping[str, Any], problems: list[Problem]) -> list[RawTable]:
    raws: list[RawTable] = []
    for table, frame in frames.items():
        if table not in TABLES:
            problems.append(Problem(
                str(table), f"<DataFrame {table}>", None, "unknown_table", 0,
                severity="warning",
                detail=f"is not a table of the contract and was ignored; tables: {list(TABLES)}",
            ))
            continue
        if not isinstance(frame, pd.DataFrame):
            problems.append(Problem(
                table, f"<DataFrame {table}>", None, "read_error", 0,
                detail=f"expected a pandas DataFrame, got {type(frame).__name__}",
            ))
            continue
        sha = _sha256_frame(frame)
        out = frame.reset_index(drop=True)
        out.columns = [str(c).strip() for c in out.columns]
        raws.append(RawTable(table, out, f"<DataFrame {table}>", "<DataFrame>", sha, "row", 0))
    for table in REQUIRED_TABLES:
        if table not in frames:
            problems.append(Problem(
                table, f"<DataFrame {table}>", None, "missing_file", 0,
                detail=f"required table '{table}' is missing from the mapping "
                f"(keys given: {sorted(map(str, frames))})",
            ))
    return raws


def table_files(folder: Path) -> list[Path]:
    """The files of contract tables in ``folder`` (what :func:`read_folder` may read); a
    table given as a folder of Parquet parts contributes its part files."""
    if not folder.is_dir():
        return []
    files: list[Path] = []
    for table in TABLES:
        for suffix in FILE_SUFFIXES:
            path = folder / f"{table}{suffix}"
            if path.is_file():
                files.append(path)
            elif _is_parquet_folder(path):
                files.extend(parquet_parts(path)[0])
    return files


def _is_parquet_folder(path: Path) -> bool:
    """``path`` is a table written as a folder of Parquet parts (``transactions.parquet/``)."""
    return path.name.endswith(".parquet") and path.is_dir()
