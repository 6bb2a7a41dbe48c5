"""Customer ids of the input frames as integer codes, looked up once per frame.

The early warning (:mod:`retention_lib.analysis.signals`), its back-test, the event impact and
the win-back queue match millions of id strings of ``transactions``, ``customers``,
``contacts``, ``signals`` and ``usage``. This module factorizes each id column once (in pyarrow
when the strings are pyarrow strings), maps codes to output rows, and reads per-customer
columns (name, manager, tier) by position. Inside a
:func:`retention_lib.analysis.signals.shared_inputs` block the results are remembered per frame
object (:data:`INPUTS`), so several calls on the same frames do the work once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc

from ._checks import require
from .customer_days import customer_codes, customer_day_table
from .shared import FrameMemo, text_codes
from .tiers import value_tiers

__all__ = [
    "INPUTS",
    "arrow_strings",
    "code_of_distinct",
    "customer_columns",
    "factorized",
    "first_row_of_code",
    "first_rows",
    "index_in",
    "isin",
    "memo",
    "memo_on",
    "month_numbers",
    "normalized_in",
    "positions",
    "reindexed",
    "rows_at",
    "str_ids",
    "tier_column",
    "tx_codes",
    "tx_days",
]


def str_ids(ids: pd.Series) -> pd.Series:
    """``ids`` as strings (``astype(str)`` unless they already are a string dtype)."""
    return ids if isinstance(ids.dtype, pd.StringDtype) else ids.astype(str)


def arrow_strings(values: pd.Series | pd.Index) -> Any:
    """The pyarrow array behind a pyarrow-backed string Series/Index, else ``None``."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return pyarrow.array(values.array)
    return None


def index_in(values: pd.Index, uniq: pd.Index) -> np.ndarray:
    """Position in ``uniq`` (distinct strings) of each of ``values`` (-1: absent), int64.

    The same as ``uniq.get_indexer(values)``; with pyarrow strings on both sides the hash
    lookup runs in pyarrow (``pyarrow.compute.index_in``), without Python string objects."""
    left, right = arrow_strings(values), arrow_strings(uniq)
    if left is None or right is None:
        return uniq.get_indexer(values).astype(np.int64)
    if right.type != left.type:
        right = right.cast(left.type)
    where = pc.index_in(left, value_set=right).fill_null(-1)
    return where.to_numpy(zero_copy_only=False).astype(np.int64)


def isin(values: pd.Series | pd.Index, allowed: pd.Index) -> np.ndarray:
    """``values.isin(allowed)`` for string values as a bool array (missing: ``False``).

    With pyarrow strings on both sides the test runs in pyarrow (``pyarrow.compute.is_in``);
    ``allowed`` must not hold missing values."""
    left, right = arrow_strings(values), arrow_strings(allowed)
    if left is None or right is None:
        return np.asarray(values.isin(allowed), dtype=bool)
    if right.type != left.type:
        right = right.cast(left.type)
    hit = pc.is_in(left, value_set=right).fill_null(False)
    return hit.to_numpy(zero_copy_only=False).astype(bool)


#: Memo of :func:`retention_lib.analysis.signals.shared_inputs` (inactive outside a block).
INPUTS = FrameMemo("retention_lib_signals_shared")




def memo(frame: pd.DataFrame, what: tuple[Any, ...], compute: Any) -> Any:
    """``compute()``, remembered per frame object and ``what`` inside a
    :func:`shared_inputs` block (computed every time outside one)."""
    return INPUTS.get(frame, what, compute)


def factorized(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize`` of ``frame[column]`` as strings: (codes, distinct values).

    Remembered per frame object and column inside a :func:`shared_inputs` block."""
    def compute() -> tuple[np.ndarray, pd.Index]:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):  # loader's compact dtype
            return text_codes(frame[column])
        codes, distinct = pd.factorize(str_ids(frame[column]))
        return codes, pd.Index(distinct)

    return memo(frame, ("factorize", column), compute)


def positions(frame: pd.DataFrame, column: str, uniq: pd.Index, pos_of_code: np.ndarray,
               rows: np.ndarray | None = None) -> np.ndarray:
    """Position of each id of ``frame[column]`` among the output rows (-1: not an output row).

    ``uniq`` are the distinct transaction ids and ``pos_of_code`` maps their codes (and -1,
    a missing id, in the last slot) to output positions; ``rows`` (positions in ``frame``)
    restricts the answer to those rows. The ids are factorized first (:func:`factorized`),
    so strings are compared once per distinct id, not once per row.
    """
    codes, distinct = factorized(frame, column)
    if rows is not None:
        codes = codes[rows]
    if len(distinct) == 0:
        return np.full(len(codes), -1, dtype=np.int64)
    where = code_of_distinct(frame, column, uniq)  # -1 when not a transaction id
    return pos_of_code[np.where(codes >= 0, where[np.maximum(codes, 0)], -1)]


def memo_on(frame: pd.DataFrame, what: tuple[Any, ...], owner: Any, compute: Any) -> Any:
    """:func:`memo` for a result that also depends on the object ``owner`` (matched by
    identity, kept alive by the memo)."""
    def with_owner() -> tuple[Any, Any]:
        return owner, compute()

    hit = memo(frame, (*what, id(owner)), with_owner)
    if hit[0] is not owner:  # pragma: no cover - ids are unique while the memo holds owner
        return compute()
    return hit[1]


def code_of_distinct(frame: pd.DataFrame, column: str, uniq: pd.Index) -> np.ndarray:
    """Position in ``uniq`` of each distinct value of ``frame[column]`` (:func:`factorized`
    order; -1: absent). Remembered per frame, column and ``uniq`` object inside a
    :func:`shared_inputs` block (the two early-warning runs of a build share ``uniq``)."""
    return memo_on(frame, ("code_of_distinct", column), uniq,
                    lambda: index_in(factorized(frame, column)[1], uniq))


def tx_codes(transactions: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize`` of ``transactions["customer_id"]`` as strings, sorted: (int64 codes
    of every row, sorted distinct ids).

    String ids go through :func:`retention_lib.analysis.customer_days.customer_codes` (one
    factorization per frame inside
    :func:`retention_lib.analysis.customer_days.shared_customer_codes`, shared with value
    tiers); the result is remembered per frame inside a :func:`shared_inputs` block, so calls
    on the same frame get the same ``uniq`` object."""
    def compute() -> tuple[np.ndarray, pd.Index]:
        ids = transactions["customer_id"]
        if isinstance(ids.dtype, pd.StringDtype):
            codes, uniq = customer_codes(transactions)
        else:
            codes, uniq = pd.factorize(ids.astype(str), sort=True)
        return np.asarray(codes, dtype=np.int64), pd.Index(uniq)

    return memo(transactions, ("tx_codes",), compute)


def tx_days(
    transactions: pd.DataFrame,
) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The per-customer-day table of ``transactions``
    (:func:`retention_lib.analysis.summary.customer_days`) with customer codes into
    :func:`tx_codes`' sorted ids: ``(uniq, code, day, net, bought)``, sorted by code, then
    day.  Remembered per frame inside a :func:`shared_inputs` block; the table itself is
    shared with the churn history and the cohorts (one per frame inside a build, or a
    report: :func:`retention_lib.analysis.summary.pinned_aggregates`)."""
    def compute() -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        _, uniq = tx_codes(transactions)
        days = customer_day_table(transactions)
        code, day, net, bought = days.code, days.day, days.net, days.bought
        if not isinstance(transactions["customer_id"].dtype, pd.StringDtype):
            # ids of another dtype: tx_codes sorts them as strings
            code = uniq.get_indexer(pd.Index(days.uniques).astype(str))[code]
            order = np.lexsort((day, code))
            code, day, net, bought = code[order], day[order], net[order], bought[order]
        return uniq, code, day, net, bought

    return memo(transactions, ("tx_days",), compute)


def first_row_of_code(customers: pd.DataFrame, uniq: pd.Index) -> np.ndarray:
    """Row of ``customers`` holding the first occurrence of each of ``uniq`` (-1: absent),
    ids compared as strings: ``first_rows(customer ids, uniq)``. Remembered per frame and
    ``uniq`` object inside a :func:`shared_inputs` block."""
    def compute() -> np.ndarray:
        keys = pd.Index(customers["customer_id"].astype(str))
        first = ~np.asarray(keys.duplicated(), dtype=bool)
        rows = np.flatnonzero(first)
        out = np.full(len(uniq), -1, dtype=np.int64)
        if len(rows):
            where = index_in(keys[first], uniq)  # distinct keys: each uniq slot hit once
            hit = where >= 0
            out[where[hit]] = rows[hit]
        return out

    return memo_on(customers, ("first_row_of_code",), uniq, compute)


def rows_at(row_of_code: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``row_of_code`` at ``codes`` (-1 where a code is -1)."""
    if len(row_of_code) == 0:
        return np.full(len(codes), -1, dtype=np.int64)
    return np.where(codes >= 0, row_of_code[np.maximum(codes, 0)], -1)


def month_numbers(frame: pd.DataFrame, column: str) -> np.ndarray | None:
    """Months since 1970-01 (the monthly ``Period`` ordinal) of a datetime64 column;
    missing dates give the smallest int64 (before every month). ``None`` for other dtypes.
    Remembered inside a :func:`shared_inputs` block."""
    dates = frame[column]
    if not (isinstance(dates.dtype, np.dtype) and dates.dtype.kind == "M"):
        return None
    return memo(frame, ("months", column),
                 lambda: dates.to_numpy().astype("datetime64[M]").astype(np.int64))


def normalized_in(frame: pd.DataFrame, column: str, allowed: set[str]) -> np.ndarray:
    """Rows whose ``frame[column]``, as a trimmed case-folded string, is in ``allowed``
    (missing: no).

    Normalizes each distinct value once (same result as normalizing every row)."""
    codes, distinct = factorized(frame, column)
    if len(distinct) == 0:
        return np.zeros(len(frame), dtype=bool)
    norm = pd.Series(distinct).astype(str).str.strip().str.casefold()
    ok = norm.isin(allowed).to_numpy(dtype=bool, na_value=False)
    return np.where(codes >= 0, ok[np.maximum(codes, 0)], False)


def first_rows(keys: pd.Index, targets: pd.Index) -> np.ndarray:
    """Row of ``keys`` holding the first occurrence of each of ``targets`` (-1: absent).

    What ``set_index(keys)``, dropping duplicated keys and ``reindex(targets)`` select,
    as positions (string keys hashed once, in pyarrow when possible)."""
    first = ~np.asarray(keys.duplicated(), dtype=bool)
    rows = np.flatnonzero(first)
    if len(rows) == 0:
        return np.full(len(targets), -1, dtype=np.int64)
    where = index_in(targets, keys[first])
    return np.where(where >= 0, rows[np.maximum(where, 0)], -1)


def reindexed(column: pd.Series, rows: np.ndarray) -> pd.Series | None:
    """``column`` at ``rows`` (missing where -1) as ``reindex`` gives it, for object and
    string columns (the fill keeps their dtype); ``None`` for other dtypes."""
    if not (column.dtype == object or isinstance(column.dtype, pd.StringDtype)):
        return None
    miss = rows < 0
    if len(column) == 0:
        return pd.Series(np.nan, index=range(len(rows)), dtype=column.dtype)
    out = column.iloc[np.maximum(rows, 0)].reset_index(drop=True)
    return out.mask(pd.Series(miss)) if miss.any() else out


def customer_columns(
    customers: pd.DataFrame | None, index: pd.Index, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``name`` and ``manager`` of ``index``'s customers; ``rows``: their first rows in
    ``customers`` (-1: absent; default: looked up)."""
    n = len(index)
    name = np.asarray(index.astype(str), dtype=object)
    manager = np.full(n, "unassigned", dtype=object)
    if customers is None:
        return name, manager
    targets = pd.Index(index.astype(str))
    if rows is None:
        rows = first_rows(pd.Index(customers["customer_id"].astype(str)), targets)
    c = None
    for col in ("name", "manager"):
        if col not in customers.columns:
            continue
        got = reindexed(customers[col], rows)
        if got is None:  # another dtype: the plain reindex (its upcasting rules)
            if c is None:
                c = customers.set_index(customers["customer_id"].astype(str))
                c = c[~c.index.duplicated()]
            got = c[col].reindex(targets)
        if col == "name":
            name = np.where(got.isna().to_numpy(), name, got.astype(object).to_numpy())
        else:
            manager = np.where(got.isna().to_numpy(), manager, got.astype(object).to_numpy())
    return name, manager


def tier_column(
    tiers: pd.DataFrame | pd.Series | None,
    transactions: pd.DataFrame,
    as_of: pd.Timestamp,
    index: pd.Index,
) -> np.ndarray:
    if tiers is None:
        tiers = value_tiers(transactions, as_of=as_of)
    if isinstance(tiers, pd.DataFrame):
        require(tiers, ("tier",), "tiers")
        tiers = tiers["tier"]
    # the tiers as objects, first per id, reindexed on ``index`` (missing: NaN -> "")
    values = tiers.astype(object).to_numpy()
    rows = first_rows(pd.Index(tiers.index.astype(str)), pd.Index(index.astype(str)))
    got = np.full(len(rows), np.nan, dtype=object)
    found = rows >= 0
    got[found] = values[rows[found]]
    return pd.Series(got, dtype=object).fillna("").astype(str).to_numpy(dtype=object)
