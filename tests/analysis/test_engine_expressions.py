"""Tests of retention_lib.analysis.engine_expressions: distinct periods as bits or a count."""

# the fixtures imported from test_engine are the test arguments of the same name
# ruff: noqa: F811

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ibis = pytest.importorskip("ibis")
pytest.importorskip("duckdb")

from retention_lib.analysis import engine, engine_expressions  # noqa: E402
from retention_lib.analysis.summary import customer_summary  # noqa: E402
from tests.analysis.test_engine import _assert_same, cdnow, cdnow_parquet  # noqa: E402, F401


class TestDistinctPeriods:
    @pytest.mark.parametrize("freq", ["D", "W"], ids=["days", "weeks"])
    def test_count_distinct_fallback_equals_bitstring(
        self, cdnow: pd.DataFrame, cdnow_parquet: Path, freq: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # CDNOW spans 546 days: with a limit of 10 periods DuckDB falls back to
        # COUNT(DISTINCT period), the form every other backend uses; same frame.
        monkeypatch.setattr(engine_expressions, "MAX_BITSTRING_PERIODS", 10)
        table = engine.read_transactions(cdnow_parquet)
        # (the lifetimes-convention path, purchases_only=False, counts distinct periods)
        sql = str(ibis.to_sql(engine_expressions.summary_expr(table, as_of="1998-06-30", freq=freq,
                                                  purchases_only=False)))
        assert "COUNT(DISTINCT" in sql and "BITSTRING_AGG" not in sql
        got = engine.summarize_table(table, as_of="1998-06-30", freq=freq,
                                     purchases_only=False)
        _assert_same(got, customer_summary(cdnow, as_of="1998-06-30", freq=freq,
                                           purchases_only=False))

    def test_bitstring_used_on_duckdb(self, cdnow_parquet: Path) -> None:
        table = engine.read_transactions(cdnow_parquet)
        sql = str(ibis.to_sql(engine_expressions.summary_expr(table, as_of="1998-06-30", freq="D",
                                                  purchases_only=False)))
        # 1997-01-01 is day 9862, 1998-06-30 day 10407: one bit per day in between
        assert "BITSTRING_AGG" in sql and "9862, 10407" in sql
