"""The customer-base page (``notebooks/customer_base.ipynb``, for analysts): RFM segments,
ABC × XYZ, acquisition cohorts and segment migration.

:func:`build_customer_base` computes the tables once and returns a :class:`CustomerBase`; each
``base_*`` function renders one notebook cell as HTML in the page's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .. import periods
from ..analysis import churn, cohorts, tiers
from ..analysis.customer_days import share_subset_codes, shared_customer_codes
from ..analysis.shared import rows_until
from ..caching.memo import cached_build
from ..config import Settings
from ..i18n import Translator, get_translator
from ..present import display as d
from ..present import plots
from .context import data_end, resolve_period, settings_of
from .customer_tables import TIER_ORDER, rfm_raw, rfm_scores, segment_order, share_table, tiers_at
from .page_html import contents_html, heading, wrap

__all__ = [
    "BASE_SECTIONS",
    "CustomerBase",
    "base_abc_xyz",
    "base_cohorts",
    "base_contents",
    "base_header",
    "base_migration",
    "base_rfm",
    "build_customer_base",
]

#: Customer-base sections: (anchor id, catalog key of the heading).
BASE_SECTIONS = (
    ("rl-rfm", "base.headings.rfm"),
    ("rl-abc-xyz", "base.headings.abc_xyz"),
    ("rl-cohorts", "base.headings.cohorts"),
    ("rl-migration", "base.headings.migration"),
)


@dataclass
class CustomerBase:
    """Tables of ``notebooks/customer_base.ipynb`` (see :func:`build_customer_base`).

    Attributes
    ----------
    period, as_of, company, settings
        As in :class:`~retention_lib.pages.monthly.MonthlyReport`.
    rfm
        Index customer_id; ``R``, ``F``, ``M`` (int 1..5), ``segment`` (str), ``monetary``.
    segments
        Index segment; ``customers``, ``customer_share``, ``revenue``, ``revenue_share``,
        ``mean_R``, ``mean_F``, ``mean_M``.
    abc_xyz
        Index tier (VIP, A, B, C); columns X, Y, Z (and any other class); customer counts
        of the customers **active** at ``as_of`` (the set the executive page's value
        tiers count; lost customers have no current tier).
    cohorts, cohort_sizes
        :func:`cohorts.cohort_retention` and :func:`cohorts.cohort_sizes` (12 cohorts).
    migration
        :func:`cohorts.segment_migration`.
    tr
        The :class:`~retention_lib.i18n.Translator` of the page's language.
    active, ever
        Customers active at ``as_of`` and every customer with a purchase up to ``as_of``
        (RFM and the migration cover ``ever``, ABC × XYZ covers ``active``).
    """

    period: str
    as_of: pd.Timestamp
    company: str
    settings: Settings
    rfm: pd.DataFrame
    segments: pd.DataFrame
    abc_xyz: pd.DataFrame
    cohorts: pd.DataFrame
    cohort_sizes: pd.Series
    migration: pd.DataFrame
    tr: Translator = field(default_factory=lambda: get_translator("en"))
    active: int = 0
    ever: int = 0


@cached_build("customer_base")
def build_customer_base(
    dataset, *, period: str, settings: Settings | None = None, cohort_months: int = 12,
    lang: str | None = None,
) -> CustomerBase:
    """Compute the customer-base tables for ``period`` (data up to the month's last day).

    ``lang`` (en, ru, uk; default ``settings.language``) only chooses the words shown.
    """
    with shared_customer_codes():  # customer ids factorised once for every table
        return _build_customer_base(dataset, period=period, settings=settings,
                                    cohort_months=cohort_months, lang=lang)


def _build_customer_base(
    dataset, *, period: str, settings: Settings | None, cohort_months: int, lang: str | None
) -> CustomerBase:
    settings = settings_of(dataset, settings)
    tr = get_translator(lang or settings.language)
    period = resolve_period(dataset, period)
    as_of = periods.report_as_of(period, data_end(dataset))
    all_tx = dataset.transactions
    tx = rows_until(all_tx, as_of)  # all_tx itself when no row is later (no copy)
    if tx is not all_tx:  # value tiers read all_tx, the rest tx: one pass
        share_subset_codes(all_tx, (all_tx["date"] <= as_of).to_numpy(dtype=bool), tx)
    raw = rfm_raw(tx, as_of=as_of)  # also the "now" of the migration
    pairs = cohorts.purchase_months(tx, as_of)  # one pass for the cohort matrix and sizes
    rfm = rfm_scores(tx, as_of=as_of, raw=raw)
    tier_now = tiers_at(dataset, as_of=as_of, settings=settings)
    rev = tier_now["revenue"].reindex(rfm.index).fillna(0.0)
    segs = share_table(rfm["segment"], rev, segment_order())
    means = rfm.groupby("segment")[["R", "F", "M"]].mean()
    segs = segs.join(means.rename(columns=lambda c: f"mean_{c}"))
    xyz = tiers.xyz_classes(tx, as_of=as_of, x_max=settings.xyz_x_max,
                            y_max=settings.xyz_y_max)
    # one label, one set: value tiers are those of the customers active at as_of (the
    # executive page's tier table); RFM and the migration cover every customer ever seen
    status = churn.customer_status(tx, as_of=as_of, lapse_days=settings.lapse_days,
                                   customers=dataset.customers)
    active_ids = status.index[status["status"] == "active"]
    tier_active = tier_now.loc[tier_now.index.isin(active_ids)]
    both = tier_active[["tier"]].join(xyz["xyz"], how="inner")
    mat = pd.crosstab(both["tier"], both["xyz"])
    mat = mat.reindex(index=[t for t in TIER_ORDER if t in mat.index]
                      + [t for t in mat.index if t not in TIER_ORDER])
    mat = mat.reindex(columns=[c for c in ("X", "Y", "Z") if c in mat.columns]
                      + [c for c in mat.columns if c not in ("X", "Y", "Z")])
    return CustomerBase(
        period=period,
        as_of=as_of,
        company=settings.company_name,
        settings=settings,
        rfm=rfm,
        segments=segs,
        abc_xyz=mat.astype("int64"),
        cohorts=cohorts.cohort_retention_from_pairs(pairs, as_of=as_of, months=cohort_months),
        cohort_sizes=cohorts.cohort_sizes_from_pairs(pairs, as_of=as_of, months=cohort_months),
        migration=cohorts.segment_migration_from_rfm(raw, tx, as_of=as_of,
                                                     lapse_days=settings.lapse_days),
        tr=tr,
        active=len(active_ids),
        ever=len(rfm),
    )


def base_header(base: CustomerBase):
    """Styles and the title of the customer-base page."""
    tr = base.tr
    return wrap(
        d.style_block(),
        d.title_html(company=base.company, period_label=tr.month(base.as_of),
                     as_of=tr.date(base.as_of), subtitle=tr.t("title.base_subtitle"), tr=tr,
                     partial=periods.ends_early(base.as_of)),
    )


def base_contents(base: CustomerBase):
    """A short table of contents of the customer-base page."""
    return wrap(contents_html(base.tr, BASE_SECTIONS, month=base.tr.month(base.as_of)))


def base_rfm(base: CustomerBase):
    """RFM segment table and the R × F heatmaps (counts and mean monetary value)."""
    tr = base.tr
    parts = [heading("rl-rfm", tr.t("base.headings.rfm"))]
    cols = {c: tr.t(f"base.rfm.cols.{c}") for c in
            ("segment", "customers", "customer_share", "revenue", "revenue_share",
             "mean_R", "mean_F", "mean_M")}
    seg = base.segments.rename(index=lambda s: tr.label("segment", s))
    parts.append(d.table_html(
        seg.rename_axis(cols["segment"]).rename(columns=cols), index=True,
        caption=tr.t("base.rfm.caption") + " " + _population_ever(tr, base),
        formats={cols["customers"]: tr.number,
                 cols["customer_share"]: lambda v: tr.percent(v),
                 cols["revenue"]: lambda v: tr.money(v, base.settings.currency),
                 cols["revenue_share"]: lambda v: tr.percent(v),
                 cols["mean_R"]: lambda v: tr.number(v, decimals=2),
                 cols["mean_F"]: lambda v: tr.number(v, decimals=2),
                 cols["mean_M"]: lambda v: tr.number(v, decimals=2)},
        tr=tr,
    ))
    fig = plots.plot_rfm_heatmap(base.rfm, value="customers", tr=tr)
    parts.append(d.figure_html(fig, alt=tr.t("base.rfm.alt_customers", count=len(base.rfm))))
    fig = plots.plot_rfm_heatmap(base.rfm, value="monetary", currency=base.settings.currency,
                                 tr=tr)
    parts.append(d.figure_html(fig, alt=tr.t("base.rfm.alt_monetary")))
    return wrap(*parts)


def _population_ever(tr: Translator, base: CustomerBase) -> str:
    return tr.t("population.ever", count=base.ever, date=tr.date(base.as_of),
                active=base.active, lost=base.ever - base.active)


def base_abc_xyz(base: CustomerBase):
    """ABC (value tier) × XYZ (demand stability) matrix."""
    tr = base.tr
    fig = plots.plot_abc_xyz(base.abc_xyz, title=tr.t("base.abc_xyz.chart_title"), tr=tr)
    alt = tr.t("base.abc_xyz.alt", items="; ".join(
        f"{tr.label('tier', t)}/{c} {tr.number(int(base.abc_xyz.loc[t, c]))}"
        for t in base.abc_xyz.index for c in base.abc_xyz.columns
    ))
    s = base.settings
    return wrap(
        heading("rl-abc-xyz", tr.t("base.headings.abc_xyz")),
        d.note_html(tr.t("population.active", count=base.active, date=tr.date(base.as_of),
                         lapse_days=s.lapse_days)),
        d.figure_html(fig, alt=alt),
        d.note_html(tr.t("base.abc_xyz.note", x_max=tr.number(s.xyz_x_max, decimals=None),
                         y_max=tr.number(s.xyz_y_max, decimals=None))),
    )


def base_cohorts(base: CustomerBase):
    """Monthly acquisition-cohort retention heatmap."""
    tr = base.tr
    fig = plots.plot_cohort_retention(base.cohorts, sizes=base.cohort_sizes,
                                      title=tr.t("base.cohorts.chart_title"), tr=tr)
    return wrap(
        heading("rl-cohorts", tr.t("base.headings.cohorts")),
        d.figure_html(fig, alt=tr.t("base.cohorts.alt", count=len(base.cohorts))),
        d.note_html(tr.t("base.cohorts.note", full=tr.percent(1.0, 0))),
        # the diagonal's last cells are the month of a partial as_of: counted to the data end
        d.note_html(tr.t("base.cohorts.partial", month=tr.month(base.as_of),
                         date=tr.date(base.as_of)))
        if periods.ends_early(base.as_of) else "",
    )


def base_migration(base: CustomerBase):
    """RFM segment migration since the previous month end (heatmap and table)."""
    tr = base.tr
    m = base.migration
    moved = int(m.to_numpy().sum() - sum(
        m.loc[s, s] for s in m.index if s in m.columns))
    fig = plots.plot_segment_migration(m, title=tr.t("base.migration.chart_title"), tr=tr)
    table = m.rename(index=lambda s: tr.label("segment", s),
                     columns=lambda s: tr.label("segment", s))
    table.columns.name = None
    return wrap(
        heading("rl-migration", tr.t("base.headings.migration")),
        d.figure_html(fig, alt=tr.t("base.migration.alt", count=moved)),
        d.table_html(table.rename_axis(tr.t("base.migration.corner")), index=True,
                     caption=tr.t("base.migration.caption") + " "
                     + _population_ever(tr, base),
                     formats={c: tr.number for c in table.columns}, tr=tr),
    )
