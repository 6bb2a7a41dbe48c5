"""Charts of the churn-diagnostics notebook: markers, back-test and event impact.

One function per chart, each returning a matplotlib ``Figure`` (embed with
:func:`retention_lib.display.figure_html`, which closes it). Colours are paired with hatches
so that the charts read in greyscale print.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from .backtest import Backtest
from .signals import MARKER_LABELS, MARKERS

__all__ = ["plot_backtest", "plot_event_impact", "plot_marker_counts"]

_BEFORE = ("#9db4cc", "")
_AFTER = ("#c0504d", "//")


def plot_marker_counts(early: pd.DataFrame, *, title: str = "Warning signs fired") -> Figure:
    """Horizontal bars: active customers on whom each marker fired (markers that were on).

    Parameters
    ----------
    early
        The :func:`retention_lib.signals.early_warning` frame (bool marker columns,
        ``attrs["markers_on"]``).
    """
    on = early.attrs.get("markers_on", list(MARKERS))
    counts = pd.Series({MARKER_LABELS[m]: int(early[m].sum()) for m in on})
    fig, ax = plt.subplots(figsize=(8.0, 0.45 * max(len(counts), 2) + 1.2))
    ax.barh(counts.index[::-1], counts.to_numpy()[::-1], color="#6f8fb3")
    for y, v in enumerate(counts.to_numpy()[::-1]):
        ax.text(v, y, f" {v:,}", va="center")
    ax.set_xlabel("customers")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_backtest(result: Backtest, *, title: str = "Do flagged customers leave?") -> Figure:
    """Churn in the horizon of flagged vs unflagged customers, and the lift of each marker.

    Parameters
    ----------
    result
        A :class:`retention_lib.backtest.Backtest`.
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.0, 3.8), width_ratios=[1, 1.6])
    rates = [result.churn_rate_flagged, result.churn_rate_unflagged]
    bars = ax1.bar(["flagged", "not flagged"], np.nan_to_num(rates),
                   color=[_AFTER[0], _BEFORE[0]])
    bars[0].set_hatch(_AFTER[1])
    for b, r in zip(bars, rates, strict=True):
        if r == r:
            ax1.text(b.get_x() + b.get_width() / 2, b.get_height(), f"{100 * r:.0f} %",
                     ha="center", va="bottom")
    ax1.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax1.set_title(f"Stopped buying within {result.horizon_days} days")
    bm = result.by_marker
    if len(bm):
        labels = [MARKER_LABELS[m] for m in bm.index]
        ax2.barh(labels[::-1], np.nan_to_num(bm["lift"].to_numpy())[::-1], color="#6f8fb3")
        ax2.axvline(1.0, color="black", linewidth=0.8, linestyle=":")
        ax2.set_xlabel("times as likely to leave (1 = no better than chance)")
    ax2.set_title("Lift per warning sign")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_event_impact(
    impact: pd.DataFrame, *, title: str = "Churn before and after company events"
) -> Figure:
    """Grouped bars per measured event: share of customers who stopped, before vs after.

    Parameters
    ----------
    impact
        The :func:`retention_lib.events.event_impact` frame; events not measured (NaN) are
        left out. Significant changes carry the p-value; expected events are marked.
    """
    rows = impact[impact["churn_before"].notna() & impact["churn_after"].notna()]
    fig, ax = plt.subplots(figsize=(10.0, 3.8))
    if rows.empty:
        ax.text(0.5, 0.5, "no event inside the data range", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    x = np.arange(len(rows))
    w = 0.38
    b1 = ax.bar(x - w / 2, rows["churn_before"], w, color=_BEFORE[0], label="before")
    b2 = ax.bar(x + w / 2, rows["churn_after"], w, color=_AFTER[0], hatch=_AFTER[1],
                label="after")
    for bars in (b1, b2):
        for b in bars:
            ax.text(b.get_x() + b.get_width() / 2, b.get_height(),
                    f"{100 * b.get_height():.1f} %", ha="center", va="bottom", fontsize=8)
    labels = []
    for _, r in rows.iterrows():
        mark = " (expected)" if r["expected"] else ""
        sig = f"\np = {r['p_value']:.3f}" if r["significant"] else "\nno clear change"
        labels.append(f"{r['date']:%Y-%m-%d}\n{r['kind'].replace('_', ' ')}{mark}{sig}")
    ax.set_xticks(x, labels, fontsize=8)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("customers who stopped buying")
    ax.legend(loc="upper right", frameon=False)
    ax.set_title(title)
    fig.tight_layout()
    return fig
