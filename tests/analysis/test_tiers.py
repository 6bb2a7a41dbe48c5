"""Tests for retention_lib.analysis.tiers: ABC/VIP value tiers and XYZ classes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from retention_lib.analysis.tiers import TIERS, value_tiers, xyz_classes
from tests.conftest import Reader


def _tx(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": pd.array([r[0] for r in rows], dtype="string"),
            "date": pd.to_datetime([r[1] for r in rows]).astype("datetime64[ns]"),
            "amount": np.array([r[2] for r in rows], dtype="float64"),
        }
    )


AS_OF = "2026-01-31"  # 365-day window: (2025-01-31, 2026-01-31]
# Window revenue: a 400, b 200, c 200 (tie with b), d 100, e 50, f 50 -> positive total 1000;
# g 0 (its purchase is on 2025-01-31, just outside the window); h 50 - 80 = -30.
ABC = _tx(
    [
        ("c", "2025-06-01", 200.0),  # listed before b on purpose: ties are broken by id
        ("a", "2025-03-01", 300.0),
        ("a", "2026-01-31", 100.0),  # on as_of: inside
        ("b", "2025-02-01", 200.0),  # first day of the window: inside
        ("d", "2025-12-01", 100.0),
        ("e", "2025-12-01", 50.0),
        ("f", "2025-11-01", 50.0),
        ("g", "2025-01-31", 300.0),  # as_of - 365 days: outside
        ("h", "2026-01-10", 50.0),
        ("h", "2026-01-12", -80.0),
        ("x", "2026-02-01", 999.0),  # after as_of: not a customer yet
    ]
)
# rank a b c d e f g h; share .4 .2 .2 .1 .05 .05 0 -.03
# share before: 0 .4 .6 .8 .9 .95 -> A A A B(exactly 80 % before) B C(exactly 95 % before)
EXPECTED = pd.DataFrame(
    {
        "revenue": [400.0, 200.0, 200.0, 100.0, 50.0, 50.0, 0.0, -30.0],
        "revenue_share": [0.4, 0.2, 0.2, 0.1, 0.05, 0.05, 0.0, -0.03],
        "cumulative_share": [0.4, 0.6, 0.8, 0.9, 0.95, 1.0, 1.0, 1.0],
        "rank": [1, 2, 3, 4, 5, 6, 7, 8],
        # VIP: 5 % of 6 positive customers = 0.3 -> at least 1: a.
        "tier": ["VIP", "A", "A", "B", "B", "C", "C", "C"],
    },
    index=pd.Index(list("abcdefgh"), name="customer_id"),
)


class TestValueTiers:
    def test_hand_computed(self) -> None:
        t = value_tiers(ABC, as_of=AS_OF)
        assert list(t.index) == list("abcdefgh")
        assert list(t.columns) == [
            "revenue", "revenue_share", "cumulative_share", "rank", "tier", "potential",
        ]
        for col in ("revenue", "revenue_share", "cumulative_share"):
            np.testing.assert_allclose(t[col].to_numpy(), EXPECTED[col].to_numpy(), atol=1e-12)
        assert t["rank"].tolist() == EXPECTED["rank"].tolist()
        assert t["tier"].astype(str).tolist() == EXPECTED["tier"].tolist()
        assert t["potential"].isna().all()

    def test_dtypes(self) -> None:
        t = value_tiers(ABC, as_of=AS_OF)
        assert t["rank"].dtype == np.int64
        assert isinstance(t["tier"].dtype, pd.CategoricalDtype)
        assert t["tier"].cat.ordered
        assert list(t["tier"].cat.categories) == list(TIERS)
        assert t["tier"].min() == "VIP"  # ordered VIP < A < B < C

    def test_row_order_of_input_does_not_matter(self) -> None:
        shuffled = ABC.iloc[::-1].reset_index(drop=True)
        pd.testing.assert_frame_equal(value_tiers(shuffled, as_of=AS_OF),
                                      value_tiers(ABC, as_of=AS_OF))

    def test_tie_at_boundary_broken_by_id(self) -> None:
        # a_share 0.6: b (before .4) is A; c ties with b but has .6 before it -> B.
        t = value_tiers(ABC, as_of=AS_OF, a_share=0.6, vip_share=0)
        assert t.loc[["a", "b", "c"], "tier"].astype(str).tolist() == ["A", "A", "B"]

    def test_crossing_customer_is_a(self) -> None:
        # a_share 0.5: b has .4 before it (< .5) and crosses to .6 -> A; c (.6 before) -> B.
        t = value_tiers(ABC, as_of=AS_OF, a_share=0.5, vip_share=0)
        assert t.loc[["a", "b", "c"], "tier"].astype(str).tolist() == ["A", "A", "B"]

    @pytest.mark.parametrize(
        ("vip_share", "vips"),
        [
            (0.0, []),  # disabled
            (0.05, ["a"]),  # 0.3 customers -> at least one
            (0.5, ["a", "b", "c"]),  # 3 of 6
            (1.0, ["a", "b", "c"]),  # 6 wanted, but only the 3 A customers can be VIP
        ],
        ids=["none", "at-least-one", "half", "capped-by-A"],
    )
    def test_vip_share(self, vip_share: float, vips: list[str]) -> None:
        t = value_tiers(ABC, as_of=AS_OF, vip_share=vip_share)
        assert t.index[t["tier"] == "VIP"].tolist() == vips

    def test_fixed_vip_list(self) -> None:
        t = value_tiers(ABC, as_of=AS_OF, vip_ids=("d", "g", "zz"))
        assert t.index[t["tier"] == "VIP"].tolist() == ["d", "g"]
        assert t.loc["a", "tier"] == "A"  # the share rule is off when a list is given
        assert t.attrs["vip_ids_not_found"] == ["zz"]

    def test_potential_is_aligned(self) -> None:
        t = value_tiers(ABC, as_of=AS_OF, potential=pd.Series({"a": 1000.0, "zz": 5.0}))
        assert t.loc["a", "potential"] == 1000.0
        assert t["potential"].drop("a").isna().all()

    def test_no_positive_revenue(self) -> None:
        t = value_tiers(_tx([("p", "2026-01-05", 10.0), ("p", "2026-01-06", -10.0),
                             ("q", "2026-01-05", -5.0)]), as_of=AS_OF)
        assert t["tier"].astype(str).tolist() == ["C", "C"]
        assert t.index.tolist() == ["p", "q"]  # 0 before -5
        assert t["revenue_share"].isna().all()

    def test_window_days(self) -> None:
        # 30-day window (2026-01-01, 2026-01-31]: a 100, h -30, rest 0 -> a is the only
        # positive customer: VIP; everybody else C.
        t = value_tiers(ABC, as_of=AS_OF, window_days=30)
        assert t.loc["a", "revenue"] == 100.0
        assert t["tier"].astype(str).value_counts().to_dict() == {"C": 7, "VIP": 1}

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [({"a_share": 0.9, "b_share": 0.8}, "a_share"), ({"vip_share": 1.5}, "vip_share")],
        ids=["shares-order", "vip-share"],
    )
    def test_bad_parameters(self, kwargs: dict, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            value_tiers(ABC, as_of=AS_OF, **kwargs)


XYZ = _tx(
    [
        ("x1", "2025-11-03", 100.0), ("x1", "2025-12-03", 100.0), ("x1", "2026-01-03", 100.0),
        ("y1", "2025-11-10", 100.0), ("y1", "2026-01-10", 150.0), ("y1", "2026-01-11", 50.0),
        ("z1", "2026-01-20", 300.0),
        ("old", "2025-05-01", 100.0),  # nothing in the last 3 months
        ("neg", "2025-12-01", 10.0), ("neg", "2025-12-05", -40.0),
        ("feb", "2026-02-10", 500.0),  # only in the incomplete month
        ("x1", "2026-02-12", 900.0),  # incomplete month: ignored
    ]
)


class TestTies:
    def test_revenue_equal_to_the_cent_ranks_by_id(self) -> None:
        # b's rows add up to 0.1 + 0.2 = 0.30000000000000004, a's one row is 0.3: the same
        # money, so the ids decide (a first), whichever order the amounts were added in
        tx = _tx([("b", "2026-01-10", 0.1), ("b", "2026-01-11", 0.2), ("a", "2026-01-12", 0.3)])
        t = value_tiers(tx, as_of="2026-01-31")
        assert t.loc["b", "revenue"] > t.loc["a", "revenue"]  # in the last bits
        assert t.index.tolist() == ["a", "b"]
        assert t["rank"].tolist() == [1, 2]


class TestXyz:
    # as_of 2026-02-15: February is incomplete, so the 3 months are Nov, Dec, Jan.
    # x1: 100, 100, 100 -> mean 100, std 0, cv 0 -> X
    # y1: 100, 0, 200 -> mean 100, std sqrt((0 + 100² + 100²) / 3) = 81.65, cv .8165 -> Y
    # z1: 0, 0, 300 -> mean 100, std sqrt((100² + 100² + 200²) / 3) = 141.42, cv 1.414 -> Z
    # old, feb: mean 0 -> Z (cv NaN); neg: 0, -30, 0 -> mean -10 -> Z (cv NaN)
    @pytest.mark.parametrize(
        ("cid", "mean", "std", "cls"),
        [
            ("x1", 100.0, 0.0, "X"),
            ("y1", 100.0, math.sqrt(20000 / 3), "Y"),
            ("z1", 100.0, math.sqrt(60000 / 3), "Z"),
            ("old", 0.0, 0.0, "Z"),
            ("feb", 0.0, 0.0, "Z"),
            ("neg", -10.0, math.sqrt((10**2 + 20**2 + 10**2) / 3), "Z"),
        ],
        ids=["x", "y", "z", "no-recent-revenue", "only-incomplete-month", "negative-mean"],
    )
    def test_hand_computed(
        self, cid: str, mean: float, std: float, cls: str, read_from: Reader
    ) -> None:
        with read_from(XYZ):
            t = xyz_classes(XYZ, as_of="2026-02-15", months=3)
        row = t.loc[cid]
        assert row["mean_monthly"] == pytest.approx(mean)
        assert row["std_monthly"] == pytest.approx(std)
        if mean > 0:
            assert row["cv"] == pytest.approx(std / mean)
        else:
            assert math.isnan(row["cv"])
        assert row["xyz"] == cls

    def test_window_months(self) -> None:
        t = xyz_classes(XYZ, as_of="2026-02-15", months=3)
        assert list(t.attrs["months"].astype(str)) == ["2025-11", "2025-12", "2026-01"]
        # as_of on the last day of January: January is complete and is the last month
        t2 = xyz_classes(XYZ, as_of="2026-01-31", months=3)
        assert list(t2.attrs["months"].astype(str)) == ["2025-11", "2025-12", "2026-01"]
        t3 = xyz_classes(XYZ, as_of="2026-01-30", months=3)
        assert list(t3.attrs["months"].astype(str)) == ["2025-10", "2025-11", "2025-12"]

    @pytest.mark.parametrize("dtype", ["string", "str", object], ids=["string", "str", "object"])
    def test_index_sorted_string_for_every_id_dtype(self, dtype, read_from: Reader) -> None:
        # customers up to 2026-01-31 (feb buys later), in code-point order: "neg" < "old"
        # < "x1" < "y1" < "z1"; the index is always the "string" dtype.
        data = XYZ.assign(customer_id=XYZ["customer_id"].astype(dtype))
        with read_from(data):
            t = xyz_classes(data, as_of="2026-01-31", months=3)
        assert t.index.tolist() == ["neg", "old", "x1", "y1", "z1"]
        assert t.index.dtype == pd.StringDtype() and t.index.name == "customer_id"
        assert t.loc["x1", "xyz"] == "X"  # 100 in each of Nov, Dec, Jan: cv 0

    def test_customers_and_dtypes(self) -> None:
        t = xyz_classes(XYZ, as_of="2026-01-31", months=3)
        assert sorted(t.index) == ["neg", "old", "x1", "y1", "z1"]  # feb buys after as_of
        assert list(t["xyz"].cat.categories) == ["X", "Y", "Z"]
        assert t["cv"].dtype == np.float64

    @pytest.mark.parametrize(
        ("amounts", "cls"),
        [((50.0, 150.0), "X"), ((0.0, 200.0), "Y")],
        ids=["cv-exactly-0.5", "cv-exactly-1.0"],
    )
    def test_limits_are_inclusive(
        self, amounts: tuple[float, float], cls: str, read_from: Reader
    ) -> None:
        # two months: 50, 150 -> mean 100, population std 50, cv 0.5 (X, limit inclusive);
        # 0, 200 -> mean 100, std 100, cv 1.0 (Y, limit inclusive)
        tx = _tx([("k", "2025-12-15", amounts[0]), ("k", "2026-01-15", amounts[1])])
        with read_from(tx):
            t = xyz_classes(tx, as_of="2026-01-31", months=2)
        assert t.loc["k", "xyz"] == cls
