"""Tests of retention_lib.analysis.shared: the per-build memo and text codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retention_lib.analysis.pinned import pinned_rows
from retention_lib.analysis.shared import FrameMemo, rows_until, text_codes


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


class TestFrameMemo:
    def test_outside_a_block_every_call_computes(self):
        memo, frame = FrameMemo("t"), pd.DataFrame({"a": [1]})
        calls, compute = counter()
        assert memo.get(frame, ("x",), compute) == 1
        assert memo.get(frame, ("x",), compute) == 2
        assert not memo.active

    def test_inside_a_block_once_per_frame_object_and_key(self):
        memo = FrameMemo("t")
        frame, equal_copy = pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1]})
        calls, compute = counter()
        with memo.block():
            assert memo.active
            assert memo.get(frame, ("x",), compute) == 1
            assert memo.get(frame, ("x",), compute) == 1  # remembered
            assert memo.get(frame, ("y",), compute) == 2  # another question
            assert memo.get(equal_copy, ("x",), compute) == 3  # equal data, other object
            with memo.block():  # nested: the outer block owns the memo
                assert memo.get(frame, ("x",), compute) == 1
            assert memo.get(frame, ("x",), compute) == 1
        assert not memo.active
        assert memo.get(frame, ("x",), compute) == 4  # forgotten after the block
        assert len(calls) == 4


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
