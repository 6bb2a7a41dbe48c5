"""Tests of retention_lib.analysis.pinned: aggregates and rows pinned for the length of a block."""

# the fixtures imported from test_summary and test_shared are the test arguments of the same name
# ruff: noqa: F811

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retention_lib.analysis.customer_days import (
    customer_codes,
    known_day_table,
    purchase_day_profile,
)
from retention_lib.analysis.day_table import build_day_table
from retention_lib.analysis.pinned import pinned_aggregates, pinned_rows
from retention_lib.analysis.shared import rows_until
from retention_lib.analysis.summary import customer_summary
from tests.analysis.test_shared import frame  # noqa: F401
from tests.analysis.test_summary import HAND, _tx, cdnow  # noqa: F401


class TestPinnedAggregates:
    def test_computed_once_and_dropped_after(self) -> None:
        tx = HAND.copy()
        with pinned_aggregates(tx):
            first = known_day_table(tx)
            with pinned_aggregates(tx):  # nested on the same frame: the same table
                assert known_day_table(tx) is first
            assert known_day_table(tx) is first  # the inner block did not drop it
        assert known_day_table(tx) is None

    @pytest.mark.parametrize("as_of", ["1997-03-31", "1998-06-30"], ids=["subset", "all"])
    def test_day_profile_equals_rows_on_cdnow(self, cdnow: pd.DataFrame, as_of: str) -> None:
        rows = purchase_day_profile(cdnow, as_of=as_of)
        with pinned_aggregates(cdnow):
            days = purchase_day_profile(cdnow, as_of=as_of)
        assert rows[0].equals(days[0])
        np.testing.assert_array_equal(rows[1], days[1])  # last day
        np.testing.assert_array_equal(rows[2], days[2])  # distinct days
        np.testing.assert_allclose(rows[3], days[3], rtol=1e-12)  # revenue, added per day

    def test_dates_with_a_time_read_the_rows(self) -> None:
        # a row at 10:00 on as_of's day is after a midnight as_of: the day table cannot say
        # so, and customer_summary must not count it
        tx = _tx([("a", "2024-01-01 00:00", 5.0), ("a", "2024-01-10 10:00", 3.0)])
        with pinned_aggregates(tx):
            s = customer_summary(tx, as_of="2024-01-10")
        assert s.loc["a", "n_transactions"] == 1
        assert s.loc["a", "revenue_total"] == 5.0

    def test_month_rows_pinned_with_their_own_table(self, cdnow: pd.DataFrame) -> None:
        # with as_of the rows up to it are pinned too (what every page build cuts), with
        # codes and a day table taken from the whole frame's: equal to computing them anew
        end = pd.Timestamp("1997-09-30")
        with pinned_aggregates(cdnow, as_of=end):
            month = rows_until(cdnow, end)
            assert month is rows_until(cdnow, end) and len(month) < len(cdnow)
            got = known_day_table(month)
            codes, uniques = customer_codes(month)
        fresh = build_day_table(month, *pd.factorize(month["customer_id"], sort=True))
        expected_codes, expected_uniques = pd.factorize(month["customer_id"], sort=True)
        np.testing.assert_array_equal(codes, expected_codes)
        assert list(uniques) == list(expected_uniques)
        assert list(got.uniques) == list(fresh.uniques)
        for name in ("code", "day", "net", "rows", "bought"):
            np.testing.assert_array_equal(getattr(got, name), getattr(fresh, name), name)
        assert known_day_table(month) is None  # dropped after the block


class TestPinnedRows:
    def test_one_copy_while_the_block_lasts(self, frame):
        end = pd.Timestamp("2026-10-31")
        with pinned_rows(frame, end):
            first = rows_until(frame, end)
            assert first["customer_id"].tolist() == ["C1", "C2"]
            assert rows_until(frame, "2026-10-31") is first  # the same object every call
            with pinned_rows(frame, end):  # nested: the outer block owns the copy
                assert rows_until(frame, end) is first
            assert rows_until(frame, end) is first
            # another date or another frame is computed as before
            assert rows_until(frame, pd.Timestamp("2026-09-30"))["customer_id"].tolist() == [
                "C1"]
            assert rows_until(frame.copy(), end) is not first
        assert rows_until(frame, end) is not first  # forgotten after the block
