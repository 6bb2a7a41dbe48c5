"""Tests of retention_lib.analysis.cohorts on hand-computed frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retention_lib.analysis import cohorts


def _tx(rows):
    ids, dates, amounts = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="str"),
            "date": pd.to_datetime(list(dates)),
            "amount": np.array(amounts, dtype="float64"),
        }
    )


@pytest.fixture
def tx():
    return _tx(
        [
            ("a", "2026-08-03", 10.0),  # cohort Aug; buys again in Oct (offset 2)
            ("a", "2026-10-02", 5.0),
            ("b", "2026-08-20", 7.0),  # cohort Aug; never again
            ("b", "2026-09-15", -7.0),  # a refund is not a purchase
            ("c", "2026-09-01", 4.0),  # cohort Sep; buys again in Oct (offset 1)
            ("c", "2026-10-05", 1.0),
            ("d", "2026-11-02", 3.0),  # after as_of: ignored
        ]
    )


class TestCohortRetention:
    def test_hand_computed_matrix(self, tx):
        out = cohorts.cohort_retention(tx, as_of="2026-10-31", months=3)
        # Aug: 2 customers; m1: nobody (b's refund does not count) = 0; m2: a = 1/2
        # Sep: 1 customer; m1: c = 1/1; m2 not observable yet (NaN)
        # Oct: no new customer: the row is NaN
        expected = np.array([[1.0, 0.0, 0.5], [1.0, 1.0, np.nan], [np.nan] * 3])
        np.testing.assert_allclose(out.to_numpy(), expected)
        assert list(out.columns) == [0, 1, 2]
        assert list(out.index) == list(pd.to_datetime(["2026-08-01", "2026-09-01",
                                                        "2026-10-01"]))

    def test_sizes(self, tx):
        sizes = cohorts.cohort_sizes(tx, as_of="2026-10-31", months=3)
        assert sizes.tolist() == [2, 1, 0]

    def test_customers_acquired_before_the_range_are_left_out(self, tx):
        out = cohorts.cohort_retention(tx, as_of="2026-10-31", months=2)
        # only Sep and Oct cohorts: Sep = c, m1 = 1/1
        assert out.shape == (2, 2)
        assert out.iloc[0].tolist() == [1.0, 1.0]

    def test_input_not_mutated_and_missing_column_named(self, tx):
        before = tx.copy()
        cohorts.cohort_retention(tx, as_of="2026-10-31")
        pd.testing.assert_frame_equal(tx, before)
        with pytest.raises(KeyError, match="amount"):
            cohorts.cohort_retention(tx.drop(columns="amount"), as_of="2026-10-31")

    def test_repeat_purchases_in_a_month_count_once_across_year_end(self):
        data = _tx(
            [
                ("x", "2025-12-05", 1.0),  # cohort Dec 2025
                ("x", "2026-01-03", 1.0),  # m1, twice in the month: x counts once
                ("x", "2026-01-20", 2.0),
                ("y", "2025-12-31", 1.0),  # cohort Dec 2025, m1 nothing, m2 (Feb) yes
                ("y", "2026-02-01", 1.0),
                ("z", "2026-01-31", 1.0),  # cohort Jan 2026
            ]
        )
        out = cohorts.cohort_retention(data, as_of="2026-02-28", months=3)
        # Dec: 2 customers; m1 (Jan) x = 1/2; m2 (Feb) y = 1/2.  Jan: z; m1 (Feb) 0/1.
        # Feb: no new customer -> NaN row.
        expected = np.array([[1.0, 0.5, 0.5], [1.0, 0.0, np.nan], [np.nan] * 3])
        np.testing.assert_allclose(out.to_numpy(), expected)
        sizes = cohorts.cohort_sizes(data, as_of="2026-02-28", months=3)
        assert sizes.tolist() == [2, 1, 0]
        assert sizes.dtype == np.int64 and sizes.name == "customers"

    def test_no_purchase_up_to_as_of(self, tx):
        # every row is after as_of: three empty cohorts
        out = cohorts.cohort_retention(tx, as_of="2026-07-31", months=3)
        assert out.isna().all().all() and out.shape == (3, 3)
        assert cohorts.cohort_sizes(tx, as_of="2026-07-31", months=3).tolist() == [0, 0, 0]

    @pytest.mark.parametrize("months", [pytest.param(0, id="zero")])
    def test_months_must_be_positive(self, tx, months):
        with pytest.raises(ValueError, match="months"):
            cohorts.cohort_retention(tx, as_of="2026-10-31", months=months)


class TestPreviousMonthEnd:
    @pytest.mark.parametrize(
        ("as_of", "expected"),
        [
            pytest.param("2026-10-31", "2026-09-30", id="oct"),
            pytest.param("2026-03-31", "2026-02-28", id="feb"),
            pytest.param("2024-03-15", "2024-02-29", id="leap-mid-month"),
            pytest.param("2026-01-31", "2025-12-31", id="year-turn"),
        ],
    )
    def test_dates(self, as_of, expected):
        assert cohorts.previous_month_end(as_of) == pd.Timestamp(expected)


class TestSegmentMigration:
    def test_counts_match_rfm_tables_at_both_dates(self):
        from retention_lib.analysis import rfm

        rng = np.random.default_rng(7)
        rows = []
        for i in range(40):
            for _ in range(rng.integers(1, 6)):
                day = pd.Timestamp("2025-11-01") + pd.Timedelta(days=int(rng.integers(0, 364)))
                rows.append((f"c{i:02d}", str(day.date()), float(rng.integers(1, 100))))
        tx = _tx(rows)
        out = cohorts.segment_migration(tx, as_of="2026-10-31")
        now = rfm.rfm_table(tx, as_of="2026-10-31")["segment"]
        prev = rfm.rfm_table(tx.loc[tx["date"] <= "2026-09-30"], as_of="2026-09-30")["segment"]
        # every customer now appears exactly once
        assert out.to_numpy().sum() == len(now)
        # column totals are the segment counts now
        assert out.sum(axis=0).to_dict() == now.value_counts().to_dict()
        # row totals: previous segments, plus the customers new since last month
        expected_rows = prev.value_counts().to_dict()
        new = len(now.index.difference(prev.index))
        if new:
            expected_rows[cohorts.NEW_CUSTOMER] = new
        assert out.sum(axis=1).to_dict() == expected_rows
        assert out.index[-1] == cohorts.NEW_CUSTOMER or not new
