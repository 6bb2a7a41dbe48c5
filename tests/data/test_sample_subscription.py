"""Tests of retention_lib.data.sample_subscription: the generated subscription business."""

from __future__ import annotations

import pandas as pd
import pytest

from retention_lib.data import sample_subscription
from retention_lib.data.io import load_dataset
from tests.data.test_sample import END


@pytest.fixture(scope="module")
def tables():
    return sample_subscription.generate_subscription(customers=80, months=18, end=END)


class TestSubscriptionBusiness:
    """The generated subscription business (issue 18, point 9): monthly bills at a fixed
    plan price from signup to cancellation, cancellations as ``churned_on``."""

    def test_same_arguments_same_tables(self, tables):
        again = sample_subscription.generate_subscription(customers=80, months=18, end=END)
        for name, frame in tables.items():
            pd.testing.assert_frame_equal(frame, again[name])

    def test_every_customer_pays_every_month_until_cancelling(self, tables):
        tx = tables["transactions"].assign(date=lambda f: pd.to_datetime(f["date"]))
        cust = tables["customers"].set_index("customer_id")
        assert set(tx["customer_id"]) == set(cust.index)
        for cid, bills in tx.groupby("customer_id"):
            dates = list(bills["date"])
            signup = pd.Timestamp(cust.loc[cid, "signup_date"])
            assert dates == [signup + pd.DateOffset(months=k) for k in range(len(dates))]
            assert bills["amount"].nunique() == 1
            assert bills["amount"].iloc[0] in sample_subscription.SUBSCRIPTION_PLANS
            churned = cust.loc[cid, "churned_on"]
            if churned:
                assert pd.Timestamp(churned) == dates[-1] + pd.DateOffset(months=1)
            else:  # still subscribed: billed in the last month of the data
                assert dates[-1] > pd.Timestamp(END) - pd.DateOffset(months=1)

    def test_cancelled_customers_and_their_reasons(self, tables):
        cust = tables["customers"]
        cancelled = set(cust.loc[cust["churned_on"] != "", "customer_id"])
        assert 0 < len(cancelled) < len(cust)
        surveys = tables["surveys"]
        assert set(surveys["customer_id"]) <= cancelled and len(surveys) > 0
        assert surveys["date"].max() <= END

    def test_write_subscription_writes_what_load_dataset_reads(self, tmp_path):
        counts = sample_subscription.write_subscription(tmp_path, customers=40, months=12, end=END)
        ds = load_dataset(tmp_path)
        assert len(ds.transactions) == counts["transactions"]
        assert len(ds.customers) == 40
