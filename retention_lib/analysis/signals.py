"""Early-warning markers: which active customers show signs of leaving, and what is at stake.

DESIGN.md rule 8. Every marker compares a customer with **their own** earlier behaviour, so a
big and a small customer are judged fairly. All windows are counted in calendar days back
from the report date ``T`` (``as_of``):

* **recent window** ``R = (T - recent_days, T]`` (default 90 days);
* **baseline window** ``B = (T - recent_days - baseline_days, T - recent_days]`` (default
  365 days), shortened for a customer who started buying inside it to
  ``(first_purchase - 1, T - recent_days]``. A baseline *rate* is a count in B divided by
  the length of B; the **expected** count in R is that rate times ``recent_days``.

A *purchase* is a transaction row with ``amount > 0``; *orders* are the distinct days with a
purchase (so an export with one row per order line counts one order per day); *revenue* is
the net sum of all amounts (refunds included).

Markers (column name: rule; every threshold is a keyword argument)
-------------------------------------------------------------------
``orders_down``
    Orders in R below ``drop_ratio`` (0.5) x the expected orders **and** net revenue in R
    below ``drop_ratio`` x the expected revenue (``orders_rule="both"``, the default: a
    customer who puts the same spend into fewer, bigger orders is not leaving, and on the
    sample a revenue drop alone did not predict churn; ``"orders"``, ``"revenue"`` or
    ``"either"`` choose another rule). Judged only when the expected orders are at least
    ``min_expected`` (1.0): a customer who buys twice a year is not "down" after a quiet
    quarter (the ``overdue`` marker judges them).
``contacts_down``  (needs ``contacts``)
    Engaged contacts in R below ``drop_ratio`` x expected, expected >= ``min_expected``. An
    *engaged* contact is one the customer answered (``answered`` true) or started
    (``direction == "inbound"``); without either column every contact counts.
``complaints_up``  (needs ``signals``)
    At least one signal of a kind in ``complaint_kinds`` in R, and more than
    ``complaint_factor`` (2) x the expected complaints.
``competitor_interest``  (needs ``signals``)
    At least one signal of a kind in ``competitor_kinds`` in R.
``not_using``  (needs ``usage``)
    Paying but not using: mean ``active_units`` over the last ``round(recent_days / 30.4375)``
    complete months (3) below ``usage_ratio`` (0.5) x the mean over the
    ``round(baseline_days / 30.4375)`` complete months before them (12), the baseline mean
    being positive. Months without a usage row are not counted; every customer judged is
    active, i.e. still buying.
``overdue``
    Days since the last purchase greater than ``overdue_factor`` (2.0) x the customer's median
    interval between orders (all orders up to T; at least ``min_intervals`` = 2 intervals) and
    greater than ``min_overdue_days`` (30).
``low_p_alive``  (needs ``p_alive``, e.g. from the BG/NBD model of
:mod:`retention_lib.analysis.clv`)
    Probability of being alive below ``p_alive_threshold`` (0.5).

Kinds are compared case-insensitively after trimming. A missing optional table switches off
only its markers: they are ``False`` for everyone and listed in ``attrs["markers_off"]``
with the reason.

History
-------
A customer whose first purchase is later than ``T - min_history_days`` (default
``recent_days + 90`` = 180 days) has too little history for a baseline: ``history`` is
``"not enough history"``, every marker is ``False`` and the risk score 0 (not flagged, not
dropped). Everyone else has ``history == "ok"``.

Risk score and value at risk
----------------------------
``risk_score = 1 - prod(1 - weight[m])`` over the markers ``m`` that fired ("noisy-OR": each
fired marker independently carries a chance ``weight[m]`` that the customer is leaving), so
it is 0 with no marker, ``weight[m]`` with one, grows with every further marker and stays
below 1. Default weights (:data:`DEFAULT_WEIGHTS`) were set on the sample business and the
back-test (:mod:`retention_lib.analysis.backtest`). ``revenue_12m`` is the net revenue in
``(T - 365 days, T]``; ``value_at_risk = max(revenue_12m, 0) x risk_score``: the 12-month
revenue expected to be lost if nothing is done. A customer is **flagged** when at least
``min_markers`` (1) markers fired and ``risk_score >= flag_threshold`` (0.5): competitor
interest or paying-but-not-using flag a customer on their own; overdue, complaints and the weak
markers (buying less, less responsive; lift about 2.5 on the sample back-test) need a second
marker.  On the sample back-test (2025-08-01) 0.5 gives precision 0.52 / recall 0.49 / lift
7.8, against 0.45 / 0.61 / 8.4 at 0.35: at 0.5 the customers who really leave are the
majority of the at-risk list, which is what a director acts on.
The weights are close to the share of customers who left within 90 days among those on whom
the marker fired in the sample back-test (at 2025-08-01).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc

from ..config import DEFAULT_SETTINGS
from ..i18n import Translator, get_translator
from ._frames import as_day, day_number, money_key
from .churn import _require
from .customer_days import customer_codes, customer_day_table
from .shared import FrameMemo, text_codes
from .tiers import value_tiers

__all__ = [
    "DEFAULT_WEIGHTS",
    "HISTORY_OK",
    "HISTORY_SHORT",
    "MARKERS",
    "MARKER_LABELS",
    "MARKER_TABLES",
    "at_risk_list",
    "at_risk_metrics",
    "early_warning",
    "marker_label",
    "marker_sentences",
    "shared_inputs",
]

#: Every marker, in the order of the output columns and of the sentences.
MARKERS = (
    "orders_down",
    "overdue",
    "contacts_down",
    "complaints_up",
    "competitor_interest",
    "not_using",
    "low_p_alive",
)

#: Short English label per marker (for tables and legends; the catalog's
#: ``diagnostics.marker_label.*``, see :func:`marker_label` for other languages).
MARKER_LABELS = {
    m: get_translator("en").t(f"diagnostics.marker_label.{m}") for m in MARKERS
}

#: The input each marker needs besides ``transactions``.
MARKER_TABLES = {
    "contacts_down": "contacts",
    "complaints_up": "signals",
    "competitor_interest": "signals",
    "not_using": "usage",
    "low_p_alive": "p_alive",
}

#: Default weight of each marker in the noisy-OR risk score.
DEFAULT_WEIGHTS: dict[str, float] = {
    "orders_down": 0.2,
    "overdue": 0.4,
    "contacts_down": 0.2,
    "complaints_up": 0.45,
    "competitor_interest": 0.6,
    "not_using": 0.6,
    "low_p_alive": 0.4,
}

HISTORY_OK = "ok"
HISTORY_SHORT = "not enough history"
_MONTH_DAYS = 30.4375


# ----------------------------------------------------------------------------- helpers


def _norm_kinds(kinds: Iterable[str]) -> set[str]:
    if isinstance(kinds, str):
        kinds = (kinds,)
    return {str(k).strip().casefold() for k in kinds}


def _str_ids(ids: pd.Series) -> pd.Series:
    """``ids`` as strings (``astype(str)`` unless they already are a string dtype)."""
    return ids if isinstance(ids.dtype, pd.StringDtype) else ids.astype(str)


def _arrow_strings(values: pd.Series | pd.Index) -> Any:
    """The pyarrow array behind a pyarrow-backed string Series/Index, else ``None``."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return pyarrow.array(values.array)
    return None


def _index_in(values: pd.Index, uniq: pd.Index) -> np.ndarray:
    """Position in ``uniq`` (distinct strings) of each of ``values`` (-1: absent), int64.

    The same as ``uniq.get_indexer(values)``; with pyarrow strings on both sides the hash
    lookup runs in pyarrow (``pyarrow.compute.index_in``), without Python string objects."""
    left, right = _arrow_strings(values), _arrow_strings(uniq)
    if left is None or right is None:
        return uniq.get_indexer(values).astype(np.int64)
    if right.type != left.type:
        right = right.cast(left.type)
    where = pc.index_in(left, value_set=right).fill_null(-1)
    return where.to_numpy(zero_copy_only=False).astype(np.int64)


def _isin(values: pd.Series | pd.Index, allowed: pd.Index) -> np.ndarray:
    """``values.isin(allowed)`` for string values as a bool array (missing: ``False``).

    With pyarrow strings on both sides the test runs in pyarrow (``pyarrow.compute.is_in``);
    ``allowed`` must not hold missing values."""
    left, right = _arrow_strings(values), _arrow_strings(allowed)
    if left is None or right is None:
        return np.asarray(values.isin(allowed), dtype=bool)
    if right.type != left.type:
        right = right.cast(left.type)
    hit = pc.is_in(left, value_set=right).fill_null(False)
    return hit.to_numpy(zero_copy_only=False).astype(bool)


#: Memo of :func:`shared_inputs` (``None`` outside a block).
_SHARED = FrameMemo("retention_lib_signals_shared")


@contextmanager
def shared_inputs() -> Iterator[None]:
    """Within the block, the id columns of the *same* input frames are factorized once.

    :func:`early_warning` (and :func:`retention_lib.analysis.winback.winback_queue`) factorize the
    ``customer_id`` column of ``contacts``, ``signals`` and ``usage`` (millions of strings)
    and normalize the signal kinds and contact directions. A caller that runs them several
    times on the same frame objects (:func:`retention_lib.pages.diagnostics.build_diagnostics`:
    the report date and the back-test date) wraps the calls in ``with shared_inputs():`` so
    this is done once; results are identical. Frames are matched by identity and must not be
    modified inside the block. Blocks nest (the outermost owns the memo); outside any block
    nothing is kept.
    """
    with _SHARED.block():
        yield


def _memo(frame: pd.DataFrame, what: tuple[Any, ...], compute: Any) -> Any:
    """``compute()``, remembered per frame object and ``what`` inside a
    :func:`shared_inputs` block (computed every time outside one)."""
    return _SHARED.get(frame, what, compute)


def _factorized(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize`` of ``frame[column]`` as strings: (codes, distinct values).

    Remembered per frame object and column inside a :func:`shared_inputs` block."""
    def compute() -> tuple[np.ndarray, pd.Index]:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):  # loader's compact dtype
            return text_codes(frame[column])
        codes, distinct = pd.factorize(_str_ids(frame[column]))
        return codes, pd.Index(distinct)

    return _memo(frame, ("factorize", column), compute)


def _positions(frame: pd.DataFrame, column: str, uniq: pd.Index, pos_of_code: np.ndarray,
               rows: np.ndarray | None = None) -> np.ndarray:
    """Position of each id of ``frame[column]`` among the output rows (-1: not an output row).

    ``uniq`` are the distinct transaction ids and ``pos_of_code`` maps their codes (and -1,
    a missing id, in the last slot) to output positions; ``rows`` (positions in ``frame``)
    restricts the answer to those rows. The ids are factorized first (:func:`_factorized`),
    so strings are compared once per distinct id, not once per row.
    """
    codes, distinct = _factorized(frame, column)
    if rows is not None:
        codes = codes[rows]
    if len(distinct) == 0:
        return np.full(len(codes), -1, dtype=np.int64)
    where = _code_of_distinct(frame, column, uniq)  # -1 when not a transaction id
    return pos_of_code[np.where(codes >= 0, where[np.maximum(codes, 0)], -1)]


def _memo_on(frame: pd.DataFrame, what: tuple[Any, ...], owner: Any, compute: Any) -> Any:
    """:func:`_memo` for a result that also depends on the object ``owner`` (matched by
    identity, kept alive by the memo)."""
    def with_owner() -> tuple[Any, Any]:
        return owner, compute()

    hit = _memo(frame, (*what, id(owner)), with_owner)
    if hit[0] is not owner:  # pragma: no cover - ids are unique while the memo holds owner
        return compute()
    return hit[1]


def _code_of_distinct(frame: pd.DataFrame, column: str, uniq: pd.Index) -> np.ndarray:
    """Position in ``uniq`` of each distinct value of ``frame[column]`` (:func:`_factorized`
    order; -1: absent). Remembered per frame, column and ``uniq`` object inside a
    :func:`shared_inputs` block (the two early-warning runs of a build share ``uniq``)."""
    return _memo_on(frame, ("code_of_distinct", column), uniq,
                    lambda: _index_in(_factorized(frame, column)[1], uniq))


def _tx_codes(transactions: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize`` of ``transactions["customer_id"]`` as strings, sorted: (int64 codes
    of every row, sorted distinct ids).

    String ids go through :func:`~retention_lib.analysis.customer_days.customer_codes` (one
    factorization per frame inside :func:`~retention_lib.analysis.customer_days.
    shared_customer_codes`, shared with value tiers); the result is remembered per frame
    inside a :func:`shared_inputs` block, so calls on the same frame get the same ``uniq``
    object."""
    def compute() -> tuple[np.ndarray, pd.Index]:
        ids = transactions["customer_id"]
        if isinstance(ids.dtype, pd.StringDtype):
            codes, uniq = customer_codes(transactions)
        else:
            codes, uniq = pd.factorize(ids.astype(str), sort=True)
        return np.asarray(codes, dtype=np.int64), pd.Index(uniq)

    return _memo(transactions, ("tx_codes",), compute)


def _tx_days(
    transactions: pd.DataFrame,
) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The per-customer-day table of ``transactions``
    (:mod:`retention_lib.analysis.customer_days`) with customer codes into
    :func:`_tx_codes`' sorted ids: ``(uniq, code, day, net, bought)``, sorted by code, then
    day.  Remembered per frame inside a :func:`shared_inputs` block; the table itself is
    shared with the churn history and the cohorts (one per frame inside a build, or a
    report: :func:`retention_lib.analysis.pinned.pinned_aggregates`)."""
    def compute() -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        _, uniq = _tx_codes(transactions)
        days = customer_day_table(transactions)
        code, day, net, bought = days.code, days.day, days.net, days.bought
        if not isinstance(transactions["customer_id"].dtype, pd.StringDtype):
            # ids of another dtype: _tx_codes sorts them as strings
            code = uniq.get_indexer(pd.Index(days.uniques).astype(str))[code]
            order = np.lexsort((day, code))
            code, day, net, bought = code[order], day[order], net[order], bought[order]
        return uniq, code, day, net, bought

    return _memo(transactions, ("tx_days",), compute)


def _first_row_of_code(customers: pd.DataFrame, uniq: pd.Index) -> np.ndarray:
    """Row of ``customers`` holding the first occurrence of each of ``uniq`` (-1: absent),
    ids compared as strings: ``_first_rows(customer ids, uniq)``. Remembered per frame and
    ``uniq`` object inside a :func:`shared_inputs` block."""
    def compute() -> np.ndarray:
        keys = pd.Index(customers["customer_id"].astype(str))
        first = ~np.asarray(keys.duplicated(), dtype=bool)
        rows = np.flatnonzero(first)
        out = np.full(len(uniq), -1, dtype=np.int64)
        if len(rows):
            where = _index_in(keys[first], uniq)  # distinct keys: each uniq slot hit once
            hit = where >= 0
            out[where[hit]] = rows[hit]
        return out

    return _memo_on(customers, ("first_row_of_code",), uniq, compute)


def _rows_at(row_of_code: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``row_of_code`` at ``codes`` (-1 where a code is -1)."""
    if len(row_of_code) == 0:
        return np.full(len(codes), -1, dtype=np.int64)
    return np.where(codes >= 0, row_of_code[np.maximum(codes, 0)], -1)


def _in_window(dates: pd.Series, lo: pd.Timestamp, hi: pd.Timestamp) -> np.ndarray:
    """``(dates > lo) & (dates <= hi)`` as a bool array (missing: ``False``); on the numpy
    datetime values when the column holds them."""
    if isinstance(dates.dtype, np.dtype) and dates.dtype.kind == "M":
        v = dates.to_numpy()
        return (v > lo.to_datetime64()) & (v <= hi.to_datetime64())
    return ((dates > lo) & (dates <= hi)).to_numpy(dtype=bool, na_value=False)


def _month_numbers(frame: pd.DataFrame, column: str) -> np.ndarray | None:
    """Months since 1970-01 (the monthly ``Period`` ordinal) of a datetime64 column;
    missing dates give the smallest int64 (before every month). ``None`` for other dtypes.
    Remembered inside a :func:`shared_inputs` block."""
    dates = frame[column]
    if not (isinstance(dates.dtype, np.dtype) and dates.dtype.kind == "M"):
        return None
    return _memo(frame, ("months", column),
                 lambda: dates.to_numpy().astype("datetime64[M]").astype(np.int64))


def _normalized_in(frame: pd.DataFrame, column: str, allowed: set[str]) -> np.ndarray:
    """Rows whose ``frame[column]``, as a trimmed case-folded string, is in ``allowed``
    (missing: no).

    Normalizes each distinct value once (same result as normalizing every row)."""
    codes, distinct = _factorized(frame, column)
    if len(distinct) == 0:
        return np.zeros(len(frame), dtype=bool)
    norm = pd.Series(distinct).astype(str).str.strip().str.casefold()
    ok = norm.isin(allowed).to_numpy(dtype=bool, na_value=False)
    return np.where(codes >= 0, ok[np.maximum(codes, 0)], False)


def _day_values(days: np.ndarray, dtype: Any) -> np.ndarray:
    """Day numbers (since 1970-01-01) as midnight datetimes of ``dtype``."""
    return days.astype("datetime64[D]").astype(dtype)


def _count_at(pos: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Rows per output position where ``mask`` holds (float64, length ``n``)."""
    keep = mask & (pos >= 0)
    return np.bincount(pos[keep], minlength=n).astype(np.float64)


def _sum_at(values: np.ndarray, pos: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``values`` per output position where ``mask`` holds (0 for none; NaN skipped).

    A pandas groupby sum over the rows in their order, so the figures are the same as
    grouping by the customer id strings."""
    keep = mask & (pos >= 0)
    out = np.zeros(n, dtype=np.float64)
    if keep.any():
        s = pd.Series(values[keep]).groupby(pos[keep]).sum()
        out[s.index.to_numpy(np.int64)] = s.to_numpy(np.float64)
    return out


def _mean_at(values: np.ndarray, pos: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Mean of ``values`` per output position where ``mask`` holds (NaN for none)."""
    keep = mask & (pos >= 0)
    out = np.full(n, np.nan)
    if keep.any():
        s = pd.Series(values[keep]).groupby(pos[keep]).mean()
        out[s.index.to_numpy(np.int64)] = s.to_numpy(np.float64)
    return out


class _MemoTranslator(Translator):
    """A :class:`~retention_lib.i18n.Translator` that remembers what it formatted.

    :func:`early_warning` writes the English sentences of every active customer; the same
    message with the same arguments, and the same number, recur many times. Messages are
    remembered by key and arguments; numbers and percentages by the exact rounded decimal
    babel formats (``Decimal(str(value))`` scaled and quantized with the current decimal
    context; an ``int`` with no decimals by its value), plural forms by the count. The
    messages themselves are filled in by :meth:`Translator.t` (this class only overrides
    the formatting it calls), so every string is the one the translator itself returns.
    """

    def __init__(self, tr: Translator) -> None:
        super().__init__(tr.lang)
        self._tr = tr
        self._memo_messages: dict[Any, str] = {}
        self._memo_numbers: dict[Any, str] = {}
        self._memo_plural: dict[Any, str] = {}
        #: sentence per :func:`_fact_key` (filled by :func:`early_warning`)
        self.memo_facts: dict[Any, str] = {}

    def t(self, key: str, /, **kwargs: Any) -> str:
        try:
            memo = (key, tuple(kwargs.items()), tuple(map(type, kwargs.values())))
            hit = self._memo_messages.get(memo)
        except TypeError:  # an unhashable argument
            return super().t(key, **kwargs)
        if hit is None:
            hit = self._memo_messages[memo] = super().t(key, **kwargs)
        return hit

    __call__ = t

    def plural_form(self, count: float | int) -> str:
        try:
            memo = (type(count), count)
            hit = self._memo_plural.get(memo)
        except TypeError:
            return super().plural_form(count)
        if hit is None:
            hit = self._memo_plural[memo] = super().plural_form(count)
        return hit

    def _decimal_key(self, value: Any, scale: int, decimals: int) -> Any:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        x = Decimal(str(value))
        if not x.is_finite():
            return None
        x = x.scaleb(scale)
        return (x.is_signed(), str(abs(x).normalize().quantize(Decimal(1).scaleb(-decimals))))

    def number(self, value: Any, *, decimals: int | None = 0) -> str:
        if type(value) is int and decimals == 0:
            key: Any = ("i", value)
        else:
            key = None if decimals is None else self._decimal_key(value, 0, decimals)
            if key is None:
                return super().number(value, decimals=decimals)
            key = ("n", decimals, key)
        hit = self._memo_numbers.get(key)
        if hit is None:
            hit = self._memo_numbers[key] = super().number(value, decimals=decimals)
        return hit

    def percent(self, rate: Any, decimals: int = 1) -> str:
        key = self._decimal_key(rate, 2, decimals)
        if key is None:
            return super().percent(rate, decimals)
        key = ("p", decimals, key)
        hit = self._memo_numbers.get(key)
        if hit is None:
            hit = self._memo_numbers[key] = super().percent(rate, decimals)
        return hit


_ENGLISH: list[_MemoTranslator] = []
_ENGLISH_LIMIT = 200_000  # remembered messages and numbers before the memo starts afresh


def _english_memo() -> _MemoTranslator:
    """The English memo translator of :func:`early_warning`, kept between calls (the
    catalog does not change while the process runs; the memo is bounded)."""
    if not _ENGLISH or (len(_ENGLISH[0]._memo_messages) + len(_ENGLISH[0]._memo_numbers)
                        + len(_ENGLISH[0].memo_facts) > _ENGLISH_LIMIT):
        _ENGLISH[:] = [_MemoTranslator(get_translator("en"))]
    return _ENGLISH[0]


def _empty_lists(n: int) -> list[list[Any]]:
    """``n`` distinct empty lists. The cyclic garbage collector is paused meanwhile: the
    new lists hold nothing, so no cycle can be missed, and a collection triggered by every
    few hundred allocations would otherwise rescan the heap (a tenth of a second per
    hundred thousand customers)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return [[] for _ in range(n)]
    finally:
        if enabled:
            gc.enable()


def _pct0_key(value: Any) -> Any:
    """What ``percent(value, 0)`` depends on: the sign and the whole percentage rounded
    half to even. Away from a half (more than 1e-6 from it, |percentage| below 1e9) the
    float product ``value * 100`` rounds like the decimal text babel rounds; near a half,
    or for anything else, the key is the value itself (formatted exactly)."""
    if value is None or type(value) is not float:
        return ("raw", value)
    x = abs(value * 100.0)
    if not x < 1e9:  # also NaN and inf
        return ("raw", value)
    whole = math.floor(x)
    if abs(x - whole - 0.5) < 1e-6:
        return ("raw", value)
    return (math.copysign(1.0, value) < 0, whole + (x - whole > 0.5))


def _fact_key(fact: Mapping[str, Any]) -> Any:
    """A key under which every fact gets the same :func:`marker_sentences` sentence:
    the marker and its figures, percentages by :func:`_pct0_key` (``None``: unknown)."""
    m = fact["marker"]
    if m == "orders_down":
        return (m, fact["baseline_months"], fact["orders_drop"] is None,
                fact["revenue_drop"] is None, _pct0_key(fact["orders_drop"]),
                _pct0_key(fact["revenue_drop"]))
    if m == "not_using":
        return (m, fact["baseline_months"], _pct0_key(fact["drop"]))
    if m == "low_p_alive":
        return (m, _pct0_key(fact["p_alive"]))
    if m in ("overdue", "contacts_down", "complaints_up", "competitor_interest"):
        try:
            key = (m, *((k, type(v), v) for k, v in fact.items()))
            hash(key)
        except TypeError:
            return None
        return key
    return None


def marker_label(marker: str, *, tr: Translator | None = None) -> str:
    """Short display name of a marker in ``tr``'s language (catalog
    ``diagnostics.marker_label.<marker>``; default English)."""
    tr = tr or get_translator("en")
    return tr.t(f"diagnostics.marker_label.{marker}")


def marker_sentences(facts: Iterable[Mapping[str, Any]], *, tr: Translator | None = None
                     ) -> list[str]:
    """Plain-language sentences of fired markers, from the catalog of ``tr``'s language.

    Parameters
    ----------
    facts
        The ``marker_facts`` list of one :func:`early_warning` row: one mapping per fired
        marker with the key ``marker`` and the marker's figures (see :func:`early_warning`).
    tr
        Translator (default English); percentages, numbers and dates are formatted by locale.

    Returns
    -------
    list of str
        One sentence per fact, in the order given, e.g. ``"orders down 60% vs their previous
        12 months"`` (en) or ``"заказы упали на 60 % к предыдущим 12 месяцам"`` (ru).
    """
    tr = tr or get_translator("en")
    out = []
    for f in facts:
        m = f["marker"]
        key = f"diagnostics.marker.{m}"
        if m == "orders_down":
            o, r = f.get("orders_drop"), f.get("revenue_drop")
            which = "both" if o is not None and r is not None else (
                "orders" if o is not None else "revenue")
            out.append(tr.t(f"{key}.{which}", count=int(f["baseline_months"]),
                            orders=tr.percent(o, 0) if o is not None else "",
                            revenue=tr.percent(r, 0) if r is not None else ""))
        elif m == "overdue":
            out.append(tr.t(key, count=int(f["days"]), interval=int(f["interval"])))
        elif m == "contacts_down":
            out.append(tr.t(key, count=int(f["recent"]), days=int(f["recent_days"]),
                            expected=tr.number(f["expected"], decimals=1),
                            months=int(f["baseline_months"])))
        elif m == "complaints_up":
            out.append(tr.t(key, count=int(f["recent"]), days=int(f["recent_days"]),
                            usual=tr.number(f["usual"], decimals=1)))
        elif m == "competitor_interest":
            out.append(tr.t(key, date=tr.short_date(f["date"])))
        elif m == "not_using":
            out.append(tr.t(key, count=int(f["baseline_months"]), drop=tr.percent(f["drop"], 0)))
        elif m == "low_p_alive":
            out.append(tr.t(key, p=tr.percent(f["p_alive"], 0)))
        else:
            raise ValueError(f"unknown marker {m!r}; allowed: {list(MARKERS)}")
    return out


# ----------------------------------------------------------------------------- main


def early_warning(
    transactions: pd.DataFrame,
    *,
    as_of: Any,
    customers: pd.DataFrame | None = None,
    contacts: pd.DataFrame | None = None,
    signals: pd.DataFrame | None = None,
    usage: pd.DataFrame | None = None,
    tiers: pd.DataFrame | pd.Series | None = None,
    p_alive: pd.Series | None = None,
    markers: Iterable[str] | None = None,
    recent_days: int = 90,
    baseline_days: int = 365,
    min_history_days: int | None = None,
    drop_ratio: float = 0.5,
    min_expected: float = 1.0,
    orders_rule: str = "both",
    complaint_kinds: Iterable[str] = ("complaint",),
    complaint_factor: float = 2.0,
    competitor_kinds: Iterable[str] = ("competitor_interest",),
    usage_ratio: float = 0.5,
    overdue_factor: float = 2.0,
    min_intervals: int = 2,
    min_overdue_days: int = 30,
    p_alive_threshold: float = 0.5,
    weights: Mapping[str, float] | None = None,
    min_markers: int = 1,
    flag_threshold: float = 0.5,
    lapse_days: int = DEFAULT_SETTINGS.lapse_days,
) -> pd.DataFrame:
    """Early-warning markers, risk score and value at risk of every active customer.

    Parameters
    ----------
    transactions
        ``customer_id`` (string), ``date`` (datetime64), ``amount`` (float64). Rows after
        ``as_of`` are ignored.
    as_of
        The report date T.
    customers
        Optional: ``name``, ``manager`` (copied to the output) and ``churned_on`` (a customer
        with ``churned_on <= as_of`` is not active).
    contacts
        Optional: ``customer_id``, ``date``; ``answered`` (bool), ``direction``. Switches on
        ``contacts_down``.
    signals
        Optional: ``customer_id``, ``date``, ``kind``. Switches on ``complaints_up`` and
        ``competitor_interest``.
    usage
        Optional: ``customer_id``, ``period`` (month start), ``active_units``. Switches on
        ``not_using``.
    tiers
        Optional: the :func:`retention_lib.analysis.tiers.value_tiers` frame (its ``tier`` column)
        or a
        Series of tiers indexed by ``customer_id``; default: ``value_tiers`` at ``as_of``
        with its defaults.
    p_alive
        Optional Series (0..1) indexed by ``customer_id``; switches on ``low_p_alive``.
    markers
        The markers to evaluate (default: all of :data:`MARKERS`); the others are off
        (e.g. ``("orders_down", "overdue")`` for transactions-only data).
    recent_days, baseline_days, min_history_days, drop_ratio, min_expected, orders_rule,
    complaint_kinds, complaint_factor, competitor_kinds, usage_ratio, overdue_factor,
    min_intervals, min_overdue_days, p_alive_threshold, min_markers, flag_threshold
        The rules of the module docstring.
    weights
        Marker weights of the risk score, merged over :data:`DEFAULT_WEIGHTS` (each in
        [0, 1]).
    lapse_days
        Who is active: last purchase within ``lapse_days`` (ARCHITECTURE.md).

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string), one row per customer active at ``as_of``, ordered by
        ``value_at_risk`` descending then ``customer_id``. Columns: ``name``, ``manager``
        (str; ``"unassigned"`` when unknown), ``tier`` (str; ``""`` when unknown),
        ``history`` (``"ok"`` / ``"not enough history"``), one bool column per marker of
        :data:`MARKERS`, ``n_markers`` (int64), ``flagged`` (bool), ``risk_score``
        (float64 in [0, 1)), ``revenue_12m``, ``value_at_risk`` (float64),
        ``last_purchase`` (datetime64[ns]), ``days_since_purchase`` (int64),
        ``markers`` (object: list of English plain-language sentences of the fired markers,
        from the catalog), ``marker_facts`` (object: list of dicts, one per fired marker in
        :data:`MARKERS` order, with ``marker`` and its figures: ``orders_down``:
        ``orders_drop``/``revenue_drop`` (share, ``None`` when that part did not fire),
        ``baseline_months``; ``overdue``: ``days``, ``interval``; ``contacts_down``:
        ``recent``, ``expected``, ``recent_days``, ``baseline_months``; ``complaints_up``:
        ``recent``, ``usual``, ``recent_days``; ``competitor_interest``: ``date``;
        ``not_using``: ``drop``, ``baseline_months``; ``low_p_alive``: ``p_alive``). Render
        them in any language with :func:`marker_sentences`.
        ``attrs``: ``markers_on`` (list), ``markers_off`` (dict marker -> reason),
        ``as_of``, ``recent_days``, ``baseline_days``.

    Notes
    -----
    Only contacts and signals dated on or before ``as_of`` and usage months up to the last
    complete month before ``as_of`` are read, so passing the whole tables gives the same
    result as cutting them at ``as_of`` (:func:`retention_lib.analysis.backtest.backtest_markers`
    relies on this). Customer ids are factorized once and every per-customer figure is
    computed on integer codes (inside :func:`shared_inputs` the id columns of contacts,
    signals and usage are factorized once for several calls); only the contacts, signals and
    usage rows inside the baseline and recent windows are matched to customers. The English
    sentences of the ``markers`` column are built once per distinct fact (same figures, or
    percentages that round the same) through a memo kept between calls: the same strings as
    :func:`marker_sentences` with the English translator.

    Raises
    ------
    ValueError
        A table lacks a required column, ``markers`` or ``weights`` names an unknown
        marker, or ``as_of`` is not a date.
    """
    _require(transactions, ("customer_id", "date", "amount"), "transactions")
    T = as_day(as_of, "as_of")
    if orders_rule not in ("both", "orders", "revenue", "either"):
        raise ValueError(
            f"orders_rule={orders_rule!r} is not one of ['both', 'orders', 'revenue', 'either']"
        )
    if recent_days <= 0 or baseline_days <= 0:
        raise ValueError(
            f"recent_days and baseline_days must be positive, got {recent_days}, "
            f"{baseline_days}"
        )
    if min_history_days is None:
        min_history_days = recent_days + 90
    wanted = list(MARKERS) if markers is None else list(markers)
    unknown = [m for m in wanted if m not in MARKERS]
    if unknown:
        raise ValueError(f"unknown marker(s) {unknown}; allowed: {list(MARKERS)}")
    w = dict(DEFAULT_WEIGHTS)
    if weights:
        bad = [m for m in weights if m not in MARKERS]
        if bad:
            raise ValueError(f"unknown marker(s) {bad} in weights; allowed: {list(MARKERS)}")
        w.update({m: float(v) for m, v in weights.items()})
    out_of_range = {m: v for m, v in w.items() if not 0 <= v <= 1}
    if out_of_range:
        raise ValueError(f"marker weights must lie in [0, 1], got {out_of_range}")

    inputs = {"contacts": contacts, "signals": signals, "usage": usage, "p_alive": p_alive}
    off: dict[str, str] = {}
    for m in MARKERS:
        if m not in wanted:
            off[m] = "not requested"
        elif m in MARKER_TABLES and inputs[MARKER_TABLES[m]] is None:
            off[m] = f"no {MARKER_TABLES[m]} table" if m != "low_p_alive" else "no p_alive"
    on = [m for m in MARKERS if m not in off]

    # --- purchases up to T, active customers -----------------------------------------
    # Customer ids are factorized once (sorted, as a groupby would order them) and every
    # per-customer figure is computed on integer positions; see _positions.
    # (the sorted ids of the whole frame: a superset of those up to T, in the same order,
    # so positions and the output are the same as with the ids up to T only)
    # every figure below is read from the per-customer-day table (:func:`_tx_days`): the
    # days up to T with their net amount, and the purchase days among them
    uniq, e_code, e_day, e_net, e_bought = _tx_days(transactions)
    T_day = day_number(T)
    upto = e_day <= T_day
    if not upto.all():
        e_code, e_day, e_net, e_bought = e_code[upto], e_day[upto], e_net[upto], e_bought[upto]
    # distinct (customer, purchase day) pairs, sorted by customer then day
    d_code, d_day = e_code[e_bought], e_day[e_bought]
    date_dtype = transactions["date"].dtype
    if not (isinstance(date_dtype, np.dtype) and date_dtype.kind == "M"):
        date_dtype = np.dtype("datetime64[ns]")
    starts = np.flatnonzero(np.r_[True, d_code[1:] != d_code[:-1]]) if len(d_code) else (
        np.zeros(0, dtype=np.int64))
    ends = np.r_[starts[1:], len(d_code)] - 1 if len(d_code) else np.zeros(0, dtype=np.int64)
    buyers = d_code[starts]  # codes of customers with a purchase, ascending = sorted ids
    first_all = _day_values(d_day[starts], date_dtype)
    last_all = _day_values(d_day[ends], date_dtype)
    active = last_all > np.datetime64(T - pd.Timedelta(days=lapse_days))
    if customers is not None and "churned_on" in customers.columns:
        # churned_on of the first row per id (as set_index / drop duplicates / reindex)
        rows = _rows_at(_first_row_of_code(customers, uniq), buyers)
        gone = (customers["churned_on"] <= T).to_numpy(dtype=bool, na_value=False)
        active &= ~np.where(rows >= 0, gone[np.maximum(rows, 0)] if len(gone) else False,
                            False)
    act_codes = buyers[active]
    index = pd.Index(uniq[act_codes], name="customer_id", dtype="string")
    first = pd.Series(first_all[active], index=index)
    last = pd.Series(last_all[active], index=index)
    n = len(index)
    # position in ``index`` of every tx code (-1: not an active customer)
    pos_of_code = np.full(len(uniq) + 1, -1, dtype=np.int64)  # last slot: missing id
    pos_of_code[act_codes] = np.arange(n, dtype=np.int64)
    t_pos = pos_of_code[e_code]
    d_pos = pos_of_code[d_code]

    r_start = T - pd.Timedelta(days=recent_days)
    b_start = r_start - pd.Timedelta(days=baseline_days)
    # baseline length per customer: (max(b_start, first - 1 day), r_start]
    b_from = (first - pd.Timedelta(days=1)).clip(lower=b_start)
    b_len = ((r_start - b_from).dt.days).to_numpy(np.float64)
    b_len = np.where(b_len > 0, b_len, np.nan)
    scale = recent_days / b_len  # expected in R = count in B x scale
    history_ok = (first <= T - pd.Timedelta(days=min_history_days)).to_numpy(bool)
    # baseline length in whole months (at least 1; 0 without a baseline), rounded half to
    # even like round() (np.rint)
    with np.errstate(invalid="ignore"):
        b_months = np.where(np.isnan(b_len), 0,
                            np.maximum(1, np.rint(b_len / _MONTH_DAYS))).astype(np.int64)

    fired = {m: np.zeros(n, dtype=bool) for m in MARKERS}
    facts: dict[str, dict[int, dict[str, Any]]] = {m: {} for m in MARKERS}

    # --- orders / revenue ---------------------------------------------------------------
    d_dates = _day_values(d_day, date_dtype)
    in_r = d_dates > np.datetime64(r_start)
    in_b = (d_dates > np.datetime64(b_start)) & (d_dates <= np.datetime64(r_start))
    orders_r = _count_at(d_pos, in_r, n)
    orders_b = _count_at(d_pos, in_b, n)
    exp_orders = orders_b * scale
    r_day, b_day = day_number(r_start), day_number(b_start)
    t_r = e_day > r_day
    t_b = (e_day > b_day) & (e_day <= r_day)
    amt = e_net
    rev_r = _sum_at(amt, t_pos, t_r, n)
    rev_b = _sum_at(amt, t_pos, t_b, n)
    exp_rev = rev_b * scale
    if "orders_down" in on:
        judged = history_ok & (exp_orders >= min_expected)
        o_down = judged & (orders_r < drop_ratio * exp_orders)
        r_down = judged & (exp_rev > 0) & (rev_r < drop_ratio * exp_rev)
        fired["orders_down"] = {
            "both": o_down & r_down, "orders": o_down, "revenue": r_down,
            "either": o_down | r_down,
        }[orders_rule]
        for i in np.flatnonzero(fired["orders_down"]):
            facts["orders_down"][i] = {
                "orders_drop": float(1 - orders_r[i] / exp_orders[i]) if o_down[i] else None,
                "revenue_drop": float(1 - rev_r[i] / exp_rev[i]) if r_down[i] else None,
                "baseline_months": int(b_months[i]),
            }

    # --- overdue --------------------------------------------------------------------------
    days_since = (T - last).dt.days.to_numpy(np.int64)
    if "overdue" in on:
        same = (d_code[1:] == d_code[:-1]) & (d_pos[1:] >= 0)
        gaps = np.diff(d_day)[same].astype(np.float64)
        g_pos = d_pos[1:][same]
        med = np.full(n, np.nan)
        n_int = np.bincount(g_pos, minlength=n)
        if len(gaps):
            by = pd.Series(gaps).groupby(g_pos).median()
            med[by.index.to_numpy()] = by.to_numpy(np.float64)
        judged = history_ok & (n_int >= min_intervals)
        fired["overdue"] = (
            judged & (days_since > overdue_factor * med) & (days_since > min_overdue_days)
        )
        for i in np.flatnonzero(fired["overdue"]):
            facts["overdue"][i] = {"days": int(days_since[i]), "interval": int(round(med[i]))}

    # --- contacts ---------------------------------------------------------------------------
    if "contacts_down" in on:
        _require(contacts, ("customer_id", "date"), "contacts")
        engaged = np.zeros(len(contacts), dtype=bool)
        has_rule = False
        if "answered" in contacts.columns:
            engaged |= contacts["answered"].to_numpy(dtype=bool, na_value=False)
            has_rule = True
        if "direction" in contacts.columns:
            engaged |= _normalized_in(contacts, "direction", {"inbound"})
            has_rule = True
        if not has_rule:
            engaged[:] = True
        # only the engaged contacts of B or R are read: R = (r_start, T], B = the rest
        c_rows = np.flatnonzero(engaged & _in_window(contacts["date"], b_start, T))
        c_pos = _positions(contacts, "customer_id", uniq, pos_of_code, c_rows)
        c_date = contacts["date"].iloc[c_rows]
        c_r = (c_date > r_start).to_numpy(bool, na_value=False)
        c_b = ~c_r
        con_r = _count_at(c_pos, c_r, n)
        # the contact baseline starts where the customer's purchase baseline starts
        b_from_v = b_from.to_numpy()
        c_b_keep = c_b & (c_pos >= 0)
        c_b_keep[c_b_keep] = c_date.to_numpy()[c_b_keep] > b_from_v[c_pos[c_b_keep]]
        exp_con = _count_at(c_pos, c_b_keep, n) * scale
        judged = history_ok & (exp_con >= min_expected)
        fired["contacts_down"] = judged & (con_r < drop_ratio * exp_con)
        for i in np.flatnonzero(fired["contacts_down"]):
            facts["contacts_down"][i] = {
                "recent": int(con_r[i]), "expected": round(float(exp_con[i]), 1),
                "recent_days": int(recent_days), "baseline_months": int(b_months[i]),
            }

    # --- signals ------------------------------------------------------------------------------
    if "complaints_up" in on or "competitor_interest" in on:
        _require(signals, ("customer_id", "date", "kind"), "signals")
        s_pos = _positions(signals, "customer_id", uniq, pos_of_code)
        s_date = signals["date"]
        s_r = ((s_date > r_start) & (s_date <= T)).to_numpy(bool, na_value=False)
        s_b = ((s_date > b_start) & (s_date <= r_start)).to_numpy(bool, na_value=False)
        if "complaints_up" in on:
            is_c = _normalized_in(signals, "kind", _norm_kinds(complaint_kinds))
            comp_r = _count_at(s_pos, is_c & s_r, n)
            exp_comp = np.nan_to_num(_count_at(s_pos, is_c & s_b, n) * scale)
            fired["complaints_up"] = (
                history_ok & (comp_r >= 1) & (comp_r > complaint_factor * exp_comp)
            )
            for i in np.flatnonzero(fired["complaints_up"]):
                facts["complaints_up"][i] = {
                    "recent": int(comp_r[i]), "usual": round(float(exp_comp[i]), 1),
                    "recent_days": int(recent_days),
                }
        if "competitor_interest" in on:
            is_k = _normalized_in(signals, "kind", _norm_kinds(competitor_kinds))
            sel = is_k & s_r & (s_pos >= 0)
            latest = s_date[sel].groupby(s_pos[sel]).max()
            has = np.zeros(n, dtype=bool)
            has[latest.index.to_numpy()] = latest.notna().to_numpy(bool)
            fired["competitor_interest"] = history_ok & has
            for i in np.flatnonzero(fired["competitor_interest"]):
                facts["competitor_interest"][i] = {"date": pd.Timestamp(latest.loc[i])}

    # --- usage -----------------------------------------------------------------------------------
    if "not_using" in on:
        _require(usage, ("customer_id", "period", "active_units"), "usage")
        last_month = (T + pd.Timedelta(days=1)).to_period("M") - 1  # last complete month
        k_r = max(1, int(round(recent_days / _MONTH_DAYS)))
        k_b = max(1, int(round(baseline_days / _MONTH_DAYS)))
        # only the usage rows of the k_b + k_r months are read (by month ordinal)
        month = _month_numbers(usage, "period")
        if month is None:
            month = usage["period"].dt.to_period("M").array.asi8  # NaT: smallest int64
        lm = last_month.ordinal
        u_rows = np.flatnonzero((month > lm - k_r - k_b) & (month <= lm))
        u_pos = _positions(usage, "customer_id", uniq, pos_of_code, u_rows)
        units = usage["active_units"].to_numpy(np.float64)[u_rows]
        u_r = month[u_rows] > lm - k_r
        u_b = ~u_r
        mean_r = _mean_at(units, u_pos, u_r, n)
        mean_b = _mean_at(units, u_pos, u_b, n)
        judged = history_ok & (mean_b > 0) & ~np.isnan(mean_r)
        with np.errstate(invalid="ignore"):
            fired["not_using"] = judged & (mean_r < usage_ratio * mean_b)
        for i in np.flatnonzero(fired["not_using"]):
            facts["not_using"][i] = {
                "drop": float(1 - mean_r[i] / mean_b[i]), "baseline_months": int(k_b),
            }

    # --- probability alive ---------------------------------------------------------------------
    if "low_p_alive" in on:
        pa = pd.Series(p_alive, dtype=np.float64)
        pa.index = pa.index.astype(str)
        pa = pa[~pa.index.duplicated()].reindex(index).to_numpy(np.float64)
        fired["low_p_alive"] = history_ok & (pa < p_alive_threshold)
        for i in np.flatnonzero(fired["low_p_alive"]):
            facts["low_p_alive"][i] = {"p_alive": float(pa[i])}

    # --- combine ---------------------------------------------------------------------------------
    keep_prob = np.ones(n)
    n_markers = np.zeros(n, dtype=np.int64)
    for m in MARKERS:
        keep_prob *= np.where(fired[m], 1.0 - w[m], 1.0)
        n_markers += fired[m]
    risk = 1.0 - keep_prob
    in_12m = e_day > T_day - 365
    rev12 = _sum_at(amt, t_pos, in_12m, n)
    row_facts: list[list[dict[str, Any]]] = _empty_lists(n)
    sentences: list[list[str]] = _empty_lists(n)
    english = _english_memo()
    # one sentence per distinct fact (:func:`_fact_key`), each built by marker_sentences
    said = english.memo_facts
    fired_rows = {m: set(np.flatnonzero(fired[m]).tolist()) for m in MARKERS}
    for i in np.flatnonzero(n_markers).tolist():
        row = [{"marker": m, **facts[m][i]} for m in MARKERS if i in fired_rows[m]]
        row_facts[i] = row
        out_i = []
        for f in row:
            key = _fact_key(f)
            text = said.get(key) if key is not None else None
            if text is None:
                text = marker_sentences([f], tr=english)[0]
                if key is not None:
                    said[key] = text
            out_i.append(text)
        sentences[i] = out_i

    name, manager = _customer_columns(
        customers, index,
        None if customers is None else _rows_at(_first_row_of_code(customers, uniq), act_codes))
    out = pd.DataFrame(
        {
            "name": name,
            "manager": manager,
            "tier": _tier_column(tiers, transactions, T, index),
            "history": np.where(history_ok, HISTORY_OK, HISTORY_SHORT),
            **{m: fired[m] for m in MARKERS},
            "n_markers": n_markers,
            "flagged": (n_markers >= min_markers) & (risk >= flag_threshold - 1e-12),
            "risk_score": risk,
            "revenue_12m": rev12,
            "value_at_risk": np.maximum(rev12, 0.0) * risk,
            "last_purchase": last.to_numpy(),
            "days_since_purchase": days_since,
            "markers": pd.Series(sentences, index=index, dtype=object).to_numpy(),
            "marker_facts": pd.Series(row_facts, index=index, dtype=object).to_numpy(),
        },
        index=index,
    )
    for col in ("name", "manager", "tier", "history"):
        out[col] = out[col].astype(str)
    # value at risk descending (equal to the cent: a tie), then customer_id
    out = out.iloc[np.lexsort((np.arange(len(out)), -money_key(out["value_at_risk"])))]
    out.attrs = {
        "markers_on": on,
        "markers_off": off,
        "as_of": T,
        "recent_days": recent_days,
        "baseline_days": baseline_days,
    }
    return out


def _first_rows(keys: pd.Index, targets: pd.Index) -> np.ndarray:
    """Row of ``keys`` holding the first occurrence of each of ``targets`` (-1: absent).

    What ``set_index(keys)``, dropping duplicated keys and ``reindex(targets)`` select,
    as positions (string keys hashed once, in pyarrow when possible)."""
    first = ~np.asarray(keys.duplicated(), dtype=bool)
    rows = np.flatnonzero(first)
    if len(rows) == 0:
        return np.full(len(targets), -1, dtype=np.int64)
    where = _index_in(targets, keys[first])
    return np.where(where >= 0, rows[np.maximum(where, 0)], -1)


def _reindexed(column: pd.Series, rows: np.ndarray) -> pd.Series | None:
    """``column`` at ``rows`` (missing where -1) as ``reindex`` gives it, for object and
    string columns (the fill keeps their dtype); ``None`` for other dtypes."""
    if not (column.dtype == object or isinstance(column.dtype, pd.StringDtype)):
        return None
    miss = rows < 0
    if len(column) == 0:
        return pd.Series(np.nan, index=range(len(rows)), dtype=column.dtype)
    out = column.iloc[np.maximum(rows, 0)].reset_index(drop=True)
    return out.mask(pd.Series(miss)) if miss.any() else out


def _customer_columns(
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
        rows = _first_rows(pd.Index(customers["customer_id"].astype(str)), targets)
    c = None
    for col in ("name", "manager"):
        if col not in customers.columns:
            continue
        got = _reindexed(customers[col], rows)
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


def _tier_column(
    tiers: pd.DataFrame | pd.Series | None,
    transactions: pd.DataFrame,
    as_of: pd.Timestamp,
    index: pd.Index,
) -> np.ndarray:
    if tiers is None:
        tiers = value_tiers(transactions, as_of=as_of)
    if isinstance(tiers, pd.DataFrame):
        _require(tiers, ("tier",), "tiers")
        tiers = tiers["tier"]
    # the tiers as objects, first per id, reindexed on ``index`` (missing: NaN -> "")
    values = tiers.astype(object).to_numpy()
    rows = _first_rows(pd.Index(tiers.index.astype(str)), pd.Index(index.astype(str)))
    got = np.full(len(rows), np.nan, dtype=object)
    found = rows >= 0
    got[found] = values[rows[found]]
    return pd.Series(got, dtype=object).fillna("").astype(str).to_numpy(dtype=object)


def at_risk_list(early: pd.DataFrame, *, top: int | None = None) -> pd.DataFrame:
    """The flagged customers of :func:`early_warning`, ordered by value at risk.

    Parameters
    ----------
    early
        The :func:`early_warning` frame.
    top
        Keep only the first ``top`` rows (default: all flagged customers).

    Returns
    -------
    pandas.DataFrame
        The rows of ``early`` with ``flagged`` true, same index and columns, ordered by
        ``value_at_risk`` descending, then ``risk_score`` descending, then ``customer_id``;
        ``attrs`` copied.
    """
    _require(early, ("flagged", "value_at_risk", "risk_score"), "early")
    flagged = early[early["flagged"].to_numpy(bool)]
    order = np.lexsort(
        (np.asarray(flagged.index.astype(str)), -flagged["risk_score"].to_numpy(),
         -money_key(flagged["value_at_risk"]))
    )
    out = flagged.iloc[order]
    if top is not None:
        out = out.iloc[:top]
    out.attrs = dict(early.attrs)
    return out


def at_risk_metrics(early: pd.DataFrame) -> dict[str, Any]:
    """The ``at_risk`` section of ``metrics.json``.

    Returns
    -------
    dict
        ``active_customers``, ``judged`` (history ok), ``not_enough_history``,
        ``flagged`` (int), ``value_at_risk`` (float: sum over flagged customers),
        ``revenue_12m_flagged`` (float), ``markers_off`` (dict marker -> reason),
        ``by_marker`` (dict marker -> number of customers on whom it fired).
    """
    flagged = early["flagged"].to_numpy(bool)
    ok = (early["history"] == HISTORY_OK).to_numpy(bool)
    return {
        "active_customers": int(len(early)),
        "judged": int(ok.sum()),
        "not_enough_history": int((~ok).sum()),
        "flagged": int(flagged.sum()),
        "value_at_risk": float(early["value_at_risk"].to_numpy()[flagged].sum()),
        "revenue_12m_flagged": float(early["revenue_12m"].to_numpy()[flagged].sum()),
        "markers_off": dict(early.attrs.get("markers_off", {})),
        "by_marker": {m: int(early[m].sum()) for m in MARKERS},
    }
