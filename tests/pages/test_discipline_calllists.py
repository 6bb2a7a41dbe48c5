"""Tests of retention_lib.pages.discipline_calllists: next month's tasks per manager, by hand."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from retention_lib.pages import discipline_calllists


class TestCallListTasksByHand:
    """call_list_tasks on a hand-made report: two managers, a plan row each kind, four
    customers to save and three to win back."""

    @pytest.fixture
    def report(self, full):
        as_of = pd.Timestamp("2026-10-31")
        plan = pd.DataFrame({
            "manager": ["m", "m", "m"], "customer_id": ["c1", "c1", "L1"],
            "name": ["C One", "C One", "L One"], "tier": ["VIP", "VIP", "lost"],
            "action": ["call", "meeting", "keep in touch"],
            "due_by": pd.to_datetime(["2026-11-02", "2026-11-13", "2026-11-03"]),
            "days_overdue": [5, 0, 0],
            "last_done": pd.to_datetime(["2026-10-19", "2026-10-14", None]),
            "every_days": pd.array([7, 30, 365], dtype="Int64"),
            "status": ["overdue", "due", "never"], "value": [1000.0, 1000.0, 500.0],
            "priority": [1, 1, 1],
        })
        plan.attrs = {"period_end": pd.Timestamp("2026-11-30"), "spread_days": 10}
        at_risk = pd.DataFrame({
            "name": ["S1", "S2", "S3", "S4"], "manager": ["m", "n", "m", "m"],
            "tier": ["A", "VIP", "B", "C"], "revenue_12m": [900.0, 800.0, 300.0, 100.0],
            "value_at_risk": [450.0, 400.0, 150.0, 50.0],
            "marker_facts": [[{"marker": "overdue", "days": 40, "interval": 14}], [], [], []],
            "last_purchase": pd.to_datetime(["2026-09-01"] * 4),
        }, index=pd.Index(["s1", "s2", "s3", "s4"], name="customer_id"))
        queue = pd.DataFrame({
            "name": ["W1", "W2", "W3"], "manager": ["m", "m", "n"],
            "lost_revenue": [2000.0, 600.0, 100.0], "score": [0.5, 0.5, 1.0],
            "expected_revenue": [1000.0, 300.0, 100.0],
            "reason_category": ["price", "service", "unknown"],
            "lost_on": pd.to_datetime(["2026-05-01", "2026-06-01", "2026-10-01"]),
            "last_contact": pd.to_datetime([None, "2026-01-10", None]),
        }, index=pd.Index(["w1", "L1", "w3"], name="customer_id"))
        return dataclasses.replace(full, as_of=as_of, plan=plan, never=None,
                                   at_risk=at_risk, queue=queue)

    def test_priorities_marks_and_working_days(self, report, monkeypatch):
        monkeypatch.setattr(discipline_calllists, "DIRECTOR_TOP", 2)
        t = discipline_calllists.call_list_tasks(report)
        got = [(r.manager, r.task, r.priority, r.director_target, r.due_by.strftime("%m-%d"))
               for r in t.itertuples()]
        # save for m: three targets, ranks 1, 3, 4, over 10 of November's working days:
        # k * 10 // 3 = 0, 3, 6 -> Mon 11-02, Thu 11-05, Tue 11-10; win back for m: ranks
        # 1, 2 over all 21 working days: k * 21 // 2 = 0, 10 -> 11-02, Mon 11-16; n has one
        # of each on 11-02. Director's mark: rank <= 2
        assert got == [
            ("m", "call", 1, False, "11-02"),
            ("m", "meeting", 1, False, "11-13"),
            ("m", "keep in touch", 1, False, "11-03"),
            ("m", "save", 1, True, "11-02"),
            ("m", "save", 3, False, "11-05"),
            ("m", "save", 4, False, "11-10"),
            ("m", "win back", 1, True, "11-02"),
            ("m", "win back", 2, True, "11-16"),
            ("n", "save", 2, True, "11-02"),
            ("n", "win back", 3, False, "11-02"),
        ]

    def test_columns_value_markers_reason_action(self, report):
        tasks = discipline_calllists.call_list_tasks(report)
        assert tuple(tasks.columns) == discipline_calllists.TASK_COLUMNS
        t = tasks.set_index(["task", "customer_id"])
        tr = report.tr
        save = t.loc[("save", "s1")]
        assert (save["value"], save["value_at_risk"]) == (900.0, 450.0)
        assert save["risk_markers"] == "no purchase for 40 days (usually every 14 days)"
        win = t.loc[("win back", "w1")]
        assert (win["value"], win["chance"], win["expected_revenue"]) == (2000.0, 0.5, 1000.0)
        assert win["exit_reason"] == tr.label("reason", "price")
        assert win["action"] == f"{tr.t('action.price')} {tr.t('action.any')}"
        # the lost customer L1 is in the win-back list: the keep-in-touch row says so
        assert t.loc[("keep in touch", "L1"), "action"] == tr.t(
            "lists.action.keep_in_touch_winback")
        assert t.loc[("call", "c1"), "action"] == "Call first: 5 days past the 7-day rhythm."
