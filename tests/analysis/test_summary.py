"""Tests for retention_lib.analysis.summary (customer_summary, monthly_revenue)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from retention_lib.analysis._frames import SUMMARY_COLUMNS
from retention_lib.analysis.customer_days import customer_days
from retention_lib.analysis.summary import customer_summary, monthly_revenue
from tests.conftest import Reader

lifetimes = pytest.importorskip("lifetimes")
from lifetimes.utils import summary_data_from_transaction_data  # noqa: E402

CDNOW = Path(lifetimes.__file__).parent / "datasets" / "CDNOW_master.txt"
LIFETIMES_COLUMNS = ["frequency", "recency", "T", "monetary_value"]


def _tx(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": pd.array([r[0] for r in rows], dtype="string"),
            "date": pd.to_datetime([r[1] for r in rows]).astype("datetime64[ns]"),
            "amount": np.array([r[2] for r in rows], dtype="float64"),
        }
    )


# 2026-01-05 is a Monday; as_of 2026-01-31 is a Saturday (week Mon 01-26 .. Sun 02-01).
HAND = _tx(
    [
        ("007", "2026-01-05", 100.0),
        ("007", "2026-01-05", 50.0),  # same day: merges with the row above
        ("007", "2026-01-07", -30.0),  # refund: netted, and a period of its own for 'D'
        ("007", "2026-01-20", 80.0),
        ("007", "2026-02-10", 40.0),  # after as_of: left out
        ("8", "2026-01-30", 20.0),
    ]
)
AS_OF = "2026-01-31"

@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    raw = pd.read_csv(
        CDNOW,
        sep=r"\s+",
        header=None,
        skiprows=1,  # the file starts with a header line
        names=["customer_id", "date", "quantity", "amount"],
        dtype={"customer_id": "string", "date": "string", "quantity": "float64",
               "amount": "float64"},
    )
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "date": pd.to_datetime(raw["date"], format="%Y%m%d").astype("datetime64[ns]"),
            "amount": raw["amount"],
        }
    )


class TestAgainstLifetimes:
    @pytest.mark.parametrize("freq", ["D", "W"], ids=["days", "weeks"])
    @pytest.mark.parametrize(
        "as_of", ["1998-06-30", "1998-03-18"], ids=["last-date", "mid-week-wednesday"]
    )
    def test_cdnow_equals_lifetimes(
        self, cdnow: pd.DataFrame, freq: str, as_of: str, read_from: Reader
    ) -> None:
        # lifetimes keeps rows later in the as_of period (it compares period starts); we drop
        # every row after as_of, so lifetimes gets the rows up to as_of only.
        upto = cdnow.loc[cdnow["date"] <= pd.Timestamp(as_of)]
        expected = summary_data_from_transaction_data(
            upto, "customer_id", "date", monetary_value_col="amount",
            observation_period_end=as_of, freq=freq,
        )
        with read_from(cdnow):
            ours = customer_summary(cdnow, as_of=as_of, freq=freq, purchases_only=False)
        assert len(ours) > 20_000 if as_of == "1998-06-30" else len(ours) > 1_000
        assert sorted(ours.index.astype(str)) == sorted(expected.index.astype(str))
        expected.index = expected.index.astype(str)
        got = ours[LIFETIMES_COLUMNS].set_axis(ours.index.astype(str)).loc[expected.index]
        np.testing.assert_allclose(
            got.to_numpy(), expected[LIFETIMES_COLUMNS].to_numpy(), rtol=0, atol=1e-9
        )


class TestHandComputed:
    @pytest.mark.parametrize(
        ("freq", "cid", "purchases_only", "expected"),
        [
            # lifetimes' behaviour, 'D': periods 01-05 (100+50=150), 01-07 (-30), 01-20 (80)
            # -> frequency 2, recency 20-5 = 15, T 31-5 = 26, monetary (-30 + 80) / 2 = 25.
            ("D", "007", False, (2.0, 15.0, 26.0, 25.0)),
            # purchases only: the refund-only 01-07 is no purchase -> periods 01-05, 01-20:
            # frequency 1, recency 15, T 26, monetary 80.
            ("D", "007", True, (1.0, 15.0, 26.0, 80.0)),
            # 'W': week of Mon 01-05 (150-30 = 120), week of Mon 01-19 (80) -> frequency 1,
            # recency 2 weeks, T: week of 01-26 - week of 01-05 = 3, monetary 80.
            ("W", "007", False, (1.0, 2.0, 3.0, 80.0)),
            # purchases only: the same weeks (the first holds the 150 of 01-05 only)
            ("W", "007", True, (1.0, 2.0, 3.0, 80.0)),
            # one purchase 01-30: T = 1 day; in weeks 0 (same week as as_of).
            ("D", "8", True, (0.0, 0.0, 1.0, 0.0)),
            ("W", "8", True, (0.0, 0.0, 0.0, 0.0)),
        ],
        ids=["007-days-lifetimes", "007-days", "007-weeks-lifetimes", "007-weeks", "8-days",
             "8-weeks"],
    )
    def test_lifetimes_columns(
        self, freq: str, cid: str, purchases_only: bool, expected: tuple, read_from: Reader
    ) -> None:
        with read_from(HAND):
            s = customer_summary(HAND, as_of=AS_OF, freq=freq, purchases_only=purchases_only)
        assert tuple(s.loc[cid, LIFETIMES_COLUMNS]) == pytest.approx(expected)

    def test_row_level_columns(self, read_from: Reader) -> None:
        with read_from(HAND):
            s = customer_summary(HAND, as_of=AS_OF, window_days=20)
        assert list(s.columns) == list(SUMMARY_COLUMNS)
        assert list(s.index) == ["007", "8"]  # "007" stays a string
        assert s.index.name == "customer_id"
        row = s.loc["007"]
        assert row["first_purchase"] == pd.Timestamp("2026-01-05")
        assert row["last_purchase"] == pd.Timestamp("2026-01-20")
        assert row["n_transactions"] == 4  # the 02-10 row is after as_of
        assert row["revenue_total"] == pytest.approx(200.0)  # 100 + 50 - 30 + 80
        # window (01-11, 01-31]: only the 80 on 01-20
        assert row["revenue_window"] == pytest.approx(80.0)
        assert s.loc["8", "revenue_window"] == pytest.approx(20.0)

    def test_dtypes(self) -> None:
        s = customer_summary(HAND, as_of=AS_OF)
        assert s["first_purchase"].dtype == "datetime64[ns]"
        assert s["n_transactions"].dtype == np.int64
        for col in ("frequency", "recency", "T", "monetary_value", "revenue_window"):
            assert s[col].dtype == np.float64, col

    def test_later_as_of_includes_later_rows(self, read_from: Reader) -> None:
        with read_from(HAND):
            s = customer_summary(HAND, as_of="2026-02-10")
            old = customer_summary(HAND, as_of="2026-02-10", purchases_only=False)
        # 02-10 becomes a 3rd purchase day: frequency 2, monetary (80 + 40) / 2 = 60
        assert s.loc["007", "frequency"] == 2
        assert s.loc["007", "monetary_value"] == pytest.approx(60.0)
        assert s.loc["007", "n_transactions"] == 5
        # lifetimes' way: a 4th period, frequency 3, monetary (-30 + 80 + 40) / 3 = 30
        assert old.loc["007", "frequency"] == 3
        assert old.loc["007", "monetary_value"] == pytest.approx(30.0)

    def test_nothing_before_as_of_gives_empty_frame(self, read_from: Reader) -> None:
        with read_from(HAND):
            s = customer_summary(HAND, as_of="2025-12-31")
        assert s.empty
        assert list(s.columns) == list(SUMMARY_COLUMNS)

    def test_does_not_mutate_input(self) -> None:
        before = HAND.copy()
        customer_summary(HAND, as_of=AS_OF, freq="W")
        pd.testing.assert_frame_equal(HAND, before)


class TestErrors:
    def test_unknown_freq_lists_allowed(self) -> None:
        with pytest.raises(ValueError, match=r"freq='M'.*\['D', 'W'\]"):
            customer_summary(HAND, as_of=AS_OF, freq="M")

    def test_missing_column_is_named(self) -> None:
        with pytest.raises(KeyError, match="amount"):
            customer_summary(HAND.drop(columns="amount"), as_of=AS_OF)


class TestMonthlyRevenue:
    def test_matrix_by_hand(self) -> None:
        tx = pd.concat([HAND, _tx([("9", "2025-11-15", 10.0)])], ignore_index=True)
        m = monthly_revenue(tx)
        assert list(m.columns.astype(str)) == ["2025-11", "2025-12", "2026-01", "2026-02"]
        assert isinstance(m.columns, pd.PeriodIndex)
        assert list(m.index) == ["007", "8", "9"]
        # 007: Jan 100 + 50 - 30 + 80 = 200, Feb 40; 8: Jan 20; 9: Nov 10; December empty.
        expected = np.array([[0, 0, 200, 40], [0, 0, 20, 0], [10, 0, 0, 0]], dtype=float)
        np.testing.assert_allclose(m.to_numpy(), expected)
        assert (m.dtypes == np.float64).all()

    @pytest.mark.parametrize(
        ("as_of", "start", "columns", "values"),
        [
            ("2026-01-31", None, ["2026-01"], {"007": [200.0], "8": [20.0]}),
            (None, "2026-02-01", ["2026-02"], {"007": [40.0]}),
            ("2026-03-15", "2026-01-10", ["2026-01", "2026-02", "2026-03"],
             # from 01-10 on: 007 has 80 in Jan, 40 in Feb; 8 has 20 in Jan.
             {"007": [80.0, 40.0, 0.0], "8": [20.0, 0.0, 0.0]}),
        ],
        ids=["as_of", "start", "both-with-empty-month"],
    )
    def test_bounds(self, as_of, start, columns, values) -> None:
        m = monthly_revenue(HAND, as_of=as_of, start=start)
        assert list(m.columns.astype(str)) == columns
        assert {k: list(v) for k, v in zip(m.index, m.to_numpy(), strict=True)} == values


class TestPurchasesOnly:
    """Issue 18, point 7: a day whose net amount is not positive is not a purchase."""

    # "R" bought 3,528.34 on 03-01 and returned everything on 03-02 (lifetimes' way:
    # frequency 1, monetary -3,528.34); "Z" bought and cancelled on the same day and bought
    # 40 later; "N" has a refund only.
    ROWS = _tx([
        ("R", "2026-03-01", 3528.34), ("R", "2026-03-02", -3528.34),
        ("Z", "2026-01-01", 80.0), ("Z", "2026-01-01", -80.0), ("Z", "2026-03-01", 40.0),
        ("N", "2026-02-01", -10.0),
    ])

    @pytest.mark.parametrize("freq", ["D", "W"])
    def test_returned_everything_is_one_purchase(self, freq, read_from: Reader) -> None:
        with read_from(self.ROWS):
            s = customer_summary(self.ROWS, as_of="2026-03-31", freq=freq)
        assert s.loc["R", "frequency"] == 0.0 and s.loc["R", "monetary_value"] == 0.0
        assert s.loc["R", "revenue_total"] == pytest.approx(0.0)  # refunds stay netted
        assert s.loc["R", "n_transactions"] == 2
        # Z's first day nets to 0: its first purchase is 03-01
        assert s.loc["Z", "first_purchase"] == pd.Timestamp("2026-03-01")
        assert s.loc["Z", "frequency"] == 0.0
        assert s.loc["Z", "revenue_total"] == pytest.approx(40.0)
        # N never bought: left out, and counted
        assert list(s.index) == ["R", "Z"]
        assert s.attrs["no_purchase"] == 1 and s.attrs["purchases_only"] is True

    def test_lifetimes_behaviour_as_an_option(self) -> None:
        s = customer_summary(self.ROWS, as_of="2026-03-31", purchases_only=False)
        assert s.loc["R", "frequency"] == 1.0
        assert s.loc["R", "monetary_value"] == pytest.approx(-3528.34)
        assert "N" in s.index and s.attrs["no_purchase"] == 0

    def test_day_table_flags_net_positive_days_only(self) -> None:
        days = customer_days(self.ROWS).set_index(["customer_id", "date"])["purchase"]
        assert days[("Z", pd.Timestamp("2026-01-01"))] == False  # noqa: E712 (80 - 80)
        assert days[("R", pd.Timestamp("2026-03-01"))] == True  # noqa: E712
        assert days[("R", pd.Timestamp("2026-03-02"))] == False  # noqa: E712

    def test_cdnow_differs_only_by_its_zero_amount_days(self, cdnow: pd.DataFrame) -> None:
        new = customer_summary(cdnow, as_of="1998-06-30")
        old = customer_summary(cdnow, as_of="1998-06-30", purchases_only=False)
        days = customer_days(cdnow)
        touched = set(days.loc[days["amount"] <= 0, "customer_id"].astype(str))
        assert 0 < len(touched) < 100
        same = old.index[~old.index.astype(str).isin(touched)]
        pd.testing.assert_frame_equal(new.loc[same, LIFETIMES_COLUMNS],
                                      old.loc[same, LIFETIMES_COLUMNS])
        assert len(old) - len(new) == new.attrs["no_purchase"]
