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

import dataclasses
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ..caching.cache import (
    dataset_key,
    read_entry,
    resolve_cache_dir,
    write_entry,
)
from ..config import ConfigError, Settings, load_settings
from .checks import unknown_customer_problems
from .problems import Exclusion, Problem
from .raw_table import RawTable, TableRead
from .schema import REQUIRED_TABLES, TABLES
from .sources import read_folder, read_frames, table_files
from .table_reader import read_table

__all__ = [
    "AS_OF_ENV",
    "Dataset",
    "CATEGORICAL_COLUMNS",
    "DataValidationError",
    "NO_CUSTOMER_ID",
    "READ_THREADS",
    "load_dataset",
]


#: Reason of the rows left out under ``missing_customer_id: exclude``.
NO_CUSTOMER_ID = "no customer id"


#: Tables read at a time (threads; see :func:`_load`).
READ_THREADS = 2


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
        files = table_files(Path(path_or_frames))
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


def _load(
    path_or_frames: str | Path | Mapping[str, pd.DataFrame],
    settings: Settings,
    as_of_ts: pd.Timestamp,
) -> Dataset:
    """:func:`load_dataset` without the cache."""
    read_problems: list[Problem] = []
    if isinstance(path_or_frames, Mapping):
        raws = read_frames(path_or_frames, read_problems)
    else:
        raws = read_folder(Path(path_or_frames), settings, read_problems)
    with ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="read") as pool:
        # tables are read two at a time: reading one table is single-threaded pandas work
        # for the most part, and the threads interleave where pandas, numpy and pyarrow
        # release the GIL (measured at 21M transactions / 37M contacts / 20M usage rows:
        # 66 s one after the other, 46 s two at a time); every table is read exactly as
        # alone and the results are taken in the tables' order
        read = list(pool.map(lambda raw: read_table(raw, settings, as_of_ts), raws))
    account = _Account()
    for done in read:
        if isinstance(done, Problem):  # unreadable: reported with the reading problems
            read_problems.append(done)
        else:
            account.add(done, read_problems)
    problems = account.problems + unknown_customer_problems(account.tables, account.by_table)
    if not isinstance(path_or_frames, Mapping):  # reading problems in table order
        read_problems.sort(key=lambda p: list(TABLES).index(p.table))
    problems = read_problems + problems
    warnings = [p for p in problems if p.severity == "warning"]
    if any(p.severity == "error" for p in problems):
        errors = [p for p in problems if p.severity == "error"]
        raise DataValidationError(errors + warnings)
    return account.dataset(warnings, as_of_ts, settings)


@dataclass
class _Account:
    """The tables read so far, with their sources, counts, exclusions, notes and problems."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    by_table: dict[str, RawTable] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    sha: dict[str, str] = field(default_factory=dict)
    rows_read: dict[str, int] = field(default_factory=dict)
    exclusions: list[Exclusion] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, done: TableRead, read_problems: list[Problem]) -> None:
        """Take in one table read; a table every row of which was left out for lacking a
        customer id adds its problem to ``read_problems`` instead of a table."""
        table = done.raw.table
        self.by_table[table] = done.raw
        self.sources[table] = done.raw.source
        self.sha[table] = done.raw.sha256
        self.rows_read[table] = done.rows
        self.notes.setdefault(table, []).extend(done.notes)
        self.problems.extend(done.problems)
        if done.no_id:
            self.exclusions.append(Exclusion(table, NO_CUSTOMER_ID, done.no_id,
                                             amount=done.no_id_amount))
        if done.excluded:
            self.exclusions.append(Exclusion(table, "exact duplicate rows", done.excluded))
        if done.frame is not None and len(done.frame) == 0 and done.no_id:
            read_problems.append(Problem(
                table, done.raw.file, "customer_id", "missing_value", done.no_id,
                detail="without a customer id: every row of the table was left out "
                "(missing_customer_id: exclude)", location=done.raw.location,
                severity="error" if table in REQUIRED_TABLES else "warning",
            ))
            return
        if done.frame is not None:
            self.tables[table] = done.frame

    def dataset(self, warnings: list[Problem], as_of_ts: pd.Timestamp,
                settings: Settings) -> Dataset:
        """The :class:`Dataset` of the tables taken in (contract order, compact dtypes)."""
        tables = {t: _compact(t, self.tables[t].reset_index(drop=True))
                  for t in TABLES if t in self.tables}
        return Dataset(
            tables=tables,
            sources={t: self.sources[t] for t in TABLES if t in self.sources},
            sha256={t: self.sha[t] for t in TABLES if t in self.sha},
            rows_read={t: self.rows_read[t] for t in TABLES if t in self.rows_read},
            exclusions=self.exclusions,
            warnings=warnings,
            as_of=as_of_ts,
            settings=settings,
            notes={t: n for t, n in self.notes.items() if n},
        )
