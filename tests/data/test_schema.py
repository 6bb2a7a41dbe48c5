"""Tests of retention_lib.data.schema: the pandera schemas and the table specifications."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

from retention_lib.data.schema import TABLES, table_schema
from tests.data.test_io import AS_OF


class TestSchema:
    def test_schema_collects_all_failures(self):
        frame = pd.DataFrame({
            "customer_id": pd.Series(["C1", None], dtype="str"),
            "date": pd.to_datetime(["2026-01-01", "2027-01-01"]).astype("datetime64[ns]"),
            "channel": pd.Series(["call", "fax"], dtype="str"),
        })
        with pytest.raises(pa.errors.SchemaErrors) as info:
            table_schema("contacts", as_of=AS_OF).validate(frame, lazy=True)
        cases = info.value.failure_cases
        assert sorted(cases["column"].tolist()) == ["channel", "customer_id", "date"]

    def test_required_columns(self):
        assert TABLES["transactions"].required == ("customer_id", "date", "amount")
        assert TABLES["events"].future_dates == "warning"
        assert TABLES["usage"].date_column == "period"
