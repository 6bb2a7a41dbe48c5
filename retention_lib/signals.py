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
``low_p_alive``  (needs ``p_alive``, e.g. from the BG/NBD model of :mod:`retention_lib.clv`)
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
back-test (:mod:`retention_lib.backtest`). ``revenue_12m`` is the net revenue in
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

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .churn import _require
from .config import DEFAULT_SETTINGS
from .i18n import Translator, get_translator
from .summary import _as_day
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


def _count(ids: pd.Series, mask: np.ndarray, index: pd.Index) -> np.ndarray:
    """Rows per customer of ``index`` where ``mask`` holds (float64)."""
    counts = ids[mask].value_counts()
    return counts.reindex(index, fill_value=0).to_numpy(np.float64)


def _months(days: float) -> int:
    """A baseline length in days as whole months (at least 1)."""
    return max(1, int(round(days / _MONTH_DAYS)))


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
        Optional: the :func:`retention_lib.tiers.value_tiers` frame (its ``tier`` column) or a
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

    Raises
    ------
    ValueError
        A table lacks a required column, ``markers`` or ``weights`` names an unknown
        marker, or ``as_of`` is not a date.
    """
    _require(transactions, ("customer_id", "date", "amount"), "transactions")
    T = _as_day(as_of, "as_of")
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
    tx = transactions.loc[
        (transactions["date"] <= T).to_numpy(dtype=bool, na_value=False),
        ["customer_id", "date", "amount"],
    ]
    ids_all = tx["customer_id"].astype(str)
    buy = (tx["amount"] > 0).to_numpy(dtype=bool, na_value=False)
    days = pd.DataFrame(
        {"customer_id": ids_all[buy].to_numpy(), "date": tx["date"][buy].dt.normalize()}
    ).drop_duplicates()
    grp = days.groupby("customer_id")["date"]
    first = grp.min()
    last = grp.max()
    active = last > T - pd.Timedelta(days=lapse_days)
    if customers is not None and "churned_on" in customers.columns:
        churned = customers.set_index(customers["customer_id"].astype(str))["churned_on"]
        churned = churned[~churned.index.duplicated()].reindex(last.index)
        active &= ~(churned <= T).to_numpy(dtype=bool, na_value=False)
    index = pd.Index(last.index[active.to_numpy()], name="customer_id", dtype="string")
    first, last = first.reindex(index), last.reindex(index)

    r_start = T - pd.Timedelta(days=recent_days)
    b_start = r_start - pd.Timedelta(days=baseline_days)
    # baseline length per customer: (max(b_start, first - 1 day), r_start]
    b_from = (first - pd.Timedelta(days=1)).clip(lower=b_start)
    b_len = ((r_start - b_from).dt.days).to_numpy(np.float64)
    b_len = np.where(b_len > 0, b_len, np.nan)
    scale = recent_days / b_len  # expected in R = count in B x scale
    history_ok = (first <= T - pd.Timedelta(days=min_history_days)).to_numpy(bool)
    b_months = np.array([_months(x) if x == x else 0 for x in b_len], dtype=np.int64)

    n = len(index)
    fired = {m: np.zeros(n, dtype=bool) for m in MARKERS}
    facts: dict[str, dict[int, dict[str, Any]]] = {m: {} for m in MARKERS}

    # --- orders / revenue ---------------------------------------------------------------
    d_ids = days["customer_id"]
    in_r = (days["date"] > r_start).to_numpy(bool)
    in_b = ((days["date"] > b_start) & (days["date"] <= r_start)).to_numpy(bool)
    orders_r = _count(d_ids, in_r, index)
    orders_b = _count(d_ids, in_b, index)
    exp_orders = orders_b * scale
    t_r = (tx["date"] > r_start).to_numpy(bool)
    t_b = ((tx["date"] > b_start) & (tx["date"] <= r_start)).to_numpy(bool)
    amt = tx["amount"].to_numpy(np.float64)
    rev_r = pd.Series(amt[t_r]).groupby(ids_all.to_numpy()[t_r]).sum().reindex(index).fillna(0)
    rev_b = pd.Series(amt[t_b]).groupby(ids_all.to_numpy()[t_b]).sum().reindex(index).fillna(0)
    rev_r, rev_b = rev_r.to_numpy(np.float64), rev_b.to_numpy(np.float64)
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
        ordered = days.sort_values(["customer_id", "date"])
        gap = ordered["date"].diff().dt.days
        same = ordered["customer_id"].eq(ordered["customer_id"].shift())
        gaps = gap[same.to_numpy()]
        g_ids = ordered["customer_id"][same.to_numpy()]
        med = gaps.groupby(g_ids.to_numpy()).median().reindex(index).to_numpy(np.float64)
        n_int = gaps.groupby(g_ids.to_numpy()).size().reindex(index).fillna(0).to_numpy()
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
            direction = contacts["direction"].astype(str).str.strip().str.casefold()
            engaged |= (direction == "inbound").to_numpy(bool)
            has_rule = True
        if not has_rule:
            engaged[:] = True
        c_ids = contacts["customer_id"].astype(str)
        c_date = contacts["date"]
        c_r = engaged & ((c_date > r_start) & (c_date <= T)).to_numpy(bool, na_value=False)
        c_b = engaged & ((c_date > b_start) & (c_date <= r_start)).to_numpy(
            bool, na_value=False
        )
        con_r = _count(c_ids, c_r, index)
        # the contact baseline starts where the customer's purchase baseline starts
        c_b_keep = c_b & (
            c_date.to_numpy() > b_from.reindex(c_ids.to_numpy()).to_numpy(na_value=T)
        )
        exp_con = _count(c_ids, c_b_keep, index) * scale
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
        s_ids = signals["customer_id"].astype(str)
        kind = signals["kind"].astype(str).str.strip().str.casefold()
        s_date = signals["date"]
        s_r = ((s_date > r_start) & (s_date <= T)).to_numpy(bool, na_value=False)
        s_b = ((s_date > b_start) & (s_date <= r_start)).to_numpy(bool, na_value=False)
        if "complaints_up" in on:
            is_c = kind.isin(_norm_kinds(complaint_kinds)).to_numpy(bool)
            comp_r = _count(s_ids, is_c & s_r, index)
            exp_comp = np.nan_to_num(_count(s_ids, is_c & s_b, index) * scale)
            fired["complaints_up"] = (
                history_ok & (comp_r >= 1) & (comp_r > complaint_factor * exp_comp)
            )
            for i in np.flatnonzero(fired["complaints_up"]):
                facts["complaints_up"][i] = {
                    "recent": int(comp_r[i]), "usual": round(float(exp_comp[i]), 1),
                    "recent_days": int(recent_days),
                }
        if "competitor_interest" in on:
            is_k = kind.isin(_norm_kinds(competitor_kinds)).to_numpy(bool)
            sel = is_k & s_r
            latest = s_date[sel].groupby(s_ids[sel].to_numpy()).max().reindex(index)
            fired["competitor_interest"] = history_ok & latest.notna().to_numpy(bool)
            for i in np.flatnonzero(fired["competitor_interest"]):
                facts["competitor_interest"][i] = {"date": pd.Timestamp(latest.iloc[i])}

    # --- usage -----------------------------------------------------------------------------------
    if "not_using" in on:
        _require(usage, ("customer_id", "period", "active_units"), "usage")
        last_month = (T + pd.Timedelta(days=1)).to_period("M") - 1  # last complete month
        k_r = max(1, int(round(recent_days / _MONTH_DAYS)))
        k_b = max(1, int(round(baseline_days / _MONTH_DAYS)))
        month = usage["period"].dt.to_period("M")
        u_ids = usage["customer_id"].astype(str).to_numpy()
        units = usage["active_units"].to_numpy(np.float64)
        u_r = ((month > last_month - k_r) & (month <= last_month)).to_numpy(bool)
        u_b = ((month > last_month - k_r - k_b) & (month <= last_month - k_r)).to_numpy(bool)
        mean_r = pd.Series(units[u_r]).groupby(u_ids[u_r]).mean().reindex(index)
        mean_b = pd.Series(units[u_b]).groupby(u_ids[u_b]).mean().reindex(index)
        mean_r, mean_b = mean_r.to_numpy(np.float64), mean_b.to_numpy(np.float64)
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
    in_12m = (tx["date"] > T - pd.Timedelta(days=365)).to_numpy(bool)
    rev12 = (
        pd.Series(amt[in_12m]).groupby(ids_all.to_numpy()[in_12m]).sum().reindex(index)
        .fillna(0.0).to_numpy(np.float64)
    )
    row_facts = [
        [{"marker": m, **facts[m][i]} for m in MARKERS if fired[m][i]] for i in range(n)
    ]
    english = get_translator("en")
    sentences = [marker_sentences(f, tr=english) for f in row_facts]

    name, manager = _customer_columns(customers, index)
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
    out = out.sort_values(["value_at_risk"], ascending=False, kind="stable")
    out.attrs = {
        "markers_on": on,
        "markers_off": off,
        "as_of": T,
        "recent_days": recent_days,
        "baseline_days": baseline_days,
    }
    return out


def _customer_columns(
    customers: pd.DataFrame | None, index: pd.Index
) -> tuple[np.ndarray, np.ndarray]:
    n = len(index)
    name = np.asarray(index.astype(str), dtype=object)
    manager = np.full(n, "unassigned", dtype=object)
    if customers is None:
        return name, manager
    c = customers.set_index(customers["customer_id"].astype(str))
    c = c[~c.index.duplicated()]
    if "name" in c.columns:
        nm = c["name"].reindex(index.astype(str))
        name = np.where(nm.isna().to_numpy(), name, nm.astype(object).to_numpy())
    if "manager" in c.columns:
        mg = c["manager"].reindex(index.astype(str))
        manager = np.where(mg.isna().to_numpy(), manager, mg.astype(object).to_numpy())
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
    s = pd.Series(tiers.astype(object).to_numpy(), index=tiers.index.astype(str))
    s = s[~s.index.duplicated()].reindex(index.astype(str))
    return s.fillna("").astype(str).to_numpy(dtype=object)


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
         -flagged["value_at_risk"].to_numpy())
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
