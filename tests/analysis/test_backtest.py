"""Tests of retention_lib.analysis.backtest: flag at T with data up to T, measure who left."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from retention_lib.analysis.backtest import (
    backtest_date,
    backtest_markers,
    backtest_metrics,
    truncate_tables,
)
from retention_lib.analysis.signals import early_warning
from retention_lib.data.io import load_dataset

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
T = "2025-12-31"  # horizon end 2026-03-31


def _monthly(cid: str, last: str) -> list[tuple]:
    days = pd.date_range("2024-10-01", last, freq="MS") + pd.Timedelta(days=14)
    return [(cid, d, 100.0) for d in days if d <= pd.Timestamp(last)]


def _tx() -> pd.DataFrame:
    rows = (
        _monthly("P", "2025-09-15")  # overdue at T (flagged), never buys again: churned
        + _monthly("Q", "2025-12-15") + [("Q", pd.Timestamp("2026-06-15"), 100.0)]  # neither
        + _monthly("R", "2025-12-15")  # not flagged, never buys again: churned
        + _monthly("S", "2025-09-15") + [("S", pd.Timestamp("2026-05-01"), 100.0)]  # flagged
        + _monthly("U", "2025-12-15") + [("U", pd.Timestamp("2027-01-01"), 100.0)]  # neither
        + [("N", pd.Timestamp("2025-11-01"), 100.0), ("N", pd.Timestamp("2026-02-01"), 9.0)]
        + [("Z", pd.Timestamp("2027-04-05"), 1.0)]  # a late first purchase: fixes data end
    )
    f = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    f["customer_id"] = f["customer_id"].astype("string")
    return f


class TestBacktest:
    def test_hand_counts(self):
        bt = backtest_markers(
            _tx(), at=T, markers=("overdue",), flag_threshold=0.4
        )
        # judged: P Q R S U (N has too little history; Z not active at T)
        assert (bt.judged, bt.not_judged, bt.active) == (5, 1, 6)
        # flagged P, S; churned (last purchase <= 2026-03-31) P, R
        assert (bt.flagged, bt.churned, bt.flagged_churned, bt.unflagged_churned) == (2, 2, 1, 1)
        assert bt.churn_rate_flagged == pytest.approx(1 / 2)
        assert bt.churn_rate_unflagged == pytest.approx(1 / 3)
        assert bt.lift == pytest.approx(1.5)
        assert bt.precision == pytest.approx(0.5)
        assert bt.recall == pytest.approx(0.5)
        # data end 2027-04-05 - 2026-03-31 = 370 days >= 365
        assert bt.follow_up_days == 370 and not bt.provisional
        assert bt.by_marker.loc["overdue", "fired"] == 2

    def test_default_date_leaves_a_full_follow_up(self):
        bt = backtest_markers(_tx(), markers=("overdue",), horizon_days=90)
        # 2027-04-05 - 90 - 365 days = 2026-01-05
        assert bt.at == pd.Timestamp("2026-01-05")
        assert bt.follow_up_days == 365 and not bt.provisional

    @pytest.mark.parametrize(
        ("min_history", "expected"),
        [(365, "2026-01-05"), (500, "2026-02-27")],
        ids=["full-follow-up", "short-data-later-date"],
    )
    def test_backtest_date(self, min_history, expected):
        # data 2024-10-15 .. 2027-04-05; full follow-up date 2027-04-05 - 455 d = 2026-01-05,
        # 447 days after the start; asking 500: 2024-10-15 + 500 d = 2026-02-27
        at = backtest_date(_tx(), min_history_days=min_history)
        assert at == pd.Timestamp(expected)

    def test_short_follow_up_is_provisional(self):
        bt = backtest_markers(_tx(), at=T, markers=("overdue",), data_end="2026-12-31")
        assert bt.follow_up_days == 275 and bt.provisional
        assert "Provisional" in bt.sentence()

    def test_truncation_hides_the_future(self):
        tx = _tx()
        cust = pd.DataFrame(
            {"customer_id": ["P", "R"], "churned_on": pd.to_datetime(["2025-11-01", "2026-02-01"])}
        )
        sig = pd.DataFrame(
            {"customer_id": ["P", "P"], "date": pd.to_datetime(["2025-12-01", "2026-01-05"]),
             "kind": ["complaint", "complaint"]}
        )
        cut = truncate_tables(T, transactions=tx, customers=cust, signals=sig)
        assert cut["transactions"]["date"].max() == pd.Timestamp("2025-12-15")
        assert len(cut["signals"]) == 1
        # R's churned_on (2026-02-01) was not known at T
        assert cut["customers"]["churned_on"].isna().tolist() == [False, True]
        assert cut["contacts"] is None
        assert len(sig) == 2 and cust["churned_on"].notna().all()  # inputs untouched

    def test_bad_date(self):
        with pytest.raises(ValueError, match="must be before the end of the data"):
            backtest_markers(_tx(), at="2030-01-01")

    def test_metrics_are_json_types(self):
        m = backtest_metrics(backtest_markers(_tx(), at=T, markers=("overdue",),
                                              flag_threshold=0.4))
        assert m["lift"] == pytest.approx(1.5) and m["horizon_days"] == 90
        assert m["at"] == "2025-12-31"


@pytest.fixture(scope="module")
def sample():
    return load_dataset(SAMPLE, as_of="2026-10-31")


class TestSample:
    def test_lift_at_least_three(self, sample):
        ds = sample
        bt = backtest_markers(
            ds.transactions, customers=ds.customers, contacts=ds.contacts,
            signals=ds.signals, usage=ds.usage,
        )
        assert not bt.provisional
        assert bt.lift >= 3
        assert bt.recall >= 0.4
        # the planted leavers dominate the at-risk list: most flagged customers really leave
        assert bt.precision > 0.5

    @pytest.mark.parametrize("at", ["2025-08-01", "2025-11-30"], ids=["default-date", "later"])
    def test_whole_tables_flag_like_cut_tables(self, sample, at):
        # backtest_markers passes contacts / signals / usage whole to early_warning, which
        # reads only what was known at T: the flags equal those on tables cut at T
        ds = sample
        cut = truncate_tables(at, transactions=ds.transactions, customers=ds.customers,
                              contacts=ds.contacts, signals=ds.signals, usage=ds.usage)
        on_cut = early_warning(cut["transactions"], as_of=at, customers=cut["customers"],
                               contacts=cut["contacts"], signals=cut["signals"],
                               usage=cut["usage"])
        whole = early_warning(cut["transactions"], as_of=at, customers=cut["customers"],
                              contacts=ds.contacts, signals=ds.signals, usage=ds.usage)
        pd.testing.assert_frame_equal(on_cut, whole)
        assert on_cut["flagged"].sum() > 0  # the comparison is not vacuous
