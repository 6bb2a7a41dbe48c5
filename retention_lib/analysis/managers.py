"""Manager fit (DESIGN.md rule 10): churn and compliance per manager next to the company.

A manager is **flagged** when their customer churn is significantly above the company's:
the one-sided exact binomial test (:func:`scipy.stats.binomtest`, ``alternative="greater"``)
of ``lost`` out of ``customers`` against the company rate ``p0`` gives ``p_value < alpha``
(default 0.05) **and** the manager's rate is above ``p0``. ``p0`` is the churn rate of the
whole base over the same window (the ``"all"`` row of
:func:`retention_lib.analysis.churn.churn_rate` with ``by="manager"``, the manager's own customers
included). The customer count is always shown next to the rate: with a small book a high
rate is not significant (2 lost of 5 against 10 %: p = 0.081, not flagged).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from ..data.checks import UNASSIGNED

__all__ = ["FIT_COLUMNS", "flagged_managers", "has_managers", "manager_fit"]

#: Output columns of :func:`manager_fit`, in order.
FIT_COLUMNS: tuple[str, ...] = (
    "customers", "lost", "churn_rate", "company_rate", "p_value", "flagged",
    "compliance_customers", "compliance_share",
)
_TOTAL = "all"


def has_managers(customers: pd.DataFrame | None) -> bool:
    """Whether the customers table names a responsible manager for anyone.

    The manager sections (churn by manager, manager fit, compliance per manager) follow
    the data: they are on only when ``customers`` has a ``manager`` column with at least
    one value that is neither missing, blank nor ``"unassigned"`` (the loader fills a
    missing column with ``"unassigned"``; one "unassigned" bar tested against itself says
    nothing).

    Parameters
    ----------
    customers
        The customers table (``customer_id``, optional ``manager``), or ``None``.
    """
    if customers is None or "manager" not in customers.columns:
        return False
    values = customers["manager"].astype("string").str.strip()
    return bool(((values != "") & (values != UNASSIGNED)).fillna(False).any())


def manager_fit(
    churn_by_manager: pd.DataFrame,
    *,
    compliance: pd.DataFrame | None = None,
    alpha: float = 0.05,
    company_rate: float | None = None,
) -> pd.DataFrame:
    """Churn, binomial test and compliance per manager.

    Parameters
    ----------
    churn_by_manager
        :func:`retention_lib.analysis.churn.churn_rate` output with ``by="manager"``: index =
        manager
        (plus the optional ``"all"`` row), columns ``active_start`` (or ``customers``) and
        ``lost`` (int). The ``"all"`` row, when present, gives the company rate and is not a
        manager row.
    compliance
        Optional :func:`retention_lib.analysis.cadence.compliance_summary` output by manager
        (columns
        ``customers`` and ``share_within``).
    alpha
        Significance level of the one-sided test.
    company_rate
        Override of the company rate (default: the ``"all"`` row, else the pooled rate of
        the manager rows).

    Returns
    -------
    pandas.DataFrame
        Index ``manager`` (string), flagged managers first, then by ``churn_rate``
        descending, then name. Columns :data:`FIT_COLUMNS`: ``customers`` (int64: active at
        the window start), ``lost`` (int64), ``churn_rate`` (float64, NaN with no
        customers), ``company_rate`` (float64, same on every row), ``p_value`` (float64,
        NaN with no customers), ``flagged`` (bool), ``compliance_customers`` (Int64: active
        customers now, from ``compliance``), ``compliance_share`` (float64).
        ``attrs`` holds ``company_rate``, ``alpha``, ``company_customers`` and
        ``company_lost``.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    rows = _manager_rows(churn_by_manager)
    if company_rate is None:
        company_rate = (rows.company_lost / rows.company_n if rows.company_n
                        else float("nan"))
    p0 = float(company_rate)
    n, lost = rows.n, rows.lost
    rate = np.where(n > 0, lost / np.maximum(n, 1), np.nan)
    pvals = _p_values(lost, n, p0)
    flagged = (pvals < alpha) & (rate > p0)
    out = pd.DataFrame(
        {
            "customers": n,
            "lost": lost,
            "churn_rate": rate.astype("float64"),
            "company_rate": p0,
            "p_value": pvals.astype("float64"),
            "flagged": np.asarray(flagged, dtype=bool),
        },
        index=rows.index,
    )
    out = _with_compliance(out, compliance, p0)
    out = _flagged_first(out)
    out.attrs = {
        "company_rate": p0,
        "alpha": alpha,
        "company_customers": rows.company_n,
        "company_lost": rows.company_lost,
    }
    return out[list(FIT_COLUMNS)]


@dataclass(frozen=True)
class _ManagerRows:
    """The checked manager rows of a churn-by-manager table and the company totals."""

    index: pd.Index  # manager names (string), the "all" row left out
    n: np.ndarray  # int64: customers active at the window start
    lost: np.ndarray  # int64: of them, lost by the window end
    company_n: int
    company_lost: int


def _manager_rows(frame: pd.DataFrame) -> _ManagerRows:
    """Manager rows and company totals (the ``"all"`` row, else the sum of the managers)."""
    n_col = "active_start" if "active_start" in frame.columns else "customers"
    missing = [c for c in (n_col, "lost") if c not in frame.columns]
    if missing:
        raise KeyError(
            f"churn_by_manager lacks column(s) {missing}; required: ['active_start' (or "
            f"'customers'), 'lost'], found: {list(frame.columns)}"
        )
    labels = frame.index.astype(str)
    is_total = labels == _TOTAL
    rows = frame.loc[~is_total]
    n = rows[n_col].to_numpy(dtype=np.int64)
    lost = rows["lost"].to_numpy(dtype=np.int64)
    if (lost > n).any() or (lost < 0).any():
        bad = labels[~is_total][(lost > n) | (lost < 0)].tolist()
        raise ValueError(f"lost must be between 0 and the customer count; bad rows: {bad}")
    if is_total.any():
        tot = frame.loc[is_total].iloc[0]
        company_n, company_lost = int(tot[n_col]), int(tot["lost"])
    else:
        company_n, company_lost = int(n.sum()), int(lost.sum())
    idx = pd.Index(pd.array(list(labels[~is_total]), dtype="string"), name="manager")
    return _ManagerRows(idx, n, lost, company_n, company_lost)


def _p_values(lost: np.ndarray, n: np.ndarray, p0: float) -> np.ndarray:
    """One-sided exact binomial p-values of ``lost`` of ``n`` against the company rate."""
    pvals = np.full(len(n), np.nan)
    if 0 < p0 < 1:
        for i, (k, m) in enumerate(zip(lost, n, strict=True)):
            if m > 0:
                pvals[i] = binomtest(int(k), int(m), p0, alternative="greater").pvalue
    elif p0 == 0:  # any loss is above a zero company rate
        pvals = np.where(n > 0, np.where(lost > 0, 0.0, 1.0), np.nan)
    return pvals


def _with_compliance(
    out: pd.DataFrame, compliance: pd.DataFrame | None, p0: float
) -> pd.DataFrame:
    """``out`` with the compliance columns; managers with active customers but none active at
    the window start are added as rows without churn."""
    idx = out.index
    comp_n = pd.Series(pd.NA, index=idx, dtype="Int64")
    comp_share = pd.Series(np.nan, index=idx, dtype="float64")
    if compliance is not None:
        c = compliance.copy()
        c.index = pd.Index(c.index.astype(str), dtype="string")
        extra = c.index.difference(idx)
        if len(extra):  # managers with active customers but none active at the window start
            out = pd.concat(
                [
                    out,
                    pd.DataFrame(
                        {"customers": 0, "lost": 0, "churn_rate": np.nan, "company_rate": p0,
                         "p_value": np.nan, "flagged": False},
                        index=pd.Index(extra, name="manager"),
                    ),
                ]
            )
            idx = out.index
        comp_n = c["customers"].reindex(idx).astype("Int64")
        comp_share = c["share_within"].reindex(idx).astype("float64")
    out["compliance_customers"] = comp_n.to_numpy()
    out["compliance_customers"] = out["compliance_customers"].astype("Int64")
    out["compliance_share"] = comp_share.to_numpy()
    out["customers"] = out["customers"].astype(np.int64)
    out["lost"] = out["lost"].astype(np.int64)
    out["flagged"] = out["flagged"].astype(bool)
    return out


def _flagged_first(out: pd.DataFrame) -> pd.DataFrame:
    """Flagged managers first, then by churn rate descending, then name."""
    order = np.lexsort(
        (
            out.index.astype(str).to_numpy(),
            -np.nan_to_num(out["churn_rate"].to_numpy(dtype="float64"), nan=-1.0),
            ~out["flagged"].to_numpy(),
        )
    )
    out = out.iloc[order]
    out.index.name = "manager"
    return out


def flagged_managers(fit: pd.DataFrame) -> list[str]:
    """Names of the flagged managers of a :func:`manager_fit` table, sorted."""
    return sorted(str(m) for m in fit.index[fit["flagged"].to_numpy(dtype=bool)])
