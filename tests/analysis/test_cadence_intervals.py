"""Tests of retention_lib.analysis.cadence_intervals: purchase cycles and required intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retention_lib.analysis.cadence_intervals import purchase_cycle, required_intervals
from tests.analysis.test_cadence import AS_OF, _ids


class TestCycleScaling:
    def test_purchase_cycle_median_gap(self):
        tx = pd.DataFrame(
            {
                "customer_id": pd.array(["x", "x", "x", "x", "y"], dtype="string"),
                "date": pd.to_datetime(
                    ["2026-01-01", "2026-01-11", "2026-01-20", "2026-02-10", "2026-01-05"]
                ),
                "amount": [10.0, 5.0, -5.0, 7.0, 3.0],
            }
        )
        cyc = purchase_cycle(tx, as_of=AS_OF)
        # x: purchase days Jan 1, Jan 11, Feb 10 (refund day excluded): gaps 10, 30 -> 20
        assert cyc.loc["x"] == 20.0
        assert np.isnan(cyc.loc["y"])  # one purchase day

    def test_factor_clipped_and_rounded(self):
        book = pd.DataFrame(
            {"tier": pd.array(["B"] * 5, dtype="string")}, index=_ids(list("pqrst"))
        )
        cycle = pd.Series([10.0, 20.0, 30.0, 200.0, np.nan], index=_ids(list("pqrst")))
        req = required_intervals(book, cycle=cycle)
        # tier median of defined cycles = (20 + 30) / 2 = 25; base 30 days:
        # p 10/25=0.4 -> 0.5 -> 15; q 0.8 -> 24; r 1.2 -> 36; s 8 -> 2.0 -> 60; t no cycle -> 30
        assert req["call_required_days"].tolist() == [15, 24, 36, 60, 30]
        assert req["meeting_required_days"].isna().all()

    def test_off_by_default(self):
        book = pd.DataFrame({"tier": pd.array(["VIP"], dtype="string")}, index=_ids(["p"]))
        req = required_intervals(book)
        assert req.loc["p", "call_required_days"] == 7
        assert req.loc["p", "cycle_factor"] == 1.0

    def test_bad_bounds(self):
        book = pd.DataFrame({"tier": pd.array(["VIP"], dtype="string")}, index=_ids(["p"]))
        with pytest.raises(ValueError, match="cycle_bounds"):
            required_intervals(book, cycle=pd.Series([1.0], index=_ids(["p"])),
                               cycle_bounds=(1.5, 2.0))
