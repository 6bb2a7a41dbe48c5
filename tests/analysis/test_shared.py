"""Tests of retention_lib.analysis.shared: rows up to a date and text codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retention_lib.analysis.shared import rows_until, text_codes


class TestTextCodes:
    VALUES = ["call", None, "visit", "call", " Unassigned ", "visit", "call"]

    @pytest.mark.parametrize("dtype", ["str", "category", "object"],
                             ids=["arrow-str", "categorical", "object"])
    def test_codes_map_back_to_the_values(self, dtype):
        values = pd.Series(self.VALUES, dtype=dtype)
        codes, distinct = text_codes(values)
        assert codes.dtype == np.int64
        back = [None if c < 0 else distinct[c] for c in codes]
        assert back == self.VALUES
        assert sorted(distinct) == [" Unassigned ", "call", "visit"]

    def test_categorical_uses_its_own_codes(self):
        values = pd.Series(self.VALUES, dtype="category")
        codes, _ = text_codes(values)
        assert codes.tolist() == values.cat.codes.tolist() == [1, -1, 2, 1, 0, 2, 1]

    @pytest.mark.parametrize("dtype", ["str", "category", "object"],
                             ids=["arrow-str", "categorical", "object"])
    def test_count_unassigned_same_for_every_dtype(self, dtype):
        from retention_lib.analysis.contacts_log import _count_unassigned

        # unassigned: the missing value, the blank one and "unassigned" with or without spaces
        values = pd.Series(["Anna", None, "", "unassigned", "Anna", " unassigned "], dtype=dtype)
        assert _count_unassigned(values) == 4


@pytest.fixture
def frame():
    """Three customers, one row each: 2026-09-30, 2026-10-31, 2026-11-01."""
    return pd.DataFrame({
        "customer_id": ["C1", "C2", "C3"],
        "date": pd.to_datetime(["2026-09-30", "2026-10-31", "2026-11-01"]),
    })


class TestRowsUntil:
    def test_every_row_in_time_gives_the_frame_itself(self, frame):
        assert rows_until(frame, pd.Timestamp("2026-11-01")) is frame

    @pytest.mark.parametrize(
        ("as_of", "expected"),
        [("2026-10-31", ["C1", "C2"]), ("2026-10-30", ["C1"]), ("2026-09-29", [])],
        ids=["month-end", "day-before", "none"],
    )
    def test_later_rows_are_left_out_of_a_copy(self, frame, as_of, expected):
        got = rows_until(frame, pd.Timestamp(as_of))
        assert got is not frame and got["customer_id"].tolist() == expected
        assert len(frame) == 3  # the input is untouched

    def test_a_missing_date_is_not_on_or_before_anything(self, frame):
        frame.loc[1, "date"] = pd.NaT
        assert rows_until(frame, pd.Timestamp("2026-12-31"))["customer_id"].tolist() == [
            "C1", "C3",
        ]
