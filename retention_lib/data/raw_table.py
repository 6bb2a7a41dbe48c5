"""One table while it is read: as read (:class:`RawTable`), where it comes from
(:class:`CsvSource`, :class:`ParquetSource`), what reading it gave (:class:`TableRead`), and
the problems pointing at its rows (:func:`row_problem`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from .problems import MAX_EXAMPLES, Problem

__all__ = [
    "CsvSource",
    "ParquetSource",
    "RawTable",
    "TableRead",
    "example_rows",
    "row_problem",
    "row_text",
    "shown_value",
]


@dataclass
class RawTable:
    """A table as read, before normalisation."""

    table: str
    frame: pd.DataFrame
    file: str  # name used in messages
    source: str  # path or "<DataFrame>"
    sha256: str
    location: str  # "line" or "row"
    offset: int  # row label + offset = row number shown
    sep: str | None = None
    blank_lines: int = 0
    parts: tuple[tuple[int, str], ...] = ()  # a folder of Parquet parts: see Problem.parts


@dataclass
class ParquetSource:
    """A Parquet table found in the folder;
    :func:`~retention_lib.data.parquet_reader.read_parquet` reads it (in the loader's
    threads, two tables at a time)."""

    table: str
    path: Path


def example_rows(raw: RawTable, mask: pd.Series, values: pd.Series) -> list[tuple[int, str]]:
    idx = mask[mask].index[:MAX_EXAMPLES]
    return [(int(i) + raw.offset, shown_value(values.loc[i])) for i in idx]


def shown_value(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def row_problem(raw: RawTable, column: str | None, kind: str, mask: pd.Series, values: pd.Series,
                detail: str, severity: Literal["error", "warning"] = "error") -> Problem:
    return Problem(
        raw.table, raw.file, column, kind, int(mask.sum()), example_rows(raw, mask, values),
        severity=severity, detail=detail, location=raw.location, parts=raw.parts,
    )


def row_text(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    text = frame[columns].astype(str).fillna("").astype(object)
    return text.agg(", ".join, axis=1)


@dataclass
class CsvSource:
    """A CSV table whose header was read; the records are read in
    :func:`retention_lib.data.chunked_csv.csv_table`."""

    table: str
    path: Path
    sep: str
    encoding: str
    sha256: str


@dataclass
class TableRead:
    """The outcome of reading one table (``frame`` is ``None`` when the table is left out
    after an empty file or a column clash)."""

    raw: RawTable
    frame: pd.DataFrame | None
    rows: int
    problems: list[Problem]
    notes: list[str]
    excluded: int
    no_id: int = 0  # rows without a customer id left out (missing_customer_id: exclude)
    no_id_amount: float | None = None  # their net amount (transactions)
