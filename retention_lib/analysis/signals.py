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

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from ..config import DEFAULT_SETTINGS
from ..i18n import Translator, get_translator
from . import _marker_rules as rules
from ._checks import require
from ._frame_ids import INPUTS, customer_columns, first_row_of_code, rows_at, tier_column
from ._frames import as_day, day_number, money_key
from ._marker_rules import CustomerWindows, sum_at
from ._sentence_memo import empty_lists, english_memo, fact_key

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
    with INPUTS.block():
        yield


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


# early_warning is long only by its signature (one keyword per rule of the module docstring)
# and its docstring (the output contract); its body is about 60 lines of named steps.
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
    require(transactions, ("customer_id", "date", "amount"), "transactions")
    T = as_day(as_of, "as_of")
    _check_windows(orders_rule, recent_days, baseline_days)
    if min_history_days is None:
        min_history_days = recent_days + 90
    wanted = list(MARKERS) if markers is None else list(markers)
    unknown = [m for m in wanted if m not in MARKERS]
    if unknown:
        raise ValueError(f"unknown marker(s) {unknown}; allowed: {list(MARKERS)}")
    w = _marker_weights(weights)
    inputs = {"contacts": contacts, "signals": signals, "usage": usage, "p_alive": p_alive}
    off = _markers_off(wanted, inputs)
    on = [m for m in MARKERS if m not in off]

    panel = rules.active_customers(
        transactions, customers, T, lapse_days=lapse_days, recent_days=recent_days,
        baseline_days=baseline_days, min_history_days=min_history_days)
    days_since = rules.days_since_purchase(panel)
    results: dict[str, rules.Fired] = {}
    if "orders_down" in on:
        results["orders_down"] = rules.orders_down(
            panel, drop_ratio=drop_ratio, min_expected=min_expected, orders_rule=orders_rule)
    if "overdue" in on:
        results["overdue"] = rules.overdue(
            panel, days_since, overdue_factor=overdue_factor, min_intervals=min_intervals,
            min_overdue_days=min_overdue_days)
    if "contacts_down" in on:
        results["contacts_down"] = rules.contacts_down(
            panel, contacts, drop_ratio=drop_ratio, min_expected=min_expected)
    if "complaints_up" in on or "competitor_interest" in on:
        rows = rules.signal_windows(panel, signals)
        if "complaints_up" in on:
            results["complaints_up"] = rules.complaints_up(
                panel, signals, rows, complaint_kinds=complaint_kinds,
                complaint_factor=complaint_factor)
        if "competitor_interest" in on:
            results["competitor_interest"] = rules.competitor_interest(
                panel, signals, rows, competitor_kinds=competitor_kinds)
    if "not_using" in on:
        results["not_using"] = rules.not_using(
            panel, usage, usage_ratio=usage_ratio, baseline_days=baseline_days)
    if "low_p_alive" in on:
        results["low_p_alive"] = rules.low_p_alive(
            panel, p_alive, p_alive_threshold=p_alive_threshold)

    fired = {m: results[m][0] if m in results else np.zeros(panel.n, dtype=bool)
             for m in MARKERS}
    facts = {m: results[m][1] if m in results else {} for m in MARKERS}
    out = _early_warning_frame(
        panel, fired, facts, days_since, w, customers=customers, tiers=tiers,
        transactions=transactions, min_markers=min_markers, flag_threshold=flag_threshold)
    out.attrs = {
        "markers_on": on,
        "markers_off": off,
        "as_of": T,
        "recent_days": recent_days,
        "baseline_days": baseline_days,
    }
    return out


def _check_windows(orders_rule: str, recent_days: int, baseline_days: int) -> None:
    if orders_rule not in ("both", "orders", "revenue", "either"):
        raise ValueError(
            f"orders_rule={orders_rule!r} is not one of ['both', 'orders', 'revenue', 'either']"
        )
    if recent_days <= 0 or baseline_days <= 0:
        raise ValueError(
            f"recent_days and baseline_days must be positive, got {recent_days}, "
            f"{baseline_days}"
        )


def _marker_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    """:data:`DEFAULT_WEIGHTS` with ``weights`` merged over them, checked."""
    w = dict(DEFAULT_WEIGHTS)
    if weights:
        bad = [m for m in weights if m not in MARKERS]
        if bad:
            raise ValueError(f"unknown marker(s) {bad} in weights; allowed: {list(MARKERS)}")
        w.update({m: float(v) for m, v in weights.items()})
    out_of_range = {m: v for m, v in w.items() if not 0 <= v <= 1}
    if out_of_range:
        raise ValueError(f"marker weights must lie in [0, 1], got {out_of_range}")
    return w


def _markers_off(wanted: list[str], inputs: Mapping[str, Any]) -> dict[str, str]:
    """The markers switched off (not requested, or their table missing) with the reason."""
    off: dict[str, str] = {}
    for m in MARKERS:
        if m not in wanted:
            off[m] = "not requested"
        elif m in MARKER_TABLES and inputs[MARKER_TABLES[m]] is None:
            off[m] = f"no {MARKER_TABLES[m]} table" if m != "low_p_alive" else "no p_alive"
    return off


def _english_sentences(
    fired: Mapping[str, np.ndarray], facts: Mapping[str, Mapping[int, dict[str, Any]]],
    n_markers: np.ndarray,
) -> tuple[list[list[dict[str, Any]]], list[list[str]]]:
    """Per customer: the facts of the fired markers (:data:`MARKERS` order) and their English
    sentences, one sentence built per distinct fact (:func:`fact_key`) by
    :func:`marker_sentences` through the English memo."""
    n = len(n_markers)
    row_facts: list[list[dict[str, Any]]] = empty_lists(n)
    sentences: list[list[str]] = empty_lists(n)
    english = english_memo()
    said = english.memo_facts
    fired_rows = {m: set(np.flatnonzero(fired[m]).tolist()) for m in MARKERS}
    for i in np.flatnonzero(n_markers).tolist():
        row = [{"marker": m, **facts[m][i]} for m in MARKERS if i in fired_rows[m]]
        row_facts[i] = row
        out_i = []
        for f in row:
            key = fact_key(f)
            text = said.get(key) if key is not None else None
            if text is None:
                text = marker_sentences([f], tr=english)[0]
                if key is not None:
                    said[key] = text
            out_i.append(text)
        sentences[i] = out_i
    return row_facts, sentences


def _early_warning_frame(
    panel: CustomerWindows,
    fired: Mapping[str, np.ndarray],
    facts: Mapping[str, Mapping[int, dict[str, Any]]],
    days_since: np.ndarray,
    weights: Mapping[str, float],
    *,
    customers: pd.DataFrame | None,
    tiers: pd.DataFrame | pd.Series | None,
    transactions: pd.DataFrame,
    min_markers: int,
    flag_threshold: float,
) -> pd.DataFrame:
    """The :func:`early_warning` frame: noisy-OR risk, value at risk, the customer columns
    and the sentences, ordered by value at risk (``attrs`` left to the caller)."""
    n, index, T = panel.n, panel.index, panel.T
    keep_prob = np.ones(n)
    n_markers = np.zeros(n, dtype=np.int64)
    for m in MARKERS:
        keep_prob *= np.where(fired[m], 1.0 - weights[m], 1.0)
        n_markers += fired[m]
    risk = 1.0 - keep_prob
    in_12m = panel.e_day > day_number(T) - 365
    rev12 = sum_at(panel.e_net, panel.t_pos, in_12m, n)
    row_facts, sentences = _english_sentences(fired, facts, n_markers)
    name, manager = customer_columns(
        customers, index,
        None if customers is None
        else rows_at(first_row_of_code(customers, panel.uniq), panel.act_codes))
    out = pd.DataFrame(
        {
            "name": name,
            "manager": manager,
            "tier": tier_column(tiers, transactions, T, index),
            "history": np.where(panel.history_ok, HISTORY_OK, HISTORY_SHORT),
            **{m: fired[m] for m in MARKERS},
            "n_markers": n_markers,
            "flagged": (n_markers >= min_markers) & (risk >= flag_threshold - 1e-12),
            "risk_score": risk,
            "revenue_12m": rev12,
            "value_at_risk": np.maximum(rev12, 0.0) * risk,
            "last_purchase": panel.last.to_numpy(),
            "days_since_purchase": days_since,
            "markers": pd.Series(sentences, index=index, dtype=object).to_numpy(),
            "marker_facts": pd.Series(row_facts, index=index, dtype=object).to_numpy(),
        },
        index=index,
    )
    for col in ("name", "manager", "tier", "history"):
        out[col] = out[col].astype(str)
    # value at risk descending (equal to the cent: a tie), then customer_id
    return out.iloc[np.lexsort((np.arange(len(out)), -money_key(out["value_at_risk"])))]


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
    require(early, ("flagged", "value_at_risk", "risk_score"), "early")
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
