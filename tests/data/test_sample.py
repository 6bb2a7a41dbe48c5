"""Tests of retention_lib.data.sample: reproducibility, the contract, and the planted facts.

The planted-fact tests run the public analyses on the committed ``data/sample`` (whose
bytes the first test ties to the generator), so they check what a report will show.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from retention_lib.analysis.churn import churn_rate, churn_series, lost_customers, won_back
from retention_lib.analysis.reasons import rank_reasons, survey_coverage
from retention_lib.data import sample
from retention_lib.data.io import load_dataset
from retention_lib.data.sample import TABLE_COLUMNS, generate_sample, write_sample
from retention_lib.data.sample_model import NEGLECTFUL_MANAGER

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
END = "2026-10-31"


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(SAMPLE, as_of=END)


class TestReproducible:
    def test_regenerated_default_is_byte_identical_to_committed(self, tmp_path):
        counts = write_sample(tmp_path)
        assert list(counts) == list(TABLE_COLUMNS)
        for table in TABLE_COLUMNS:
            new = (tmp_path / f"{table}.csv").read_bytes()
            old = (SAMPLE / f"{table}.csv").read_bytes()
            assert new == old, f"{table}.csv differs from the committed data/sample"
            assert new.count(b"\n") == counts[table] + 1  # header + one line per row

    def test_same_seed_same_tables_other_seed_other_tables(self):
        a = generate_sample(customers=300, seed=7)
        b = generate_sample(customers=300, seed=7)
        c = generate_sample(customers=300, seed=8)
        for table in TABLE_COLUMNS:
            pd.testing.assert_frame_equal(a[table], b[table])
        assert not a["transactions"].equals(c["transactions"])

    def test_chunked_writing_equals_one_chunk_frames(self, tmp_path, monkeypatch):
        # 250 customers in chunks of 100 -> 3 chunks appended to one file per table
        monkeypatch.setattr(sample, "CHUNK_CUSTOMERS", 100)
        counts = write_sample(tmp_path, customers=250, seed=3)
        tx = pd.read_csv(tmp_path / "transactions.csv", dtype=str)
        assert len(tx) == counts["transactions"]
        assert tx["order_id"].is_unique
        assert tx["customer_id"].is_monotonic_increasing
        assert (tmp_path / "customers.csv").read_text(encoding="utf-8").count("customer_id") == 1
        cust = pd.read_csv(tmp_path / "customers.csv", dtype=str)
        assert cust["customer_id"].tolist() == [f"C{i:05d}" for i in range(1, 251)]


class TestContract:
    def test_committed_sample_loads_cleanly(self, dataset):
        assert dataset.warnings == []
        assert dataset.exclusions == []
        assert dataset.rows_read["customers"] == 2000

    @pytest.mark.parametrize("table", list(TABLE_COLUMNS), ids=list(TABLE_COLUMNS))
    def test_file_format(self, table):
        raw = (SAMPLE / f"{table}.csv").read_bytes()
        assert b"\r" not in raw
        text = raw.decode("utf-8")
        header, *_ = text.split("\n", 1)
        assert header.split(",") == list(TABLE_COLUMNS[table])
        frame = pd.read_csv(SAMPLE / f"{table}.csv", dtype=str, keep_default_na=False)
        assert not frame.duplicated().any()
        for col in ("date", "period", "signup_date", "churned_on"):
            if col in frame:
                values = frame[col][frame[col] != ""]
                assert values.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
                assert (values <= END).all()
        for col in ("amount", "margin"):
            if col in frame:
                assert frame[col].str.fullmatch(r"-?\d+\.\d{2}").all()
        if table not in ("customers", "events"):
            known = set(pd.read_csv(SAMPLE / "customers.csv", dtype=str)["customer_id"])
            assert set(frame["customer_id"]) <= known

    def test_smoke_20000_customers(self, tmp_path):
        counts = write_sample(tmp_path, customers=20_000, seed=1, end="2025-06-30")
        assert counts["customers"] == 20_000
        assert counts["transactions"] > 200_000
        for table, columns in TABLE_COLUMNS.items():
            frame = pd.read_csv(tmp_path / f"{table}.csv", dtype=str, keep_default_na=False)
            assert tuple(frame.columns) == columns
            date_col = {"usage": "period", "customers": "signup_date"}.get(table, "date")
            assert frame[date_col].max() <= "2025-06-30"
        ds = load_dataset(tmp_path, as_of="2025-06-30")
        assert ds.warnings == []


class TestPlantedFacts:
    """The facts documented in data/sample/README.md, found by the public analyses."""

    def test_price_change_drives_trailing_churn_critical_then_warning(self, dataset):
        tx, cu = dataset.tables["transactions"], dataset.tables["customers"]
        events = dataset.tables["events"]
        price = events.loc[events["kind"] == "price_change", "date"]
        assert price.dt.strftime("%Y-%m-%d").tolist() == ["2024-05-01"]
        series = churn_series(tx, end=END, months=24, customers=cu)
        critical = series.index[series["status"] == "critical"]
        assert len(critical) >= 4
        # the 12-month lag: the critical windows end a year or more after the price change
        assert critical.min() >= pd.Period("2025-05", "M")
        assert series.loc[pd.Period("2026-10", "M"), "status"] == "warning"
        # the baseline after the effect sits in the warning zone, not normal
        tail = series.loc[pd.Period("2026-05", "M"):, "customer_churn"]
        assert tail.between(0.10, 0.20, inclusive="neither").all()

    def test_neglectful_manager_churns_more_than_every_other(self, dataset):
        tx, cu = dataset.tables["transactions"], dataset.tables["customers"]
        rates = churn_rate(tx, end=END, customers=cu, by="manager", total=False)
        churn = rates["customer_churn"]
        others = churn.drop(NEGLECTFUL_MANAGER)
        assert len(others) == 5
        assert churn[NEGLECTFUL_MANAGER] > others.max()
        pooled = rates["lost"].drop(NEGLECTFUL_MANAGER).sum() / rates["active_start"].drop(
            NEGLECTFUL_MANAGER
        ).sum()
        assert churn[NEGLECTFUL_MANAGER] >= 1.5 * pooled

    def test_neglectful_manager_makes_fewest_outbound_calls_per_customer(self, dataset):
        co, cu = dataset.tables["contacts"], dataset.tables["customers"]
        calls = co[(co["channel"] == "call") & (co["direction"] == "outbound")]
        per_customer = calls.groupby("manager").size() / cu.groupby("manager").size()
        assert per_customer.idxmin() == NEGLECTFUL_MANAGER
        assert per_customer[NEGLECTFUL_MANAGER] < 0.6 * per_customer.drop(NEGLECTFUL_MANAGER).min()

    @pytest.mark.parametrize(
        "start", ["2025-10-31", "2024-10-31"], ids=["last-12-months", "last-24-months"]
    )
    def test_top_reason_by_count_differs_from_top_by_revenue(self, dataset, start):
        tx, cu = dataset.tables["transactions"], dataset.tables["customers"]
        lost = lost_customers(tx, start=start, end=END, customers=cu)
        ranked = rank_reasons(dataset.tables["surveys"], lost=lost)
        top_count = ranked.loc[ranked["rank_by_count"] == 1, "category"].tolist()
        top_revenue = ranked.loc[ranked["rank_by_revenue"] == 1, "category"].tolist()
        assert top_revenue == ["service"]
        assert "service" not in top_count
        coverage = survey_coverage(dataset.tables["surveys"], lost=lost)
        assert 0.3 < coverage["coverage"] < 0.8

    def test_price_is_top_reason_by_count_over_two_years(self, dataset):
        tx, cu = dataset.tables["transactions"], dataset.tables["customers"]
        lost = lost_customers(tx, start="2024-10-31", end=END, customers=cu)
        ranked = rank_reasons(dataset.tables["surveys"], lost=lost)
        assert ranked.loc[ranked["rank_by_count"] == 1, "category"].tolist() == ["price"]

    def test_leavers_complain_before_their_last_purchase(self, dataset):
        tx, cu = dataset.tables["transactions"], dataset.tables["customers"]
        signals = dataset.tables["signals"]
        lost = lost_customers(tx, start="2024-10-31", end=END, customers=cu)
        buys = tx[tx["amount"] > 0]
        stayers = buys.loc[buys["date"] > "2026-04-30", "customer_id"].unique()
        stayers = pd.Index(stayers).difference(lost.index)
        stay_last = buys[buys["customer_id"].isin(stayers) & (buys["date"] <= "2025-10-31")]
        anchors = pd.concat([
            lost["last_purchase"].rename("anchor").to_frame().assign(leaver=True),
            stay_last.groupby("customer_id")["date"].max().rename("anchor").to_frame()
            .assign(leaver=False),
        ])
        s = signals[signals["kind"].isin(["complaint", "competitor_interest"])].join(
            anchors, on="customer_id", how="inner"
        )
        window = s[(s["date"] > s["anchor"] - pd.Timedelta(days=90)) & (s["date"] <= s["anchor"])]
        flagged = anchors.index.isin(window["customer_id"])
        rate = pd.Series(flagged, index=anchors.index).groupby(anchors["leaver"]).mean()
        assert rate[True] >= 5 * rate[False]

    def test_some_lost_customers_are_won_back_in_the_last_year(self, dataset):
        tx, cu = dataset.tables["transactions"], dataset.tables["customers"]
        back = won_back(tx, end=END, customers=cu)
        assert len(back) >= 5
        assert (back["gap_days"] > 365).all()


def test_amounts_look_like_a_b2b_price_list():
    # ~20 % of customers carry most of the revenue (ABC realistic), refunds ~1 %
    tx = pd.read_csv(SAMPLE / "transactions.csv", dtype={"customer_id": str})
    revenue = tx.groupby("customer_id")["amount"].sum().sort_values(ascending=False)
    top = revenue.head(int(len(revenue) * 0.2)).sum() / revenue.sum()
    assert 0.65 < top < 0.9
    refunds = (tx["amount"] < 0).mean()
    assert 0.005 < refunds < 0.02
    assert re.fullmatch(r"SO\d{7}", tx["order_id"].iloc[0])
    assert np.isfinite(tx["margin"]).all()


def test_months_cuts_every_dated_table_and_keeps_the_customers():
    from retention_lib.data.sample import generate_sample

    full = generate_sample(customers=60, end="2026-10-09")
    short = generate_sample(customers=60, end="2026-10-09", months=3)
    # three months ending on 9 October: from 10 July
    for table, column in (("transactions", "date"), ("contacts", "date"),
                          ("signals", "date"), ("surveys", "date"), ("usage", "period"),
                          ("events", "date")):
        kept = full[table].loc[full[table][column] >= "2026-07-10"].reset_index(drop=True)
        pd.testing.assert_frame_equal(short[table], kept, check_dtype=False)
    assert short["transactions"]["date"].min() >= "2026-07-10"
    pd.testing.assert_frame_equal(short["customers"], full["customers"])
    with pytest.raises(ValueError, match="months must be between 1 and 36"):
        generate_sample(customers=20, months=0)
