"""Tests of retention_lib.analysis.customer_days: the per-customer-day table and shared codes."""

from __future__ import annotations

import pandas as pd
import pytest

from retention_lib.analysis.customer_days import (
    customer_codes,
    customer_days,
    shared_customer_codes,
)
from retention_lib.analysis.summary import customer_summary
from tests.analysis.test_summary import AS_OF, HAND, _tx


class TestSharedCustomerCodes:
    """Inside ``shared_customer_codes`` a frame's ids are factorised once and subsets derive
    their codes from it; the outputs must equal those computed without the block."""

    ROWS = [
        ("c", "2024-01-05", 10.0),
        ("a", "2024-01-10", 5.0),
        ("b", "2024-02-01", 7.0),  # b only buys after 2024-01-31
        ("a", "2024-02-03", 3.0),
        ("c", "2024-02-20", -2.0),
    ]

    @pytest.mark.parametrize("as_of", ["2024-01-31", "2024-02-29"], ids=["subset", "all"])
    def test_summary_equals_unshared(self, as_of: str) -> None:
        tx = _tx(self.ROWS)
        expected = customer_summary(tx, as_of=as_of)
        with shared_customer_codes():
            customer_summary(tx, as_of="2024-02-29")  # factorises the whole frame first
            got = customer_summary(tx, as_of=as_of)
        pd.testing.assert_frame_equal(got, expected)

    def test_subset_codes_are_renumbered(self) -> None:
        # By 2024-01-31 only a and c bought: sorted ids [a, c], so rows c, a -> codes 1, 0
        # (b, absent from the subset, must not leave a gap).
        tx = _tx(self.ROWS)
        keep = (tx["date"] <= "2024-01-31").to_numpy()
        with shared_customer_codes():
            codes, uniques = customer_codes(tx, keep)
        assert codes.tolist() == [1, 0]
        assert list(uniques) == ["a", "c"]

    def test_summary_at_january_by_hand(self) -> None:
        # a: one row (Jan 10, 5.0); c: one row (Jan 5, 10.0); b not yet a customer.
        tx = _tx(self.ROWS)
        with shared_customer_codes():
            customer_summary(tx, as_of="2024-02-29")
            got = customer_summary(tx, as_of="2024-01-31")
        assert list(got.index) == ["a", "c"]
        assert got["revenue_total"].tolist() == [5.0, 10.0]
        assert got["T"].tolist() == [21.0, 26.0]  # Jan 31 - Jan 10, Jan 31 - Jan 5


class TestCustomerDays:
    """The per-customer-day table every lapse, purchase-day and window figure starts from."""

    def test_by_hand(self) -> None:
        days = customer_days(HAND)
        assert list(days.columns) == ["customer_id", "date", "amount", "rows", "purchase"]
        assert days["customer_id"].tolist() == ["007"] * 4 + ["8"]  # "007" stays a string
        assert days["date"].dt.strftime("%m-%d").tolist() == [
            "01-05", "01-07", "01-20", "02-10", "01-30"]
        # 01-05: 100 + 50 in one day; 01-07: a refund only, a day but not a purchase
        assert days["amount"].tolist() == [150.0, -30.0, 80.0, 40.0, 20.0]
        assert days["rows"].tolist() == [2, 1, 1, 1, 1]
        assert days["purchase"].tolist() == [True, False, True, True, True]
        assert days["date"].dtype == "datetime64[ns]"
        assert isinstance(days["customer_id"].dtype, pd.StringDtype)

    def test_as_of_leaves_later_days_out(self) -> None:
        days = customer_days(HAND, as_of=AS_OF)
        assert days["amount"].tolist() == [150.0, -30.0, 80.0, 20.0]  # not 02-10's 40

    def test_time_of_day_is_ignored_and_incomplete_rows_left_out(self) -> None:
        tx = pd.DataFrame({
            "customer_id": pd.array(["a", "a", None, "a"], dtype="string"),
            "date": pd.to_datetime(["2024-03-01 09:00", "2024-03-01 17:30",
                                    "2024-03-01 00:00", None]),
            "amount": [5.0, -5.0, 7.0, 9.0],
        })
        days = customer_days(tx)
        assert days["date"].tolist() == [pd.Timestamp("2024-03-01")]
        assert days["amount"].tolist() == [0.0]  # the two rows with an id and a date
        assert days["rows"].tolist() == [2]
        # 5 bought and 5 cancelled the same day: net 0, not a purchase (issue 18, point 7)
        assert days["purchase"].tolist() == [False]

    def test_missing_column_is_named(self) -> None:
        with pytest.raises(KeyError, match="amount"):
            customer_days(HAND.drop(columns="amount"))
