"""Tests of retention_lib.pages.discipline_executive: the executive block and its actions."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from retention_lib.data.io import load_dataset
from retention_lib.pages import discipline_executive


def test_executive_block_one_call(folders):
    html = discipline_executive.executive_block(load_dataset(folders["full"]),
                                                period="2026-10").data
    assert "Contact discipline" in html and "contact_discipline.html" in html


class TestExecutiveActions:
    """discipline_executive.executive_actions on hand-made tables (three managers)."""

    @pytest.fixture
    def report(self, full):
        fit = pd.DataFrame({"churn_rate": [0.05, 0.30, 0.25], "lost": [1, 6, 5],
                            "customers": [20, 20, 20], "flagged": [False, True, True]},
                           index=["m1", "m2", "m3"])
        fit.attrs = {"company_rate": 0.10}
        ok = pd.DataFrame({  # in worst_overdue order: VIP first, then money at stake
            "name": ["K1", "K3", "K2"], "tier": ["VIP", "A", "A"],
            "manager": ["m1", "m2", "m2"], "days_overdue": [10, 20, 100],
            "value": [1000.0, 300.0, 50.0], "status": ["overdue"] * 3,
        }, index=["k1", "k3", "k2"])
        return dataclasses.replace(full, fit=fit, overdue_key=ok)

    @pytest.fixture
    def at_risk(self):
        return pd.DataFrame({"name": ["S1", "S2", "S3"], "manager": ["m1", "m3", "m3"],
                             "value_at_risk": [500.0, 400.0, 200.0]}, index=["s1", "s2", "s3"])

    @pytest.fixture
    def queue(self):
        return pd.DataFrame({"name": ["W1", "W2", "W3"], "manager": ["m3", "m1", "m1"],
                             "expected_revenue": [100.0, 60.0, 50.0]},
                            index=["w1", "w2", "w3"])

    def test_hand_computed(self, report, at_risk, queue):
        acts = discipline_executive.executive_actions(report, at_risk=at_risk, queue=queue, top=2,
                                            max_actions=6)
        got = [(a["kind"], a["owner"], a["customers"], a["count"], a["money"]) for a in acts]
        assert got == [
            # flagged m2 (30 %) before m3 (25 %); m2 has nobody at risk, m3 has S2 and S3
            ("review_manager", "director", [], 0, 0.0),
            ("review_manager", "director", ["S2", "S3"], 2, 600.0),
            # money at stake: m1 1000 x 10 = 10,000; m2 300 x 20 + 50 x 100 = 11,000 -> m2,
            # their customers in the overdue-key order, money = 12-month revenue 300 + 50
            ("overdue_key", "m2", ["K3", "K2"], 2, 350.0),
            # top 2 to save: S1 (m1, 500), S2 (m3, 400) -> m1
            ("save", "m1", ["S1"], 1, 500.0),
            # top 2 to win back: W1 (m3, 100), W2 (m1, 60) -> m3
            ("win_back", "m3", ["W1"], 1, 100.0),
            # the director: every target, 3 + 3 customers of 2 managers
            ("call_lists", "director", [], 6, 1100.0 + 210.0),
        ]
        assert acts[0]["manager"] == "m2" and acts[0]["rate"] == 0.30
        assert acts[2]["total"] == 3 and acts[2]["vip"] == 0
        assert (acts[5]["save"], acts[5]["winback"], acts[5]["managers"]) == (3, 3, 2)

    def test_at_most_five(self, report, at_risk, queue):
        acts = discipline_executive.executive_actions(report, at_risk=at_risk, queue=queue, top=2)
        assert [a["kind"] for a in acts] == ["review_manager", "review_manager",
                                             "overdue_key", "save", "win_back"]

    def test_nothing_to_do(self, report):
        quiet = dataclasses.replace(report, fit=report.fit.assign(flagged=False),
                                    overdue_key=report.overdue_key.iloc[:0])
        assert discipline_executive.executive_actions(quiet, at_risk=None, queue=None) == []


class TestActionsWithoutManagers:
    """A file without a manager column: the director owns the actions, never a person
    called "unassigned"; the call-list sentence says there is one list for the company."""

    @staticmethod
    def _report(manager: str):
        from types import SimpleNamespace

        at_risk = pd.DataFrame({"name": ["a", "b", "c"], "manager": [manager] * 3,
                                "value_at_risk": [300.0, 200.0, 100.0]})
        queue = pd.DataFrame({"name": ["x", "y"], "manager": [manager] * 2,
                              "expected_revenue": [50.0, 25.0]})
        return SimpleNamespace(fit=None, overdue_key=None, at_risk=at_risk, queue=queue)

    def test_unassigned_customers_are_the_directors(self):
        from retention_lib.pages.discipline_executive import executive_actions

        acts = executive_actions(self._report("unassigned"))
        assert [(a["kind"], a["owner"]) for a in acts] == [
            ("save", "director"), ("win_back", "director"), ("call_lists", "director")]
        save, win_back, lists = acts
        assert save["customers"] == ["a", "b", "c"] and save["money"] == 600.0
        assert win_back["money"] == 75.0
        assert lists["managers"] == 0 and lists["money"] == 675.0

    def test_a_named_manager_owns_them(self):
        from retention_lib.pages.discipline_executive import executive_actions

        acts = executive_actions(self._report("Anna"))
        assert [a["owner"] for a in acts] == ["Anna", "Anna", "director"]
        assert acts[-1]["managers"] == 1

    @pytest.mark.parametrize(("lang", "text"), [
        ("en", "in one list for the whole company (no account managers in the data)"),
        ("ru", "один список на всю компанию (менеджеров в данных нет)"),
        ("uk", "один список на всю компанію (менеджерів у даних немає)"),
    ])
    def test_call_list_sentence(self, lang, text):
        from retention_lib.i18n import get_translator

        tr = get_translator(lang)
        sentence = tr.t("lists.exec.call_lists", save=3, save_money="600", winback=2,
                        winback_money="75", managers=0)
        assert text in sentence
        assert "across 2 managers" in get_translator("en").t(
            "lists.exec.call_lists", save=3, save_money="600", winback=2, winback_money="75",
            managers=2)
