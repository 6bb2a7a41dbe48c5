"""Tests of retention_lib.analysis.cadence: compliance, summaries, plan, never-disappear,
metrics."""

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
from retention_lib.analysis.cadence_intervals import purchase_cycle, required_intervals
from retention_lib.analysis.contact_planning import (
    PLAN_COLUMNS,
    contact_plan,
    spread_due_dates,
    working_days,
)
from retention_lib.analysis.contacts_log import contact_quality
from retention_lib.analysis.lost_contacts import never_disappear
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


class TestCycleScaling:
    def test_purchase_cycle_median_gap(self):
        tx = pd.DataFrame(
            {
                "customer_id": pd.array(["x", "x", "x", "x", "y"], dtype="string"),
                "date": pd.to_datetime(
                    ["2026-01-01", "2026-01-11", "2026-01-20", "2026-02-10", "2026-01-05"]
                ),
                "amount": [10.0, 5.0, -5.0, 7.0, 3.0],
            }
        )
        cyc = purchase_cycle(tx, as_of=AS_OF)
        # x: purchase days Jan 1, Jan 11, Feb 10 (refund day excluded): gaps 10, 30 -> 20
        assert cyc.loc["x"] == 20.0
        assert np.isnan(cyc.loc["y"])  # one purchase day

    def test_factor_clipped_and_rounded(self):
        book = pd.DataFrame(
            {"tier": pd.array(["B"] * 5, dtype="string")}, index=_ids(list("pqrst"))
        )
        cycle = pd.Series([10.0, 20.0, 30.0, 200.0, np.nan], index=_ids(list("pqrst")))
        req = required_intervals(book, cycle=cycle)
        # tier median of defined cycles = (20 + 30) / 2 = 25; base 30 days:
        # p 10/25=0.4 -> 0.5 -> 15; q 0.8 -> 24; r 1.2 -> 36; s 8 -> 2.0 -> 60; t no cycle -> 30
        assert req["call_required_days"].tolist() == [15, 24, 36, 60, 30]
        assert req["meeting_required_days"].isna().all()

    def test_off_by_default(self):
        book = pd.DataFrame({"tier": pd.array(["VIP"], dtype="string")}, index=_ids(["p"]))
        req = required_intervals(book)
        assert req.loc["p", "call_required_days"] == 7
        assert req.loc["p", "cycle_factor"] == 1.0

    def test_bad_bounds(self):
        book = pd.DataFrame({"tier": pd.array(["VIP"], dtype="string")}, index=_ids(["p"]))
        with pytest.raises(ValueError, match="cycle_bounds"):
            required_intervals(book, cycle=pd.Series([1.0], index=_ids(["p"])),
                               cycle_bounds=(1.5, 2.0))


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


class TestNeverDisappear:
    @pytest.fixture
    def lost_setup(self):
        status = pd.DataFrame(
            {
                "last_purchase": pd.to_datetime(["2025-06-30", "2025-06-30", "2025-03-01",
                                                 "2026-10-01"]),
                "lost_on": pd.to_datetime(["2026-06-30", "2026-06-30", "2026-03-01", None]),
                "status": ["lost", "lost", "lost", "active"],
            },
            index=_ids(["L1", "L2", "L3", "x"]),
        )
        contacts = pd.DataFrame(
            {
                "customer_id": pd.array(["L1", "L2", "L3"], dtype="string"),
                "date": pd.to_datetime(["2026-01-01", "2025-10-01", "2026-10-01"]),
                "channel": pd.array(["email", "call", "call"], dtype="string"),
                "answered": pd.array([True, True, False], dtype="boolean"),
            }
        )
        tx = pd.DataFrame(
            {
                "customer_id": pd.array(["L2", "L2", "L2", "L3", "L1"], dtype="string"),
                "date": pd.to_datetime(
                    ["2025-06-30", "2024-07-01", "2024-06-30", "2025-03-01", "2025-06-30"]
                ),
                "amount": [100.0, 50.0, 1000.0, 20.0, 5.0],
            }
        )
        return status, contacts, tx

    def test_lists_forgotten_lost_with_value(self, lost_setup):
        status, contacts, tx = lost_setup
        out = never_disappear(contacts, status=status, transactions=tx, as_of=AS_OF)
        # L1 had an email 303 days ago (any answered channel counts) -> not listed;
        # L2 last call 2025-10-01 = 395 days > 365; L3 only an unanswered attempt
        assert list(out.index) == ["L2", "L3"]
        # L2: (2024-06-30, 2025-06-30] -> 100 + 50 (2024-06-30 itself is 365 days before)
        assert out.loc["L2", "former_value"] == 150.0
        assert out.loc["L3", "former_value"] == 20.0
        assert out.loc["L2", "days_since_contact"] == 395.0
        assert out.loc["L2", "due_by"] == D("2026-10-01")
        assert pd.isna(out.loc["L3", "last_contact"])
        assert out.loc["L3", "manager"] == "unassigned"

    def test_former_values_equal_to_the_cent_go_by_id(self, lost_setup):
        # L2's days add up to 0.1 + 0.2 = 0.30000000000000004, L1's one day is 0.3: the same
        # money, so the ids decide (L1 first), whichever order the amounts were added in
        status, _, _ = lost_setup
        tx = pd.DataFrame({
            "customer_id": pd.array(["L2", "L2", "L1"], dtype="string"),
            "date": pd.to_datetime(["2025-06-29", "2025-06-30", "2025-06-30"]),
            "amount": [0.1, 0.2, 0.3],
        })
        out = never_disappear(None, status=status, transactions=tx, as_of=AS_OF)
        assert out.loc["L2", "former_value"] > out.loc["L1", "former_value"]  # in the bits
        assert list(out.index) == ["L1", "L2", "L3"]

    def test_no_contacts_table_lists_all_lost(self, lost_setup):
        status, _, tx = lost_setup
        out = never_disappear(None, status=status, transactions=tx, as_of=AS_OF)
        assert set(out.index) == {"L1", "L2", "L3"}

    def test_lost_days_override(self, lost_setup):
        status, contacts, tx = lost_setup
        out = never_disappear(contacts, status=status, transactions=tx, as_of=AS_OF,
                              lost_days=400)
        assert list(out.index) == ["L3"]

    def test_in_plan_as_keep_in_touch(self, lost_setup, comp):
        status, contacts, tx = lost_setup
        lost = never_disappear(contacts, status=status, transactions=tx, as_of=AS_OF)
        plan = contact_plan(comp, lost=lost)
        keep = plan.loc[plan["action"] == "keep in touch"]
        assert sorted(keep["customer_id"]) == ["L2", "L3"]
        assert (keep["tier"] == "lost").all()
        # L2: 395 - 365 = 30 days overdue
        assert keep.set_index("customer_id").loc["L2", "days_overdue"] == 30


class TestContactQuality:
    def test_counts(self, contacts):
        c = contacts.assign(manager=pd.array(["m1"] * 12 + [None], dtype="string"))
        q = contact_quality(c, known_customers=["v1", "a1", "a2", "b1", "c1"])
        # 13 rows; l1 (1 row) unknown; 3 unanswered; one row without a manager
        assert q == {"rows": 13, "attempts": 3, "unknown_customer": 1, "no_manager": 1}

    @pytest.mark.parametrize(
        "as_type",
        [lambda v: pd.Index(pd.array(v, dtype="string")), lambda v: pd.Series(v, dtype="str"),
         set],
        ids=["string-index", "str-series", "set"],
    )
    def test_known_customers_any_container(self, contacts, as_type):
        known = as_type(["v1", "a1", "a2", "b1", "c1"])
        # same hand count as test_counts: only l1's single row is unknown
        assert contact_quality(contacts, known_customers=known)["unknown_customer"] == 1

    @pytest.mark.parametrize(
        "dtype", ["str", "string[pyarrow]", "string[python]", object],
        ids=["str", "arrow-string", "python-string", "object"],
    )
    def test_blank_and_unassigned_managers(self, contacts, dtype):
        # 13 rows: 8 real managers, then None, "", "  ", " unassigned ", "\u00a0m2\t"
        # unassigned after stripping: None, "", "  ", "unassigned" -> 4 (m2 is a manager)
        managers = ["m1"] * 4 + [" m1 "] * 4 + [None, "", "  ", " unassigned ", "\u00a0m2\t"]
        c = contacts.assign(manager=pd.Series(managers, index=contacts.index, dtype=dtype))
        assert contact_quality(c, known_customers=["l1"])["no_manager"] == 4

    def test_no_manager_column(self, contacts):
        q = contact_quality(contacts, known_customers=["l1"])
        assert q["no_manager"] == 13
        assert q["unknown_customer"] == 12
