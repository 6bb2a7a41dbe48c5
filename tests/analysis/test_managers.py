"""Tests of retention_lib.analysis.managers: binomial flag of managers with high churn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from retention_lib.analysis.managers import FIT_COLUMNS, flagged_managers, manager_fit


def _churn(rows):
    """Frame shaped like churn_rate(..., by="manager"): index group, active_start, lost."""
    names, n, lost = zip(*rows, strict=True)
    return pd.DataFrame(
        {"active_start": list(n), "lost": list(lost)},
        index=pd.Index(list(names), name="group"),
    )


@pytest.fixture
def churn():
    # company: 102 lost of 1020 active = 10 %
    return _churn([("X", 100, 30), ("Y", 5, 2), ("Z", 915, 70), ("all", 1020, 102)])


class TestManagerFit:
    def test_columns_and_company_rate(self, churn):
        fit = manager_fit(churn)
        assert tuple(fit.columns) == FIT_COLUMNS
        assert (fit["company_rate"] == 0.10).all()
        assert fit.attrs["company_customers"] == 1020
        assert "all" not in fit.index

    @pytest.mark.parametrize(
        ("manager", "flag"),
        [("X", True), ("Y", False), ("Z", False)],
        ids=["30-of-100-flagged", "2-of-5-small-book-not-flagged", "below-company"],
    )
    def test_flags(self, churn, manager, flag):
        assert bool(manager_fit(churn).loc[manager, "flagged"]) is flag

    def test_small_book_p_value_by_hand(self, churn):
        # P(X >= 2 | n=5, p=0.1) = 1 - 0.9^5 - 5 * 0.1 * 0.9^4 = 1 - 0.59049 - 0.32805
        assert manager_fit(churn).loc["Y", "p_value"] == pytest.approx(0.08146, abs=1e-9)

    def test_large_book_p_value_tiny(self, churn):
        fit = manager_fit(churn)
        assert fit.loc["X", "p_value"] < 1e-5
        assert fit.loc["X", "churn_rate"] == 0.30

    def test_order_flagged_first(self, churn):
        assert list(manager_fit(churn).index) == ["X", "Y", "Z"]
        assert flagged_managers(manager_fit(churn)) == ["X"]

    def test_pooled_rate_without_total_row(self):
        fit = manager_fit(_churn([("X", 100, 30), ("Z", 900, 70)]))
        assert fit.attrs["company_rate"] == 0.10

    def test_company_rate_override(self, churn):
        fit = manager_fit(churn, company_rate=0.35)
        assert not fit["flagged"].any()

    def test_compliance_join_and_new_manager(self, churn):
        comp = pd.DataFrame(
            {"customers": [80, 4, 3], "share_within": [0.25, 1.0, 0.5]},
            index=pd.Index(["X", "Y", "New"], name="manager"),
        )
        fit = manager_fit(churn, compliance=comp)
        assert fit.loc["X", "compliance_share"] == 0.25
        assert fit.loc["X", "compliance_customers"] == 80
        assert np.isnan(fit.loc["Z", "compliance_share"])
        # a manager with active customers but none at the window start still shows
        assert fit.loc["New", "customers"] == 0
        assert np.isnan(fit.loc["New", "churn_rate"])
        assert not fit.loc["New", "flagged"]

    def test_bad_counts(self):
        with pytest.raises(ValueError, match="lost must be between"):
            manager_fit(_churn([("X", 5, 6)]))

    def test_missing_column(self):
        with pytest.raises(KeyError, match="lost"):
            manager_fit(pd.DataFrame({"active_start": [1]}, index=["X"]))


SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="module")
def sample_result():
    from retention_lib.analysis.cadence import active_book, compliance_summary, compliance_table
    from retention_lib.analysis.churn import churn_rate, customer_status
    from retention_lib.analysis.tiers import value_tiers
    from retention_lib.data.io import load_dataset

    as_of = pd.Timestamp("2026-10-31")
    ds = load_dataset(SAMPLE, as_of=as_of)
    status = customer_status(ds.transactions, as_of=as_of, customers=ds.customers)
    book = active_book(status, tiers=value_tiers(ds.transactions, as_of=as_of),
                       customers=ds.customers)
    summary = compliance_summary(
        compliance_table(ds.contacts, book=book, as_of=as_of), by="manager"
    )
    churn = churn_rate(ds.transactions, end=as_of, customers=ds.customers, by="manager")
    return summary, manager_fit(churn, compliance=summary)


@pytest.mark.skipif(
    not (SAMPLE / "contacts.csv").is_file(), reason="data/sample not generated"
)
class TestSampleNeglectfulManager:
    """The sample business plants one neglectful manager (retention_lib.data.sample)."""

    def test_lowest_compliance(self, sample_result):
        from retention_lib.data.sample_model import NEGLECTFUL_MANAGER

        summary, _ = sample_result
        assert summary["share_within"].idxmin() == NEGLECTFUL_MANAGER

    def test_flagged_alone(self, sample_result):
        from retention_lib.data.sample_model import NEGLECTFUL_MANAGER

        _, fit = sample_result
        assert flagged_managers(fit) == [NEGLECTFUL_MANAGER]
