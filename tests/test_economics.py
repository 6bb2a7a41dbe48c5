"""Tests of retention_lib.economics with hand-computed numbers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from retention_lib.economics import format_money, retention_scenario, save_top_value


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
