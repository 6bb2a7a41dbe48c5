"""Charts of the CLV page: one function per chart, each returns a matplotlib ``Figure``.

Same rules as :mod:`retention_lib.present.plots`: aggregated data only (no mark per customer),
series told apart by line style, marker and hatch as well as colour, a title on every
figure; the caller closes the figure (``display.figure_html`` does) and writes the alt text.
Every word on a chart (titles, axis labels, legends, tick labels) comes from the ``clv.plots``
section of the message catalog through ``tr`` (default English), and numbers, percentages
and month ticks are formatted by the translator's locale.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.dates import AutoDateLocator, num2date
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..i18n import Translator, get_translator
from .chart_style import heatmap, money_label

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


def _tr(tr: Translator | None) -> Translator:
    return tr if tr is not None else get_translator("en")


def plot_p_alive_matrix(
    matrix: pd.DataFrame, *, unit: str = "W", title: str | None = None,
    tr: Translator | None = None,
) -> Figure:
    """Heatmap of P(alive) by frequency (rows) and recency (columns).

    Parameters
    ----------
    matrix
        :func:`retention_lib.analysis.clv.p_alive_matrix`: index frequency, columns recency in the
        model's time unit, values in [0, 1]; NaN cells are left blank.
    unit
        The model's time unit code, ``"W"`` or ``"D"`` (named through ``clv.unit.<code>``).
    title
        Default: the catalog's ``clv.plots.p_alive.title``.
    tr
        Translator (default English).
    """
    tr = _tr(tr)
    fig, ax = plt.subplots(figsize=SQUARE)
    im = heatmap(ax, matrix, fmt=lambda v: tr.percent(v, 0), cmap="Greys", vmin=0, vmax=1)
    ax.set_xticks(range(matrix.shape[1]),
                  [tr.number(float(c), decimals=0) for c in matrix.columns])
    ax.set_xlabel(tr.t("clv.plots.p_alive.xlabel", unit=tr.t(f"clv.unit.{unit.lower()}")))
    ax.set_ylabel(tr.t("clv.plots.p_alive.ylabel"))
    ax.set_title(title or tr.t("clv.plots.p_alive.title"), loc="left")
    fig.colorbar(im, ax=ax, format=FuncFormatter(lambda v, _: tr.percent(v, 0)),
                 label=tr.t("clv.plots.p_alive.colorbar"))
    fig.tight_layout()
    return fig


def plot_holdout_by_frequency(
    table: pd.DataFrame, *, title: str | None = None, tr: Translator | None = None
) -> Figure:
    """Bars of actual vs predicted mean holdout purchases per calibration-frequency bucket.

    ``table``: :func:`retention_lib.analysis.clv.holdout_by_frequency` (index bucket labels, columns
    ``actual_mean``, ``predicted_mean``).
    """
    tr = _tr(tr)
    fig, ax = plt.subplots(figsize=WIDE)
    x = np.arange(len(table))
    width = 0.4
    ax.bar(x - width / 2, table["actual_mean"].fillna(0), width, color=_ACTUAL,
           label=tr.t("clv.plots.actual"))
    ax.bar(x + width / 2, table["predicted_mean"].fillna(0), width, color="white",
           edgecolor=_MODEL, hatch="//", label=tr.t("clv.plots.model"))
    ax.set_xticks(x, [str(i) for i in table.index])
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tr.number(v, decimals=1)))
    ax.set_xlabel(tr.t("clv.plots.holdout.xlabel"))
    ax.set_ylabel(tr.t("clv.plots.holdout.ylabel"))
    ax.set_title(title or tr.t("clv.plots.holdout.title"), loc="left")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def plot_cumulative_transactions(
    frame: pd.DataFrame, *, title: str | None = None, tr: Translator | None = None
) -> Figure:
    """Cumulative repeat purchases over time, actual (solid) and expected (dashed), with the
    end of the calibration period marked.

    ``frame``: :func:`retention_lib.analysis.clv.cumulative_transactions` (columns ``date``,
    ``actual``, ``expected``, ``holdout``).  Date ticks show localised months.
    """
    tr = _tr(tr)
    fig, ax = plt.subplots(figsize=WIDE)
    ax.plot(frame["date"], frame["actual"], color=_ACTUAL, linestyle="-",
            label=tr.t("clv.plots.actual"))
    ax.plot(frame["date"], frame["expected"], color=_MODEL, linestyle="--", marker="",
            label=tr.t("clv.plots.model"))
    cal = frame.loc[~frame["holdout"], "date"]
    if len(cal) and frame["holdout"].any():
        ax.axvline(cal.iloc[-1], color="#888888", linestyle=":", linewidth=1)
        ax.annotate(tr.t("clv.plots.cumulative.calibration_end"),
                    (cal.iloc[-1], ax.get_ylim()[1] * 0.95),
                    ha="right", fontsize=8, color="#555555")
    ax.xaxis.set_major_locator(AutoDateLocator(minticks=4, maxticks=8))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: tr.month_short(num2date(v))))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tr.number(v)))
    ax.set_ylabel(tr.t("clv.plots.cumulative.ylabel"))
    ax.set_title(title or tr.t("clv.plots.cumulative.title"), loc="left")
    ax.legend(frameon=False, loc="upper left")
    fig.tight_layout()
    return fig


def plot_clv_by_tier(
    stats: pd.DataFrame, *, currency: str = "EUR", title: str | None = None,
    tr: Translator | None = None,
) -> Figure:
    """Box plot of CLV per tier drawn from quantiles (no mark per customer).

    ``stats``: index tier, columns ``p10``, ``p25``, ``median``, ``p75``, ``p90``, ``mean``
    (as built by :func:`retention_lib.pages.clv_report.clv_by_tier`).  The y axis is in
    ``currency`` (ISO code), ticks in the tables' money format (whole units with the
    currency, :func:`retention_lib.present.plots.money_label`).
    """
    tr = _tr(tr)
    fig, ax = plt.subplots(figsize=WIDE)
    boxes = [
        {"label": tr.label("tier", t), "whislo": r["p10"], "q1": r["p25"], "med": r["median"],
         "q3": r["p75"], "whishi": r["p90"], "mean": r["mean"], "fliers": []}
        for t, r in stats.iterrows()
    ]
    if boxes:
        ax.bxp(boxes, showmeans=True, meanprops={"marker": "D", "markerfacecolor": "white",
                                                  "markeredgecolor": _ACTUAL})
    ax.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _: money_label(v, currency=currency, tr=tr)))
    ax.set_ylabel(tr.t("clv.plots.tiers.ylabel", currency=str(currency).upper()))
    ax.set_xlabel(tr.t("clv.plots.tiers.xlabel"))
    ax.set_title(title or tr.t("clv.plots.tiers.title"), loc="left")
    fig.tight_layout()
    return fig


def plot_tier_potential(
    matrix: pd.DataFrame, *, title: str | None = None, tr: Translator | None = None
) -> Figure:
    """Heatmap of customer counts by value tier (rows) and potential class (columns).

    ``matrix``: :func:`retention_lib.pages.clv_report.tier_potential` (index tier codes, columns
    potential class codes; both named through the catalog).
    """
    tr = _tr(tr)
    shown = matrix.rename(index=lambda t: tr.label("tier", t),
                          columns=lambda c: tr.label("clv.potential_class", c))
    fig, ax = plt.subplots(figsize=SQUARE)
    heatmap(ax, shown, fmt=lambda v: tr.number(int(v)), cmap="Blues")
    ax.set_xlabel(tr.t("clv.plots.potential.xlabel"))
    ax.set_ylabel(tr.t("clv.plots.potential.ylabel"))
    ax.set_title(title or tr.t("clv.plots.potential.title"), loc="left")
    fig.tight_layout()
    return fig
