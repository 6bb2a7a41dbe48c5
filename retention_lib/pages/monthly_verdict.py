"""The executive report's verdict in plain words, and the words it shares with the sections:
the churn zones and their thresholds, exit-reason names, recommended actions."""

from __future__ import annotations

import math

from .. import i18n
from ..i18n import Translator, get_translator
from ._numbers import as_float
from .monthly import MonthlyReport

__all__ = [
    "REASON_LABELS",
    "action_text",
    "first_sentence",
    "reason_label",
    "thresholds",
    "verdict_sentences",
    "zone_phrase",
]


def thresholds(report: MonthlyReport) -> dict[str, str]:
    """The churn zones' limits as percentages: ``{"lo": normal max, "hi": critical min}``."""
    s, tr = report.settings, report.tr
    return {"lo": tr.percent(s.churn_normal_max, 0), "hi": tr.percent(s.churn_critical_min, 0)}


def zone_phrase(status: str, report: MonthlyReport) -> str:
    """The churn zone of ``status`` (normal, warning, critical) in words, with its limits."""
    return report.tr.t(f"verdict.zone.{status}", **thresholds(report))


#: English display names of the reason categories of :mod:`retention_lib.analysis.reasons` (the
#: catalog's ``reason.*``; kept for callers of the English API).
REASON_LABELS = {
    c: get_translator("en").t(f"reason.{c}")
    for c in ("price", "assortment", "service", "no_value", "competitor", "uncontrollable",
              "unknown")
}


def reason_label(category: str, tr: Translator | None = None) -> str:
    """The display name of an exit-reason category (English without ``tr``); a category
    the catalog does not know shows its code with spaces."""
    tr = tr or get_translator("en")
    key = f"reason.{i18n.code_key(category)}"
    return tr.t(key) if tr.has(key) else str(category).replace("_", " ")


def action_text(category: str, english: str, tr: Translator) -> str:
    """The recommended action of ``category`` in ``tr``'s language (catalog ``action.*``);
    a category the catalog does not know keeps the action text it came with."""
    key = f"action.{i18n.code_key(category)}"
    return tr.t(key) if tr.has(key) else english


def first_sentence(text: str) -> str:
    """``text`` up to its first full stop followed by a space (all of it without one)."""
    text = str(text).strip()
    cut = text.find(". ")
    return text[: cut + 1] if cut >= 0 else text


def verdict_sentences(report: MonthlyReport) -> list[str]:
    """The verdict in plain words, one sentence per item, in the report's language.

    Example (English)::

        Annual customer churn is 14.2 % — warning zone (above 10 %): act.
        Up 0.6 points on last month (13.6 % at the end of September).
        Revenue churn is 9.8 % (normal zone).
        23 customers were lost in October (€41,200 of annual revenue) and 4 won back (€3,100).
        The costliest exit reason is service quality (38 % of lost revenue): admit the fault …
    """
    tr = report.tr
    o, p = report.overall, report.previous
    rate, status = as_float(o["customer_churn"]), str(o["status"])
    out = [tr.t("verdict.churn", rate=tr.percent(rate), zone=zone_phrase(status, report))]
    rev, rev_status = as_float(o["revenue_churn"]), str(o["revenue_status"])
    prev = as_float(p["customer_churn"])
    prev_month = tr.month_name(report.previous_end, genitive=True)
    if math.isnan(rate) or math.isnan(prev):
        out.append(tr.t("verdict.no_comparison"))
    else:
        diff = round((rate - prev) * 100, 1)
        key = "verdict.up" if diff > 0 else ("verdict.down" if diff < 0 else "verdict.unchanged")
        out.append(tr.t(key, diff=tr.number(abs(diff), decimals=1), prev=tr.percent(prev),
                        prev_month=prev_month))
    # the change follows the customer-churn sentence it belongs to, then what the data do not
    # cover (partial month, shorter history), before revenue churn
    out.extend(report.history_sentences())
    out.append(tr.t(f"verdict.revenue.{rev_status}", rate=tr.percent(rev)))
    n_lost, n_won = len(report.lost_month), len(report.won_month)
    lost_rev = float(report.lost_month["lost_revenue"].sum())
    won_rev = float(report.won_month["revenue_since_return"].sum())
    out.append(tr.t(
        "verdict.lost_won", count=n_lost, month=report.month_name,
        lost_revenue=report.money(lost_rev), won=n_won, won_revenue=report.money(won_rev),
    ))
    if report.reasons_by_revenue is not None and len(report.reasons_by_revenue):
        top = report.reasons_by_revenue.index[0]
        share = as_float(report.reasons_by_revenue["share"].iloc[0])
        action = first_sentence(
            action_text(top, report.reasons_table.loc[top, "action"], tr)
        ).rstrip(".")
        action = action[:1].lower() + action[1:] if action else tr.t("verdict.see_actions")
        out.append(tr.t("verdict.top_reason", reason=reason_label(top, tr),
                        share=tr.percent(share, 0), action=action))
    elif report.reasons_by_revenue is not None:
        out.append(tr.t("verdict.no_answers"))
    else:
        out.append(tr.t("verdict.no_surveys"))
    if report.scenario:
        out.append(report.scenario)
    return out
