"""The look every report chart shares: figure sizes, churn-status colours and hatches, the
report style (:func:`use_report_style`), axis formatters for percentages and amounts, the
money label and the annotated heatmap the chart modules draw with.

The chart modules (:mod:`retention_lib.present.plots`,
:mod:`retention_lib.present.customer_plots`, :mod:`retention_lib.present.clv_plots`, ...)
import from here; this module draws no chart of its own.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from ..i18n import Translator, get_translator

__all__ = [
    "GREY",
    "SQUARE",
    "STATUS_STYLE",
    "WIDE",
    "chart_translator",
    "heatmap",
    "money_axis",
    "money_label",
    "percent_axis",
    "status_of",
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

GREY = "#333333"


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


def status_of(rate: float, normal_max: float, critical_min: float) -> str:
    """The churn status of ``rate``: ``normal``, ``warning``, ``critical`` or ``unknown``
    (NaN), a key of :data:`STATUS_STYLE`."""
    if rate is None or pd.isna(rate):
        return "unknown"
    if rate <= normal_max:
        return "normal"
    if rate >= critical_min:
        return "critical"
    return "warning"


def chart_translator(tr: Translator | None) -> Translator:
    """The chart's translator: ``tr``, or English when ``None``."""
    return tr if tr is not None else get_translator("en")


def percent_axis(ax_axis, tr: Translator, decimals: int = 0) -> None:
    """Label the ticks of ``ax_axis`` (e.g. ``ax.yaxis``) as percentages in ``tr``'s locale."""
    ax_axis.set_major_formatter(FuncFormatter(lambda v, _: tr.percent(v, decimals)))


def money_label(value: float, *, currency: str, tr: Translator | None = None) -> str:
    """An amount on a chart: the same whole-unit, currency-bearing format as the tables.

    ``41200.4, currency="EUR"`` → ``"€41,200"`` in English, ``"41 200 €"`` in Russian and
    Ukrainian (babel, through :meth:`retention_lib.i18n.Translator.money`): no chart shows
    ``41K`` beside a table's ``41 200 €``.
    """
    return chart_translator(tr).money(float(value), currency, decimals=0)


def money_axis(ax_axis, tr: Translator, currency: str) -> None:
    """Label the ticks of ``ax_axis`` as amounts (:func:`money_label`)."""
    ax_axis.set_major_formatter(
        FuncFormatter(lambda v, _: money_label(v, currency=currency, tr=tr))
    )


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
