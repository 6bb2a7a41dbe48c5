"""Tests of retention_lib.analysis.winback: the ranked queue of lost customers and won-back
counts."""

from __future__ import annotations

import pandas as pd
import pytest

from retention_lib.analysis import churn
from retention_lib.analysis.reasons import RECOMMENDED_ACTIONS
from retention_lib.analysis.winback import winback_metrics, winback_queue, won_back_by_month

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
# lost revenue (365 days up to the last purchase): W1 1000 + 500, W2 200, W3 800
LOST = {"W1": 1500.0, "W2": 200.0, "W3": 800.0}
# reason chance: price 1, uncontrollable (wins over price for W2) 0, no survey 0.5
RSN = {"W1": 1.0, "W2": 0.0, "W3": 0.5}


class TestQueue:
    def test_hand_expected_revenue_and_order(self):
        q = winback_queue(_tx(), as_of=AS_OF, customers=_customers(), surveys=_surveys(),
                          contacts=_contacts())
        # W1 1500 x 0.7658 = 1148.6; W3 800 x 0.7110 x 0.5 = 284.4; W2 200 x 0.834 x 0 = 0
        assert list(q.index) == ["W1", "W3", "W2"]
        for k in REC:
            assert q.loc[k, "score"] == pytest.approx(REC[k] * RSN[k])
            assert q.loc[k, "expected_revenue"] == pytest.approx(LOST[k] * REC[k] * RSN[k])
        assert q.loc["W1", "expected_revenue"] == pytest.approx(1148.63, abs=0.01)
        assert q.loc["W1", "lost_revenue"] == pytest.approx(1500.0)
        assert q.loc["W1", "lost_on"] == pd.Timestamp("2026-01-10")
        assert q.loc["W2", "reason_category"] == "uncontrollable"
        assert not q.loc["W2", "fixable"]
        assert q.loc["W3", "reason_category"] == "unknown" and q.loc["W3", "reason"] == ""
        assert q.loc["W1", "action"] == RECOMMENDED_ACTIONS["price"]
        assert (q.loc["W1", "name"], q.loc["W1", "manager"]) == ("One", "Ann")

    def test_money_outranks_a_small_recent_loss(self):
        # the case: EUR 524 lost yesterday (price) against EUR 62,947 lost a year
        # ago with no survey answer: 524 x (1 - 1/730) = 523.28 < 62,947 x 0.5 x 0.5
        tx = pd.DataFrame({
            "customer_id": pd.array(["S", "Big"], dtype="string"),
            "date": pd.to_datetime(["2025-06-29", "2024-06-30"]),
            "amount": [524.0, 62_947.0],
        })
        surveys = pd.DataFrame({"customer_id": ["S"], "date": pd.to_datetime(["2026-06-30"]),
                                "reason": ["too expensive"]})
        q = winback_queue(tx, as_of=AS_OF, surveys=surveys)
        assert list(q.index) == ["Big", "S"]
        assert q.loc["S", "days_since_lost"] == 1 and q.loc["Big", "days_since_lost"] == 365
        assert q.loc["S", "expected_revenue"] == pytest.approx(524 * (1 - 1 / 730))
        assert q.loc["Big", "expected_revenue"] == pytest.approx(62_947 * 0.25)

    def test_last_contact_and_overdue(self):
        q = winback_queue(_tx(), as_of=AS_OF, contacts=_contacts())
        # the 2026-08-01 contact is after as_of: ignored
        assert q.loc["W1", "last_contact"] == pd.Timestamp("2026-02-01")
        # W3: 2025-05-01 is more than 365 days before 2026-06-30; W2: never contacted
        assert q["contact_overdue"].to_dict() == {"W1": False, "W3": True, "W2": True}

    def test_p_alive_shown_not_multiplied_by_default(self):
        q = winback_queue(_tx(), as_of=AS_OF, surveys=_surveys(),
                          p_alive=pd.Series({"W1": 0.1, "W2": 0.9}))
        assert q.loc["W1", "p_alive"] == 0.1 and q.loc["W2", "p_alive"] == 0.9
        for k in REC:
            assert q.loc[k, "score"] == pytest.approx(REC[k] * RSN[k])
        assert not q.attrs["p_alive_used"]

    def test_p_alive_multiplies_the_chance_when_asked(self):
        q = winback_queue(_tx(), as_of=AS_OF, surveys=_surveys(),
                          p_alive=pd.Series({"W1": 0.1, "W2": 0.9}), use_p_alive=True)
        pa = {"W1": 0.1, "W2": 0.9, "W3": 0.5}  # W3 missing: 0.5
        for k in REC:
            assert q.loc[k, "score"] == pytest.approx(REC[k] * RSN[k] * pa[k])
            assert q.loc[k, "expected_revenue"] == pytest.approx(
                LOST[k] * REC[k] * RSN[k] * pa[k])
        # W1 1500 x .766 x .1 = 114.9 < W3 800 x .711 x .5 x .5 = 142.2
        assert list(q.index) == ["W3", "W1", "W2"]
        assert q.loc["W3", "p_alive"] != q.loc["W3", "p_alive"]  # NaN shown
        assert q.attrs["p_alive_used"]

    def test_reason_chance_override_and_bad_value(self):
        q = winback_queue(_tx(), as_of=AS_OF, surveys=_surveys(),
                          reason_chance={"unknown": 1.0})
        assert q.loc["W3", "score"] == pytest.approx(REC["W3"])
        with pytest.raises(ValueError, match="between 0 and 1"):
            winback_queue(_tx(), as_of=AS_OF, reason_chance={"price": 1.5})

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
            # nobody surveyed: 1500 x .766 x .5 + 200 x .834 x .5 + 800 x .711 x .5
            "queue_expected_revenue": pytest.approx(
                0.5 * sum(LOST[k] * REC[k] for k in REC)),
        }

    def test_by_month_is_the_churn_function(self):
        assert won_back_by_month is churn.won_back_by_month
        out = won_back_by_month(_tx(), end=AS_OF, months=2)
        assert out["customers"].tolist() == [0, 1]


class TestAdviceLegend:
    def test_once_per_reason_in_order_with_the_gesture_once(self):
        from retention_lib.i18n import get_translator
        from retention_lib.pages.diagnostics_tables import advice_legend

        tr = get_translator("en")
        html = advice_legend(["price", "unknown", "price", "price"], tr=tr)
        assert html.count("differs in quality") == 1  # price advice once for three rows
        assert html.count("Find out the reason first") == 1
        assert html.count("discount coupon") == 1  # any win-back: said once
        assert html.index("differs in quality") < html.index("Find out the reason first")
        assert "Admit" not in html  # service advice only when a service loss is shown
        assert advice_legend([], tr=tr) == ""

    @pytest.mark.parametrize("lang", ["ru", "uk"])
    def test_formula_in_the_reader_language(self, lang):
        from retention_lib.i18n import get_translator
        from retention_lib.pages.diagnostics_tables import winback_formula

        q = winback_queue(_tx(), as_of=AS_OF)
        text = winback_formula(q, tr=get_translator(lang))
        assert "730" in text and "BG/NBD" not in text  # p_alive not given
        assert "50" in text  # the unknown reason's chance, 50 %
