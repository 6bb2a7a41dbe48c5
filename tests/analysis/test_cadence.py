"""Tests of retention_lib.analysis.cadence: compliance, summaries, metrics."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from retention_lib.analysis.cadence import (
    COMPLIANCE_COLUMNS,
    active_book,
    at_stake,
    compliance_metrics,
    compliance_summary,
    compliance_table,
    worst_overdue,
)
from retention_lib.config import CadenceRule

AS_OF = pd.Timestamp("2026-10-31")
D = pd.Timestamp


def _ids(values):
    return pd.Index(pd.array(values, dtype="string"), name="customer_id")


@pytest.fixture
def status():
    ids = ["v1", "a1", "a2", "b1", "c1", "l1"]
    return pd.DataFrame(
        {
            "first_purchase": pd.to_datetime(["2025-01-01"] * 6),
            "last_purchase": pd.to_datetime(["2026-10-01"] * 5 + ["2025-06-30"]),
            "lost_on": pd.to_datetime([None] * 5 + ["2026-06-30"]),
            "status": ["active"] * 5 + ["lost"],
        },
        index=_ids(ids),
    )


@pytest.fixture
def tiers():
    return pd.DataFrame(
        {"tier": pd.array(["VIP", "A", "A", "B", "C"], dtype="string")},
        index=_ids(["v1", "a1", "a2", "b1", "c1"]),
    )


@pytest.fixture
def customers():
    return pd.DataFrame(
        {
            "customer_id": pd.array(["v1", "a1", "a2", "b1", "c1", "l1"], dtype="string"),
            "name": pd.array(["V One", "A One", "A Two", "B One", "C One", "L One"],
                             dtype="string"),
            "manager": pd.array(["m1", "m1", "m2", None, "m2", "m1"], dtype="string"),
        }
    )


@pytest.fixture
def contacts():
    rows = [
        # customer, date, channel, answered
        ("l1", "2026-01-01", "email", True),  # earliest row: the contact log starts here
        ("v1", "2026-10-23", "call", True),
        ("v1", "2026-10-30", "call", False),  # attempt inside the 7-day window
        ("v1", "2026-10-20", "call", False),  # attempt outside the window (11 days)
        ("v1", "2026-10-10", "meeting", True),
        ("a1", "2026-10-24", "call", True),
        ("a1", "2026-09-01", "visit", None),  # answered unknown: counts as a contact
        ("a2", "2026-10-25", "call", True),
        ("a2", "2026-08-31", "meeting", True),
        ("b1", "2026-10-30", "email", True),  # email never satisfies a call
        ("b1", "2026-10-01", "meeting", True),
        ("c1", "2026-05-01", "call", True),
        ("c1", "2026-10-29", "call", False),  # unanswered: not a contact
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "channel", "answered"])
    return frame.assign(
        customer_id=frame["customer_id"].astype("string"),
        date=pd.to_datetime(frame["date"]),
        channel=frame["channel"].astype("string"),
        answered=frame["answered"].astype("boolean"),
    )


@pytest.fixture
def comp(status, tiers, customers, contacts):
    book = active_book(status, tiers=tiers, customers=customers)
    return compliance_table(contacts, book=book, as_of=AS_OF)


class TestActiveBook:
    def test_active_only_unassigned_and_default_tier(self, status, customers):
        tiers = pd.Series(["VIP"], index=_ids(["v1"]), name="tier")
        book = active_book(status, tiers=tiers, customers=customers)
        assert list(book.index) == ["v1", "a1", "a2", "b1", "c1"]  # l1 is lost
        assert book.loc["b1", "manager"] == "unassigned"
        # customers without a tier row are C
        assert book.loc["a1", "tier"] == "C"
        assert book.loc["v1", "tier"] == "VIP"

    def test_missing_customers_table_names_by_id(self, status, tiers):
        book = active_book(status, tiers=tiers)
        assert book.loc["v1", "name"] == "v1"
        assert set(book["manager"]) == {"unassigned"}


class TestComplianceTable:
    def test_columns_and_order(self, comp):
        assert tuple(comp.columns) == COMPLIANCE_COLUMNS
        # ordered by tier, then days_overdue descending
        assert list(comp.index) == ["v1", "a1", "a2", "b1", "c1"]

    @pytest.mark.parametrize(
        ("cid", "since_call", "since_meeting", "overdue", "expected", "attempts"),
        [
            # VIP: call 8 days ago, required 7 -> 1 day overdue; meeting 21 d of 30 ok;
            # one unanswered call 1 day ago (inside 7 d), one 11 days ago (outside)
            ("v1", 8.0, 21.0, 1, "overdue", 1),
            # A: call 7 d ago, required 14 -> due in 7 days = due-soon boundary (inclusive);
            # visit 60 d ago counts as a meeting (answered unknown = contact)
            ("a1", 7.0, 60.0, 0, "due soon", 0),
            # A: call 6 d ago -> due in 8 days: ok; meeting 61 d of 90 -> due in 29: ok
            ("a2", 6.0, 61.0, 0, "ok", 0),
            # B: never called (the meeting and the email do not count); clock starts at the
            # later of first purchase 2025-01-01 and log start 2026-01-01: 303 days > 30, so
            # the call rule is violated ("never called"), but no days overdue are invented
            ("b1", np.nan, 30.0, 0, "overdue", 0),
            # C: call 2026-05-01 -> 183 days, required 182 -> 1; the unanswered call
            # 2 days ago is an attempt, not a contact
            ("c1", 183.0, np.nan, 1, "overdue", 1),
        ],
        ids=["vip-8-days", "due-soon-boundary", "ok", "never-called", "c-unanswered"],
    )
    def test_hand_computed_rows(self, comp, cid, since_call, since_meeting, overdue, expected,
                                attempts):
        row = comp.loc[cid]
        np.testing.assert_equal(row["days_since_call"], since_call)
        np.testing.assert_equal(row["days_since_meeting"], since_meeting)
        assert row["days_overdue"] == overdue
        assert row["status"] == expected
        assert row["attempts"] == attempts

    def test_unanswered_call_does_not_move_last_call(self, comp):
        assert comp.loc["v1", "last_call"] == D("2026-10-23")
        assert comp.loc["c1", "last_call"] == D("2026-05-01")

    def test_requirements_from_cadence(self, comp):
        assert comp.loc["v1", "call_required_days"] == 7
        assert comp.loc["v1", "meeting_required_days"] == 30
        assert pd.isna(comp.loc["b1", "meeting_required_days"])  # B has no meeting rule

    def test_unassigned_manager_kept(self, comp):
        assert comp.loc["b1", "manager"] == "unassigned"

    @pytest.mark.parametrize(
        ("due_soon_days", "expected"),
        [(7, "due soon"), (6, "ok")],
        ids=["boundary-7-inclusive", "6-days-excludes"],
    )
    def test_due_soon_boundary(self, status, tiers, customers, contacts, due_soon_days,
                               expected):
        book = active_book(status, tiers=tiers, customers=customers)
        comp = compliance_table(contacts, book=book, as_of=AS_OF, due_soon_days=due_soon_days)
        # a1: call due in 14 - 7 = 7 days
        assert comp.loc["a1", "status"] == expected

    def test_meeting_counts_as_call_option(self, status, tiers, customers, contacts):
        book = active_book(status, tiers=tiers, customers=customers)
        comp = compliance_table(contacts, book=book, as_of=AS_OF, meeting_counts_as_call=True)
        # b1: meeting 30 days ago now satisfies the 30-day call rule: due today, not overdue
        assert comp.loc["b1", "days_overdue"] == 0
        assert comp.loc["b1", "status"] == "due soon"

    def test_contact_after_as_of_is_error(self, status, tiers, contacts):
        book = active_book(status, tiers=tiers)
        late = pd.concat(
            [contacts, contacts.head(1).assign(date=D("2026-11-02"))], ignore_index=True
        )
        with pytest.raises(ValueError, match="after as_of"):
            compliance_table(late, book=book, as_of=AS_OF)

    def test_input_not_mutated(self, status, tiers, customers, contacts):
        before = contacts.copy()
        book = active_book(status, tiers=tiers, customers=customers)
        compliance_table(contacts, book=book, as_of=AS_OF)
        pd.testing.assert_frame_equal(contacts, before)

    def test_custom_cadence(self, status, tiers, customers, contacts):
        book = active_book(status, tiers=tiers, customers=customers)
        cadence = {"VIP": CadenceRule(call_days=10), "A": CadenceRule(), "B": CadenceRule(),
                   "C": CadenceRule()}
        comp = compliance_table(contacts, book=book, as_of=AS_OF, cadence=cadence)
        # v1: call 8 days ago, 10 allowed -> due in 2 -> due soon; nobody else has a rule
        assert comp.loc["v1", "status"] == "due soon"
        assert (comp.drop(index="v1")["status"] == "ok").all()


class TestSummary:
    def test_by_manager(self, comp):
        s = compliance_summary(comp, by="manager")
        # m1: v1 overdue, a1 due soon -> 1 of 2; m2: a2 ok, c1 overdue -> 1 of 2;
        # unassigned: b1 overdue -> 0 of 1 (worst first)
        assert list(s.index) == ["unassigned", "m1", "m2"]
        assert s.loc["m1", ["customers", "within_cadence", "overdue", "due_soon",
                            "attempts"]].tolist() == [2, 1, 1, 1, 1]
        assert s.loc["m1", "share_within"] == 0.5
        assert s.loc["m1", "worst_overdue"] == "V One (VIP, 1 d)"
        assert s.loc["m2", "worst_overdue"] == ""  # c1 is tier C
        assert s.loc["unassigned", "share_within"] == 0.0

    def test_by_tier(self, comp):
        s = compliance_summary(comp, by="tier")
        assert list(s.index) == ["VIP", "A", "B", "C"]
        assert s.loc["A", ["customers", "within_cadence", "overdue"]].tolist() == [2, 2, 0]

    def test_bad_by(self, comp):
        with pytest.raises(ValueError, match="manager"):
            compliance_summary(comp, by="region")

    def test_worst_overdue(self, comp):
        w = worst_overdue(comp)
        assert list(w.index) == ["v1"]

    def test_worst_overdue_by_money_at_stake_vip_first(self):
        comp = pd.DataFrame(
            {
                "tier": ["A", "A", "A", "VIP", "A", "B"],
                "status": ["overdue", "overdue", "overdue", "overdue", "ok", "overdue"],
                "days_overdue": [10, 100, 0, 1, 0, 500],
                "meeting_status": ["ok", "ok", "never", "ok", "ok", ""],
                "value": [60_000.0, 500.0, 90_000.0, 100.0, 1e6, 1e6],
            },
            index=_ids(["a_big", "a_small", "a_never", "v", "a_ok", "b"]),
        )
        # stakes: a_big 60,000 x 10 = 600,000; a_small 500 x 100 = 50,000; a_never never met
        # (nothing at stake, after those that have); v is VIP: first whatever its stake;
        # a_ok is not overdue, b not a key tier
        assert list(worst_overdue(comp, n=None).index) == ["v", "a_big", "a_small", "a_never"]
        np.testing.assert_array_equal(at_stake(comp), [600_000, 50_000, 0, 100, 0, 500e6])
        # the summary names the never-met customer "never met", not a number of days
        s = compliance_summary(comp.assign(name=comp.index, manager="m", attempts=0),
                               by="manager", worst_n=4)
        assert s.loc["m", "worst_overdue"] == (
            "v (VIP, 1 d); a_big (A, 10 d); a_small (A, 100 d); a_never (A, never met)")

    def test_metrics_json(self, comp):
        m = compliance_metrics(comp, flagged_managers=["m2"])
        json.dumps(m)
        assert m["overall"] == {"customers": 5, "within_cadence": 2, "overdue": 3,
                                "share_within": 0.4}
        assert m["by_manager"]["unassigned"]["overdue"] == 1
        assert m["flagged_managers"] == ["m2"]
