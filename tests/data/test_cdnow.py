"""Tests of retention_lib.data.cdnow: CDNOW_master.txt (shipped in lifetimes) in our data contract.

Known facts of the files: CDNOW_master.txt has a header line and 69,659 purchases of 23,570
customers (first purchases in 1997-Q1, data to 1998-06-30); its first data line is
``00001 19970101 1 11.77``.  CDNOW_sample.txt is the 1/10 sample of 2,357 customers
(6,919 lines) used by Fader, Hardie & Lee, first line ``00004 0001 19970101 2 29.33``.
"""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from retention_lib.data.cdnow import load_cdnow_transactions, write_cdnow


@pytest.fixture(scope="module")
def master() -> pd.DataFrame:
    return load_cdnow_transactions()


class TestLoad:
    @pytest.mark.parametrize(
        ("sample", "rows", "customers", "first"),
        [(False, 69_659, 23_570, ("00001", "1997-01-01", 11.77, 1.0, "00001-2")),
         (True, 6_919, 2_357, ("00004", "1997-01-01", 29.33, 2.0, "00004-1"))],
        ids=["master", "sample"],
    )
    def test_counts_and_first_row(self, sample, rows, customers, first):
        tx = load_cdnow_transactions(sample=sample)
        assert len(tx) == rows
        assert tx["customer_id"].nunique() == customers
        row = tx.iloc[0]
        assert (row["customer_id"], row["date"].strftime("%Y-%m-%d"), row["amount"],
                row["quantity"], row["order_id"]) == first

    def test_contract_dtypes(self, master):
        assert list(master.columns) == ["customer_id", "date", "amount", "quantity", "order_id"]
        assert master["customer_id"].dtype == "string"
        assert master["date"].dtype == "datetime64[ns]"
        assert master["amount"].dtype == "float64" and master["quantity"].dtype == "float64"
        assert master["date"].min() == pd.Timestamp("1997-01-01")
        assert master["date"].max() == pd.Timestamp("1998-06-30")
        # every customer's first purchase is in the first quarter of 1997
        assert master.groupby("customer_id")["date"].min().max() < pd.Timestamp("1997-04-01")

    def test_order_ids_are_unique(self, master):
        assert master["order_id"].is_unique

    def test_sample_is_a_subset_of_master(self, master):
        sample = load_cdnow_transactions(sample=True)
        ids = set(sample["customer_id"])
        assert ids <= set(master["customer_id"])
        sub = master[master["customer_id"].isin(ids)]
        assert len(sub) == len(sample)
        assert sub["amount"].sum() == pytest.approx(sample["amount"].sum())


class TestWrite:
    def test_files_and_counts(self, tmp_path):
        counts = write_cdnow(tmp_path / "cdnow", sample=True)
        assert counts == {"transactions": 6_919, "customers": 2_357}
        tx = pd.read_csv(tmp_path / "cdnow" / "transactions.csv", dtype=str)
        cust = pd.read_csv(tmp_path / "cdnow" / "customers.csv", dtype=str)
        assert list(tx.columns) == ["order_id", "customer_id", "date", "amount", "quantity"]
        assert list(cust.columns) == ["customer_id", "name", "signup_date"]
        assert tx.iloc[0].tolist() == ["00004-1", "00004", "1997-01-01", "29.33", "2.0"]
        assert cust.iloc[0].tolist() == ["00004", "CDNOW 00004", "1997-01-01"]

    def test_config_sets_company_and_dollars(self, tmp_path):
        from retention_lib.config import load_settings

        write_cdnow(tmp_path, sample=True)
        settings = load_settings(tmp_path / "config.yaml")
        assert (settings.company_name, settings.currency) == ("CDNOW", "USD")

    def test_loader_reads_it_back_without_dropping_rows(self, tmp_path):
        io = pytest.importorskip("retention_lib.data.io")
        write_cdnow(tmp_path, sample=True)
        ds = io.load_dataset(tmp_path, as_of="1998-06-30")
        tx = ds.tables["transactions"]
        assert len(tx) == 6_919
        assert tx["customer_id"].iloc[0] == "00004"  # leading zeros kept
        assert not ds.exclusions  # repeated same-day purchases are not taken for duplicates
        assert tx["amount"].sum() == pytest.approx(
            load_cdnow_transactions(sample=True)["amount"].sum())

    def test_cli_sample_cdnow(self, tmp_path):
        from retention_lib.cli import app

        out = tmp_path / "cdnow"
        result = CliRunner().invoke(app, ["sample", "--cdnow", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "69,659" in result.output and "23,570" in result.output
        assert (out / "transactions.csv").is_file() and (out / "customers.csv").is_file()
