"""The sections of the CLV page (``notebooks/clv.ipynb``).

Each ``clv_*`` function renders one section of a
:class:`~retention_lib.pages.clv_report.CLVPage` (built by
:func:`~retention_lib.pages.clv_report.build_clv_page`) as :class:`IPython.display.HTML` in
the language of ``settings.language``: one library call per notebook cell. Every word comes
from the ``clv`` section of the message catalogs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import periods
from ..present import display as d
from ..present.clv_plots import (
    plot_clv_by_tier,
    plot_cumulative_transactions,
    plot_holdout_by_frequency,
    plot_p_alive_matrix,
    plot_tier_potential,
)
from .clv_html import catalog_columns, catalog_formats, drops_table, note_text, time_unit_name
from .clv_report import CLVPage
from .page_html import heading, wrap

__all__ = [
    "PARAM_SYMBOLS",
    "clv_definitions",
    "clv_header",
    "clv_p_alive",
    "clv_parameters",
    "clv_potential",
    "clv_tiers",
    "clv_top_customers",
    "clv_validation",
]

#: Display symbols of the model parameters (Fader & Hardie's notation; γ is lifetimes' v).
PARAM_SYMBOLS = {"r": "r", "alpha": "α", "a": "a", "b": "b", "s": "s", "beta": "β",
                 "p": "p", "q": "q", "v": "γ"}


def _money(page: CLVPage, value: float | None) -> str:
    """An amount in the page's currency and language."""
    return page.tr.money(value, page.settings.currency)



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
    return wrap(
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
    parts = [heading("rl-clv-model", tr.t("clv.headings.model"))]
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
            catalog_columns(tr, table), tr=tr,
            caption=tr.t("clv.params_caption", unit=time_unit_name(tr, model)),
            formats=catalog_formats(tr, {"value": lambda v: tr.number(v, decimals=4)})))
    if model.fit_codes_:
        parts.append(d.paragraphs_html(
            [note_text(n, tr=tr, currency=page.settings.currency) for n in model.fit_codes_],
            css_class="rl-note"))
    return wrap(*parts)


def clv_p_alive(page: CLVPage):
    """P(alive) matrix by frequency and recency, and the largest drops since last month."""
    tr, mat = page.tr, page.p_alive
    parts = [heading("rl-clv-alive", tr.t("clv.headings.p_alive"))]
    if not page.model.purchases_ok_:
        parts.append(d.note_html(tr.t("clv.p_alive.not_available")))
        return wrap(*parts)
    unit = time_unit_name(tr, page.model)
    age = tr.number(float(mat.columns.max()), decimals=0)
    parts.append(d.paragraphs_html([tr.t("clv.p_alive.intro", age=age, unit=unit)]))
    fig = plot_p_alive_matrix(mat, unit=page.model.time_unit, tr=tr)
    parts.append(d.figure_html(fig, alt=tr.t(
        "clv.p_alive.alt", max_frequency=int(mat.index.max()), age=age, unit=unit)))
    if len(page.drops):
        drops = page.drops.join(page.customers[["name", "manager", "tier"]], how="left")
        parts.append(drops_table(drops, tr=tr, caption=tr.t(
            "clv.p_alive.drops_caption",
            month=tr.month_name(page.as_of - pd.offsets.MonthEnd(1), genitive=True))))
    return wrap(*parts)



def clv_validation(page: CLVPage):
    """Calibration/holdout charts and error figures."""
    tr = page.tr
    parts = [heading("rl-clv-validation", tr.t("clv.headings.validation"))]
    v = page.validation
    if v is None:
        note = page.validation_note or {"code": "not_requested"}
        args = {"count": note["count"]} if "count" in note else {}
        parts.append(d.note_html(tr.t(f"clv.validation.{note['code']}", **args)))
        for n in note.get("notes", []):
            parts.append(d.note_html(note_text(n, tr=tr, currency=page.settings.currency)))
        return wrap(*parts)
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
        catalog_columns(tr, shown), tr=tr, caption=tr.t("clv.validation.caption"),
        formats=catalog_formats(tr, {"customers": tr.number, "actual_mean": two,
                                     "predicted_mean": two, "actual_total": tr.number,
                                     "predicted_total": tr.number})))
    return wrap(*parts)


def clv_tiers(page: CLVPage):
    """CLV distribution by value tier."""
    tr = page.tr
    parts = [heading("rl-clv-tiers", tr.t("clv.headings.tiers"))]
    stats = page.tier_stats
    if not page.model.spend_ok_ or stats["customers"].sum() == 0:
        parts.append(d.note_html(tr.t("clv.tiers.not_available")))
        return wrap(*parts)
    cur = page.settings.currency
    items = "; ".join(tr.t("clv.tiers.alt_item", tier=tr.label("tier", t),
                           money=_money(page, r["median"])) for t, r in stats.iterrows())
    parts.append(d.figure_html(plot_clv_by_tier(stats, currency=cur, tr=tr),
                               alt=tr.t("clv.tiers.alt", items=items)))
    shown = stats.rename(index=lambda t: tr.label("tier", t)).reset_index()
    money = lambda x: _money(page, x)  # noqa: E731
    parts.append(d.table_html(
        catalog_columns(tr, shown), tr=tr, caption=tr.t("clv.tiers.caption"),
        formats=catalog_formats(tr, {"customers": tr.number, **{
            c: money for c in ("total", "mean", "p10", "p25", "median", "p75", "p90")}})))
    return wrap(*parts)


def clv_potential(page: CLVPage):
    """Value tier × potential matrix."""
    tr, mat = page.tr, page.tier_potential
    parts = [heading("rl-clv-potential", tr.t("clv.headings.potential"))]
    hidden = int(mat.loc[[t for t in ("B", "C") if t in mat.index], "high"].sum())
    parts.append(d.paragraphs_html([
        tr.t("clv.potential.intro"), tr.t("clv.potential.hidden", count=hidden)]))
    items = "; ".join(
        tr.t("clv.potential.alt_item", tier=tr.label("tier", t),
             potential=tr.label("clv.potential_class", c), count=int(mat.loc[t, c]))
        for t in mat.index for c in mat.columns)
    parts.append(d.figure_html(plot_tier_potential(mat, tr=tr),
                               alt=tr.t("clv.potential.alt", items=items)))
    return wrap(*parts)


def clv_top_customers(page: CLVPage, *, top: int = 25):
    """Top customers by potential (12-month CLV) with name and manager."""
    tr = page.tr
    parts = [heading("rl-clv-top", tr.t("clv.headings.top", count=int(top)))]
    c = page.customers.dropna(subset=["clv_12m"])
    if c.empty:
        parts.append(d.note_html(tr.t("clv.top.not_available")))
        return wrap(*parts)
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
        catalog_columns(tr, shown), tr=tr, caption=tr.t("clv.top.caption"),
        formats=catalog_formats(tr, {"revenue": money, "clv_12m": money,
                                     "p_alive": lambda v: tr.percent(v, 0),
                                     "expected_purchases_12m":
                                         lambda v: tr.number(v, decimals=1)})))
    return wrap(*parts)


def clv_definitions(page: CLVPage):
    """Definitions of every number on the page."""
    tr, model = page.tr, page.model
    keys = ("p_alive", "expected_purchases", "expected_spend", "clv_12m", "revenue_12m",
            "potential", "tier", "drop", "model")
    args = {
        "clv_12m": {"rate": tr.percent(model.discount_rate_monthly)},
        "model": {"model": tr.t(f"clv.model_name.{model.model}"),
                  "spend_model": tr.t("clv.model_name.gamma_gamma"),
                  "unit": time_unit_name(tr, model)},
    }
    defs = [(tr.t(f"clv.defs.{k}.term"), tr.t(f"clv.defs.{k}.text", **args.get(k, {})))
            for k in keys]
    return wrap(heading("rl-clv-definitions", tr.t("clv.headings.definitions")),
                 d.definitions_html(defs))

