"""Tests for retention_lib.analysis.rfm: scores, segments, the 125 combinations."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from retention_lib.analysis.rfm import (
    OTHER_SEGMENT,
    RFM_SEGMENTS,
    rfm_score,
    rfm_segment,
    rfm_table,
)

ALL_CODES = list(itertools.product(range(1, 6), repeat=3))
ELEVEN = {
    "Champions", "Loyal", "Potential loyalists", "New customers", "Promising", "Need attention",
    "About to sleep", "At risk", "Can't lose them", "Hibernating", "Lost",
}


def _tx(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": pd.array([r[0] for r in rows], dtype="string"),
            "date": pd.to_datetime([r[1] for r in rows]).astype("datetime64[ns]"),
            "amount": np.array([r[2] for r in rows], dtype="float64"),
        }
    )


def _rules(rows: list[tuple[str, tuple, tuple, tuple]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"segment": s, "priority": i, "r_min": r[0], "r_max": r[1], "f_min": f[0],
             "f_max": f[1], "m_min": m[0], "m_max": m[1]}
            for i, (s, r, f, m) in enumerate(rows, start=1)
        ]
    )


# The widely copied 11-rule table (e.g. the R package `rfm`), in its usual order.
COPIED_TABLE = _rules(
    [
        ("Champions", (4, 5), (4, 5), (4, 5)),
        ("Loyal", (2, 5), (3, 5), (3, 5)),
        ("Potential loyalists", (3, 5), (1, 3), (1, 3)),
        ("New customers", (4, 5), (1, 1), (1, 1)),
        ("Promising", (3, 4), (1, 1), (1, 1)),
        ("Need attention", (2, 3), (2, 3), (2, 3)),
        ("About to sleep", (2, 3), (1, 2), (1, 2)),
        ("At risk", (1, 2), (2, 5), (2, 5)),
        ("Can't lose them", (1, 1), (4, 5), (4, 5)),
        ("Hibernating", (1, 2), (1, 2), (1, 2)),
        ("Lost", (1, 1), (1, 1), (1, 1)),
    ]
)

AS_OF = "2026-01-31"
SMALL = _tx(
    [
        ("c1", "2026-01-30", 100.0),
        ("c2", "2026-01-30", 50.0),
        ("c2", "2026-01-10", 50.0),
        ("c3", "2026-01-01", 20.0),
        ("c4", "2025-12-01", 500.0),
        ("c4", "2025-12-01", 100.0),  # same day: one purchase day
        ("c4", "2026-01-21", -100.0),  # refund: netted
        ("c5", "2025-06-01", 10.0),
        ("c6", "2026-01-25", 30.0),
        ("c6", "2026-01-26", 30.0),
        ("c6", "2026-01-27", 30.0),
        ("c7", "2026-02-05", 999.0),  # after as_of: not a customer yet
    ]
)


class TestAll125Combinations:
    def test_every_combination_gets_a_named_segment(self) -> None:
        names = {code: rfm_segment(*code) for code in ALL_CODES}
        assert len(names) == 125
        assert OTHER_SEGMENT not in names.values()
        assert set(names.values()) <= ELEVEN

    def test_every_segment_is_reached(self) -> None:
        reached = {rfm_segment(*code) for code in ALL_CODES}
        assert reached == ELEVEN
        assert set(RFM_SEGMENTS["segment"]) == ELEVEN

    def test_priorities_are_explicit_and_unique(self) -> None:
        assert RFM_SEGMENTS["priority"].is_unique
        assert list(RFM_SEGMENTS["priority"]) == sorted(RFM_SEGMENTS["priority"])
        # the last rule is the named catch-all covering every combination
        last = RFM_SEGMENTS.iloc[-1]
        assert (last["segment"], last["r_min"], last["r_max"], last["f_min"], last["f_max"],
                last["m_min"], last["m_max"]) == ("Hibernating", 1, 5, 1, 5, 1, 5)

    def test_copied_table_misses_four_segments(self) -> None:
        # Shows the design note: top to bottom, four segments of the usual table are never
        # assigned (wider rules above swallow their cells), and some cells stay unnamed.
        names = [rfm_segment(*code, segments=COPIED_TABLE) for code in ALL_CODES]
        missing = set(COPIED_TABLE["segment"]) - set(names)
        assert missing == {"New customers", "Promising", "Can't lose them", "Lost"}
        assert OTHER_SEGMENT in names  # e.g. R1 F1 M3 matches no rule
        assert rfm_segment(1, 1, 3, segments=COPIED_TABLE) == OTHER_SEGMENT

    @pytest.mark.parametrize(
        ("code", "segment"),
        [
            ((5, 5, 5), "Champions"),
            ((3, 3, 3), "Loyal"),
            ((1, 5, 5), "Can't lose them"),
            ((2, 4, 4), "Can't lose them"),
            ((5, 1, 5), "New customers"),
            ((3, 1, 1), "Promising"),
            ((2, 2, 3), "Need attention"),
            ((4, 2, 1), "Potential loyalists"),
            ((1, 3, 2), "At risk"),
            ((2, 1, 4), "About to sleep"),
            ((1, 1, 1), "Lost"),
            ((1, 1, 5), "Hibernating"),
        ],
        ids=lambda v: "".join(map(str, v)) if isinstance(v, tuple) else v,
    )
    def test_examples(self, code: tuple[int, int, int], segment: str) -> None:
        assert rfm_segment(*code) == segment


class TestCustomSegments:
    def test_no_catch_all_gives_other(self) -> None:
        rules = _rules([("Best", (5, 5), (5, 5), (5, 5))])
        assert rfm_segment(5, 5, 5, segments=rules) == "Best"
        assert rfm_segment(4, 5, 5, segments=rules) == OTHER_SEGMENT

    def test_other_in_table_gets_priority_after_last_rule(self) -> None:
        rules = _rules([("Recent", (4, 5), (1, 5), (1, 5))])
        t = rfm_table(SMALL, as_of=AS_OF, segments=rules)
        # R scores (see TestRfmTable): c1, c2 = 5 -> Recent; c3 = 2, c5 = 1 -> Other
        assert t.loc["c1", "segment"] == "Recent"
        assert t.loc["c3", "segment"] == OTHER_SEGMENT
        assert t.loc["c3", "segment_priority"] == 2

    def test_bad_score_range_is_named(self) -> None:
        rules = _rules([("Bad", (0, 5), (1, 5), (1, 5))])
        with pytest.raises(ValueError, match="r_min"):
            rfm_segment(1, 1, 1, segments=rules)

    def test_missing_rule_column_is_named(self) -> None:
        with pytest.raises(KeyError, match="m_max"):
            rfm_segment(1, 1, 1, segments=COPIED_TABLE.drop(columns="m_max"))

    @pytest.mark.parametrize("bad", [0, 6], ids=["zero", "six"])
    def test_score_out_of_range(self, bad: int) -> None:
        with pytest.raises(ValueError, match="allowed: 1, 2, 3, 4, 5"):
            rfm_segment(bad, 1, 1)


class TestScores:
    # score = 1 + floor(5 * (2 * rank - 1) / (2 * n)), ranks averaged over ties.
    @pytest.mark.parametrize(
        ("values", "expected"),
        [
            ([7.0], [3]),  # n=1: rank 1 -> 1 + floor(5/2) = 3
            ([1.0, 1.0, 1.0, 1.0], [3, 3, 3, 3]),  # all tied: rank 2.5 -> 1 + floor(20/8) = 3
            ([10.0, 20.0, 30.0, 40.0, 50.0], [1, 2, 3, 4, 5]),
            # n=10 distinct: two per score
            ([float(v) for v in range(10)], [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]),
            # 8 one-time buyers share rank 4.5: 1 + floor(5 * 8 / 20) = 1 + 2 = 3 (exact
            # boundary); 2 -> rank 9: 1 + floor(85/20) = 5; 3 -> rank 10: 1 + floor(95/20) = 5
            ([1.0] * 8 + [2.0, 3.0], [3] * 8 + [5, 5]),
            # n=2: rank 2 -> 1 + floor(5 * 3 / 4) = 4; rank 1 -> 1 + floor(5 / 4) = 2
            ([2.0, 1.0], [4, 2]),
        ],
        ids=["single", "all-tied", "five-distinct", "ten-distinct", "many-ones", "two"],
    )
    def test_hand_scores(self, values: list[float], expected: list[int]) -> None:
        got = rfm_score(pd.Series(values))
        assert got.tolist() == expected
        assert got.dtype == np.int64

    def test_lower_is_better(self) -> None:
        assert rfm_score(pd.Series([1.0, 100.0]), higher_is_better=False).tolist() == [4, 2]

    def test_empty(self) -> None:
        assert rfm_score(pd.Series([], dtype=float)).empty


class TestRfmTable:
    # as_of 2026-01-31, n = 6 customers, score = 1 + floor(5 * (2 * rank - 1) / 12).
    # recency_days: c1 1, c2 1, c3 30, c4 61 (its refund-only day 01-21 is no purchase: the
    #   last purchase is 2025-12-01), c5 244 (2025-06-01 -> 2026-01-31), c6 4. Worst first:
    #   c5 r1 -> 1, c4 r2 -> 2, c3 r3 -> 3, c6 r4 -> 3, c1 c2 r5.5 -> 1 + floor(50/12) = 5.
    # frequency (purchase days): c1 c3 c4 c5 1 (rank 2.5 -> 2); c2 2 (rank 5 -> 4); c6 3 (-> 5)
    # monetary: c5 10 (1), c3 20 (2), c6 90 (3), c1 c2 100 (rank 4.5 -> 4), c4 500 (5)
    #   (c4: 500 + 100 - 100 = 500: refunds stay netted)
    EXPECTED = {
        #      recency, freq, monetary, code,  segment
        "c1": (1, 1, 100.0, "524", "Potential loyalists"),
        "c2": (1, 2, 100.0, "544", "Champions"),
        "c3": (30, 1, 20.0, "322", "Need attention"),
        "c4": (61, 1, 500.0, "225", "At risk"),
        "c5": (244, 1, 10.0, "121", "Lost"),
        "c6": (4, 3, 90.0, "353", "Loyal"),
    }

    @pytest.mark.parametrize("cid", sorted(EXPECTED), ids=sorted(EXPECTED))
    def test_hand_computed(self, cid: str) -> None:
        t = rfm_table(SMALL, as_of=AS_OF)
        rec, freq, mon, code, segment = self.EXPECTED[cid]
        row = t.loc[cid]
        assert (row["recency_days"], row["frequency"]) == (rec, freq)
        assert row["monetary"] == pytest.approx(mon)
        assert row["rfm_code"] == code
        assert (row["R"], row["F"], row["M"]) == tuple(int(c) for c in code)
        assert row["segment"] == segment
        prio = RFM_SEGMENTS.set_index("segment").loc[segment, "priority"]
        assert row["segment_priority"] == prio

    def test_shape_and_dtypes(self) -> None:
        t = rfm_table(SMALL, as_of=AS_OF)
        assert list(t.index) == ["c1", "c2", "c3", "c4", "c5", "c6"]  # c7 buys after as_of
        assert list(t.columns) == [
            "recency_days", "frequency", "monetary", "R", "F", "M", "rfm_code", "segment",
            "segment_priority",
        ]
        for col in ("recency_days", "frequency", "R", "F", "M", "segment_priority"):
            assert t[col].dtype == np.int64, col

    def test_same_day_rows_unsorted_input_and_time_of_day(self) -> None:
        from retention_lib.analysis.summary import customer_summary

        # a: two rows on 01-10 (one day), a refund on 01-20 (not a purchase) -> recency
        #    31 - 10 = 21, 1 purchase day, monetary 5 + 7 - 2 = 10; b: 01-31 -> 0 days, 1
        #    day, 3.  The 12:00 time of as_of keeps b's midnight row; rows come in any order.
        data = _tx([("b", "2026-01-31", 3.0), ("a", "2026-01-20", -2.0),
                    ("a", "2026-01-10", 5.0), ("a", "2026-01-10", 7.0)])
        t = rfm_table(data, as_of="2026-01-31 12:00")
        assert t["recency_days"].tolist() == [21, 0]
        assert t["frequency"].tolist() == [1, 1]
        assert t["monetary"].tolist() == [10.0, 3.0]
        s = customer_summary(data, as_of="2026-01-31 12:00")  # the documented definition
        assert (s["frequency"] + 1).tolist() == t["frequency"].tolist()
        pd.testing.assert_index_equal(s.index, t.index)

    def test_ties_get_identical_scores(self) -> None:
        t = rfm_table(SMALL, as_of=AS_OF)
        assert t.loc["c1", "R"] == t.loc["c2", "R"]  # both 1 day
        assert t.loc["c1", "M"] == t.loc["c2", "M"]  # both 100

    def test_many_one_time_buyers_do_not_crash(self) -> None:
        rows = [(f"k{i:02d}", "2026-01-15", 10.0) for i in range(20)]
        t = rfm_table(_tx(rows), as_of=AS_OF)
        # everything tied: rank 10.5 of 20 -> 1 + floor(5 * 20 / 40) = 3
        assert set(t["rfm_code"]) == {"333"}
        assert set(t["segment"]) == {"Loyal"}
