"""Tests of retention_lib.pages.monthly: headline figures, sections following the data, metrics."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from retention_lib.analysis import churn, reasons
from retention_lib.data.io import load_dataset
from retention_lib.pages import (
    customer_base,
    monthly,
    monthly_first_page,
    monthly_metrics,
    monthly_sections,
)


def _frame(rows):
    ids, dates, amounts = zip(*rows, strict=True)
    return pd.DataFrame({"customer_id": list(ids), "date": list(dates),
                         "amount": np.array(amounts, dtype="float64")})


def _tiny(n_customers: int, n_lost: int, extra=()):
    """n customers all active at S = 2025-10-31 (bought 2025-06-01); the first n_lost never
    buy again (lost on 2026-06-01, inside the window), the others buy again in 2026-09."""
    rows = []
    for i in range(n_customers):
        cid = f"c{i:03d}"
        rows.append((cid, "2025-06-01", 100.0))
        if i >= n_lost:
            rows.append((cid, "2026-09-10", 100.0))
    rows.extend(extra)
    # the last sale is in September; the export covers October (data_end given, as a user
    # whose October had no sales would): October is reported up to its last day
    return load_dataset({"transactions": _frame(rows)}, as_of="2026-11-22",
                        config={"data_end": "2026-10-31"})



class TestMetrics:
    def test_metrics_equal_direct_foundation_calls(self, sample_dataset):
        ds = sample_dataset
        m = monthly_metrics.report_metrics(ds, period="2026-10")
        json.dumps(m, allow_nan=False)  # strictly JSON-serialisable
        tx, cust = ds.transactions, ds.customers
        # the 150-customer sample's last dated row is Friday 30 October: October is the
        # default month (within the 3-day tolerance) measured up to the 30th, marked partial
        assert ds.data_end == pd.Timestamp("2026-10-30")
        end, prev = ds.data_end, pd.Timestamp("2026-09-30")
        now = churn.churn_rate(tx, end=end, customers=cust).loc["all"]
        before = churn.churn_rate(tx, end=prev, customers=cust).loc["all"]
        assert m["period"] == "2026-10" and m["as_of"] == "2026-10-30"
        assert m["data_end"] == "2026-10-30" and m["partial"] is True
        assert m["customer_churn"] == pytest.approx(now["customer_churn"])
        assert m["revenue_churn"] == pytest.approx(now["revenue_churn"])
        assert m["status"] == churn.churn_status(now["customer_churn"])
        assert m["previous"]["customer_churn"] == pytest.approx(before["customer_churn"])
        assert m["customers"]["lost_12m"] == now["lost"]
        assert m["customers"]["active_at_window_start"] == now["active_start"]
        status = churn.customer_status(tx, as_of=end, customers=cust)
        assert m["customers"]["active"] == int((status["status"] == "active").sum())
        lost_m = churn.lost_customers(tx, start=prev, end=end, customers=cust)
        assert m["customers"]["lost_this_month"] == len(lost_m)
        assert m["customers"]["lost_this_month_revenue"] == pytest.approx(
            lost_m["lost_revenue"].sum())
        won = churn.won_back(tx, start=prev, end=end, customers=cust)
        assert m["customers"]["won_back_this_month"] == len(won)
        assert m["customers"]["won_back_this_month_revenue"] == pytest.approx(
            won["revenue_since_return"].sum())
        lost12 = churn.lost_customers(tx, end=end, customers=cust)
        surveys = ds.surveys.loc[ds.surveys["date"] <= end]
        cov = reasons.survey_coverage(surveys, lost=lost12)
        assert m["survey_coverage"]["lost"] == cov["lost"]
        assert m["survey_coverage"]["surveyed"] == cov["surveyed"]
        ranked = reasons.rank_reasons(surveys, lost=lost12)
        by_rev = ranked.sort_values("lost_revenue", ascending=False, kind="stable")
        assert [r["category"] for r in m["top_reasons_by_revenue"]] == \
            by_rev["category"].head(3).tolist()
        by_count = ranked.sort_values("customers", ascending=False, kind="stable")
        assert [r["customers"] for r in m["top_reasons_by_count"]] == \
            by_count["customers"].head(3).tolist()
        assert m["data_quality"] == ds.to_metrics(as_of=end)
        assert m["data_quality"]["as_of"] == "2026-10-30"  # the report date, not the run date
        assert m["data_quality"]["checked_on"] == "2026-11-22"
        # tier counts add up to the active customers
        assert sum(t["customers"] for t in m["tiers"].values()) == m["customers"]["active"]

    def test_report_has_24_months_and_sections_render(self, sample_dataset):
        report = monthly.build_monthly(sample_dataset, period="2026-10")
        assert len(report.series) >= 24
        # October is partial (data up to Friday the 30th): its point is the headline window
        assert report.partial and report.as_of == pd.Timestamp("2026-10-30")
        assert report.series.index[-1] == pd.Timestamp("2026-10-30")
        assert report.series.index[-2] == pd.Timestamp("2026-09-30")
        assert report.series["customer_churn"].iloc[-1] == pytest.approx(
            report.overall["customer_churn"])
        html = "".join(
            f(report).data for f in (
                monthly_first_page.section_header, monthly_first_page.section_verdict,
                monthly_first_page.section_kpis,
                monthly_sections.section_churn_series, monthly_sections.section_churn_breakdown,
                monthly_sections.section_value_tiers, monthly_sections.section_exit_reasons,
                monthly_sections.section_lost_customers, monthly_sections.section_definitions,
            )
        )
        assert html.count("<img ") == 6 and html.count('alt="') == 6
        assert "Definitions and data quality" in html


class TestFormatMoney:
    @pytest.mark.parametrize(
        ("value", "currency", "text"),
        [
            pytest.param(41200.4, "EUR", "€41,200", id="eur"),
            pytest.param(-3100.0, "usd", "-$3,100", id="usd-negative"),
            pytest.param(12.0, "CHF", "CHF\u00a012", id="code"),  # CLDR spacing
            pytest.param(float("nan"), "EUR", "n/a", id="nan"),
        ],
    )
    def test_format(self, value, currency, text):
        assert monthly.format_money(value, currency) == text


def _attributes_dataset(*, manager: bool):
    """8 customers, all active on 31 Oct 2025 (bought 100 on 1 Jun 2025).  B2B/North:
    c000-c003, c000 lost, the others buy 200 on 10 Sep 2026; B2C without a region: c004-c007,
    c004 and c005 lost, the others buy 50 on 10 Sep 2026."""
    rows = []
    for i in range(8):
        cid = f"c{i:03d}"
        rows.append((cid, "2025-06-01", 100.0))
        if i in (1, 2, 3):
            rows.append((cid, "2026-09-10", 200.0))
        if i in (6, 7):
            rows.append((cid, "2026-09-10", 50.0))
    customers = pd.DataFrame({
        "customer_id": [f"c{i:03d}" for i in range(8)],
        "segment": ["B2B"] * 4 + ["B2C"] * 4,
        "region": ["North"] * 4 + [""] * 4,
    })
    if manager:
        customers["manager"] = ["Anna"] * 4 + ["Boris"] * 4
    # the last sale is on 10 Sep; the export covers October (data_end, as in _tiny)
    return load_dataset({"transactions": _frame(rows), "customers": customers},
                        as_of="2026-10-31", config={"data_end": "2026-10-31"})


class TestSectionsFollowTheData:
    """Issue 18, point 5."""

    def test_segment_and_region_breakdowns_by_hand(self):
        report = monthly.build_monthly(_attributes_dataset(manager=False), period="2026-10")
        seg = report.by_attribute["segment"]
        assert list(seg.index) == ["B2B", "B2C"]
        assert seg["active_at_start"].tolist() == [4, 4]
        assert seg["lost"].tolist() == [1, 2]
        assert seg["churn_rate"].tolist() == pytest.approx([0.25, 0.5])
        # revenue churn: 100 of 400 and 200 of 400 in the year up to 31 Oct 2025
        assert seg["revenue_churn"].tolist() == pytest.approx([0.25, 0.5])
        # active on 31 Oct 2026: 3 B2B with 600, 2 B2C with 100 over the last 12 months
        assert seg["active_now"].tolist() == [3, 2]
        assert seg["revenue"].tolist() == pytest.approx([600.0, 100.0])
        assert seg["revenue_share"].tolist() == pytest.approx([600 / 700, 100 / 700])
        region = report.by_attribute["region"]
        assert list(region.index) == ["North", "unassigned"]  # a blank region: unassigned
        assert region["lost"].tolist() == [1, 2]
        html = monthly_sections.section_churn_breakdown(report).data
        assert "Churn and revenue by segment" in html and "Churn and revenue by region" in html
        assert "HoReCa" not in html and "B2C" in html

    def test_breakdowns_in_metrics(self):
        metrics = monthly_metrics.report_metrics(_attributes_dataset(manager=True),
                                                 period="2026-10")
        seg = metrics["breakdowns"]["segment"]
        assert seg["B2C"] == {"active_now": 2, "revenue_12m": 100.0, "active_at_start": 4,
                              "lost": 2, "customer_churn": 0.5, "revenue_churn": 0.5}
        assert set(metrics["breakdowns"]) == {"segment", "region"}

    def test_no_manager_column_turns_the_manager_sections_off(self):
        from retention_lib.pages import discipline, discipline_executive, discipline_sections

        ds = _attributes_dataset(manager=False)
        report = monthly.build_monthly(ds, period="2026-10")
        assert report.by_manager is None
        assert report.sections_off["churn by manager"] == "customers.manager"
        html = monthly_sections.section_churn_breakdown(report).data
        assert "needs the <code>manager</code> column in the <code>customers</code>" in html
        assert "Churn by account manager" not in html
        dq = monthly_sections.section_definitions(report).data
        assert "churn by manager (needs the manager column of customers.csv)" in dq
        contacts = pd.DataFrame({"customer_id": ["c001"], "date": ["2026-10-01"],
                                 "channel": ["call"]})
        ds = load_dataset({"transactions": ds.transactions, "customers": ds.customers,
                           "contacts": contacts}, as_of="2026-10-31")
        cd = discipline.build_contact_discipline(ds, period="2026-10", lang="en")
        assert cd.by_manager is None and cd.fit is None and cd.funnel_by_manager is None
        assert cd.sections_off == {"by_manager": "customers.manager",
                                   "manager_fit": "customers.manager"}
        assert cd.compliance is not None  # compliance itself stays on
        assert discipline.discipline_metrics(cd)["by_manager"] == {}
        assert "compliance per manager" in discipline_executive.executive_section(cd)
        for section in (discipline_sections.section_compliance_by_manager,
                        discipline_sections.section_manager_fit,
                        discipline_sections.section_funnel):
            assert section(cd) is not None

    def test_with_managers_the_sections_are_on(self):
        report = monthly.build_monthly(_attributes_dataset(manager=True), period="2026-10")
        assert report.by_manager is not None and "churn by manager" not in report.sections_off
        assert report.by_manager.loc["Boris", "lost"] == 2


@pytest.mark.parametrize(
    ("managers", "expected"),
    [(None, False), (["unassigned", "", None], False), (["unassigned", " Anna "], True)],
    ids=["no-column", "all-unassigned", "one-named"],
)
def test_has_managers(managers, expected):
    from retention_lib.analysis.managers import has_managers

    customers = pd.DataFrame({"customer_id": ["a", "b", "c"][: len(managers or "abc")]})
    if managers is not None:
        customers["manager"] = managers
    assert has_managers(customers) is expected
    assert has_managers(None) is False


class TestOnePopulationPerLabel:
    """Issue 18, point 6: value tiers (ABC × XYZ included) cover the customers active at the
    report date; RFM, the migration and CLV cover every customer ever seen, and say so."""

    def test_customer_base_populations(self):
        ds = _attributes_dataset(manager=True)
        base = customer_base.build_customer_base(ds, period="2026-10")
        # 8 customers bought; c000, c004, c005 are lost on 1 Jun 2026: 5 active
        assert (base.ever, base.active) == (8, 5)
        assert len(base.rfm) == 8
        assert int(base.abc_xyz.to_numpy().sum()) == 5
        html = customer_base.base_rfm(base).data
        assert "Covers all 8 customers who bought up to 31 October 2026, active or lost " \
               "(5 active, 3 lost)." in html
        assert "Covers the 5 customers active on 31 October 2026" in \
            customer_base.base_abc_xyz(base).data

    def test_executive_page_and_metrics(self):
        ds = _attributes_dataset(manager=True)
        report = monthly.build_monthly(ds, period="2026-10")
        assert report.active_now == 5 and int(report.tiers["customers"].sum()) == 5
        html = monthly_sections.section_value_tiers(report).data
        assert "Value tiers of the 5 active customers" in html
        assert "Covers all 8 customers who bought up to 31 October 2026" in html
        metrics = monthly_metrics.report_metrics(ds, period="2026-10")
        assert metrics["customers"]["active"] == 5
        assert metrics["customers"]["ever_seen"] == 8
        assert metrics["clv"]["population"] == "ever_seen"
