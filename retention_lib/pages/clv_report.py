"""The CLV page (``notebooks/clv.ipynb``) and the CLV pieces of the executive report.

:func:`build_clv_page` fits the model on the customer summary at the report date, predicts
per customer, joins value tiers (with the predicted 12-month CLV as their *potential*, DESIGN
rule 2), names and managers, and runs the calibration/holdout check; the ``clv_*`` section
functions render one section each, in the language of ``settings.language``.
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
translated here (catalog ``clv.notes.<code>``).

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

from .. import periods
from ..analysis.clv import CLVModel, fit_clv
from ..analysis.clv_holdout import (
    calibration_holdout_split,
    cumulative_transactions,
    holdout_by_frequency,
    holdout_errors,
)
from ..analysis.clv_outputs import clv_metrics, p_alive_matrix
from ..analysis.shared import rows_until
from ..caching.memo import cached_build
from ..config import Settings
from ..i18n import Translator, get_translator
from ..present import display as d
from .clv_core import core_for, drops_between
from .context import settings_of

__all__ = [
    "CLVPage",
    "EXECUTIVE_DROPS_TOP",
    "POTENTIAL_CLASSES",
    "build_clv_page",
    "clv_by_tier",
    "clv_definitions",
    "clv_header",
    "clv_p_alive",
    "clv_parameters",
    "clv_potential",
    "clv_tiers",
    "clv_top_customers",
    "clv_validation",
    "executive_clv",
    "note_text",
    "p_alive_drops",
    "potential_class",
    "tier_potential",
]

#: Potential classes, best first, with the share of ranked customers in each.
POTENTIAL_CLASSES = (("high", 0.20), ("medium", 0.30), ("low", 0.50))
#: Customers listed in the executive report's "probability alive dropped most" table.
EXECUTIVE_DROPS_TOP = 5
TIER_ORDER = ("VIP", "A", "B", "C")
#: Display symbols of the model parameters (Fader & Hardie's notation; γ is lifetimes' v).
PARAM_SYMBOLS = {"r": "r", "alpha": "α", "a": "a", "b": "b", "s": "s", "beta": "β",
                 "p": "p", "q": "q", "v": "γ"}


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
    from ..analysis.summary import customer_summary

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
    from ..analysis.customer_days import shared_customer_codes

    with shared_customer_codes():  # customer ids factorised once per transaction frame
        return _build_clv_page(dataset, period=period, settings=settings, validate=validate)


def _build_clv_page(
    dataset, *, period: str, settings: Settings | None, validate: bool
) -> CLVPage:
    from ..analysis.tiers import value_tiers_aligned

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


# --------------------------------------------------------------------------- display helpers


def _signed(tr: Translator, value: float, decimals: int = 2) -> str:
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


def _wrap(*parts: str):
    return d.html("".join(parts))


def _h(anchor: str, text: str) -> str:
    return f'<div class="rl-report"><h2 id="{d.escape(anchor)}">{d.escape(text)}</h2></div>'


def _money(page: CLVPage, value: float | None) -> str:
    return page.tr.money(value, page.settings.currency)


def _cols(tr: Translator, frame: pd.DataFrame) -> pd.DataFrame:
    """Rename columns to their catalog headers (``clv.cols.<name>``)."""
    return frame.rename(columns=lambda c: tr.t(f"clv.cols.{c}"))


def _fmt(tr: Translator, formats: dict[str, Any]) -> dict[str, Any]:
    return {tr.t(f"clv.cols.{c}"): f for c, f in formats.items()}


def _unit(tr: Translator, model: CLVModel) -> str:
    return tr.t(f"clv.unit.{model.time_unit.lower()}")


# --------------------------------------------------------------------------- sections


def clv_header(page: CLVPage):
    """Styles, title and the headline tiles."""
    tr, m = page.tr, page.metrics
    p_alive = m["mean_p_alive"]
    tiles = [
        d.Kpi(tr.t("clv.kpi.revenue_12m"), _money(page, m["expected_revenue_12m"]),
              tr.t("clv.kpi.revenue_12m_detail")),
        d.Kpi(tr.t("clv.kpi.clv_12m"), _money(page, m["clv_12m_total"]),
              tr.t("clv.kpi.clv_12m_detail",
                   rate=tr.percent(page.model.discount_rate_monthly))),
        d.Kpi(tr.t("clv.kpi.p_alive"), tr.percent(p_alive, 0),
              tr.t("clv.kpi.p_alive_detail", count=int(m["customers"]))),
        d.Kpi(tr.t("clv.kpi.repeat"), tr.number(int(m["repeat_buyers"])),
              tr.t("clv.kpi.repeat_detail")),
    ]
    return _wrap(
        d.style_block(),
        d.title_html(company=page.company, period_label=tr.month(page.as_of),
                     as_of=tr.date(page.as_of), subtitle=tr.t("clv.subtitle"), tr=tr,
                     partial=periods.ends_early(page.as_of)),
        d.kpi_tiles(tiles, tr=tr),
    )


def _explain(page: CLVPage) -> list[str]:
    tr, model = page.tr, page.model
    per = tr.t(f"clv.per_unit.{model.time_unit.lower()}")
    n3 = lambda v: tr.number(v, decimals=3)  # noqa: E731
    p = model.purchase_params_
    if model.model == "bgnbd":
        out = [
            tr.t("clv.explain.bgnbd_rate", rate=tr.number(p["r"] / p["alpha"], decimals=2),
                 per_unit=per, r=n3(p["r"]), alpha=n3(p["alpha"])),
            tr.t("clv.explain.bgnbd_drop", share=tr.percent(p["a"] / (p["a"] + p["b"]), 0),
                 a=n3(p["a"]), b=n3(p["b"])),
        ]
    else:
        out = [
            tr.t("clv.explain.pareto_rate", rate=tr.number(p["r"] / p["alpha"], decimals=2),
                 per_unit=per, r=n3(p["r"]), alpha=n3(p["alpha"])),
            tr.t("clv.explain.pareto_drop", rate=tr.number(p["s"] / p["beta"], decimals=3),
                 per_unit=per, s=n3(p["s"]), beta=n3(p["beta"])),
        ]
    if model.spend_ok_ and model.spend_method_ == "gamma_gamma":
        g = model.gamma_gamma_params_
        out.append(tr.t("clv.explain.spend", money=_money(page, g["p"] * g["v"] / (g["q"] - 1))))
    elif model.spend_ok_:
        out.append(tr.t("clv.explain.spend_observed"))
    return out


def clv_parameters(page: CLVPage):
    """Fitted parameters with a plain explanation, and the model notes (translated)."""
    tr, model = page.tr, page.model
    parts = [_h("rl-clv-model", tr.t("clv.headings.model"))]
    if model.purchases_ok_:
        parts.append(d.paragraphs_html(_explain(page)))
        name = tr.t(f"clv.model_name.{model.model}")
        rows = [(name, PARAM_SYMBOLS.get(k, k), v) for k, v in model.purchase_params_.items()]
        if model.spend_ok_:
            gg = tr.t("clv.model_name.gamma_gamma")
            rows += [(gg, PARAM_SYMBOLS.get(k, k), v)
                     for k, v in model.gamma_gamma_params_.items()]
        table = pd.DataFrame(rows, columns=["model", "parameter", "value"])
        parts.append(d.table_html(
            _cols(tr, table), tr=tr,
            caption=tr.t("clv.params_caption", unit=_unit(tr, model)),
            formats=_fmt(tr, {"value": lambda v: tr.number(v, decimals=4)})))
    if model.fit_codes_:
        parts.append(d.paragraphs_html(
            [note_text(n, tr=tr, currency=page.settings.currency) for n in model.fit_codes_],
            css_class="rl-note"))
    return _wrap(*parts)


def clv_p_alive(page: CLVPage):
    """P(alive) matrix by frequency and recency, and the largest drops since last month."""
    from ..present.clv_plots import plot_p_alive_matrix

    tr, mat = page.tr, page.p_alive
    parts = [_h("rl-clv-alive", tr.t("clv.headings.p_alive"))]
    if not page.model.purchases_ok_:
        parts.append(d.note_html(tr.t("clv.p_alive.not_available")))
        return _wrap(*parts)
    unit = _unit(tr, page.model)
    age = tr.number(float(mat.columns.max()), decimals=0)
    parts.append(d.paragraphs_html([tr.t("clv.p_alive.intro", age=age, unit=unit)]))
    fig = plot_p_alive_matrix(mat, unit=page.model.time_unit, tr=tr)
    parts.append(d.figure_html(fig, alt=tr.t(
        "clv.p_alive.alt", max_frequency=int(mat.index.max()), age=age, unit=unit)))
    if len(page.drops):
        drops = page.drops.join(page.customers[["name", "manager", "tier"]], how="left")
        parts.append(_drops_table(drops, tr=tr, caption=tr.t(
            "clv.p_alive.drops_caption",
            month=tr.month_name(page.as_of - pd.offsets.MonthEnd(1), genitive=True))))
    return _wrap(*parts)


def _drops_table(drops: pd.DataFrame, *, tr: Translator, caption: str) -> str:
    cols = ["name", "manager", "tier", "p_alive_previous", "p_alive", "change"]
    shown = drops.reindex(columns=cols).copy()
    shown["manager"] = shown["manager"].map(lambda m: tr.label("manager", m))
    shown["tier"] = shown["tier"].map(lambda t: "" if pd.isna(t) else tr.label("tier", t))
    return d.table_html(
        _cols(tr, shown), caption=caption, tr=tr,
        formats=_fmt(tr, {"p_alive_previous": lambda v: tr.percent(v, 0),
                          "p_alive": lambda v: tr.percent(v, 0),
                          "change": lambda v: tr.points(100 * v, 0)}))


def clv_validation(page: CLVPage):
    """Calibration/holdout charts and error figures."""
    from ..present.clv_plots import plot_cumulative_transactions, plot_holdout_by_frequency

    tr = page.tr
    parts = [_h("rl-clv-validation", tr.t("clv.headings.validation"))]
    v = page.validation
    if v is None:
        note = page.validation_note or {"code": "not_requested"}
        args = {"count": note["count"]} if "count" in note else {}
        parts.append(d.note_html(tr.t(f"clv.validation.{note['code']}", **args)))
        for n in note.get("notes", []):
            parts.append(d.note_html(note_text(n, tr=tr, currency=page.settings.currency)))
        return _wrap(*parts)
    e = v["errors"]
    err = e["total_error_pct"]
    parts.append(d.paragraphs_html([tr.t(
        "clv.validation.summary", date=tr.date(v["calibration_end"]),
        count=int(v["holdout_weeks"]), predicted=tr.number(e["predicted_total"]),
        actual=tr.number(e["actual_total"]),
        error=tr.t("common.na") if not np.isfinite(err) else (
            ("+" if err > 0 else "−" if err < 0 else "±") + tr.percent(abs(err) / 100)),
        mae=tr.number(e["mae"], decimals=2))]))
    table = v["table"]
    items = "; ".join(
        tr.t("clv.validation.alt_item", bucket=str(i), actual=tr.number(r.actual_mean, decimals=2),
             forecast=tr.number(r.predicted_mean, decimals=2))
        for i, r in table.iterrows() if r.customers > 0)
    parts.append(d.figure_html(plot_holdout_by_frequency(table, tr=tr),
                               alt=tr.t("clv.validation.alt_bars", items=items)))
    cum = v["cumulative"]
    parts.append(d.figure_html(plot_cumulative_transactions(cum, tr=tr), alt=tr.t(
        "clv.validation.alt_cumulative", actual=tr.number(float(cum["actual"].iloc[-1])),
        forecast=tr.number(float(cum["expected"].iloc[-1])))))
    shown = table.reset_index()
    two = lambda x: tr.number(x, decimals=2)  # noqa: E731
    parts.append(d.table_html(
        _cols(tr, shown), tr=tr, caption=tr.t("clv.validation.caption"),
        formats=_fmt(tr, {"customers": tr.number, "actual_mean": two, "predicted_mean": two,
                          "actual_total": tr.number, "predicted_total": tr.number})))
    return _wrap(*parts)


def clv_tiers(page: CLVPage):
    """CLV distribution by value tier."""
    from ..present.clv_plots import plot_clv_by_tier

    tr = page.tr
    parts = [_h("rl-clv-tiers", tr.t("clv.headings.tiers"))]
    stats = page.tier_stats
    if not page.model.spend_ok_ or stats["customers"].sum() == 0:
        parts.append(d.note_html(tr.t("clv.tiers.not_available")))
        return _wrap(*parts)
    cur = page.settings.currency
    items = "; ".join(tr.t("clv.tiers.alt_item", tier=tr.label("tier", t),
                           money=_money(page, r["median"])) for t, r in stats.iterrows())
    parts.append(d.figure_html(plot_clv_by_tier(stats, currency=cur, tr=tr),
                               alt=tr.t("clv.tiers.alt", items=items)))
    shown = stats.rename(index=lambda t: tr.label("tier", t)).reset_index()
    money = lambda x: _money(page, x)  # noqa: E731
    parts.append(d.table_html(
        _cols(tr, shown), tr=tr, caption=tr.t("clv.tiers.caption"),
        formats=_fmt(tr, {"customers": tr.number, **{
            c: money for c in ("total", "mean", "p10", "p25", "median", "p75", "p90")}})))
    return _wrap(*parts)


def clv_potential(page: CLVPage):
    """Value tier × potential matrix."""
    from ..present.clv_plots import plot_tier_potential

    tr, mat = page.tr, page.tier_potential
    parts = [_h("rl-clv-potential", tr.t("clv.headings.potential"))]
    hidden = int(mat.loc[[t for t in ("B", "C") if t in mat.index], "high"].sum())
    parts.append(d.paragraphs_html([
        tr.t("clv.potential.intro"), tr.t("clv.potential.hidden", count=hidden)]))
    items = "; ".join(
        tr.t("clv.potential.alt_item", tier=tr.label("tier", t),
             potential=tr.label("clv.potential_class", c), count=int(mat.loc[t, c]))
        for t in mat.index for c in mat.columns)
    parts.append(d.figure_html(plot_tier_potential(mat, tr=tr),
                               alt=tr.t("clv.potential.alt", items=items)))
    return _wrap(*parts)


def clv_top_customers(page: CLVPage, *, top: int = 25):
    """Top customers by potential (12-month CLV) with name and manager."""
    tr = page.tr
    parts = [_h("rl-clv-top", tr.t("clv.headings.top", count=int(top)))]
    c = page.customers.dropna(subset=["clv_12m"])
    if c.empty:
        parts.append(d.note_html(tr.t("clv.top.not_available")))
        return _wrap(*parts)
    best = c.sort_values("clv_12m", ascending=False, kind="stable").head(top)
    cols = ["name", "manager", "tier", "revenue", "p_alive", "expected_purchases_12m",
            "clv_12m", "potential_class"]
    shown = best[cols].copy()
    shown["manager"] = shown["manager"].map(lambda m: tr.label("manager", m))
    shown["tier"] = shown["tier"].map(lambda t: tr.label("tier", t))
    shown["potential_class"] = shown["potential_class"].astype(str).map(
        lambda p: tr.label("clv.potential_class", p))
    money = lambda x: _money(page, x)  # noqa: E731
    parts.append(d.table_html(
        _cols(tr, shown), tr=tr, caption=tr.t("clv.top.caption"),
        formats=_fmt(tr, {"revenue": money, "clv_12m": money,
                          "p_alive": lambda v: tr.percent(v, 0),
                          "expected_purchases_12m": lambda v: tr.number(v, decimals=1)})))
    return _wrap(*parts)


def clv_definitions(page: CLVPage):
    """Definitions of every number on the page."""
    tr, model = page.tr, page.model
    keys = ("p_alive", "expected_purchases", "expected_spend", "clv_12m", "revenue_12m",
            "potential", "tier", "drop", "model")
    args = {
        "clv_12m": {"rate": tr.percent(model.discount_rate_monthly)},
        "model": {"model": tr.t(f"clv.model_name.{model.model}"),
                  "spend_model": tr.t("clv.model_name.gamma_gamma"),
                  "unit": _unit(tr, model)},
    }
    defs = [(tr.t(f"clv.defs.{k}.term"), tr.t(f"clv.defs.{k}.text", **args.get(k, {})))
            for k in keys]
    return _wrap(_h("rl-clv-definitions", tr.t("clv.headings.definitions")),
                 d.definitions_html(defs))


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
    parts = [_h("rl-clv", tr.t("clv.executive.heading"))]
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
            parts.append(_drops_table(table, tr=tr, caption=tr.t(
                "clv.executive.drops_caption", count=len(drops), month=prev)))
        else:
            parts.append(d.note_html(tr.t("clv.executive.no_drops", month=prev)))
    parts.append(f'<div class="rl-report"><p><a href="{d.escape(link)}">'
                 f'{d.escape(tr.t("clv.executive.link"))}</a></p></div>')
    if model.purchases_ok_ and model.spend_ok_:
        parts.append(f'<div class="rl-report"><ol class="rl-footnotes"><li id="rl-clv-fn1">'
                     f'{d.escape(tr.t("clv.executive.footnote"))}</li></ol></div>')
    return _wrap(*parts)
