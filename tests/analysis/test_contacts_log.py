"""Tests of retention_lib.analysis.contacts_log: the quality of the contact log."""

# the fixtures imported from test_cadence are the test arguments of the same name
# ruff: noqa: F811

from __future__ import annotations

import pandas as pd
import pytest

from retention_lib.analysis.contacts_log import contact_quality
from tests.analysis.test_cadence import contacts  # noqa: F401


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
