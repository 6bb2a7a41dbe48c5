"""Charts of the reports: one function per chart, each returns a matplotlib ``Figure``.

This module draws the churn charts (the trailing churn series, churn by group, the reasons'
Pareto charts) and is also the pages' one place to find every general chart: its
``__all__`` re-exports the shared style (:mod:`retention_lib.present.chart_style`) and the
customer-base charts (:mod:`retention_lib.present.customer_plots`), so a page writes
``plots.plot_x`` whichever module draws ``x``.  The CLV, cadence and diagnostics charts
have their own modules.

Rules every chart follows:

* legible in greyscale and for colour-blind readers: statuses and series differ by hatch,
  line style and marker as well as by colour;
* consistent sizes (:data:`WIDE`, :data:`SQUARE`) and a readable font with Cyrillic glyphs
  (DejaVu Sans, shipped with matplotlib, set by :func:`use_report_style`);
* every word on a chart (axis labels, legend entries, band names, value labels, month ticks)
  comes from the message catalog through the ``tr`` keyword (a
  :class:`retention_lib.i18n.Translator`, default English); titles are passed by the caller;
* aggregated data only: no chart draws one mark per customer;
* every figure has a title (``fig.axes[0].get_title()`` or ``fig._suptitle``); the alt text
  is the caller's job (:func:`retention_lib.present.display.figure_html` requires one).

The functions take small, already aggregated frames (see each docstring) and never mutate
them.  They use the object-oriented API (``Figure`` / ``Axes``) with pyplot only to create
figures, so figures must be closed by the caller (``display.figure_html`` does).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.dates import MonthLocator, num2date
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..config import DEFAULT_SETTINGS
from ..i18n import Translator
from .chart_style import (
    GREY,
    SQUARE,
    STATUS_STYLE,
    WIDE,
    chart_translator,
    heatmap,
    money_axis,
    money_label,
    percent_axis,
    status_of,
    use_report_style,
)
from .customer_plots import (
    plot_abc_xyz,
    plot_cohort_retention,
    plot_rfm_heatmap,
    plot_segment_migration,
    plot_segment_overview,
    plot_tier_share,
)

__all__ = [
    "SQUARE",
    "STATUS_STYLE",
    "WIDE",
    "heatmap",
    "money_label",
    "plot_abc_xyz",
    "plot_churn_by_group",
    "plot_churn_series",
    "plot_cohort_retention",
    "plot_reasons_pareto",
    "plot_rfm_heatmap",
    "plot_segment_migration",
    "plot_segment_overview",
    "plot_tier_share",
    "use_report_style",
]


def plot_churn_series(
    series: pd.DataFrame,
    *,
    events: pd.DataFrame | None = None,
    normal_max: float = DEFAULT_SETTINGS.churn_normal_max,
    critical_min: float = DEFAULT_SETTINGS.churn_critical_min,
    title: str = "Annual churn, trailing 12 months",
    tr: Translator | None = None,
) -> Figure:
    """Trailing-12-month churn per month end, with the status bands and company events.

    Parameters
    ----------
    series
        Index: month ends (``datetime64[ns]``).  Columns: ``customer_churn`` (float, 0..1,
        required) and optionally ``revenue_churn`` (float, 0..1).  NaN values are gaps.
    events
        Optional company events with columns ``date`` (datetime64), ``kind`` (str) and
        optionally ``description`` (str); drawn as dotted vertical lines with their number
        (1..n by date).  The time axis spans the series only: events up to 12 months before
        its first point are named at the left edge (``← 1``), other events are left out.
    normal_max, critical_min
        Status thresholds: the band up to ``normal_max`` is "normal", from ``critical_min``
        up is "critical", in between "warning".
    tr
        Translator of the labels and month ticks (default English).

    Returns
    -------
    Figure
        One axes: up to two lines (customer churn: solid with circles; revenue churn: dashed
        with squares), three shaded bands (in the legend with their thresholds), one
        vertical line per event.
    """
    tr = chart_translator(tr)
    fig, ax = plt.subplots(figsize=WIDE)
    x = pd.DatetimeIndex(series.index)
    partial = None
    if "partial_history" in series.columns:
        partial = series["partial_history"].to_numpy(dtype=bool)
        series = series.drop(columns="partial_history")
    values = series.to_numpy(dtype=float)
    # a short history has months without any rate (all NaN): no data maximum then
    ymax_data = float(np.nanmax(values)) if np.isfinite(values).any() else 0.0
    ymax = max(critical_min * 1.35, (0 if np.isnan(ymax_data) else ymax_data) * 1.15)
    band_label = _draw_status_bands(ax, tr, normal_max=normal_max, critical_min=critical_min,
                                    ymax=ymax)
    ax.plot(x, series["customer_churn"].to_numpy(dtype=float), color="#1f3b73",
            linestyle="-", marker="o", markersize=4, linewidth=2,
            label=tr.t("plots.series.customer_churn"),
            zorder=3)
    if "revenue_churn" in series.columns:
        ax.plot(x, series["revenue_churn"].to_numpy(dtype=float), color="#7a1f1f",
                linestyle="--", marker="s", markersize=3.5, linewidth=1.6,
                label=tr.t("plots.series.revenue_churn"), zorder=3)
    if partial is not None and partial.any():
        # hollow markers: the window starts less than a year after the data begins
        ax.plot(x[partial], series["customer_churn"].to_numpy(dtype=float)[partial],
                linestyle="none", marker="o", markersize=6, markerfacecolor="white",
                markeredgecolor="#1f3b73", zorder=4,
                label=tr.t("plots.series.partial"))
    ax.set_ylim(0, ymax)
    percent_axis(ax.yaxis, tr)
    ax.set_ylabel(tr.t("plots.series.ylabel"))
    if len(x):
        # The time axis starts and ends at the data (half a month of air on each side).
        left = x.min() - pd.Timedelta(days=15)
        ax.set_xlim(left, x.max() + pd.Timedelta(days=15))
    if events is not None and len(events) and len(x):
        _draw_events(ax, events, left=left, last=x.max(), ymax=ymax, tr=tr)
    ax.xaxis.set_major_locator(MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda v, _: tr.month_short(num2date(v)))
    )
    ax.set_title(title, loc="left")
    # the series first, then the three bands with their thresholds
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: labels[i] in band_label.values())
    ax.legend([handles[i] for i in order], [labels[i] for i in order],
              loc="upper left", bbox_to_anchor=(0, -0.16), ncol=3)
    fig.tight_layout()
    return fig


def _draw_status_bands(ax, tr: Translator, *, normal_max: float, critical_min: float,
                       ymax: float) -> dict[str, str]:
    """The shaded normal / warning / critical bands of :func:`plot_churn_series`, named at
    the right edge; returns each band's legend label (with its thresholds)."""
    bands = (
        (0.0, normal_max, "normal"),
        (normal_max, critical_min, "warning"),
        (critical_min, ymax, "critical"),
    )
    band_label = {
        "normal": tr.t("plots.band_legend.normal", rate=tr.percent(normal_max, 0)),
        "warning": tr.t("plots.band_legend.warning", lo=tr.percent(normal_max, 0),
                        hi=tr.percent(critical_min, 0)),
        "critical": tr.t("plots.band_legend.critical", rate=tr.percent(critical_min, 0)),
    }
    for lo, hi, key in bands:
        colour, hatch, _ = STATUS_STYLE[key]
        ax.axhspan(lo, hi, facecolor=colour, alpha=0.18, hatch=hatch, edgecolor="#bbbbbb",
                   linewidth=0, zorder=0, label=band_label[key])
        ax.text(1.005, (lo + hi) / 2, tr.t(f"plots.band.{key}"),
                transform=ax.get_yaxis_transform(),
                va="center", ha="left", fontsize=9, color=GREY)
    return band_label


def _draw_events(ax, events: pd.DataFrame, *, left, last, ymax: float, tr: Translator) -> None:
    """Company events of :func:`plot_churn_series`: a dotted line and a number per event
    between ``left`` and ``last``, and the numbers of the year before ``left`` at the left
    edge."""
    ev = events.sort_values("date")
    # Events are numbered 1..n by date, as in the events table under the chart: a number
    # in a box never covers the churn line the way a long description would.
    ev = ev.reset_index(drop=True).assign(number=lambda f: f.index + 1)
    box = {"facecolor": "white", "edgecolor": GREY, "boxstyle": "circle", "pad": 0.25}
    inside = ev.loc[(ev["date"] >= left) & (ev["date"] <= last)]
    for rec in inside.itertuples(index=False):
        ax.axvline(rec.date, color=GREY, linestyle=":", linewidth=1.4, zorder=2)
        ax.text(rec.date, ymax * 0.985, f"{rec.number}", va="top", ha="center",
                fontsize=9, fontweight="bold", color="#333333", zorder=5, bbox=box)
    # An event up to a year before the first point still weighs on its 12-month window
    # (a price rise whose churn shows up later): its number stands at the left edge with
    # an arrow, instead of stretching the axis to months without data.
    earlier = ev.loc[(ev["date"] < left) & (ev["date"] >= left - pd.DateOffset(months=12))]
    if len(earlier):
        numbers = ", ".join(str(n) for n in earlier["number"])
        ax.text(0.004, 0.985, "\u2190 " + tr.t("plots.series.earlier", events=numbers),
                transform=ax.transAxes, va="top",
                ha="left", fontsize=9, fontweight="bold", color="#333333", zorder=5,
                bbox={"facecolor": "white", "edgecolor": GREY, "boxstyle": "round",
                      "pad": 0.25})


def plot_churn_by_group(
    table: pd.DataFrame,
    *,
    title: str,
    normal_max: float = DEFAULT_SETTINGS.churn_normal_max,
    critical_min: float = DEFAULT_SETTINGS.churn_critical_min,
    overall: float | None = None,
    tr: Translator | None = None,
) -> Figure:
    """Horizontal bars of churn per group (tier, manager, segment), with counts.

    Parameters
    ----------
    table
        Index: group labels (str), in display order (top to bottom).  Columns:
        ``churn_rate`` (float 0..1), ``lost`` (int), ``active_at_start`` (int).
    overall
        Optional company-wide rate drawn as a dashed vertical reference line.  The
        ``normal_max`` and ``critical_min`` thresholds are dotted and dash-dotted lines; all
        reference lines are named in the legend.
    tr
        Translator of the labels (default English).

    Returns
    -------
    Figure
        One bar per row, coloured and hatched by status, labelled "rate (lost of active)".
    """
    tr = chart_translator(tr)
    n = len(table)
    fig, ax = plt.subplots(figsize=(WIDE[0], max(2.2, 0.45 * n + 1.4)))
    rates = table["churn_rate"].to_numpy(dtype=float)
    y = np.arange(n)[::-1]
    statuses = [status_of(r, normal_max, critical_min) for r in rates]
    ax.barh(
        y,
        np.nan_to_num(rates),
        color=[STATUS_STYLE[s][0] for s in statuses],
        hatch=None,
        edgecolor=GREY,
        linewidth=0.8,
    )
    for patch, s in zip(ax.patches, statuses, strict=True):
        patch.set_hatch(STATUS_STYLE[s][1])
    xmax = max(critical_min * 1.2, np.nanmax(rates) * 1.35 if n and np.isfinite(rates).any()
               else 0)
    for yi, rate, lost, act in zip(y, rates, table["lost"], table["active_at_start"],
                                   strict=True):
        ax.text((0 if pd.isna(rate) else rate) + xmax * 0.01, yi,
                tr.t("plots.group.bar_label", rate=tr.percent(rate), lost=int(lost),
                     active=int(act)),
                va="center", fontsize=9, zorder=4,
                bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1})
    ax.axvline(normal_max, color=GREY, linestyle=":", linewidth=1.2, zorder=3,
               label=tr.t("plots.group.normal_line", rate=tr.percent(normal_max, 0)))
    ax.axvline(critical_min, color=GREY, linestyle="-.", linewidth=1.2, zorder=3,
               label=tr.t("plots.group.critical_line", rate=tr.percent(critical_min, 0)))
    if overall is not None and not pd.isna(overall):
        ax.axvline(overall, color="#1f3b73", linestyle="--", linewidth=1.4, zorder=3,
                   label=tr.t("plots.group.company", rate=tr.percent(overall)))
    # between the title and the bars: never on top of a bar label or of the title
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), borderaxespad=0.2, ncol=3)
    ax.set_yticks(y, [str(i) for i in table.index])
    ax.set_xlim(0, xmax)
    percent_axis(ax.xaxis, tr)
    ax.set_xlabel(tr.t("plots.group.xlabel"))
    ax.set_title(title, loc="left", pad=24)
    fig.tight_layout()
    return fig


def _pareto(ax, values: pd.Series, *, colour: str, hatch: str, money: bool, title: str,
            tr: Translator, currency: str):
    v = values.sort_values(ascending=False)
    x = np.arange(len(v))
    ax.bar(x, v.to_numpy(dtype=float), color=colour, edgecolor=GREY, hatch=hatch)
    total = float(v.sum())
    ax.set_xticks(x, [str(i).replace("_", " ") for i in v.index], rotation=30, ha="right")
    for lab in ax.get_xticklabels():
        lab.set_rotation_mode("anchor")
    ax.set_ylim(0, max(float(v.max()) if len(v) else 1.0, 1e-9) * 1.3)
    if money:
        money_axis(ax.yaxis, tr, currency)
    # The twin axes is drawn after ``ax``: the cumulative line lies over the bars.
    ax2 = ax.twinx()
    cum = v.cumsum() / total if total else v * 0
    ax2.plot(x, cum.to_numpy(dtype=float), color="#111111", linestyle="--", marker="o",
             markersize=4, linewidth=1.4, label=tr.t("plots.reasons.cumulative"))
    ax2.set_ylim(0, 1.05)
    percent_axis(ax2.yaxis, tr)
    ax2.spines["right"].set_visible(True)
    ax2.legend(loc="center right")
    # Value labels go on the twin axes, after the line: readable where the line crosses them.
    for xi, val in zip(x, v, strict=True):
        share = val / total if total else 0
        amount = money_label(val, currency=currency, tr=tr) if money else tr.number(int(val))
        ax2.text(xi, val, amount + "\n" + tr.percent(share, 0), transform=ax.transData,
                 ha="center", va="bottom", fontsize=7.5, zorder=5,
                 bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 0.5})
    ax.set_title(title, loc="left")
    return ax2


def plot_reasons_pareto(
    by_count: pd.Series, by_revenue: pd.Series, *, title: str = "Why customers left",
    currency: str = DEFAULT_SETTINGS.currency, tr: Translator | None = None,
) -> Figure:
    """Pareto charts of exit reasons by count and by lost revenue, side by side.

    Parameters
    ----------
    by_count
        Index: reason category (str); values: number of lost customers (int).
    by_revenue
        Index: reason category (str); values: lost revenue (float).
    currency
        ISO code of the amounts, shown with them (:func:`money_label`).

    Returns
    -------
    Figure
        Two bar axes (plus their cumulative-share twin axes): bars sorted descending with
        value and share labels, and a dashed cumulative-share line with circle markers drawn
        over the bars and named in a legend.
        The index labels are shown as given (pass display names).
    """
    tr = chart_translator(tr)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(WIDE[0], WIDE[1] + 0.8))
    _pareto(ax1, by_count, colour="#c6d4ea", hatch="", money=False,
            title=tr.t("plots.reasons.by_count"), tr=tr, currency=currency)
    _pareto(ax2, by_revenue, colour="#1f3b73", hatch="//", money=True,
            title=tr.t("plots.reasons.by_revenue"), tr=tr, currency=currency)
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig
