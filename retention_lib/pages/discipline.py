"""The contact-discipline report's tables: compliance, contact plan, never-disappear, funnel,
manager fit.

:func:`build_contact_discipline` computes, once, everything
``notebooks/contact_discipline.ipynb`` shows and returns a :class:`ContactDiscipline`;
:func:`executive_report` is the same without the funnel (the executive block and the call
lists); :func:`discipline_metrics` / :func:`discipline_metrics_section` give the
``compliance`` section of ``metrics.json``.

The rest of the page lives beside this module:
:mod:`~retention_lib.pages.discipline_sections` renders the page's sections (one library call
per notebook cell), :mod:`~retention_lib.pages.discipline_executive` the executive block and
this month's actions, :mod:`~retention_lib.pages.discipline_calllists` the per-manager call
lists; :mod:`~retention_lib.pages.discipline_format` holds the formatting they share.

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
from typing import Any

import pandas as pd

from ..analysis import (
    cadence,
    cadence_intervals,
    contact_planning,
    contacts_log,
    funnel,
    lost_contacts,
    managers,
)
from ..analysis._discipline_inputs import factorized, shared_inputs
from ..analysis.churn import churn_rate, customer_status, shared_history
from ..analysis.shared import rows_until
from ..analysis.tiers import value_tiers
from ..caching.memo import cached_build
from ..config import Settings
from ..i18n import Translator, get_translator
from .context import month_rows, settings_of

__all__ = [
    "ContactDiscipline",
    "build_contact_discipline",
    "discipline_metrics",
    "discipline_metrics_section",
    "executive_report",
    "seed_executive_report",
    "with_targets",
    "without_funnel",
]


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
        funnel (:func:`executive_report`: the metrics, the executive block, the call lists).
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
    settings = settings_of(dataset, settings)
    tr = get_translator(lang or settings.language)
    if due_soon_days is None:
        due_soon_days = settings.cadence_due_soon_days
    period, (as_of, _, window_start), tx = month_rows(dataset, period)
    customers = dataset.customers
    tiers_now = _tiers_at(tx, as_of, settings)
    status = customer_status(tx, as_of=as_of, lapse_days=settings.lapse_days,
                             customers=customers)
    sections_off: dict[str, str] = {}
    # the manager sections follow the data: without customers.manager they are off
    has_manager = managers.has_managers(customers)
    manager_source = "customers" if customers is None else "customers.manager"

    if dataset.contacts is not None:
        tables = _contact_tables(
            dataset, tx, as_of=as_of, status=status, tiers_now=tiers_now, settings=settings,
            due_soon_days=due_soon_days, has_manager=has_manager,
        )
        if not has_manager:  # one "unassigned" bar tested against itself says nothing: off
            sections_off["by_manager"] = manager_source
    else:
        tables = dict.fromkeys(("compliance", "by_manager", "by_tier", "overdue_key", "plan",
                                "never", "contact_quality"))
        for sec in ("compliance", "plan", "never"):
            sections_off[sec] = "contacts"

    funnel_tables = dict.fromkeys(("stages", "funnel_counts", "funnel_by_manager",
                                   "conversions", "conversions_by_manager"))
    if with_funnel:
        funnel_tables = _funnel_tables(
            tx, start=window_start, as_of=as_of, tiers_now=tiers_now, status=status,
            customers=customers, settings=settings, has_manager=has_manager,
        )
    fit = None
    if has_manager:
        rates = churn_rate(tx, end=as_of, by="manager", customers=customers,
                           lapse_days=settings.lapse_days)
        fit = managers.manager_fit(rates, compliance=tables["by_manager"],
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
        **tables,
        **funnel_tables,
        fit=fit,
        sections_off=sections_off,
    )


def _contact_tables(
    dataset, tx: pd.DataFrame, *, as_of: pd.Timestamp, status: pd.DataFrame,
    tiers_now: pd.DataFrame, settings: Settings, due_soon_days: int, has_manager: bool,
) -> dict[str, Any]:
    """The tables that need the contacts log: compliance (overall, by manager when the
    customers have one, by tier), the overdue key accounts, never-disappear, next month's
    plan and the contacts' data quality (keyed by :class:`ContactDiscipline` attribute)."""
    customers = dataset.customers
    key_tiers = tuple(settings.key_tiers)
    contacts = rows_until(dataset.contacts, as_of)
    book = cadence.active_book(status, tiers=tiers_now, customers=customers)
    cycle = (cadence_intervals.purchase_cycle(tx, as_of=as_of)
             if settings.cadence_scale_by_cycle else None)
    compliance = cadence.compliance_table(
        contacts, book=book, as_of=as_of, cadence=settings.cadence,
        due_soon_days=due_soon_days, cycle=cycle,
        cycle_bounds=tuple(settings.cadence_cycle_bounds),
        meeting_counts_as_call=settings.meeting_counts_as_call,
    )
    by_manager = None
    if has_manager:
        by_manager = cadence.compliance_summary(compliance, by="manager",
                                                worst_tiers=key_tiers)
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
    return {"compliance": compliance, "by_manager": by_manager, "by_tier": by_tier,
            "overdue_key": overdue_key, "plan": plan, "never": never,
            "contact_quality": quality}


def _funnel_tables(
    tx: pd.DataFrame, *, start: pd.Timestamp, as_of: pd.Timestamp, tiers_now: pd.DataFrame,
    status: pd.DataFrame, customers: pd.DataFrame | None, settings: Settings,
    has_manager: bool,
) -> dict[str, pd.DataFrame | None]:
    """The development funnel at ``as_of`` and its 12-month conversions from ``start``
    (per manager only when the customers have one), keyed by :class:`ContactDiscipline`
    attribute."""
    fkw = {"customers": customers, "lapse_days": settings.lapse_days}
    stage_kw = {"regular_months": settings.funnel_regular_months,
                "expansion_factor": settings.funnel_expansion_factor,
                "key_tiers": tuple(settings.key_tiers)}
    # one preparation for the stages at as_of and the 12-month transitions; the stages
    # at as_of are the transitions' end stages and reuse the build's status
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
    by_mgr = conv_mgr = None
    if has_manager:  # per manager only when the customers have one
        by_mgr = funnel.funnel_by_manager(stages)
        conv_mgr = funnel.conversion_summary(transitions, by="manager")
    return {"stages": stages, "funnel_counts": counts, "funnel_by_manager": by_mgr,
            "conversions": conv, "conversions_by_manager": conv_mgr}


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


def with_targets(report: ContactDiscipline, diagnostics: Any) -> ContactDiscipline:
    """``report`` with the save and win-back targets of a
    :class:`retention_lib.pages.diagnostics.Diagnostics` of the same period (its ``at_risk`` list
    and win-back ``queue``), for the call lists."""
    return dataclasses.replace(report, at_risk=diagnostics.at_risk, queue=diagnostics.queue)


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
