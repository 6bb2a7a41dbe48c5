"""HTML pieces shared by the CLV page's sections and the executive report's CLV block.

Fit notes in the reader's language (:func:`note_text`), the table of drops in probability
alive (:func:`drops_table`), and the column headers and formats of the ``clv``
catalog. They take a :class:`~retention_lib.i18n.Translator`, not the page, so that both
:mod:`retention_lib.pages.clv_report` (the executive block) and
:mod:`retention_lib.pages.clv_sections` (the page) use them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..analysis.clv import CLVModel
from ..i18n import Translator
from ..present import display as d

__all__ = [
    "catalog_columns",
    "catalog_formats",
    "drops_table",
    "note_text",
    "time_unit_name",
]


def _signed(tr: Translator, value: float, decimals: int = 2) -> str:
    """``value`` with its sign always written (+, − or ±)."""
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return sign + tr.number(abs(float(value)), decimals=decimals)


def note_text(note: dict[str, Any], *, tr: Translator, currency: str = "EUR") -> str:
    """One fit note (a dict of :attr:`CLVModel.fit_codes_`) in the reader's language.

    The catalog key is ``clv.notes.<code>``; counts get locale grouping (and pick the
    plural form), penalizers and correlations locale decimals, amounts the currency.
    """
    args: dict[str, Any] = {}
    for k, v in note.items():
        if k == "code":
            continue
        if k == "model":
            args[k] = tr.t(f"clv.model_name.{v}")
        elif k in ("count", "needed"):
            args[k] = int(v)
        elif k == "corr":
            args[k] = _signed(tr, v)
        elif k == "q":
            args[k] = tr.number(v, decimals=2)
        elif k == "share":
            args[k] = tr.percent(v, 0)
        elif k == "mean":
            args[k] = tr.money(v, currency, decimals=2)
        else:
            args[k] = tr.number(v, decimals=None)
    return tr.t(f"clv.notes.{note['code']}", **args)






def catalog_columns(tr: Translator, frame: pd.DataFrame) -> pd.DataFrame:
    """Rename columns to their catalog headers (``clv.cols.<name>``)."""
    return frame.rename(columns=lambda c: tr.t(f"clv.cols.{c}"))


def catalog_formats(tr: Translator, formats: dict[str, Any]) -> dict[str, Any]:
    """``formats`` keyed by the catalog headers of their columns (``clv.cols.<name>``)."""
    return {tr.t(f"clv.cols.{c}"): f for c, f in formats.items()}


def time_unit_name(tr: Translator, model: CLVModel) -> str:
    """The model's time unit in words (``clv.unit.<unit>``)."""
    return tr.t(f"clv.unit.{model.time_unit.lower()}")


def drops_table(drops: pd.DataFrame, *, tr: Translator, caption: str) -> str:
    """Customers whose probability alive dropped: name, manager, tier, before, now, change."""
    cols = ["name", "manager", "tier", "p_alive_previous", "p_alive", "change"]
    shown = drops.reindex(columns=cols).copy()
    shown["manager"] = shown["manager"].map(lambda m: tr.label("manager", m))
    shown["tier"] = shown["tier"].map(lambda t: "" if pd.isna(t) else tr.label("tier", t))
    return d.table_html(
        catalog_columns(tr, shown), caption=caption, tr=tr,
        formats=catalog_formats(tr, {"p_alive_previous": lambda v: tr.percent(v, 0),
                                     "p_alive": lambda v: tr.percent(v, 0),
                                     "change": lambda v: tr.points(100 * v, 0)}))

