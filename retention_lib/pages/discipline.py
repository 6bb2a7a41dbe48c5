"""The contact-discipline report: compliance, contact plan, never-disappear, funnel, manager fit.

:func:`build_contact_discipline` computes, once, everything
``notebooks/contact_discipline.ipynb`` shows and returns a :class:`ContactDiscipline`;
the ``section_*`` functions render one section each as HTML (one library call per notebook
cell); :func:`discipline_metrics` / :func:`discipline_metrics_section` give the
``compliance`` section of ``metrics.json``; :func:`write_report_call_lists` /
:func:`write_call_lists_for` write the per-manager call lists; :func:`executive_block` is the
short "contact discipline" block of the executive report.

Language: every word a reader sees (page, executive block, call-list headers and actions)
comes from the catalog's ``discipline.*`` keys in the report language (``lang``, default
``settings.language``); numbers and dates are formatted by locale. The tables and
``metrics.json`` stay in English codes and are identical in every language.

Definitions: :mod:`retention_lib.analysis.cadence` (compliance, plan, never disappear),
:mod:`retention_lib.analysis.funnel` (stages), :mod:`retention_lib.analysis.managers` (manager fit).
Report-level choices made here:

* ``as_of`` is the last day of the report month; contacts dated after it are left out (so an
  older month can be reported from newer data; the loader already refuses contacts after the
  data's own report date).
* Tiers are :func:`retention_lib.analysis.tiers.value_tiers` at ``as_of`` (settings' tier options);
  the funnel conversions compare the 12 months ending at ``as_of`` (tiers at both ends).
* Manager fit uses :func:`retention_lib.analysis.churn.churn_rate` by manager over the same 12
months.
* Knobs from :class:`~retention_lib.config.Settings` (YAML ``contact_discipline:``):
  ``cadence_due_soon_days``, ``cadence_scale_by_cycle`` / ``cadence_cycle_bounds`` (scaling
  by the customer's median purchase interval, :func:`cadence_intervals.purchase_cycle`),
  ``meeting_counts_as_call``, ``funnel_regular_months``, ``funnel_expansion_factor``,
  ``key_tiers`` (funnel key accounts and the "overdue key accounts" lists) and
  ``manager_fit_alpha``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import periods
from ..analysis import (
    cadence,
    cadence_intervals,
    contact_planning,
    contacts_log,
    funnel,
    lost_contacts,
    managers,
)
from ..analysis._discipline_inputs import UNASSIGNED, factorized, shared_inputs
from ..analysis.shared import rows_until
from ..analysis.signals import marker_sentences
from ..caching.memo import cached_build
from ..config import DEFAULT_SETTINGS, Settings
from ..i18n import Translator, get_translator
from ..present import cadence_plots, plots
from ..present import display as d
from .context import report_days, resolve_period
from .diagnostics import diagnostics_for

__all__ = [
    "ContactDiscipline",
    "ACTION_KINDS",
    "DIRECTOR_TOP",
    "DISCIPLINE_SECTIONS",
    "ROW_CSS",
    "STATUS_ICON",
    "SHEET_COLUMNS",
    "TASKS",
    "TASK_COLUMNS",
    "build_contact_discipline",
    "call_list_tasks",
    "cadence_key",
    "discipline_metrics",
    "discipline_metrics_section",
    "executive_actions",
    "executive_block",
    "executive_report",
    "executive_section",
    "section_compliance_by_manager",
    "section_compliance_by_tier",
    "section_compliance_table",
    "section_contact_plan",
    "section_contents",
    "section_definitions",
    "section_funnel",
    "section_header",
    "section_kpis",
    "section_manager_fit",
    "section_never_disappear",
    "section_overdue_key_accounts",
    "seed_executive_report",
    "status_text",
    "with_targets",
    "without_funnel",
    "write_call_lists_for",
    "write_report_call_lists",
]

#: Compliance status → icon shown before the translated word (never colour alone).
STATUS_ICON = {"overdue": "■", "due soon": "▲", "ok": "●"}
#: Extra styles: overdue / due-soon rows tinted (the status cell also carries icon + word).
ROW_CSS = (
    "<style>.rl-table tr.rl-overdue td { background: #ffebee; }"
    ".rl-table tr.rl-due td { background: #fff8e1; }"
    ".rl-table tr.rl-flag td { background: #ffebee; font-weight: bold; }</style>"
)
_ROW_CLASS = {"overdue": "rl-overdue", "due soon": "rl-due", "ok": ""}

#: Page sections in reading order: (anchor id, catalog key of the heading).
DISCIPLINE_SECTIONS = (
    ("rl-d-kpis", "discipline.headings.kpis"),
    ("rl-d-by-manager", "discipline.headings.by_manager"),
    ("rl-d-by-tier", "discipline.headings.by_tier"),
    ("rl-d-overdue-key", "discipline.headings.overdue_key"),
    ("rl-d-manager-fit", "discipline.headings.manager_fit"),
    ("rl-d-plan", "discipline.headings.plan"),
    ("rl-d-never", "discipline.headings.never"),
    ("rl-d-funnel", "discipline.headings.funnel"),
    ("rl-d-table", "discipline.headings.table"),
    ("rl-d-definitions", "discipline.headings.definitions"),
)
_ANCHOR = {key.rsplit(".", 1)[1]: anchor for anchor, key in DISCIPLINE_SECTIONS}


def status_text(status: str, tr: Translator) -> str:
    """Icon and translated word of a compliance status: ``"■ overdue"``, ``"■ просрочен"``."""
    return f"{STATUS_ICON.get(status, '')} {tr.label('discipline.status', status)}".strip()


@dataclass
class ContactDiscipline:
    """Everything the contact-discipline report shows (see :func:`build_contact_discipline`).

    Attributes
    ----------
    period, period_label, as_of, company, currency, settings
        As in :class:`retention_lib.pages.monthly.MonthlyReport` (``period_label`` translated).
    tr
        The :class:`~retention_lib.i18n.Translator` of the report language.
    compliance
        :func:`cadence.compliance_table` (``None`` without contacts).
    by_manager, by_tier
        :func:`cadence.compliance_summary` (``None`` without contacts).
    overdue_key
        :func:`cadence.worst_overdue` of ``settings.key_tiers``, all rows (``None`` without
        contacts).
    plan
        :func:`contact_planning.contact_plan` for the month after ``as_of`` incl. never-disappear.
    never
        :func:`lost_contacts.never_disappear` (``None`` without contacts).
    contact_quality
        :func:`contacts_log.contact_quality` (``None`` without contacts).
    stages, funnel_counts, funnel_by_manager, conversions, conversions_by_manager
        Funnel tables (:mod:`retention_lib.analysis.funnel`); ``None`` only when built without the
        funnel (:func:`discipline_metrics_section`, :func:`executive_block`).
    fit
        :func:`managers.manager_fit` (``None`` without a customers table).
    sections_off
        Section code (``compliance``, ``plan``, ``never``, ``manager_fit``) → the missing
        table that would switch it on.
    at_risk, queue
        The save targets (:func:`retention_lib.analysis.signals.at_risk_list`) and the win-back
        queue
        (:func:`retention_lib.analysis.winback.winback_queue`) of the same period for the call lists
        (:func:`with_targets`); ``None`` when not attached.
    """

    period: str
    period_label: str
    as_of: pd.Timestamp
    company: str
    currency: str
    settings: Settings
    tr: Translator
    compliance: pd.DataFrame | None
    by_manager: pd.DataFrame | None
    by_tier: pd.DataFrame | None
    overdue_key: pd.DataFrame | None
    plan: pd.DataFrame | None
    never: pd.DataFrame | None
    contact_quality: dict[str, int] | None
    stages: pd.DataFrame | None
    funnel_counts: pd.DataFrame | None
    funnel_by_manager: pd.DataFrame | None
    conversions: pd.DataFrame | None
    conversions_by_manager: pd.DataFrame | None
    fit: pd.DataFrame | None
    sections_off: dict[str, str] = field(default_factory=dict)
    at_risk: pd.DataFrame | None = None
    queue: pd.DataFrame | None = None

    def money(self, value: float) -> str:
        """Format an amount in the report's currency and language (whole units)."""
        return self.tr.money(value, self.currency)

    @property
    def flagged(self) -> list[str]:
        """Managers flagged by manager fit (sorted manager codes)."""
        return [] if self.fit is None else managers.flagged_managers(self.fit)


def _tiers_at(tx: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> pd.DataFrame:
    from ..analysis.tiers import value_tiers

    return value_tiers(
        tx, as_of=as_of, window_days=settings.tier_window_days, a_share=settings.tier_a_share,
        b_share=settings.tier_b_share, vip_share=settings.vip_share, vip_ids=settings.vip_ids,
    )


@cached_build("contact_discipline")
def build_contact_discipline(
    dataset,
    *,
    period: str = "",
    settings: Settings | None = None,
    lang: str | None = None,
    due_soon_days: int | None = None,
    with_funnel: bool = True,
) -> ContactDiscipline:
    """Compute every table of the contact-discipline report for ``period``.

    Parameters
    ----------
    dataset
        A :class:`retention_lib.data.io.Dataset` (``transactions`` required; ``contacts``
        switches on compliance, plan and never-disappear; ``customers`` names and managers).
    period
        ``"YYYY-MM"``; empty = the last complete month
        (:func:`retention_lib.pages.context.resolve_period`).
    settings
        Defaults to ``dataset.settings``. Cadence, funnel and manager-fit knobs are read
        from it (module docstring).
    lang
        Report language (en, ru, uk); default ``settings.language``. Only the words change.
    due_soon_days
        Override of ``settings.cadence_due_soon_days``.
    with_funnel
        Compute the development funnel (False leaves the funnel attributes ``None``: enough
        for the metrics and the executive block).

    Returns
    -------
    ContactDiscipline
    """
    from ..analysis.churn import shared_history

    # every churn call below given the same transactions / customers objects shares one
    # set-up (ids sorted per customer and day), and the cadence / funnel calls share the
    # contacts check and the id factorizations of the same frames; the figures are identical
    with shared_history(), shared_inputs():
        return _build_contact_discipline(
            dataset, period=period, settings=settings, lang=lang, due_soon_days=due_soon_days,
            with_funnel=with_funnel,
        )


def _build_contact_discipline(
    dataset, *, period: str, settings: Settings | None, lang: str | None,
    due_soon_days: int | None, with_funnel: bool,
) -> ContactDiscipline:
    """:func:`build_contact_discipline` without the shared churn set-up."""
    from ..analysis.churn import churn_rate, customer_status

    settings = settings or getattr(dataset, "settings", None) or DEFAULT_SETTINGS
    tr = get_translator(lang or settings.language)
    if due_soon_days is None:
        due_soon_days = settings.cadence_due_soon_days
    key_tiers = tuple(settings.key_tiers)
    period = resolve_period(dataset, period)
    as_of, _, window_start = report_days(dataset, period)
    tx = rows_until(dataset.transactions, as_of)
    if tx.empty:
        raise ValueError(f"period {period}: no transactions on or before {as_of.date()}")
    customers = dataset.customers
    tiers_now = _tiers_at(tx, as_of, settings)
    status = customer_status(tx, as_of=as_of, lapse_days=settings.lapse_days,
                             customers=customers)
    sections_off: dict[str, str] = {}
    # the manager sections follow the data: without customers.manager they are off
    has_manager = managers.has_managers(customers)
    manager_source = "customers" if customers is None else "customers.manager"

    compliance = by_manager = by_tier = overdue_key = plan = never = quality = None
    contacts = dataset.contacts
    if contacts is not None:
        contacts = rows_until(contacts, as_of)
        book = cadence.active_book(status, tiers=tiers_now, customers=customers)
        cycle = (cadence_intervals.purchase_cycle(tx, as_of=as_of)
                 if settings.cadence_scale_by_cycle else None)
        compliance = cadence.compliance_table(
            contacts, book=book, as_of=as_of, cadence=settings.cadence,
            due_soon_days=due_soon_days, cycle=cycle,
            cycle_bounds=tuple(settings.cadence_cycle_bounds),
            meeting_counts_as_call=settings.meeting_counts_as_call,
        )
        if has_manager:
            by_manager = cadence.compliance_summary(compliance, by="manager",
                                                    worst_tiers=key_tiers)
        else:  # one "unassigned" bar tested against itself says nothing: off
            sections_off["by_manager"] = manager_source
        by_tier = cadence.compliance_summary(compliance, by="tier", worst_tiers=key_tiers)
        overdue_key = cadence.worst_overdue(compliance, tiers=key_tiers, n=None)
        never = lost_contacts.never_disappear(
            contacts, status=status, transactions=tx, as_of=as_of, customers=customers,
            cadence=settings.cadence,
        )
        plan = contact_planning.contact_plan(compliance, as_of=as_of, lost=never)
        # distinct transaction ids (the factorization shared with never_disappear / funnel)
        known = factorized(tx)[1]
        if customers is not None:
            known = pd.concat([pd.Series(known), customers["customer_id"].astype(str)])
        quality = contacts_log.contact_quality(dataset.contacts, known_customers=known)
    else:
        for sec in ("compliance", "plan", "never"):
            sections_off[sec] = "contacts"

    fkw = {"customers": customers, "lapse_days": settings.lapse_days}
    stage_kw = {"regular_months": settings.funnel_regular_months,
                "expansion_factor": settings.funnel_expansion_factor, "key_tiers": key_tiers}
    stages = counts = by_mgr = conv = conv_mgr = None
    if with_funnel:
        # one preparation for the stages at as_of and the 12-month transitions; the stages
        # at as_of are the transitions' end stages and reuse this function's status
        start = window_start
        if (tx["date"] <= start).any():
            stages, transitions = funnel.stages_and_transitions(
                tx, start=start, end=as_of, tiers_start=_tiers_at(tx, start, settings),
                tiers_end=tiers_now, status_end=status, **fkw, **stage_kw,
            )
        else:  # less than a year of data: everyone is new
            stages, transitions = funnel.stages_and_transitions(
                tx, start=tx["date"].min() - pd.Timedelta(days=1), end=as_of,
                tiers_start=None, tiers_end=tiers_now, status_end=status, **fkw, **stage_kw,
            )
        counts = funnel.funnel_counts(stages)
        conv = funnel.conversion_summary(transitions)
        if has_manager:  # per manager only when the customers have one
            by_mgr = funnel.funnel_by_manager(stages)
            conv_mgr = funnel.conversion_summary(transitions, by="manager")
    fit = None
    if has_manager:
        rates = churn_rate(tx, end=as_of, by="manager", **fkw)
        fit = managers.manager_fit(rates, compliance=by_manager,
                                   alpha=settings.manager_fit_alpha)
    else:
        sections_off["manager_fit"] = manager_source

    return ContactDiscipline(
        period=period,
        period_label=tr.month(as_of),
        as_of=as_of,
        company=settings.company_name,
        currency=settings.currency,
        settings=settings,
        tr=tr,
        compliance=compliance,
        by_manager=by_manager,
        by_tier=by_tier,
        overdue_key=overdue_key,
        plan=plan,
        never=never,
        contact_quality=quality,
        stages=stages,
        funnel_counts=counts,
        funnel_by_manager=by_mgr,
        conversions=conv,
        conversions_by_manager=conv_mgr,
        fit=fit,
        sections_off=sections_off,
    )


def without_funnel(report: ContactDiscipline) -> ContactDiscipline:
    """``report`` as :func:`build_contact_discipline` gives it with ``with_funnel=False``
    (the funnel attributes ``None``; every other table is computed the same way either
    way), so the report runner builds the contact discipline once for both calls."""
    return dataclasses.replace(report, stages=None, funnel_counts=None, funnel_by_manager=None,
                               conversions=None, conversions_by_manager=None)


# --------------------------------------------------------------------------- outputs
def discipline_metrics(report: ContactDiscipline) -> dict[str, Any] | None:
    """The ``compliance`` section of ``metrics.json``; ``None`` without a contacts table.

    Returns
    -------
    dict or None
        :func:`cadence.compliance_metrics` (``overall``, ``by_manager``,
        ``flagged_managers``; English codes, identical in every language) plus
        ``contacts_quality`` (:func:`contacts_log.contact_quality`), ``never_disappear`` (count
        of forgotten lost customers) and ``as_of`` (ISO date).
    """
    if report.compliance is None:
        return None
    out = cadence.compliance_metrics(report.compliance, flagged_managers=report.flagged)
    if report.by_manager is None:  # no manager column: no per-manager figures
        out["by_manager"] = {}
    out["contacts_quality"] = dict(report.contact_quality or {})
    out["never_disappear"] = 0 if report.never is None else len(report.never)
    out["as_of"] = report.as_of.date().isoformat()
    return out


def discipline_metrics_section(
    dataset, *, period: str, settings: Settings | None = None
) -> dict[str, Any] | None:
    """``metrics.json``'s ``compliance`` section straight from a dataset (no funnel computed).

    Returns :func:`discipline_metrics` of the report for ``period``: overall and per manager
    ``customers``, ``within_cadence``, ``overdue``, ``share_within``; ``flagged_managers``;
    ``None`` when the dataset has no ``contacts`` table. JSON-serialisable and the same in
    every language.
    """
    if getattr(dataset, "contacts", None) is None:
        return None
    return discipline_metrics(executive_report(dataset, period=period, settings=settings,
                                               lang="en"))


#: Columns of :func:`call_list_tasks` (and of the CSV call lists), in order.
TASK_COLUMNS = ("task", "priority", "director_target", "due_by", "name", "customer_id",
                "tier", "value", "value_at_risk", "chance", "expected_revenue", "status",
                "days_overdue", "last_done", "every_days", "lost_on", "risk_markers",
                "exit_reason", "action", "manager")
#: Kinds of task, one workbook sheet each, in order (sheet names: ``lists.sheet.<kind>``).
TASKS = ("call", "meeting", "keep in touch", "save", "win back")
#: Columns of each sheet (headers ``lists.col.<column>``; ``last_done`` per sheet below).
SHEET_COLUMNS: dict[str, tuple[str, ...]] = {
    "call": ("priority", "due_by", "name", "customer_id", "tier", "value", "status",
             "days_overdue", "last_done", "every_days", "risk_markers", "action"),
    "meeting": ("priority", "due_by", "name", "customer_id", "tier", "value", "status",
                "days_overdue", "last_done", "every_days", "risk_markers", "action"),
    "keep in touch": ("priority", "due_by", "name", "customer_id", "value", "status",
                      "last_done", "lost_on", "exit_reason", "action"),
    "save": ("priority", "director_target", "due_by", "name", "customer_id", "tier", "value",
             "value_at_risk", "risk_markers", "last_done", "action"),
    "win back": ("priority", "director_target", "due_by", "name", "customer_id", "value",
                 "chance", "expected_revenue", "lost_on", "exit_reason", "last_done",
                 "action"),
}
_LAST_DONE_HEADER = {"save": "last_purchase", "win back": "last_contact"}
_VALUE_HEADER = {"keep in touch": "former_value", "win back": "former_value"}
#: How many save and win-back targets the director sees on the executive page.
DIRECTOR_TOP = 15


def with_targets(report: ContactDiscipline, diagnostics: Any) -> ContactDiscipline:
    """``report`` with the save and win-back targets of a
    :class:`retention_lib.pages.diagnostics.Diagnostics` of the same period (its ``at_risk`` list
    and win-back ``queue``), for the call lists."""
    return dataclasses.replace(report, at_risk=diagnostics.at_risk, queue=diagnostics.queue)


def _task_action(tr: Translator, task: str, status: str, days: int, every: Any,
                 category: str = "", in_queue: bool = False) -> str:
    if task in ("call", "meeting"):
        every = "" if every is None or pd.isna(every) else int(every)
        state = status if status in ("overdue", "never") else "due"
        return tr.t(f"lists.action.{task}_{state}", days=int(days), every=every)
    if task == "keep in touch":
        if in_queue:
            return tr.t("lists.action.keep_in_touch_winback")
        base = tr.t("lists.action.keep_in_touch")
        return f"{base} {_advice(tr, category)}" if category else base
    if task == "save":
        return tr.t("lists.action.save")
    return f"{_advice(tr, category)} {tr.t('action.any')}"


def _advice(tr: Translator, category: str) -> str:
    """The advice for an exit-reason category (``action.<category>``; an unknown code gets
    the advice for an unknown reason: find it out first)."""
    key = f"action.{category}"
    return tr.t(key) if category and tr.has(key) else tr.t("action.unknown")


def call_list_tasks(report: ContactDiscipline) -> pd.DataFrame:
    """Every task of next month's call lists, in the report's language, one row per task.

    Tasks: the contact plan's calls, meetings and keep-in-touch contacts
    (:func:`contact_planning.contact_plan`), and -- when the report carries them
    (:func:`with_targets`) -- every customer to save (the at-risk list, by value at risk)
    and every lost customer to win back (the queue, by expected recoverable revenue).

    * ``priority``: calls, meetings, keep in touch: 1, 2, ... per manager and task in the
      plan's order (tier, money at stake = value x days overdue, value); save and win back:
      the company-wide rank of the director's lists, ``director_target`` true for the first
      :data:`DIRECTOR_TOP` (the rows of the executive page).
    * ``due_by``: working days (:func:`contact_planning.spread_due_dates`): the plan's dates;
      customers to save spread over the first 10 working days of the month, lost customers to
      win back over all its working days, top priority first.
    * ``risk_markers``: the warning signs (plain words) of every customer of the at-risk
      list, on each of their rows; ``exit_reason`` the survey category of lost customers;
      ``action`` what to do (for lost customers the advice for their exit reason,
      ``action.<category>``; a keep-in-touch contact of a customer in the win-back list
      says that the win-back call covers it, so the counts stay those of the page).
    * ``value``: revenue of the tier window (12 months) for active customers, former annual
      revenue for lost ones; ``value_at_risk``, ``chance``, ``expected_revenue`` from the
      at-risk list and the win-back queue.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TASK_COLUMNS`: codes in ``task`` (:data:`TASKS`), ``manager`` and
        ``status`` (``overdue``/``never``/``due``, ``""`` for save and win back); the other
        text columns translated. Rows by manager, task (in :data:`TASKS` order), due date,
        priority. Empty (with the columns) without a plan and targets.
    """
    tr = report.tr
    markers: dict[str, str] = {}
    ar = report.at_risk
    if ar is not None and len(ar):
        markers = {str(i): "; ".join(marker_sentences(f, tr=tr))
                   for i, f in zip(ar.index, ar["marker_facts"], strict=True)}
    reasons: dict[str, str] = {}
    q = report.queue
    if q is not None and len(q):
        reasons = dict(zip(q.index.astype(str), q["reason_category"].astype(str), strict=True))
    start = report.as_of + pd.Timedelta(days=1)
    end = report.as_of + pd.offsets.MonthEnd(1)
    plan = report.plan
    parts: list[pd.DataFrame] = []
    if plan is not None and len(plan):
        end = pd.Timestamp(plan.attrs.get("period_end", end))
        parts.append(_plan_tasks(report, markers=markers, reasons=reasons))
    if ar is not None and len(ar):
        parts.append(_save_tasks(report, markers=markers, start=start))
    if q is not None and len(q):
        parts.append(_winback_tasks(report, start=start))
    if not parts:
        return pd.DataFrame({c: [] for c in TASK_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    for col in ("due_by", "last_done", "lost_on"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
    out["manager"] = out["manager"].replace({"": UNASSIGNED, "nan": UNASSIGNED})
    _spread_target_dates(out, plan=plan, start=start, end=end)
    out = _in_list_order(out)
    out.attrs = {"start": start, "end": end}
    return out[list(TASK_COLUMNS)]


def _plan_tasks(
    report: ContactDiscipline, *, markers: dict[str, str], reasons: dict[str, str],
) -> pd.DataFrame:
    """The contact plan's calls, meetings and keep-in-touch contacts as task rows
    (``markers``: warning signs per customer; ``reasons``: exit reason of the queued lost)."""
    tr, plan = report.tr, report.plan
    ids = plan["customer_id"].astype(str).to_numpy()
    tasks = plan["action"].astype(str).to_numpy()
    status = plan["status"].astype(str).to_numpy()
    lost = tasks == "keep in touch"
    cat = np.array([reasons.get(i, "") if lk else "" for i, lk in zip(ids, lost,
                                                                       strict=True)],
                   dtype=object)
    queued = np.array([lk and i in reasons for i, lk in zip(ids, lost, strict=True)],
                      dtype=bool)
    lost_on = pd.Series(pd.NaT, index=range(len(ids)), dtype="datetime64[ns]")
    if report.never is not None and len(report.never) and lost.any():
        lo = report.never["lost_on"]
        lo = pd.Series(lo.to_numpy(), index=report.never.index.astype(str))
        lost_on = pd.Series(lo.reindex(ids).to_numpy(), dtype="datetime64[ns]")
        lost_on[~lost] = pd.NaT
    return pd.DataFrame({
        "task": tasks,
        "priority": plan["priority"].to_numpy(np.int64),
        "director_target": False,
        "due_by": plan["due_by"].to_numpy(),
        "name": plan["name"].astype(str).to_numpy(),
        "customer_id": ids,
        "tier": plan["tier"].astype(str).to_numpy(),
        "value": plan["value"].to_numpy(np.float64),
        "value_at_risk": np.nan,
        "chance": np.nan,
        "expected_revenue": np.nan,
        "status": status,
        "days_overdue": plan["days_overdue"].to_numpy(np.int64),
        "last_done": plan["last_done"].to_numpy(),
        "every_days": plan["every_days"].to_numpy(dtype="float64", na_value=np.nan),
        "lost_on": lost_on.to_numpy(),
        "risk_markers": [markers.get(i, "") for i in ids],
        "exit_reason": [tr.label("reason", c) if c else "" for c in cat],
        "action": [_task_action(tr, t, st, dd, ev, c, qd) for t, st, dd, ev, c, qd in zip(
            tasks, status, plan["days_overdue"], plan["every_days"].astype(object), cat,
            queued, strict=True)],
        "manager": plan["manager"].astype(str).to_numpy(),
    })


def _save_tasks(
    report: ContactDiscipline, *, markers: dict[str, str], start: pd.Timestamp,
) -> pd.DataFrame:
    """Every customer of the at-risk list as a ``save`` task, ranked by value at risk."""
    tr, ar = report.tr, report.at_risk
    rank = np.arange(1, len(ar) + 1)
    return pd.DataFrame({
        "task": "save",
        "priority": rank,
        "director_target": rank <= DIRECTOR_TOP,
        "due_by": start,
        "name": ar["name"].astype(str).to_numpy(),
        "customer_id": ar.index.astype(str),
        "tier": ar["tier"].astype(str).to_numpy(),
        "value": ar["revenue_12m"].to_numpy(np.float64),
        "value_at_risk": ar["value_at_risk"].to_numpy(np.float64),
        "chance": np.nan,
        "expected_revenue": np.nan,
        "status": "",
        "days_overdue": 0,
        "last_done": ar["last_purchase"].to_numpy(),
        "every_days": np.nan,
        "lost_on": pd.NaT,
        "risk_markers": [markers.get(str(i), "") for i in ar.index],
        "exit_reason": "",
        "action": _task_action(tr, "save", "", 0, None),
        "manager": ar["manager"].astype(str).to_numpy(),
    })


def _winback_tasks(report: ContactDiscipline, *, start: pd.Timestamp) -> pd.DataFrame:
    """Every lost customer of the win-back queue as a ``win back`` task, in queue order."""
    tr, q = report.tr, report.queue
    rank = np.arange(1, len(q) + 1)
    cats = q["reason_category"].astype(str).to_numpy()
    return pd.DataFrame({
        "task": "win back",
        "priority": rank,
        "director_target": rank <= DIRECTOR_TOP,
        "due_by": start,
        "name": q["name"].astype(str).to_numpy(),
        "customer_id": q.index.astype(str),
        "tier": "lost",
        "value": q["lost_revenue"].to_numpy(np.float64),
        "value_at_risk": np.nan,
        "chance": q["score"].to_numpy(np.float64),
        "expected_revenue": q["expected_revenue"].to_numpy(np.float64),
        "status": "",
        "days_overdue": 0,
        "last_done": q["last_contact"].to_numpy(),
        "every_days": np.nan,
        "lost_on": q["lost_on"].to_numpy(),
        "risk_markers": "",
        "exit_reason": [tr.label("reason", c) for c in cats],
        "action": [_task_action(tr, "win back", "", 0, None, c) for c in cats],
        "manager": q["manager"].astype(str).to_numpy(),
    })


def _spread_target_dates(
    out: pd.DataFrame, *, plan: pd.DataFrame | None, start: pd.Timestamp, end: pd.Timestamp,
) -> None:
    """Set ``due_by`` of the save and win-back tasks (in place): the director's order first,
    customers to save over the plan's first working days (10 by default), the win-back calls
    over every working day of the month."""
    targets = out["task"].isin(["save", "win back"]).to_numpy()
    if not targets.any():
        return
    sub = out.loc[targets].sort_values(["manager", "task", "priority"], kind="stable")
    key = sub.assign(manager=sub["manager"].astype(str) + "\x00" + sub["task"])
    days = int((plan.attrs.get("spread_days") if plan is not None else None) or 10)
    save = (sub["task"] == "save").to_numpy(dtype=bool)
    # customers to save within the first days; the win-back calls over the month
    n_days = len(contact_planning.working_days(start, end))
    for rows, width in ((save, days), (~save, max(n_days, 1))):
        if rows.any():
            out.loc[sub.index[rows], "due_by"] = contact_planning.spread_due_dates(
                key.loc[rows], start=start, end=end, spread_days=width).to_numpy()


def _in_list_order(out: pd.DataFrame) -> pd.DataFrame:
    """The tasks by manager, task (:data:`TASKS` order), due date and priority, with the
    columns' final types and roundings."""
    kind = out["task"].map({t: i for i, t in enumerate(TASKS)}).to_numpy()
    order = np.lexsort((out["priority"].to_numpy(), out["due_by"].to_numpy(), kind,
                        pd.factorize(out["manager"], sort=True)[0]))
    out = out.iloc[order].reset_index(drop=True)
    out["every_days"] = out["every_days"].astype("Float64").round().astype("Int64")
    out["days_overdue"] = out["days_overdue"].astype(np.int64)
    out["director_target"] = out["director_target"].astype(bool)
    for col in ("value", "value_at_risk", "expected_revenue"):
        out[col] = out[col].astype("float64").round(2)
    out["chance"] = out["chance"].astype("float64").round(4)
    return out


def _shown_tasks(tasks: pd.DataFrame, tr: Translator) -> pd.DataFrame:
    """``tasks`` with the codes shown in the report's language (task, status, tier,
    manager, the director's mark)."""
    t = tasks.copy()
    never = {"call": "never_call", "meeting": "never_meeting", "keep in touch": "never_contact"}
    t["status"] = [
        "" if not s else tr.t("lists.status." + (never.get(k, "never_contact") if s == "never"
                                                   else s))
        for k, s in zip(tasks["task"], tasks["status"], strict=True)]
    t["tier"] = [tr.t("discipline.tier.lost") if x == "lost" else (tr.label("tier", x) if x
                                                                     else "")
                 for x in tasks["tier"]]
    t["manager"] = [tr.label("manager", m) for m in tasks["manager"]]
    t["director_target"] = [tr.t("lists.director_target") if x else ""
                            for x in tasks["director_target"]]
    t["task"] = [tr.t(f"lists.sheet.{cadence_key(x)}") for x in tasks["task"]]
    for col in ("name", "customer_id", "tier", "manager", "status", "task", "risk_markers",
                "exit_reason", "action", "director_target"):
        t[col] = t[col].astype(object).astype("string")
    return t


def cadence_key(task: str) -> str:
    """Catalog key part of a task code: ``"keep in touch"`` -> ``"keep_in_touch"``."""
    return task.replace(" ", "_")


def _headers(tr: Translator, kind: str | None = None) -> dict[str, str]:
    out = {c: tr.t(f"lists.col.{c}") for c in TASK_COLUMNS}
    if kind in _LAST_DONE_HEADER:
        out["last_done"] = tr.t(f"lists.col.{_LAST_DONE_HEADER[kind]}")
    if kind in _VALUE_HEADER:
        out["value"] = tr.t(f"lists.col.{_VALUE_HEADER[kind]}")
    return out


def write_report_call_lists(report: ContactDiscipline, out_dir: str | Path) -> dict[str, Path]:
    """Write each manager's call list: an Excel workbook and a CSV beside it.

    ``call_list_<manager>.xlsx`` has one sheet per kind of task (:data:`TASKS`: calls,
    meetings, keep in touch, save, win back; columns :data:`SHEET_COLUMNS`, every sheet
    present, an empty one with its header), frozen header, widths, real date cells
    (``yyyy-mm-dd`` in English, ``dd.mm.yyyy`` in Russian and Ukrainian), amounts as numbers.
    ``call_list_<manager>.csv`` holds the same tasks in one table (:data:`TASK_COLUMNS`,
    the task in the first column) with the separator of the report's language (``;`` for
    ru and uk, ``,`` for en: :func:`retention_lib.analysis.calllists.csv_separator`), UTF-8 with
    BOM,
    formula-safe (:mod:`retention_lib.analysis.calllists`). Everything a reader sees is in the
    report's language; file names and the returned keys keep the manager codes.

    Returns
    -------
    dict
        Manager code -> path of the workbook (the CSV has the same stem), managers sorted.
        Nothing is written without a contacts table.
    """
    from ..analysis.calllists import (
        Sheet,
        call_list_filename,
        csv_separator,
        write_safe_csv,
        write_workbook,
    )

    if report.plan is None:
        return {}
    tr = report.tr
    tasks = call_list_tasks(report)
    if tasks.empty:
        return {}
    shown = _shown_tasks(tasks, tr)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sep = csv_separator(tr.lang)
    date_format = "yyyy-mm-dd" if tr.lang == "en" else "dd.mm.yyyy"
    taken_x: set[str] = set()
    taken_c: set[str] = set()
    written: dict[str, Path] = {}
    codes = tasks["manager"].astype(str).to_numpy()
    for manager in sorted(set(codes)):
        rows = shown.loc[codes == manager]
        kinds = tasks.loc[codes == manager, "task"].to_numpy()
        sheets = []
        for kind in TASKS:
            cols = list(SHEET_COLUMNS[kind])
            sheets.append(Sheet(
                title=tr.t(f"lists.sheet.{cadence_key(kind)}"),
                frame=rows.loc[kinds == kind, cols].reset_index(drop=True),
                headers=_headers(tr, kind),
                money=("value", "value_at_risk", "expected_revenue"),
                percent=("chance",),
            ))
        xlsx = out_dir / call_list_filename(manager, taken=taken_x, suffix=".xlsx")
        write_workbook(sheets, xlsx, date_format=date_format)
        csv_cols = ["task", *[c for c in TASK_COLUMNS if c not in ("task", "manager")],
                    "manager"]
        write_safe_csv(rows[csv_cols].reset_index(drop=True),
                       out_dir / call_list_filename(manager, taken=taken_c, suffix=".csv"),
                       headers=_headers(tr), sep=sep)
        written[manager] = xlsx
    return written


def write_call_lists_for(
    dataset, *, period: str, settings: Settings | None = None, out_dir: str | Path,
    lang: str | None = None,
) -> dict[str, Path]:
    """Dataset-level :func:`write_report_call_lists` for the runner (no funnel computed),
    with the save and win-back targets of :func:`retention_lib.pages.diagnostics.build_diagnostics`.

    Returns manager code -> workbook path; ``{}`` without a contacts table.
    """
    if getattr(dataset, "contacts", None) is None:
        return {}
    report = executive_report(dataset, period=period, settings=settings, lang=lang)
    diag = diagnostics_for(dataset, period=report.period, settings=settings, lang=lang)
    return write_report_call_lists(with_targets(report, diag), out_dir)


# --------------------------------------------------------------------------- this month's actions
#: Kinds of executive action, in the order they are listed.
ACTION_KINDS = ("review_manager", "overdue_key", "save", "win_back", "call_lists")


def executive_actions(
    report: ContactDiscipline, *, at_risk: pd.DataFrame | None = None,
    queue: pd.DataFrame | None = None, top: int | None = None, max_actions: int = 5,
) -> list[dict[str, Any]]:
    """This month's actions for the executive page, derived from the data: who does what,
    for which customers and how much money.

    Rules, in order (at most ``max_actions``):

    1. ``review_manager`` -- owner: the director -- for each manager flagged by manager fit
       (highest churn first, at most two): their churn against the company's, and their
       customers at risk (``at_risk``), biggest value at risk first.
    2. ``overdue_key`` -- owner: the manager with the most money at stake among the overdue
       key accounts (:func:`cadence.at_stake`: 12-month revenue x days overdue; VIP first):
       that manager's overdue VIP/A customers in the overdue-key order; money = their
       12-month revenue.
    3. ``save`` -- owner: the manager with the most value at risk among the director's top
       ``top`` customers to save (:data:`DIRECTOR_TOP`): those customers; money = value at
       risk.
    4. ``win_back`` -- owner: the manager with the most expected recoverable revenue among the
       top ``top`` of the win-back queue: those customers; money = expected revenue.
    5. ``call_lists`` -- owner: the director: the whole save and win-back lists, by manager
       in the workbooks.

    Ties between managers go to the name first in sort order. An empty list, a missing
    table or a nobody-flagged fit simply leave the action out.

    Returns
    -------
    list of dict
        One dict per action: ``kind`` (:data:`ACTION_KINDS`), ``owner`` (a manager code or
        ``"director"``), ``customers`` (list of names, in order), ``count`` (int: customers
        concerned), ``money`` (float), ``money_kind`` (``"at_risk"``, ``"revenue"``,
        ``"expected"``) and the figures of the sentence (``manager``, ``rate``,
        ``company_rate``, ``lost``, ``customers_start``; ``total``, ``vip``; ``top``;
        ``save``, ``save_money``, ``winback``, ``winback_money``, ``managers``: the
        number of named managers, 0 when nobody is named).  Customers without a named
        manager make the director the owner of their action.
    """
    top = DIRECTOR_TOP if top is None else int(top)
    at_risk = report.at_risk if at_risk is None else at_risk
    queue = report.queue if queue is None else queue
    out: list[dict[str, Any]] = []

    def owner_of(frame: pd.DataFrame, money: np.ndarray) -> str:
        # customers without a named manager ("unassigned", or a file with no manager
        # column at all) are the director's to hand out, never a person called "unassigned"
        by = pd.Series(money, index=frame["manager"].astype(str).to_numpy()).groupby(
            level=0).sum()
        by = by.drop(index=[m for m in by.index if m.strip() in ("", UNASSIGNED)])
        if by.empty:
            return "director"
        best = by.max()
        return sorted(str(m) for m in by.index[by == best])[0]

    def mine_of(frame: pd.DataFrame, owner: str) -> pd.DataFrame:
        if owner == "director":  # nobody named: the director's list is all of it
            return frame
        return frame.loc[(frame["manager"].astype(str) == owner).to_numpy()]

    fit = report.fit
    if fit is not None and len(fit):
        flagged = fit.loc[fit["flagged"].to_numpy(dtype=bool)]
        flagged = flagged.iloc[np.lexsort((np.asarray(flagged.index.astype(str)),
                                           -flagged["churn_rate"].to_numpy(dtype=float)))]
        for m, row in list(flagged.iterrows())[:2]:
            mine = (at_risk.loc[(at_risk["manager"].astype(str) == str(m)).to_numpy()]
                    if at_risk is not None and len(at_risk) else None)
            out.append({
                "kind": "review_manager", "owner": "director", "manager": str(m),
                "rate": float(row["churn_rate"]),
                "company_rate": float(fit.attrs.get("company_rate", float("nan"))),
                "lost": int(row["lost"]), "customers_start": int(row["customers"]),
                "customers": [] if mine is None else mine["name"].astype(str).tolist(),
                "count": 0 if mine is None else len(mine),
                "money": 0.0 if mine is None else float(mine["value_at_risk"].sum()),
                "money_kind": "at_risk",
            })
    ok = report.overdue_key
    if ok is not None and len(ok):
        m = owner_of(ok, cadence.at_stake(ok))
        mine = mine_of(ok, m)
        out.append({
            "kind": "overdue_key", "owner": m, "customers": mine["name"].astype(str).tolist(),
            "count": len(mine), "total": len(ok), "vip": int((mine["tier"] == "VIP").sum()),
            "money": float(mine["value"].sum()) if "value" in mine.columns else 0.0,
            "money_kind": "revenue",
        })
    for kind, frame, col, money_kind in (("save", at_risk, "value_at_risk", "at_risk"),
                                         ("win_back", queue, "expected_revenue", "expected")):
        if frame is None or not len(frame):
            continue
        head = frame.head(top)
        m = owner_of(head, head[col].to_numpy(dtype=float))
        mine = mine_of(head, m)
        out.append({
            "kind": kind, "owner": m, "customers": mine["name"].astype(str).tolist(),
            "count": len(mine), "top": len(head), "money": float(mine[col].sum()),
            "money_kind": money_kind,
        })
    if (at_risk is not None and len(at_risk)) or (queue is not None and len(queue)):
        n_save = 0 if at_risk is None else len(at_risk)
        n_wb = 0 if queue is None else len(queue)
        managers_ = set()
        for frame in (at_risk, queue):
            if frame is not None:
                managers_ |= {m for m in frame["manager"].astype(str)
                              if m.strip() not in ("", UNASSIGNED)}
        out.append({
            "kind": "call_lists", "owner": "director", "customers": [],
            "count": n_save + n_wb, "save": n_save,
            "save_money": 0.0 if at_risk is None else float(at_risk["value_at_risk"].sum()),
            "winback": n_wb,
            "winback_money": 0.0 if queue is None else float(queue["expected_revenue"].sum()),
            "managers": len(managers_),
            "money": (0.0 if at_risk is None else float(at_risk["value_at_risk"].sum()))
            + (0.0 if queue is None else float(queue["expected_revenue"].sum())),
            "money_kind": "at_stake",
        })
    return out[:max_actions]


# --------------------------------------------------------------------------- helpers
def _wrap(*parts: str):
    return d.html("".join(parts))


def _h2(report: ContactDiscipline, name: str, **kwargs: Any) -> str:
    text = report.tr.t(f"discipline.headings.{name}", **kwargs)
    return (f'<div class="rl-report"><h2 id="{d.escape(_ANCHOR[name])}">'
            f"{d.escape(text)}</h2></div>")


def _off(report: ContactDiscipline, section: str) -> str:
    tr = report.tr
    return d.section_off(report.sections_off[section], tr.t(f"discipline.sections.{section}"),
                         tr=tr)


def _note(text: str) -> str:
    return f'<div class="rl-report">{d.note_html(text)}</div>'


def _tiers_text(report: ContactDiscipline) -> str:
    tr = report.tr
    return ", ".join(tr.label("tier", t) for t in report.settings.key_tiers)


def _pct(tr: Translator):
    return lambda x: tr.percent(None if x is None or pd.isna(x) else float(x), decimals=0)


def _date(tr: Translator, never: bool = False):
    def fmt(x: Any) -> str:
        if x is None or pd.isna(x):
            return tr.t("discipline.never") if never else ""
        return tr.short_date(x)
    return fmt


def _int(tr: Translator):
    return lambda v: "" if v is None or pd.isna(v) else tr.number(int(v))


def _manager(tr: Translator, m: Any) -> str:
    return tr.label("manager", m)


def _col(tr: Translator, key: str) -> str:
    return tr.t(f"discipline.col.{key}")


# --------------------------------------------------------------------------- sections
def section_header(report: ContactDiscipline):
    """Styles (once) and the title: company, period, "data as of", subtitle."""
    tr = report.tr
    return _wrap(
        d.style_block(), ROW_CSS,
        d.title_html(company=report.company, period_label=report.period_label,
                     as_of=tr.date(report.as_of), subtitle=tr.t("discipline.subtitle"),
                     tr=tr, partial=periods.ends_early(report.as_of)),
    )


def section_contents(report: ContactDiscipline):
    """A short table of contents linking to the section headings."""
    tr = report.tr
    tiers = _tiers_text(report)
    items = "".join(  # extra keyword arguments are ignored by headings without {tiers}
        f'<li><a href="#{d.escape(a)}">{d.escape(tr.t(k, tiers=tiers))}</a></li>'
        for a, k in DISCIPLINE_SECTIONS
    )
    title = d.escape(tr.t("discipline.contents"))
    return _wrap(
        f'<div class="rl-report"><nav class="rl-toc" aria-label="{title}">'
        f'<p class="rl-toc-title">{title}</p><ol>{items}</ol></nav></div>'
    )


def section_kpis(report: ContactDiscipline):
    """KPI tiles: share within cadence, overdue customers, overdue key accounts, forgotten
    lost customers, flagged managers."""
    tr = report.tr
    if report.compliance is None:
        return _wrap(_h2(report, "kpis"), _off(report, "compliance"))
    comp = report.compliance
    n = len(comp)
    over = int((comp["status"] == "overdue").sum())
    soon = int((comp["status"] == "due soon").sum())
    key = 0 if report.overdue_key is None else len(report.overdue_key)
    forgotten = 0 if report.never is None else len(report.never)
    tiers = _tiers_text(report)
    tiles = [
        d.Kpi(tr.t("discipline.kpi.within"),
              tr.percent((n - over) / n if n else None, decimals=0),
              tr.t("discipline.kpi.within_detail", within=n - over, total=n)),
        d.Kpi(tr.t("discipline.kpi.overdue"), tr.number(over),
              tr.t("discipline.kpi.overdue_detail", due_soon=soon,
                   count=int(comp.attrs.get("due_soon_days", 7)))),
        d.Kpi(tr.t("discipline.kpi.key", tiers=tiers), tr.number(key),
              tr.t("discipline.kpi.key_detail")),
        d.Kpi(tr.t("discipline.kpi.forgotten"), tr.number(forgotten),
              tr.t("discipline.kpi.forgotten_detail")),
    ]
    if report.fit is not None:
        names = ", ".join(_manager(tr, m) for m in report.flagged)
        tiles.append(d.Kpi(tr.t("discipline.kpi.flagged"), tr.number(len(report.flagged)),
                           names or tr.t("discipline.kpi.flagged_none")))
    return _wrap(_h2(report, "kpis"), d.kpi_tiles(tiles, tr=tr))


def _worst_text(report: ContactDiscipline, by: str, key: Any, n: int = 3) -> str:
    ok = report.overdue_key
    if ok is None or not len(ok):
        return ""
    rows = ok.loc[(ok[by].astype(object) == key).to_numpy(bool)].head(n)
    tr = report.tr
    return "; ".join(
        tr.t("discipline.worst_item", name=str(r.name), tier=tr.label("tier", r.tier),
             days=int(r.days_overdue))
        for r in rows.itertuples()
    )


def _summary_table(report: ContactDiscipline, summary: pd.DataFrame, by: str,
                   caption: str) -> str:
    tr = report.tr
    label = (lambda v: _manager(tr, v)) if by == "manager" else (lambda v: tr.label("tier", v))
    t = pd.DataFrame({
        _col(tr, by): [label(k) for k in summary.index],
        _col(tr, "customers"): summary["customers"].to_numpy(),
        _col(tr, "within_n"): summary["within_cadence"].to_numpy(),
        _col(tr, "within_share"): summary["share_within"].to_numpy(),
        _col(tr, "due_soon"): summary["due_soon"].to_numpy(),
        _col(tr, "overdue"): summary["overdue"].to_numpy(),
        _col(tr, "attempts"): summary["attempts"].to_numpy(),
        _col(tr, "worst"): [_worst_text(report, by, k) for k in summary.index],
    })
    ints = ("customers", "within_n", "due_soon", "overdue", "attempts")
    formats = {_col(tr, c): _int(tr) for c in ints}
    formats[_col(tr, "within_share")] = _pct(tr)
    return d.table_html(t, caption=caption, formats=formats, tr=tr)


def section_compliance_by_manager(report: ContactDiscipline):
    """Per-manager compliance: stacked-bar chart and table (worst first)."""
    tr = report.tr
    if report.by_manager is None:
        off = "by_manager" if "by_manager" in report.sections_off else "compliance"
        return _wrap(_h2(report, "by_manager"), _off(report, off))
    s = report.by_manager
    if len(s):
        alt = tr.t("discipline.alt.compliance", manager=_manager(tr, s.index[0]),
                   share=tr.percent(float(s["share_within"].iloc[0]), decimals=0))
    else:
        alt = tr.t("discipline.note.no_customers")
    shown = s.set_axis([_manager(tr, m) for m in s.index])
    fig = cadence_plots.plot_compliance(shown, tr=tr)
    return _wrap(
        _h2(report, "by_manager"),
        d.figure_html(fig, alt=alt),
        _summary_table(report, s, "manager", tr.t("discipline.caption.by_manager")),
        _note(tr.t("discipline.note.attempts")),
    )


def _rules_text(report: ContactDiscipline) -> str:
    tr = report.tr
    items = []
    for tier, r in report.settings.cadence.items():
        name = tr.t("discipline.tier.lost") if tier == "lost" else tr.label("tier", tier)
        if r.call_days and r.meeting_days:
            items.append(tr.t("discipline.rule.call_meeting", tier=name, call=int(r.call_days),
                              meeting=int(r.meeting_days)))
        elif r.call_days:
            items.append(tr.t("discipline.rule.call", tier=name, call=int(r.call_days)))
        elif r.meeting_days:
            items.append(tr.t("discipline.rule.meeting", tier=name,
                              meeting=int(r.meeting_days)))
    return "; ".join(items)


def section_compliance_by_tier(report: ContactDiscipline):
    """Compliance per value tier (table) and the required rhythm per tier."""
    tr = report.tr
    if report.by_tier is None:
        return _wrap(_h2(report, "by_tier"), _off(report, "compliance"))
    notes = [tr.t("discipline.note.rules", rules=_rules_text(report))]
    if report.settings.cadence_scale_by_cycle:
        lo, hi = report.settings.cadence_cycle_bounds
        notes.append(tr.t("discipline.note.scaled", lo=float(lo), hi=float(hi)))
    return _wrap(
        _h2(report, "by_tier"),
        _summary_table(report, report.by_tier, "tier", tr.t("discipline.caption.by_tier")),
        *(_note(n) for n in notes),
    )


def _channel_text(tr: Translator, kind: str, status: Any, days: Any) -> str:
    """A requirement's status in words with its icon: ``"■ 12 d overdue"``,
    ``"■ no meeting yet"``, ``"▲ due soon"``, ``"● ok"``; ``""`` without a rule."""
    status = "" if status is None or pd.isna(status) else str(status)
    if status == "overdue":
        return tr.t("lists.channel.overdue", days=int(days))
    if status == "never":
        return tr.t(f"lists.channel.never_{kind}")
    return status_text(status, tr) if status else ""


def _compliance_rows(report: ContactDiscipline, comp: pd.DataFrame, *, caption: str,
                     max_rows: int | None, compact: bool = False) -> str:
    tr = report.tr
    c = lambda k: _col(tr, k)  # noqa: E731
    total = len(comp)
    if max_rows is not None:  # format only the rows shown (1M+ customers at scale)
        comp = comp.iloc[:max_rows]
    if "call_status" not in comp.columns:  # a table from before the per-channel statuses
        comp = comp.assign(call_status="", meeting_status="", call_days_overdue=0,
                           meeting_days_overdue=0, value=float("nan"))
    t = pd.DataFrame({
        c("status"): [status_text(s, tr) for s in comp["status"].astype(object)],
        c("customer"): comp["name"].to_numpy(),
        c("tier"): [tr.label("tier", x) for x in comp["tier"].astype(object)],
        c("manager"): [_manager(tr, m) for m in comp["manager"].astype(object)],
        tr.t("lists.col.value"): comp["value"].to_numpy(dtype="float64"),
        tr.t("lists.col.call"): [
            _channel_text(tr, "call", st, dd)
            for st, dd in zip(comp["call_status"], comp["call_days_overdue"], strict=True)],
        c("last_call"): [_date(tr, never=True)(x) for x in comp["last_call"]],
        c("call_every"): comp["call_required_days"].to_numpy(),
        tr.t("lists.col.meeting"): [
            _channel_text(tr, "meeting", st, dd)
            for st, dd in zip(comp["meeting_status"], comp["meeting_days_overdue"],
                              strict=True)],
        c("last_meeting"): [
            "" if pd.isna(r) else _date(tr, never=True)(x)
            for x, r in zip(comp["last_meeting"], comp["meeting_required_days"], strict=True)
        ],
        c("meeting_every"): comp["meeting_required_days"].to_numpy(),
        c("attempts"): comp["attempts"].to_numpy(),
    })
    if compact:  # the executive page: who, how much, and the two statuses
        t = t.drop(columns=[c(k) for k in ("last_call", "call_every", "last_meeting",
                                           "meeting_every", "attempts")])
    shown = len(t) if max_rows is None else min(max_rows, len(t))
    classes = [_ROW_CLASS.get(s, "") for s in comp["status"].astype(object)][:shown]
    formats = {c(k): _int(tr) for k in ("call_every", "meeting_every", "attempts")
               if c(k) in t.columns}
    formats[tr.t("lists.col.value")] = (
        lambda v: "" if v is None or pd.isna(v) else report.money(float(v)))
    return d.table_html(t, caption=caption, max_rows=max_rows, row_classes=classes,
                        formats=formats, tr=tr, total_rows=total)


def section_overdue_key_accounts(report: ContactDiscipline, *, max_rows: int = 25):
    """The most overdue key accounts (``settings.key_tiers``: VIP and A), with manager."""
    tr = report.tr
    tiers = _tiers_text(report)
    if report.overdue_key is None:
        return _wrap(_h2(report, "overdue_key", tiers=tiers), _off(report, "compliance"))
    return _wrap(_h2(report, "overdue_key", tiers=tiers), _compliance_rows(
        report, report.overdue_key, caption=tr.t("lists.caption.overdue_key"),
        max_rows=max_rows), _note(_overdue_key_note(report)))


def _overdue_key_note(report: ContactDiscipline) -> str:
    """How the overdue key accounts are ordered, and what "no meeting yet" means."""
    start = None if report.compliance is None else report.compliance.attrs.get("log_start")
    tr = report.tr
    return tr.t("lists.note.overdue_key",
                start=tr.date(start) if start is not None and not pd.isna(start) else "—")


def section_compliance_table(report: ContactDiscipline, *, max_rows: int = 400):
    """Every active customer's compliance; overdue rows tinted and marked ■ (icon + word)."""
    tr = report.tr
    if report.compliance is None:
        return _wrap(_h2(report, "table"), _off(report, "compliance"))
    return _wrap(
        _h2(report, "table"),
        _note(tr.t("lists.note.table")),
        _compliance_rows(report, report.compliance, caption=tr.t("discipline.caption.table"),
                         max_rows=max_rows),
    )


def section_contact_plan(report: ContactDiscipline):
    """Next month's plan per manager: calls, meetings, keep-in-touch contacts due."""
    tr = report.tr
    if report.plan is None:
        return _wrap(_h2(report, "plan"), _off(report, "plan"))
    plan = report.plan
    end = plan.attrs.get("period_end", report.as_of + pd.offsets.MonthEnd(1))
    if plan.empty:
        return _wrap(_h2(report, "plan"), _note(tr.t("discipline.note.plan_empty")))
    man = plan["manager"].astype(object)
    counts = (
        pd.crosstab(man, plan["action"].astype(object))
        .reindex(columns=["call", "meeting", "keep in touch"], fill_value=0)
    )
    late = plan["status"].isin(["overdue", "never"]).to_numpy(dtype=bool)
    active = (plan["action"] != "keep in touch").to_numpy(dtype=bool)
    late_tasks = pd.Series(late, index=plan.index).groupby(man.to_numpy()).sum()
    late_customers = (plan.loc[late & active].groupby(man[late & active].to_numpy())
                      ["customer_id"].nunique())
    t = pd.DataFrame({
        _col(tr, "manager"): [_manager(tr, m) for m in counts.index],
        _col(tr, "calls"): counts["call"].to_numpy(),
        _col(tr, "meetings"): counts["meeting"].to_numpy(),
        _col(tr, "keep_in_touch"): counts["keep in touch"].to_numpy(),
        tr.t("lists.col.overdue_customers"):
            late_customers.reindex(counts.index, fill_value=0).to_numpy(dtype=np.int64),
        tr.t("lists.col.overdue_tasks"):
            late_tasks.reindex(counts.index, fill_value=0).to_numpy(dtype=np.int64),
    })
    formats = {c: _int(tr) for c in t.columns[1:]}
    days = plan.attrs.get("spread_days") or 10
    return _wrap(
        _h2(report, "plan"),
        _note(tr.t("lists.note.plan", start=tr.date(report.as_of + pd.Timedelta(days=1)),
                   end=tr.date(end), days=int(days))),
        d.table_html(t, caption=tr.t("discipline.caption.plan"), formats=formats, tr=tr),
    )


def section_never_disappear(report: ContactDiscipline, *, max_rows: int = 30):
    """Lost customers nobody contacted within the never-disappear rhythm, by former value."""
    tr = report.tr
    if report.never is None:
        return _wrap(_h2(report, "never"), _off(report, "never"))
    days = int(report.never.attrs.get("lost_days", 365))
    total = len(report.never)
    nv = report.never.iloc[:max_rows]  # format only the rows shown
    t = pd.DataFrame({
        _col(tr, "customer"): nv["name"].to_numpy(),
        _col(tr, "manager"): [_manager(tr, m) for m in nv["manager"].astype(object)],
        _col(tr, "last_purchase"): [_date(tr)(x) for x in nv["last_purchase"]],
        _col(tr, "lost_on"): [_date(tr)(x) for x in nv["lost_on"]],
        _col(tr, "last_contact"): [_date(tr, never=True)(x) for x in nv["last_contact"]],
        _col(tr, "former_value"): nv["former_value"].to_numpy(),
    })
    return _wrap(
        _h2(report, "never"),
        _note(tr.t("discipline.note.never", days=days, count=total)),
        d.table_html(t, caption=tr.t("discipline.caption.never"), max_rows=max_rows,
                     formats={_col(tr, "former_value"): report.money}, tr=tr,
                     total_rows=total),
    )


def section_funnel(report: ContactDiscipline):
    """Funnel chart, conversions over 12 months, and the funnel per manager."""
    tr = report.tr
    if report.funnel_counts is None:
        raise ValueError("this report was built with with_funnel=False; build it with the "
                         "funnel to show the funnel section")
    c = report.funnel_counts
    stage = lambda s: tr.label("discipline.stage", s)  # noqa: E731
    alt = tr.t("discipline.alt.funnel", stages=", ".join(
        tr.t("discipline.alt.funnel_item", stage=stage(s), count=int(r))
        for s, r in zip(c.index, c["reached"], strict=True)))
    conv = report.conversions
    ct = pd.DataFrame({
        _col(tr, "start_stage"): [stage(s) for s in conv.index],
        _col(tr, "customers"): conv["customers"].to_numpy(),
        _col(tr, "advanced"): conv["advanced"].to_numpy(),
        _col(tr, "same"): conv["same"].to_numpy(),
        _col(tr, "fell_back"): conv["fell_back"].to_numpy(),
        _col(tr, "lost"): conv["lost"].to_numpy(),
        _col(tr, "advance_rate"): conv["advance_rate"].to_numpy(),
    })
    cformats = {col: _int(tr) for col in ct.columns[1:-1]}
    cformats[_col(tr, "advance_rate")] = _pct(tr)
    fm = report.funnel_by_manager
    by_manager = ""
    if fm is not None:
        mt = pd.DataFrame({_col(tr, "manager"): [_manager(tr, m) for m in fm.index]})
        mt[_col(tr, "customers")] = fm["customers"].to_numpy()
        for s in funnel.STAGES:
            mt[stage(s)] = fm[s].to_numpy()
        by_manager = d.table_html(mt, caption=tr.t("discipline.caption.funnel_by_manager"),
                                  formats={col: _int(tr) for col in mt.columns[1:]}, tr=tr)
    s = report.settings
    return _wrap(
        _h2(report, "funnel"),
        d.figure_html(cadence_plots.plot_funnel(c, tr=tr), alt=alt),
        d.table_html(ct, caption=tr.t("discipline.caption.conversions"), formats=cformats,
                     tr=tr),
        by_manager,
        _note(tr.t("discipline.note.funnel", months=int(s.funnel_regular_months),
                   factor=float(s.funnel_expansion_factor), tiers=_tiers_text(report))),
    )


def section_manager_fit(report: ContactDiscipline):
    """Churn and compliance per manager next to the company, with the binomial flag."""
    tr = report.tr
    if report.fit is None:
        return _wrap(_h2(report, "manager_fit"), _off(report, "manager_fit"))
    fit = report.fit
    rate = fit.attrs["company_rate"]
    shown = fit.loc[fit["customers"] > 0]
    chart = pd.DataFrame({
        "churn_rate": shown["churn_rate"].to_numpy(),
        "lost": shown["lost"].to_numpy(),
        "active_at_start": shown["customers"].to_numpy(),
    }, index=[f"{_manager(tr, m)}{' ⚑' if f else ''}"
              for m, f in zip(shown.index, shown["flagged"], strict=True)])
    fig = plots.plot_churn_by_group(
        chart, title=tr.t("discipline.plots.fit_title"), overall=rate,
        normal_max=report.settings.churn_normal_max,
        critical_min=report.settings.churn_critical_min, tr=tr,
    )
    flagged = report.flagged
    alt = (tr.t("discipline.alt.fit_flagged", rate=tr.percent(rate),
                managers=", ".join(_manager(tr, m) for m in flagged))
           if flagged else tr.t("discipline.alt.fit_none", rate=tr.percent(rate)))
    c = lambda k: _col(tr, k)  # noqa: E731
    t = pd.DataFrame({
        c("flag"): [tr.t("discipline.flag") if f else "" for f in fit["flagged"]],
        c("manager"): [_manager(tr, m) for m in fit.index],
        c("customers_start"): fit["customers"].to_numpy(),
        c("lost"): fit["lost"].to_numpy(),
        c("churn"): [tr.percent(x) for x in fit["churn_rate"]],
        c("company_churn"): [tr.percent(rate)] * len(fit),
        c("p_value"): ["" if pd.isna(p) else tr.number(float(p), decimals=3)
                       for p in fit["p_value"]],
        c("active_now"): fit["compliance_customers"].to_numpy(),
        c("within_share"): [tr.percent(None if pd.isna(x) else float(x), decimals=0)
                            for x in fit["compliance_share"]],
    })
    return _wrap(
        _h2(report, "manager_fit"),
        d.figure_html(fig, alt=alt),
        d.table_html(t, caption=tr.t("discipline.caption.fit"),
                     row_classes=["rl-flag" if f else "" for f in fit["flagged"]],
                     formats={c(k): _int(tr) for k in ("customers_start", "lost",
                                                       "active_now")}, tr=tr),
        _note(tr.t("discipline.note.fit", rate=tr.percent(rate),
                   alpha=float(fit.attrs["alpha"]))),
    )


def section_definitions(report: ContactDiscipline):
    """Definitions, contacts data quality and sections left out."""
    tr = report.tr
    s = report.settings
    req = ("discipline.def.requirement_text_meeting_call" if s.meeting_counts_as_call
           else "discipline.def.requirement_text")
    due = int(report.compliance.attrs.get("due_soon_days", s.cadence_due_soon_days)
              if report.compliance is not None else s.cadence_due_soon_days)
    defs = [
        (tr.t("discipline.def.contact"), tr.t("discipline.def.contact_text")),
        (tr.t("discipline.def.requirement"), tr.t(req)),
        (tr.t("discipline.def.days_overdue"), tr.t("lists.def.days_overdue_text")),
        (tr.t("discipline.def.due_soon"), tr.t("discipline.def.due_soon_text", count=due)),
        (tr.t("discipline.def.within"), tr.t("discipline.def.within_text")),
        (tr.t("discipline.def.former_value"), tr.t("discipline.def.former_value_text")),
        (tr.t("discipline.def.manager_churn"), tr.t("discipline.def.manager_churn_text")),
    ]
    parts = [_h2(report, "definitions"), d.definitions_html(defs)]
    q = report.contact_quality
    if q is not None:
        parts.append(d.paragraphs_html([tr.t(
            "discipline.dq", rows=int(q["rows"]), attempts=int(q["attempts"]),
            unknown=int(q["unknown_customer"]), no_manager=int(q["no_manager"]))],
            css_class="rl-report"))
    if report.sections_off:
        parts.append(d.paragraphs_html(
            [tr.t("discipline.left_out", section=tr.t(f"discipline.sections.{sec}"),
                  file=d.needed_file(tbl, tr=tr))
             for sec, tbl in report.sections_off.items()], css_class="rl-report"))
    parts.append(_note(tr.t("discipline.note.data_until", date=tr.date(report.as_of))))
    return _wrap(*parts)


# --------------------------------------------------------------------------- executive
def executive_section(report: ContactDiscipline, *, link: str = "contact_discipline.html",
                      top: int = 5) -> str:
    """HTML for the executive report: compliance % by manager, the top overdue key accounts
    (name, tier, manager) and a link to the full page; in the report's language.

    The heading is ``<h2 id="rl-contact-discipline">`` (for a table of contents). Returns a
    plain HTML string (wrap with :func:`retention_lib.present.display.html`); without contacts, the
    section-off sentence.
    """
    tr = report.tr
    head = (ROW_CSS + '<div class="rl-report"><h2 id="rl-contact-discipline">'
            f'{d.escape(tr.t("discipline.headings.executive"))}</h2></div>')
    if report.compliance is None:
        return head + _off(report, "compliance")
    if report.by_manager is None:  # no manager column: the key accounts overdue only
        parts = [head, _off(report, "by_manager")]
        if report.overdue_key is not None and len(report.overdue_key):
            parts.append(_compliance_rows(report, report.overdue_key,
                                          caption=tr.t("discipline.caption.executive_key"),
                                          max_rows=top))
        return "".join(parts)
    s = report.by_manager
    flagged = set(report.flagged)
    t = pd.DataFrame({
        _col(tr, "manager"): [_manager(tr, m) for m in s.index],
        _col(tr, "customers"): s["customers"].to_numpy(),
        _col(tr, "within_share"): s["share_within"].to_numpy(),
        _col(tr, "overdue"): s["overdue"].to_numpy(),
        _col(tr, "flag"): [tr.t("discipline.flag_exec") if m in flagged else ""
                           for m in s.index],
    })
    formats = {_col(tr, "customers"): _int(tr), _col(tr, "overdue"): _int(tr),
               _col(tr, "within_share"): _pct(tr)}
    parts = [head, d.table_html(t, caption=tr.t("discipline.caption.executive"),
                                formats=formats, tr=tr)]
    if report.overdue_key is not None and len(report.overdue_key):
        parts.append(_compliance_rows(report, report.overdue_key,
                                      caption=tr.t("lists.caption.executive_key"),
                                      max_rows=top, compact=True))
    anchor = f'<a href="{d.escape(link)}">{d.escape(tr.t("discipline.note.link"))}</a>'
    marker = "\x00LINK\x00"
    text = d.escape(tr.t("discipline.note.details", link=marker)).replace(
        d.escape(marker), anchor)
    parts.append(f'<div class="rl-report"><p class="rl-note">{text}</p></div>')
    return "".join(parts)


def executive_block(
    dataset, *, period: str = "", settings: Settings | None = None, lang: str | None = None
):
    """One-call notebook cell for the executive report: builds the contact-discipline tables
    (without the funnel) and returns :func:`executive_section` as a displayable HTML object,
    in ``lang`` (default ``settings.language``)."""
    report = executive_report(dataset, period=period, settings=settings, lang=lang)
    return d.html(executive_section(report))


def executive_report(
    dataset, *, period: str = "", settings: Settings | None = None, lang: str | None = None
) -> ContactDiscipline:
    """The contact-discipline report of the executive block and the call lists: the full
    report without the funnel (:func:`build_contact_discipline` with ``with_funnel=False``,
    cached like it)."""
    return build_contact_discipline(dataset, period=period, settings=settings, lang=lang,
                                    with_funnel=False)


def seed_executive_report(
    full: ContactDiscipline, dataset, *, period: str, settings: Settings | None = None,
    lang: str | None = None,
) -> bool:
    """Store :func:`without_funnel` of the full report ``full`` in the run cache as the
    result of :func:`executive_report` for the same arguments (it is not built twice);
    ``False`` when no run cache is active."""
    return build_contact_discipline.seed(
        without_funnel(full), dataset, period=period, settings=settings, lang=lang,
        with_funnel=False,
    )
