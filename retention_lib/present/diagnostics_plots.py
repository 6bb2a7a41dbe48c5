"""Charts of the churn-diagnostics notebook: markers, back-test and event impact.

One function per chart, each returning a matplotlib ``Figure`` (embed with
:func:`retention_lib.present.display.figure_html`, which closes it). Colours are paired with hatches
so that the charts read in greyscale print. Every word comes from the catalog of ``tr``
(``diagnostics.*``; default English) and numbers, percentages and dates are formatted by
locale.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..analysis.backtest import Backtest
from ..analysis.signals import MARKERS, marker_label
from ..i18n import Translator, get_translator

__all__ = ["plot_backtest", "plot_event_impact", "plot_marker_counts"]

_BEFORE = ("#9db4cc", "")
_AFTER = ("#c0504d", "//")


def _tr(tr: Translator | None) -> Translator:
    return tr if tr is not None else get_translator("en")


def _pct_axis(ax, tr: Translator) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tr.percent(v, 0)))


def plot_marker_counts(
    early: pd.DataFrame, *, title: str | None = None, tr: Translator | None = None
) -> Figure:
    """Horizontal bars: active customers on whom each marker fired (markers that were on).

    Parameters
    ----------
    early
        The :func:`retention_lib.analysis.signals.early_warning` frame (bool marker columns,
        ``attrs["markers_on"]``).
    title
        Chart title (default: the catalog's ``diagnostics.save.chart_title``).
    tr
        Translator for the labels (default English).
    """
    tr = _tr(tr)
    on = early.attrs.get("markers_on", list(MARKERS))
    counts = pd.Series({marker_label(m, tr=tr): int(early[m].sum()) for m in on})
    fig, ax = plt.subplots(figsize=(8.0, 0.45 * max(len(counts), 2) + 1.2))
    ax.barh(counts.index[::-1], counts.to_numpy()[::-1], color="#6f8fb3")
    for y, v in enumerate(counts.to_numpy()[::-1]):
        ax.text(v, y, f" {tr.number(int(v))}", va="center")
    ax.set_xlabel(tr.t("diagnostics.save.chart_x"))
    ax.set_title(title if title is not None else tr.t("diagnostics.save.chart_title"))
    fig.tight_layout()
    return fig


def plot_backtest(
    result: Backtest, *, title: str | None = None, tr: Translator | None = None
) -> Figure:
    """Churn in the horizon of flagged vs unflagged customers, and the lift of each marker.

    Parameters
    ----------
    result
        A :class:`retention_lib.analysis.backtest.Backtest`.
    title
        Chart title (default: the catalog's ``diagnostics.backtest.chart_title``).
    tr
        Translator for the labels (default English).
    """
    tr = _tr(tr)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.0, 3.8), width_ratios=[1, 1.6])
    rates = [result.churn_rate_flagged, result.churn_rate_unflagged]
    bars = ax1.bar([tr.t("diagnostics.backtest.chart_flagged"),
                    tr.t("diagnostics.backtest.chart_unflagged")],
                   np.nan_to_num(rates), color=[_AFTER[0], _BEFORE[0]])
    bars[0].set_hatch(_AFTER[1])
    for b, r in zip(bars, rates, strict=True):
        if r == r:
            ax1.text(b.get_x() + b.get_width() / 2, b.get_height(), tr.percent(r, 0),
                     ha="center", va="bottom")
    _pct_axis(ax1, tr)
    ax1.set_title(tr.t("diagnostics.backtest.chart_left", days=result.horizon_days))
    bm = result.by_marker
    if len(bm):
        labels = [marker_label(m, tr=tr) for m in bm.index]
        ax2.barh(labels[::-1], np.nan_to_num(bm["lift"].to_numpy())[::-1], color="#6f8fb3")
        ax2.axvline(1.0, color="black", linewidth=0.8, linestyle=":",
                    label=tr.t("diagnostics.backtest.chart_lift_one"))
        ax2.legend(loc="lower right", fontsize="small", frameon=False)
        ax2.set_xlabel(tr.t("diagnostics.backtest.chart_lift"))
    ax2.set_title(tr.t("diagnostics.backtest.chart_right"))
    fig.suptitle(title if title is not None else tr.t("diagnostics.backtest.chart_title"))
    fig.tight_layout()
    return fig


def plot_event_impact(
    impact: pd.DataFrame, *, title: str | None = None, tr: Translator | None = None
) -> Figure:
    """Grouped bars per measured event: share of customers who stopped, before vs after.

    Parameters
    ----------
    impact
        The :func:`retention_lib.analysis.events.event_impact` frame; events not measured (NaN) are
        left out. Significant changes carry the p-value; expected events are marked.
    title
        Chart title (default: the catalog's ``diagnostics.events.chart_title``).
    tr
        Translator for the labels (default English); event kinds via ``event_kind.*``.
    """
    tr = _tr(tr)
    rows = impact[impact["churn_before"].notna() & impact["churn_after"].notna()]
    fig, ax = plt.subplots(figsize=(10.0, 3.8))
    if rows.empty:
        ax.text(0.5, 0.5, tr.t("diagnostics.events.chart_empty"), ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    x = np.arange(len(rows))
    w = 0.38
    b1 = ax.bar(x - w / 2, rows["churn_before"], w, color=_BEFORE[0],
                label=tr.t("diagnostics.events.chart_before"))
    b2 = ax.bar(x + w / 2, rows["churn_after"], w, color=_AFTER[0], hatch=_AFTER[1],
                label=tr.t("diagnostics.events.chart_after"))
    for bars in (b1, b2):
        for b in bars:
            ax.text(b.get_x() + b.get_width() / 2, b.get_height(),
                    tr.percent(b.get_height(), 1), ha="center", va="bottom", fontsize=8)
    labels = []
    for _, r in rows.iterrows():
        kind = tr.label("event_kind", r["kind"])
        mark = " " + tr.t("diagnostics.events.chart_expected") if r["expected"] else ""
        sig = (f"p = {tr.number(r['p_value'], decimals=3)}" if r["significant"]
               else tr.t("diagnostics.events.chart_no_change"))
        labels.append(f"{tr.short_date(r['date'])}\n{kind}{mark}\n{sig}")
    ax.set_xticks(x, labels, fontsize=8)
    _pct_axis(ax, tr)
    ax.set_ylabel(tr.t("diagnostics.events.chart_y"))
    ax.legend(loc="upper right", frameon=False)
    ax.set_title(title if title is not None else tr.t("diagnostics.events.chart_title"))
    fig.tight_layout()
    return fig
