"""Tests of retention_lib.analysis.clv_outputs: the CLV section of the report metrics."""

# the fixtures imported from test_clv are the test arguments of the same name
# ruff: noqa: F811

from __future__ import annotations

import json

import pytest

from retention_lib.analysis import clv
from retention_lib.analysis.clv_outputs import clv_metrics
from tests.analysis.test_clv import cdnow_split, fitted, sources  # noqa: F401


class TestMetrics:
    def test_clv_section(self, fitted, sources):
        m, d = fitted["own_split"], sources["own_split"]
        pred = m.predict(d)
        out = clv_metrics(pred, model=m)
        json.dumps(out)  # JSON-ready
        assert out["model"] == "bgnbd" and out["time_unit"] == "W"
        assert out["parameters"] == m.bgnbd_params_
        assert out["customers"] == 2357 and out["repeat_buyers"] == 946
        by_hand = float((pred["expected_purchases_12m"] * pred["expected_avg_spend"]).sum())
        assert out["expected_revenue_12m"] == pytest.approx(by_hand)
        # discounting at 1 % a month lowers the 12-month value below the undiscounted one
        assert out["clv_12m_total"] < out["expected_revenue_12m"]
        # notes are codes with numbers (the same in every report language), one per note
        assert out["notes"] == m.fit_codes_
        assert len(out["notes"]) == len(m.fit_notes_)
        assert all(set(n) - {"code"} == set(clv.NOTE_CODES[n["code"]]) for n in out["notes"])

    def test_needs_12_month_predictions(self, fitted, sources):
        m = fitted["own_split"]
        with pytest.raises(KeyError, match="expected_purchases_12m"):
            clv_metrics(m.predict(sources["own_split"], horizon="39W"), model=m)
