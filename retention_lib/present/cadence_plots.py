"""Charts of the contact-discipline report: one function per chart, each returns a Figure.

Same rules as :mod:`retention_lib.present.plots`: aggregated data only, a title on every figure,
statuses told apart by hatch, icon and label as well as colour (readable in greyscale); every
word comes from the catalog through ``tr`` (``discipline.plots.*``, ``discipline.status.*``);
the caller supplies the alt text (:func:`retention_lib.present.display.figure_html`) and closes the
figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from ..i18n import Translator, get_translator
from .chart_style import WIDE

__all__ = ["COMPLIANCE_STYLE", "plot_compliance", "plot_funnel"]

#: Compliance status → (fill colour, hatch, icon); the legend word is
#: ``discipline.status.<status>`` of the catalog.
COMPLIANCE_STYLE: dict[str, tuple[str, str, str]] = {
    "ok": ("#7fbf7f", "", "●"),
    "due soon": ("#f2b45a", "//", "▲"),
    "overdue": ("#e06666", "xx", "■"),
}
_GREY = "#333333"


def _tr(tr: Translator | None) -> Translator:
    return tr if tr is not None else get_translator("en")


def plot_compliance(
    summary: pd.DataFrame, *, title: str | None = None, tr: Translator | None = None
) -> Figure:
    """Stacked horizontal bars: share of customers ok / due soon / overdue per group.

    Parameters
    ----------
    summary
        :func:`retention_lib.analysis.cadence.compliance_summary` output (by manager or by tier):
        index = group labels **already translated** for display, in display order (top to
        bottom); columns ``customers``, ``within_cadence``, ``due_soon``, ``overdue`` (int),
        ``share_within`` (float).
    title
        Figure title (default: the catalog's ``discipline.plots.compliance_title``).
    tr
        Translator of the labels and number formats (default English).

    Returns
    -------
    Figure
        One bar per group, labelled "share within (n customers)".
    """
    tr = _tr(tr)
    n = len(summary)
    fig, ax = plt.subplots(figsize=(WIDE[0], max(2.2, 0.5 * n + 1.5)))
    y = np.arange(n)[::-1]
    cust = summary["customers"].to_numpy(dtype=float)
    denom = np.where(cust > 0, cust, 1.0)
    parts = {
        "ok": (summary["within_cadence"] - summary["due_soon"]).to_numpy(dtype=float) / denom,
        "due soon": summary["due_soon"].to_numpy(dtype=float) / denom,
        "overdue": summary["overdue"].to_numpy(dtype=float) / denom,
    }
    left = np.zeros(n)
    for key, share in parts.items():
        colour, hatch, _ = COMPLIANCE_STYLE[key]
        ax.barh(y, share, left=left, color=colour, hatch=hatch, edgecolor=_GREY,
                linewidth=0.8)
        left = left + share
    for yi, share, c in zip(y, summary["share_within"].to_numpy(dtype=float), cust,
                            strict=True):
        label = tr.t("discipline.plots.compliance_bar", share=tr.percent(share, decimals=0),
                     count=int(c))
        ax.text(1.01, yi, label, va="center", fontsize=9)
    ax.set_yticks(y, [str(i) for i in summary.index])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: tr.percent(v, decimals=0)))
    ax.set_xlabel(tr.t("discipline.plots.compliance_xlabel"))
    ax.legend(
        handles=[
            Patch(facecolor=c, hatch=h, edgecolor=_GREY,
                  label=f"{icon} {tr.label('discipline.status', key)}")
            for key, (c, h, icon) in COMPLIANCE_STYLE.items()
        ],
        loc="upper center", bbox_to_anchor=(0.5, -0.18 if n > 3 else -0.3), ncol=3,
    )
    ax.set_title(title or tr.t("discipline.plots.compliance_title"), loc="left")
    fig.tight_layout()
    return fig


def plot_funnel(
    counts: pd.DataFrame, *, title: str | None = None, tr: Translator | None = None
) -> Figure:
    """Funnel: customers who reached each stage, as centred horizontal bars.

    Parameters
    ----------
    counts
        :func:`retention_lib.analysis.funnel.funnel_counts` output: index ``stage`` (in order; the
        stage codes are translated with ``discipline.stage.*``), columns ``reached`` (int)
        and ``share`` (float, of all active customers).
    title
        Figure title (default: the catalog's ``discipline.plots.funnel_title``).
    tr
        Translator of the labels and number formats (default English).

    Returns
    -------
    Figure
        One bar per stage (widest on top), labelled "n (share of base; from previous)".
    """
    tr = _tr(tr)
    n = len(counts)
    fig, ax = plt.subplots(figsize=(WIDE[0], max(2.4, 0.6 * n + 1.2)))
    reached = counts["reached"].to_numpy(dtype=float)
    top = reached.max() if n and reached.max() > 0 else 1.0
    y = np.arange(n)[::-1]
    widths = reached / top
    shades = plt.get_cmap("Blues")(np.linspace(0.35, 0.85, max(n, 1)))
    ax.barh(y, widths, left=(1 - widths) / 2, color=shades[:n], edgecolor=_GREY,
            linewidth=0.8)
    prev = np.r_[np.nan, reached[:-1]]
    for yi, r, s, p in zip(y, reached, counts["share"].to_numpy(dtype=float), prev,
                           strict=True):
        share = tr.percent(s, decimals=0)
        if np.isnan(p) or p == 0:
            text = tr.t("discipline.plots.funnel_bar_first", count=int(r), share=share)
        else:
            text = tr.t("discipline.plots.funnel_bar", count=int(r), share=share,
                        step=tr.percent(r / p, decimals=0))
        ax.text(1.02, yi, text, va="center", fontsize=9)
    ax.set_yticks(y, [tr.label("discipline.stage", i) for i in counts.index])
    ax.set_xlim(0, 1)
    ax.set_xticks([])
    ax.spines["bottom"].set_visible(False)
    ax.set_xlabel(tr.t("discipline.plots.funnel_xlabel"))
    ax.set_title(title or tr.t("discipline.plots.funnel_title"), loc="left")
    fig.tight_layout()
    return fig
