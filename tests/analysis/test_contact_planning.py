"""Tests of retention_lib.analysis.contact_planning: the contact plan on working days."""

# the fixtures imported from test_cadence are the test arguments of the same name
# ruff: noqa: F811

from __future__ import annotations

import pandas as pd

from retention_lib.analysis.contact_planning import (
    PLAN_COLUMNS,
    contact_plan,
    spread_due_dates,
    working_days,
)
from tests.analysis.test_cadence import comp, contacts, customers, status, tiers  # noqa: F401


class TestPlan:
    def test_plan_rows_natural_dates(self, comp):
        plan = contact_plan(comp, spread_days=None)
        assert tuple(plan.columns) == PLAN_COLUMNS
        got = {(r.manager, r.customer_id, r.action, r.due_by.strftime("%m-%d"),
                r.days_overdue, r.status) for r in plan.itertuples()}
        # period (2026-10-31, 2026-11-30]; due = last + required, overdue -> 11-01
        assert got == {
            ("m1", "v1", "call", "11-01", 1, "overdue"),  # 10-23 + 7 = 10-30 (1 day late)
            ("m1", "v1", "meeting", "11-09", 0, "due"),  # 10-10 + 30
            ("m1", "a1", "call", "11-07", 0, "due"),  # 10-24 + 14
            ("m1", "a1", "meeting", "11-30", 0, "due"),  # 09-01 + 90 = period end, included
            ("m2", "a2", "call", "11-08", 0, "due"),
            ("m2", "a2", "meeting", "11-29", 0, "due"),  # 08-31 + 90
            ("m2", "c1", "call", "11-01", 1, "overdue"),
            ("unassigned", "b1", "call", "11-01", 0, "never"),  # never called: no days
        }

    def test_plan_rows_on_working_days(self, comp):
        plan = contact_plan(comp)
        got = [(r.manager, r.customer_id, r.action, r.due_by.strftime("%m-%d"))
               for r in plan.itertuples()]
        # 2026-11-01 is a Sunday: the backlog goes to Monday 11-02; Saturday 11-07 moves to
        # Friday 11-06, Sunday 11-08 to Monday 11-09, Sunday 11-29 to Monday 11-30 (the
        # nearest working day, the earlier on a tie); by date per manager
        assert got == [
            ("m1", "v1", "call", "11-02"),
            ("m1", "a1", "call", "11-06"),
            ("m1", "v1", "meeting", "11-09"),
            ("m1", "a1", "meeting", "11-30"),
            ("m2", "c1", "call", "11-02"),
            ("m2", "a2", "call", "11-09"),
            ("m2", "a2", "meeting", "11-30"),
            ("unassigned", "b1", "call", "11-02"),
        ]
        assert (plan["due_by"].dt.day_of_week < 5).all()

    def test_overdue_customers_agree_with_compliance(self, comp):
        plan = contact_plan(comp)
        late = plan.loc[plan["status"].isin(["overdue", "never"]), "customer_id"]
        assert sorted(set(late)) == sorted(comp.index[comp["status"] == "overdue"])

    def test_backlog_spread_by_priority(self):
        # one manager, five backlog tasks (due on the first day), listed in priority order,
        # and tasks due on Saturday 2026-11-14, Sunday 11-15 and Sunday 11-29; spread over 2
        # working days: k * 2 // 5 = 0, 0, 0, 1, 1 -> Mon 11-02 x3, Tue 11-03 x2;
        # Saturday -> Friday 11-13, Sunday -> Monday 11-16 and 11-30
        plan = pd.DataFrame({
            "manager": ["m"] * 8,
            "due_by": pd.to_datetime(["2026-11-01"] * 5
                                     + ["2026-11-14", "2026-11-15", "2026-11-29"]),
        })
        got = spread_due_dates(plan, start="2026-11-01", end="2026-11-30", spread_days=2)
        assert [x.strftime("%m-%d") for x in got] == [
            "11-02", "11-02", "11-02", "11-03", "11-03", "11-13", "11-16", "11-30"]
        # a Sunday at the end of the period stays inside it: back to Friday
        last = spread_due_dates(plan.tail(1), start="2026-11-01", end="2026-11-29")
        assert last.iloc[0] == pd.Timestamp("2026-11-27")

    def test_working_days_and_holidays(self):
        days = working_days("2026-11-01", "2026-11-08", holidays=["2026-11-04"])
        assert [x.strftime("%d") for x in days] == ["02", "03", "05", "06"]

    def test_short_period_excludes_later_dues(self, comp):
        plan = contact_plan(comp, period_end="2026-11-08")
        assert not ((plan["customer_id"] == "a1") & (plan["action"] == "meeting")).any()
        assert ((plan["customer_id"] == "a2") & (plan["action"] == "call")).any()
