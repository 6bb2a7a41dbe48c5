"""Charts of the customer base: value tiers, segments, the RFM grid, ABC-XYZ classes,
cohort retention and segment migration.  One function per chart, each returns a matplotlib
``Figure``; same rules as :mod:`retention_lib.present.plots` (which re-exports them for the
pages as ``plots.plot_x``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..config import DEFAULT_SETTINGS
from ..i18n import Translator
from .chart_style import GREY, SQUARE, WIDE, chart_translator, heatmap, money_label, percent_axis

__all__ = [
    "plot_abc_xyz",
    "plot_cohort_retention",
    "plot_rfm_heatmap",
    "plot_segment_migration",
    "plot_segment_overview",
    "plot_tier_share",
]


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
    tr = chart_translator(tr)
    fig, ax = plt.subplots(figsize=(WIDE[0] * 0.6, WIDE[1]))
    x = np.arange(len(tiers))
    w = 0.38
    b1 = ax.bar(x - w / 2, tiers["customer_share"], w, color="#c6d4ea", edgecolor=GREY,
                label=tr.t("plots.tiers.customer_share"))
    b2 = ax.bar(x + w / 2, tiers["revenue_share"], w, color="#1f3b73", edgecolor=GREY,
                hatch="//", label=tr.t("plots.tiers.revenue_share"))
    for bars in (b1, b2):
        for bar in bars:
            h = bar.get_height()
            ax.text(bar.get_x() + bar.get_width() / 2, h + 0.01, tr.percent(h, 0), ha="center",
                    va="bottom", fontsize=9)
    ax.set_xticks(x, [tr.label("tier", i) for i in tiers.index])
    top = np.nanmax(tiers[["customer_share", "revenue_share"]].to_numpy(dtype=float))
    ax.set_ylim(0, min(1.1, (top if np.isfinite(top) else 1.0) * 1.25 + 0.02))
    percent_axis(ax.yaxis, tr)
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
    tr = chart_translator(tr)
    n = len(segments)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(WIDE[0], max(2.4, 0.38 * n + 1.3)),
                                   sharey=True)
    y = np.arange(n)[::-1]
    ax1.barh(y, segments["customers"], color="#c6d4ea", edgecolor=GREY)
    for yi, v in zip(y, segments["customers"], strict=True):
        ax1.text(v, yi, " " + tr.number(int(v)), va="center", fontsize=8.5)
    ax1.set_yticks(y, [tr.label("segment", s) for s in segments.index])
    ax1.set_xlabel(tr.t("plots.segments.customers"))
    ax1.set_xlim(0, max(1, segments["customers"].max()) * 1.25)
    ax2.barh(y, segments["revenue_share"], color="#1f3b73", edgecolor=GREY, hatch="//")
    for yi, v in zip(y, segments["revenue_share"], strict=True):
        ax2.text(v, yi, " " + tr.percent(v, 0), va="center", fontsize=8.5)
    ax2.set_xlim(0, max(0.05, segments["revenue_share"].max()) * 1.3)
    percent_axis(ax2.xaxis, tr)
    ax2.set_xlabel(tr.t("plots.segments.revenue_share"))
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


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
    tr = chart_translator(tr)
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
    tr = chart_translator(tr)
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
    tr = chart_translator(tr)
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
    percent_axis(cb.ax.yaxis, tr)
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
    tr = chart_translator(tr)
    fig, ax = plt.subplots(figsize=(WIDE[0], max(3.5, 0.42 * len(migration) + 2.2)))
    im = heatmap(ax, migration.astype(float), fmt=lambda v: tr.number(int(v)) if v else "",
                  cmap="Blues")
    ax.set_yticks(range(migration.shape[0]),
                  [tr.label("segment", r) for r in migration.index])
    for i, row in enumerate(migration.index):
        if row in migration.columns:
            j = list(migration.columns).index(row)
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False,
                                       edgecolor=GREY, linewidth=1.5))
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
