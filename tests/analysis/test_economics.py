"""Tests of retention_lib.analysis.economics with hand-computed numbers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from retention_lib.analysis.economics import format_money, retention_scenario, save_top_value


class TestScenario:
    def test_hand_numbers(self):
        r = retention_scenario(
            customers=1000, avg_revenue=12_000.0, margin_rate=0.25, churn_rate=0.18,
            churn_cut_points=0.05, acquisition_cost_multiplier=5.0, retention_cost=400.0,
        )
        # 1000 x 0.05 = 50 kept; 50 x 12,000 = 600,000 revenue; x 0.25 = 150,000 margin
        assert r["customers_kept"] == pytest.approx(50.0)
        assert r["revenue_kept"] == pytest.approx(600_000.0)
        assert r["margin_kept"] == pytest.approx(150_000.0)
        assert r["new_churn_rate"] == pytest.approx(0.13)
        # acquiring one costs 5 x 400 = 2,000; replacing 50 = 100,000; keeping 50 = 20,000
        assert r["acquisition_cost"] == pytest.approx(2_000.0)
        assert r["replacement_cost"] == pytest.approx(100_000.0)
        assert r["retention_spend"] == pytest.approx(20_000.0)
        s = r["sentence"]
        assert "from 18.0 % to 13.0 % (5.0 points)" in s
        assert "600,000 of revenue and 150,000 of margin" in s
        assert "Assumptions: 1,000 active customers" in s and "margin 25 %" in s

    @pytest.mark.parametrize(
        ("churn", "cut", "kept"),
        [(0.03, 0.05, 30.0), (0.2, 0.1, 100.0), (0.0, 0.05, 0.0)],
        ids=["cut-capped-at-churn", "ten-points", "no-churn"],
    )
    def test_cut_capped(self, churn, cut, kept):
        r = retention_scenario(customers=1000, avg_revenue=1.0, margin_rate=1.0,
                               churn_rate=churn, churn_cut_points=cut)
        assert r["customers_kept"] == pytest.approx(kept)
        assert math.isnan(r["replacement_cost"])

    @pytest.mark.parametrize(
        ("kw", "match"),
        [({"margin_rate": 1.5}, "margin_rate"), ({"churn_rate": -0.1}, "churn_rate"),
         ({"acquisition_cost_multiplier": 0.5}, "acquisition_cost_multiplier")],
        ids=["margin", "churn", "multiplier"],
    )
    def test_bad_input_is_named(self, kw, match):
        args = dict(customers=10, avg_revenue=1.0, margin_rate=0.2, churn_rate=0.1)
        args.update(kw)
        with pytest.raises(ValueError, match=match):
            retention_scenario(**args)


class TestSaveTop:
    def test_hand_numbers(self):
        at_risk = pd.DataFrame({
            "revenue_12m": [1000.0, 4000.0, 500.0, 9000.0],
            "risk_score": [0.5, 0.25, 0.8, 0.9],
            "value_at_risk": [500.0, 1000.0, 400.0, 8100.0],
            "flagged": [True, True, True, False],
        }, index=["a", "b", "c", "d"])
        r = save_top_value(at_risk, top=2, save_rate=0.3, margin_rate=0.2)
        # d is not flagged; top 2 by value at risk: b (1000), a (500) -> 1500
        assert r["customers"] == 2
        assert r["value_at_risk"] == pytest.approx(1500.0)
        assert r["revenue_12m"] == pytest.approx(5000.0)
        # 0.3 x 1500 = 450 revenue; x 0.2 = 90 margin
        assert r["revenue_saved"] == pytest.approx(450.0)
        assert r["margin_saved"] == pytest.approx(90.0)
        assert "450 of revenue and 90 of" in r["sentence"]


def test_format_money():
    assert format_money(12345.6) == "12,346"
    assert format_money(1000.0, "EUR") == "1,000 EUR"
    assert format_money(float("nan")) == "n/a"


class TestScenarioFromLostCustomers:
    """Issue 18, point 8: the value of a churn cut is drawn from the revenue of the
    customers actually lost, never from the average active customer."""

    def test_hand_numbers(self):
        # 10 customers in the churn base, 2 of them lost (20 %) who brought 3,000 in their
        # last year: a customer kept is worth 1,500; a 5-point cut keeps 10 x 0.05 = 0.5
        # customers, 750 of revenue, 375 of margin at 50 %
        r = retention_scenario(customers=10, avg_revenue=99_999.0, margin_rate=0.5,
                               churn_rate=0.2, churn_cut_points=0.05, lost_customers=2,
                               lost_revenue=3_000.0, currency="EUR")
        assert r["basis"] == "lost"
        assert r["revenue_per_customer"] == pytest.approx(1_500.0)
        assert r["customers_kept"] == pytest.approx(0.5)
        assert r["revenue_kept"] == pytest.approx(750.0)
        assert r["margin_kept"] == pytest.approx(375.0)
        assert r["lost_revenue_12m"] == 3_000.0 and r["lost_customers"] == 2
        assert "what the 2 customers lost in the 12 months brought" in r["sentence"]
        assert "1,500 EUR (3,000 EUR in all)" in r["sentence"]

    @pytest.mark.parametrize("cut", [0.05, 0.13, 0.5])
    def test_never_more_than_was_lost(self, cut):
        # the sample's own figures: 168 of 1,289 lost (13.0 %) with 411,957 in their last year
        r = retention_scenario(customers=1289, avg_revenue=0.0, margin_rate=0.25,
                               churn_rate=168 / 1289, churn_cut_points=cut,
                               lost_customers=168, lost_revenue=411_957.0)
        assert r["revenue_kept"] <= 411_957.0 + 1e-6
        assert r["revenue_kept"] == pytest.approx(411_957.0 * min(cut, 168 / 1289) / (168 / 1289))

    def test_lost_counts_go_together_and_are_checked(self):
        args = dict(customers=10, avg_revenue=1.0, margin_rate=0.2, churn_rate=0.1)
        with pytest.raises(ValueError, match="together"):
            retention_scenario(**args, lost_customers=1)
        with pytest.raises(ValueError, match="lost_customers"):
            retention_scenario(**args, lost_customers=11, lost_revenue=5.0)

    def test_refund_only_lost_revenue_keeps_nothing(self):
        r = retention_scenario(customers=10, avg_revenue=0.0, margin_rate=0.2, churn_rate=0.1,
                               lost_customers=1, lost_revenue=-50.0)
        assert r["revenue_kept"] == 0.0


@pytest.fixture(scope="module")
def tiny_business(tmp_path_factory):
    """A business small enough to compute the economics by hand (report 2026-10)."""
    from retention_lib.data.io import load_dataset

    folder = tmp_path_factory.mktemp("tiny_economics")
    rows = [
        # A: last purchase 1 Sep 2025 -> lost on 1 Sep 2026; 3,000 in its last year
        ("A", "2025-06-01", 1000.0), ("A", "2025-09-01", 2000.0),
        # B: last purchase 15 Oct 2025 -> lost on 15 Oct 2026; 400 in its last year
        ("B", "2025-10-15", 400.0),
        # C and D: active all along; E: new in 2026 (not in the churn base)
        ("C", "2025-10-01", 1000.0), ("C", "2026-10-01", 1000.0),
        ("D", "2025-05-01", 7000.0), ("D", "2026-05-01", 7000.0),
        ("E", "2026-03-01", 50.0), ("E", "2026-10-31", 50.0),
    ]
    pd.DataFrame(rows, columns=["customer_id", "date", "amount"]).to_csv(
        folder / "transactions.csv", index=False)
    return load_dataset(folder)


class TestEconomicsOfATinyBusiness:
    """The whole chain on :func:`tiny_business`."""

    def test_metrics_economics(self, tiny_business):
        from retention_lib.pages.diagnostics import diagnostics_metrics

        eco = diagnostics_metrics(tiny_business, period="2026-10")["economics"]
        # churn base on 31 Oct 2025: A, B, C, D (4); lost in the 12 months: A and B (50 %)
        assert eco["churn_base"] == 4 and eco["lost_customers_12m"] == 2
        assert eco["churn_rate"] == pytest.approx(0.5)
        assert eco["lost_revenue_12m"] == pytest.approx(3_400.0)
        # 5 points of 4 customers = 0.2 kept, each worth 3,400 / 2 = 1,700 -> 340 of revenue;
        # no margin column: the default 25 % -> 85 of margin
        assert eco["churn_cut_points"] == pytest.approx(0.05)
        assert eco["customers_kept"] == pytest.approx(0.2)
        assert eco["revenue_per_customer_kept"] == pytest.approx(1_700.0)
        assert eco["revenue_kept"] == pytest.approx(340.0)
        assert eco["margin_kept"] == pytest.approx(85.0) and not eco["margin_from_data"]
        assert eco["basis"] == "lost"

    def test_pages_state_the_figure_with_its_source(self, tiny_business):
        from retention_lib.pages import diagnostics, diagnostics_sections

        diag = diagnostics.build_diagnostics(tiny_business, period="2026-10", lang="en")
        verdict = diagnostics.scenario_sentence(tiny_business, period="2026-10",
                                                diagnostics=diag)
        assert "340" in verdict and "3,400" in verdict
        assert "customers lost in the last 12 months" in verdict
        page = diagnostics_sections.section_economics(diag).data
        assert "1,700" in page and "(2)" in page and "3,400" in page
