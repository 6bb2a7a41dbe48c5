"""Tests of retention_lib.analysis.lost_contacts: lost customers nobody keeps in touch with."""

# the fixtures imported from test_cadence are the test arguments of the same name
# ruff: noqa: F811

from __future__ import annotations

import pandas as pd
import pytest

from retention_lib.analysis.contact_planning import contact_plan
from retention_lib.analysis.lost_contacts import never_disappear
from tests.analysis.test_cadence import (  # noqa: F401
    AS_OF,
    D,
    _ids,
    comp,
    contacts,
    customers,
    status,
    tiers,
)


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
