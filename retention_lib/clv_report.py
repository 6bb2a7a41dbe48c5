"""The CLV page (``notebooks/clv.ipynb``): tables once, then one HTML section per cell.

:func:`build_clv_page` fits the model on the customer summary at the report date, predicts
per customer, joins value tiers, names and managers, and runs the calibration/holdout check;
the ``clv_*`` section functions render one section each.  :func:`tier_potential` (value tier ×
potential) and :func:`p_alive_drops` (customers whose probability alive fell most since the
previous month) are plain analyses that the executive report can reuse.

Definitions (printed in the page's definitions section)
-------------------------------------------------------
Model settings
    From ``settings.extra["clv"]`` (YAML ``extra: {clv: {model: bgnbd, time_unit: W,
    penalizer: 0.0, discount_rate_monthly: 0.01}}``), else those defaults.
Summary
    :func:`retention_lib.summary.customer_summary` at the report date in days, fitted in
    weeks (days / 7).
Potential
    Predicted discounted 12-month CLV (``clv_12m``).  Potential classes rank customers with a
    prediction: ``high`` = top 20 %, ``medium`` = next 30 %, ``low`` = the other 50 %;
    ``unknown`` when no prediction could be made.
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

from . import display as d
from .clv import (
    CLVModel,
    calibration_holdout_split,
    clv_metrics,
    cumulative_transactions,
    fit_clv,
    holdout_by_frequency,
    holdout_errors,
    p_alive_matrix,
)
from .config import DEFAULT_SETTINGS, Settings

__all__ = [
    "CLVPage",
    "CLV_DEFAULTS",
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
    "clv_settings",
    "p_alive_drops",
    "potential_class",
    "tier_potential",
]

#: Model settings used when ``settings.extra["clv"]`` does not override them.
CLV_DEFAULTS: dict[str, Any] = {
    "model": "bgnbd", "time_unit": "W", "penalizer": 0.0, "discount_rate_monthly": 0.01,
}
#: Potential classes, best first, with the share of ranked customers in each.
POTENTIAL_CLASSES = (("high", 0.20), ("medium", 0.30), ("low", 0.50))
TIER_ORDER = ("VIP", "A", "B", "C")
_UNIT_WORD = {"W": "weeks", "D": "days"}


def clv_settings(settings: Settings = DEFAULT_SETTINGS) -> dict[str, Any]:
    """CLV model settings: :data:`CLV_DEFAULTS` updated with ``settings.extra["clv"]``.

    Raises ``ValueError`` naming an unknown key and listing the allowed ones.
    """
    extra = dict((settings.extra or {}).get("clv") or {})
    unknown = sorted(set(extra) - set(CLV_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown key(s) {unknown} under extra.clv; allowed: "
                         f"{sorted(CLV_DEFAULTS)}")
    return {**CLV_DEFAULTS, **extra}


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
    for tier in [t for t in TIER_ORDER if t in set(tiers)] + sorted(
            set(tiers) - set(TIER_ORDER)):
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
        A fitted :class:`~retention_lib.clv.CLVModel` (normally fitted at ``as_of``).
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
    from .summary import customer_summary

    cols = ["p_alive_previous", "p_alive", "change"]
    if not model.purchases_ok_:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="customer_id"), dtype=float)
    now = model.predict(customer_summary(transactions, as_of=as_of, freq="D"))["p_alive"]
    before = model.predict(customer_summary(transactions, as_of=previous_as_of, freq="D"))
    both = pd.DataFrame({"p_alive_previous": before["p_alive"]}).join(now, how="inner")
    both["change"] = both["p_alive"] - both["p_alive_previous"]
    both = both.loc[both["change"] < 0].sort_values("change", kind="stable")
    return both.head(top) if top is not None else both


def _month_end(period: str) -> pd.Timestamp:
    return pd.Period(period, freq="M").end_time.normalize()


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


@dataclass
class CLVPage:
    """Everything ``notebooks/clv.ipynb`` shows (see :func:`build_clv_page`).

    Attributes
    ----------
    customers
        Index customer_id; ``name``, ``manager``, ``tier``, ``revenue`` (last 12 months),
        ``frequency``, ``recency_weeks``, ``T_weeks``, ``p_alive``,
        ``expected_purchases_12m``, ``expected_avg_spend``, ``clv_12m``,
        ``potential_class``.
    model
        The :class:`~retention_lib.clv.CLVModel` fitted at ``as_of``.
    p_alive
        :func:`~retention_lib.clv.p_alive_matrix`.
    validation
        ``None`` or a dict: ``calibration_end``, ``holdout_weeks``, ``model``, ``table``
        (:func:`holdout_by_frequency`), ``errors`` (:func:`holdout_errors`), ``cumulative``
        (:func:`cumulative_transactions`).
    validation_note
        Why the validation was skipped ("" when it ran).
    drops
        :func:`p_alive_drops` since the previous month end (top 20).
    metrics
        :func:`~retention_lib.clv.clv_metrics` (the ``clv`` section of ``metrics.json``).
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
    validation_note: str
    drops: pd.DataFrame
    metrics: dict[str, Any] = field(default_factory=dict)


def _validation(tx: pd.DataFrame, *, as_of: pd.Timestamp, options: dict[str, Any]):
    first = pd.Timestamp(tx["date"].min())
    span_weeks = (as_of - first).days / 7
    holdout_weeks = int(min(39, span_weeks // 3))
    if holdout_weeks < 4:
        return None, (f"The data covers only {span_weeks:.0f} weeks: too short to keep a "
                      "holdout period for checking the model.")
    cal_end = as_of - pd.Timedelta(weeks=holdout_weeks)
    split = calibration_holdout_split(tx, calibration_end=cal_end, holdout_end=as_of, freq="W")
    model = fit_clv(split, model=options["model"], time_unit="W",
                    penalizer=float(options["penalizer"]),
                    discount_rate_monthly=float(options["discount_rate_monthly"]))
    if not model.purchases_ok_:
        return None, ("The model could not be fitted on the calibration period alone: "
                      + " ".join(model.fit_notes_))
    return {
        "calibration_end": cal_end,
        "holdout_weeks": holdout_weeks,
        "model": model,
        "table": holdout_by_frequency(split, model=model),
        "errors": holdout_errors(split, model=model),
        "cumulative": cumulative_transactions(tx, model=model, calibration_end=cal_end,
                                              holdout_end=as_of),
    }, ""


def build_clv_page(
    dataset, *, period: str, settings: Settings | None = None, validate: bool = True
) -> CLVPage:
    """Fit, predict and validate for ``period`` (data up to the month's last day).

    ``dataset`` is a :class:`retention_lib.io.Dataset` (``transactions`` required,
    ``customers`` optional for names and managers).  Never raises for model trouble: the
    notes say what was skipped and why.
    """
    from .summary import customer_summary
    from .tiers import value_tiers

    settings = settings or getattr(dataset, "settings", None) or DEFAULT_SETTINGS
    options = clv_settings(settings)
    as_of = _month_end(period)
    all_tx = dataset.transactions
    tx = all_tx.loc[(all_tx["date"] <= as_of).to_numpy(dtype=bool)]
    summary = customer_summary(tx, as_of=as_of, freq="D")
    model = fit_clv(summary, model=options["model"], time_unit=options["time_unit"],
                    penalizer=float(options["penalizer"]),
                    discount_rate_monthly=float(options["discount_rate_monthly"]))
    pred = model.predict(summary, horizon="12M")
    tiers = value_tiers(tx, as_of=as_of, window_days=settings.tier_window_days,
                        a_share=settings.tier_a_share, b_share=settings.tier_b_share,
                        vip_share=settings.vip_share, vip_ids=settings.vip_ids,
                        potential=pred["clv_12m"])
    info = _customer_info(dataset)
    customers = pd.DataFrame(index=summary.index)
    customers["name"] = info["name"].reindex(summary.index)
    customers["name"] = customers["name"].fillna(pd.Series(summary.index, index=summary.index))
    customers["manager"] = info["manager"].reindex(summary.index).fillna("unassigned")
    customers["tier"] = tiers["tier"].astype(str).reindex(summary.index)
    customers["revenue"] = tiers["revenue"].reindex(summary.index)
    customers["frequency"] = summary["frequency"]
    customers["recency_weeks"] = summary["recency"] / 7
    customers["T_weeks"] = summary["T"] / 7
    customers = customers.join(pred)
    customers["potential_class"] = potential_class(customers["clv_12m"])

    validation, note = (None, "The check was not requested.")
    if validate and model.purchases_ok_:
        validation, note = _validation(tx, as_of=as_of, options=options)
    elif validate:
        note = "There is no fitted model to check."
    prev_end = _month_end(str(pd.Period(period, freq="M") - 1))
    drops = p_alive_drops(tx, model=model, as_of=as_of, previous_as_of=prev_end)
    return CLVPage(
        period=str(pd.Period(period, freq="M")), as_of=as_of, company=settings.company_name,
        settings=settings, options=options, customers=customers, model=model,
        p_alive=p_alive_matrix(model), tier_stats=clv_by_tier(customers),
        tier_potential=tier_potential(customers), validation=validation,
        validation_note=note, drops=drops, metrics=clv_metrics(pred, model=model),
    )


# --------------------------------------------------------------------------- sections


def _money(value: float, currency: str) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    symbol = {"EUR": "€", "USD": "$", "GBP": "£", "RUB": "₽", "UAH": "₴"}.get(currency)
    return f"{symbol}{value:,.0f}" if symbol else f"{currency} {value:,.0f}"


def _wrap(*parts: str):
    return d.html("".join(parts))


def _h(text: str) -> str:
    return d.heading_html(text)


def clv_header(page: CLVPage):
    """Styles, title and the headline tiles."""
    m, cur = page.metrics, page.settings.currency
    tiles = [
        d.Kpi("Expected revenue, next 12 months", _money(m["expected_revenue_12m"] or math.nan,
                                                        cur),
              "existing customers, repeat purchases, undiscounted"),
        d.Kpi("12-month CLV (discounted)", _money(m["clv_12m_total"] or math.nan, cur),
              f"{page.model.discount_rate_monthly:.1%} a month"),
        d.Kpi("Mean probability alive", "–" if m["mean_p_alive"] is None
              else f"{m['mean_p_alive']:.0%}", f"{m['customers']:,} customers"),
        d.Kpi("Repeat buyers", f"{m['repeat_buyers']:,}", "customers who bought twice or more"),
    ]
    return _wrap(
        d.style_block(),
        d.title_html(company=page.company, period_label=page.as_of.strftime("%B %Y"),
                     as_of=page.as_of.strftime("%d %B %Y"),
                     subtitle="customer lifetime value and probability alive"),
        d.kpi_tiles(tiles),
    )


def _explain_bgnbd(p: dict[str, float], unit: str) -> list[str]:
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    rate = r / alpha
    drop = a / (a + b)
    return [
        f"While a customer is active, they buy on average {rate:.2f} times a {unit[:-1]} "
        f"(r / alpha = {r:.3f} / {alpha:.3f}); customers differ a lot around that average "
        f"(the smaller r, the more they differ).",
        f"After each purchase, a customer stops buying for good with probability "
        f"{drop:.0%} on average (a / (a + b) = {a:.3f} / ({a:.3f} + {b:.3f})).",
    ]


def _explain_pareto(p: dict[str, float], unit: str) -> list[str]:
    return [
        f"While active, a customer buys on average {p['r'] / p['alpha']:.2f} times a "
        f"{unit[:-1]} (r / alpha = {p['r']:.3f} / {p['alpha']:.3f}).",
        f"Customers stop buying for good at an average rate of {p['s'] / p['beta']:.3f} per "
        f"{unit[:-1]} (s / beta = {p['s']:.3f} / {p['beta']:.3f}), at any time.",
    ]


def clv_parameters(page: CLVPage):
    """Fitted parameters with a plain explanation, and the model notes."""
    model = page.model
    unit = _UNIT_WORD[model.time_unit]
    name = "BG/NBD" if model.model == "bgnbd" else "Pareto/NBD"
    parts = [_h("The model")]
    sentences = []
    if model.purchases_ok_:
        params = model.purchase_params_
        sentences += (_explain_bgnbd(params, unit) if model.model == "bgnbd"
                      else _explain_pareto(params, unit))
        rows = [(name, k, v) for k, v in params.items()]
        if model.spend_ok_:
            g = model.gamma_gamma_params_
            if model.spend_method_ == "gamma_gamma":
                mean = g["p"] * g["v"] / (g["q"] - 1)
                sentences.append(
                    f"A typical repeat purchase is worth "
                    f"{_money(mean, page.settings.currency)} (p·v / (q − 1)); for a customer "
                    "with many purchases the prediction leans on their own average, for a new "
                    "one on this typical value.")
            rows += [("Gamma-Gamma", k, v) for k, v in g.items()]
        parts.append(d.paragraphs_html(sentences))
        table = pd.DataFrame(rows, columns=["model", "parameter", "value"])
        parts.append(d.table_html(table, caption=f"Fitted parameters (time unit: {unit})",
                                  formats={"value": "{:.4f}"}))
    if model.fit_notes_:
        parts.append(d.paragraphs_html(model.fit_notes_, css_class="rl-notes"))
    return _wrap(*parts)


def clv_p_alive(page: CLVPage):
    """P(alive) matrix by frequency and recency."""
    mat = page.p_alive
    parts = [_h("Who is still a customer")]
    if not page.model.purchases_ok_:
        parts.append(d.note_html("Not available: the purchase model was not fitted."))
        return _wrap(*parts)
    age = mat.columns.max()
    parts.append(d.paragraphs_html([
        f"Probability that a customer is still buying, for a customer whose first purchase "
        f"was {age:.0f} weeks ago, by number of repeat purchases and by when the last one "
        "happened. Frequent buyers who have gone quiet (bottom left) are the ones at risk."]))
    from .clv_plots import plot_p_alive_matrix

    fig = plot_p_alive_matrix(mat, unit=_UNIT_WORD[page.model.time_unit])
    parts.append(d.figure_html(fig, alt=(
        "Heatmap of probability alive, frequency 0 to "
        f"{mat.index.max()} in rows, recency 0 to {age:.0f} weeks in columns; it rises with "
        "recency and falls for frequent buyers with an old last purchase.")))
    if len(page.drops):
        drops = page.drops.join(page.customers[["name", "manager", "tier"]], how="left")
        parts.append(d.table_html(
            drops[["name", "manager", "tier", "p_alive_previous", "p_alive", "change"]]
            .reset_index(),
            caption="Largest drops in probability alive since last month",
            formats={"p_alive_previous": "{:.0%}", "p_alive": "{:.0%}",
                     "change": "{:+.0%}"}))
    return _wrap(*parts)


def clv_validation(page: CLVPage):
    """Calibration/holdout charts and error figures."""
    from .clv_plots import plot_cumulative_transactions, plot_holdout_by_frequency

    parts = [_h("Can we trust the model?")]
    v = page.validation
    if v is None:
        parts.append(d.note_html(page.validation_note))
        return _wrap(*parts)
    e = v["errors"]
    parts.append(d.paragraphs_html([
        f"The model was fitted again on the data up to {v['calibration_end']:%d %B %Y} only, "
        f"and its forecast for the following {v['holdout_weeks']} weeks compared with what "
        f"customers actually did: {e['predicted_total']:,.0f} repeat purchases forecast, "
        f"{e['actual_total']:,.0f} made ({e['total_error_pct']:+.1f} %); per customer the "
        f"forecast is off by {e['mae']:.2f} purchases on average."]))
    table = v["table"]
    parts.append(d.figure_html(plot_holdout_by_frequency(table), alt=(
        "Bar chart of mean purchases in the holdout period, actual and forecast, by number "
        "of repeat purchases in the calibration period: " + "; ".join(
            f"{i}: {r.actual_mean:.2f} actual vs {r.predicted_mean:.2f} forecast"
            for i, r in table.iterrows() if r.customers > 0))))
    cum = v["cumulative"]
    parts.append(d.figure_html(plot_cumulative_transactions(cum), alt=(
        "Line chart of cumulative repeat purchases, actual (solid) and forecast (dashed); "
        f"at the end: {cum['actual'].iloc[-1]:,.0f} actual, {cum['expected'].iloc[-1]:,.0f} "
        "forecast.")))
    parts.append(d.table_html(table, index=True,
                              caption="Holdout purchases by calibration frequency",
                              formats={"customers": "{:,}", "actual_mean": "{:.2f}",
                                       "predicted_mean": "{:.2f}", "actual_total": "{:,.0f}",
                                       "predicted_total": "{:,.0f}"}))
    return _wrap(*parts)


def clv_tiers(page: CLVPage):
    """CLV distribution by value tier."""
    from .clv_plots import plot_clv_by_tier

    parts = [_h("Future value by tier")]
    stats = page.tier_stats
    if not page.model.spend_ok_ or stats["customers"].sum() == 0:
        parts.append(d.note_html("Not available: CLV could not be computed (see the model "
                                 "notes above)."))
        return _wrap(*parts)
    cur = page.settings.currency
    parts.append(d.figure_html(plot_clv_by_tier(stats, currency_label=f"({cur})"), alt=(
        "Box plot of predicted 12-month CLV by value tier: " + "; ".join(
            f"{t} median {_money(r['median'], cur)}" for t, r in stats.iterrows()))))
    parts.append(d.table_html(stats, index=True, caption="12-month CLV by value tier",
                              formats={"customers": "{:,}", **{
                                  c: (lambda v, c=cur: _money(v, c)) for c in
                                  ("total", "mean", "p10", "p25", "median", "p75", "p90")}}))
    return _wrap(*parts)


def clv_potential(page: CLVPage):
    """Value tier × potential matrix."""
    from .clv_plots import plot_tier_potential

    mat = page.tier_potential
    parts = [_h("Current value and potential")]
    hidden = int(mat.loc[[t for t in ("B", "C") if t in mat.index], "high"].sum())
    parts.append(d.paragraphs_html([
        "Rows: value tier by revenue of the last 12 months. Columns: potential by predicted "
        "12-month CLV (high = top 20 %).",
        f"{hidden:,} customers in tiers B and C have a high potential: they deserve more "
        "attention than their current revenue suggests."]))
    parts.append(d.figure_html(plot_tier_potential(mat), alt=(
        "Heatmap of customers by value tier and potential class: " + "; ".join(
            f"{t}/{c} {int(mat.loc[t, c])}" for t in mat.index for c in mat.columns))))
    return _wrap(*parts)


def clv_top_customers(page: CLVPage, *, top: int = 25):
    """Top customers by potential (12-month CLV) with name and manager."""
    parts = [_h(f"Top {top} customers by potential")]
    c = page.customers.dropna(subset=["clv_12m"])
    if c.empty:
        parts.append(d.note_html("Not available: CLV could not be computed."))
        return _wrap(*parts)
    cur = page.settings.currency
    best = c.sort_values("clv_12m", ascending=False, kind="stable").head(top)
    cols = ["name", "manager", "tier", "revenue", "p_alive", "expected_purchases_12m",
            "clv_12m"]
    parts.append(d.table_html(
        best[cols].reset_index(), caption="Highest predicted 12-month CLV",
        formats={"revenue": lambda v: _money(v, cur), "clv_12m": lambda v: _money(v, cur),
                 "p_alive": "{:.0%}", "expected_purchases_12m": "{:.1f}"}))
    return _wrap(*parts)


def clv_definitions(page: CLVPage):
    """Definitions of every number on the page."""
    unit = _UNIT_WORD[page.model.time_unit]
    defs = {
        "Probability alive (P(alive))": "The model's probability that the customer will buy "
        "again some day, given how often and how recently they bought.",
        "Expected purchases, 12 months": "Repeat purchases (days with a purchase) the model "
        "expects in the next 12 months (365.25 days).",
        "Expected average spend": "Expected net amount of a future purchase (Gamma-Gamma "
        "model): the customer's own average, shrunk towards the typical value the fewer "
        "purchases they made; zero or negative averages (refunds) count as 0.",
        "12-month CLV": "Expected purchases of each of the next 12 months × expected "
        f"average spend, discounted at {page.model.discount_rate_monthly:.1%} a month.",
        "Expected revenue, next 12 months": "The same without discounting, summed over "
        "customers; new customers are not included.",
        "Potential class": "high = top 20 % of customers by 12-month CLV, medium = next "
        "30 %, low = the rest.",
        "Value tier": "ABC by net revenue of the last 12 months (A up to 80 % of revenue, "
        "B up to 95 %, C the rest; VIP the top of A).",
        "Model": f"{'BG/NBD' if page.model.model == 'bgnbd' else 'Pareto/NBD'} for purchases "
        f"and Gamma-Gamma for spend, fitted on all customers, time unit {unit}.",
    }
    return _wrap(_h("Definitions"), d.definitions_html(defs))
