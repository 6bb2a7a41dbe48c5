"""The deterministic sample business: a B2B distributor with planted, documented facts.

:func:`generate_sample` returns the seven tables of the data contract as DataFrames whose
columns hold exactly what the CSV files hold (dates as ``YYYY-MM-DD`` strings, amounts as
floats rounded to cents); :func:`write_sample` writes them as CSV files, one per table.
The same ``(customers, seed, end)`` always gives byte-identical files.

The model (all randomness from ``numpy.random.default_rng(seed)`` and its spawned children):

* About 55 % of the customers exist before the data start (``end`` minus 3 years plus a
  day), the rest are acquired evenly over the three years; customer ids follow signup order.
* Buy-till-you-die purchases: each customer reorders with a gamma-distributed yearly rate
  (gamma(3) gaps between orders: B2B customers reorder on a rhythm) until a dropout time
  drawn from a gamma-distributed hazard; in the 180 days before dropping out the rate falls
  to 25 % (Poisson).  Order values are gamma around a lognormal customer mean, so about a
  fifth of the customers carry about three quarters of the revenue.  About 1 % of the
  orders get a partial or full refund (negative amount, order id ``<id>-R``) dated before
  the customer's next order.
* Planted facts (measured figures in ``data/sample/README.md``): a price-list increase
  (+12 %) six months after the data start makes part of the small, price-sensitive customers
  drop out within months; one manager
  (:data:`~retention_lib.data.sample_model.NEGLECTFUL_MANAGER`) contacts far less often
  than the tier cadence asks and their customers' dropout hazard is 2.3 times the others';
  exit reasons of small customers are mostly price while big accounts leave for service and
  competitor reasons, and only part of the lost customers answer the survey; leavers show
  complaints, competitor interest, fewer answered contacts and low usage in the 90 days
  before their last purchase; a few lost customers come back in the last year.

Large samples are generated in chunks of :data:`CHUNK_CUSTOMERS` customers, so
``write_sample(out, customers=1_000_000)`` keeps memory bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from .sample_model import (
    CATEGORIES,
    EVENTS,
    EXIT_REASON_INDEX,
    EXIT_REASONS,
    MANAGERS,
    MARGIN_RATE,
    NEGLECTFUL_INDEX,
    REASON_TEXT,
    REGIONS,
    SEGMENTS,
    SIGNAL_KINDS,
    SIGNAL_NOTES,
    SURVEY_COMMENTS,
    UNIT_PRICE,
    SampleBase,
    draw_base,
    iso_dates,
    month_start,
    months_after,
    periodic_events,
    renewal_events,
    uniform_events,
    weekday,
)

__all__ = [
    "CHUNK_CUSTOMERS",
    "TABLE_COLUMNS",
    "generate_sample",
    "write_sample",
]


#: Columns of each written table, in file order (the data contract's names).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "transactions": ("customer_id", "date", "amount", "order_id", "quantity", "category", "margin"),
    "customers": (
        "customer_id", "name", "manager", "segment", "region", "signup_date", "churned_on",
    ),
    "contacts": ("customer_id", "date", "channel", "manager", "direction", "answered"),
    "surveys": ("customer_id", "date", "reason", "comment"),
    "signals": ("customer_id", "date", "kind", "note"),
    "events": ("date", "kind", "description"),
    "usage": ("customer_id", "period", "active_units"),
}


#: Customers generated per chunk (memory bound for large samples).
CHUNK_CUSTOMERS = 20_000


class _Slice:
    """The customers ``lo:hi`` of the sample: their draws, and what their purchases decide
    (last purchase, dropout, contractual end, win-back), shared by the steps of
    :func:`_chunk`."""

    def __init__(self, base: SampleBase, lo: int, hi: int) -> None:
        self.base, self.lo, self.hi = base, lo, hi
        self.n = n = hi - lo
        self.idx = np.arange(n)
        self.start, self.end = base.start, base.end
        self.signup = base.signup[lo:hi].astype(float)
        self.acquired = base.acquired[lo:hi]
        self.rate, self.spend, self.tau = base.rate[lo:hi], base.spend[lo:hi], base.tau[lo:hi]
        self.manager, self.tier = base.manager[lo:hi], base.tier[lo:hi]
        self.neglect = self.manager == NEGLECTFUL_INDEX
        self.segment = base.segment[lo:hi]
        self.alive_from = np.maximum(self.signup, self.start).astype(float)
        self.stop = np.minimum(self.tau, self.end + 1.0)
        self.decline = np.clip(self.tau - 180.0, self.alive_from, self.stop)
        # set by _purchase_days and _ends_and_winbacks
        self.last = self.has = self.dropped = self.contractual = self.churned_on = None
        self.won = self.back = self.pre_from = self.pre_to = None

    def in_pre(self, c: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Markers window: from 90 days before the last purchase until a win-back."""
        return (d >= self.pre_from[c]) & (d < self.pre_to[c])


def _chunk(base: SampleBase, lo: int, hi: int, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """The customer tables of the customers ``lo:hi`` (``rng``: the chunk's own), each step
    drawing from ``rng`` in turn."""
    s = _Slice(base, lo, hi)
    cust, day = _purchase_days(s, rng)
    cust, day = _ends_and_winbacks(s, rng, cust, day)
    tx = _transactions(s, rng, cust, day)
    contacts = _contacts(s, rng)
    signals = _signals(s, rng)
    usage = _usage(s, rng)
    surveys = _surveys(s, rng)
    customers = _customers(s)
    ids = base.ids[lo:hi]
    tx = _finish(tx, ids, "date", ["seq", "refund"])
    tx = tx.drop(columns=["seq", "refund"])
    return {
        "transactions": tx,
        "customers": customers,
        "contacts": _finish(contacts, ids, "date", ["channel", "direction", "answered"]),
        "surveys": _finish(surveys, ids, "date", ["reason"]),
        "signals": _finish(signals, ids, "date", ["kind", "note"]),
        "usage": _finish(usage, ids, "period", []),
    }


def _finish(frame: pd.DataFrame, ids: np.ndarray, date_col: str,
            sort: list[str]) -> pd.DataFrame:
    """A table in file form: sorted, exact repeats dropped, customer ids, ISO dates."""
    frame = frame.sort_values(["c", date_col, *sort], kind="stable")
    frame = frame.drop_duplicates(ignore_index=True)
    frame.insert(0, "customer_id", ids[frame["c"].to_numpy()])
    frame[date_col] = iso_dates(frame[date_col].to_numpy())
    return frame.drop(columns="c")


def _purchase_days(s: _Slice, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(customer, day) of every purchase before any win-back; sets ``s.last`` and
    ``s.has``."""
    n, idx, end, rate = s.n, s.idx, s.end, s.rate
    signup, acquired, alive_from = s.signup, s.acquired, s.alive_from
    decline, stop = s.decline, s.stop
    c1, d1 = renewal_events(rng, idx, alive_from, decline, rate, 3.0)
    c2, d2 = uniform_events(rng, idx, decline, stop, 0.25 * rate)
    first_day = signup + rng.integers(0, 9, n)
    c0 = idx[acquired]
    d0 = first_day[acquired]
    cust = np.concatenate([c0, c1, c2])
    day = weekday(np.concatenate([d0, d1, d2]), alive_from[np.concatenate([c0, c1, c2])])
    day = np.minimum(day, end)

    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, cust, day)
    has = last >= 0
    s.last, s.has = last, has
    return cust, day


def _ends_and_winbacks(s: _Slice, rng: np.random.Generator, cust: np.ndarray,
                       day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Contractual ends and win-backs: the purchases with the won-back customers' new
    ones; sets the dropout, contract and win-back fields of ``s``."""
    n, idx, end, rate, tau, segment = s.n, s.idx, s.end, s.rate, s.tau, s.segment
    last, has = s.last, s.has
    dropped = has & (tau <= end)
    u = rng.random(n)
    contractual = dropped & (segment == 0) & (last <= end - 60) & (u < 0.006)
    churned_on = np.where(contractual, last + rng.integers(14, 60, n), -1)
    cand = dropped & ~contractual & (last <= end - 365 - 90)
    k = min(int(cand.sum()), max(1, int(round(0.012 * n))))
    won = np.zeros(n, dtype=bool)
    if k:
        won[rng.choice(np.flatnonzero(cand), k, replace=False)] = True
    r_lo = np.maximum(last + 365 + 30, end - 300)
    back = np.where(won, r_lo + rng.random(n) * np.maximum(end - 5 - r_lo, 0), np.inf)
    won &= back <= end - 5
    back = np.where(won, np.floor(back), np.inf)
    cw, dw = uniform_events(rng, idx[won], back[won], np.full(won.sum(), end + 1.0), rate[won])
    cust = np.concatenate([cust, idx[won], cw])
    day = np.concatenate([day, back[won].astype(np.int64), weekday(dw, back[cw].astype(int))])
    day = np.minimum(day, end)
    s.dropped, s.contractual, s.churned_on, s.won, s.back = (
        dropped, contractual, churned_on, won, back)
    s.pre_from = np.where(dropped, last - 90.0, np.inf)
    s.pre_to = np.where(won, back, np.inf)
    return cust, day


def _transactions(s: _Slice, rng: np.random.Generator, cust: np.ndarray,
                  day: np.ndarray) -> pd.DataFrame:
    """Order lines with amount, quantity, category and margin, and ~1 % refunds."""
    n, end, spend, base = s.n, s.end, s.spend, s.base
    main_cat = rng.integers(0, len(CATEGORIES), n)
    m = len(cust)
    price = np.where(day >= base.shock, 1.12, 1.0)
    amount = np.round(spend[cust] * rng.gamma(4.0, 0.25, m) * price, 2)
    amount = np.maximum(amount, 1.0)
    cat = np.where(rng.random(m) < 0.6, main_cat[cust], rng.integers(0, len(CATEGORIES), m))
    quantity = np.maximum(1, np.round(amount / (UNIT_PRICE[cat] * price))).astype(np.int64)
    margin = np.round(amount * MARGIN_RATE[cat] * rng.uniform(0.8, 1.2, m), 2)
    order = np.lexsort((amount, day, cust))
    cust, day, amount, cat, quantity, margin = (
        a[order] for a in (cust, day, amount, cat, quantity, margin)
    )
    # refunds: ~1 % of orders that are not a customer's last; dated before the next order
    nxt_same = np.r_[cust[1:] == cust[:-1], False]
    nxt_day = np.r_[day[1:], end]
    refund = nxt_same & (rng.random(m) < 0.011)
    frac = rng.uniform(0.1, 1.0, m)
    r_day = np.maximum(day, np.minimum(day + rng.integers(1, 15, m), nxt_day - 1))
    tx = pd.DataFrame({
        "c": np.concatenate([cust, cust[refund]]),
        "date": np.concatenate([day, r_day[refund]]),
        "amount": np.concatenate([amount, -np.maximum(np.round(amount * frac, 2), 0.01)[refund]]),
        "seq": np.concatenate([np.arange(m), np.arange(m)[refund]]),
        "refund": np.r_[np.zeros(m, dtype=bool), np.ones(refund.sum(), dtype=bool)],
        "quantity": np.concatenate(
            [quantity, -np.maximum(1, np.round(quantity * frac)).astype(np.int64)[refund]]
        ),
        "category": CATEGORIES[np.concatenate([cat, cat[refund]])],
        "margin": np.concatenate([margin, -np.round(margin * frac, 2)[refund]]),
    })
    tx = tx.sort_values(["c", "date", "seq", "refund"], kind="stable").reset_index(drop=True)
    return tx


def _contacts(s: _Slice, rng: np.random.Generator) -> pd.DataFrame:
    """Calls, meetings and emails at the tier's cadence (the neglectful manager's far
    rarer), inbound calls, and fewer answers in the markers window."""
    n, idx, end, rate, tau, tier = s.n, s.idx, s.end, s.rate, s.tau, s.tier
    neglect, won, dropped, has = s.neglect, s.won, s.dropped, s.has
    alive_from, stop, manager, in_pre = s.alive_from, s.stop, s.manager, s.in_pre
    call_gap = np.array([7.0, 14.0, 30.0, 182.0])[tier]
    lo_f = np.where(neglect, 1.6, 0.85)
    hi_f = np.where(neglect, 4.5, 1.45)
    c_end = np.where(won, end + 1.0, np.minimum(np.where(dropped, tau + 120.0, end + 1.0), end + 1))
    c_end = np.where(has, c_end, np.minimum(alive_from + 200, end + 1.0))
    cc, cd = periodic_events(rng, idx, alive_from, c_end, call_gap, lo_f, hi_f)
    # lost customers: good managers still call about yearly
    lost_keep = dropped & ~won & ~neglect
    lc, ld = periodic_events(
        rng, idx[lost_keep], c_end[lost_keep], np.full(lost_keep.sum(), end + 1.0),
        np.full(lost_keep.sum(), 300.0), np.full(lost_keep.sum(), 0.8),
        np.full(lost_keep.sum(), 1.2),
    )
    meet = tier <= 1
    meet_gap = np.where(tier == 0, 30.0, 90.0)
    mc, md = periodic_events(
        rng, idx[meet], alive_from[meet], c_end[meet], meet_gap[meet],
        np.where(neglect[meet], 2.0, 0.6), np.where(neglect[meet], 5.0, 1.3),
    )
    ec, ed = uniform_events(rng, idx, alive_from, c_end, np.full(n, 0.6))
    ic, idd = uniform_events(rng, idx, alive_from, stop, 0.1 * rate + 0.5)
    keep_in = ~in_pre(ic, idd) | (rng.random(len(ic)) < 0.2)
    ic, idd = ic[keep_in], idd[keep_in]

    channel = np.concatenate([
        np.full(len(cc) + len(lc), 0), np.full(len(mc), 1), np.full(len(ec), 2),
        np.full(len(ic), 0),
    ])
    ccust = np.concatenate([cc, lc, mc, ec, ic])
    cday = np.concatenate([cd, ld, md, ed, idd])
    inbound = np.r_[np.zeros(len(ccust) - len(ic), dtype=bool), np.ones(len(ic), dtype=bool)]
    pre = in_pre(ccust, cday)
    p_answer = np.select(
        [inbound | (channel == 1), channel == 2], [1.0, np.where(pre, 0.1, 0.45)],
        np.where(pre, 0.3, 0.85),
    )
    answered = rng.random(len(ccust)) < p_answer
    cday = np.minimum(weekday(cday, alive_from[ccust].astype(np.int64)), end)
    contacts = pd.DataFrame({
        "c": ccust, "date": cday,
        "channel": np.array(["call", "meeting", "email"])[channel],
        "manager": np.array(MANAGERS)[manager[ccust]],
        "direction": np.where(inbound, "inbound", "outbound"),
        "answered": np.where(answered, "True", "False"),
    })
    return contacts


def _signals(s: _Slice, rng: np.random.Generator) -> pd.DataFrame:
    """Background signals of every customer, and the leavers' around their last purchase."""
    n, idx, end, base, lo, hi = s.n, s.idx, s.end, s.base, s.lo, s.hi
    alive_from, stop, dropped, last = s.alive_from, s.stop, s.dropped, s.last
    # background: every customer, while buying (complaint, competitor_interest, free text)
    background = np.array([0.05, 0.015, 0.12, 0.08])
    stream, bd = uniform_events(
        rng, np.arange(4 * n), np.repeat(alive_from, 4), np.repeat(stop, 4), np.tile(background, n)
    )
    sc_list, sd_list, sk_list = [stream // 4], [bd], [stream % 4]
    # leavers: complaints and competitor interest around their last purchase; price-shocked
    # customers also ask for a discount
    shocked = base.mech[lo:hi] == 2
    for kind, prob, lo_d, hi_d in (
        (0, 0.6, -90, 0), (0, 0.3, -90, 30), (1, 0.45, -60, 60), (2, 0.3, -90, 0),
    ):
        p = np.where(shocked, 0.3, 0.03) if kind == 2 else np.full(n, prob)
        hit = dropped & (rng.random(n) < p)
        sc_list.append(idx[hit])
        sd_list.append(last[hit] + rng.uniform(lo_d, hi_d, hit.sum()))
        sk_list.append(np.full(hit.sum(), kind))
    sc = np.concatenate(sc_list)
    sd = np.concatenate(sd_list)
    sk = np.concatenate(sk_list)
    sd = np.clip(np.floor(sd), alive_from[sc], end).astype(np.int64)
    note = np.empty(len(sc), dtype=object)
    for i, kind in enumerate(SIGNAL_KINDS):
        sel = sk == i
        note[sel] = rng.choice(SIGNAL_NOTES[kind], sel.sum())
    signals = pd.DataFrame({"c": sc, "date": sd, "kind": SIGNAL_KINDS[sk], "note": note})
    return signals


def _usage(s: _Slice, rng: np.random.Generator) -> pd.DataFrame:
    """Monthly portal usage of the customers with portal access, low before leaving."""
    idx, end, rate, tau, base, lo, hi = s.idx, s.end, s.rate, s.tau, s.base, s.lo, s.hi
    has, won, dropped, last = s.has, s.won, s.dropped, s.last
    alive_from, in_pre = s.alive_from, s.in_pre
    portal = base.portal[lo:hi] & has
    u_end = np.where(won | ~dropped, end, np.minimum(np.maximum(tau, last + 365), end))
    m0 = month_start(alive_from)
    m1 = month_start(u_end)
    n_months = np.where(portal, np.round((m1 - m0) / 30.44).astype(np.int64) + 1, 0)
    uc = np.repeat(idx, n_months)
    first = np.r_[0, np.cumsum(n_months)[:-1]]
    k_month = np.arange(len(uc)) - np.repeat(first, n_months)
    period = (
        (m0[uc].astype("datetime64[D]").astype("datetime64[M]") + k_month)
        .astype("datetime64[D]").astype(np.int64)
    )
    level = (3.0 + 0.8 * rate[uc]) * rng.gamma(8.0, 1 / 8.0, len(uc))
    level = np.where(in_pre(uc, period + 15.0), level * 0.2, level)
    level = np.where((period >= tau[uc]) & ~won[uc], 0.0, level)
    units = rng.poisson(level)
    usage = pd.DataFrame({"c": uc, "period": period, "active_units": units})
    return usage


def _surveys(s: _Slice, rng: np.random.Generator) -> pd.DataFrame:
    """Exit-survey answers of part of the lost customers (one or two reasons each)."""
    n, idx, end, base, lo, hi = s.n, s.idx, s.end, s.base, s.lo, s.hi
    contractual, churned_on, last, dropped = s.contractual, s.churned_on, s.last, s.dropped
    lost_on = np.where(contractual, churned_on, last + 365)
    lost = dropped & (lost_on <= end)
    srv = lost & base.surveyed[lo:hi]
    s_day = lost_on + np.floor(rng.random(n) * (np.minimum(60, end - lost_on) + 1))
    r1 = np.where(contractual, EXIT_REASON_INDEX["uncontrollable"], base.reason1[lo:hi])
    r2 = np.where(contractual, -1, base.reason2[lo:hi])
    two = srv & (r2 >= 0)
    qc = np.concatenate([idx[srv], idx[two]])
    qcat = np.concatenate([r1[srv], r2[two]])
    text = np.empty(len(qc), dtype=object)
    for i, cat_name in enumerate(EXIT_REASONS):
        sel = qcat == i
        text[sel] = rng.choice(np.array(REASON_TEXT[cat_name], dtype=object), sel.sum())
    comment = rng.choice(SURVEY_COMMENTS, n)
    surveys = pd.DataFrame({
        "c": qc, "date": s_day[qc].astype(np.int64), "reason": text, "comment": comment[qc],
    })
    return surveys


def _customers(s: _Slice) -> pd.DataFrame:
    """The customers table of the slice (no draws)."""
    base, lo, hi = s.base, s.lo, s.hi
    manager, segment, contractual, churned_on = s.manager, s.segment, s.contractual, s.churned_on
    customers = pd.DataFrame({
        "customer_id": base.ids[lo:hi],
        "name": base.names[lo:hi],
        "manager": np.array(MANAGERS)[manager],
        "segment": SEGMENTS[segment],
        "region": REGIONS[base.region[lo:hi]],
        "signup_date": iso_dates(base.signup[lo:hi]),
        "churned_on": np.where(contractual, iso_dates(np.maximum(churned_on, 0)), ""),
    })
    return customers


def _events(base: SampleBase) -> pd.DataFrame:
    start_ts = pd.Timestamp(np.datetime64(base.start, "D"))
    return pd.DataFrame({
        "date": [iso_dates([months_after(start_ts, m)])[0] for m, _, _ in EVENTS],
        "kind": [k for _, k, _ in EVENTS],
        "description": [d for _, _, d in EVENTS],
    })


#: The date column of each table cut by ``months`` (customers are kept whole: a CRM knows
#: customers from before the export's first day).
_CUT_COLUMNS = {
    "transactions": "date", "contacts": "date", "surveys": "date", "signals": "date",
    "events": "date", "usage": "period",
}


def _history_start(end: str, months: int | None) -> str | None:
    """First day kept when the history is cut to ``months`` months ending on ``end``."""
    if months is None:
        return None
    if not 1 <= months <= 36:
        raise ValueError(f"months must be between 1 and 36 (the three years), got {months}")
    start = pd.Timestamp(end) + pd.Timedelta(days=1) - pd.DateOffset(months=months)
    return start.strftime("%Y-%m-%d")


def _cut(tables: dict[str, pd.DataFrame], first_day: str | None) -> dict[str, pd.DataFrame]:
    """The rows dated on or after ``first_day`` (ISO strings compare as dates)."""
    if first_day is None:
        return tables
    out = dict(tables)
    for table, column in _CUT_COLUMNS.items():
        frame = out.get(table)
        if frame is not None:
            out[table] = frame.loc[frame[column].to_numpy(dtype=str) >= first_day].reset_index(
                drop=True
            )
    return out


def _iter_chunks(
    customers: int, seed: int, end: str, months: int | None = None
) -> Iterator[dict[str, pd.DataFrame]]:
    if customers < 10:
        raise ValueError(f"customers must be at least 10, got {customers}")
    first_day = _history_start(end, months)
    root = np.random.default_rng(seed)
    base = draw_base(customers, root, end)
    bounds = list(range(0, customers, CHUNK_CUSTOMERS)) + [customers]
    children = root.spawn(len(bounds) - 1)
    next_order = 1
    for (lo, hi), rng in zip(zip(bounds[:-1], bounds[1:], strict=True), children, strict=True):
        tables = _chunk(base, lo, hi, rng)
        tx = tables["transactions"]
        is_refund = tx["amount"].to_numpy() < 0
        # order ids: sequential over sale rows; a refund carries its sale's id + "-R"
        sale_no = np.cumsum(~is_refund) - 1 + next_order
        next_order += int((~is_refund).sum())
        oid = np.char.add("SO", np.char.zfill(sale_no.astype(str), 7))
        oid = np.where(is_refund, np.char.add(oid, "-R"), oid)
        tx.insert(3, "order_id", oid)
        tables["transactions"] = tx
        if lo == 0:
            tables["events"] = _events(base)
        tables = _cut(tables, first_day)
        yield {t: tables[t].loc[:, list(TABLE_COLUMNS[t])] for t in TABLE_COLUMNS if t in tables}


def generate_sample(
    *, customers: int = 2000, seed: int = 20261031, end: str = "2026-10-31",
    months: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Generate the sample business in memory.

    Parameters
    ----------
    customers
        Number of customers (at least 10).
    seed
        Seed of ``numpy.random.default_rng``; the same arguments give the same tables.
    end
        Last day of the data (``YYYY-MM-DD``); the data cover the three years up to it.
    months
        Keep only the last ``months`` months (1..36) of history up to ``end``: the same
        business, exported over a shorter window (every dated table cut at
        ``end + 1 day - months``; ``customers`` kept whole).  ``None``: the three years.

    Returns
    -------
    dict of str to DataFrame
        One frame per table of the data contract, columns as in :data:`TABLE_COLUMNS`,
        default RangeIndex, rows sorted by customer_id then date.  Values are what the CSV
        files hold: ids, names and dates (``YYYY-MM-DD``) as strings, ``amount`` and
        ``margin`` float64 rounded to cents, ``quantity`` and ``active_units`` int64,
        ``answered`` the strings ``"True"``/``"False"``, ``churned_on`` empty when unknown.
    """
    parts: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLE_COLUMNS}
    for chunk in _iter_chunks(customers, seed, end, months):
        for table, frame in chunk.items():
            parts[table].append(frame)
    return {t: pd.concat(p, ignore_index=True) for t, p in parts.items()}


def _to_csv(frame: pd.DataFrame, path: Path, *, append: bool) -> None:
    frame.to_csv(
        path, mode="a" if append else "w", header=not append, index=False,
        encoding="utf-8", lineterminator="\n", float_format="%.2f",
    )


def write_sample(
    out: str | Path, *, customers: int = 2000, seed: int = 20261031, end: str = "2026-10-31",
    months: int | None = None,
) -> dict[str, int]:
    """Write the sample business as CSV files ``<table>.csv`` into ``out``.

    Generates and writes chunk by chunk (:data:`CHUNK_CUSTOMERS` customers at a time), so
    memory stays bounded for large samples.  UTF-8, ``\\n`` line endings, dates
    ``YYYY-MM-DD``, amounts with two decimals; same arguments give byte-identical files.
    ``months``: as in :func:`generate_sample`.

    Returns
    -------
    dict of str to int
        Rows written per table, in :data:`TABLE_COLUMNS` order.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    counts = dict.fromkeys(TABLE_COLUMNS, 0)
    for i, chunk in enumerate(_iter_chunks(customers, seed, end, months)):
        for table in TABLE_COLUMNS:
            frame = chunk.get(table)
            if frame is None:
                continue
            _to_csv(frame, out / f"{table}.csv", append=i > 0 and table != "events")
            counts[table] += len(frame)
    return counts
