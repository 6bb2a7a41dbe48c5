"""Charts of the reports: one function per chart, each returns a matplotlib ``Figure``.

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

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.dates import MonthLocator, num2date
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..config import DEFAULT_SETTINGS
from ..i18n import Translator, get_translator

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

WIDE = (10.0, 4.4)
SQUARE = (7.0, 5.6)

#: Churn status → (fill colour, hatch, English label); hatches keep statuses apart in
#: greyscale.  Charts show the catalog's ``plots.band.<status>`` instead of the label.
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    "normal": ("#7fbf7f", "", "normal (≤ 10 %)"),
    "warning": ("#f2b45a", "//", "warning (10–20 %)"),
    "critical": ("#e06666", "xx", "critical (≥ 20 %)"),
    "unknown": ("#cccccc", "..", "unknown"),
}

_GREY = "#333333"


def use_report_style() -> None:
    """Set matplotlib defaults for report charts (font, sizes, no top/right spines).

    Notebooks call this once in their set-up cell.  It changes only ``matplotlib.rcParams``
    (never pandas options) and uses the non-interactive Agg backend when no display is set.
    """
    mpl.rcParams.update(
        {
            "font.family": "DejaVu Sans",
            "font.sans-serif": ["DejaVu Sans"],
            "axes.unicode_minus": True,
            "font.size": 10.5,
            "axes.titlesize": 12.5,
            "axes.titleweight": "bold",
            "axes.labelsize": 10.5,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": False,
            "legend.frameon": False,
            "legend.fontsize": 9.5,
            "figure.dpi": 100,
            "savefig.dpi": 110,
            "figure.autolayout": False,
            "hatch.linewidth": 0.8,
        }
    )


def _status_of(rate: float, normal_max: float, critical_min: float) -> str:
    if rate is None or pd.isna(rate):
        return "unknown"
    if rate <= normal_max:
        return "normal"
    if rate >= critical_min:
        return "critical"
    return "warning"


def _tr(tr: Translator | None) -> Translator:
    return tr if tr is not None else get_translator("en")


def _pct(ax_axis, tr: Translator, decimals: int = 0) -> None:
    ax_axis.set_major_formatter(FuncFormatter(lambda v, _: tr.percent(v, decimals)))


def money_label(value: float, *, currency: str, tr: Translator | None = None) -> str:
    """An amount on a chart: the same whole-unit, currency-bearing format as the tables.

    ``41200.4, currency="EUR"`` → ``"€41,200"`` in English, ``"41 200 €"`` in Russian and
    Ukrainian (babel, through :meth:`retention_lib.i18n.Translator.money`): no chart shows
    ``41K`` beside a table's ``41 200 €``.
    """
    return _tr(tr).money(float(value), currency, decimals=0)


def _money_axis(ax_axis, tr: Translator, currency: str) -> None:
    ax_axis.set_major_formatter(
        FuncFormatter(lambda v, _: money_label(v, currency=currency, tr=tr))
    )


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
    tr = _tr(tr)
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
                va="center", ha="left", fontsize=9, color=_GREY)
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
    _pct(ax.yaxis, tr)
    ax.set_ylabel(tr.t("plots.series.ylabel"))
    if len(x):
        # The time axis starts and ends at the data (half a month of air on each side).
        left = x.min() - pd.Timedelta(days=15)
        ax.set_xlim(left, x.max() + pd.Timedelta(days=15))
    if events is not None and len(events) and len(x):
        ev = events.sort_values("date")
        # Events are numbered 1..n by date, as in the events table under the chart: a number
        # in a box never covers the churn line the way a long description would.
        ev = ev.reset_index(drop=True).assign(number=lambda f: f.index + 1)
        box = {"facecolor": "white", "edgecolor": _GREY, "boxstyle": "circle", "pad": 0.25}
        inside = ev.loc[(ev["date"] >= left) & (ev["date"] <= x.max())]
        for rec in inside.itertuples(index=False):
            ax.axvline(rec.date, color=_GREY, linestyle=":", linewidth=1.4, zorder=2)
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
                    bbox={"facecolor": "white", "edgecolor": _GREY, "boxstyle": "round",
                          "pad": 0.25})
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
    tr = _tr(tr)
    n = len(table)
    fig, ax = plt.subplots(figsize=(WIDE[0], max(2.2, 0.45 * n + 1.4)))
    rates = table["churn_rate"].to_numpy(dtype=float)
    y = np.arange(n)[::-1]
    statuses = [_status_of(r, normal_max, critical_min) for r in rates]
    ax.barh(
        y,
        np.nan_to_num(rates),
        color=[STATUS_STYLE[s][0] for s in statuses],
        hatch=None,
        edgecolor=_GREY,
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
    ax.axvline(normal_max, color=_GREY, linestyle=":", linewidth=1.2, zorder=3,
               label=tr.t("plots.group.normal_line", rate=tr.percent(normal_max, 0)))
    ax.axvline(critical_min, color=_GREY, linestyle="-.", linewidth=1.2, zorder=3,
               label=tr.t("plots.group.critical_line", rate=tr.percent(critical_min, 0)))
    if overall is not None and not pd.isna(overall):
        ax.axvline(overall, color="#1f3b73", linestyle="--", linewidth=1.4, zorder=3,
                   label=tr.t("plots.group.company", rate=tr.percent(overall)))
    # between the title and the bars: never on top of a bar label or of the title
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), borderaxespad=0.2, ncol=3)
    ax.set_yticks(y, [str(i) for i in table.index])
    ax.set_xlim(0, xmax)
    _pct(ax.xaxis, tr)
    ax.set_xlabel(tr.t("plots.group.xlabel"))
    ax.set_title(title, loc="left", pad=24)
    fig.tight_layout()
    return fig


def plot_tier_share(
    tiers: pd.DataFrame, *, title: str = "Value tiers", tr: Translator | None = None
) -> Figure:
    """Share of customers vs share of revenue per value tier, as grouped bars.

    Parameters
    ----------
    tiers
        Index: tier labels (``VIP``, ``A``, ``B``, ``C``) in display order.  Columns:
        ``customer_share`` and ``revenue_share`` (float 0..1).

    Returns
    -------
    Figure
        Two bars per tier (customers: light, plain; revenue: dark, hatched), labelled.
    """
    tr = _tr(tr)
    fig, ax = plt.subplots(figsize=(WIDE[0] * 0.6, WIDE[1]))
    x = np.arange(len(tiers))
    w = 0.38
    b1 = ax.bar(x - w / 2, tiers["customer_share"], w, color="#c6d4ea", edgecolor=_GREY,
                label=tr.t("plots.tiers.customer_share"))
    b2 = ax.bar(x + w / 2, tiers["revenue_share"], w, color="#1f3b73", edgecolor=_GREY,
                hatch="//", label=tr.t("plots.tiers.revenue_share"))
    for bars in (b1, b2):
        for bar in bars:
            h = bar.get_height()
            ax.text(bar.get_x() + bar.get_width() / 2, h + 0.01, tr.percent(h, 0), ha="center",
                    va="bottom", fontsize=9)
    ax.set_xticks(x, [tr.label("tier", i) for i in tiers.index])
    top = np.nanmax(tiers[["customer_share", "revenue_share"]].to_numpy(dtype=float))
    ax.set_ylim(0, min(1.1, (top if np.isfinite(top) else 1.0) * 1.25 + 0.02))
    _pct(ax.yaxis, tr)
    ax.legend(loc="upper right")
    ax.set_title(title, loc="left")
    fig.tight_layout()
    return fig


def plot_segment_overview(
    segments: pd.DataFrame, *, title: str = "RFM segments", tr: Translator | None = None
) -> Figure:
    """Customers and revenue share per RFM segment, as paired horizontal bars.

    Parameters
    ----------
    segments
        Index: segment names in display order.  Columns: ``customers`` (int) and
        ``revenue_share`` (float 0..1).

    Returns
    -------
    Figure
        Two axes side by side: customers per segment (plain bars) and revenue share
        (hatched bars).  Segment names are shown through ``tr.label("segment", name)``.
    """
    tr = _tr(tr)
    n = len(segments)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(WIDE[0], max(2.4, 0.38 * n + 1.3)),
                                   sharey=True)
    y = np.arange(n)[::-1]
    ax1.barh(y, segments["customers"], color="#c6d4ea", edgecolor=_GREY)
    for yi, v in zip(y, segments["customers"], strict=True):
        ax1.text(v, yi, " " + tr.number(int(v)), va="center", fontsize=8.5)
    ax1.set_yticks(y, [tr.label("segment", s) for s in segments.index])
    ax1.set_xlabel(tr.t("plots.segments.customers"))
    ax1.set_xlim(0, max(1, segments["customers"].max()) * 1.25)
    ax2.barh(y, segments["revenue_share"], color="#1f3b73", edgecolor=_GREY, hatch="//")
    for yi, v in zip(y, segments["revenue_share"], strict=True):
        ax2.text(v, yi, " " + tr.percent(v, 0), va="center", fontsize=8.5)
    ax2.set_xlim(0, max(0.05, segments["revenue_share"].max()) * 1.3)
    _pct(ax2.xaxis, tr)
    ax2.set_xlabel(tr.t("plots.segments.revenue_share"))
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


def _pareto(ax, values: pd.Series, *, colour: str, hatch: str, money: bool, title: str,
            tr: Translator, currency: str):
    v = values.sort_values(ascending=False)
    x = np.arange(len(v))
    ax.bar(x, v.to_numpy(dtype=float), color=colour, edgecolor=_GREY, hatch=hatch)
    total = float(v.sum())
    ax.set_xticks(x, [str(i).replace("_", " ") for i in v.index], rotation=30, ha="right")
    for lab in ax.get_xticklabels():
        lab.set_rotation_mode("anchor")
    ax.set_ylim(0, max(float(v.max()) if len(v) else 1.0, 1e-9) * 1.3)
    if money:
        _money_axis(ax.yaxis, tr, currency)
    # The twin axes is drawn after ``ax``: the cumulative line lies over the bars.
    ax2 = ax.twinx()
    cum = v.cumsum() / total if total else v * 0
    ax2.plot(x, cum.to_numpy(dtype=float), color="#111111", linestyle="--", marker="o",
             markersize=4, linewidth=1.4, label=tr.t("plots.reasons.cumulative"))
    ax2.set_ylim(0, 1.05)
    _pct(ax2.yaxis, tr)
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
    tr = _tr(tr)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(WIDE[0], WIDE[1] + 0.8))
    _pareto(ax1, by_count, colour="#c6d4ea", hatch="", money=False,
            title=tr.t("plots.reasons.by_count"), tr=tr, currency=currency)
    _pareto(ax2, by_revenue, colour="#1f3b73", hatch="//", money=True,
            title=tr.t("plots.reasons.by_revenue"), tr=tr, currency=currency)
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


def heatmap(ax, matrix: pd.DataFrame, *, fmt, cmap: str = "Greys", vmin=None, vmax=None):
    """Draw ``matrix`` on ``ax`` as a heatmap with each finite cell labelled ``fmt(value)``
    (white on dark cells); NaN cells stay blank.  Returns the ``AxesImage`` (for a colour
    bar)."""
    data = matrix.to_numpy(dtype=float)
    masked = np.ma.masked_invalid(data)
    im = ax.imshow(masked, cmap=cmap, aspect="auto", vmin=vmin, vmax=vmax)
    finite = data[np.isfinite(data)]
    hi = (vmax if vmax is not None else (finite.max() if finite.size else 1.0)) or 1.0
    lo = vmin if vmin is not None else (finite.min() if finite.size else 0.0)
    for (i, j), val in np.ndenumerate(data):
        label = fmt(val) if np.isfinite(val) else ""
        if label:
            dark = (val - lo) / ((hi - lo) or 1) > 0.55
            ax.text(j, i, label, ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    ax.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns])
    ax.set_yticks(range(matrix.shape[0]), [str(r) for r in matrix.index])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    return im


def plot_rfm_heatmap(
    rfm: pd.DataFrame, *, value: str = "customers", title: str | None = None,
    currency: str = DEFAULT_SETTINGS.currency, tr: Translator | None = None,
) -> Figure:
    """R × F grid of customer counts or mean monetary value.

    Parameters
    ----------
    rfm
        One row per customer with integer columns ``R`` and ``F`` (1..5) and, for
        ``value="monetary"``, a float column ``monetary``.
    value
        ``"customers"`` (count per cell) or ``"monetary"`` (mean ``monetary`` per cell).
    currency
        ISO code of ``monetary``, shown with the amounts (:func:`money_label`).

    Returns
    -------
    Figure
        A 5 × 5 heatmap (rows R = 5 at the top, columns F 1..5), each cell labelled.
    """
    if value not in ("customers", "monetary"):
        raise ValueError(f"value {value!r} is not one of ['customers', 'monetary']")
    tr = _tr(tr)
    r = rfm["R"].astype(int)
    f = rfm["F"].astype(int)
    if value == "customers":
        grid = pd.crosstab(r, f)
        fmt = lambda v: tr.number(int(v))  # noqa: E731
    else:
        grid = rfm.assign(R=r, F=f).pivot_table(index="R", columns="F", values="monetary",
                                                aggfunc="mean")
        def fmt(v):
            return money_label(v, currency=currency, tr=tr)
    grid = grid.reindex(index=[5, 4, 3, 2, 1], columns=[1, 2, 3, 4, 5])
    if value == "customers":
        grid = grid.fillna(0)
    fig, ax = plt.subplots(figsize=SQUARE)
    im = heatmap(ax, grid, fmt=fmt, cmap="Blues")
    ax.set_xlabel(tr.t("plots.rfm.xlabel"))
    ax.set_ylabel(tr.t("plots.rfm.ylabel"))
    cb = fig.colorbar(im, ax=ax, shrink=0.8, label=tr.t(f"plots.rfm.colorbar_{value}"))
    cb.ax.yaxis.set_major_formatter(FuncFormatter(
        (lambda v, _: tr.number(v)) if value == "customers"
        else (lambda v, _: money_label(v, currency=currency, tr=tr))
    ))
    ax.set_title(title or tr.t(f"plots.rfm.title_{value}"), loc="left")
    fig.tight_layout()
    return fig


def plot_abc_xyz(
    matrix: pd.DataFrame, *, title: str = "ABC × XYZ: customers", tr: Translator | None = None
) -> Figure:
    """ABC (value tier) × XYZ (demand stability) matrix of customer counts.

    Parameters
    ----------
    matrix
        Index: value tiers (e.g. VIP, A, B, C); columns: XYZ classes (X, Y, Z); values:
        customer counts (int).  Optionally a second frame is not needed: shares are
        computed from the counts.

    Returns
    -------
    Figure
        A heatmap with count and share of all customers in every cell.
    """
    tr = _tr(tr)
    total = float(matrix.to_numpy().sum()) or 1.0
    fig, ax = plt.subplots(figsize=(SQUARE[0] * 0.85, SQUARE[1] * 0.75))
    m = matrix.rename(index=lambda i: tr.label("tier", i))
    im = heatmap(ax, m.astype(float),
                  fmt=lambda v: tr.number(int(v)) + "\n" + tr.percent(v / total, 0), cmap="Blues")
    ax.set_xlabel(tr.t("plots.abc_xyz.xlabel"))
    ax.set_ylabel(tr.t("plots.abc_xyz.ylabel"))
    cb = fig.colorbar(im, ax=ax, shrink=0.8, label=tr.t("plots.abc_xyz.colorbar"))
    cb.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tr.number(v)))
    ax.set_title(title, loc="left")
    fig.tight_layout()
    return fig


def plot_cohort_retention(
    retention: pd.DataFrame, *, sizes: pd.Series | None = None,
    title: str = "Monthly acquisition cohorts: share buying again",
    tr: Translator | None = None,
) -> Figure:
    """Cohort retention heatmap.

    Parameters
    ----------
    retention
        Output of :func:`retention_lib.analysis.cohorts.cohort_retention`: index cohort month
        (datetime64), columns months since acquisition (int), values 0..1 or NaN.
    sizes
        Optional cohort sizes (same index) added to the row labels.

    Returns
    -------
    Figure
        A heatmap (rows: cohorts, oldest on top; columns: months since acquisition) with
        each observed cell labelled in percent; unobserved cells are blank.
    """
    tr = _tr(tr)
    labels = [pd.Timestamp(c).strftime("%Y-%m") for c in retention.index]
    if sizes is not None:
        labels = [f"{lab} (n={int(sizes.get(c, 0)):,})" for lab, c in
                  zip(labels, retention.index, strict=True)]
    mat = retention.copy()
    mat.index = labels
    fig, ax = plt.subplots(figsize=(WIDE[0], max(3.0, 0.36 * len(mat) + 1.6)))
    im = heatmap(ax, mat, fmt=lambda v: tr.percent(v, 0), cmap="Blues", vmin=0, vmax=1)
    ax.set_xlabel(tr.t("plots.cohorts.xlabel"))
    ax.set_ylabel(tr.t("plots.cohorts.ylabel"))
    cb = fig.colorbar(im, ax=ax, shrink=0.8, label=tr.t("plots.cohorts.colorbar"))
    _pct(cb.ax.yaxis, tr)
    ax.set_title(title, loc="left")
    fig.tight_layout()
    return fig


def plot_segment_migration(
    migration: pd.DataFrame, *, title: str = "RFM segment migration since last month",
    tr: Translator | None = None,
) -> Figure:
    """Heatmap of customer counts moving from each previous segment (rows) to each segment
    now (columns), as returned by :func:`retention_lib.analysis.cohorts.segment_migration`.

    Returns
    -------
    Figure
        A heatmap labelled with counts; the diagonal (unchanged segment) is outlined.
        Segment names are shown through ``tr.label("segment", name)``.
    """
    tr = _tr(tr)
    fig, ax = plt.subplots(figsize=(WIDE[0], max(3.5, 0.42 * len(migration) + 2.2)))
    im = heatmap(ax, migration.astype(float), fmt=lambda v: tr.number(int(v)) if v else "",
                  cmap="Blues")
    ax.set_yticks(range(migration.shape[0]),
                  [tr.label("segment", r) for r in migration.index])
    for i, row in enumerate(migration.index):
        if row in migration.columns:
            j = list(migration.columns).index(row)
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False,
                                       edgecolor=_GREY, linewidth=1.5))
    ax.set_xticks(range(migration.shape[1]),
                  [tr.label("segment", c) for c in migration.columns],
                  rotation=35, ha="right", rotation_mode="anchor")
    ax.set_xlabel(tr.t("plots.migration.xlabel"))
    ax.set_ylabel(tr.t("plots.migration.ylabel"))
    cb = fig.colorbar(im, ax=ax, shrink=0.8, label=tr.t("plots.migration.colorbar"))
    cb.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tr.number(v)))
    ax.set_title(title, loc="left")
    fig.tight_layout()
    return fig
