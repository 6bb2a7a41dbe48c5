"""Tests of retention_lib.analysis.clv_holdout: calibration/holdout split and holdout checks."""

# the fixtures imported from test_clv are the test arguments of the same name
# ruff: noqa: F811

from __future__ import annotations

import pandas as pd
import pytest
from lifetimes.datasets import load_cdnow_summary

from retention_lib.analysis.clv_holdout import (
    calibration_holdout_split,
    cumulative_transactions,
    holdout_by_frequency,
    holdout_errors,
)
from retention_lib.data.cdnow import load_cdnow_transactions
from tests.analysis.test_clv import (  # noqa: F401
    CAL_END,
    HOLD_END,
    cdnow_split,
    fitted,
    sources,
)


class TestValidation:
    @pytest.fixture()
    def small_tx(self) -> pd.DataFrame:
        return pd.DataFrame({
            "customer_id": pd.array(["a", "a", "a", "a", "b", "b", "c"], dtype="string"),
            "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-02-10",
                                    "2024-01-08", "2024-03-01", "2024-02-20"]),
            "amount": [10.0, 5.0, 30.0, 20.0, 7.0, 9.0, 100.0],
        })

    def test_split_by_hand(self, small_tx):
        out = calibration_holdout_split(small_tx, calibration_end="2024-01-31",
                                        holdout_end="2024-02-29", freq="D")
        # c's first purchase is after the calibration end: not in the cohort
        assert out.index.tolist() == ["a", "b"]
        # a: days 01-01 (two rows = one purchase), 01-15 → x=1, t_x=14, T=30, m=30;
        #    holdout 02-10 → 1.  b: day 01-08 only → x=0, t_x=0, T=23; 03-01 is after the end
        expected = pd.DataFrame({
            "frequency_cal": [1.0, 0.0], "recency_cal": [14.0, 0.0], "T_cal": [30.0, 23.0],
            "monetary_value_cal": [30.0, 0.0], "frequency_holdout": [1.0, 0.0],
            "duration_holdout": [29.0, 29.0],
        }, index=pd.Index(pd.array(["a", "b"], dtype="string"), name="customer_id"))
        pd.testing.assert_frame_equal(out, expected)

    def test_split_in_weeks(self, small_tx):
        out = calibration_holdout_split(small_tx, calibration_end="2024-01-31",
                                        holdout_end="2024-02-29", freq="W")
        assert out.loc["a", "T_cal"] == pytest.approx(30 / 7)
        assert out.loc["a", "duration_holdout"] == pytest.approx(29 / 7)

    def test_split_rejects_holdout_before_calibration(self, small_tx):
        with pytest.raises(ValueError, match="holdout_end"):
            calibration_holdout_split(small_tx, calibration_end="2024-02-01",
                                      holdout_end="2024-01-01")

    def test_holdout_by_frequency_on_cdnow(self, cdnow_split, fitted):
        table = holdout_by_frequency(cdnow_split, model=fitted["own_split"])
        assert table.index.tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
        assert table["customers"].sum() == 2357
        # 1,411 of the 2,357 customers made no repeat purchase in the calibration period
        # (2,357 - 946 repeat buyers)
        assert table.loc["0", "customers"] == 2357 - 946
        assert table["actual_total"].sum() == cdnow_split["frequency_holdout"].sum()
        errs = holdout_errors(cdnow_split, model=fitted["own_split"])
        assert errs["predicted_total"] == pytest.approx(table["predicted_total"].sum())
        assert errs["total_error_pct"] == pytest.approx(
            100 * (errs["predicted_total"] / errs["actual_total"] - 1))
        # the model tracks the holdout: totals within 15 %, per bucket means ordered
        assert abs(errs["total_error_pct"]) < 15
        assert table["predicted_mean"].is_monotonic_increasing

    def test_cumulative_transactions_by_hand(self, small_tx, fitted):
        out = cumulative_transactions(small_tx, model=fitted["lifetimes_csv"],
                                      calibration_end="2024-01-31", holdout_end="2024-02-29",
                                      step_days=14)
        # cohort a, b (first purchase by 01-31), start 01-01; steps end 01-14, 01-28, 02-11,
        # 02-25, 02-29 (clipped).  Repeat purchase days: a 01-15, a 02-10 (b's 03-01 too late)
        assert out["date"].dt.strftime("%m-%d").tolist() == [
            "01-14", "01-28", "02-11", "02-25", "02-29"]
        assert out["actual"].tolist() == [0.0, 1.0, 2.0, 2.0, 2.0]
        assert out["holdout"].tolist() == [False, False, True, True, True]
        assert out["expected"].is_monotonic_increasing

    def test_cumulative_transactions_on_cdnow(self, fitted):
        tx = load_cdnow_transactions(sample=True)
        out = cumulative_transactions(tx, model=fitted["own_split"], calibration_end=CAL_END,
                                      holdout_end=HOLD_END)
        # 2,457 repeat transactions in the calibration period = sum of x in the summary
        cal = out.loc[~out["holdout"], "actual"].iloc[-1]
        assert cal == load_cdnow_summary()["frequency"].sum() == 2457
        assert out["expected"].iloc[-1] == pytest.approx(out["actual"].iloc[-1], rel=0.05)
