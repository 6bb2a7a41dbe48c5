"""The CLV page (``notebooks/clv.ipynb``) and the CLV pieces of the executive report.

:func:`build_clv_page` fits the model on the customer summary at the report date, predicts
per customer, joins value tiers (with the predicted 12-month CLV as their *potential*, DESIGN
rule 2), names and managers, and runs the calibration/holdout check; the ``clv_*`` section
functions of :mod:`retention_lib.pages.clv_sections` render one section each, in the
language of ``settings.language`` (with the HTML pieces of :mod:`retention_lib.pages.clv_html`
they share with :func:`executive_clv`).
:func:`tier_potential` (value tier × potential) and :func:`p_alive_drops` (customers whose
probability alive fell most since the previous month) are plain analyses.

The page and the executive block read the one cached fit of
:mod:`retention_lib.pages.clv_core` (which also gives the ``clv`` key of ``metrics.json`` and
the probability alive the churn diagnostics use):

* :func:`executive_clv` — the executive report's CLV section (revenue expected over the next
  12 months, largest drops in probability alive, link to ``clv.html``).

Every word a reader sees comes from the ``clv`` section of the message catalogs
(:mod:`retention_lib.i18n`); numbers, money, percentages and dates are formatted by the
translator's locale.  Fit notes are stored as codes (:attr:`CLVModel.fit_codes_`) and
translated by :func:`retention_lib.pages.clv_html.note_text` (catalog ``clv.notes.<code>``).

Definitions (printed in the page's definitions section)
-------------------------------------------------------
Model settings
    From ``settings.extra["clv"]`` (YAML ``extra: {clv: {model: bgnbd, time_unit: W,
    penalizer: 0.0, discount_rate_monthly: 0.01}}``), else those defaults.
Summary
    :func:`retention_lib.analysis.summary.customer_summary` at the report date (the last day of
    ``period``) in days, fitted in weeks (days / 7).
Potential
    Predicted discounted 12-month CLV (``clv_12m``).  Potential classes rank customers with a
    prediction: ``high`` = top 20 %, ``medium`` = next 30 %, ``low`` = the other 50 %;
    ``unknown`` when no prediction could be made.
Expected revenue over the next 12 months
    Sum over existing customers of expected repeat purchases in the next 12 months (365.25
    days) × expected average spend, undiscounted; new customers are not included.
Drop in probability alive
    The model fitted at the report date, evaluated on each customer's history at the
    previous month end and at the report date: the change isolates what the customer did
    (or failed to do) during the month.
Validation
    Calibration ends ``holdout`` weeks before the report date, with ``holdout`` = 39 weeks or
    a third of the data's span if shorter (at least 4 weeks); a second model is fitted on the
    calibration period only and compared with what happened afterwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.clv import CLVModel, fit_clv
from ..analysis.clv_holdout import (
    calibration_holdout_split,
    cumulative_transactions,
    holdout_by_frequency,
    holdout_errors,
)
from ..analysis.clv_outputs import clv_metrics, p_alive_matrix
from ..analysis.customer_days import shared_customer_codes
from ..analysis.shared import rows_until
from ..analysis.summary import customer_summary
from ..analysis.tiers import value_tiers_aligned
from ..caching.memo import cached_build
from ..config import Settings
from ..i18n import Translator, get_translator
from ..present import display as d
from .clv_core import core_for, drops_between
from .clv_html import drops_table, note_text
from .context import settings_of
from .page_html import heading, wrap

__all__ = [
    "CLVPage",
    "EXECUTIVE_DROPS_TOP",
    "POTENTIAL_CLASSES",
    "build_clv_page",
    "clv_by_tier",
    "executive_clv",
    "p_alive_drops",
    "potential_class",
    "tier_potential",
]

#: Potential classes, best first, with the share of ranked customers in each.
POTENTIAL_CLASSES = (("high", 0.20), ("medium", 0.30), ("low", 0.50))
#: Customers listed in the executive report's "probability alive dropped most" table.
EXECUTIVE_DROPS_TOP = 5
#: Value tiers, best first (the order of the tier tables).
TIER_ORDER = ("VIP", "A", "B", "C")


def potential_class(clv: pd.Series) -> pd.Series:
    """Potential class per customer from a CLV Series (see the module definitions).

    Returns a Series with the same index: ordered Categorical ``high > medium > low >
    unknown`` (ties broken by index order).
    """
    labels = [c for c, _ in POTENTIAL_CLASSES] + ["unknown"]
    out = pd.Series("unknown", index=clv.index, dtype=object)
    valid = clv.dropna()
    if len(valid):
        order = valid.rank(method="first", ascending=False).to_numpy() / len(valid)
        edges = np.cumsum([s for _, s in POTENTIAL_CLASSES])
        idx = np.searchsorted(edges, order - 1e-12)
        out.loc[valid.index] = np.array(labels[:3], dtype=object)[np.minimum(idx, 2)]
    return pd.Series(pd.Categorical(out, categories=labels, ordered=True), index=clv.index,
                     name="potential_class")


def tier_potential(customers: pd.DataFrame) -> pd.DataFrame:
    """Value tier × potential class matrix of customer counts.

    Parameters
    ----------
    customers
        One row per customer with ``tier`` (VIP/A/B/C) and ``potential_class``
        (:func:`potential_class`).

    Returns
    -------
    pandas.DataFrame
        Index tier (VIP, A, B, C present first), columns potential classes (high, medium,
        low, unknown), int64 counts.  Customers in B or C with ``high`` potential deserve
        more attention than their current revenue suggests.
    """
    mat = pd.crosstab(customers["tier"].astype(str),
                      customers["potential_class"].astype(str))
    rows = [t for t in TIER_ORDER if t in mat.index] + [t for t in mat.index
                                                         if t not in TIER_ORDER]
    cols = [c for c, _ in POTENTIAL_CLASSES] + ["unknown"]
    return mat.reindex(index=rows, columns=cols, fill_value=0).astype("int64")


def clv_by_tier(customers: pd.DataFrame) -> pd.DataFrame:
    """CLV distribution per value tier.

    Returns
    -------
    pandas.DataFrame
        Index tier; columns ``customers`` (int64, with a prediction), ``total``, ``mean``,
        ``p10``, ``p25``, ``median``, ``p75``, ``p90`` (float64, ``clv_12m``).
    """
    rows = {}
    tiers = customers["tier"].astype(str)
    present = {str(t) for t in tiers.unique()}  # not set(tiers): one Python str per row
    for tier in [t for t in TIER_ORDER if t in present] + sorted(present - set(TIER_ORDER)):
        v = customers.loc[tiers == tier, "clv_12m"].dropna().to_numpy(dtype=float)
        q = np.quantile(v, [0.1, 0.25, 0.5, 0.75, 0.9]) if len(v) else [math.nan] * 5
        rows[tier] = {"customers": len(v), "total": float(v.sum()),
                      "mean": float(v.mean()) if len(v) else math.nan,
                      "p10": q[0], "p25": q[1], "median": q[2], "p75": q[3], "p90": q[4]}
    out = pd.DataFrame.from_dict(rows, orient="index")
    if out.empty:
        out = pd.DataFrame(columns=["customers", "total", "mean", "p10", "p25", "median",
                                    "p75", "p90"])
    out.index.name = "tier"
    return out.astype({"customers": "int64"})


def p_alive_drops(
    transactions: pd.DataFrame,
    *,
    model: CLVModel,
    as_of: object,
    previous_as_of: object,
    top: int | None = 20,
) -> pd.DataFrame:
    """Customers whose probability alive dropped most between two dates (same model).

    Parameters
    ----------
    transactions
        ``customer_id``, ``date``, ``amount``.
    model
        A fitted :class:`~retention_lib.analysis.clv.CLVModel` (normally fitted at ``as_of``).
    as_of, previous_as_of
        The report date and the previous one (e.g. the previous month end).
    top
        Keep the ``top`` largest drops (``None``: all customers with a drop).

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id``; columns ``p_alive_previous``, ``p_alive``, ``change``
        (float64, ``p_alive − p_alive_previous``, negative = drop), sorted by ``change``
        ascending; only customers known at ``previous_as_of`` with a drop.  Empty when the
        model was skipped.
    """
    cols = ["p_alive_previous", "p_alive", "change"]
    if not model.purchases_ok_:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="customer_id"), dtype=float)
    now = model.predict(customer_summary(transactions, as_of=as_of, freq="D"))["p_alive"]
    before = model.predict(customer_summary(transactions, as_of=previous_as_of, freq="D"))
    return drops_between(now, before["p_alive"], top)


def _customer_info(dataset) -> pd.DataFrame:
    cust = getattr(dataset, "customers", None)
    if cust is None:
        cust = dataset.tables.get("customers") if hasattr(dataset, "tables") else None
    if cust is None:
        return pd.DataFrame(columns=["name", "manager"],
                            index=pd.Index([], name="customer_id", dtype="string"))
    info = cust.drop_duplicates("customer_id").set_index("customer_id")
    out = pd.DataFrame(index=info.index)
    out["name"] = info["name"] if "name" in info else pd.NA
    out["manager"] = info["manager"] if "manager" in info else "unassigned"
    return out


def _names(dataset, ids: pd.Index) -> pd.DataFrame:
    """``name`` (falls back to the customer_id) and ``manager`` for ``ids``."""
    info = _customer_info(dataset)
    out = pd.DataFrame(index=ids)
    info = info.reindex(ids)  # one look-up of the string ids for both columns
    name = info["name"].astype(object)
    out["name"] = name.where(name.notna(), pd.Series(ids, index=ids, dtype=object))
    out["manager"] = info["manager"].astype(object).fillna("unassigned")
    return out


# --------------------------------------------------------------------------- the page


@dataclass
class CLVPage:
    """Everything ``notebooks/clv.ipynb`` shows (see :func:`build_clv_page`).

    Attributes
    ----------
    customers
        Index customer_id; ``name``, ``manager``, ``tier``, ``revenue`` (last 12 months),
        ``frequency``, ``recency_weeks``, ``T_weeks``, ``p_alive``,
        ``expected_purchases_12m``, ``expected_avg_spend``, ``clv_12m``, ``potential``
        (the value-tier potential: the same 12-month CLV, from
        :func:`retention_lib.analysis.tiers.value_tiers`), ``potential_class``.
    model
        The :class:`~retention_lib.analysis.clv.CLVModel` fitted at ``as_of``.
    p_alive
        :func:`~retention_lib.analysis.clv.p_alive_matrix`.
    validation
        ``None`` or a dict: ``calibration_end``, ``holdout_weeks``, ``model``, ``table``
        (:func:`holdout_by_frequency`), ``errors`` (:func:`holdout_errors`), ``cumulative``
        (:func:`cumulative_transactions`).
    validation_note
        Why the validation was skipped, as a code: ``{"code": "not_requested" | "no_model"
        | "too_short" (with ``count`` weeks) | "calibration_failed" (with ``notes``: the
        calibration model's fit codes)}``; ``None`` when it ran.
    drops
        :func:`p_alive_drops` since the previous month end (top 20).
    metrics
        :func:`~retention_lib.analysis.clv.clv_metrics` (the ``clv`` section of ``metrics.json``).
    """

    period: str
    as_of: pd.Timestamp
    company: str
    settings: Settings
    options: dict[str, Any]
    customers: pd.DataFrame
    model: CLVModel
    p_alive: pd.DataFrame
    tier_stats: pd.DataFrame
    tier_potential: pd.DataFrame
    validation: dict[str, Any] | None
    validation_note: dict[str, Any] | None
    drops: pd.DataFrame
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def tr(self) -> Translator:
        """Translator of ``settings.language``."""
        return get_translator(self.settings.language)


def _validation(tx: pd.DataFrame, *, as_of: pd.Timestamp, options: dict[str, Any]):
    first = pd.Timestamp(tx["date"].min())
    span_weeks = (as_of - first).days / 7
    holdout_weeks = int(min(39, span_weeks // 3))
    if holdout_weeks < 4:
        return None, {"code": "too_short", "count": int(round(span_weeks))}
    cal_end = as_of - pd.Timedelta(weeks=holdout_weeks)
    split = calibration_holdout_split(tx, calibration_end=cal_end, holdout_end=as_of, freq="W")
    model = fit_clv(split, model=options["model"], time_unit="W",
                    penalizer=float(options["penalizer"]),
                    discount_rate_monthly=float(options["discount_rate_monthly"]))
    if not model.purchases_ok_:
        return None, {"code": "calibration_failed", "notes": list(model.fit_codes_)}
    table = holdout_by_frequency(split, model=model)
    errors = holdout_errors(split, model=model)
    cumulative = cumulative_transactions(tx, model=model, calibration_end=cal_end,
                                         holdout_end=as_of)
    return {
        "calibration_end": cal_end,
        "holdout_weeks": holdout_weeks,
        "model": model,
        "table": table,
        "errors": errors,
        "cumulative": cumulative,
    }, None


@cached_build("clv_page")
def build_clv_page(
    dataset, *, period: str, settings: Settings | None = None, validate: bool = True
) -> CLVPage:
    """Fit, predict and validate for ``period`` (data up to the month's last day).

    ``dataset`` is a :class:`retention_lib.data.io.Dataset` (``transactions`` required,
    ``customers`` optional for names and managers).  The page's language is
    ``settings.language``.  Never raises for model trouble: the notes say what was skipped
    and why.  The value tiers get the predicted 12-month CLV as their ``potential``.
    """
    with shared_customer_codes():  # customer ids factorised once per transaction frame
        return _build_clv_page(dataset, period=period, settings=settings, validate=validate)


def _build_clv_page(
    dataset, *, period: str, settings: Settings | None, validate: bool
) -> CLVPage:
    settings = settings_of(dataset, settings)
    core = core_for(dataset, period=period, settings=settings)
    summary, pred, model, tx, as_of = core.summary, core.pred, core.model, core.tx, core.as_of
    if tx is None:  # a core read from the run cache is stored without its transactions
        tx = rows_until(dataset.transactions, as_of)
    tiers, order, sorted_ids = value_tiers_aligned(
        tx, as_of=as_of, window_days=settings.tier_window_days,
        a_share=settings.tier_a_share, b_share=settings.tier_b_share,
        vip_share=settings.vip_share, vip_ids=settings.vip_ids, potential=pred["clv_12m"])
    customers = _names(dataset, summary.index)
    if summary.index.equals(sorted_ids):  # the same customers: align by position
        inverse = np.empty_like(order)
        inverse[order] = np.arange(len(order))
        aligned = tiers.take(inverse).set_axis(summary.index, axis=0)
    else:
        aligned = tiers.reindex(summary.index)  # one look-up of the string ids
    tier = aligned["tier"].astype(str)
    customers["tier"] = tier.where(aligned["tier"].notna())  # NaN (not "nan") when absent
    customers["revenue"] = aligned["revenue"]
    customers["frequency"] = summary["frequency"]
    customers["recency_weeks"] = summary["recency"] / 7
    customers["T_weeks"] = summary["T"] / 7
    customers = customers.join(pred)
    customers["potential"] = aligned["potential"]
    customers["potential_class"] = potential_class(customers["potential"])

    validation, note = None, {"code": "not_requested"}
    if validate and model.purchases_ok_:
        validation, note = _validation(tx, as_of=as_of, options=core.options)
    elif validate:
        note = {"code": "no_model"}
    return CLVPage(
        period=core.period, as_of=as_of, company=settings.company_name,
        settings=settings, options=core.options, customers=customers, model=model,
        p_alive=p_alive_matrix(model) if model.purchases_ok_ else pd.DataFrame(),
        tier_stats=clv_by_tier(customers), tier_potential=tier_potential(customers),
        validation=validation, validation_note=note, drops=core.drops.head(20),
        metrics=clv_metrics(pred, model=model),
    )



# --------------------------------------------------------------------------- executive report


def executive_clv(
    dataset, *, period: str, settings: Settings | None = None, lang: str | None = None,
    top: int = EXECUTIVE_DROPS_TOP, link: str = "clv.html",
):
    """The executive report's CLV section, as :class:`IPython.display.HTML`.

    Shows the revenue expected over the next 12 months from existing customers (its
    definition one footnote away), the ``top`` customers whose probability alive dropped
    most since the previous month end (name, manager, tier, before, now, change), and a
    link to the CLV page (``link``).  When the model is skipped, says why (translated fit
    notes).  Heading anchor: ``rl-clv``.

    Parameters
    ----------
    dataset
        :class:`retention_lib.data.io.Dataset`.
    period
        ``"YYYY-MM"``.
    settings
        Model settings (``extra.clv``), currency and default language.
    lang
        Report language (default ``settings.language``).
    """
    settings = settings_of(dataset, settings)
    tr = get_translator(lang or settings.language)
    core = core_for(dataset, period=period, settings=settings)
    model, cur = core.model, settings.currency
    parts = [heading("rl-clv", tr.t("clv.executive.heading"))]
    if not model.purchases_ok_ or not model.spend_ok_:
        parts.append(d.paragraphs_html(
            [tr.t("clv.executive.skipped")]
            + [note_text(n, tr=tr, currency=cur) for n in model.fit_codes_
               if n["code"] not in ("spend_independent",)]))
    else:
        m = clv_metrics(core.pred, model=model)
        revenue = tr.money(m["expected_revenue_12m"], cur)
        text = d.escape(tr.t("clv.executive.revenue", money=revenue,
                             count=int(model.n_customers_)))
        parts.append(f'<div class="rl-report"><p>{text}<sup><a href="#rl-clv-fn1" '
                     f'aria-label="{d.escape(tr.t("clv.executive.footnote_label"))}">1</a>'
                     "</sup></p></div>")
    drops = core.drops.head(top)
    prev = tr.month_name(core.as_of - pd.offsets.MonthEnd(1), genitive=True)
    if model.purchases_ok_:
        if len(drops):
            info = _names(dataset, drops.index)
            tiers = core.tiers.reindex(drops.index)
            table = drops.join(info).assign(tier=tiers)
            parts.append(drops_table(table, tr=tr, caption=tr.t(
                "clv.executive.drops_caption", count=len(drops), month=prev)))
        else:
            parts.append(d.note_html(tr.t("clv.executive.no_drops", month=prev)))
    parts.append(f'<div class="rl-report"><p><a href="{d.escape(link)}">'
                 f'{d.escape(tr.t("clv.executive.link"))}</a></p></div>')
    if model.purchases_ok_ and model.spend_ok_:
        parts.append(f'<div class="rl-report"><ol class="rl-footnotes"><li id="rl-clv-fn1">'
                     f'{d.escape(tr.t("clv.executive.footnote"))}</li></ol></div>')
    return wrap(*parts)
