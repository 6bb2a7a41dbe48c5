"""Per-customer tables both report pages read (the executive report and the customer base).

Names and managers of the customers, value tiers and RFM scores at a day, the RFM segment
order, and the share of customers and revenue per label (tier, segment).  Every table holds
English codes; the pages translate them when they show them.
"""

from __future__ import annotations

import pandas as pd

from ..analysis import rfm, tiers
from ..analysis.cohorts import rfm_segment_order
from ..config import Settings

__all__ = [
    "TIER_ORDER",
    "customer_info",
    "rfm_raw",
    "rfm_scores",
    "segment_order",
    "share_table",
    "tiers_at",
]

#: Value tiers in display order.
TIER_ORDER = ("VIP", "A", "B", "C")


def customer_info(dataset) -> pd.DataFrame:
    """Index customer_id → name, manager (strings; ids for missing names)."""
    cust = dataset.customers
    if cust is None:
        return pd.DataFrame(columns=["name", "manager"], index=pd.Index([], name="customer_id"))
    cols = [c for c in ("name", "manager") if c in cust.columns]
    info = cust.drop_duplicates("customer_id").set_index("customer_id")[cols]
    if "name" not in info:
        info = info.assign(name=pd.NA)
    if "manager" not in info:
        info = info.assign(manager="unassigned")
    return info[["name", "manager"]]


def tiers_at(dataset, *, as_of: pd.Timestamp, settings: Settings) -> pd.DataFrame:
    """value_tiers at ``as_of``: index customer_id, columns ``tier`` (str), ``revenue``."""
    out = tiers.value_tiers(
        dataset.transactions, as_of=as_of, window_days=settings.tier_window_days,
        a_share=settings.tier_a_share, b_share=settings.tier_b_share,
        vip_share=settings.vip_share, vip_ids=settings.vip_ids,
    )
    res = pd.DataFrame({"tier": out["tier"].astype(str)}, index=out.index)
    res["revenue"] = out["revenue"].astype(float)
    return res


def rfm_raw(transactions: pd.DataFrame, *, as_of: pd.Timestamp):
    """:func:`rfm.rfm_table` at ``as_of`` (index customer_id)."""
    return rfm.rfm_table(transactions, as_of=as_of)


def rfm_scores(
    transactions: pd.DataFrame, *, as_of: pd.Timestamp, raw: pd.DataFrame | None = None
):
    """rfm_table at ``as_of``: index customer_id, columns R, F, M (int), segment (str),
    monetary (float).  ``raw``: the :func:`rfm_raw` table when the caller has it."""
    out = rfm_raw(transactions, as_of=as_of) if raw is None else raw
    res = pd.DataFrame({k: out[k].astype("int64") for k in ("R", "F", "M")}, index=out.index)
    res["segment"] = out["segment"].astype(str)
    res["monetary"] = out["monetary"].astype(float)
    return res


def segment_order() -> list[str]:
    """The RFM segments in display order."""
    return rfm_segment_order(rfm)


def share_table(labels: pd.Series, revenue: pd.Series, order: list[str]) -> pd.DataFrame:
    """Index label (``order`` first, then any other label sorted); ``customers``,
    ``customer_share``, ``revenue``, ``revenue_share`` (of the positive revenue)."""
    frame = pd.DataFrame({"label": labels.astype(str), "revenue": revenue.astype(float)})
    g = frame.groupby("label", sort=False).agg(customers=("revenue", "size"),
                                                revenue=("revenue", "sum"))
    present = [o for o in order if o in g.index] + sorted(i for i in g.index if i not in order)
    g = g.reindex(present)
    g["customers"] = g["customers"].astype("int64")
    total_c = g["customers"].sum()
    total_r = g["revenue"].clip(lower=0).sum()
    g["customer_share"] = g["customers"] / total_c if total_c else float("nan")
    g["revenue_share"] = g["revenue"].clip(lower=0) / total_r if total_r else float("nan")
    return g[["customers", "customer_share", "revenue", "revenue_share"]]
