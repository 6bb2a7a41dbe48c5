"""Tests of retention_lib.analysis.events: churn before vs after each company event."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from retention_lib.analysis.events import EVENT_COLUMNS, event_impact, stop_rate
from retention_lib.data.io import load_dataset

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def _tx() -> pd.DataFrame:
    rows = [
        ("K0", "2024-01-01", 50.0),  # data start; never active in the windows
        ("K1", "2025-01-15", 100.0), ("K1", "2025-05-10", 100.0),
        ("K2", "2025-03-01", 200.0), ("K2", "2025-08-01", 200.0),
        ("K3", "2025-02-01", 300.0), ("K3", "2026-06-01", 300.0),
        ("K4", "2025-06-01", 400.0),
        ("Z", "2026-12-31", 10.0),  # data end
    ]
    f = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    f["customer_id"] = f["customer_id"].astype("string")
    f["date"] = pd.to_datetime(f["date"])
    return f


def _events() -> pd.DataFrame:
    return pd.DataFrame({
        "date": pd.to_datetime(["2025-07-01", "2023-05-01", "2025-09-01"]),
        "kind": ["price_change", "other", "other"],
        "description": ["+10 %", "old", "Repositioning to premium"],
    })


class TestEventImpact:
    def test_hand_figures(self):
        out = event_impact(_events(), transactions=_tx())
        assert list(out.columns) == list(EVENT_COLUMNS)
        assert out["date"].dt.strftime("%Y-%m-%d").tolist() == [
            "2023-05-01", "2025-07-01", "2025-09-01"]
        row = out.iloc[1]
        # before (2025-04-01, 2025-07-01]: active at 04-01 K1 K2 K3; K1 never buys after
        # 07-01 -> 1/3. after (07-01, 10-01]: active K1..K4; K1, K2, K4 never buy after
        # 10-01 -> 3/4
        assert (row["active_before"], row["stopped_before"]) == (3, 1)
        assert (row["active_after"], row["stopped_after"]) == (4, 3)
        assert row["churn_before"] == pytest.approx(1 / 3)
        assert row["churn_after"] == pytest.approx(3 / 4)
        assert row["churn_change"] == pytest.approx(3 / 4 - 1 / 3)
        # revenue in (2024-04-01, 2025-04-01]: 100+200+300, K1's 100 -> 1/6;
        # in (2024-07-01, 2025-07-01]: 200+200+300+400 = 1100, stopped 800 -> 8/11
        assert row["revenue_churn_before"] == pytest.approx(1 / 6)
        assert row["revenue_churn_after"] == pytest.approx(8 / 11)
        # Fisher 2x2 [[1, 2], [3, 1]], C(7,4) = 35: P(x) = 1, 12, 18, 4 /35 for x = 0..3;
        # observed x = 1 (12/35): two-sided = (1 + 12 + 4) / 35
        assert row["p_value"] == pytest.approx(17 / 35)
        assert not row["significant"]
        assert row["verdict"].startswith("no clear change (+41.7 points")
        assert row["note"] == ""

    def test_out_of_range_is_a_note_not_an_error(self):
        row = event_impact(_events(), transactions=_tx()).iloc[0]
        assert "outside the data range" in row["note"]
        assert row["churn_before"] != row["churn_before"]  # NaN
        assert row["verdict"] == "not measured"

    @pytest.mark.parametrize(
        ("kwargs", "expected"),
        [
            ({}, [False, False, True]),
            ({"expected_keywords": ()}, [False, False, False]),
            ({"expected_kinds": ("price_change",), "expected_keywords": ()},
             [False, True, False]),
        ],
        ids=["keyword-in-description", "no-keywords", "kind"],
    )
    def test_expected_flag(self, kwargs, expected):
        out = event_impact(_events(), transactions=_tx(), **kwargs)
        assert out["expected"].tolist() == expected

    def test_expected_column_of_the_user(self):
        ev = _events().assign(expected=["yes", "no", "no"])
        out = event_impact(ev, transactions=_tx(), expected_keywords=())
        assert out["expected"].tolist() == [False, True, False]

    def test_stop_rate_matches(self):
        r = stop_rate(_tx(), start="2025-04-01", end="2025-07-01")
        assert (r["active"], r["stopped"]) == (3, 1)

    def test_missing_column_is_named(self):
        with pytest.raises(ValueError, match="'kind'"):
            event_impact(_events().drop(columns="kind"), transactions=_tx())


class TestSample:
    def test_price_change_raises_churn(self):
        ds = load_dataset(SAMPLE, as_of="2026-10-31")
        out = event_impact(ds.events, transactions=ds.transactions, customers=ds.customers)
        price = out[out["kind"] == "price_change"].iloc[0]
        assert price["churn_after"] - price["churn_before"] >= 0.04
        assert price["significant"] and price["p_value"] < 0.01
        assert price["revenue_churn_after"] > price["revenue_churn_before"]
