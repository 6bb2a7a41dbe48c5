"""Tests of retention_lib.pages.context: the report period a page starts from."""

from __future__ import annotations

import pandas as pd
import pytest

from retention_lib.data.io import load_dataset
from retention_lib.pages import context
from tests.pages.test_monthly import _frame


class TestResolvePeriod:
    @pytest.mark.parametrize(
        ("last", "expected"),
        [
            pytest.param("2026-10-31", "2026-10", id="month-end"),
            pytest.param("2026-10-30", "2026-10", id="friday-30th-within-tolerance"),
            pytest.param("2026-10-28", "2026-10", id="three-trailing-days"),
            pytest.param("2026-10-27", "2026-09", id="four-trailing-days"),
            pytest.param("2010-12-09", "2010-11", id="ends-on-the-9th"),
            pytest.param("2024-02-26", "2024-02", id="leap-february-3-days"),
            pytest.param("2026-01-15", "2025-12", id="across-the-year"),
        ],
    )
    def test_default(self, last, expected):
        tx = pd.DataFrame({"date": pd.to_datetime(["2009-01-05", last])})
        assert context.resolve_period(tx, "") == expected

    def test_dataset_uses_its_data_end(self):
        rows = [("a", "2026-01-05", 10.0), ("a", "2026-10-09", 10.0)]
        ds = load_dataset({"transactions": _frame(rows)}, as_of="2026-11-22")
        assert ds.data_end == pd.Timestamp("2026-10-09")
        assert context.resolve_period(ds) == "2026-09"
        given = load_dataset({"transactions": _frame(rows)}, as_of="2026-11-22",
                             config={"data_end": "2026-10-31"})
        assert given.data_end == pd.Timestamp("2026-10-31")
        assert context.resolve_period(given) == "2026-10"

    def test_explicit_and_malformed(self):
        tx = pd.DataFrame({"date": pd.to_datetime(["2026-01-05"])})
        assert context.resolve_period(tx, "2026-03") == "2026-03"
        with pytest.raises(ValueError, match="YYYY-MM"):
            context.resolve_period(tx, "March")
