"""Tests of retention_lib.analysis.signals: markers against the customer's own baseline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from retention_lib.analysis.signals import (
    HISTORY_OK,
    HISTORY_SHORT,
    MARKERS,
    at_risk_list,
    at_risk_metrics,
    early_warning,
    marker_sentences,
)
from retention_lib.data.io import load_dataset
from retention_lib.i18n import get_translator

T = "2025-12-31"
# recent window R = (2025-10-02, 2025-12-31]; baseline B = (2024-10-02, 2025-10-02]


def _monthly(cid: str, start: str, end: str, amount: float = 100.0) -> list[tuple]:
    days = pd.date_range(start, end, freq="MS") + pd.Timedelta(days=14)  # the 15th
    return [(cid, d, amount) for d in days if d <= pd.Timestamp(end)]


def _tx() -> pd.DataFrame:
    rows = (
        # A: monthly 2024-10-15 .. 2025-09-15 (12 orders in B), nothing in R
        _monthly("A", "2024-10-01", "2025-09-15")
        # B: monthly 2024-10-15 .. 2025-12-15, steady
        + _monthly("B", "2024-10-01", "2025-12-15")
        # C: new customer, first purchase 2025-08-01 (152 days before T < 180)
        + [("C", pd.Timestamp("2025-08-01"), 50.0), ("C", pd.Timestamp("2025-12-01"), 50.0)]
        # D: lost (last purchase more than 365 days before T)
        + [("D", pd.Timestamp("2024-11-01"), 70.0)]
        # E: sparse buyer, two purchases
        + [("E", pd.Timestamp("2025-01-10"), 300.0), ("E", pd.Timestamp("2025-06-10"), 300.0)]
    )
    f = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    f["customer_id"] = f["customer_id"].astype("string")
    return f


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": pd.array(["A", "B", "C", "D", "E"], dtype="string"),
            "name": ["Alpha", "Beta", "Gamma", "Delta", "Eps"],
            "manager": ["Ann", "Bob", "Ann", "Bob", "unassigned"],
        }
    )


def _contacts() -> pd.DataFrame:
    # A: answered outbound calls on the 1st of 2024-11 .. 2025-10 (12 in B),
    # in R one unanswered call (2025-11-01) and one inbound message (2025-12-01)
    days = list(pd.date_range("2024-11-01", "2025-10-01", freq="MS"))
    rows = [("A", d, "outbound", True) for d in days]
    rows += [("A", pd.Timestamp("2025-11-01"), "outbound", False)]
    rows += [("A", pd.Timestamp("2025-12-01"), "inbound", pd.NA)]
    f = pd.DataFrame(rows, columns=["customer_id", "date", "direction", "answered"])
    f["answered"] = f["answered"].astype("boolean")
    f["channel"] = "call"
    return f


def _signals(b_complaints: int = 1) -> pd.DataFrame:
    rows = [("B", pd.Timestamp("2025-11-20"), "competitor_interest")]
    rows += [("B", pd.Timestamp("2025-03-01"), "complaint")] * b_complaints
    rows += [("B", pd.Timestamp("2025-12-10"), " Complaint ")]
    return pd.DataFrame(rows, columns=["customer_id", "date", "kind"])


def _usage() -> pd.DataFrame:
    # A: 10 units a month Oct 2024 .. Sep 2025, 2 a month Oct .. Dec 2025
    months = pd.date_range("2024-10-01", "2025-12-01", freq="MS")
    units = [10.0 if m < pd.Timestamp("2025-10-01") else 2.0 for m in months]
    return pd.DataFrame({"customer_id": "A", "period": months, "active_units": units})


TIERS = pd.Series({"A": "B", "B": "A", "C": "C", "E": "C"})


def _run(**kw) -> pd.DataFrame:
    base = dict(customers=_customers(), contacts=_contacts(), signals=_signals(),
                usage=_usage(), tiers=TIERS)
    base.update(kw)
    return early_warning(_tx(), as_of=T, **base)


class TestEarlyWarning:
    def test_one_row_per_active_customer_with_history(self):
        out = _run()
        # D is lost (last purchase 2024-11-01 <= T - 365 days): not listed
        assert sorted(out.index) == ["A", "B", "C", "E"]
        assert out.loc["C", "history"] == HISTORY_SHORT
        assert not out.loc["C", list(MARKERS)].any()
        assert out.loc["C", "risk_score"] == 0.0
        assert (out.loc[["A", "B", "E"], "history"] == HISTORY_OK).all()

    def test_customer_a_markers_and_sentences(self):
        a = _run().loc["A"]
        assert a["orders_down"] and a["overdue"] and a["contacts_down"] and a["not_using"]
        assert not a["complaints_up"] and not a["competitor_interest"]
        # baseline (2024-10-14, 2025-10-02] = 353 days, 12 orders: expected 12*90/353 = 3.06;
        # 0 orders and 0 revenue in R: down 100 %
        # gaps between the 15ths: 28,30,30,30,31,31,31,31,31,31,31 -> median 31;
        # days since 2025-09-15 = 107 > 2 * 31
        # contacts: 12 answered in B -> 3.1 expected; R: 1 (the inbound one)
        # usage: 10 -> 2 a month = down 80 %
        assert a["markers"] == [
            "orders down 100% and revenue down 100% vs their previous 12 months",
            "no purchase for 107 days (usually every 31 days)",
            "answered or reached out 1 time in the last 90 days vs 3.1 expected from "
            "their previous 12 months",
            "product usage down 80% vs their previous 12 months while still buying",
        ]
        # the same facts in Russian, numbers by locale (CLDR ru percent: "100 %", NBSP)
        ru = [s.replace("\u00a0", " ") for s in
              marker_sentences(a["marker_facts"], tr=get_translator("ru"))]
        assert ru[1] == "нет покупок 107 дней (обычно покупает раз в 31 дн.)"
        assert ru[0] == ("заказы сократились на 100 %, выручка — на 100 % по сравнению с "
                         "обычным уровнем за предыдущие 12 месяцев")
        assert ru[2] == ("за последние 90 дн. ответов и обращений клиента: 1, хотя по "
                         "предыдущим 12 мес. ожидалось 3,1")
        assert ru[3] == ("использование продукта на 80 % ниже, чем за предыдущие 12 месяцев, "
                         "хотя клиент продолжает платить")
        # noisy-OR: 1 - (1-.2)(1-.4)(1-.2)(1-.6) = 1 - .1536 = .8464
        assert a["risk_score"] == pytest.approx(0.8464)
        # revenue 12m: Jan..Sep 2025 = 9 x 100
        assert a["revenue_12m"] == pytest.approx(900.0)
        assert a["value_at_risk"] == pytest.approx(900 * 0.8464)
        assert (a["name"], a["manager"], a["tier"]) == ("Alpha", "Ann", "B")

    def test_customer_b_signals(self):
        b = _run().loc["B"]
        assert not b["orders_down"] and not b["overdue"]
        # complaints: 1 in B -> 90/353 = 0.25 expected; 1 in R > 2 x 0.25
        assert b["complaints_up"] and b["competitor_interest"]
        assert b["markers"] == [
            "1 complaint in the last 90 days vs 0.3 usual",
            "showed interest in a competitor on 2025-11-20",
        ]
        assert marker_sentences(b["marker_facts"], tr=get_translator("uk")) == [
            "1 скарга за останні 90 дн. (зазвичай 0,3)",
            "виявив інтерес до конкурента 20.11.2025",
        ]
        # 1 - (1-.45)(1-.6) = .78; revenue Jan..Dec 2025 = 1200
        assert b["risk_score"] == pytest.approx(0.78)
        assert b["value_at_risk"] == pytest.approx(936.0)

    @pytest.mark.parametrize(
        ("b_complaints", "fires"),
        [(1, True), (2, False), (0, True)],
        ids=["usual-0.25-fires", "usual-0.51-not-above-2x", "none-before-fires"],
    )
    def test_complaint_factor(self, b_complaints, fires):
        # 2 complaints in B: expected 2*90/353 = 0.51, 2 x 0.51 = 1.02 >= 1 recent
        out = _run(signals=_signals(b_complaints))
        assert bool(out.loc["B", "complaints_up"]) is fires

    def test_sparse_buyer_not_judged(self):
        e = _run().loc["E"]
        # 2 orders in 266 days -> 0.68 expected < 1; one interval < 2: no marker
        assert e["n_markers"] == 0 and not e["flagged"]

    @pytest.mark.parametrize(
        ("missing", "off"),
        [
            ("contacts", ["contacts_down"]),
            ("signals", ["complaints_up", "competitor_interest"]),
            ("usage", ["not_using"]),
        ],
        ids=["contacts", "signals", "usage"],
    )
    def test_missing_table_switches_off_only_its_markers(self, missing, off):
        out = _run(**{missing: None})
        assert sorted(k for k, v in out.attrs["markers_off"].items() if v != "no p_alive") == (
            sorted(off)
        )
        assert not out[off].any().any()
        assert out.loc["A", "orders_down"] and out.loc["A", "overdue"]

    def test_only_orders_markers(self):
        out = _run(markers=("orders_down", "overdue"))
        # A: 1 - .8 * .6 = .52
        assert out.loc["A", "risk_score"] == pytest.approx(0.52)
        assert out.loc["B", "risk_score"] == 0.0

    def test_p_alive_marker(self):
        out = _run(p_alive=pd.Series({"B": 0.2, "A": 0.9}))
        assert out.loc["B", "low_p_alive"] and not out.loc["A", "low_p_alive"]
        assert "probability of still being a customer 20%" in out.loc["B", "markers"]

    @pytest.mark.parametrize(
        ("threshold", "flagged"),
        [(0.35, False), (0.2, True)],
        ids=["one-weak-marker-not-enough", "threshold-lowered"],
    )
    def test_flag_threshold(self, threshold, flagged):
        # only orders_down fires for A (weight .2): risk .2
        out = _run(markers=("orders_down",), flag_threshold=threshold)
        assert out.loc["A", "risk_score"] == pytest.approx(0.2)
        assert bool(out.loc["A", "flagged"]) is flagged

    def test_errors_name_the_value(self):
        with pytest.raises(ValueError, match="unknown marker"):
            _run(markers=("orders_dwn",))
        with pytest.raises(ValueError, match="orders_rule"):
            _run(orders_rule="any")

    def test_inputs_not_mutated(self):
        tx = _tx()
        before = tx.copy()
        early_warning(tx, as_of=T)
        pd.testing.assert_frame_equal(tx, before)


class TestAtRisk:
    def test_ordered_by_value_at_risk(self):
        out = at_risk_list(_run())
        # B 936 > A 761.76; C and E not flagged
        assert list(out.index) == ["B", "A"]
        assert list(at_risk_list(_run(), top=1).index) == ["B"]

    def test_metrics(self):
        m = at_risk_metrics(_run())
        assert m["flagged"] == 2 and m["active_customers"] == 4
        assert m["not_enough_history"] == 1
        assert m["value_at_risk"] == pytest.approx(936 + 900 * 0.8464)


SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="module")
def sample_dataset():
    return load_dataset(SAMPLE, as_of="2026-10-31")


class TestSample:
    def test_planted_leavers_dominate_the_at_risk_list(self, sample_dataset):
        ds = sample_dataset
        out = early_warning(
            ds.transactions, as_of="2025-08-01", customers=ds.customers,
            contacts=ds.contacts, signals=ds.signals, usage=ds.usage,
        )
        top = at_risk_list(out, top=30)
        tx = ds.transactions[ds.transactions["amount"] > 0]
        later = tx[tx["date"] > pd.Timestamp("2025-10-30")]["customer_id"].unique()
        # leavers: no purchase after the next 90 days
        left_top = (~top.index.isin(later)).mean()
        quiet = out[~out["flagged"] & (out["history"] == HISTORY_OK)]
        left_quiet = (~quiet.index.isin(later)).mean()
        assert left_top >= 3 * left_quiet


class TestSentenceMemo:
    """early_warning formats its English sentences through a memo; it must return exactly
    the translator's strings, also for halves (babel rounds half to even on the decimal
    text), negatives and repeated values."""

    # orders_drop 0.125 -> 12.5 % -> "12%" (half to even); 0.135 -> "14%"; 0.005 -> "0%"
    FACTS = [
        [{"marker": "orders_down", "orders_drop": 0.125, "revenue_drop": 0.135,
          "baseline_months": 12}],
        [{"marker": "orders_down", "orders_drop": 0.005, "revenue_drop": None,
          "baseline_months": 1}],
        [{"marker": "overdue", "days": 1234, "interval": 31},
         {"marker": "contacts_down", "recent": 1, "expected": 3.05, "recent_days": 90,
          "baseline_months": 12}],
        [{"marker": "not_using", "drop": -0.0, "baseline_months": 12},
         {"marker": "complaints_up", "recent": 2, "usual": 0.25, "recent_days": 90}],
        [{"marker": "low_p_alive", "p_alive": 0.345},
         {"marker": "competitor_interest", "date": pd.Timestamp("2025-11-20")}],
    ]

    @pytest.mark.parametrize("lang", ["en", "ru", "uk"], ids=["en", "ru", "uk"])
    def test_same_strings_as_translator(self, lang):
        from retention_lib.analysis._sentence_memo import MemoTranslator

        tr = get_translator(lang)
        memo = MemoTranslator(tr)
        for facts in self.FACTS + self.FACTS:  # twice: the second pass hits the memo
            assert marker_sentences(facts, tr=memo) == marker_sentences(facts, tr=tr)

    def test_hand_rounding(self):
        from retention_lib.analysis._sentence_memo import MemoTranslator

        memo = MemoTranslator(get_translator("en"))
        # 12.5 -> 12 and 13.5 -> 14 (half to even), 1234 days with a thousands separator
        assert memo.percent(0.125, 0) == "12%"
        assert memo.percent(0.135, 0) == "14%"
        assert memo.number(1234) == "1,234"
        assert memo.number(3.05, decimals=1) == get_translator("en").number(3.05, decimals=1)


class TestSharedInputs:
    """Inside ``shared_inputs()`` the id columns of the same frames are factorized once;
    the early-warning frame must be the same as without the block, at two dates."""

    @pytest.mark.parametrize("as_of", [T, "2025-11-15"], ids=["T", "mid-november"])
    def test_same_result_inside_the_block(self, as_of):
        from retention_lib.analysis.signals import shared_inputs

        kw = dict(customers=_customers(), contacts=_contacts(), signals=_signals(),
                  usage=_usage(), tiers=TIERS)
        plain = early_warning(_tx(), as_of=as_of, **kw)
        with shared_inputs():
            first = early_warning(_tx(), as_of=as_of, **kw)
            again = early_warning(_tx(), as_of=as_of, **kw)  # memo hits on the same frames
        pd.testing.assert_frame_equal(first, plain)
        pd.testing.assert_frame_equal(again, plain)

    def test_memo_only_inside_the_block(self):
        from retention_lib.analysis import _frame_ids as ids
        from retention_lib.analysis import signals as sg

        contacts = _contacts()
        assert not ids.INPUTS.active
        with sg.shared_inputs():
            codes, distinct = ids.factorized(contacts, "customer_id")
            # the contacts hold only customer "A": one distinct id, code 0 on all 14 rows
            assert list(distinct) == ["A"] and codes.tolist() == [0] * 14
            assert ids.factorized(contacts, "customer_id")[0] is codes  # remembered
        assert not ids.INPUTS.active


class TestLookups:
    """The pyarrow lookups give what the pandas calls they replace give."""

    @pytest.mark.parametrize("dtype", ["str", "string", object],
                             ids=["str", "string", "object"])
    def test_index_in_and_isin(self, dtype):
        from retention_lib.analysis._frame_ids import index_in, isin

        uniq = pd.Index(["b", "a", "c"], dtype=dtype)
        values = pd.Index(["a", "x", "c", "a"], dtype=dtype)
        # positions in uniq by hand: a -> 1, x -> absent, c -> 2, a -> 1
        assert index_in(values, uniq).tolist() == [1, -1, 2, 1]
        s = pd.Series(["a", None, "x", "b"], dtype=dtype)
        assert isin(s, uniq).tolist() == [True, False, False, True]

    def test_first_rows(self):
        from retention_lib.analysis._frame_ids import first_rows

        keys = pd.Index(["k1", "k2", "k1", "k3"], dtype="str")
        targets = pd.Index(["k3", "k1", "zz"], dtype="str")
        # k3 is row 3; k1 first appears in row 0 (row 2 is a duplicate); zz absent
        assert first_rows(keys, targets).tolist() == [3, 0, -1]

    def test_empty_lists_are_distinct(self):
        from retention_lib.analysis._sentence_memo import empty_lists

        lists = empty_lists(3)
        lists[0].append(1)
        assert lists == [[1], [], []]

    @pytest.mark.parametrize("lang,count", [("ru", 1), ("ru", 3), ("ru", 5), ("en", 1)],
                             ids=["ru-one", "ru-few", "ru-many", "en-one"])
    def test_memo_plural_form(self, lang, count):
        from retention_lib.analysis._sentence_memo import MemoTranslator

        tr = get_translator(lang)
        memo = MemoTranslator(tr)
        assert memo.plural_form(count) == tr.plural_form(count)
        assert memo.plural_form(count) == tr.plural_form(count)  # from the memo


class TestFactKey:
    """Facts with the same key must read the same; halves keep their exact value."""

    @pytest.mark.parametrize("a,b,same", [
        (0.121, 0.1249, True),    # 12.1 % and 12.49 % both print "12%"
        (0.125, 0.1251, False),   # 12.5 % is a half (kept exact: "12%"), 12.51 % -> "13%"
        (0.575, 0.5751, False),   # 57.5 % half (decimal text 57.5 -> "58%"), not by float
        (-0.001, 0.001, False),   # "-0%" against "0%"
    ], ids=["round-down", "half", "float-half", "sign"])
    def test_percent_key(self, a, b, same):
        from retention_lib.analysis._sentence_memo import fact_key

        def fact(v):
            return {"marker": "not_using", "drop": v, "baseline_months": 12}

        assert (fact_key(fact(a)) == fact_key(fact(b))) is same
        tr = get_translator("en")
        if same:
            assert marker_sentences([fact(a)], tr=tr) == marker_sentences([fact(b)], tr=tr)
        # a half keeps the exact value as its key
        assert fact_key(fact(0.125))[2] == ("raw", 0.125)
