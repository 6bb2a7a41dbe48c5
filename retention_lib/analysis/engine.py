"""The heavy aggregations written once with Ibis: DuckDB on files, or any Ibis backend.

:mod:`retention_lib.analysis.summary` computes the per-customer summary, the per-customer-day table
and the customer × month revenue with pandas + numpy on a DataFrame already in memory.  This
module expresses the same three aggregations as Ibis expressions, so they run

* on **DuckDB, directly on Parquet / CSV files** (:func:`summarize_files`,
  :func:`customer_days_files`, :func:`monthly_revenue_files`): the transactions are never
  loaded into pandas, only the per-customer (per customer-day, per customer-month) result is;
* on **any other Ibis backend** (:func:`summarize_table`, :func:`customer_days_table`,
  :func:`monthly_revenue_table`): PySpark (``ibis.pyspark.connect(spark)``, see
  :func:`spark_table`), or a warehouse (Snowflake, BigQuery, Postgres, ...).

The results are the same pandas frames as :func:`retention_lib.analysis.summary.customer_summary`
(same index, columns, dtypes, ``attrs``) and :func:`retention_lib.analysis.summary.customer_days`
and, for the monthly table, the long form of :func:`retention_lib.analysis.summary.monthly_revenue`
(:func:`monthly_matrix` pivots it to the same matrix).

Definitions (identical to :mod:`retention_lib.analysis.summary`)
-------------------------------------------------------
* Rows dated after ``as_of`` are dropped; amounts are net (refunds added, never dropped).
* Day number = calendar days since 1970-01-01 of the date (time of day ignored).  Period
  ``"D"`` = the day number; period ``"W"`` = ``floor((day + 3) / 7)``, the Monday-to-Sunday
  week (1970-01-01 is a Thursday), i.e. pandas' ``W-SUN`` periods used by ``lifetimes``.
* A period counts when it holds any transaction row (a refund-only day is a period).
* frequency = distinct periods − 1; recency = last period − first period; T = period of
  ``as_of`` − first period; monetary_value = (net amount of all periods − net amount of the
  first period) / frequency, 0 when frequency is 0; revenue_total = net amount up to
  ``as_of``; revenue_window = net amount dated in ``(as_of − window_days, as_of]``.

Sums are floating point added in the engine's order, so results equal the pandas path to
about 1e-12 relative (the tests require 1e-9), not bit for bit.

Input columns
-------------
The table must hold (after mapping) ``customer_id``, ``date`` and ``amount``; other columns
are ignored.  ``settings.columns["transactions"]`` (``{source name: contract name}``) is
applied first, then contract names match case-insensitively, as in :func:`retention_lib.data.io.
load_dataset`.  Casts: ``customer_id`` → string; ``date`` → timestamp (strings must be ISO,
``YYYY-MM-DD[ HH:MM:SS]``); ``amount`` → float64 (strings: with ``csv.decimal = ","`` the
comma is read as the decimal point).  CSV files are read with every column as text, so
``"007"`` stays ``"007"``.

What the engine does not do
---------------------------
It does not validate (missing values, future dates, non-numeric amounts raise the backend's
error or are left out by the ``date <= as_of`` filter) and, unlike ``load_dataset``, does not
drop exact duplicate rows: validate a new export once with ``retention validate`` on a sample,
or deduplicate upstream.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..config import DEFAULT_SETTINGS, load_settings
from .summary import SUMMARY_COLUMNS, SUPPORTED_FREQS, _as_timestamp

if TYPE_CHECKING:  # pragma: no cover
    import ibis.expr.types as ir

__all__ = [
    "LONG_COLUMNS",
    "contract_table",
    "customer_days_files",
    "customer_days_table",
    "days_expr",
    "monthly_expr",
    "monthly_matrix",
    "monthly_revenue_files",
    "monthly_revenue_table",
    "read_transactions",
    "spark_table",
    "summarize_files",
    "summarize_table",
    "summary_expr",
]

#: Columns of the long customer × month table, in order.
LONG_COLUMNS = ("customer_id", "month", "revenue")

_REQUIRED = ("customer_id", "date", "amount")
_WEEK_SHIFT = 3  # 1970-01-01 is a Thursday: day d is in the Monday-Sunday week (d + 3) // 7
_FILE_KINDS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".gz": "csv",
               ".txt": "csv", ".tsv": "csv"}


def _ibis() -> Any:
    try:
        import ibis
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            "the scale engine needs Ibis with DuckDB: pip install 'ibis-framework[duckdb]'"
        ) from exc
    return ibis


# --------------------------------------------------------------------------- input


def contract_table(table: ir.Table, *, config: Any = None) -> ir.Table:
    """Map and cast any Ibis table to the three contract columns of ``transactions``.

    Parameters
    ----------
    table
        Ibis table with (after mapping) ``customer_id``, ``date``, ``amount`` columns.
    config
        Anything :func:`retention_lib.config.load_settings` accepts; uses
        ``columns["transactions"]`` and ``csv.decimal``.

    Returns
    -------
    ibis.Table
        Columns ``customer_id`` (string), ``date`` (timestamp), ``amount`` (float64).

    Raises
    ------
    KeyError
        A required column is missing after mapping (the message lists the columns found).
    """
    ibis = _ibis()
    settings = load_settings(config)
    mapping = dict(settings.columns.get("transactions", {}))
    found = list(table.columns)
    by_name: dict[str, str] = {}
    for source in found:
        target = mapping.get(source, source)
        by_name.setdefault(target, source)
    for source in found:  # contract names match case-insensitively, after the mapping
        target = mapping.get(source, source)
        for name in _REQUIRED:
            if target.lower() == name and name not in by_name:
                by_name[name] = source
    missing = [c for c in _REQUIRED if c not in by_name]
    if missing:
        raise KeyError(
            f"transactions lack column(s) {missing}; required: {list(_REQUIRED)}, "
            f"found: {found}" + (f" (after mapping {mapping})" if mapping else "")
        )
    cid, date, amount = (table[by_name[c]] for c in _REQUIRED)
    if not cid.type().is_string():
        cid = cid.cast("string")
    if not date.type().is_timestamp():
        date = date.cast("timestamp")
    if amount.type().is_string():
        if settings.csv.decimal == ",":
            amount = amount.replace(".", "").replace(",", ".")
        amount = amount.strip()
    if amount.type() != ibis.dtype("float64"):
        amount = amount.cast("float64")
    return table.select(customer_id=cid, date=date, amount=amount)


def _files(paths_or_folder: str | Path | Iterable[str | Path]) -> tuple[str, list[str]]:
    """Resolve the input to (kind, files): one kind, parquet or csv."""
    if isinstance(paths_or_folder, (str, Path)):
        path = Path(paths_or_folder)
        if any(ch in str(paths_or_folder) for ch in "*?["):
            files = sorted(glob.glob(str(paths_or_folder), recursive=True))
        elif path.is_dir():
            files = _folder_files(path)
        elif path.is_file():
            files = [str(path)]
        else:
            raise FileNotFoundError(f"transactions not found: {path} is neither a file nor a "
                                    "folder")
    else:
        files = [str(Path(p)) for p in paths_or_folder]
    if not files:
        raise FileNotFoundError(f"no Parquet or CSV files found in {paths_or_folder}")
    kinds = {_kind(f) for f in files}
    if len(kinds) != 1:
        raise ValueError(f"mix of file kinds {sorted(kinds)} in {files[:5]}...; give only "
                         "Parquet or only CSV files")
    return kinds.pop(), files


def _kind(file: str) -> str:
    kind = _FILE_KINDS.get(Path(file).suffix.lower())
    if kind is None and Path(file).parent.name.lower().endswith(".parquet"):
        kind = "parquet"  # a part file of a table folder, whatever its name (Hive: 000000_0)
    if kind is None:
        raise ValueError(f"{file}: unknown file type; allowed suffixes: {sorted(_FILE_KINDS)}")
    return kind


def _folder_files(folder: Path) -> list[str]:
    # 1. a data-contract folder: transactions.parquet / .csv / .csv.gz, the Parquet table
    #    possibly a folder of part files as Spark writes it (transactions.parquet/part-*)
    for suffix in (".parquet", ".csv", ".csv.gz"):
        path = folder / f"transactions{suffix}"
        if path.is_file():
            return [str(path)]
        if suffix == ".parquet" and path.is_dir():
            if (path / "_delta_log").is_dir():  # as the loader: old versions' files too
                raise ValueError(
                    f"{path} is a Delta table (it has a _delta_log): its folder also holds "
                    "the files of earlier versions; export the current version as plain "
                    "Parquet, or pass spark_table(spark.read.format('delta').load(...))")
            return _data_files(path, "*")
    # 2. a folder of transaction files, e.g. data/transactions/ (possibly hive-partitioned)
    if (folder / "transactions").is_dir():
        folder = folder / "transactions"
    for pattern in ("*.parquet", "*.csv", "*.csv.gz"):
        files = _data_files(folder, pattern)
        if files:
            return files
    return []


def _data_files(folder: Path, pattern: str) -> list[str]:
    """Files under ``folder`` matching ``pattern``, in path order; a name starting with
    ``_`` or ``.`` anywhere below ``folder`` (Spark's ``_SUCCESS``, ``.crc`` files) is not
    data, as for Spark and pyarrow."""
    return sorted(
        str(p) for p in folder.rglob(pattern)
        if p.is_file() and not any(n.startswith(("_", ".")) for n in p.relative_to(folder).parts)
    )


def read_transactions(
    paths_or_folder: str | Path | Iterable[str | Path],
    *,
    config: Any = None,
    con: Any = None,
) -> ir.Table:
    """An Ibis table over transaction files, read lazily by DuckDB.

    Parameters
    ----------
    paths_or_folder
        A Parquet or CSV file, a list of them, a glob (``"exports/2025-*.parquet"``), or a
        folder: a data folder holding ``transactions.parquet|csv|csv.gz`` (the Parquet table
        may be a folder of part files, as Spark writes it), or a folder (or
        its ``transactions/`` subfolder) of ``*.parquet`` (else ``*.csv``/``*.csv.gz``) files,
        searched recursively (hive partitions work).
    config
        Settings or YAML path/mapping: ``columns["transactions"]`` and ``csv`` (``sep``,
        ``encoding``, ``decimal``).
    con
        DuckDB Ibis connection to use (default: a new in-memory one).

    Returns
    -------
    ibis.Table
        ``customer_id`` (string), ``date`` (timestamp), ``amount`` (float64); nothing is
        read until the expression is executed.
    """
    ibis = _ibis()
    settings = load_settings(config)
    kind, files = _files(paths_or_folder)
    con = con if con is not None else ibis.duckdb.connect()
    if kind == "parquet":
        raw = con.read_parquet(files)
    else:
        options: dict[str, Any] = {"all_varchar": True, "header": True}
        if settings.csv.sep is not None:
            options["delim"] = settings.csv.sep
        if settings.csv.encoding.lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig"):
            options["encoding"] = settings.csv.encoding
        raw = con.read_csv(files, **options)
    return contract_table(raw, config=settings)


def spark_table(source: Any, *, session: Any = None, config: Any = None) -> ir.Table:
    """An Ibis table over a Spark table or DataFrame (PySpark backend).

    Parameters
    ----------
    source
        A table name known to the Spark session (``"sales.transactions"``) or a
        ``pyspark.sql.DataFrame`` (registered as a temporary view).
    session
        The SparkSession (default: the DataFrame's session, or the active one).
    config
        Settings or YAML path/mapping for the column mapping.

    Returns
    -------
    ibis.Table
        ``customer_id`` (string), ``date`` (timestamp), ``amount`` (float64).
    """
    ibis = _ibis()
    if isinstance(source, str):
        if session is None:
            from pyspark.sql import SparkSession

            session = SparkSession.getActiveSession()
        if session is None:
            raise ValueError("no active SparkSession: pass session=")
        con = ibis.pyspark.connect(session)
        *database, name = source.split(".")
        table = con.table(name, database=".".join(database) or None)
    else:
        session = session if session is not None else source.sparkSession
        con = ibis.pyspark.connect(session)
        name = f"retention_tx_{id(source):x}"
        source.createOrReplaceTempView(name)
        table = con.table(name)
    return contract_table(table, config=config)


# --------------------------------------------------------------------------- expressions


def _day(date: Any) -> Any:
    ibis = _ibis()
    return date.cast("date").delta(ibis.date(1970, 1, 1), unit="day")


def _month(date: Any) -> Any:
    """Months since 1970-01 of a date/timestamp column, extracted from its calendar *date*.

    The cast to DATE first is deliberate: DuckDB 2.0.1 derives wrong statistics for
    ``EXTRACT(year FROM <TIMESTAMP_NS column>)`` (a pandas ``datetime64[ns]`` column written
    to Parquet), so a ``GROUP BY`` on it used a perfect-hash aggregate over the wrong range
    and returned months ~170 years off (CDNOW: 1829-08 .. 1831-01 for 1997-01 .. 1998-06),
    or failed with "Perfect hash aggregate: aggregate group ... exceeded total groups".
    DuckDB 2.0.0 and PySpark were right.  Extracting from a DATE is right on all of them.
    """
    day = date.cast("date")
    return (day.year().cast("int64") - 1970) * 12 + day.month().cast("int64") - 1


def _months_since_epoch(column: Any) -> np.ndarray:
    """Months since 1970-01 (int64) of a month column, whatever type a backend returns.

    Accepts a pyarrow ``Array``/``ChunkedArray`` of integers (already months since 1970-01,
    as :func:`monthly_expr` computes them), ``date32``/``date64``, ``timestamp`` in any unit
    (``s``, ``ms``, ``us``, ``ns``; with a time zone, the month of the local wall-clock
    time), or strings (``"1997-01"``, ``"1997-01-01"``, ``"1997-01-01 00:00:00"``).  The
    conversion is explicit per type, so it never depends on what unit a backend (or a
    pyarrow/NumPy release) happens to pick.  Nulls are an error.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        column = (column.combine_chunks() if column.num_chunks
                  else pa.array([], type=column.type))
    if column.null_count:
        raise ValueError(f"the backend returned {column.null_count} empty month value(s)")
    kind = column.type
    if pa.types.is_integer(kind):
        return column.to_numpy(zero_copy_only=False).astype(np.int64)
    if pa.types.is_timestamp(kind):
        if kind.tz is not None:
            column = pc.local_timestamp(column)
        values = column.to_numpy(zero_copy_only=False)  # datetime64[<unit>], unit kept
    elif pa.types.is_date(kind):
        values = column.to_numpy(zero_copy_only=False)  # datetime64[D] or [ms]
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or (
            hasattr(pa.types, "is_string_view") and pa.types.is_string_view(kind)):
        text = pd.Series(column.to_pylist(), dtype="string")
        values = pd.to_datetime(text, format="ISO8601").to_numpy()
    else:
        raise TypeError(f"cannot read months from a column of type {kind}")
    return values.astype("datetime64[M]").astype(np.int64)


def _as_of_day(as_of: pd.Timestamp) -> int:
    return int((as_of.normalize() - pd.Timestamp(0)).days)


def _period(day: Any, freq: str) -> Any:
    return day if freq == "D" else (day + _WEEK_SHIFT) // 7


#: Largest span of periods (first period of the data to the period of ``as_of``) for which
#: DuckDB counts distinct periods with a bitstring per customer (8192 bits = 1 KiB).
MAX_BITSTRING_PERIODS = 8192


def _duckdb_bits() -> tuple[Any, Any]:
    ibis = _ibis()

    @ibis.udf.agg.builtin(name="bitstring_agg")
    def bitstring_agg(arg: int, lo: int, hi: int) -> str:  # type: ignore[empty-body]
        """DuckDB: a bitstring with bit (arg - lo) set for each value."""

    @ibis.udf.scalar.builtin(name="bit_count")
    def bit_count(arg: str) -> int:  # type: ignore[empty-body]
        """DuckDB: number of set bits."""

    return bitstring_agg, bit_count


def _backend_name(expr: Any) -> str | None:
    """Name of the Ibis backend ``expr`` is bound to (``"duckdb"``, ``"pyspark"``), or
    ``None`` for an unbound or multi-backend expression (then: the portable forms)."""
    try:
        return _ibis().get_backend(expr).name
    except Exception:  # noqa: BLE001 - no single backend
        return None


def _distinct_count(rows: ir.Table, period: Any, *, as_of_period: int) -> Any:
    """Number of distinct periods per group: a bitstring on DuckDB, COUNT(DISTINCT) else."""
    if _backend_name(rows) == "duckdb":
        lo = rows.aggregate(lo=rows.period.min()).to_pyarrow().column("lo")[0].as_py()
        if lo is not None and 0 <= as_of_period - lo < MAX_BITSTRING_PERIODS:
            bitstring_agg, bit_count = _duckdb_bits()
            return bit_count(bitstring_agg(period, int(lo), as_of_period)).cast("int64")
    return period.nunique()


def _amount_at_first(rows: ir.Table) -> Any:
    """The amount of a row of the first period per group: DuckDB's ``arg_min`` (Ibis's
    ``argmin`` compiles to an ordered ``FIRST``, which sorts within each group: the whole
    summary at 20M rows took 2.45 / 2.35 s with it against 2.03 / 2.27 s, medians of 5);
    elsewhere ``argmin`` (Spark: ``min_by``)."""
    ibis = _ibis()
    if _backend_name(rows) == "duckdb":
        @ibis.udf.agg.builtin(name="arg_min")
        def arg_min(arg: float, key: int) -> float:  # type: ignore[empty-body]
            """DuckDB: ``arg`` of the row with the smallest ``key``."""

        return arg_min(rows.amount, rows.period)
    return rows.amount.argmin(rows.period)


def summary_expr(
    table: ir.Table,
    *,
    as_of: object,
    freq: str = "D",
    window_days: int = DEFAULT_SETTINGS.tier_window_days,
    purchases_only: bool = True,
) -> ir.Table:
    """The per-customer summary as an Ibis expression.

    With ``purchases_only`` (the default, as
    :func:`retention_lib.analysis.summary.customer_summary`)
    the rows are first grouped by customer and day, the days whose net amount is positive
    (purchase days) make the periods, and customers without one are left out; the rest of
    this paragraph describes ``purchases_only=False`` (``lifetimes``' behaviour, every day
    with a row is a period).

    One group-by of the rows by customer computes everything but the net amount of each
    customer's first period; that amount is the one row of the first period (``arg_min``)
    when no period of the customer holds two rows, and for the other customers (as many as
    have two rows in one period) it is summed over the rows joined to their first period.
    At 20M transactions on DuckDB (``benchmarks/summary_scale.py``, medians of 5, two
    rounds) :func:`summarize_files` takes 2.02 / 2.24 s this way against 2.13 / 2.59 s when
    every row was joined to its customer's first period and grouped once more; the bare
    group-by takes 0.52 / 0.64 s.  A customer × period group-by is slower still (5 s:
    almost every row is its own group).  ``monetary_value`` is then (net amount − first
    period's) / frequency, equal to the pandas path's sum of the repeat periods up to the
    rounding of that subtraction.

    Parameters
    ----------
    table
        Ibis table with ``customer_id`` (string), ``date`` (timestamp), ``amount`` (float64),
        e.g. from :func:`contract_table`.
    as_of, freq, window_days, purchases_only
        As in :func:`retention_lib.analysis.summary.customer_summary`.

    Returns
    -------
    ibis.Table
        One row per customer, ordered by ``customer_id``: ``customer_id``, ``first_day``,
        ``last_day`` (int64 days since 1970-01-01), ``n_transactions`` (int64),
        ``frequency``, ``recency``, ``T``, ``monetary_value``, ``revenue_total``,
        ``revenue_window`` (float64).
    """
    ibis = _ibis()
    if freq not in SUPPORTED_FREQS:
        raise ValueError(f"freq={freq!r} is not supported; choose one of {list(SUPPORTED_FREQS)}")
    as_of_ts = _as_timestamp(as_of, "as_of")
    window_start = as_of_ts - pd.Timedelta(days=window_days)
    t = table.filter(table.date <= ibis.literal(as_of_ts.to_pydatetime(), type="timestamp"))
    in_window = t.date > ibis.literal(window_start.to_pydatetime(), type="timestamp")
    rows = t.select(
        "customer_id",
        "amount",
        day=_day(t.date),
        win=ibis.ifelse(in_window, t.amount, 0.0),
    )
    as_of_period = _period(_as_of_day(as_of_ts), freq)  # Python int: floor division
    if purchases_only:
        return _purchase_summary_expr(rows, freq=freq, as_of_period=as_of_period)
    rows = rows.mutate(period=_period(rows.day, freq))
    agg = rows.group_by("customer_id").aggregate(
        first_day=rows.day.min(),
        last_day=rows.day.max(),
        n_transactions=rows.count(),
        n_periods=_distinct_count(rows, rows.period, as_of_period=as_of_period),
        first_period=rows.period.min(),
        last_period=rows.period.max(),
        first_row=_amount_at_first(rows),  # exact when each period has one row
        revenue_total=rows.amount.sum(),
        revenue_window=rows.win.sum(),
    )
    # customers with two rows in one period: their first period's rows summed
    multi = agg.filter(agg.n_transactions > agg.n_periods).select(
        m_id=agg.customer_id, m_period=agg.first_period)
    firsts = (
        rows.inner_join(multi, [rows.customer_id == multi.m_id,
                                rows.period == multi.m_period])
        .group_by("m_id").aggregate(first_sum=rows.amount.sum())
    )
    cust = agg.left_join(firsts, agg.customer_id == firsts.m_id)
    cust = cust.mutate(
        repeat_sum=cust.revenue_total - cust.first_sum.fill_null(cust.first_row))
    return _summary_columns(cust, repeat_sum=cust.repeat_sum, as_of_period=as_of_period)


def _summary_columns(cust: ir.Table, *, repeat_sum: Any, as_of_period: int) -> ir.Table:
    """The summary's columns (:data:`~retention_lib.analysis.summary.SUMMARY_COLUMNS` with the day
    numbers) from one row per customer: ``first_day``, ``last_day``, ``n_transactions``,
    ``n_periods``, ``first_period``, ``last_period``, ``revenue_total``, ``revenue_window``;
    ``repeat_sum`` is the revenue of the periods after the first (monetary value's sum)."""
    ibis = _ibis()
    frequency = (cust.n_periods - 1).cast("float64")
    out = cust.select(
        "customer_id",
        first_day=cust.first_day.cast("int64"),
        last_day=cust.last_day.cast("int64"),
        n_transactions=cust.n_transactions.cast("int64"),
        frequency=frequency,
        recency=(cust.last_period - cust.first_period).cast("float64"),
        T=(ibis.literal(as_of_period, type="int64") - cust.first_period).cast("float64"),
        monetary_value=ibis.ifelse(frequency > 0, repeat_sum / frequency, 0.0).cast("float64"),
        revenue_total=cust.revenue_total.cast("float64"),
        revenue_window=cust.revenue_window.cast("float64"),
    )
    return out.order_by("customer_id")


def monthly_expr(
    table: ir.Table,
    *,
    as_of: object | None = None,
    start: object | None = None,
) -> ir.Table:
    """Net revenue per customer and calendar month, long form, as an Ibis expression.

    Parameters
    ----------
    table
        Ibis table with ``customer_id``, ``date``, ``amount`` (see :func:`contract_table`).
    as_of, start
        Keep rows dated in ``[start, as_of]`` (either bound optional).

    Returns
    -------
    ibis.Table
        One row per customer and month with at least one transaction row, ordered by
        ``customer_id``, ``month``: ``customer_id`` (string), ``month`` (int64 months since
        1970-01), ``revenue`` (float64 net amount).
    """
    ibis = _ibis()
    t = table
    if as_of is not None:
        as_of_ts = _as_timestamp(as_of, "as_of")
        t = t.filter(t.date <= ibis.literal(as_of_ts.to_pydatetime(), type="timestamp"))
    if start is not None:
        start_ts = _as_timestamp(start, "start")
        t = t.filter(t.date >= ibis.literal(start_ts.to_pydatetime(), type="timestamp"))
    rows = t.select("customer_id", "amount", month=_month(t.date))
    out = rows.group_by(["customer_id", "month"]).aggregate(revenue=rows.amount.sum())
    return out.order_by(["customer_id", "month"])


def days_expr(table: ir.Table, *, as_of: object | None = None) -> ir.Table:
    """Net amount, rows and purchases per customer and calendar day, as an Ibis expression.

    The engine's form of :func:`retention_lib.analysis.summary.customer_days`.

    Parameters
    ----------
    table
        Ibis table with ``customer_id``, ``date``, ``amount`` (see :func:`contract_table`).
    as_of
        Keep the days up to the day of ``as_of`` (the time of day is ignored, as in
        :func:`retention_lib.analysis.summary.customer_days`).

    Returns
    -------
    ibis.Table
        One row per customer and day with a row that has an id and a date, ordered by
        ``customer_id``, ``day``: ``customer_id`` (string), ``day`` (int64 days since
        1970-01-01), ``amount`` (float64 net amount, missing amounts left out of the sum),
        ``rows`` (int64), ``purchase`` (bool: the day's net amount is positive).
    """
    t = table.filter(table.customer_id.notnull() & table.date.notnull())
    rows = t.select("customer_id", "amount", day=_day(t.date).cast("int64"))
    if as_of is not None:
        rows = rows.filter(rows.day <= _as_of_day(_as_timestamp(as_of, "as_of")))
    out = rows.group_by(["customer_id", "day"]).aggregate(
        amount=rows.amount.sum().fill_null(0.0),
        rows=rows.count(),
        purchase=(rows.amount.sum().fill_null(0.0) > 0),
    )
    return out.order_by(["customer_id", "day"])


# --------------------------------------------------------------------------- execution


def _string_index(values: Any, name: str) -> pd.Index:
    return pd.Index(pd.array(values, dtype="string"), name=name)


def _dates_from_days(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[ns]")


def _to_arrow(expr: ir.Table) -> Any:
    """Execute an expression to a pyarrow Table.

    On DuckDB the compiled SQL is run with its common subexpressions (Ibis compiles what
    several parts read into ``WITH`` clauses) marked: row-level ones ``NOT MATERIALIZED``,
    since DuckDB would otherwise store the filtered transactions in memory (at 20M rows
    2.1 GB peak RSS instead of 1.0 GB); grouped ones ``MATERIALIZED``, computed once (the
    per-customer aggregate read twice by :func:`summary_expr`: unmaterialized, the whole
    summary at 20M rows took 3.3-3.5 s instead of 2.0-2.2 s).
    """
    ibis = _ibis()
    try:
        backend = ibis.get_backend(expr)
    except Exception:  # noqa: BLE001 - not bound to one backend: let Ibis decide
        return expr.to_pyarrow()
    if backend.name != "duckdb":
        return expr.to_pyarrow()
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(str(ibis.to_sql(expr, dialect="duckdb")), read="duckdb")
    for cte in tree.find_all(exp.CTE):
        cte.set("materialized", cte.this.args.get("group") is not None)
    return backend.con.sql(tree.sql(dialect="duckdb")).to_arrow_table()


def _column(arrow: Any, name: str, dtype: Any) -> np.ndarray:
    return arrow.column(name).to_numpy().astype(dtype, copy=False)


def _purchase_summary_expr(rows: ir.Table, *, freq: str, as_of_period: int) -> ir.Table:
    """:func:`summary_expr` with ``purchases_only``: periods of purchase days only."""
    days = rows.group_by(["customer_id", "day"]).aggregate(
        net=rows.amount.sum(), win=rows.win.sum(), n=rows.count())
    totals = days.group_by("customer_id").aggregate(
        n_transactions=days.n.sum(), revenue_total=days.net.sum(),
        revenue_window=days.win.sum())
    bought = days.filter(days.net > 0)
    bought = bought.mutate(period=_period(bought.day, freq))
    span = bought.group_by("customer_id").aggregate(
        first_day=bought.day.min(), last_day=bought.day.max())
    per = bought.group_by(["customer_id", "period"]).aggregate(psum=bought.net.sum())
    agg = per.group_by("customer_id").aggregate(
        n_periods=per.count(), first_period=per.period.min(),
        last_period=per.period.max(), purchase_sum=per.psum.sum())
    heads = agg.select(h_id=agg.customer_id, h_period=agg.first_period)
    firsts = per.inner_join(heads, [per.customer_id == heads.h_id,
                                    per.period == heads.h_period]).select(
        f_id=per.customer_id, first_sum=per.psum)
    # every customer with a row (totals) is kept: one without a purchase day has a null
    # first_day, which summarize_table counts and leaves out
    cust = (totals.left_join(agg, "customer_id")
            .left_join(span, "customer_id")
            .left_join(firsts, totals.customer_id == firsts.f_id))
    return _summary_columns(cust, repeat_sum=cust.purchase_sum - cust.first_sum,
                            as_of_period=as_of_period)


def summarize_table(
    table: ir.Table,
    *,
    as_of: object,
    freq: str = "D",
    window_days: int = DEFAULT_SETTINGS.tier_window_days,
    config: Any = None,
    purchases_only: bool = True,
) -> pd.DataFrame:
    """Per-customer summary of an Ibis table, computed by its backend.

    Parameters
    ----------
    table
        Any Ibis table (DuckDB, PySpark, a warehouse) with the transaction columns
        (``customer_id``, ``date``, ``amount`` after the mapping of ``config``).
    as_of, freq, window_days
        As in :func:`retention_lib.analysis.summary.customer_summary`.
    config
        Settings or YAML path/mapping (column mapping, decimal comma).

    Returns
    -------
    pandas.DataFrame
        Exactly the frame of :func:`retention_lib.analysis.summary.customer_summary`: index
        ``customer_id`` (string dtype, sorted), columns :data:`~retention_lib.analysis.summary.
        SUMMARY_COLUMNS` (``first_purchase``/``last_purchase`` datetime64[ns],
        ``n_transactions`` int64, the rest float64), ``attrs`` ``as_of``, ``freq``,
        ``window_days``.
    """
    as_of_ts = _as_timestamp(as_of, "as_of")
    expr = summary_expr(contract_table(table, config=config), as_of=as_of_ts, freq=freq,
                        window_days=window_days, purchases_only=purchases_only)
    arrow = _to_arrow(expr)
    no_purchase = 0
    if purchases_only:  # rows of customers without a purchase day: counted, left out
        import pyarrow.compute as pc

        bought = pc.is_valid(arrow.column("first_day"))
        no_purchase = len(arrow) - int(pc.sum(bought).as_py() or 0)
        if no_purchase:
            arrow = arrow.filter(bought)
    data = {
        "first_purchase": _dates_from_days(_column(arrow, "first_day", np.int64)),
        "last_purchase": _dates_from_days(_column(arrow, "last_day", np.int64)),
        "n_transactions": _column(arrow, "n_transactions", np.int64),
    }
    for name in SUMMARY_COLUMNS[3:]:
        data[name] = _column(arrow, name, np.float64)
    index = _string_index(arrow.column("customer_id"), "customer_id")
    out = pd.DataFrame(data, index=index)
    out.attrs = {"as_of": as_of_ts, "freq": freq, "window_days": window_days,
                 "purchases_only": bool(purchases_only), "no_purchase": no_purchase}
    return out


def summarize_files(
    paths_or_folder: str | Path | Iterable[str | Path],
    *,
    as_of: object,
    freq: str = "D",
    window_days: int = DEFAULT_SETTINGS.tier_window_days,
    config: Any = None,
    purchases_only: bool = True,
) -> pd.DataFrame:
    """Per-customer summary computed by DuckDB directly on Parquet/CSV files.

    Only the per-customer result is loaded into memory (about 100 bytes per customer plus
    DuckDB's working memory), never the transactions.

    Parameters
    ----------
    paths_or_folder
        Files, glob or folder, see :func:`read_transactions`.
    as_of, freq, window_days, purchases_only
        As in :func:`retention_lib.analysis.summary.customer_summary`.
    config
        Settings or YAML path/mapping (column mapping, CSV options).

    Returns
    -------
    pandas.DataFrame
        The frame of :func:`retention_lib.analysis.summary.customer_summary` (see
        :func:`summarize_table`).
    """
    settings = load_settings(config)
    table = read_transactions(paths_or_folder, config=settings)
    # the table is already mapped; mapping again is a no-op on contract names
    return summarize_table(table, as_of=as_of, freq=freq, window_days=window_days,
                           purchases_only=purchases_only)


def monthly_revenue_table(
    table: ir.Table,
    *,
    as_of: object | None = None,
    start: object | None = None,
    config: Any = None,
) -> pd.DataFrame:
    """Net revenue per customer and month (long form) of an Ibis table.

    Parameters
    ----------
    table
        Any Ibis table with the transaction columns (see :func:`summarize_table`).
    as_of, start
        Keep rows dated in ``[start, as_of]`` (either bound optional), as
        :func:`retention_lib.analysis.summary.monthly_revenue`.
    config
        Settings or YAML path/mapping (column mapping).

    Returns
    -------
    pandas.DataFrame
        RangeIndex; columns ``customer_id`` (string), ``month`` (``period[M]``), ``revenue``
        (float64 net amount), one row per customer and month with at least one
        transaction row, sorted by ``customer_id`` then ``month``.  Months without a
        transaction are absent (they are 0.0 in :func:`monthly_matrix`).
    """
    expr = monthly_expr(contract_table(table, config=config), as_of=as_of, start=start)
    arrow = _to_arrow(expr)
    month_numbers = _months_since_epoch(arrow.column("month"))
    _check_month_bounds(month_numbers, as_of=as_of, start=start)
    months = month_numbers.astype("datetime64[M]")
    return pd.DataFrame({
        "customer_id": pd.array(arrow.column("customer_id"), dtype="string"),
        "month": pd.PeriodIndex(months.astype("datetime64[ns]"), freq="M"),
        "revenue": _column(arrow, "revenue", np.float64),
    })


def _month_number(bound: object, name: str) -> int:
    return int(_as_timestamp(bound, name).to_numpy().astype("datetime64[M]").astype(np.int64))


def _check_month_bounds(months: np.ndarray, *, as_of: object | None,
                        start: object | None) -> None:
    """Refuse months outside the requested bounds: a backend that computed them wrongly
    must fail loudly rather than hand back a matrix 170 years wide."""
    if not len(months):
        return
    checks = []
    if as_of is not None:
        checks.append(("as_of", as_of, months > _month_number(as_of, "as_of")))
    if start is not None:
        checks.append(("start", start, months < _month_number(start, "start")))
    for name, bound, bad in checks:
        if bad.any():
            first = np.datetime64(int(months[bad][0]), "M")
            raise RuntimeError(
                f"the backend returned month {first} outside the requested {name} "
                f"{_as_timestamp(bound, name).date()} ({int(bad.sum())} row(s)): its date "
                "arithmetic is wrong for this column type; please report the backend "
                "and its version")


def customer_days_table(
    table: ir.Table, *, as_of: object | None = None, config: Any = None
) -> pd.DataFrame:
    """The per-customer-day table of an Ibis table, computed by its backend.

    Returns the frame of :func:`retention_lib.analysis.summary.customer_days` (same columns, dtypes
    and order: ``customer_id``, ``date``, ``amount``, ``rows``, ``purchase``, sorted by
    ``customer_id`` then ``date``).  ``config``: settings or YAML path/mapping (column
    mapping).
    """
    arrow = _to_arrow(days_expr(contract_table(table, config=config), as_of=as_of))
    return pd.DataFrame({
        "customer_id": pd.array(arrow.column("customer_id"), dtype="string"),
        "date": _dates_from_days(_column(arrow, "day", np.int64)),
        "amount": _column(arrow, "amount", np.float64),
        "rows": _column(arrow, "rows", np.int64),
        "purchase": _column(arrow, "purchase", bool),
    })


def customer_days_files(
    paths_or_folder: str | Path | Iterable[str | Path],
    *,
    as_of: object | None = None,
    config: Any = None,
) -> pd.DataFrame:
    """:func:`customer_days_table` computed by DuckDB directly on Parquet/CSV files."""
    settings = load_settings(config)
    return customer_days_table(read_transactions(paths_or_folder, config=settings),
                               as_of=as_of)


def monthly_revenue_files(
    paths_or_folder: str | Path | Iterable[str | Path],
    *,
    as_of: object | None = None,
    start: object | None = None,
    config: Any = None,
) -> pd.DataFrame:
    """:func:`monthly_revenue_table` computed by DuckDB directly on Parquet/CSV files.

    Returns
    -------
    pandas.DataFrame
        Long form ``customer_id`` (string), ``month`` (``period[M]``), ``revenue`` (float64).
    """
    settings = load_settings(config)
    table = read_transactions(paths_or_folder, config=settings)
    return monthly_revenue_table(table, as_of=as_of, start=start)


def monthly_matrix(
    long: pd.DataFrame,
    *,
    as_of: object | None = None,
    start: object | None = None,
) -> pd.DataFrame:
    """Pivot the long monthly table to the matrix of
    :func:`retention_lib.analysis.summary.monthly_revenue`.

    Parameters
    ----------
    long
        Output of :func:`monthly_revenue_table` (sorted by ``customer_id``, ``month``).
    as_of, start
        The bounds it was computed with: the matrix spans the month of ``start`` (default:
        the first month present) to the month of ``as_of`` (default: the last one).

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string dtype, sorted); columns a gap-free monthly
        ``PeriodIndex`` named ``month``; float64 values, 0.0 for months without
        transactions.
    """
    months = long["month"].to_numpy().astype("datetime64[M]").astype(np.int64) \
        if len(long) else np.zeros(0, np.int64)
    if len(long) == 0:
        columns = pd.PeriodIndex([], freq="M", name="month")
        empty_index = _string_index([], "customer_id")
        return pd.DataFrame(index=empty_index, columns=columns, dtype=np.float64)
    first_m = _month_number(start, "start") if start is not None else int(months.min())
    last_m = _month_number(as_of, "as_of") if as_of is not None else int(months.max())
    outside = (months < first_m) | (months > last_m)
    if outside.any():  # negative offsets would silently wrap around in the matrix
        raise ValueError(
            f"{int(outside.sum())} row(s) of the monthly table lie outside "
            f"{np.datetime64(first_m, 'M')} .. {np.datetime64(last_m, 'M')} "
            f"(first: {np.datetime64(int(months[outside][0]), 'M')})")
    n_months = max(last_m - first_m + 1, 0)
    ids = long["customer_id"]
    new = np.ones(len(ids), dtype=bool)
    new[1:] = (ids.to_numpy()[1:] != ids.to_numpy()[:-1])
    codes = np.cumsum(new) - 1
    values = np.zeros((int(codes[-1]) + 1, n_months), dtype=np.float64)
    values[codes, months - first_m] = long["revenue"].to_numpy(dtype=np.float64)
    columns = pd.period_range(
        pd.Period(np.datetime64(first_m, "M"), freq="M"), periods=n_months, freq="M", name="month"
    )
    index = _string_index(ids.to_numpy()[new], "customer_id")
    return pd.DataFrame(values, index=index, columns=columns)
