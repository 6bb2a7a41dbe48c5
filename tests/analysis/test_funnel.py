"""Tests of retention_lib.analysis.funnel: stages, counts, conversions over a period."""

from __future__ import annotations

import pandas as pd
import pytest

from retention_lib.analysis.funnel import (
    STAGES,
    conversion_summary,
    funnel_by_manager,
    funnel_counts,
    funnel_stages,
    funnel_transitions,
)

AS_OF = pd.Timestamp("2026-10-31")


def _tx(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "category"])
    return frame.assign(
        customer_id=frame["customer_id"].astype("string"),
        date=pd.to_datetime(frame["date"]),
        amount=frame["amount"].astype("float64"),
        category=frame["category"].astype("string"),
    )


def _tiers(mapping):
    return pd.DataFrame(
        {"tier": pd.array(list(mapping.values()), dtype="string")},
        index=pd.Index(pd.array(list(mapping), dtype="string"), name="customer_id"),
    )


@pytest.fixture
def tx():
    rows = [
        ("f1", "2026-09-01", 10, "X"),  # one purchase
        ("r1", "2026-03-01", 10, "X"),  # two purchase days
        ("r1", "2026-04-01", 10, "X"),
        # g1: 6 purchase months May..Oct 2026 -> regular (tenure < 1 year: not expanded)
        *[("g1", f"2026-{m:02d}-15", 10, "X") for m in range(5, 11)],
        # g2: Oct 2025 is outside Nov 2025..Oct 2026, so only 5 recent months -> repeat
        ("g2", "2025-10-15", 10, "X"),
        *[("g2", f"2026-{m:02d}-15", 10, "X") for m in range(6, 11)],
        # e1: first year [2024-01-10, 2025-01-09] revenue 200; last 12 months 300 >= 1.5*200
        ("e1", "2024-01-10", 100, "X"),
        ("e1", "2024-06-01", 100, "X"),
        ("e1", "2026-02-01", 300, "X"),
        # e2: 299 < 300 -> not expanded, two purchase days -> repeat
        ("e2", "2024-01-10", 200, "X"),
        ("e2", "2026-02-01", 299, "X"),
        # e3: two categories in the last 12 months vs one in the first year -> expanded
        ("e3", "2024-01-10", 100, "X"),
        ("e3", "2026-02-01", 50, "X"),
        ("e3", "2026-02-01", 10, "Y"),
        ("k1", "2026-10-01", 10, "X"),  # one purchase but tier A -> key account
        ("lost1", "2025-01-01", 10, "X"),  # lost on 2026-01-01: not in the funnel
    ]
    return _tx(rows)


@pytest.fixture
def customers():
    return pd.DataFrame(
        {
            "customer_id": pd.array(["f1", "r1", "g1", "e1"], dtype="string"),
            "manager": pd.array(["m1", "m1", "m2", None], dtype="string"),
        }
    )


class TestStages:
    @pytest.mark.parametrize(
        ("cid", "stage"),
        [
            ("f1", "first purchase"),
            ("r1", "repeat"),
            ("g1", "regular"),
            ("g2", "repeat"),
            ("e1", "expanded"),
            ("e2", "repeat"),
            ("e3", "expanded"),
            ("k1", "key account"),
        ],
        ids=["one-purchase", "two-days", "six-months", "five-recent-months", "volume-1.5x",
             "volume-below-1.5x", "more-categories", "tier-A"],
    )
    def test_stage(self, tx, customers, cid, stage):
        st = funnel_stages(tx, as_of=AS_OF, tiers=_tiers({"k1": "A", "g1": "B"}),
                           customers=customers)
        assert st.loc[cid, "stage"] == stage

    def test_lost_excluded_and_manager(self, tx, customers):
        st = funnel_stages(tx, as_of=AS_OF, tiers=None, customers=customers)
        assert "lost1" not in st.index
        assert st.loc["e1", "manager"] == "unassigned"  # missing manager
        assert st.loc["k1", "manager"] == "unassigned"  # not in customers
        assert st.loc["g1", "purchase_months"] == 6
        assert st.loc["g2", "purchase_months"] == 5

    def test_regular_months_setting(self, tx):
        st = funnel_stages(tx, as_of=AS_OF, tiers=None, regular_months=5)
        assert st.loc["g2", "stage"] == "regular"

    def test_without_category_column(self, tx):
        st = funnel_stages(tx.drop(columns="category"), as_of=AS_OF, tiers=None)
        assert st.loc["e3", "stage"] == "repeat"  # 60 < 1.5 * 100 and no categories

    def test_counts(self, tx):
        st = funnel_stages(tx, as_of=AS_OF, tiers=_tiers({"k1": "VIP"}))
        c = funnel_counts(st)
        assert tuple(c.index) == STAGES
        # at stage: first 1 (f1), repeat 3 (r1, g2, e2), regular 1 (g1), expanded 2 (e1, e3),
        # key 1 (k1); reached = at stage or beyond
        assert c["at_stage"].tolist() == [1, 3, 1, 2, 1]
        assert c["reached"].tolist() == [8, 7, 4, 3, 1]
        assert c.loc["repeat", "share"] == 7 / 8

    def test_by_manager(self, tx, customers):
        st = funnel_stages(tx, as_of=AS_OF, tiers=None, customers=customers)
        m = funnel_by_manager(st)
        assert list(m.index) == ["m1", "m2", "unassigned"]
        # m1: f1 (first), r1 (repeat)
        assert m.loc["m1", ["customers", "first purchase", "repeat", "regular"]].tolist() == [
            2, 2, 1, 0]
        assert m.loc["unassigned", "customers"] == 5  # g2, e1, e2, e3, k1


class TestConversions:
    @pytest.fixture
    def setup(self):
        tx = _tx(
            [
                ("t1", "2025-06-01", 10, "X"),  # repeat at start, lost on 2026-07-01
                ("t1", "2025-07-01", 10, "X"),
                ("t2", "2025-09-01", 10, "X"),  # first purchase at start -> repeat at end
                ("t2", "2026-03-01", 10, "X"),
                ("t3", "2026-02-01", 10, "X"),  # new in the period, still first purchase
                ("t4", "2025-10-01", 10, "X"),  # key account at start -> repeat at end
                ("t4", "2026-10-01", 10, "X"),
            ]
        )
        customers = pd.DataFrame(
            {"customer_id": pd.array(["t1", "t2"], dtype="string"),
             "manager": pd.array(["m1", "m1"], dtype="string")}
        )
        tr = funnel_transitions(
            tx, start="2025-10-31", end=AS_OF, tiers_start=_tiers({"t4": "A"}),
            tiers_end=None, customers=customers,
        )
        return tr

    def test_transitions(self, setup):
        tr = setup
        assert tr["start_stage"].to_dict() == {
            "t1": "repeat", "t2": "first purchase", "t3": "new", "t4": "key account"}
        assert tr["end_stage"].to_dict() == {
            "t1": "lost", "t2": "repeat", "t3": "first purchase", "t4": "repeat"}

    def test_summary(self, setup):
        s = conversion_summary(setup)
        assert list(s.index) == ["new", "first purchase", "repeat", "key account"]
        assert s.loc["new", ["customers", "advanced", "same"]].tolist() == [1, 0, 1]
        assert s.loc["first purchase", "advanced"] == 1
        assert s.loc["first purchase", "advance_rate"] == 1.0
        assert s.loc["repeat", "lost"] == 1
        assert s.loc["key account", "fell_back"] == 1

    def test_summary_by_manager(self, setup):
        s = conversion_summary(setup, by="manager")
        assert list(s.index) == [
            ("m1", "first purchase"), ("m1", "repeat"), ("unassigned", "new"),
            ("unassigned", "key account"),
        ]

    def test_bad_window(self, tx):
        with pytest.raises(ValueError, match="start must be before end"):
            funnel_transitions(tx, start=AS_OF, end="2026-01-01", tiers_start=None,
                               tiers_end=None)


class TestImplementationInvariance:
    """The integer-coded implementation must not depend on row order or id type."""

    @pytest.mark.parametrize("seed", [0, 1, 2], ids=["shuffle-0", "shuffle-1", "shuffle-2"])
    def test_row_order_does_not_matter(self, tx, customers, seed):
        tiers = _tiers({"k1": "A"})
        shuffled = tx.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        st = funnel_stages(shuffled, as_of=AS_OF, tiers=tiers, customers=customers)
        # the hand-checked stages of TestStages.test_stage, in sorted id order
        assert st["stage"].to_dict() == {
            "e1": "expanded", "e2": "repeat", "e3": "expanded", "f1": "first purchase",
            "g1": "regular", "g2": "repeat", "k1": "key account", "r1": "repeat"}
        # g1 buys once a month May..Oct: 6 days, 6 recent months
        assert st.loc["g1", ["purchase_days", "purchase_months"]].tolist() == [6, 6]

    def test_same_day_rows_are_one_purchase_day(self):
        # three rows on one day (two categories) and a refund: 1 purchase day, 1 month
        t = _tx([("x", "2026-10-01", 10, "X"), ("x", "2026-10-01", 5, "Y"),
                 ("x", "2026-10-01", 1, "X"), ("x", "2026-10-02", -3, "X")])
        st = funnel_stages(t, as_of=AS_OF, tiers=None)
        assert st.loc["x", ["purchase_days", "purchase_months"]].tolist() == [1, 1]
        assert st.loc["x", "stage"] == "first purchase"

    def test_stages_and_transitions_share_the_end_stages(self, tx, customers):
        from retention_lib.analysis.funnel import stages_and_transitions

        kw = dict(start="2025-10-31", end=AS_OF, tiers_start=None,
                  tiers_end=_tiers({"k1": "A"}), customers=customers)
        stages, tr = stages_and_transitions(tx, **kw)
        alone = funnel_stages(tx, as_of=AS_OF, tiers=_tiers({"k1": "A"}), customers=customers)
        pd.testing.assert_frame_equal(stages, alone)
        pd.testing.assert_frame_equal(tr, funnel_transitions(tx, **kw))
        # lost1 (last purchase 2025-01-01) was active at 2025-10-31, lost at the end
        assert tr.loc["lost1", ["start_stage", "end_stage"]].tolist() == [
            "first purchase", "lost"]
