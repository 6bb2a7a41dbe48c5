"""The heavy aggregations written once with Ibis: DuckDB on files, or any Ibis backend.

:mod:`retention_lib.analysis.summary` computes the per-customer summary and the customer ×
month revenue, and :mod:`retention_lib.analysis.customer_days` the per-customer-day table,
with pandas + numpy on a DataFrame already in memory.  The same three aggregations, written as
Ibis expressions (:mod:`retention_lib.analysis.engine_expressions`), run from this module

* on **DuckDB, directly on Parquet / CSV files** (:func:`summarize_files`,
  :func:`customer_days_files`, :func:`monthly_revenue_files`; which files:
  :mod:`retention_lib.analysis.engine_files`): the transactions are never loaded into
  pandas, only the per-customer (per customer-day, per customer-month) result is;
* on **any other Ibis backend** (:func:`summarize_table`, :func:`customer_days_table`,
  :func:`monthly_revenue_table`): PySpark (``ibis.pyspark.connect(spark)``, see
  :func:`spark_table`), or a warehouse (Snowflake, BigQuery, Postgres, ...).

The results are the same pandas frames as
:func:`retention_lib.analysis.summary.customer_summary` (same index, columns, dtypes,
``attrs``) and :func:`retention_lib.analysis.customer_days.customer_days` and, for the
monthly table, the long form of :func:`retention_lib.analysis.summary.monthly_revenue`
(:func:`monthly_matrix` pivots it to the same matrix; the months a backend returns are
converted and checked by :mod:`retention_lib.analysis.engine_months`).

Definitions (identical to :mod:`retention_lib.analysis.summary`)
----------------------------------------------------------------
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

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..config import DEFAULT_SETTINGS, load_settings
from ._frames import REQUIRED_COLUMNS, SUMMARY_COLUMNS, as_timestamp, dates_from_days
from .engine_expressions import days_expr, monthly_expr, require_ibis, summary_expr
from .engine_files import transaction_files
from .engine_months import check_month_bounds, month_number, months_since_epoch

if TYPE_CHECKING:  # pragma: no cover
    import ibis.expr.types as ir

__all__ = [
    "LONG_COLUMNS",
    "contract_table",
    "customer_days_files",
    "customer_days_table",
    "monthly_matrix",
    "monthly_revenue_files",
    "monthly_revenue_table",
    "read_transactions",
    "spark_table",
    "summarize_files",
    "summarize_table",
]

#: Columns of the long customer × month table, in order.
LONG_COLUMNS = ("customer_id", "month", "revenue")


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
    ibis = require_ibis()
    settings = load_settings(config)
    mapping = dict(settings.columns.get("transactions", {}))
    found = list(table.columns)
    by_name: dict[str, str] = {}
    for source in found:
        target = mapping.get(source, source)
        by_name.setdefault(target, source)
    for source in found:  # contract names match case-insensitively, after the mapping
        target = mapping.get(source, source)
        for name in REQUIRED_COLUMNS:
            if target.lower() == name and name not in by_name:
                by_name[name] = source
    missing = [c for c in REQUIRED_COLUMNS if c not in by_name]
    if missing:
        raise KeyError(
            f"transactions lack column(s) {missing}; required: {list(REQUIRED_COLUMNS)}, "
            f"found: {found}" + (f" (after mapping {mapping})" if mapping else "")
        )
    cid, date, amount = (table[by_name[c]] for c in REQUIRED_COLUMNS)
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
    ibis = require_ibis()
    settings = load_settings(config)
    kind, files = transaction_files(paths_or_folder)
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
    ibis = require_ibis()
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


# --------------------------------------------------------------------------- execution


def _arrow_string_index(values: Any, name: str) -> pd.Index:
    """A ``string``-dtype Index named ``name`` of a pyarrow column (or any values)."""
    return pd.Index(pd.array(values, dtype="string"), name=name)


def _to_arrow(expr: ir.Table) -> Any:
    """Execute an expression to a pyarrow Table.

    On DuckDB the compiled SQL is run with its common subexpressions (Ibis compiles what
    several parts read into ``WITH`` clauses) marked: row-level ones ``NOT MATERIALIZED``,
    since DuckDB would otherwise store the filtered transactions in memory (at 20M rows
    2.1 GB peak RSS instead of 1.0 GB); grouped ones ``MATERIALIZED``, computed once (the
    per-customer aggregate read twice by
    :func:`~retention_lib.analysis.engine_expressions.summary_expr`: unmaterialized, the whole
    summary at 20M rows took 3.3-3.5 s instead of 2.0-2.2 s).
    """
    ibis = require_ibis()
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
    """Column ``name`` of a pyarrow table as a NumPy array of ``dtype``."""
    return arrow.column(name).to_numpy().astype(dtype, copy=False)


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
        ``customer_id`` (string dtype, sorted), columns :data:`~retention_lib.analysis._frames.
        SUMMARY_COLUMNS` (``first_purchase``/``last_purchase`` datetime64[ns],
        ``n_transactions`` int64, the rest float64), ``attrs`` ``as_of``, ``freq``,
        ``window_days``.
    """
    as_of_ts = as_timestamp(as_of, "as_of")
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
        "first_purchase": dates_from_days(_column(arrow, "first_day", np.int64)),
        "last_purchase": dates_from_days(_column(arrow, "last_day", np.int64)),
        "n_transactions": _column(arrow, "n_transactions", np.int64),
    }
    for name in SUMMARY_COLUMNS[3:]:
        data[name] = _column(arrow, name, np.float64)
    index = _arrow_string_index(arrow.column("customer_id"), "customer_id")
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
    month_numbers = months_since_epoch(arrow.column("month"))
    check_month_bounds(month_numbers, as_of=as_of, start=start)
    months = month_numbers.astype("datetime64[M]")
    return pd.DataFrame({
        "customer_id": pd.array(arrow.column("customer_id"), dtype="string"),
        "month": pd.PeriodIndex(months.astype("datetime64[ns]"), freq="M"),
        "revenue": _column(arrow, "revenue", np.float64),
    })


def customer_days_table(
    table: ir.Table, *, as_of: object | None = None, config: Any = None
) -> pd.DataFrame:
    """The per-customer-day table of an Ibis table, computed by its backend.

    Returns the frame of :func:`retention_lib.analysis.customer_days.customer_days` (same
    columns, dtypes and order: ``customer_id``, ``date``, ``amount``, ``rows``, ``purchase``,
    sorted by ``customer_id`` then ``date``).  ``config``: settings or YAML path/mapping (column
    mapping).
    """
    arrow = _to_arrow(days_expr(contract_table(table, config=config), as_of=as_of))
    return pd.DataFrame({
        "customer_id": pd.array(arrow.column("customer_id"), dtype="string"),
        "date": dates_from_days(_column(arrow, "day", np.int64)),
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
        empty_index = _arrow_string_index([], "customer_id")
        return pd.DataFrame(index=empty_index, columns=columns, dtype=np.float64)
    first_m = month_number(start, "start") if start is not None else int(months.min())
    last_m = month_number(as_of, "as_of") if as_of is not None else int(months.max())
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
    index = _arrow_string_index(ids.to_numpy()[new], "customer_id")
    return pd.DataFrame(values, index=index, columns=columns)
