"""Tests of retention_lib.winback: the ranked queue of lost customers and won-back counts."""

from __future__ import annotations

import pandas as pd
import pytest

from retention_lib import churn
from retention_lib.reasons import RECOMMENDED_ACTIONS
from retention_lib.winback import winback_metrics, winback_queue, won_back_by_month

AS_OF = "2026-06-30"  # queue window: lost_on in (2024-06-30, 2026-06-30]


def _tx() -> pd.DataFrame:
    rows = [
        ("W1", "2024-06-01", 1000.0), ("W1", "2025-01-10", 500.0),  # lost 2026-01-10
        ("W2", "2025-03-01", 200.0),  # lost 2026-03-01
        ("W3", "2024-12-01", 800.0),  # lost 2025-12-01
        ("A1", "2026-05-01", 50.0),  # active
        ("O", "2023-01-01", 900.0),  # lost 2024-01-01: before the window
        ("B", "2024-01-05", 100.0), ("B", "2026-06-10", 300.0),  # won back in June 2026
    ]
    f = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    f["customer_id"] = f["customer_id"].astype("string")
    f["date"] = pd.to_datetime(f["date"])
    return f


def _customers() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["W1", "W2", "W3"], "name": ["One", "Two", "Three"],
        "manager": ["Ann", "Bob", "Ann"],
    })


def _surveys() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["W1", "W2", "W2"],
        "date": pd.to_datetime(["2026-02-01"] * 3),
        "reason": ["too expensive", "cheaper elsewhere", "business closed"],
    })


def _contacts() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["W1", "W3", "W1"],
        "date": pd.to_datetime(["2026-02-01", "2025-05-01", "2026-08-01"]),  # last: future
        "channel": ["call"] * 3,
    })


# recency = 1 - days since lost / 730: W1 171 d, W2 121 d, W3 211 d
REC = {"W1": 1 - 171 / 730, "W2": 1 - 121 / 730, "W3": 1 - 211 / 730}
# value = percentile rank of lost revenue 1500, 200, 800 -> 3/3, 1/3, 2/3
VAL = {"W1": 1.0, "W2": 1 / 3, "W3": 2 / 3}
# reason: price 1, uncontrollable (wins over price for W2) 0, no survey 0.5
RSN = {"W1": 1.0, "W2": 0.0, "W3": 0.5}


class TestQueue:
    def test_hand_scores_and_order(self):
        q = winback_queue(_tx(), as_of=AS_OF, customers=_customers(), surveys=_surveys(),
                          contacts=_contacts())
        expected = {k: 0.35 * REC[k] + 0.35 * VAL[k] + 0.3 * RSN[k] for k in REC}
        # W1 .918, W3 .632, W2 .409
        assert list(q.index) == ["W1", "W3", "W2"]
        for k, v in expected.items():
            assert q.loc[k, "score"] == pytest.approx(v)
        assert q.loc["W1", "lost_revenue"] == pytest.approx(1500.0)
        assert q.loc["W1", "lost_on"] == pd.Timestamp("2026-01-10")
        assert q.loc["W2", "reason_category"] == "uncontrollable"
        assert not q.loc["W2", "fixable"]
        assert q.loc["W3", "reason_category"] == "unknown" and q.loc["W3", "reason"] == ""
        assert q.loc["W1", "action"] == RECOMMENDED_ACTIONS["price"]
        assert (q.loc["W1", "name"], q.loc["W1", "manager"]) == ("One", "Ann")

    def test_last_contact_and_overdue(self):
        q = winback_queue(_tx(), as_of=AS_OF, contacts=_contacts())
        # the 2026-08-01 contact is after as_of: ignored
        assert q.loc["W1", "last_contact"] == pd.Timestamp("2026-02-01")
        # W3: 2025-05-01 is more than 365 days before 2026-06-30; W2: never contacted
        assert q["contact_overdue"].to_dict() == {"W1": False, "W3": True, "W2": True}

    def test_p_alive_enters_the_score(self):
        q = winback_queue(_tx(), as_of=AS_OF, surveys=_surveys(),
                          p_alive=pd.Series({"W1": 0.1, "W2": 0.9}))
        pa = {"W1": 0.1, "W2": 0.9, "W3": 0.5}  # W3 missing: neutral 0.5
        for k in REC:
            hand = (0.35 * REC[k] + 0.35 * VAL[k] + 0.3 * RSN[k] + 0.2 * pa[k]) / 1.2
            assert q.loc[k, "score"] == pytest.approx(hand)
        assert q.loc["W3", "p_alive"] != q.loc["W3", "p_alive"]  # NaN shown

    def test_bad_weight_is_named(self):
        with pytest.raises(ValueError, match="unknown weight"):
            winback_queue(_tx(), as_of=AS_OF, weights={"recent": 1.0})

    def test_empty_queue(self):
        q = winback_queue(_tx(), as_of="2023-06-30")  # only O has bought: active
        assert q.empty


class TestWonBack:
    def test_metrics_this_month(self):
        q = winback_queue(_tx(), as_of=AS_OF)
        m = winback_metrics(q, _tx(), start="2026-05-31", end=AS_OF)
        # B returned on 2026-06-10 after 887 days with 300
        assert m == {
            "queue_size": 3, "queue_lost_revenue": pytest.approx(2500.0),
            "contact_overdue": 3, "won_back": 1, "won_back_revenue": pytest.approx(300.0),
        }

    def test_by_month_is_the_churn_function(self):
        assert won_back_by_month is churn.won_back_by_month
        out = won_back_by_month(_tx(), end=AS_OF, months=2)
        assert out["customers"].tolist() == [0, 1]
