"""RFM analysis: recency, frequency and monetary scores 1..5 and named segments.

Definitions
-----------
For each customer with a transaction on or before the report date ``as_of``:

* **recency_days**: days from the last transaction date to ``as_of`` (0 = bought on the
  report date).
* **frequency**: number of distinct days with a transaction (same-day orders count once;
  a refund-only day counts as a day with a transaction).
* **monetary**: net revenue (purchases minus refunds) of all transactions up to ``as_of``.
* **R, F, M scores** 1..5, 5 best (most recent, most frequent, highest revenue), by
  mid-rank quintiles: with ``n`` customers and ``r`` a customer's average rank (1 = worst;
  tied values share the average of their ranks), ``score = 1 + floor(5 × (r − ½) / n)``.
  Identical values always get identical scores; with distinct values each score holds a
  fifth of the customers; a value shared by many customers (e.g. all one-time buyers) lands
  in the score of its middle rank, so no bin is ever empty by construction and nothing
  crashes; one customer alone scores 3.
* **rfm_code**: the three scores as text, e.g. ``"545"``.
* **segment**: the first rule of :data:`RFM_SEGMENTS` (ordered by ``priority``) whose R, F
  and M ranges contain the customer's scores. The default rules assign every one of the 125
  combinations to one of the 11 usual segments and every segment is reached; the last rule,
  *Hibernating*, is a named catch-all. (The widely copied 11-rule table, applied top to
  bottom, never reaches New customers, Promising, Can't lose them and Lost because wider
  rules above them swallow their cells; here the narrow rules come first.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._frames import as_timestamp, is_ibis_table
from .customer_days import purchase_day_profile
from .summary import customer_summary

__all__ = ["OTHER_SEGMENT", "RFM_SEGMENTS", "rfm_score", "rfm_segment", "rfm_table"]

#: Segment given to a score combination that no rule of a custom table covers.
OTHER_SEGMENT = "Other"

_RULE_COLUMNS = ("segment", "priority", "r_min", "r_max", "f_min", "f_max", "m_min", "m_max")

_DEFAULT_RULES = [
    # segment, R range, F range, M range, description
    ("Champions", (4, 5), (4, 5), (4, 5), "bought recently, buy often and spend the most"),
    ("Loyal", (3, 5), (3, 5), (3, 5), "buy regularly and spend well, fairly recently"),
    ("Can't lose them", (1, 2), (4, 5), (4, 5),
     "used to buy often and spend the most, but not for a long time"),
    ("New customers", (4, 5), (1, 1), (1, 5), "first purchase recently, only one so far"),
    ("Promising", (3, 3), (1, 1), (1, 5), "one purchase, not long ago"),
    ("Need attention", (2, 3), (2, 3), (2, 3),
     "average frequency and spend, not bought very recently"),
    ("Potential loyalists", (3, 5), (1, 5), (1, 5),
     "recent customers with several purchases who may become loyal"),
    ("At risk", (1, 2), (2, 5), (2, 5), "bought often and spent well, but long ago"),
    ("About to sleep", (2, 2), (1, 5), (1, 5), "below-average recency, few or small purchases"),
    ("Lost", (1, 1), (1, 2), (1, 2), "lowest recency, frequency and spend"),
    ("Hibernating", (1, 5), (1, 5), (1, 5),
     "catch-all: last purchase long ago, one larger order or several small ones"),
]


def _default_segments() -> pd.DataFrame:
    rows = []
    for priority, (name, r, f, m, text) in enumerate(_DEFAULT_RULES, start=1):
        rows.append(
            {
                "segment": name,
                "priority": priority,
                "r_min": r[0], "r_max": r[1],
                "f_min": f[0], "f_max": f[1],
                "m_min": m[0], "m_max": m[1],
                "rule": f"R {r[0]}-{r[1]}, F {f[0]}-{f[1]}, M {m[0]}-{m[1]}",
                "description": text,
            }
        )
    frame = pd.DataFrame(rows)
    frame["segment"] = frame["segment"].astype("string")
    frame["rule"] = frame["rule"].astype("string")
    frame["description"] = frame["description"].astype("string")
    return frame


#: The default segment rules, first match wins in ``priority`` order. Columns: ``segment``
#: (string), ``priority`` (int, 1 = tested first), ``r_min``, ``r_max``, ``f_min``,
#: ``f_max``, ``m_min``, ``m_max`` (inclusive score ranges), ``rule`` (the ranges as text),
#: ``description`` (plain-language meaning).
RFM_SEGMENTS: pd.DataFrame = _default_segments()


def _validated(segments: pd.DataFrame | None) -> pd.DataFrame:
    if segments is None:
        return RFM_SEGMENTS
    missing = [c for c in _RULE_COLUMNS if c not in segments.columns]
    if missing:
        raise KeyError(
            f"segments table lacks column(s) {missing}; required: {list(_RULE_COLUMNS)}"
        )
    rules = segments.sort_values("priority", kind="stable").reset_index(drop=True)
    for col in _RULE_COLUMNS[2:]:
        bad = rules.loc[~rules[col].isin(range(1, 6)), ["segment", col]]
        if len(bad):
            raise ValueError(
                f"segments column {col!r} must hold scores 1..5; "
                f"got {bad[col].tolist()[:5]} for {bad['segment'].tolist()[:5]}"
            )
    if rules["segment"].eq(OTHER_SEGMENT).any():
        raise ValueError(f"segment name {OTHER_SEGMENT!r} is reserved for uncovered scores")
    return rules


def _lookup(rules: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Segment name and priority for each of the 125 codes (index (r-1)*25+(f-1)*5+(m-1))."""
    r, f, m = (np.repeat(np.arange(1, 6), 25), np.tile(np.repeat(np.arange(1, 6), 5), 5),
               np.tile(np.arange(1, 6), 25))
    names = np.full(125, OTHER_SEGMENT, dtype=object)
    prio = np.full(125, int(rules["priority"].max()) + 1 if len(rules) else 1, dtype=np.int64)
    done = np.zeros(125, dtype=bool)
    for rule in rules.itertuples(index=False):  # at most a few dozen rules
        hit = (~done & (r >= rule.r_min) & (r <= rule.r_max) & (f >= rule.f_min)
               & (f <= rule.f_max) & (m >= rule.m_min) & (m <= rule.m_max))
        names[hit] = str(rule.segment)
        prio[hit] = int(rule.priority)
        done |= hit
    return names, prio


def rfm_segment(r: int, f: int, m: int, *, segments: pd.DataFrame | None = None) -> str:
    """Name of the segment of one score combination.

    Parameters
    ----------
    r, f, m
        Scores 1..5.
    segments
        Rules with the columns of :data:`RFM_SEGMENTS` (default: :data:`RFM_SEGMENTS`).

    Returns
    -------
    str
        The first matching segment in priority order, or :data:`OTHER_SEGMENT` (``"Other"``)
        when a custom table covers no rule for this combination (never with the defaults).
    """
    for name, value in (("r", r), ("f", f), ("m", m)):
        if value not in range(1, 6):
            raise ValueError(f"score {name}={value!r} is not allowed; allowed: 1, 2, 3, 4, 5")
    names, _ = _lookup(_validated(segments))
    return str(names[(r - 1) * 25 + (f - 1) * 5 + (m - 1)])


def rfm_score(values: pd.Series, *, higher_is_better: bool = True) -> pd.Series:
    """Quintile score 1..5 by mid-rank: ``1 + floor(5 × (rank − ½) / n)``, ties averaged.

    Parameters
    ----------
    values
        Numeric Series (no missing values).
    higher_is_better
        ``False`` for recency in days (fewer days = better = higher score).

    Returns
    -------
    pandas.Series
        int64 scores 1..5, same index as ``values``.
    """
    n = len(values)
    if n == 0:
        return pd.Series(np.zeros(0, dtype=np.int64), index=values.index, name=values.name)
    ranks = values.rank(method="average", ascending=higher_is_better).to_numpy(dtype=float)
    # 2·rank − 1 is an integer (average ranks are multiples of ½): exact integer arithmetic.
    twice = np.rint(2 * ranks - 1).astype(np.int64)
    scores = np.clip(1 + (5 * twice) // (2 * n), 1, 5)
    return pd.Series(scores, index=values.index, name=values.name)


def rfm_table(
    transactions: pd.DataFrame,
    *,
    as_of: object,
    segments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """RFM values, scores and segment per customer.

    Parameters
    ----------
    transactions
        ``customer_id`` (string), ``date`` (datetime64), ``amount`` (float64, negative =
        refund). Rows after ``as_of`` are left out.
    as_of
        Report date.
    segments
        Segment rules with the columns of :data:`RFM_SEGMENTS`; default the built-in 11.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string, sorted): every customer with a transaction up to
        ``as_of``. Columns: ``recency_days`` (int64), ``frequency`` (int64, purchase days),
        ``monetary`` (float64, net revenue), ``R``, ``F``, ``M`` (int64 1..5, 5 best),
        ``rfm_code`` (string, e.g. ``"545"``), ``segment`` (string), ``segment_priority``
        (int64, the matching rule's priority; uncovered combinations of a custom table get
        ``"Other"`` and the largest priority + 1).
    """
    rules = _validated(segments)
    as_of_ts = pd.Timestamp(as_of)
    if is_ibis_table(transactions):  # aggregated by its backend
        summary = customer_summary(transactions, as_of=as_of_ts, freq="D")
        index = summary.index
        recency = (as_of_ts.normalize() - summary["last_purchase"]).dt.days.astype(np.int64)
        frequency = (summary["frequency"] + 1).astype(np.int64)
        monetary = summary["revenue_total"].astype(np.float64)
    else:  # the same three figures without the rest of the summary
        index, last_day, n_days, revenue = purchase_day_profile(transactions, as_of=as_of_ts)
        as_of_day = (as_timestamp(as_of_ts, "as_of").normalize() - pd.Timestamp(0)).days
        recency = pd.Series(as_of_day - last_day, index=index, dtype=np.int64)
        frequency = pd.Series(n_days, index=index, dtype=np.int64)
        monetary = pd.Series(revenue, index=index, dtype=np.float64)
    r = rfm_score(recency, higher_is_better=False)
    f = rfm_score(frequency)
    m = rfm_score(monetary)
    names, prio = _lookup(rules)
    cell = ((r - 1) * 25 + (f - 1) * 5 + (m - 1)).to_numpy(dtype=np.int64)
    code = (r.astype(str) + f.astype(str) + m.astype(str)).astype("string")
    return pd.DataFrame(
        {
            "recency_days": recency,
            "frequency": frequency,
            "monetary": monetary,
            "R": r,
            "F": f,
            "M": m,
            "rfm_code": code,
            "segment": pd.array(names[cell], dtype="string"),
            "segment_priority": prio[cell],
        },
        index=index,
    )
