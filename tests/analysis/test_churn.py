"""Tests of retention_lib.analysis.churn on small frames computed by hand (lapse_days = 365)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retention_lib.analysis.churn import (
    RATE_COLUMNS,
    churn_rate,
    churn_series,
    churn_status,
    customer_status,
    lost_customers,
    shared_history,
    won_back,
    won_back_by_month,
)


def tx(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    ids, dates, amounts = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="string"),
            "date": pd.to_datetime(list(dates)).astype("datetime64[ns]"),
            "amount": np.asarray(amounts, dtype="float64"),
        }
    )


def customers(rows: list[tuple[str, str | None, str | None]]) -> pd.DataFrame:
    ids, managers, churned = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="string"),
            "manager": pd.array(managers, dtype="string"),
            "churned_on": pd.to_datetime(list(churned)).astype("datetime64[ns]"),
        }
    )


# The 5-customer toy business used by several tests.
#   A: buys 2023-06-01 (100) and 2024-03-15 (200)       -> lost_on 2025-03-15
#   B: buys 2023-02-10 (50) only                          -> lost_on 2024-02-10
#   C: buys 2023-12-01 (300), refund 2023-12-20 (-100), buys 2024-12-01 (100)
#   D: buys 2024-01-15 (80); churned_on 2024-06-30      -> lost_on 2024-06-30 (explicit)
#   E: first buys 2024-05-01 (500): new, never active at any window start below
TOY = tx(
    [
        ("A", "2023-06-01", 100.0),
        ("A", "2024-03-15", 200.0),
        ("B", "2023-02-10", 50.0),
        ("C", "2023-12-01", 300.0),
        ("C", "2023-12-20", -100.0),
        ("C", "2024-12-01", 100.0),
        ("D", "2024-01-15", 80.0),
        ("E", "2024-05-01", 500.0),
    ]
)
TOY_CUSTOMERS = customers(
    [("A", "Ann", None), ("B", "Bob", None), ("C", "Ann", None), ("D", None, "2024-06-30")]
)


class TestCustomerStatus:
    @pytest.mark.parametrize(
        ("as_of", "status"),
        [
            # bought 2023-01-01 (2023 has 365 days): day 364 = 2023-12-31,
            # day 365 = 2024-01-01.
            ("2023-12-31", "active"),  # d - 365 = 2022-12-31 < 2023-01-01 <= d
            ("2024-01-01", "lost"),  # d - 365 = 2023-01-01, not < last purchase
        ],
        ids=["day-364-active", "day-365-lost"],
    )
    def test_lapse_boundary(self, as_of: str, status: str) -> None:
        out = customer_status(tx([("X", "2023-01-01", 10.0)]), as_of=as_of)
        assert out.loc["X", "status"] == status
        if status == "lost":
            assert out.loc["X", "lost_on"] == pd.Timestamp("2024-01-01")
        else:
            assert pd.isna(out.loc["X", "lost_on"])

    def test_toy_status_and_columns(self) -> None:
        out = customer_status(TOY, as_of="2024-06-30", customers=TOY_CUSTOMERS)
        assert list(out.columns) == [
            "first_purchase", "last_purchase", "lost_on", "status", "churned_explicitly"
        ]
        assert out.index.name == "customer_id"
        assert list(out.index) == ["A", "B", "C", "D", "E"]
        # B lapsed on 2023-02-10 + 365 = 2024-02-10; D churned explicitly on 2024-06-30
        # (<= as_of), which overrides its inferred 2025-01-14.
        assert out["status"].tolist() == ["active", "lost", "active", "lost", "active"]
        assert out.loc["B", "lost_on"] == pd.Timestamp("2024-02-10")
        assert out.loc["D", "lost_on"] == pd.Timestamp("2024-06-30")
        assert out["churned_explicitly"].tolist() == [False, False, False, True, False]
        assert out.loc["C", "last_purchase"] == pd.Timestamp("2023-12-01")  # refund != purchase

    def test_churned_on_after_as_of_not_yet_lost(self) -> None:
        out = customer_status(TOY, as_of="2024-06-29", customers=TOY_CUSTOMERS)
        assert out.loc["D", "status"] == "active"
        assert not out.loc["D", "churned_explicitly"]

    def test_future_rows_ignored_and_ids_stay_strings(self) -> None:
        out = customer_status(
            tx([("007", "2024-01-01", 5.0), ("007", "2025-06-01", 5.0), ("8", "2025-06-01", 1)]),
            as_of="2024-12-31",
        )
        assert list(out.index) == ["007"]  # "8" has no purchase yet
        assert out.loc["007", "last_purchase"] == pd.Timestamp("2024-01-01")

    def test_inputs_not_mutated(self) -> None:
        before = TOY.copy()
        customer_status(TOY, as_of="2024-06-30", customers=TOY_CUSTOMERS)
        pd.testing.assert_frame_equal(TOY, before)

    def test_missing_column_named(self) -> None:
        with pytest.raises(ValueError, match=r"amount"):
            customer_status(TOY.drop(columns="amount"), as_of="2024-01-01")


class TestChurnRate:
    def test_overall_window_hand_computed(self) -> None:
        # Window (2024-01-31, 2025-01-31]. Active at S (last purchase in (2023-01-31,
        # 2024-01-31]): A (2023-06-01), B (2023-02-10), C (2023-12-01), D (2024-01-15) = 4.
        # Lost in window: B (2024-02-10), D (churned_on 2024-06-30) = 2 -> 2/4 = 0.5.
        # Revenue in (2023-01-31, 2024-01-31]: A 100, B 50, C 300 - 100 = 200, D 80 = 430;
        # lost B + D = 130 -> 130/430.
        out = churn_rate(TOY, end="2025-01-31", customers=TOY_CUSTOMERS)
        assert list(out.columns) == list(RATE_COLUMNS)
        assert list(out.index) == ["all"]
        row = out.loc["all"]
        assert row["start"] == pd.Timestamp("2024-01-31")  # default: 12 months before end
        assert (row["active_start"], row["lost"]) == (4, 2)
        assert row["customer_churn"] == pytest.approx(0.5)
        assert row["revenue_start"] == pytest.approx(430.0)
        assert row["revenue_lost"] == pytest.approx(130.0)
        assert row["revenue_churn"] == pytest.approx(130 / 430)
        assert (row["status"], row["revenue_status"]) == ("critical", "critical")

    def test_explicit_churn_overrides(self) -> None:
        # Without customers, D is lost only on 2024-01-15 + 365 = 2025-01-14, still inside
        # the window; with a window ending 2025-01-13 D is lost only through churned_on.
        plain = churn_rate(TOY, start="2024-01-31", end="2025-01-13")
        explicit = churn_rate(TOY, start="2024-01-31", end="2025-01-13", customers=TOY_CUSTOMERS)
        assert plain.loc["all", "lost"] == 1  # B
        assert explicit.loc["all", "lost"] == 2  # B, D

    def test_refunds_netted_in_revenue_churn(self) -> None:
        # Both active at S = 2024-12-31; P lapses on 2024-02-01 + 365 = 2025-01-31.
        # Revenue in (2024-01-01, 2024-12-31] (S - 365 days, leap year): P 100 - 60 = 40,
        # Q 160 -> revenue_start 200, lost 40 -> 0.2. Q's 2025-06-01 purchase keeps it.
        data = tx(
            [
                ("P", "2024-02-01", 100.0),
                ("P", "2024-03-01", -60.0),
                ("Q", "2024-06-01", 160.0),
                ("Q", "2025-06-01", 10.0),
            ]
        )
        out = churn_rate(data, start="2024-12-31", end="2025-12-31")
        assert out.loc["all", "lost"] == 1
        assert out.loc["all", "revenue_start"] == pytest.approx(200.0)
        assert out.loc["all", "revenue_churn"] == pytest.approx(0.2)
        assert out.loc["all", "revenue_status"] == "critical"

    def test_by_manager_with_unassigned(self) -> None:
        # Window (2024-01-31, 2025-01-31]: Ann has A (kept) and C (kept): 0/2.
        # Bob has B (lost): 1/1. D has no manager -> "unassigned", lost: 1/1.
        # E (not in customers, never active at S) is also "unassigned": 0 active.
        out = churn_rate(TOY, end="2025-01-31", customers=TOY_CUSTOMERS, by="manager")
        assert list(out.index) == ["Ann", "Bob", "unassigned", "all"]
        assert out["active_start"].tolist() == [2, 1, 1, 4]
        assert out["lost"].tolist() == [0, 1, 1, 2]
        assert out["status"].tolist() == ["normal", "critical", "critical", "critical"]
        # revenue: Ann 100 + 200 = 300 kept; Bob 50 lost; unassigned D 80 lost.
        assert out.loc["Ann", "revenue_churn"] == pytest.approx(0.0)
        assert out.loc["unassigned", "revenue_lost"] == pytest.approx(80.0)

    def test_by_series_categorical_order_and_no_total(self) -> None:
        tiers = pd.Series(
            pd.Categorical(["C", "A", "VIP"], categories=["VIP", "A", "B", "C"]),
            index=pd.Index(["A", "B", "C"], name="customer_id"),
        )
        out = churn_rate(TOY, end="2025-01-31", customers=TOY_CUSTOMERS, by=tiers, total=False)
        # VIP = C (kept), A = B (lost), C = A (kept), unassigned = D (lost) and E.
        assert list(out.index) == ["VIP", "A", "C", "unassigned"]
        assert out["lost"].tolist() == [0, 1, 0, 1]

    def test_empty_group_is_unknown(self) -> None:
        by = pd.Series(["new"], index=["E"])
        out = churn_rate(TOY, end="2025-01-31", by=by)
        assert out.loc["new", "active_start"] == 0
        assert np.isnan(out.loc["new", "customer_churn"])
        assert out.loc["new", "status"] == "unknown"

    def test_bad_by_lists_columns(self) -> None:
        with pytest.raises(ValueError, match=r"region.*manager"):
            churn_rate(TOY, end="2025-01-31", customers=TOY_CUSTOMERS, by="region")

    def test_start_after_end(self) -> None:
        with pytest.raises(ValueError, match="before end"):
            churn_rate(TOY, start="2025-02-01", end="2025-01-31")


class TestChurnSeries:
    def test_toy_series_by_hand(self) -> None:
        # Windows (S, M] with S = month end 12 months before M:
        # 2025-01: S 2024-01-31. active A B C D = 4; lost B, D -> 2/4 = 0.5.
        #          revenue (2023-01-31, 2024-01-31]: 100+50+200+80 = 430; lost 50+80 = 130.
        # 2025-02: S 2024-02-29 (leap). B lost 2024-02-10 <= S. active A C D = 3; lost D.
        #          revenue (2023-03-01, 2024-02-29]: A 100, C 200, D 80 = 380; lost 80.
        # 2025-03: S 2024-03-31. active A C D; A lost 2024-03-15 + 365 = 2025-03-15 and D.
        #          revenue (2023-04-01, 2024-03-31]: A 300, C 200, D 80 = 580; lost 380.
        # partial: first transaction 2023-02-10; S - first = 355 days (< 365), 384, 415.
        out = churn_series(TOY, end="2025-03-31", months=3, customers=TOY_CUSTOMERS)
        assert list(out.index) == list(pd.period_range("2025-01", "2025-03", freq="M"))
        assert out["start"].tolist() == [
            pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-29"), pd.Timestamp("2024-03-31")
        ]
        assert out["active_start"].tolist() == [4, 3, 3]
        assert out["lost"].tolist() == [2, 1, 2]
        assert out["customer_churn"].tolist() == pytest.approx([0.5, 1 / 3, 2 / 3])
        assert out["revenue_start"].tolist() == pytest.approx([430.0, 380.0, 580.0])
        assert out["revenue_churn"].tolist() == pytest.approx([130 / 430, 80 / 380, 380 / 580])
        assert out["partial_history"].tolist() == [True, False, False]

    def test_series_matches_churn_rate(self) -> None:
        series = churn_series(TOY, end="2025-03-31", months=3, customers=TOY_CUSTOMERS)
        single = churn_rate(TOY, end="2025-02-28", customers=TOY_CUSTOMERS)
        pd.testing.assert_series_equal(
            series.loc[pd.Period("2025-02", "M"), list(RATE_COLUMNS)],
            single.loc["all"],
            check_names=False,
        )

    def test_incomplete_last_month_dropped(self) -> None:
        out = churn_series(TOY, end="2025-03-30", months=2)
        assert [str(p) for p in out.index] == ["2025-01", "2025-02"]

    def test_by_manager_multiindex(self) -> None:
        out = churn_series(
            TOY, end="2025-03-31", months=2, customers=TOY_CUSTOMERS, by="manager"
        )
        assert out.index.names == ["month", "group"]
        # 2025-03: Ann has A (lost 2025-03-15) and C (kept) -> 1/2.
        assert out.loc[(pd.Period("2025-03", "M"), "Ann"), "customer_churn"] == 0.5

    def test_series_on_100k_transactions(self) -> None:
        # speed is measured in benchmarks, not asserted here (the machine is shared and noisy)
        rng = np.random.default_rng(1)
        n = 100_000
        data = pd.DataFrame(
            {
                "customer_id": pd.array(rng.integers(0, 20_000, n).astype(str), dtype="string"),
                "date": (
                    pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 1400, n), "D")
                ).astype("datetime64[ns]"),
                "amount": rng.normal(100, 50, n),
            }
        )
        out = churn_series(data, end="2025-10-31", months=24)
        assert len(out) == 24
        assert out["customer_churn"].between(0, 1).all()
        assert (out["lost"] <= out["active_start"]).all()


class TestChurnStatus:
    @pytest.mark.parametrize(
        ("rate", "expected"),
        [
            (0.0, "normal"),
            (0.10, "normal"),
            (0.1 + 0.2 - 0.2, "normal"),  # 0.10000000000000003: float noise, still normal
            (0.1000001, "warning"),
            (0.15, "warning"),
            (0.1999999, "warning"),
            (0.20, "critical"),
            (0.7 - 0.5, "critical"),  # 0.19999999999999996: float noise, still critical
            (1.0, "critical"),
            (float("nan"), "unknown"),
            (None, "unknown"),
            (pd.NA, "unknown"),
        ],
        ids=[
            "zero", "exactly-0.10", "0.10-float-noise", "just-above-0.10", "mid-warning",
            "just-below-0.20", "exactly-0.20", "0.20-float-noise", "one", "nan", "none", "na",
        ],
    )
    def test_boundaries(self, rate: float | None, expected: str) -> None:
        assert churn_status(rate) == expected

    def test_custom_thresholds(self) -> None:
        assert churn_status(0.05, normal_max=0.04, critical_min=0.08) == "warning"


class TestLostCustomers:
    def test_lost_in_march_window(self) -> None:
        # Window (2024-03-31, 2025-03-31]: A lost 2025-03-15, D lost 2024-06-30 (explicit).
        # A lost revenue: (2023-03-16, 2024-03-15] -> 100 + 200 = 300; lifetime 300.
        out = lost_customers(TOY, end="2025-03-31", customers=TOY_CUSTOMERS)
        assert list(out.index) == ["A", "D"]
        assert list(out.columns) == [
            "last_purchase", "lost_on", "lost_revenue", "lifetime_revenue", "churned_explicitly"
        ]
        assert out.loc["A", "lost_on"] == pd.Timestamp("2025-03-15")
        assert out["lost_revenue"].tolist() == pytest.approx([300.0, 80.0])
        assert out["churned_explicitly"].tolist() == [False, True]
        churn = churn_rate(TOY, end="2025-03-31", customers=TOY_CUSTOMERS)
        assert len(out) == churn.loc["all", "lost"]

    def test_lost_revenue_window_is_365_days(self) -> None:
        # last purchase 2024-06-01; 365-day window (2023-06-02, 2024-06-01] (leap year):
        # 2023-06-02 (1000) is outside; 2023-06-03 (10), the refund 2024-05-01 (-5) and
        # 2024-06-01 (50) inside -> 55. The refund after the last purchase (-7) counts only
        # in lifetime revenue: 1000 + 10 - 5 + 50 - 7 = 1048.
        data = tx(
            [
                ("Z", "2023-06-02", 1000.0),
                ("Z", "2023-06-03", 10.0),
                ("Z", "2024-05-01", -5.0),
                ("Z", "2024-06-01", 50.0),
                ("Z", "2024-07-01", -7.0),
            ]
        )
        out = lost_customers(data, start="2024-12-31", end="2025-12-31")
        assert out.loc["Z", "lost_on"] == pd.Timestamp("2025-06-01")
        assert out.loc["Z", "lost_revenue"] == pytest.approx(55.0)
        assert out.loc["Z", "lifetime_revenue"] == pytest.approx(1048.0)


class TestWonBack:
    def test_gap_boundary(self) -> None:
        # R: 2022-01-01 -> 2023-01-02 is 366 days (> 365): a return.
        # S: 2022-01-01 -> 2023-01-01 is 365 days: not a return.
        data = tx(
            [
                ("R", "2022-01-01", 10.0),
                ("R", "2023-01-02", 40.0),
                ("R", "2023-02-01", 5.0),
                ("S", "2022-01-01", 10.0),
                ("S", "2023-01-01", 40.0),
            ]
        )
        out = won_back(data, start="2022-12-31", end="2023-12-31")
        assert list(out.index) == ["R"]
        assert out.loc["R", "returned_on"] == pd.Timestamp("2023-01-02")
        assert out.loc["R", "gap_days"] == 366
        assert out.loc["R", "revenue_since_return"] == pytest.approx(45.0)  # 40 + 5

    def test_after_churned_on(self) -> None:
        # Bought 2024-01-01, explicitly churned 2024-02-01, bought again 2024-03-01 (gap 60).
        data = tx([("K", "2024-01-01", 10.0), ("K", "2024-03-01", 20.0)])
        cust = customers([("K", "Ann", "2024-02-01")])
        out = won_back(data, start="2023-12-31", end="2024-12-31", customers=cust)
        assert out.loc["K", "gap_days"] == 60
        assert won_back(data, start="2023-12-31", end="2024-12-31").empty

    def test_first_purchase_is_not_a_return(self) -> None:
        assert won_back(tx([("N", "2024-05-01", 10.0)]), end="2024-12-31").empty

    def test_by_month(self) -> None:
        # C (toy) returns 2024-12-01 after 366 days: December 2024, revenue 100 to month end.
        out = won_back_by_month(TOY, end="2025-01-31", months=3)
        assert [str(p) for p in out.index] == ["2024-11", "2024-12", "2025-01"]
        assert out["customers"].tolist() == [0, 1, 0]
        assert out["revenue"].tolist() == pytest.approx([0.0, 100.0, 0.0])


class TestIdDtypes:
    """The pyarrow look-ups (groups, churned_on) give the pandas answer for every id dtype."""

    @pytest.mark.parametrize("dtype", ["string", "str", object], ids=["string", "str", "object"])
    def test_by_manager_and_churned_on(self, dtype) -> None:
        data = TOY.assign(customer_id=TOY["customer_id"].astype(dtype))
        cust = TOY_CUSTOMERS.assign(customer_id=TOY_CUSTOMERS["customer_id"].astype(dtype))
        # As test_by_manager_with_unassigned: Ann A, C kept (0/2); Bob B lost (1/1);
        # D (no manager; lost only through churned_on 2024-06-30) and E -> unassigned 1/1.
        out = churn_rate(data, end="2025-01-31", customers=cust, by="manager")
        assert list(out.index) == ["Ann", "Bob", "unassigned", "all"]
        assert out["active_start"].tolist() == [2, 1, 1, 4]
        assert out["lost"].tolist() == [0, 1, 1, 2]
        # Window ending 2025-01-13: without churned_on D would still be active (lost_on
        # 2025-01-14), so the unassigned loss proves churned_on was matched to D.
        early = churn_rate(data, start="2024-01-31", end="2025-01-13", customers=cust,
                           by="manager")
        assert early.loc["unassigned", "lost"] == 1

    def test_label_unassigned_merges_with_missing(self) -> None:
        # A customer whose label is literally "unassigned" joins those without a label:
        # A (label) and D, E (missing) -> one group; active at S = 2024-01-31: A, D.
        by = pd.Series(["unassigned", "x", "x"], index=["A", "B", "C"])
        out = churn_rate(TOY, end="2025-01-31", customers=TOY_CUSTOMERS, by=by, total=False)
        assert list(out.index) == ["x", "unassigned"]
        assert out["active_start"].tolist() == [2, 2]  # x: B, C; unassigned: A, D
        assert out["lost"].tolist() == [1, 1]  # B lapses; D churned explicitly


class TestSharedHistory:
    def test_same_results_inside_and_outside(self) -> None:
        outside = (
            churn_rate(TOY, end="2025-01-31", customers=TOY_CUSTOMERS),
            churn_series(TOY, end="2025-03-31", months=3, customers=TOY_CUSTOMERS),
            customer_status(TOY, as_of="2024-06-30", customers=TOY_CUSTOMERS),
        )
        with shared_history():
            inside = (
                churn_rate(TOY, end="2025-01-31", customers=TOY_CUSTOMERS),
                churn_series(TOY, end="2025-03-31", months=3, customers=TOY_CUSTOMERS),
                customer_status(TOY, as_of="2024-06-30", customers=TOY_CUSTOMERS),
            )
        for a, b in zip(outside, inside, strict=True):
            pd.testing.assert_frame_equal(a, b)
        # the hand-computed figure of test_overall_window_hand_computed: 2 lost of 4
        assert inside[0].loc["all", "customer_churn"] == pytest.approx(0.5)

    def test_history_built_once_per_frame_object(self) -> None:
        from retention_lib.analysis import _churn_history as churn_history

        with shared_history():
            first = churn_history.history(TOY, TOY_CUSTOMERS)
            assert churn_history.history(TOY, TOY_CUSTOMERS) is first
            assert churn_history.history(TOY, None) is not first  # other customers: other history
            with shared_history():  # nested blocks share the outer memo
                assert churn_history.history(TOY, TOY_CUSTOMERS) is first
        assert churn_history.history(TOY, TOY_CUSTOMERS) is not first  # nothing kept outside

    def test_equal_copy_is_not_confused(self) -> None:
        # A different frame object gets its own history: drop B's only purchase and the
        # window (2024-01-31, 2025-01-31] has A, C, D active and D lost -> 1/3.
        with shared_history():
            assert churn_rate(TOY, end="2025-01-31", customers=TOY_CUSTOMERS).loc[
                "all", "lost"] == 2
            no_b = TOY.loc[TOY["customer_id"] != "B"]
            out = churn_rate(no_b, end="2025-01-31", customers=TOY_CUSTOMERS)
        assert (out.loc["all", "active_start"], out.loc["all", "lost"]) == (3, 1)


def test_churn_by_empty_labels_is_all_unassigned():
    """Tiers "a year ago" are empty when the data start later (issue 18): no IndexError."""
    from retention_lib.analysis.churn import churn_rate as rate

    tx = pd.DataFrame({
        "customer_id": ["a", "b", "a"],
        "date": pd.to_datetime(["2010-12-01", "2010-12-02", "2011-03-01"]),
        "amount": [10.0, 20.0, 5.0],
    })
    empty = pd.Series(pd.Categorical([], categories=["VIP", "A", "B", "C"]),
                      index=pd.Index([], dtype=object), dtype="category")
    out = rate(tx, end="2011-03-31", by=empty)
    # nobody was active at S = 2010-03-31: one "unassigned" group with no one at its start
    assert list(out.index) == ["unassigned", "all"]
    assert out.loc["unassigned", "active_start"] == 0
