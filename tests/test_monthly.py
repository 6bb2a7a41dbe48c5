"""Tests of retention_lib.monthly: headline figures, verdict wording, metrics.json content."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from retention_lib import churn, monthly, reasons
from retention_lib.io import load_dataset


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
    return load_dataset({"transactions": _frame(rows)}, as_of="2026-11-22")


class TestVerdictBoundaries:
    @pytest.mark.parametrize(
        ("n", "lost", "text"),
        [
            # 2 / 20 = 0.10 exactly: normal (rate <= 0.10)
            pytest.param(20, 2, "Annual customer churn is 10.0% — normal zone", id="0.10-normal"),
            # 3 / 20 = 0.15: warning
            pytest.param(20, 3, "Annual customer churn is 15.0% — warning zone (above 10%): "
                         "act.", id="0.15-warning"),
            # 4 / 20 = 0.20 exactly: critical (rate >= 0.20)
            pytest.param(20, 4, "Annual customer churn is 20.0% — critical zone (20% or more):"
                         " act urgently.", id="0.20-critical"),
        ],
    )
    def test_first_sentence(self, n, lost, text):
        report = monthly.build_monthly(_tiny(n, lost), period="2026-10")
        sentences = monthly.verdict_sentences(report)
        assert sentences[0].startswith(text)

    def test_month_counts_and_no_surveys(self):
        extra = [
            ("lost1", "2025-10-10", 500.0),  # lost on 2026-10-10: lost in October, €500
            ("back1", "2025-01-01", 50.0),  # 657-day gap, then back on 2026-10-20 with €80
            ("back1", "2026-10-20", 80.0),
        ]
        report = monthly.build_monthly(_tiny(20, 2, extra), period="2026-10")
        sentences = monthly.verdict_sentences(report)
        assert "1 customer was lost in October (€500 of annual revenue) and 1 won back (€80)." \
            in sentences
        assert sentences[-2] == "Exit reasons are unknown: add surveys.csv to rank them."
        # the retention-economics scenario closes the verdict
        assert sentences[-1] == report.scenario
        assert report.scenario.startswith("Cutting churn by 5.0 pts would keep about €")
        assert "at risk" not in report.scenario  # nobody flagged in this tiny base
        assert report.sections_off == {
            "exit reasons": "surveys",
            "churn by manager": "customers",
            "company events on the churn chart": "events",
        }

    def test_change_on_last_month(self):
        # September window (2025-09-30, 2026-09-30]: the same 2 of 20 lost → 10.0 %;
        # lost1 bought 2025-10-10, after S of September, so it is in October's base only:
        # October: 3 of 21 = 14.3 %; up 4.3 points.
        extra = [("lost1", "2025-10-10", 500.0)]
        report = monthly.build_monthly(_tiny(20, 2, extra), period="2026-10")
        assert "Up 4.3 points on last month (10.0% at the end of September)." in \
            monthly.verdict_sentences(report)


class TestResolvePeriod:
    @pytest.mark.parametrize(
        ("last", "today", "expected"),
        [
            pytest.param("2026-10-31", None, "2026-10", id="month-end"),
            pytest.param("2026-10-30", None, "2026-09", id="mid-month-no-today"),
            pytest.param("2026-10-30", "2026-11-22", "2026-10", id="month-over-by-today"),
            pytest.param("2026-10-30", "2026-10-30", "2026-09", id="month-not-over"),
        ],
    )
    def test_default(self, last, today, expected):
        tx = pd.DataFrame({"date": pd.to_datetime(["2026-01-05", last])})
        assert monthly.resolve_period(tx, "", today=today) == expected

    def test_explicit_and_malformed(self):
        tx = pd.DataFrame({"date": pd.to_datetime(["2026-01-05"])})
        assert monthly.resolve_period(tx, "2026-03") == "2026-03"
        with pytest.raises(ValueError, match="YYYY-MM"):
            monthly.resolve_period(tx, "March")


@pytest.fixture(scope="module")
def sample_dataset():
    from retention_lib.sample import generate_sample

    return load_dataset(generate_sample(customers=150), as_of="2026-11-22")


class TestMetrics:
    def test_metrics_equal_direct_foundation_calls(self, sample_dataset):
        ds = sample_dataset
        m = monthly.report_metrics(ds, period="2026-10")
        json.dumps(m, allow_nan=False)  # strictly JSON-serialisable
        tx, cust = ds.transactions, ds.customers
        end, prev = pd.Timestamp("2026-10-31"), pd.Timestamp("2026-09-30")
        now = churn.churn_rate(tx, end=end, customers=cust).loc["all"]
        before = churn.churn_rate(tx, end=prev, customers=cust).loc["all"]
        assert m["period"] == "2026-10" and m["as_of"] == "2026-10-31"
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
        assert m["data_quality"] == ds.to_metrics()
        # tier counts add up to the active customers
        assert sum(t["customers"] for t in m["tiers"].values()) == m["customers"]["active"]

    def test_report_has_24_months_and_sections_render(self, sample_dataset):
        report = monthly.build_monthly(sample_dataset, period="2026-10")
        assert len(report.series) >= 24
        assert report.series.index[-1] == pd.Timestamp("2026-10-31")
        html = "".join(
            f(report).data for f in (
                monthly.section_header, monthly.section_verdict, monthly.section_kpis,
                monthly.section_churn_series, monthly.section_churn_breakdown,
                monthly.section_value_tiers, monthly.section_exit_reasons,
                monthly.section_lost_customers, monthly.section_definitions,
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


class TestFirstPage:
    def test_previous_month_and_changes_on_the_tiles(self):
        extra = [
            ("lostS", "2025-09-15", 700.0),  # lost on 2026-09-15: lost in September, €700
            ("lost1", "2025-10-10", 500.0),  # lost on 2026-10-10: lost in October
            ("backS", "2024-01-01", 50.0),  # 993-day gap, back on 2026-09-20 with €90
            ("backS", "2026-09-20", 90.0),
        ]
        report = monthly.build_monthly(_tiny(20, 2, extra), period="2026-10")
        # active at 2026-09-30: the 18 who bought on 2026-09-10, lost1 (until 2026-10-10)
        # and backS = 20; at 2026-10-31: 18 + backS = 19
        assert report.active_now == 19
        # won back in September: backS and the 18 whose 2026-09-10 purchase ended a 466-day
        # gap (over the 365-day lapse): 19, with 18 x 100 + 90 = 1,890
        assert report.previous_month == {"active": 20, "lost": 1, "lost_revenue": 700.0,
                                         "won": 19, "won_revenue": 1890.0}
        html = monthly.section_kpis(report).data
        assert "−1 vs last month (20)" in html  # active customers
        assert "±0 vs last month (1)" in html  # lost: 1 in October, 1 in September
        assert "−19 vs last month (19)" in html  # won back: 0 in October, 19 in September

    def test_change_follows_customer_churn_before_revenue_churn(self):
        report = monthly.build_monthly(_tiny(20, 2, [("lost1", "2025-10-10", 500.0)]),
                                       period="2026-10")
        s = monthly.verdict_sentences(report)
        assert s[0].startswith("Annual customer churn")
        assert s[1].startswith("Up 4.3 points on last month")
        assert s[2].startswith("Revenue churn")

    def test_actions_section(self, sample_dataset):
        from retention_lib import diagnostics as dx
        from retention_lib import discipline

        report = monthly.build_monthly(sample_dataset, period="2026-10")
        html = monthly.section_actions(report, dataset=sample_dataset).data
        assert 'id="rl-actions"' in html and "This month&#x27;s actions" in html
        contact = discipline.build_contact_discipline(sample_dataset, period="2026-10",
                                                      lang="en", with_funnel=False)
        diag = dx.build_diagnostics(sample_dataset, period="2026-10", lang="en")
        acts = discipline.executive_actions(contact, at_risk=diag.at_risk, queue=diag.queue)
        assert 3 <= len(acts) <= 5
        assert html.count("<li>") == len(acts)
        for a in acts:  # every action names its owner and its money
            owner = "Director" if a["owner"] == "director" else a["owner"]
            assert f"<strong>{owner}</strong>" in html
            if a["customers"]:
                assert a["customers"][0].replace('"', "&quot;") in html
