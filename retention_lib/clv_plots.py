"""Charts of the CLV page: one function per chart, each returns a matplotlib ``Figure``.

Same rules as :mod:`retention_lib.plots`: aggregated data only (no mark per customer),
series told apart by line style, marker and hatch as well as colour, a title on every
figure; the caller closes the figure (``display.figure_html`` does) and writes the alt text.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

__all__ = [
    "plot_clv_by_tier",
    "plot_cumulative_transactions",
    "plot_holdout_by_frequency",
    "plot_p_alive_matrix",
    "plot_tier_potential",
]

WIDE = (10.0, 4.4)
SQUARE = (7.0, 5.6)
_ACTUAL = "#333333"
_MODEL = "#3b75af"


def _annotated_heatmap(ax, matrix: pd.DataFrame, *, fmt, cmap: str, vmin=None, vmax=None):
    data = matrix.to_numpy(dtype=float)
    im = ax.imshow(np.ma.masked_invalid(data), cmap=cmap, aspect="auto", vmin=vmin, vmax=vmax)
    finite = data[np.isfinite(data)]
    hi = vmax if vmax is not None else (finite.max() if finite.size else 1.0)
    lo = vmin if vmin is not None else (finite.min() if finite.size else 0.0)
    for (i, j), val in np.ndenumerate(data):
        if np.isfinite(val):
            dark = (val - lo) / ((hi - lo) or 1) > 0.55
            ax.text(j, i, fmt(val), ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    ax.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns])
    ax.set_yticks(range(matrix.shape[0]), [str(r) for r in matrix.index])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    return im


def plot_p_alive_matrix(
    matrix: pd.DataFrame, *, unit: str = "weeks", title: str = "Probability a customer is alive"
) -> Figure:
    """Heatmap of P(alive) by frequency (rows) and recency (columns).

    ``matrix``: :func:`retention_lib.clv.p_alive_matrix` (index frequency, columns recency in
    ``unit``, values in [0, 1]; NaN cells are left blank).
    """
    fig, ax = plt.subplots(figsize=SQUARE)
    im = _annotated_heatmap(ax, matrix, fmt=lambda v: f"{v:.0%}", cmap="Greys", vmin=0, vmax=1)
    ax.set_xticks(range(matrix.shape[1]), [f"{c:g}" for c in matrix.columns])
    ax.set_xlabel(f"recency: customer age at the last purchase ({unit})")
    ax.set_ylabel("frequency: repeat purchases")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, format=PercentFormatter(1.0), label="P(alive)")
    fig.tight_layout()
    return fig


def plot_holdout_by_frequency(
    table: pd.DataFrame, *, title: str = "Holdout check: purchases per customer"
) -> Figure:
    """Bars of actual vs predicted mean holdout purchases per calibration-frequency bucket.

    ``table``: :func:`retention_lib.clv.holdout_by_frequency` (index bucket labels, columns
    ``actual_mean``, ``predicted_mean``).
    """
    fig, ax = plt.subplots(figsize=WIDE)
    x = np.arange(len(table))
    width = 0.4
    ax.bar(x - width / 2, table["actual_mean"].fillna(0), width, color=_ACTUAL,
           label="actual")
    ax.bar(x + width / 2, table["predicted_mean"].fillna(0), width, color="white",
           edgecolor=_MODEL, hatch="//", label="model")
    ax.set_xticks(x, [str(i) for i in table.index])
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout period")
    ax.set_title(title)
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def plot_cumulative_transactions(
    frame: pd.DataFrame, *, title: str = "Repeat purchases: actual vs model"
) -> Figure:
    """Cumulative repeat purchases over time, actual (solid) and expected (dashed), with the
    end of the calibration period marked.

    ``frame``: :func:`retention_lib.clv.cumulative_transactions` (columns ``date``,
    ``actual``, ``expected``, ``holdout``).
    """
    fig, ax = plt.subplots(figsize=WIDE)
    ax.plot(frame["date"], frame["actual"], color=_ACTUAL, linestyle="-", label="actual")
    ax.plot(frame["date"], frame["expected"], color=_MODEL, linestyle="--", marker="",
            label="model")
    cal = frame.loc[~frame["holdout"], "date"]
    if len(cal) and frame["holdout"].any():
        ax.axvline(cal.iloc[-1], color="#888888", linestyle=":", linewidth=1)
        ax.annotate("end of calibration", (cal.iloc[-1], ax.get_ylim()[1] * 0.95),
                    ha="right", fontsize=8, color="#555555")
    ax.set_ylabel("cumulative repeat purchases")
    ax.set_title(title)
    ax.legend(frameon=False, loc="upper left")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def plot_clv_by_tier(
    stats: pd.DataFrame, *, currency_label: str = "", title: str = "12-month CLV by value tier"
) -> Figure:
    """Box plot of CLV per tier drawn from quantiles (no mark per customer).

    ``stats``: index tier, columns ``p10``, ``p25``, ``median``, ``p75``, ``p90``, ``mean``
    (as built by :func:`retention_lib.clv_report.clv_by_tier`).
    """
    fig, ax = plt.subplots(figsize=WIDE)
    boxes = [
        {"label": str(t), "whislo": r["p10"], "q1": r["p25"], "med": r["median"],
         "q3": r["p75"], "whishi": r["p90"], "mean": r["mean"], "fliers": []}
        for t, r in stats.iterrows()
    ]
    if boxes:
        ax.bxp(boxes, showmeans=True, meanprops={"marker": "D", "markerfacecolor": "white",
                                                  "markeredgecolor": _ACTUAL})
    ax.set_ylabel(f"predicted 12-month CLV {currency_label}".strip())
    ax.set_xlabel("value tier (box: middle half of customers, whiskers: 10–90 %, ◇ mean)")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_tier_potential(
    matrix: pd.DataFrame, *, title: str = "Value tier × potential: customers"
) -> Figure:
    """Heatmap of customer counts by value tier (rows) and potential class (columns)."""
    fig, ax = plt.subplots(figsize=SQUARE)
    _annotated_heatmap(ax, matrix, fmt=lambda v: f"{v:,.0f}", cmap="Blues")
    ax.set_xlabel("potential (predicted 12-month CLV)")
    ax.set_ylabel("value tier (revenue of the last 12 months)")
    ax.set_title(title)
    fig.tight_layout()
    return fig
