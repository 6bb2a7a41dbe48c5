"""The three aggregations as Ibis expressions: summary, per-customer-day table, monthly revenue.

Backend-independent expressions over a table with the contract columns (``customer_id``,
``date``, ``amount``; see :func:`retention_lib.analysis.engine.contract_table`), with faster
forms on DuckDB (bitstrings for distinct periods, ``arg_min``).  Nothing is executed here:
:mod:`retention_lib.analysis.engine` runs them and converts the results to pandas.  The
definitions are those of :mod:`retention_lib.analysis.engine`'s docstring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..config import DEFAULT_SETTINGS
from ._frames import SUPPORTED_FREQS, WEEK_SHIFT, as_timestamp, day_number

if TYPE_CHECKING:  # pragma: no cover
    import ibis.expr.types as ir

__all__ = ["MAX_BITSTRING_PERIODS", "days_expr", "monthly_expr", "require_ibis", "summary_expr"]


def require_ibis() -> Any:
    """The ``ibis`` module; ImportError saying what to install when it is missing."""
    try:
        import ibis
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            "the scale engine needs Ibis with DuckDB: pip install 'ibis-framework[duckdb]'"
        ) from exc
    return ibis


def _day(date: Any) -> Any:
    """Days since 1970-01-01 of a date/timestamp column (time of day ignored)."""
    ibis = require_ibis()
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


def _period(day: Any, freq: str) -> Any:
    """The period of ``freq`` (``"D"``: the day; ``"W"``: the Monday-Sunday week) of a day."""
    return day if freq == "D" else (day + WEEK_SHIFT) // 7


#: Largest span of periods (first period of the data to the period of ``as_of``) for which
#: DuckDB counts distinct periods with a bitstring per customer (8192 bits = 1 KiB).
MAX_BITSTRING_PERIODS = 8192


def _duckdb_bits() -> tuple[Any, Any]:
    ibis = require_ibis()

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
        return require_ibis().get_backend(expr).name
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
    ibis = require_ibis()
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
    have two rows in one period) it is summed over the rows joined to their first period. At
    20M transactions on DuckDB (``benchmarks/summary_scale.py``, medians of 5, two rounds)
    :func:`retention_lib.analysis.engine.summarize_files` takes 2.02 / 2.24 s this way
    against 2.13 / 2.59 s when every row was joined to its customer's first period and
    grouped once more; the bare group-by takes 0.52 / 0.64 s. A customer × period group-by
    is slower still (5 s: almost every row is its own group). ``monetary_value`` is then
    (net amount − first period's) / frequency, equal to the pandas path's sum of the repeat
    periods up to the rounding of that subtraction.

    Parameters
    ----------
    table
        Ibis table with ``customer_id`` (string), ``date`` (timestamp), ``amount`` (float64),
        e.g. from :func:`retention_lib.analysis.engine.contract_table`.
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
    ibis = require_ibis()
    if freq not in SUPPORTED_FREQS:
        raise ValueError(f"freq={freq!r} is not supported; choose one of {list(SUPPORTED_FREQS)}")
    as_of_ts = as_timestamp(as_of, "as_of")
    window_start = as_of_ts - pd.Timedelta(days=window_days)
    t = table.filter(table.date <= ibis.literal(as_of_ts.to_pydatetime(), type="timestamp"))
    in_window = t.date > ibis.literal(window_start.to_pydatetime(), type="timestamp")
    rows = t.select(
        "customer_id",
        "amount",
        day=_day(t.date),
        win=ibis.ifelse(in_window, t.amount, 0.0),
    )
    as_of_period = _period(day_number(as_of_ts), freq)  # Python int: floor division
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
    """The summary's columns (:data:`~retention_lib.analysis._frames.SUMMARY_COLUMNS` with the
    day numbers) from one row per customer: ``first_day``, ``last_day``, ``n_transactions``,
    ``n_periods``, ``first_period``, ``last_period``, ``revenue_total``, ``revenue_window``;
    ``repeat_sum`` is the revenue of the periods after the first (monetary value's sum)."""
    ibis = require_ibis()
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
        Ibis table with ``customer_id``, ``date``, ``amount`` (see
        :func:`retention_lib.analysis.engine.contract_table`).
    as_of, start
        Keep rows dated in ``[start, as_of]`` (either bound optional).

    Returns
    -------
    ibis.Table
        One row per customer and month with at least one transaction row, ordered by
        ``customer_id``, ``month``: ``customer_id`` (string), ``month`` (int64 months since
        1970-01), ``revenue`` (float64 net amount).
    """
    ibis = require_ibis()
    t = table
    if as_of is not None:
        as_of_ts = as_timestamp(as_of, "as_of")
        t = t.filter(t.date <= ibis.literal(as_of_ts.to_pydatetime(), type="timestamp"))
    if start is not None:
        start_ts = as_timestamp(start, "start")
        t = t.filter(t.date >= ibis.literal(start_ts.to_pydatetime(), type="timestamp"))
    rows = t.select("customer_id", "amount", month=_month(t.date))
    out = rows.group_by(["customer_id", "month"]).aggregate(revenue=rows.amount.sum())
    return out.order_by(["customer_id", "month"])


def days_expr(table: ir.Table, *, as_of: object | None = None) -> ir.Table:
    """Net amount, rows and purchases per customer and calendar day, as an Ibis expression.

    The engine's form of :func:`retention_lib.analysis.customer_days.customer_days`.

    Parameters
    ----------
    table
        Ibis table with ``customer_id``, ``date``, ``amount`` (see
        :func:`retention_lib.analysis.engine.contract_table`).
    as_of
        Keep the days up to the day of ``as_of`` (the time of day is ignored, as in
        :func:`retention_lib.analysis.customer_days.customer_days`).

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
        rows = rows.filter(rows.day <= day_number(as_timestamp(as_of, "as_of")))
    out = rows.group_by(["customer_id", "day"]).aggregate(
        amount=rows.amount.sum().fill_null(0.0),
        rows=rows.count(),
        purchase=(rows.amount.sum().fill_null(0.0) > 0),
    )
    return out.order_by(["customer_id", "day"])
