"""Reading, column mapping, dtype normalisation and validation of the input tables.

:func:`load_dataset` is the only place that reads input data.  It takes a folder of
CSV / CSV.GZ / Parquet files (one per table, file name = table name) or a mapping
``{table: DataFrame}``, maps column names through ``settings.columns``, normalises dtypes
(see :mod:`retention_lib.data.schema`), validates every table against the contract and either

* raises :class:`DataValidationError` listing **every** error of every table (each message
  names the file, the column, the number of rows and the first offending row numbers and
  values), or
* returns a :class:`Dataset` with the normalised tables, the warnings, and an account of
  every row read and every row excluded.

Definitions
-----------
Row numbers
    CSV input: the line number in the file (header = line 1, first data record = line 2;
    blank lines count, quoted fields spanning several lines are not accounted for).
    DataFrame and Parquet input: the 0-based positional row, called "row".  A table
    given as a folder of Parquet part files (``transactions.parquet/part-*.parquet``, as
    Spark, Hive or DuckDB write one): the part file's name and the 0-based row in it.
Errors (stop the run)
    missing folder or file of a required table; unreadable file; empty or header-only
    ``transactions``; missing required column (the message lists the columns found);
    missing value in a required column (a line without a customer id unless
    ``missing_customer_id: exclude``); unparseable date / month, or a date not matching
    ``csv: date_format``; without ``date_format``, dates such as ``03/04/2010`` (day and month
    are never guessed: the message names the option and the patterns); non-numeric number;
    unknown boolean in ``answered``; ``contacts.channel``, ``contacts.direction`` or
    ``events.kind`` outside the allowed values; dates after ``as_of`` in transactions,
    contacts, surveys, signals and usage (a time of day on ``as_of`` is not after it);
    fewer than half of the transactions' customers found in ``customers`` (the message
    gives the count and ids of both tables).
Warnings (reported, the run goes on)
    ``customer_id`` values missing from ``customers`` (rows kept); exact duplicate rows
    (every column equal after normalisation, dates with their full timestamp as read, so
    ``10`` and ``10.0`` are the same amount but ``8:26`` and ``8:28`` the same day are two
    lines; dropped, keeping the first, recorded as an :class:`Exclusion`);
    missing manager replaced by ``"unassigned"``; optional table present but empty (treated
    as absent); events dated after ``as_of`` (planned events, kept); a date column of UTC
    instants (Spark ``TIMESTAMP``, Parquet timestamps adjusted to UTC) with times that are not
    midnight UTC (each counts on its UTC day).
Two CSV paths (same results)
    Fast: a UTF-8, ``,``-separated, uncompressed file with the default ``decimal`` is read by
    ``pyarrow.csv`` (no Python string per field); exact: ``pandas.read_csv``.  The fast path
    hands the table over to the exact path at the first parse error, wrong field count, blank
    or all-empty line, or any problem or note of the table (except the refunds count), so
    every message, line number, note and count is the exact path's.  CSV tables are read
    :data:`READ_THREADS` (2) at a time in threads; each is read exactly as it would be alone
    and the results are merged in the tables' order.
Refunds
    Negative amounts are kept (netted by the analyses) and counted in the table notes.
Exports without an amount
    A transactions table with ``quantity`` and ``unit_price`` but no ``amount`` gets
    ``amount = quantity * unit_price`` (noted with the row count); a missing or non-numeric
    factor is an error naming its column.
Lines without a customer id
    ``missing_customer_id: exclude`` leaves them out of every table (so of every customer
    analysis) before the other checks and duplicates, recorded as an :class:`Exclusion`
    with their count and, for transactions, net amount (``Dataset.describe``,
    ``data_quality``, ``to_metrics``).  The only other rows the loader drops are exact
    duplicates.
Ids written as decimals
    A ``customer_id`` column whose every value is a whole number written as a decimal
    (``17850.0``: pandas writes an integer column with gaps so) is read as whole numbers
    (``17850``), with a note; any other id is kept as written (``"007"`` stays ``"007"``).
Times of day
    Date columns keep the time of day as read until exact duplicates are judged; the
    tables handed to the analyses hold the day (midnight).
Decimal commas
    A ``;``-separated CSV whose numeric columns parse only after ``,`` → ``.`` is read with a
    decimal comma (noted); ``csv: {decimal: ","}`` in the config makes it explicit.  With a
    decimal comma, dots are removed only from values shaped like thousands groups
    (``1.234,50``).  Whitespace inside numbers (``1 234,50``) is removed.
"""

from __future__ import annotations

import bisect
import dataclasses
import gzip
import hashlib
import os
import re
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..caching.cache import (
    _hash_files,
    _sha256_file,
    dataset_key,
    read_entry,
    resolve_cache_dir,
    write_entry,
)
from ..config import ConfigError, Settings, load_settings
from .schema import REQUIRED_TABLES, TABLES, ColumnSpec, TableSpec, table_schema

__all__ = [
    "AS_OF_ENV",
    "Dataset",
    "DataValidationError",
    "Exclusion",
    "Problem",
    "load_dataset",
]

FILE_SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet")
MAX_EXAMPLES = 5
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y",
)
MONTH_FORMATS: tuple[str, ...] = ("%Y-%m", *DATE_FORMATS)
TRUE_WORDS = ("true", "1", "yes", "y", "t", "да", "так")
FALSE_WORDS = ("false", "0", "no", "n", "f", "нет", "ні")
UNASSIGNED = "unassigned"
#: Reason of the rows left out under ``missing_customer_id: exclude``.
NO_CUSTOMER_ID = "no customer id"
_DECIMAL_COMMA_HINT = 'csv: {sep: ";", decimal: ","}'
_THOUSANDS_DOTS = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d*)?$")
#: CSV files are read, normalised and checked this many records at a time, so that only one
#: chunk of raw text exists at once (``None``: whole file at once).  Results do not depend on it.
CSV_CHUNK_ROWS: int | None = 200_000
#: CSV tables read at a time (threads; see :func:`_load`).
READ_THREADS = 2
#: Block size of the fast CSV reader (``pyarrow.csv``), in bytes; it holds about 40 blocks
#: read ahead, so this bounds its memory (~40 MB).
FAST_CSV_BLOCK_BYTES = 1 << 20


# --------------------------------------------------------------------------- data classes


@dataclass
class Problem:
    """One problem found in the input (an error or a warning).

    Attributes
    ----------
    table, file, column
        Where: table name, file path (or ``"<DataFrame table>"``), column (``None`` for
        table-level problems).
    kind
        Machine-readable kind, e.g. ``missing_column``, ``unparseable_date``,
        ``not_numeric``, ``future_date``, ``unknown_customer``, ``duplicate_rows``.
    rows
        Number of rows concerned (0 for table-level problems).
    examples
        Up to five ``(row number, value)`` pairs, first rows first.
    severity
        ``"error"`` stops the run; ``"warning"`` is reported only.
    detail
        What is wrong, in words (completes :attr:`message`).
    location
        ``"line"`` (CSV line numbers) or ``"row"`` (positional rows).
    parts
        A table read from a folder of Parquet part files: ``(first row, part file name)``
        of each part, in reading order; the example rows (counted over the whole table)
        are shown as the part's name and the row within it.  Empty otherwise.
    """

    table: str
    file: str
    column: str | None
    kind: str
    rows: int
    examples: list[tuple[int, str]] = field(default_factory=list)
    severity: Literal["error", "warning"] = "error"
    detail: str = ""
    location: str = "line"
    parts: tuple[tuple[int, str], ...] = ()

    def _row(self, n: int) -> str:
        """Where example row ``n`` is, in words (``line 7``; ``part-00001.parquet row 3``)."""
        if not self.parts:
            return f"{self.location} {n}"
        start, name = self.parts[bisect.bisect_right([p[0] for p in self.parts], n) - 1]
        return f"{name} row {n - start}"

    @property
    def message(self) -> str:
        """One line naming the file, the column, the row count and the first rows."""
        where = self.file if self.column is None else f"{self.file}: column '{self.column}'"
        text = f"{where}: "
        if self.rows:
            noun = "row" if self.rows == 1 else "rows"
            text += f"{self.rows:,} {noun} {self.detail}"
        else:
            text += self.detail
        if self.examples:
            shown = ", ".join(f"{self._row(n)} '{v}'" for n, v in self.examples)
            text += f"; first: {shown}"
        return text

    def __str__(self) -> str:
        return f"{self.severity.upper()} {self.message}"


@dataclass
class Exclusion:
    """Rows the loader left out of a table, with the reason.

    Attributes
    ----------
    table, reason, rows
        Where, why (``"exact duplicate rows"``, ``"no customer id"``) and how many rows.
    amount
        Net amount of the rows left out (transactions without a customer id), else
        ``None``.
    """

    table: str
    reason: str
    rows: int
    amount: float | None = None


class DataValidationError(Exception):
    """The input breaks the data contract; ``.problems`` holds every problem found.

    ``str(error)`` lists every error, then every warning, one per line.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        warnings = [p for p in self.problems if p.severity != "error"]
        lines = [f"Data validation failed: {len(errors)} error(s)."]
        lines += [f"ERROR {p.message}" for p in errors]
        if warnings:
            lines.append(f"Warnings ({len(warnings)}):")
            lines += [f"WARNING {p.message}" for p in warnings]
        super().__init__("\n".join(lines))

    @property
    def errors(self) -> list[Problem]:
        """The problems with severity ``"error"``."""
        return [p for p in self.problems if p.severity == "error"]


@dataclass
class Dataset:
    """The validated, normalised input tables and the account of how they were read.

    Attributes
    ----------
    tables
        Only the tables present (non-empty), each with a fresh ``RangeIndex``: contract
        columns first (normalised dtypes, see :mod:`retention_lib.data.schema`), then the
        user's extra columns unchanged.  ``customers`` always has a ``manager`` column.
    sources
        Per table read, the file path or ``"<DataFrame>"``.
    sha256
        Per table read, the SHA-256 of the file (DataFrame: of
        ``pd.util.hash_pandas_object``).
    rows_read
        Per table read, data rows read (CSV blank lines are not rows).
    exclusions
        Rows dropped by the loader: exact duplicates, and rows without a customer id under
        ``missing_customer_id: exclude`` (with their net amount).
    warnings
        Problems that did not stop the run.
    as_of
        Report date (midnight).
    settings
        The settings used.
    notes
        Per table, short remarks (refunds, decimal comma, ...).
    """

    tables: dict[str, pd.DataFrame]
    sources: dict[str, str]
    sha256: dict[str, str]
    rows_read: dict[str, int]
    exclusions: list[Exclusion]
    warnings: list[Problem]
    as_of: pd.Timestamp
    settings: Settings
    notes: dict[str, list[str]] = field(default_factory=dict)

    # table accessors ------------------------------------------------------------------
    @property
    def transactions(self) -> pd.DataFrame:
        """Transactions (always present)."""
        return self.tables["transactions"]

    @property
    def customers(self) -> pd.DataFrame | None:
        """Customers, or ``None`` when not provided."""
        return self.tables.get("customers")

    @property
    def contacts(self) -> pd.DataFrame | None:
        """Contacts, or ``None`` when not provided."""
        return self.tables.get("contacts")

    @property
    def surveys(self) -> pd.DataFrame | None:
        """Exit surveys, or ``None`` when not provided."""
        return self.tables.get("surveys")

    @property
    def signals(self) -> pd.DataFrame | None:
        """Signals (complaints, competitor interest, ...), or ``None``."""
        return self.tables.get("signals")

    @property
    def events(self) -> pd.DataFrame | None:
        """Company events, or ``None`` when not provided."""
        return self.tables.get("events")

    @property
    def usage(self) -> pd.DataFrame | None:
        """Product usage per customer and month, or ``None`` when not provided."""
        return self.tables.get("usage")

    @property
    def data_end(self) -> pd.Timestamp:
        """The last day the data cover (midnight): ``settings.data_end`` when given, else the
        latest date present in transactions, contacts, surveys and signals and the first day
        of the latest usage period (events are left out: planned events may lie ahead).

        Reports measure up to ``min(end of the period, data_end)``
        (:func:`retention_lib.periods.report_as_of`).  Computed on first use and kept.
        """
        cached = self.__dict__.get("_data_end")
        if cached is not None and cached[0] is self.settings.data_end:
            return cached[1]
        if self.settings.data_end is not None:
            end = pd.Timestamp(self.settings.data_end)
        else:
            end = _last_date(self.tables)
        self.__dict__["_data_end"] = (self.settings.data_end, end)
        return end

    def has(self, name: str) -> bool:
        """Whether table ``name`` is present (and non-empty)."""
        return name in self.tables

    def missing_tables(self) -> list[str]:
        """Contract tables not provided (in contract order)."""
        return [t for t in TABLES if t not in self.tables]

    def rows_excluded(self, table: str) -> int:
        """Rows of ``table`` the loader dropped."""
        return sum(e.rows for e in self.exclusions if e.table == table)

    def data_quality(self) -> pd.DataFrame:
        """One row per contract table: how many rows were read, excluded and used.

        Returns
        -------
        pandas.DataFrame
            RangeIndex; columns ``table`` (str), ``source`` (str, ``""`` when absent),
            ``rows_read``, ``rows_excluded``, ``rows_used`` (int64), ``notes`` (str:
            exclusion reasons, warnings and remarks, ``"; "``-separated; ``"not provided"``
            for absent tables).
        """
        records = []
        for table in TABLES:
            notes = [_exclusion_text(e) for e in self.exclusions if e.table == table]
            notes += self.notes.get(table, [])
            notes += [p.message for p in self.warnings
                      if p.table == table and p.kind != "duplicate_rows"]
            if table not in self.tables and not notes:
                notes = ["not provided"]
            used = len(self.tables[table]) if table in self.tables else 0
            records.append({
                "table": table,
                "source": self.sources.get(table, ""),
                "rows_read": int(self.rows_read.get(table, 0)),
                "rows_excluded": int(self.rows_excluded(table)),
                "rows_used": int(used),
                "notes": "; ".join(notes),
            })
        out = pd.DataFrame.from_records(records)
        return out.astype({"rows_read": "int64", "rows_excluded": "int64", "rows_used": "int64"})

    def describe(self) -> str:
        """The text ``retention validate`` prints: row counts, notes, warnings, "OK" line."""
        lines = [f"Data as of {self.as_of.date().isoformat()}"]
        given = "given in the settings" if self.settings.data_end is not None else (
            "the latest date in the data")
        lines.append(f"Data end {self.data_end.date().isoformat()} ({given})")
        lines.append(f"{'table':<13}{'read':>12}{'excluded':>10}{'used':>12}  source")
        for table in TABLES:
            if table not in self.sources:
                lines.append(f"{table:<13}{'-':>12}{'-':>10}{'-':>12}  not provided")
                continue
            used = len(self.tables[table]) if table in self.tables else 0
            lines.append(
                f"{table:<13}{self.rows_read.get(table, 0):>12,}"
                f"{self.rows_excluded(table):>10,}{used:>12,}  {self.sources[table]}"
            )
        for table, notes in self.notes.items():
            for note in notes:
                lines.append(f"note: {table}: {note}")
        for e in self.exclusions:
            if e.reason == NO_CUSTOMER_ID:  # (duplicates are listed with the warnings)
                lines.append(f"excluded: {e.table}: {_exclusion_text(e)} "
                             "(missing_customer_id: exclude)")
        missing = self.missing_tables()
        if missing:
            lines.append(
                "missing tables (the sections that need them are left out): " + ", ".join(missing)
            )
        lines.append(f"Warnings: {len(self.warnings)}")
        lines += [f"WARNING {p.message}" for p in self.warnings]
        lines.append("OK: no errors")
        return "\n".join(lines)

    def to_metrics(self, *, as_of: Any = None) -> dict[str, Any]:
        """JSON-serialisable account of the input (for ``metrics.json``).

        Parameters
        ----------
        as_of
            The report date (the day the report measures up to); default: the date the
            data were checked against (``self.as_of``, the run date).

        Returns
        -------
        dict
            ``as_of`` (ISO date: the report date), ``data_end`` (ISO date,
            :attr:`data_end`), ``checked_on`` (the run date), ``tables`` ({table: {source,
            sha256, rows_read, rows_excluded, rows_used}}), ``missing_tables``,
            ``exclusions`` (list of {table, reason, rows}, plus ``amount``, the net amount,
            for transactions left out without a customer id), ``warnings`` (list of message
            strings), ``notes``.
        """
        tables = {}
        for table in self.sources:
            tables[table] = {
                "source": self.sources[table],
                "sha256": self.sha256.get(table, ""),
                "rows_read": int(self.rows_read.get(table, 0)),
                "rows_excluded": int(self.rows_excluded(table)),
                "rows_used": int(len(self.tables[table])) if table in self.tables else 0,
            }
        report_date = self.as_of if as_of is None else pd.Timestamp(as_of)
        return {
            "as_of": report_date.date().isoformat(),
            "data_end": self.data_end.date().isoformat(),
            "checked_on": self.as_of.date().isoformat(),
            "tables": tables,
            "missing_tables": self.missing_tables(),
            "exclusions": [
                {"table": e.table, "reason": e.reason, "rows": int(e.rows)}
                | ({} if e.amount is None else {"amount": round(float(e.amount), 2)})
                for e in self.exclusions
            ],
            "warnings": [p.message for p in self.warnings],
            "notes": {t: list(n) for t, n in self.notes.items()},
        }


def _exclusion_text(e: Exclusion) -> str:
    """``5 rows dropped: no customer id (net amount 1,234.50)``."""
    text = f"{e.rows:,} {'row' if e.rows == 1 else 'rows'} dropped: {e.reason}"
    if e.amount is not None:
        text += f" (net amount {e.amount:,.2f})"
    return text


#: The dated tables whose last date is the data end, with their date column.
_DATED_COLUMNS = {
    "transactions": "date", "contacts": "date", "surveys": "date", "signals": "date",
    "usage": "period",
}


def _last_date(tables: Mapping[str, pd.DataFrame]) -> pd.Timestamp:
    """The latest date of the dated tables (see :attr:`Dataset.data_end`)."""
    ends = []
    for table, column in _DATED_COLUMNS.items():
        frame = tables.get(table)
        if frame is None or column not in frame.columns or frame.empty:
            continue
        last = pd.to_datetime(frame[column]).max()
        if pd.notna(last):
            ends.append(pd.Timestamp(last).normalize())
    if not ends:
        raise ValueError("the data hold no dates: no data end; give data_end in the config")
    return max(ends)


# --------------------------------------------------------------------------- reading


@dataclass
class _Raw:
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


def _sha256_frame(frame: pd.DataFrame) -> str:
    try:
        hashed = pd.util.hash_pandas_object(frame, index=True).to_numpy()
        payload = hashed.tobytes() + "\x1f".join(map(str, frame.columns)).encode()
    except (TypeError, ValueError):
        payload = frame.to_csv().encode()
    return hashlib.sha256(payload).hexdigest()


def _encoding(settings: Settings) -> str:
    enc = settings.csv.encoding
    if enc.lower().replace("-", "").replace("_", "") == "utf8":
        return "utf-8-sig"  # reads UTF-8 with or without BOM
    return enc


def _sniff_sep(header: str) -> str:
    """The most frequent of , ; TAB | in the header line (',' when none occurs)."""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def _read_csv(path: Path, table: str, settings: Settings,
              problems: list[Problem]) -> _Raw | _CsvSource | None:
    """Read the header line: the separator, the hash and a source to read in chunks."""
    enc = _encoding(settings)
    file = str(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding=enc, newline="") as fh:
            header = fh.readline()
    except (UnicodeDecodeError, LookupError, OSError) as exc:
        problems.append(Problem(
            table, file, None, "read_error", 0,
            detail=f"cannot be read with encoding {settings.csv.encoding!r} ({exc}); set the "
            "file's encoding in the config, e.g. csv: {encoding: cp1251}",
        ))
        return None
    sep = settings.csv.sep or _sniff_sep(header)
    if not header.strip():  # empty file
        return _Raw(table, pd.DataFrame(), file, file, _sha256_file(path), "line", 2, sep=sep)
    return _CsvSource(table, path, sep, enc, _sha256_file(path))


@dataclass
class _ParquetSource:
    """A Parquet table found in the folder; :func:`_read_parquet` reads it (in the loader's
    threads, two tables at a time)."""

    table: str
    path: Path


def _read_parquet(src: _ParquetSource) -> _Raw | Problem:
    path, table = src.path, src.table
    if path.is_dir():
        return _read_parquet_parts(src)
    frame = _parquet_frame(path, table)
    if isinstance(frame, Problem):
        return frame
    return _Raw(table, frame, str(path), str(path), _sha256_file(path), "row", 0)


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
    zone of the session that wrote it; tz-aware, :func:`_utc_day_problems` can say so.
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


def _utc_day_problems(raw: _Raw, spec: TableSpec) -> list[Problem]:
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
            out.append(_problem(
                raw, col.name, "utc_timestamp", off, values,
                "holding UTC times that are not midnight UTC (a Spark TIMESTAMP or a Parquet "
                "timestamp adjusted to UTC): each counts on its UTC day, the day before for "
                "a local midnight east of Greenwich; write the column as a DATE (Spark: "
                "F.to_date(...)) or as local time (TIMESTAMP_NTZ)",
                severity="warning",
            ))
    return out


def _parquet_parts(folder: Path) -> tuple[list[Path], list[Path]]:
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


def _read_parquet_parts(src: _ParquetSource) -> _Raw | Problem:
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
    parts, subfolders = _parquet_parts(folder)
    if subfolders:
        return Problem(
            table, str(folder), None, "read_error", 0,
            detail=f"is partitioned into sub-folders ({', '.join(p.name for p in subfolders[:3])}"
            f"{', ...' if len(subfolders) > 3 else ''}): write the table without "
            "partitionBy, as part files directly in the folder",
        )
    if not parts:
        return _Raw(table, pd.DataFrame(), str(folder), str(folder), _parts_sha256(parts),
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
    return _Raw(table, frame, str(folder), str(folder), _parts_sha256(parts), "row", 0,
                parts=tuple(starts))


def _parts_sha256(parts: list[Path]) -> str:
    """One SHA-256 of a Parquet table folder: over each part's name and SHA-256."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(f"{part.name}\x1f{_sha256_file(part)}\n".encode())
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


def _read_folder(folder: Path, settings: Settings,
                 problems: list[Problem]) -> list[_Raw | _CsvSource | _ParquetSource]:
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
    _hash_files(_table_files(folder))  # all at once, two at a time; each read below reuses
    raws: list[_Raw | _CsvSource | _ParquetSource] = []
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
            _ParquetSource(table, path)
            if path.name.endswith(".parquet")
            else _read_csv(path, table, settings, problems)
        )
        if raw is not None:
            raws.append(raw)
    return raws


def _read_frames(frames: Mapping[str, Any], problems: list[Problem]) -> list[_Raw]:
    raws: list[_Raw] = []
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
        raws.append(_Raw(table, out, f"<DataFrame {table}>", "<DataFrame>", sha, "row", 0))
    for table in REQUIRED_TABLES:
        if table not in frames:
            problems.append(Problem(
                table, f"<DataFrame {table}>", None, "missing_file", 0,
                detail=f"required table '{table}' is missing from the mapping "
                f"(keys given: {sorted(map(str, frames))})",
            ))
    return raws


# --------------------------------------------------------------------------- normalising


def _examples(raw: _Raw, mask: pd.Series, values: pd.Series) -> list[tuple[int, str]]:
    idx = mask[mask].index[:MAX_EXAMPLES]
    return [(int(i) + raw.offset, _show(values.loc[i])) for i in idx]


def _show(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _problem(raw: _Raw, column: str | None, kind: str, mask: pd.Series, values: pd.Series,
             detail: str, severity: Literal["error", "warning"] = "error") -> Problem:
    return Problem(
        raw.table, raw.file, column, kind, int(mask.sum()), _examples(raw, mask, values),
        severity=severity, detail=detail, location=raw.location, parts=raw.parts,
    )


def _as_text(s: pd.Series) -> pd.Series:
    """Strings stripped of surrounding whitespace; empty → missing."""
    out = s.astype(str).str.strip()
    return out.where(out != "")


def _to_id(s: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(s):
        whole = s.dropna()
        if (whole == np.floor(whole)).all():
            s = s.astype("Int64")
    return _as_text(s)


def _parse_datetime(s: pd.Series, formats: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    """(parsed datetime64[ns], mask of non-missing values that did not parse)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
        if out.dtype == "datetime64[ns]":
            return out, pd.Series(False, index=s.index)
        # a coarser unit (Parquet dates, datetime64[s]) can hold dates nanoseconds cannot:
        # those are unparseable, as the same dates given as text or date objects are
        if out.min() >= pd.Timestamp.min and out.max() <= pd.Timestamp.max:  # NaT: skipped
            return out.astype("datetime64[ns]"), pd.Series(False, index=s.index)
        bad = out.notna() & ((out < pd.Timestamp.min) | (out > pd.Timestamp.max))
        return out.where(~bad).astype("datetime64[ns]"), bad
    is_text = pd.api.types.is_string_dtype(s) or (
        s.dtype == object and s.dropna().map(type).eq(str).all()
    )
    if not is_text:
        out = pd.to_datetime(s, errors="coerce")
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
        out = out.astype("datetime64[ns]")
        return out, s.notna() & out.isna()
    text = _as_text(s)
    if len(text) > 1:  # parse each distinct value once (dates repeat a lot)
        codes, uniques = pd.factorize(text)
        parsed, bad = _parse_text_dates(pd.Series(uniques, dtype=text.dtype), formats)
        out = _take(parsed.to_numpy(), codes, np.datetime64("NaT", "ns"))
        todo = _take(bad.to_numpy(), codes, False)
        return (pd.Series(out, index=s.index, dtype="datetime64[ns]"),
                pd.Series(todo, index=s.index, dtype=bool))
    return _parse_text_dates(text, formats)


def _take(values: np.ndarray, codes: np.ndarray, missing: Any) -> np.ndarray:
    """``values[codes]`` with ``missing`` where ``codes == -1``."""
    out = values[np.maximum(codes, 0)] if len(values) else np.full(len(codes), missing)
    if len(values):
        out[codes < 0] = missing
    return out


def _parse_text_dates(text: pd.Series, formats: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    """The format loop of :func:`_parse_datetime` on stripped text (missing: ``NaN``)."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    todo = text.notna()
    for fmt in formats:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        out.loc[ok[ok].index] = parsed[ok].astype("datetime64[ns]")
        todo.loc[ok[ok].index] = False
    return out, todo


def _date_formats(kind: str, date_format: str | None) -> tuple[str, ...]:
    """The formats text dates of a ``date`` / ``month`` column are parsed with: the
    configured ``csv.date_format`` alone (a month column also takes ``YYYY-MM``), else ISO
    and ``DD.MM.YYYY``."""
    if date_format:
        return ("%Y-%m", date_format) if kind == "month" else (date_format,)
    return MONTH_FORMATS if kind == "month" else DATE_FORMATS


def _date_column(s: pd.Series, kind: str,
                 date_format: str | None = None) -> tuple[pd.Series, pd.Series]:
    """(datetime64[ns], mask of unparseable values): a ``date`` column keeps the time of
    day as read (cut off by :func:`_to_days` once exact duplicates are judged); a ``month``
    column is the first of the month."""
    out, bad = _parse_datetime(s, _date_formats(kind, date_format))
    if kind == "date":
        return out.astype("datetime64[ns]"), bad
    codes, uniques = pd.factorize(out)  # each distinct month once
    first = pd.Series(uniques, dtype="datetime64[ns]").dt.to_period("M").dt.to_timestamp()
    values = _take(first.to_numpy(dtype="datetime64[ns]"), codes, np.datetime64("NaT", "ns"))
    return pd.Series(values, index=s.index, dtype="datetime64[ns]"), bad


def _to_days(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """``frame`` with the time of day of its ``date`` columns cut off (in place; vectorised:
    0.4 s at 37M rows, factorising first took 2.2 s)."""
    for col in spec.columns:
        if col.kind == "date" and col.name in frame:
            frame[col.name] = frame[col.name].dt.normalize().astype("datetime64[ns]")
    return frame


def _day_end(as_of: pd.Timestamp) -> pd.Timestamp:
    """The first instant after the report date: a date with a time of day is after
    ``as_of`` only from the next midnight on."""
    return as_of + pd.Timedelta(days=1)


_SLASH_DATE = re.compile(
    r"^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})(?:[ T](\d{1,2}:\d{2}(:\d{2})?))?$"
)


def _date_problem(raw: _Raw, column: str, kind: str, bad: pd.Series, values: pd.Series,
                  date_format: str | None, plain: bool = False) -> Problem:
    """The error of the unparseable values of a date column: with ``csv.date_format`` set,
    values not matching it; without it, day/month dates (``03/04/2010``) are named as such,
    with the option to set (the order is never guessed), other values as unparseable."""
    if date_format:
        return _problem(raw, column, "unparseable_date", bad, values,
                        f"with a date not matching csv: {{date_format: {date_format!r}}}")
    text = _as_text(values[bad]).dropna()
    parts = text.drop_duplicates().head(100_000).str.extract(_SLASH_DATE)
    if not plain and len(text) and parts[0].notna().all():
        sep = "/" if text.iloc[0].find("/") > 0 else "-"
        year = "%Y" if parts[2].str.len().eq(4).all() else "%y"
        clock = ""
        if parts[3].notna().any():
            clock = " %H:%M:%S" if parts[4].notna().any() else " %H:%M"
        us = f"%m{sep}%d{sep}{year}{clock}"
        eu = f"%d{sep}%m{sep}{year}{clock}"
        distinct = text.drop_duplicates()
        as_us = pd.to_datetime(distinct, format=us, errors="coerce").notna()
        as_eu = pd.to_datetime(distinct, format=eu, errors="coerce").notna()
        if not (as_us | as_eu).all():  # some are no date in either order (31/02/2026)
            return _date_problem(raw, column, kind, bad, values, None, plain=True)
        if as_eu.all() and not as_us.all():
            what = "written day/month/year (some cannot be month first)"
            hint = f'csv: {{date_format: "{eu}"}}'
        elif as_us.all() and not as_eu.all():
            what = "written month/day/year (some cannot be day first)"
            hint = f'csv: {{date_format: "{us}"}}'
        else:
            both = distinct[(as_us & as_eu).to_numpy()]
            example = str(both.iloc[0]) if len(both) else "03/04/2010"
            day_first = pd.to_datetime(example, format=eu)
            month_first = pd.to_datetime(example, format=us)
            what = (f"that could be read day first or month first ('{example}': "
                    f"{day_first.day} {day_first:%B} {day_first.year} or "
                    f"{month_first.day} {month_first:%B} {month_first.year})")
            hint = (f'csv: {{date_format: "{us}"}} (month first) or csv: {{date_format: '
                    f'"{eu}"}} (day first)')
        return _problem(
            raw, column, "ambiguous_date", bad, values,
            f"with a date {what}; the order of day and month is never guessed: set the "
            f"format in the config, {hint}",
        )
    expected = "YYYY-MM, " if kind == "month" else ""
    return _problem(
        raw, column, "unparseable_date", bad, values,
        f"with an unparseable date (expected {expected}YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or "
        "DD.MM.YYYY, or the file's own format set in the config: csv: {date_format: "
        "'%m/%d/%Y %H:%M'})",
    )


def _parse_number(s: pd.Series, *, decimal_comma: bool) -> tuple[pd.Series, pd.Series]:
    """(float64, mask of non-missing values that are not finite numbers)."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        out = s.astype("float64")
        return out, s.notna() & ~np.isfinite(out.fillna(0.0))
    text = _as_text(s)
    if not decimal_comma:
        try:  # fast path: plain numbers
            out = _arrow_float(text)
            if out is None:
                out = text.astype("float64")
        except (ValueError, TypeError):
            out = pd.to_numeric(text, errors="coerce").astype("float64")
        retry = text.notna() & ~np.isfinite(out.fillna(np.inf))
        if not retry.any():
            return out, retry
        out = out.copy()
        out.loc[retry] = _clean_number(text[retry], decimal_comma=False)
    else:
        out = _clean_number(text, decimal_comma=True)
    bad = text.notna() & ~np.isfinite(out.fillna(np.inf))
    return out.where(~bad), bad


def _arrow_float(text: pd.Series) -> pd.Series | None:
    """``text.astype("float64")`` by pyarrow's cast for pyarrow strings (``None`` when the
    cast refuses a value: the caller then uses pandas' conversion)."""
    if not isinstance(text.array, pd.arrays.ArrowStringArray):
        return None
    import pyarrow as pa

    try:
        values = pa.array(text.array).cast(pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pd.Series(values.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")


def _clean_number(text: pd.Series, *, decimal_comma: bool) -> pd.Series:
    """Numbers from text with inner spaces (thousands) and, optionally, decimal commas."""
    text = text.str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    if decimal_comma:
        thousands = text.str.match(_THOUSANDS_DOTS).fillna(False).astype(bool)
        text = text.where(~thousands, text.str.replace(".", "", regex=False))
        text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def _parse_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean"), pd.Series(False, index=s.index)
    codes, uniques = pd.factorize(s)  # each distinct answer once
    text = _as_text(pd.Series(uniques, dtype=s.dtype)).str.lower()
    text = text.str.replace(r"\.0$", "", regex=True)  # 1.0 / 0.0 from numeric input
    mapping = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
    out = text.map(mapping)
    bad = (text.notna() & out.isna()).to_numpy()
    answer = out.astype("boolean").array.take(codes, allow_fill=True)
    return (pd.Series(answer, index=s.index, dtype="boolean"),
            pd.Series(_take(bad, codes, False), index=s.index, dtype=bool))


def _normalise(raw: _Raw, spec: TableSpec, settings: Settings,
               problems: list[Problem], notes: list[str]) -> tuple[pd.DataFrame, dict]:
    """Normalise contract columns; return the frame and {column: mask of parse failures}."""
    frame = raw.frame.copy()
    failed: dict[str, pd.Series] = {}
    for col in spec.columns:
        if col.name not in frame:
            continue
        s = raw.frame[col.name]
        if col.kind == "id":
            frame[col.name] = _to_id(s)
            present = s.dropna() if pd.api.types.is_float_dtype(s) else s.iloc[:0]
            if len(present) and bool((present == np.floor(present)).all()):
                first = float(present.iloc[0])
                notes.append(_float_ids_note(col.name, repr(first), str(int(first))))
        elif col.kind in ("date", "month"):
            out, bad = _date_column(s, col.kind, settings.csv.date_format)
            frame[col.name] = out
            if bad.any():
                failed[col.name] = bad
                problems.append(_date_problem(raw, col.name, col.kind, bad, s,
                                              settings.csv.date_format))
        elif col.kind == "number":
            frame[col.name] = _number_column(raw, col, s, settings, problems, notes, failed)
        elif col.kind == "bool":
            out, bad = _parse_bool(s)
            frame[col.name] = out
            if bad.any():
                failed[col.name] = bad
                problems.append(_problem(
                    raw, col.name, "invalid_boolean", bad, s,
                    "with a value that is not a yes/no answer (allowed: "
                    f"{', '.join(TRUE_WORDS)} / {', '.join(FALSE_WORDS)}, or empty)",
                ))
        elif col.kind == "category":
            frame[col.name] = _as_text(s).str.lower()
        else:
            frame[col.name] = _as_text(s)
    if _derives_amount(raw.table, raw.frame.columns):
        _amount_from_price(raw, frame, problems, failed)
    return frame, failed


def _derives_amount(table: str, columns: Any) -> bool:
    """Whether ``amount`` is computed: a transactions table with ``quantity`` and
    ``unit_price`` and no ``amount``."""
    return (table == "transactions" and "amount" not in columns
            and "quantity" in columns and "unit_price" in columns)


def _amount_from_price(raw: _Raw, frame: pd.DataFrame, problems: list[Problem],
                       failed: dict[str, pd.Series]) -> None:
    """``frame["amount"] = quantity * unit_price`` (in place); a missing quantity or unit
    price is an error naming its column (a non-numeric one was reported when parsed)."""
    q, price = frame["quantity"], frame["unit_price"]
    for name, values in (("quantity", q), ("unit_price", price)):
        gap = values.isna()
        if name in failed:
            gap &= ~failed[name]
        if gap.any():
            problems.append(_problem(
                raw, name, "missing_value", gap, raw.frame[name],
                "with a missing value (amount is computed as quantity × unit_price)",
            ))
    frame["amount"] = (q * price).astype("float64")
    failed["amount"] = q.isna() | price.isna()


def _amount_note(rows: int) -> str:
    """The transactions note on amounts computed from quantity and unit price."""
    return (f"amount computed as quantity × unit_price for {rows:,} rows "
            "(no amount column)")


_FLOAT_ID = re.compile(r"^-?\d+\.0+$")


def _float_ids_note(column: str, example: str, whole: str) -> str:
    """The note on ids written as decimals (``17850.0``) read as whole numbers."""
    return (f"column '{column}' holds whole numbers written as decimals (e.g. '{example}'): "
            f"read as whole numbers ('{whole}')")


def _whole_number_ids(frame: pd.DataFrame, spec: TableSpec, notes: list[str]) -> pd.DataFrame:
    """``frame`` with each id column whose every value is a whole number written as a
    decimal (``17850.0``, as pandas writes an integer column with gaps) read as the whole
    number (``17850``), with a note; any other id column is left as read."""
    for col in spec.columns:
        if col.kind != "id" or col.name not in frame:
            continue
        s = frame[col.name]
        present = s.dropna()
        if present.empty or not str(present.iloc[0]).endswith(".0"):
            continue  # the usual case, decided on one value
        uniques = pd.Series(pd.unique(present), dtype=s.dtype)
        if not uniques.str.fullmatch(_FLOAT_ID).all():
            continue
        frame[col.name] = s.str.replace(r"\.0+$", "", regex=True)
        notes.append(_float_ids_note(col.name, str(uniques.iloc[0]),
                                     str(uniques.iloc[0]).split(".")[0]))
    return frame


def _number_column(raw: _Raw, col: ColumnSpec, s: pd.Series, settings: Settings,
                   problems: list[Problem], notes: list[str],
                   failed: dict[str, pd.Series]) -> pd.Series:
    comma = settings.csv.decimal == ","
    out, bad = _parse_number(s, decimal_comma=comma)
    if bad.any() and not comma and raw.sep == ";":
        alt, alt_bad = _parse_number(s, decimal_comma=True)
        if not alt_bad.any():
            notes.append(
                f"column '{col.name}' read with a decimal comma (';'-separated file); "
                f"set {_DECIMAL_COMMA_HINT} in the config to make this explicit"
            )
            return alt
    if bad.any():
        failed[col.name] = bad
        detail = "with a non-numeric value"
        if _as_text(s)[bad].str.contains(",", regex=False).any() and not comma:
            detail += (
                f"; if the file uses decimal commas (12,50), set in the config: "
                f"{_DECIMAL_COMMA_HINT}"
            )
        problems.append(_problem(raw, col.name, "not_numeric", bad, s, detail))
    return out


# --------------------------------------------------------------------------- validating


def _rename(raw: _Raw, spec: TableSpec, settings: Settings, problems: list[Problem]) -> bool:
    """Apply settings.columns and case-insensitive contract names; False on a clash."""
    mapping = dict(settings.columns.get(raw.table, {}))
    frame = raw.frame.rename(columns=mapping)
    contract = {c.name.lower(): c.name for c in spec.columns}
    rename = {}
    for c in frame.columns:
        target = contract.get(c.lower())
        if target and target != c and target not in frame.columns:
            rename[c] = target
    frame = frame.rename(columns=rename)
    dup = frame.columns[frame.columns.duplicated()].unique().tolist()
    if dup:
        problems.append(Problem(
            raw.table, raw.file, None, "duplicate_column", 0,
            detail=f"column name(s) {dup} occur more than once after mapping "
            f"{mapping or '(no mapping)'}; columns found: {list(raw.frame.columns)}",
        ))
        return False
    raw.frame = frame
    return True


def _check_missing_columns(raw: _Raw, spec: TableSpec, settings: Settings,
                           problems: list[Problem], n_rows: int | None = None) -> set[str]:
    missing = [c for c in spec.required if c not in raw.frame.columns]
    if _derives_amount(raw.table, raw.frame.columns):
        missing.remove("amount")
    n_rows = len(raw.frame) if n_rows is None else n_rows
    for col in missing:
        mapping = settings.columns.get(raw.table)
        alternative = (
            " (or the columns quantity and unit_price, from which amount is computed)"
            if raw.table == "transactions" and col == "amount" else ""
        )
        problems.append(Problem(
            raw.table, raw.file, col, "missing_column", 0,
            detail=f"required column '{col}'{alternative} is missing ({n_rows:,} data rows); "
            f"columns found: {list(raw.frame.columns)}"
            + (f" (after mapping {dict(mapping)})" if mapping else "")
            + f". Rename it or map it in the config: columns: {{{raw.table}: "
            f"{{<your column>: {col}}}}}",
        ))
    return set(missing)


_CHECK_KINDS = {
    "not_nullable": ("missing_value", "with a missing value in a required column"),
    "isin": ("not_allowed", "with a value outside the allowed list"),
    "less_than_or_equal_to": ("future_date", "dated after the report date"),
}


#: pandera is imported and registers its backends on first use; two loader threads doing
#: that at once can fail with an import ``_DeadlockError`` (seen loading a Parquet folder),
#: so its validations take turns (a few seconds of a 21M-row load).
_PANDERA_LOCK = threading.Lock()


def _pandera_problems(raw: _Raw, spec: TableSpec, frame: pd.DataFrame, as_of: pd.Timestamp,
                      failed: dict[str, pd.Series], missing: set[str]) -> list[Problem]:
    with _PANDERA_LOCK:
        from pandera.errors import SchemaErrors  # imported when validating, not on a cache hit

        # dates keep their time of day here: after as_of only from the next midnight on
        schema = table_schema(raw.table, as_of=_day_end(as_of) - pd.Timedelta(1, "ns"))
        try:
            schema.validate(frame, lazy=True)
        except SchemaErrors as exc:
            cases = exc.failure_cases
        else:
            return []
    out: list[Problem] = []
    for (column, check), group in cases.groupby(["column", "check"], sort=False, dropna=False):
        if column in missing or str(check) == "column_in_dataframe":
            continue  # already reported with the columns found
        name = str(check).split("(")[0]
        kind, detail = _CHECK_KINDS.get(name, ("invalid", f"failing the check {check}"))
        index = pd.to_numeric(group["index"], errors="coerce").dropna().astype(int)
        if index.empty:  # a dtype failure: not expected after normalisation
            cases_seen = group["failure_case"].tolist()
            out.append(Problem(raw.table, raw.file, str(column), "dtype", 0,
                               detail=f"has a dtype failing {check}: {cases_seen}",
                               location=raw.location))
            continue
        mask = pd.Series(False, index=frame.index)
        mask.loc[index.unique()] = True
        if kind == "missing_value" and column in failed:
            mask &= ~failed[column]  # already reported as unparseable
            if not mask.any():
                continue
        col_spec = spec.column(str(column))
        if kind == "not_allowed" and col_spec is not None and col_spec.allowed:
            counts = frame.loc[mask, column].value_counts().head(MAX_EXAMPLES)
            found = ", ".join(f"'{v}' ({n})" for v, n in counts.items())
            detail = (f"with a value outside the allowed list {list(col_spec.allowed)}; "
                      f"values found: {found}")
        if kind == "future_date":
            detail = f"dated after the report date {as_of.date().isoformat()}"
        shown = raw.frame[column] if column in raw.frame and kind != "future_date" else frame[
            column]
        out.append(_problem(raw, str(column), kind, mask, shown, detail))
    return out


#: Environment variable holding the default report date of :func:`load_dataset`
#: (``YYYY-MM-DD``).  The report runner sets it for its notebook kernels to the date it
#: loaded the data with: kernels that start after midnight keep the run's report date (and
#: read the runner's cached tables and pages instead of loading everything again).
AS_OF_ENV = "RETENTION_AS_OF"


def _parse_as_of(as_of: Any) -> pd.Timestamp:
    if as_of is None:
        as_of = os.environ.get(AS_OF_ENV) or date.today()
    try:
        ts = pd.Timestamp(as_of)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"as_of {as_of!r} is not a date (expected YYYY-MM-DD): {exc}") from None
    if ts is pd.NaT:
        raise ConfigError(f"as_of {as_of!r} is not a date (expected YYYY-MM-DD)")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _isin(s: pd.Series, values: pd.Index) -> pd.Series:
    """``s.isin(values)``, with pyarrow's hash lookup for pyarrow-backed strings."""
    if isinstance(s.array, pd.arrays.ArrowStringArray) and isinstance(
        values.array, pd.arrays.ArrowStringArray
    ):
        import pyarrow as pa
        import pyarrow.compute as pc

        found = pc.is_in(pa.array(s.array), value_set=pa.array(values.array))
        return pd.Series(pc.fill_null(found, False).to_numpy(zero_copy_only=False),
                         index=s.index, dtype=bool)
    return s.isin(values)


def _id_mismatch(tables: dict[str, pd.DataFrame], by_table: dict[str, _Raw]) -> Problem | None:
    """The error when fewer than half of the transactions' customers are in ``customers``
    (the two tables do not use the same ids: ``17850.0`` against ``17850``, a customer
    number against a CRM key, a wrong column mapped), with examples from both tables."""
    frame, customers = tables.get("transactions"), tables.get("customers")
    if frame is None or customers is None or "customer_id" not in frame:
        return None
    ids = pd.Index(frame["customer_id"].dropna().unique())
    known = pd.Index(customers["customer_id"].dropna().unique())
    if ids.empty:
        return None
    found = _isin(pd.Series(ids.to_numpy()), known).to_numpy()
    matched = int(found.sum())
    if 2 * matched >= len(ids):
        return None
    unmatched = ", ".join(f"'{v}'" for v in ids[~found][:MAX_EXAMPLES])
    theirs = ", ".join(f"'{v}'" for v in known[:MAX_EXAMPLES])
    raw, other = by_table["transactions"], by_table["customers"]
    return Problem(
        "transactions", raw.file, "customer_id", "customer_mismatch", 0,
        location=raw.location,
        detail=f"only {matched:,} of the {len(ids):,} customers of transactions "
        f"({matched / len(ids):.1%}) are found in customers ({other.file}): the two tables "
        f"do not seem to use the same ids (at least half must match). Ids in transactions "
        f"not in customers: {unmatched}; ids in customers: {theirs}. Check the columns "
        "mapped to customer_id in the config (columns:) and how the ids are written",
    )


def _row_text(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    text = frame[columns].astype(str).fillna("").astype(object)
    return text.agg(", ".join, axis=1)


# --------------------------------------------------------------------------- CSV in chunks


@dataclass
class _CsvSource:
    """A CSV table whose header was read; the records are read in :func:`_csv_table`."""

    table: str
    path: Path
    sep: str
    encoding: str
    sha256: str


class _HashCollision(Exception):
    """Two different rows had the same 64-bit hash: redo the table with exact comparison."""


def _merge(found: dict[tuple, Problem], key: tuple, problem: Problem) -> None:
    """Add a chunk's problem to the table's problem of the same key (rows and examples)."""
    old = found.get(key)
    if old is None:
        found[key] = problem
        return
    old.rows += problem.rows
    old.examples = (old.examples + problem.examples)[:MAX_EXAMPLES]
    if len(problem.detail) > len(old.detail):  # a later chunk added the decimal-comma hint
        old.detail = problem.detail


def _chunk_checks(raw: _Raw, spec: TableSpec, frame: pd.DataFrame, as_of: pd.Timestamp,
                  failed: dict[str, pd.Series], found: dict[tuple, Problem],
                  not_allowed: dict[str, list[pd.Series]]) -> None:
    """What :func:`table_schema` checks (missing values in required columns, allowed values,
    dates after ``as_of``) on one normalised chunk, in the schema's order; the dtypes are the
    normaliser's by construction."""
    for pos, col in enumerate(spec.columns):
        if col.name not in frame:
            continue
        s = frame[col.name]
        shown = raw.frame[col.name] if col.name in raw.frame else s  # amount: computed
        if col.required:
            mask = s.isna()
            if col.name in failed:
                mask &= ~failed[col.name]
            if mask.any():
                kind, detail = _CHECK_KINDS["not_nullable"]
                _merge(found, (2, pos, 0), _problem(raw, col.name, kind, mask, shown, detail))
        if col.allowed is not None:
            mask = s.notna() & ~s.isin(list(col.allowed))
            if mask.any():
                kind, detail = _CHECK_KINDS["isin"]
                _merge(found, (2, pos, 1), _problem(raw, col.name, kind, mask, shown, detail))
                not_allowed.setdefault(col.name, []).append(s[mask])
        if spec.future_dates == "error" and col.name == spec.date_column:
            mask = s.notna() & (s >= _day_end(as_of))  # s keeps its time of day
            if mask.any():
                detail = f"dated after the report date {as_of.date().isoformat()}"
                _merge(found, (2, pos, 2), _problem(raw, col.name, "future_date", mask, s, detail))


def _row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """One uint64 per row; rows equal in every column (NaN = NaN, 0.0 = -0.0) hash equal."""
    out = np.zeros(len(frame), dtype="uint64")
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_float_dtype(s.dtype) and isinstance(s.dtype, np.dtype):
            v = s.to_numpy()
            h = pd.util.hash_array(np.where(np.isnan(v), np.nan, v + 0.0))
        elif isinstance(s.dtype, np.dtype) and s.dtype.kind == "M":
            h = pd.util.hash_array(s.to_numpy().view("i8"))
        elif pd.api.types.is_bool_dtype(s.dtype):
            h = pd.util.hash_array(np.where(s.isna(), 2.0, s.fillna(False).astype(bool)))
        elif isinstance(s.array, pd.arrays.ArrowStringArray):
            h = _hash_repeated_strings(s)
        else:
            h = pd.util.hash_pandas_object(s, index=False).to_numpy()
        out = out * np.uint64(1_000_003) ^ h
    return out


def _hash_repeated_strings(s: pd.Series) -> np.ndarray:
    """:func:`_hash_strings` of ``s``, hashing each distinct string once (same values)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(s.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    encoded = pc.dictionary_encode(arr)
    if 2 * len(encoded.dictionary) > len(arr):  # mostly distinct: hash them directly
        return _hash_strings(s)
    uniques = _hash_strings(pd.Series(encoded.dictionary, dtype=s.dtype))
    missing = _hash_strings(pd.Series([np.nan], dtype=s.dtype))[0]
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return _take(uniques, codes, missing)


_POWERS = np.cumprod(np.full(61, 1_099_511_628_211, dtype="uint64"))  # wraps around mod 2**64


def _hash_strings(s: pd.Series) -> np.ndarray:
    """A polynomial hash of the UTF-8 bytes of each string (missing: a fixed value)."""
    import pyarrow as pa

    arr = pa.array(s.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.large_string())
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.empty(
        0, dtype=np.uint8)
    start, lengths = offsets[:-1], np.diff(offsets)
    out = lengths.astype("uint64") * np.uint64(0x9E3779B97F4A7C15)
    keep = lengths > 0
    if keep.any():
        size = lengths[keep]
        first = np.concatenate([[0], np.cumsum(size)[:-1]])  # of each string in the bytes
        within = np.arange(int(size.sum()), dtype=np.int64) - np.repeat(first, size)
        byte = data[np.repeat(start[keep], size) + within].astype("uint64") + np.uint64(1)
        weight = _POWERS[within % len(_POWERS)] + within.astype("uint64")
        out[keep] ^= np.add.reduceat(byte * weight, first)
    out[s.isna().to_numpy()] = np.uint64(0x5BD1E995)
    return pd.util.hash_array(out)


def _same_rows(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two frames with the same columns hold equal rows (NaN equals NaN)."""
    for name in a.columns:
        x, y = a[name].reset_index(drop=True), b[name].reset_index(drop=True)
        if not ((x == y).fillna(False).astype(bool) | (x.isna() & y.isna())).all():
            return False
    return True


def _any_repeated(hashes: np.ndarray) -> bool:
    """Whether any value of ``hashes`` occurs twice (one sort: at 37M rows far cheaper than
    a hash table).  ``hashes`` is sorted in place."""
    hashes.sort()
    return bool((hashes[1:] == hashes[:-1]).any())


def _hashable(s: pd.Series) -> bool:
    """Whether :func:`_row_hashes` hashes ``s`` exactly as ``DataFrame.duplicated`` compares
    it (an object column may hold ``1`` and ``1.0``, equal but hashed apart)."""
    if isinstance(s.array, pd.arrays.ArrowStringArray):
        return True
    return isinstance(s.dtype, np.dtype) and s.dtype.kind in "biufM" or isinstance(
        s.dtype, pd.BooleanDtype)


def _duplicated_rows(frame: pd.DataFrame) -> pd.Series:
    """``frame.duplicated(keep="first")`` through 64-bit row hashes (at 37M contacts pandas'
    exact version took ~25 s); every row found repeated is compared with the first row of
    its hash, and a collision, or a column the hashes do not cover, takes the exact
    version."""
    if not all(_hashable(frame[name]) for name in frame.columns):
        return frame.duplicated(keep="first")
    # hashed in slices of a CSV chunk and checked by one sort, as the CSV path does: whole
    # 37M-row columns hashed at once, then a hash table over 37M hashes took ~50 s
    hashes = np.concatenate([
        _row_hashes(frame.iloc[start: start + CSV_CHUNK_ROWS])
        for start in range(0, len(frame), CSV_CHUNK_ROWS)
    ]) if len(frame) else np.empty(0, dtype="uint64")
    if not _any_repeated(hashes.copy()):  # the usual case: no row repeated (kept in order)
        return pd.Series(False, index=frame.index)
    dup = pd.Series(hashes).duplicated(keep="first").to_numpy()
    if dup.any():
        kept = np.flatnonzero(~dup)
        first = kept[pd.Index(hashes[kept]).get_indexer(hashes[dup])]
        if not _same_rows(frame.iloc[first], frame.iloc[np.flatnonzero(dup)]):
            return frame.duplicated(keep="first")
    return pd.Series(dup, index=frame.index)


@dataclass
class _TableRead:
    """The outcome of reading one table (``frame`` is ``None`` when the table is left out
    after an empty file or a column clash)."""

    raw: _Raw
    frame: pd.DataFrame | None
    rows: int
    problems: list[Problem]
    notes: list[str]
    excluded: int
    no_id: int = 0  # rows without a customer id left out (missing_customer_id: exclude)
    no_id_amount: float | None = None  # their net amount (transactions)


def _drop_missing_ids(frame: pd.DataFrame, failed: dict[str, pd.Series], settings: Settings
                      ) -> tuple[pd.DataFrame, dict[str, pd.Series], int, float]:
    """With ``missing_customer_id: exclude``, ``frame`` without its rows lacking a
    ``customer_id`` (and ``failed`` without them), their count and net amount (0.0 without
    an amount column); otherwise everything unchanged (such rows are then an error)."""
    if settings.missing_customer_id != "exclude" or "customer_id" not in frame:
        return frame, failed, 0, 0.0
    gone = frame["customer_id"].isna()
    if not gone.any():
        return frame, failed, 0, 0.0
    amount = float(frame.loc[gone, "amount"].sum()) if "amount" in frame else 0.0
    keep = ~gone
    return (frame.loc[keep], {k: v[keep] for k, v in failed.items()}, int(gone.sum()),
            amount)


class _NotClean(Exception):
    """The fast reader met something unusual: read the table again with the exact path."""


def _release_memory() -> None:
    """Hand memory freed by the last chunk back to the system (pyarrow's pool; glibc's heap,
    where ``malloc_trim`` exists), so that the chunks' temporaries leave no heap behind."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _libc_malloc_trim():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


_MALLOC_TRIM = _libc_malloc_trim()


def _fast_eligible(src: _CsvSource, settings: Settings) -> bool:
    """Whether ``src`` may be read by the fast path: plain UTF-8, ``,``-separated,
    uncompressed, decimal point, default separator setting (sniffed or ``","``)."""
    return (
        src.sep == ","
        and settings.csv.sep in (None, ",")
        and settings.csv.decimal == "."
        and src.encoding == "utf-8-sig"
        and src.path.name.endswith(".csv")
    )


def _csv_chunks(src: _CsvSource, chunk_rows: int | None, fast: bool = False):
    options = dict(sep=src.sep, dtype=str, keep_default_na=False, na_values=[""],
                   skip_blank_lines=False, encoding=src.encoding, compression="infer")
    if fast:
        yield from _arrow_chunks(src, chunk_rows, options)
        return
    if chunk_rows is None:
        yield pd.read_csv(src.path, **options)
        return
    with pd.read_csv(src.path, chunksize=chunk_rows, **options) as reader:
        yield from reader


def _arrow_chunks(src: _CsvSource, chunk_rows: int | None, options: dict):
    """The frames :func:`_csv_chunks` yields, read by ``pyarrow.csv`` without making a Python
    string per field: same column names (pandas' header), ``str`` dtype, missing = empty
    field, RangeIndex numbering the records.  Raises :class:`_NotClean` when the header
    differs from pandas' or pyarrow cannot parse the file (then pandas reports it)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    try:
        names = [str(c) for c in pd.read_csv(src.path, nrows=0, **options).columns]
    except (ValueError, UnicodeDecodeError) as exc:  # pandas' errors are ValueErrors
        raise _NotClean(src.table) from exc
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)  # what read_csv(dtype=str) gives
    try:
        reader = pcsv.open_csv(
            src.path,
            read_options=pcsv.ReadOptions(block_size=FAST_CSV_BLOCK_BYTES, use_threads=False),
            parse_options=pcsv.ParseOptions(delimiter=src.sep, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.large_string() for n in names},
                strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""],
            ),
        )
        schema = reader.schema
        if schema.names != names or any(t != pa.large_string() for t in schema.types):
            raise _NotClean(src.table)
        start = 0
        batches: list[pa.RecordBatch] = []
        held = 0
        limit = chunk_rows or np.inf
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                batch = None
            if batch is not None and batch.num_rows:
                batches.append(batch)
                held += batch.num_rows
            if batches and (batch is None or held >= limit):
                table = pa.Table.from_batches(batches, schema=schema)
                batches, held = [], 0
                frame = pd.DataFrame(
                    {n: pd.array(table.column(i), dtype=dtype) for i, n in enumerate(names)},
                    index=pd.RangeIndex(start, start + table.num_rows),
                    columns=names,
                )
                start += table.num_rows
                del table
                yield frame
            if batch is None:
                return
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError) as exc:
        raise _NotClean(src.table) from exc


def _planned_and_manager(raw: _Raw, spec: TableSpec, frame: pd.DataFrame,
                         as_of: pd.Timestamp) -> tuple[Problem | None, Problem | None]:
    """The warnings both reading paths give after normalising ``raw`` into ``frame``: rows
    dated after ``as_of`` where the contract plans them (kept), and customers without a
    manager, whom ``frame`` (changed in place) assigns to ``"unassigned"``."""
    future = manager = None
    if spec.future_dates == "warning" and spec.date_column in frame:
        later = frame[spec.date_column] >= _day_end(as_of)  # keeps its time of day
        if later.any():
            future = _problem(
                raw, spec.date_column, "future_date", later, frame[spec.date_column],
                f"dated after the report date {as_of.date().isoformat()} (planned; kept)",
                severity="warning",
            )
    if "manager" in frame or raw.table == "customers":
        if "manager" not in frame:
            frame["manager"] = UNASSIGNED
            manager = Problem(
                raw.table, raw.file, "manager", "manager_unassigned", len(frame),
                severity="warning", location=raw.location,
                detail="without a manager column: every customer is 'unassigned'",
            )
        else:
            none = frame["manager"].isna()
            if none.any():
                manager = _problem(
                    raw, "manager", "manager_unassigned", none, raw.frame["manager"],
                    "without a manager, set to 'unassigned'", severity="warning",
                )
                frame["manager"] = frame["manager"].fillna(UNASSIGNED)
    return future, manager


def _refunds_note(refunds: int) -> str:
    """The transactions note on negative amounts (both reading paths)."""
    return f"{refunds:,} rows with a negative amount (refunds/cancellations) kept and netted"


def _empty_table(table: str, file: str, columns: list[str]) -> Problem:
    """The problem of a table without data rows (``columns``: its header, if any): an error
    for a required table, a warning (the table is treated as absent) for an optional one."""
    what = "has a header but no data rows" if columns else "is empty"
    if table in REQUIRED_TABLES:
        return Problem(
            table, file, None, "empty_table", 0,
            detail=f"{what}: the required table '{table}' needs at least one row "
            f"(columns found: {columns})",
        )
    return Problem(
        table, file, None, "empty_table", 0, severity="warning",
        detail=f"{what}; the optional table '{table}' is treated as absent",
    )


def _duplicate_ids(raw: _Raw, frame: pd.DataFrame) -> list[Problem]:
    """The error for customers rows repeating an earlier ``customer_id`` (both reading
    paths): one problem or none."""
    if raw.table != "customers" or "customer_id" not in frame:
        return []
    again = frame["customer_id"].notna() & frame["customer_id"].duplicated(keep="first")
    if not again.any():
        return []
    return [_problem(
        raw, "customer_id", "duplicate_id", again, frame["customer_id"],
        "repeating a customer_id of an earlier row with different details "
        "(customer_id must be unique in customers)",
    )]


def _csv_table(src: _CsvSource, spec: TableSpec, settings: Settings, as_of: pd.Timestamp,
               chunk_rows: int | None, exact: bool = False,
               fast: bool = False) -> _TableRead | Problem:
    """Read, normalise and check one CSV table chunk by chunk; a read error is returned.

    ``fast``: read with ``pyarrow.csv`` and raise :class:`_NotClean` at the first blank line,
    problem or note (other than the refunds count), so that the caller reads it again
    exactly."""
    file = str(src.path)
    raw = _Raw(src.table, pd.DataFrame(), file, file, src.sha256, "line", 2, sep=src.sep)
    found: dict[tuple, Problem] = {}
    not_allowed: dict[str, list[pd.Series]] = {}
    notes: list[str] = []
    kept: list[pd.DataFrame] = []
    kept_hash: list[np.ndarray] = []
    dropped: list[pd.DataFrame] = []
    dropped_hash: list[np.ndarray] = []
    seen = np.empty(0, dtype="uint64")
    fast_hashes: list[np.ndarray] = []
    header: list[str] | None = None
    names: list[str] | None = None
    usable = True
    rows = blank_lines = refunds = no_id = 0
    no_id_amount = 0.0
    order: list[str] = []
    missing: set[str] = set()
    try:
        for chunk in _csv_chunks(src, chunk_rows, fast):
            if header is None:
                if not isinstance(chunk.index, pd.RangeIndex):  # every row has extra fields
                    return Problem(
                        src.table, file, None, "read_error", 0,
                        detail=f"data rows have more fields than the header "
                        f"{list(chunk.columns)} with separator {src.sep!r}. If the file uses "
                        f"';' between fields and ',' as decimal mark, set in the config: "
                        f"{_DECIMAL_COMMA_HINT}",
                    )
                header = [str(c).strip() for c in chunk.columns]
                raw.frame = pd.DataFrame(columns=header)
                clash: list[Problem] = []
                usable = _rename(raw, spec, settings, clash)
                for p in clash:
                    _merge(found, (0, 0, 0), p)
                names = list(raw.frame.columns)
            chunk.columns = header
            blank = chunk.isna().all(axis=1)
            blank_lines += int(blank.sum())
            chunk = chunk.loc[~blank]
            rows += len(chunk)
            if not usable or chunk.empty:
                continue
            chunk.columns = names
            part = _Raw(src.table, chunk, file, file, src.sha256, "line", 2, sep=src.sep)
            chunk_problems: list[Problem] = []
            frame, failed = _normalise(part, spec, settings, chunk_problems, notes)
            for p in chunk_problems:
                _merge(found, (1, spec.columns.index(spec.column(p.column)),
                               int(p.kind == "missing_value")), p)
            frame, failed, gone, gone_amount = _drop_missing_ids(frame, failed, settings)
            no_id += gone
            no_id_amount += gone_amount
            _chunk_checks(part, spec, frame, as_of, failed, found, not_allowed)
            future, manager = _planned_and_manager(part, spec, frame, as_of)
            if future is not None:
                _merge(found, (3, 0, 0), future)
            if manager is not None:
                _merge(found, (4, 0, 0), manager)
            if src.table == "transactions" and "amount" in frame:
                refunds += int((frame["amount"] < 0).sum())
            if exact:
                dup = frame.duplicated(keep="first")
                hashes = np.zeros(len(frame), dtype="uint64")
            elif fast:
                # duplicates within the chunk now, across chunks once at the end (any
                # duplicate sends the table to the exact path anyway); re-sorting every
                # earlier hash per chunk cost ~60 s at 37M rows
                hashes = _row_hashes(frame)
                fast_hashes.append(hashes)
                dup = pd.Series(pd.Series(hashes).duplicated(keep="first").to_numpy(),
                                index=frame.index)
            else:
                hashes = _row_hashes(frame)
                dup_arr = pd.Series(hashes).duplicated(keep="first").to_numpy()
                by_hash = np.argsort(hashes, kind="stable")
                ordered = hashes[by_hash]  # sorted look-ups and merges are cache-friendly
                if len(seen):
                    at = np.minimum(np.searchsorted(seen, ordered), len(seen) - 1)
                    before = np.empty(len(hashes), dtype=bool)
                    before[by_hash] = seen[at] == ordered
                    dup_arr = dup_arr | before
                new = ordered[~dup_arr[by_hash]]
                seen = np.sort(np.concatenate([seen, new]), kind="stable")
                dup = pd.Series(dup_arr, index=frame.index)
            if dup.any():
                first = chunk.loc[dup[dup].index[:MAX_EXAMPLES]]
                _merge(found, (5, 0, 0), _problem(
                    part, None, "duplicate_rows", dup, _row_text(first, list(first.columns)),
                    "duplicating an earlier row exactly (dropped)", severity="warning",
                ))
                if not exact:
                    dropped.append(frame.loc[dup])
                    dropped_hash.append(hashes[dup.to_numpy()])
                frame = frame.loc[~dup]
                hashes = hashes[~dup.to_numpy()]
            frame = _to_days(frame, spec)  # duplicates were judged on the full timestamps
            if not order:
                order = [c.name for c in spec.columns if c.name in frame]
                order += [c for c in frame.columns if c not in order]
            kept.append(frame[order])
            if not fast:  # (fast: a dropped row sends the table to the exact path)
                kept_hash.append(hashes)
            del chunk, part, frame, hashes
            if fast and (blank_lines or found or notes):
                raise _NotClean(src.table)
    except UnicodeDecodeError as exc:
        return Problem(
            src.table, file, None, "read_error", 0,
            detail=f"is not valid {settings.csv.encoding} text ({exc}); set the file's "
            "encoding in the config, e.g. csv: {encoding: cp1251}",
        )
    except pd.errors.EmptyDataError:
        header = None
    except pd.errors.ParserError as exc:
        return Problem(
            src.table, file, None, "read_error", 0,
            detail=f"cannot be parsed as CSV with separator {src.sep!r}: {exc}. If the file "
            f"uses ';' between fields and ',' as decimal mark, set in the config: "
            f"{_DECIMAL_COMMA_HINT}",
        )
    raw.blank_lines = blank_lines
    if blank_lines:
        notes.insert(0, f"{blank_lines:,} blank line(s) skipped")
    problems: list[Problem] = []
    if rows == 0:
        problems.append(_empty_table(src.table, file, header or []))
        if fast:
            raise _NotClean(src.table)
        return _TableRead(raw, None, 0, problems, notes, 0)
    if fast and (not usable or blank_lines or found or notes):
        raise _NotClean(src.table)
    if fast_hashes:
        every = np.concatenate(fast_hashes)
        del fast_hashes
        if _any_repeated(every):  # a row repeating one of an earlier chunk
            raise _NotClean(src.table)
        del every
    if not usable:
        return _TableRead(raw, None, rows, list(found.values()), notes, 0)
    missing_problems: list[Problem] = []
    missing = _check_missing_columns(raw, spec, settings, missing_problems, n_rows=rows)
    for name, values in not_allowed.items():
        pos = spec.columns.index(spec.column(name))
        counts = pd.concat(values).value_counts().head(MAX_EXAMPLES)
        shown = ", ".join(f"'{v}' ({n})" for v, n in counts.items())
        found[(2, pos, 1)].detail = (
            f"with a value outside the allowed list {list(spec.column(name).allowed)}; "
            f"values found: {shown}"
        )
    frame = _concat(kept, order) if kept else pd.DataFrame(columns=order or names)
    del kept
    if dropped:  # check that every dropped row equals the kept row with its hash
        gone = pd.concat(dropped)
        at = pd.Index(np.concatenate(kept_hash)).get_indexer(np.concatenate(dropped_hash))
        if (at < 0).any() or not _same_rows(frame.iloc[at][list(gone.columns)], gone):
            raise _HashCollision(src.table)
    excluded = found[(5, 0, 0)].rows if (5, 0, 0) in found else 0
    if src.table == "transactions" and refunds:
        notes.append(_refunds_note(refunds))
    problems = missing_problems + [
        p for key, p in sorted(found.items(), key=lambda kv: kv[0])
        if not (key[0] == 2 and p.column in missing)
    ]
    problems += _duplicate_ids(raw, frame)
    if fast and (problems or blank_lines or excluded or len(notes) > bool(refunds)):
        raise _NotClean(src.table)
    if _derives_amount(src.table, names or ()):
        notes.append(_amount_note(len(frame)))
    frame = _whole_number_ids(frame, spec, notes)
    return _TableRead(raw, frame, rows, problems, notes, excluded, no_id,
                      no_id_amount if "amount" in frame else None)


def _concat(parts: list[pd.DataFrame], order: list[str]) -> pd.DataFrame:
    """Concatenate chunks column by column (only one column is copied at a time)."""
    if len(parts) == 1:
        return parts[0]
    index = pd.Index(np.concatenate([p.index.to_numpy() for p in parts]))
    columns = {}
    for name in order:  # pop each column from the chunks: its copy replaces them
        columns[name] = pd.concat([p.pop(name) for p in parts], ignore_index=True).array
    return pd.DataFrame(columns, index=index, copy=False)


#: Low-cardinality text columns of the big tables, held as pandas categoricals after
#: validation: one byte per row instead of an arrow string (contacts.manager alone is ~38
#: bytes a row), and group-bys on them use the codes.  Values are unchanged.
CATEGORICAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "transactions": ("category",),
    "contacts": ("channel", "manager", "direction"),
}


def _compact(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the :data:`CATEGORICAL_COLUMNS` of ``table`` as categoricals."""
    for name in CATEGORICAL_COLUMNS.get(table, ()):
        if name in frame and not isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].astype("category")
    return frame


# --------------------------------------------------------------------------- entry point


def load_dataset(
    path_or_frames: str | Path | Mapping[str, pd.DataFrame],
    *,
    config: Any = None,
    as_of: str | pd.Timestamp | date | None = None,
    cache_dir: str | Path | None = None,
) -> Dataset:
    """Read, map, normalise and validate the input tables.

    Parameters
    ----------
    path_or_frames
        A folder with one file per table (``transactions.csv``, ``customers.parquet``,
        ``contacts.csv.gz``, ...; other files are ignored) or a mapping
        ``{table name: DataFrame}``.  Only ``transactions`` is required.
    config
        Anything :func:`retention_lib.config.load_settings` accepts (YAML path, mapping,
        Settings, None).  Uses ``columns`` ({table: {source name: contract name}}, applied
        first; contract names also match case-insensitively), ``csv`` (``sep``: ``None``
        sniffs it from the header line; ``decimal``; ``encoding``, UTF-8 with or without BOM
        by default; ``date_format``, the strftime pattern of text dates, default ISO or
        ``DD.MM.YYYY``) and ``missing_customer_id`` (``error`` or ``exclude``).
    as_of
        Report date; dates after it are errors (planned events: warnings).  Default: the
        environment variable ``RETENTION_AS_OF`` when set (``retention report`` sets it for
        its notebooks to the run's date), else today.
    cache_dir
        Folder of a dataset cache (:mod:`retention_lib.caching.cache`); default: the environment
        variable ``RETENTION_CACHE_DIR`` (unset or empty: no cache).  Folder input only.  A
        hit returns what an uncached load would (same tables, warnings, exclusions, row
        counts, notes, hashes) with ``settings`` set to this call's settings; only successful
        loads are stored.

    Returns
    -------
    Dataset
        ``tables[name]``: RangeIndex; contract columns present (required ones always) in
        contract order with the dtypes of :mod:`retention_lib.data.schema`, then extra columns
        as read (CSV: strings).  Exact duplicate rows removed (recorded in ``exclusions``).

    Raises
    ------
    DataValidationError
        At least one error in any table; ``.problems`` lists every error and warning.
    ConfigError
        From loading ``config`` (unchanged), or an ``as_of`` that is not a date.
    """
    settings = load_settings(config)
    as_of_ts = _parse_as_of(as_of)
    cache = None if isinstance(path_or_frames, Mapping) else resolve_cache_dir(cache_dir)
    key = None
    if cache is not None:
        files = _table_files(Path(path_or_frames))
        if files:
            key = dataset_key(files, settings=settings, as_of=as_of_ts)
            hit = read_entry(cache, key)
            if isinstance(hit, Dataset):
                return dataclasses.replace(hit, settings=settings)
    dataset = _load(path_or_frames, settings, as_of_ts)
    if cache is not None and key is not None:
        # stored without the settings: only columns/csv (in the key) shaped the result
        write_entry(cache, key, dataclasses.replace(dataset, settings=None))
    return dataset


def _table_files(folder: Path) -> list[Path]:
    """The files of contract tables in ``folder`` (what :func:`_read_folder` may read); a
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
                files.extend(_parquet_parts(path)[0])
    return files


def _is_parquet_folder(path: Path) -> bool:
    """``path`` is a table written as a folder of Parquet parts (``transactions.parquet/``)."""
    return path.name.endswith(".parquet") and path.is_dir()


def _csv_read(raw: _CsvSource, settings: Settings, as_of_ts: pd.Timestamp) -> _TableRead | Problem:
    """One CSV table: read fast when it qualifies, else (or when the fast read met anything
    unusual) exactly; a 64-bit row-hash collision makes it compare whole rows."""
    spec = TABLES[raw.table]
    # a ';' file may need its decimal mark guessed from whole columns: one chunk
    rows = None if raw.sep == ";" and settings.csv.decimal != "," else CSV_CHUNK_ROWS
    try:
        done = None
        if _fast_eligible(raw, settings):
            try:
                done = _csv_table(raw, spec, settings, as_of_ts, rows, fast=True)
            except _NotClean:
                done = None
        if not isinstance(done, _TableRead):  # not read fast, or unreadable: exactly
            done = _csv_table(raw, spec, settings, as_of_ts, rows)
    except _HashCollision:
        done = _csv_table(raw, spec, settings, as_of_ts, None, exact=True)
    # the chunks' freed temporaries go back to the system once per table: after every chunk
    # it cost ~6 s of page faults at 21M transactions / 37M contacts / 20M usage rows read
    # two tables at a time, for the same peak (7.9 GB both ways)
    _release_memory()
    return done


def _table_read(raw: _Raw | _CsvSource | _ParquetSource, settings: Settings,
                as_of_ts: pd.Timestamp) -> _TableRead | Problem:
    """One table: a CSV source read in chunks (:func:`_csv_read`), or a table read whole
    (Parquet, a DataFrame, an empty CSV file) normalised and checked here; a file that
    cannot be read gives its problem."""
    if isinstance(raw, _CsvSource):
        return _csv_read(raw, settings, as_of_ts)
    if isinstance(raw, _ParquetSource):
        raw = _read_parquet(raw)
        if isinstance(raw, Problem):
            return raw
    spec = TABLES[raw.table]
    problems: list[Problem] = []
    table_notes: list[str] = []
    done = _TableRead(raw, None, len(raw.frame), problems, table_notes, 0)
    if raw.blank_lines:
        table_notes.append(f"{raw.blank_lines:,} blank line(s) skipped")
    if len(raw.frame) == 0:
        problems.append(_empty_table(raw.table, raw.file, list(raw.frame.columns)))
        return done
    if not _rename(raw, spec, settings, problems):
        return done
    missing = _check_missing_columns(raw, spec, settings, problems)
    problems.extend(_utc_day_problems(raw, spec))
    frame, failed = _normalise(raw, spec, settings, problems, table_notes)
    frame, failed, done.no_id, no_id_amount = _drop_missing_ids(frame, failed, settings)
    if "amount" in frame:
        done.no_id_amount = no_id_amount
    problems.extend(_pandera_problems(raw, spec, frame, as_of_ts, failed, missing))

    problems.extend(p for p in _planned_and_manager(raw, spec, frame, as_of_ts)
                    if p is not None)
    if raw.table == "transactions" and "amount" in frame:
        refunds = int((frame["amount"] < 0).sum())
        if refunds:
            table_notes.append(_refunds_note(refunds))
    dup = _duplicated_rows(frame)
    if dup.any():
        first = raw.frame.loc[dup[dup].index[:MAX_EXAMPLES]]
        problems.append(_problem(
            raw, None, "duplicate_rows", dup, _row_text(first, list(first.columns)),
            "duplicating an earlier row exactly (dropped)", severity="warning",
        ))
        done.excluded = int(dup.sum())
        frame = frame.loc[~dup]
    frame = _to_days(frame, spec)  # duplicates were judged on the full timestamps
    if _derives_amount(raw.table, raw.frame.columns):
        table_notes.append(_amount_note(len(frame)))
    frame = _whole_number_ids(frame, spec, table_notes)
    problems += _duplicate_ids(raw, frame)
    order = [c.name for c in spec.columns if c.name in frame]
    order += [c for c in frame.columns if c not in order]
    done.frame = frame[order]
    # the rows as read are not needed any more (later messages take their values from the
    # normalised table): freed now, not at the end of the load (a 37M-row table is GBs)
    done.raw = dataclasses.replace(raw, frame=raw.frame.iloc[:0])
    return done


def _load(
    path_or_frames: str | Path | Mapping[str, pd.DataFrame],
    settings: Settings,
    as_of_ts: pd.Timestamp,
) -> Dataset:
    """:func:`load_dataset` without the cache."""
    read_problems: list[Problem] = []
    problems: list[Problem] = []
    if isinstance(path_or_frames, Mapping):
        raws = _read_frames(path_or_frames, read_problems)
    else:
        raws = _read_folder(Path(path_or_frames), settings, read_problems)

    tables: dict[str, pd.DataFrame] = {}
    by_table: dict[str, _Raw] = {}
    sources: dict[str, str] = {}
    sha: dict[str, str] = {}
    rows_read: dict[str, int] = {}
    exclusions: list[Exclusion] = []
    notes: dict[str, list[str]] = {}

    with ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="read") as pool:
        # tables are read two at a time: reading one table is single-threaded pandas work
        # for the most part, and the threads interleave where pandas, numpy and pyarrow
        # release the GIL (measured at 21M transactions / 37M contacts / 20M usage rows:
        # 66 s one after the other, 46 s two at a time); every table is read exactly as
        # alone and the results are taken in the tables' order
        read = list(pool.map(lambda raw: _table_read(raw, settings, as_of_ts), raws))
    for done in read:
        if isinstance(done, Problem):  # unreadable: reported with the reading problems
            read_problems.append(done)
            continue
        table = done.raw.table
        by_table[table] = done.raw
        sources[table] = done.raw.source
        sha[table] = done.raw.sha256
        rows_read[table] = done.rows
        notes.setdefault(table, []).extend(done.notes)
        problems.extend(done.problems)
        if done.no_id:
            exclusions.append(Exclusion(table, NO_CUSTOMER_ID, done.no_id,
                                        amount=done.no_id_amount))
        if done.excluded:
            exclusions.append(Exclusion(table, "exact duplicate rows", done.excluded))
        if done.frame is not None and len(done.frame) == 0 and done.no_id:
            read_problems.append(Problem(
                table, done.raw.file, "customer_id", "missing_value", done.no_id,
                detail="without a customer id: every row of the table was left out "
                "(missing_customer_id: exclude)", location=done.raw.location,
                severity="error" if table in REQUIRED_TABLES else "warning",
            ))
            continue
        if done.frame is not None:
            tables[table] = done.frame

    customers = tables.get("customers")
    if customers is not None and "customer_id" in customers:
        known = pd.Index(customers["customer_id"].dropna().unique())
        for table, frame in tables.items():
            if not TABLES[table].references_customers or "customer_id" not in frame:
                continue
            unknown = frame["customer_id"].notna() & ~_isin(frame["customer_id"], known)
            if unknown.any():
                n_ids = frame.loc[unknown, "customer_id"].nunique()
                problems.append(_problem(
                    by_table[table], "customer_id", "unknown_customer", unknown,
                    frame["customer_id"],
                    f"referencing {n_ids:,} customer_id(s) not in customers (rows kept)",
                    severity="warning",
                ))
                # (all transactions' customers known, the usual case: nothing to count)
                mismatch = _id_mismatch(tables, by_table) if table == "transactions" else None
                if mismatch is not None:
                    problems.append(mismatch)

    if not isinstance(path_or_frames, Mapping):  # reading problems in table order
        read_problems.sort(key=lambda p: list(TABLES).index(p.table))
    problems = read_problems + problems
    warnings = [p for p in problems if p.severity == "warning"]
    if any(p.severity == "error" for p in problems):
        errors = [p for p in problems if p.severity == "error"]
        raise DataValidationError(errors + warnings)

    tables = {t: _compact(t, tables[t].reset_index(drop=True)) for t in TABLES if t in tables}
    return Dataset(
        tables=tables,
        sources={t: sources[t] for t in TABLES if t in sources},
        sha256={t: sha[t] for t in TABLES if t in sha},
        rows_read={t: rows_read[t] for t in TABLES if t in rows_read},
        exclusions=exclusions,
        warnings=warnings,
        as_of=as_of_ts,
        settings=settings,
        notes={t: n for t, n in notes.items() if n},
    )
