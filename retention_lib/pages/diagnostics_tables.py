"""HTML pieces shared by the churn-diagnostics page's sections and its executive blocks.

The at-risk table (:func:`save_table`), the win-back table with its advice legend and
formula (:func:`winback_table`, :func:`advice_legend`, :func:`winback_formula`),
plain lists and the wording helpers of the economics figures. They take the frames and the
reader's :class:`~retention_lib.i18n.Translator` (and a money formatter), not the
:class:`~retention_lib.pages.diagnostics.Diagnostics` itself, so that both
:mod:`retention_lib.pages.diagnostics` (executive blocks) and
:mod:`retention_lib.pages.diagnostics_sections` (the page) use them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from ..analysis.signals import marker_sentences
from ..analysis.winback import REASON_CHANCE
from ..i18n import Translator, code_key
from ..present import display as d

__all__ = [
    "advice_legend",
    "date_or",
    "list_html",
    "lost_total",
    "points",
    "save_table",
    "winback_formula",
    "winback_table",
]






def list_html(title: str, items: Iterable[str]) -> str:
    """A titled bullet list in the note style."""
    body = "".join(f"<li>{d.escape(i)}</li>" for i in items)
    return (f'<div class="rl-report"><p class="rl-note"><strong>{d.escape(title)}</strong></p>'
            f'<ul class="rl-note">{body}</ul></div>')


def date_or(tr: Translator, empty: str):
    """A formatter: the short date, or ``empty`` for a missing one."""
    return lambda v: empty if pd.isna(v) else tr.short_date(v)


def points(value: float, tr: Translator) -> str:
    """A share as percentage points (0.05 → "5.0 points")."""
    return tr.t("common.points", value=tr.number(100 * value, decimals=1))


def lost_total(scenario: dict[str, Any]) -> float:
    """The lost customers' revenue the scenario is drawn from (0 when not given)."""
    total = scenario.get("lost_revenue_12m")
    return 0.0 if total is None or math.isnan(total) else max(float(total), 0.0)


def _action(category: str, english: str, tr: Translator) -> str:
    key = f"action.{code_key(category)}"
    return tr.t(key) if tr.has(key) else english


def save_table(
    at_risk: pd.DataFrame, *, top: int, tr: Translator, money: Callable[[float], str],
) -> str:
    """The top ``top`` rows of the at-risk list: name, manager, tier, revenue, risk, value
    at risk and the warning signs in words."""
    rows = at_risk.head(top)
    cols = {c: tr.t(f"diagnostics.save.cols.{c}") for c in
            ("name", "manager", "tier", "revenue_12m", "risk", "value_at_risk", "markers")}
    frame = pd.DataFrame({
        cols["name"]: rows["name"].astype(str).to_numpy(),
        cols["manager"]: [tr.label("manager", m) for m in rows["manager"]],
        cols["tier"]: [tr.label("tier", t) if t else "" for t in rows["tier"]],
        cols["revenue_12m"]: rows["revenue_12m"].to_numpy(float),
        cols["risk"]: rows["risk_score"].to_numpy(float),
        cols["value_at_risk"]: rows["value_at_risk"].to_numpy(float),
        cols["markers"]: ["; ".join(marker_sentences(f, tr=tr)) for f in rows["marker_facts"]],
    })
    return d.table_html(
        frame, caption=tr.t("diagnostics.save.caption", top=top),
        formats={cols["revenue_12m"]: money, cols["value_at_risk"]: money,
                 cols["risk"]: lambda v: tr.percent(v, 0)},
        tr=tr,
    )


def winback_table(
    queue: pd.DataFrame, *, top: int, tr: Translator, money: Callable[[float], str],
) -> str:
    """The top of the win-back queue by expected recoverable revenue, then the advice once
    per exit reason shown (a legend), the gesture for any win-back and how the expected
    revenue is computed."""
    q = queue.head(top)
    cols = {c: tr.t(f"diagnostics.winback.cols.{c}") for c in
            ("name", "manager", "lost_on", "lost_revenue", "reason", "last_contact")}
    cols["chance"] = tr.t("lists.winback.cols.chance")
    cols["expected"] = tr.t("lists.winback.cols.expected_revenue")
    frame = pd.DataFrame({
        cols["name"]: q["name"].astype(str).to_numpy(),
        cols["manager"]: [tr.label("manager", m) for m in q["manager"]],
        cols["lost_on"]: q["lost_on"].to_numpy(),
        cols["lost_revenue"]: q["lost_revenue"].to_numpy(float),
        cols["reason"]: [tr.label("reason", c) for c in q["reason_category"]],
        cols["chance"]: q["score"].to_numpy(float),
        cols["expected"]: q["expected_revenue"].to_numpy(float),
        cols["last_contact"]: q["last_contact"].to_numpy(),
    })
    table = d.table_html(
        frame, caption=tr.t("lists.winback.caption", top=min(top, len(q))),
        formats={cols["lost_on"]: date_or(tr, ""), cols["lost_revenue"]: money,
                 cols["last_contact"]: date_or(tr, tr.t("diagnostics.winback.never")),
                 cols["chance"]: lambda v: tr.percent(v, 0),
                 cols["expected"]: money},
        tr=tr,
    )
    return table + advice_legend(q["reason_category"], tr=tr) + d.note_html(
        winback_formula(queue, tr=tr))


def advice_legend(categories: Iterable[str], *, tr: Translator) -> str:
    """What to do, once per exit reason (in the order the reasons first appear), and the
    gesture that goes with any win-back: an HTML definition list.

    The advice follows the source articles reason by reason (catalog ``action.<category>``,
    ``action.any``)."""
    seen = list(dict.fromkeys(str(c) for c in categories))
    if not seen:
        return ""
    items = [(tr.label("reason", c), _action(c, "", tr)) for c in seen]
    items.append((tr.t("lists.winback.any_reason"), tr.t("action.any")))
    return (f'<div class="rl-report"><p class="rl-note"><strong>'
            f'{d.escape(tr.t("lists.winback.advice_title"))}</strong></p></div>'
            + d.definitions_html(items))


def winback_formula(queue: pd.DataFrame, *, tr: Translator) -> str:
    """One sentence: how the chance and the expected recoverable revenue are computed, with
    the queue's own window and reason chances."""
    ch = dict(queue.attrs.get("reason_chance", REASON_CHANCE))
    pct = lambda v: tr.percent(float(v), 0)  # noqa: E731
    chances = tr.t("lists.winback.chances", fixable=pct(ch.get("price", 1.0)),
                   unknown=pct(ch.get("unknown", 0.5)),
                   uncontrollable=pct(ch.get("uncontrollable", 0.0)))
    alive = tr.t("lists.winback.alive") if queue.attrs.get("p_alive_used") else ""
    return tr.t("lists.winback.formula", days=int(queue.attrs.get("within_days", 730)),
                chances=chances, alive=alive)
