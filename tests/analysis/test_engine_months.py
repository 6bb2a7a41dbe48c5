"""Tests of retention_lib.analysis.engine_months: month numbers from any backend's column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytest.importorskip("ibis")
pytest.importorskip("duckdb")

from retention_lib.analysis import engine  # noqa: E402
from retention_lib.analysis.engine_months import (  # noqa: E402
    check_month_bounds,
    months_since_epoch,
)

# 1997-01-05 -> month 324 since 1970-01; 1998-06-30 23:59:59 -> 341; 1969-12-31 -> -1.
MONTH_CASES_EXPECTED = np.array([324, 341, -1], dtype=np.int64)
_STAMPS = ["1997-01-05T00:00:00", "1998-06-30T23:59:59", "1969-12-31T12:00:00"]


def _month_column(kind: str) -> pa.Array:
    stamps = np.array(_STAMPS, dtype="datetime64[s]")
    if kind == "int64":
        return pa.array(MONTH_CASES_EXPECTED)
    if kind == "int32":
        return pa.array(MONTH_CASES_EXPECTED.astype(np.int32))
    if kind == "date32":
        return pa.array(stamps.astype("datetime64[D]"), type=pa.date32())
    if kind == "date64":
        return pa.array(stamps.astype("datetime64[D]"), type=pa.date32()).cast(pa.date64())
    if kind.startswith("timestamp-"):
        unit = kind.split("-")[1]
        return pa.array(stamps.astype(f"datetime64[{unit}]"), type=pa.timestamp(unit))
    if kind == "string-month":
        return pa.array(["1997-01", "1998-06", "1969-12"])
    if kind == "string-date":
        return pa.array(["1997-01-05", "1998-06-30", "1969-12-31"], type=pa.large_string())
    if kind == "string-timestamp":
        return pa.array(["1997-01-05 00:00:00", "1998-06-30 23:59:59", "1969-12-31 12:00:00"])
    raise AssertionError(kind)


class TestMonthsSinceEpoch:
    """Every month representation a backend can hand back converts to the same months."""

    @pytest.mark.parametrize("kind", [
        "int64", "int32", "date32", "date64", "timestamp-s", "timestamp-ms", "timestamp-us",
        "timestamp-ns", "string-month", "string-date", "string-timestamp",
    ])
    def test_representation(self, kind: str) -> None:
        column = _month_column(kind)
        got = months_since_epoch(pa.chunked_array([column[:1], column[1:]]))
        np.testing.assert_array_equal(got, MONTH_CASES_EXPECTED)
        assert got.dtype == np.int64

    def test_zoned_timestamp_uses_local_month(self) -> None:
        # 1997-01-31 23:30 in Kyiv is 21:30 UTC: still January in Kyiv; 1997-02-01 00:30
        # in Kyiv is 1997-01-31 22:30 UTC: February in Kyiv, January in UTC.
        utc = np.array(["1997-01-31T21:30", "1997-01-31T22:30"], dtype="datetime64[us]")
        column = pa.array(utc, type=pa.timestamp("us", tz="Europe/Kyiv"))
        np.testing.assert_array_equal(months_since_epoch(column), [324, 325])

    def test_nulls_and_other_types_are_refused(self) -> None:
        with pytest.raises(ValueError, match="empty month"):
            months_since_epoch(pa.array([324, None]))
        with pytest.raises(TypeError, match="double"):
            months_since_epoch(pa.array([324.0]))

    def test_months_outside_the_bounds_fail_loudly(self) -> None:
        months = np.array([324, 328004])  # the second is what DuckDB 2.0.1 returned
        with pytest.raises(RuntimeError, match="outside the requested as_of 1998-06-30"):
            check_month_bounds(months, as_of="1998-06-30", start=None)
        long = pd.DataFrame({"customer_id": ["1", "2"],
                             "month": pd.PeriodIndex(["1997-01", "1829-08"], freq="M"),
                             "revenue": [1.0, 2.0]})
        with pytest.raises(ValueError, match="outside 1997-01 .. 1998-06"):
            engine.monthly_matrix(long, start="1997-01-01", as_of="1998-06-30")

    @pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
    def test_duckdb_on_parquet_timestamps(self, tmp_path: Path, unit: str) -> None:
        # The DuckDB 2.0.1 regression needed a GROUP BY on EXTRACT of a TIMESTAMP_NS column.
        stamps = np.array(["1997-01-05", "1997-01-20", "1998-06-01", "1998-06-30"],
                          dtype=f"datetime64[{unit}]")
        pq.write_table(pa.table({
            "customer_id": ["a", "a", "a", "b"],
            "date": pa.array(stamps, type=pa.timestamp(unit)),
            "amount": [10.0, 5.0, 7.0, 1.0],
        }), tmp_path / "transactions.parquet")
        long = engine.monthly_revenue_files(tmp_path / "transactions.parquet",
                                            as_of="1998-06-30")
        assert long["month"].astype(str).tolist() == ["1997-01", "1998-06", "1998-06"]
        assert long["revenue"].tolist() == [15.0, 7.0, 1.0]
        matrix = engine.monthly_matrix(long, as_of="1998-06-30")
        assert matrix.shape == (2, 18)
