"""Tests for retention_lib.analysis.engine: the Ibis/DuckDB path equals the pandas path.

Equality is checked on the sample business (CSV as written by ``retention sample`` and a
Parquet copy) and on CDNOW (``CDNOW_master.txt`` shipped with lifetimes), for ``freq`` "D" and
"W", to 1e-9; plus hand-computed figures on a small CSV.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ibis")
pytest.importorskip("duckdb")

from retention_lib.analysis import engine  # noqa: E402
from retention_lib.analysis._frames import SUMMARY_COLUMNS  # noqa: E402
from retention_lib.analysis.customer_days import customer_days  # noqa: E402
from retention_lib.analysis.engine_files import transaction_files  # noqa: E402
from retention_lib.analysis.summary import customer_summary, monthly_revenue  # noqa: E402
from retention_lib.data.io import load_dataset  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
TOL = {"rtol": 1e-9, "atol": 1e-9}


def _cdnow_path() -> Path:
    lifetimes = pytest.importorskip("lifetimes")
    return Path(lifetimes.__file__).parent / "datasets" / "CDNOW_master.txt"


@pytest.fixture(scope="module")
def sample_tx() -> pd.DataFrame:
    if not (SAMPLE / "transactions.csv").is_file():
        pytest.skip("data/sample is not generated (retention sample)")
    return load_dataset(SAMPLE, as_of="2026-10-31").tables["transactions"]


@pytest.fixture(scope="module")
def sample_parquet(tmp_path_factory: pytest.TempPathFactory, sample_tx: pd.DataFrame) -> Path:
    # A folder of two Parquet parts (split by customer), as a big export would be.
    folder = tmp_path_factory.mktemp("sample_parquet") / "transactions"
    folder.mkdir()
    ids = sample_tx["customer_id"]
    half = ids < ids.sort_values().iloc[len(ids) // 2]
    sample_tx.loc[half].to_parquet(folder / "part-0.parquet", index=False)
    sample_tx.loc[~half].to_parquet(folder / "part-1.parquet", index=False)
    return folder.parent


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    raw = pd.read_csv(
        _cdnow_path(), sep=r"\s+", header=None, skiprows=1,
        names=["customer_id", "date", "quantity", "amount"],
        dtype={"customer_id": "string", "date": "string", "quantity": "float64",
               "amount": "float64"},
    )
    return pd.DataFrame({
        "customer_id": raw["customer_id"],
        "date": pd.to_datetime(raw["date"], format="%Y%m%d").astype("datetime64[ns]"),
        "amount": raw["amount"],
    })


@pytest.fixture(scope="module")
def cdnow_parquet(tmp_path_factory: pytest.TempPathFactory, cdnow: pd.DataFrame) -> Path:
    path = tmp_path_factory.mktemp("cdnow") / "cdnow.parquet"
    cdnow.to_parquet(path, index=False)
    return path


def _assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected, check_exact=False, **TOL)
    assert got.attrs == expected.attrs


class TestSummaryEqualsPandas:
    @pytest.mark.parametrize("freq", ["D", "W"], ids=["days", "weeks"])
    @pytest.mark.parametrize(
        "as_of", ["2026-10-31", "2025-06-18"], ids=["last-day", "mid-week-wednesday"]
    )
    @pytest.mark.parametrize("source", ["csv", "parquet"], ids=["csv", "parquet-parts"])
    def test_sample(self, sample_tx: pd.DataFrame, sample_parquet: Path, source: str,
                    freq: str, as_of: str) -> None:
        expected = customer_summary(sample_tx, as_of=as_of, freq=freq)
        where = SAMPLE if source == "csv" else sample_parquet
        got = engine.summarize_files(where, as_of=as_of, freq=freq)
        assert len(got) > 1_000
        _assert_same(got, expected)

    @pytest.mark.parametrize("freq", ["D", "W"], ids=["days", "weeks"])
    @pytest.mark.parametrize(
        "as_of", ["1998-06-30", "1997-09-30"], ids=["last-date", "calibration-end"]
    )
    def test_cdnow(self, cdnow: pd.DataFrame, cdnow_parquet: Path, freq: str,
                   as_of: str) -> None:
        expected = customer_summary(cdnow, as_of=as_of, freq=freq)
        got = engine.summarize_files(cdnow_parquet, as_of=as_of, freq=freq)
        # customers whose only purchases have a zero amount are counted and left out
        assert len(got) + got.attrs["no_purchase"] == (23_570 if as_of == "1998-06-30"
                                                        else len(expected)
                                                        + expected.attrs["no_purchase"])
        assert got.attrs["no_purchase"] == expected.attrs["no_purchase"] > 0
        _assert_same(got, expected)

    def test_dispatch_from_customer_summary(self, cdnow: pd.DataFrame,
                                            cdnow_parquet: Path) -> None:
        # customer_summary on an Ibis table runs in its backend and returns the same frame
        table = engine.read_transactions(cdnow_parquet)
        got = customer_summary(table, as_of="1998-03-18", freq="W", window_days=90)
        _assert_same(got, customer_summary(cdnow, as_of="1998-03-18", freq="W",
                                           window_days=90))


class TestMonthlyEqualsPandas:
    @pytest.mark.parametrize(
        ("as_of", "start"),
        [(None, None), ("2026-06-30", "2024-01-15"), ("2025-12-31", None)],
        ids=["all", "bounded-mid-month", "as-of-only"],
    )
    def test_sample(self, sample_tx: pd.DataFrame, sample_parquet: Path,
                    as_of: str | None, start: str | None) -> None:
        expected = monthly_revenue(sample_tx, as_of=as_of, start=start)
        long = engine.monthly_revenue_files(sample_parquet, as_of=as_of, start=start)
        got = engine.monthly_matrix(long, as_of=as_of, start=start)
        pd.testing.assert_frame_equal(got, expected, check_exact=False, **TOL)
        # the dispatch of summary.monthly_revenue gives the same matrix
        table = engine.read_transactions(SAMPLE)
        via = monthly_revenue(table, as_of=as_of, start=start)
        pd.testing.assert_frame_equal(via, expected, check_exact=False, **TOL)

    def test_cdnow(self, cdnow: pd.DataFrame, cdnow_parquet: Path) -> None:
        expected = monthly_revenue(cdnow, as_of="1998-06-30")
        got = engine.monthly_matrix(engine.monthly_revenue_files(cdnow_parquet,
                                                                 as_of="1998-06-30"),
                                    as_of="1998-06-30")
        assert got.shape == (23_570, 18)  # 1997-01 .. 1998-06
        pd.testing.assert_frame_equal(got, expected, check_exact=False, **TOL)


class TestCustomerDaysEqualsPandas:
    @pytest.mark.parametrize("as_of", [None, "2025-06-18"], ids=["all", "mid-week-wednesday"])
    @pytest.mark.parametrize("source", ["csv", "parquet"], ids=["csv", "parquet-parts"])
    def test_sample(self, sample_tx: pd.DataFrame, sample_parquet: Path, source: str,
                    as_of: str | None) -> None:
        expected = customer_days(sample_tx, as_of=as_of)
        got = engine.customer_days_files(SAMPLE if source == "csv" else sample_parquet,
                                         as_of=as_of)
        assert len(got) > 10_000
        pd.testing.assert_frame_equal(got, expected, check_exact=False, **TOL)

    def test_cdnow(self, cdnow: pd.DataFrame, cdnow_parquet: Path) -> None:
        expected = customer_days(cdnow, as_of="1998-06-30")
        table = engine.read_transactions(cdnow_parquet)
        got = customer_days(table, as_of="1998-06-30")  # dispatch to the engine
        # CDNOW: 69,659 rows on 67,591 distinct customer-days (several orders on one day)
        assert len(got) == 67_591 and int(got["rows"].sum()) == 69_659
        pd.testing.assert_frame_equal(got, expected, check_exact=False, **TOL)


# 2026-01-05 is a Monday; as_of 2026-01-31 is a Saturday (week Mon 01-26 .. Sun 02-01).
HAND_CSV = """customer_id,date,amount,order_id
007,2026-01-05,100.00,a
007,2026-01-05,50.00,b
007,2026-01-07,-30.00,c
007,2026-01-20,80.00,d
007,2026-02-10,40.00,e
8,2026-01-30,20.00,f
"""


@pytest.fixture()
def hand_folder(tmp_path: Path) -> Path:
    (tmp_path / "transactions.csv").write_text(HAND_CSV, encoding="utf-8")
    return tmp_path


class TestHandComputed:
    @pytest.mark.parametrize(
        ("freq", "cid", "expected"),
        [
            # 'D': purchase days 01-05 (100+50=150), 01-20 (80); the refund-only 01-07 is no
            # purchase; 02-10 after as_of. frequency 1, recency 20-5 = 15, T 31-5 = 26,
            # monetary 80.
            ("D", "007", (1.0, 15.0, 26.0, 80.0)),
            # 'W': week of Mon 01-05 (150-30 = 120), week of Mon 01-19 (80) -> frequency 1,
            # recency 2 weeks, T: week of 01-26 - week of 01-05 = 3, monetary 80.
            ("W", "007", (1.0, 2.0, 3.0, 80.0)),
            # one purchase 01-30: T = 1 day; in weeks 0 (same week as as_of).
            ("D", "8", (0.0, 0.0, 1.0, 0.0)),
            ("W", "8", (0.0, 0.0, 0.0, 0.0)),
        ],
        ids=["007-days", "007-weeks", "8-days", "8-weeks"],
    )
    def test_lifetimes_columns(self, hand_folder: Path, freq: str, cid: str,
                               expected: tuple) -> None:
        s = engine.summarize_files(hand_folder, as_of="2026-01-31", freq=freq)
        cols = ["frequency", "recency", "T", "monetary_value"]
        assert tuple(s.loc[cid, cols]) == pytest.approx(expected)

    def test_row_level_columns(self, hand_folder: Path) -> None:
        s = engine.summarize_files(hand_folder, as_of="2026-01-31", window_days=20)
        assert list(s.columns) == list(SUMMARY_COLUMNS)
        assert list(s.index) == ["007", "8"]  # "007" read as text, not the number 7
        assert s.index.dtype == "string"
        # 007: 5 rows up to as_of would be 4 (02-10 dropped); total 150 - 30 + 80 = 200;
        # window (01-11, 01-31]: only 01-20 -> 80.  8: one row of 20 in the window.
        assert s.loc["007", "n_transactions"] == 4
        assert s.loc["007", "revenue_total"] == pytest.approx(200.0)
        assert s.loc["007", "revenue_window"] == pytest.approx(80.0)
        assert s.loc["8", "revenue_window"] == pytest.approx(20.0)
        assert s.loc["007", "first_purchase"] == pd.Timestamp("2026-01-05")
        assert s.loc["007", "last_purchase"] == pd.Timestamp("2026-01-20")
        assert s["first_purchase"].dtype == "datetime64[ns]"
        assert s["n_transactions"].dtype == np.int64

    def test_monthly_long(self, hand_folder: Path) -> None:
        long = engine.monthly_revenue_files(hand_folder, as_of="2026-01-31")
        # 007 in 2026-01: 100 + 50 - 30 + 80 = 200 (02-10 after as_of); 8: 20.
        assert list(long.columns) == list(engine.LONG_COLUMNS)
        assert long["customer_id"].tolist() == ["007", "8"]
        assert long["month"].tolist() == [pd.Period("2026-01", "M")] * 2
        assert long["revenue"].tolist() == pytest.approx([200.0, 20.0])


class TestInput:
    def test_column_mapping_and_decimal_comma(self, tmp_path: Path) -> None:
        # a ';'-separated export with its own column names and decimal commas
        (tmp_path / "transactions.csv").write_text(
            "Client;InvoiceDate;Total\n007;2026-01-05;1.000,50\n007;2026-01-20;-0,50\n",
            encoding="utf-8",
        )
        config = {"csv": {"sep": ";", "decimal": ","},
                  "columns": {"transactions": {"Client": "customer_id",
                                               "InvoiceDate": "date", "Total": "amount"}}}
        s = engine.summarize_files(tmp_path, as_of="2026-01-31", config=config)
        # 1000.50 - 0.50 = 1000; the refund-only 01-20 is no purchase (no repeat period)
        assert s.loc["007", "revenue_total"] == pytest.approx(1000.0)
        assert s.loc["007", "monetary_value"] == pytest.approx(0.0)
        old = engine.summarize_files(tmp_path, as_of="2026-01-31", config=config,
                                     purchases_only=False)
        assert old.loc["007", "monetary_value"] == pytest.approx(-0.5)  # lifetimes' way

    def test_case_insensitive_contract_names(self, tmp_path: Path) -> None:
        pd.DataFrame({"Customer_ID": ["a"], "DATE": pd.to_datetime(["2026-01-05"]),
                      "Amount": [5.0]}).to_parquet(tmp_path / "x.parquet")
        s = engine.summarize_files(tmp_path / "x.parquet", as_of="2026-01-31")
        assert s.loc["a", "revenue_total"] == 5.0

    def test_missing_column_names_what_was_found(self, tmp_path: Path) -> None:
        (tmp_path / "transactions.csv").write_text("customer_id,day,amount\n1,2026-01-05,5\n")
        with pytest.raises(KeyError, match=r"\['date'\].*found: \['customer_id', 'day'"):
            engine.summarize_files(tmp_path, as_of="2026-01-31")

    def test_mixed_file_kinds(self, tmp_path: Path) -> None:
        files = [tmp_path / "a.parquet", tmp_path / "b.csv"]
        with pytest.raises(ValueError, match="mix of file kinds"):
            engine.read_transactions(files)

    def test_missing_path(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError, match="neither a file nor a folder"):
            engine.read_transactions(tmp_path / "nope")

    def test_glob_of_csv_files(self, tmp_path: Path) -> None:
        (tmp_path / "2026-01.csv").write_text("customer_id,date,amount\n1,2026-01-05,5\n")
        (tmp_path / "2026-02.csv").write_text("customer_id,date,amount\n1,2026-02-05,7\n")
        s = engine.summarize_files(str(tmp_path / "2026-*.csv"), as_of="2026-02-28")
        # two rows of customer "1" across the files: 5 + 7 = 12, frequency 1
        assert s.loc["1", "revenue_total"] == pytest.approx(12.0)
        assert s.loc["1", "frequency"] == 1.0

    def test_data_folder_with_spark_style_transactions(self, tmp_path: Path,
                                                        sample_tx: pd.DataFrame) -> None:
        # transactions.parquet/ as Spark writes it, beside another table's Parquet file:
        # before, every *.parquet below the folder was read (contacts too) and it failed
        parts = tmp_path / "transactions.parquet"
        parts.mkdir()
        third = len(sample_tx) // 3
        for i, rows in enumerate([sample_tx.iloc[:third], sample_tx.iloc[third:2 * third],
                                  sample_tx.iloc[2 * third:]]):
            rows.to_parquet(parts / f"part-{i:05d}-c000.snappy.parquet", index=False)
        (parts / "_SUCCESS").write_text("")
        (parts / ".part-00000-c000.snappy.parquet.crc").write_bytes(b"crc")
        pd.DataFrame({"customer_id": ["x"], "date": pd.to_datetime(["2026-01-05"]),
                      "channel": ["call"]}).to_parquet(tmp_path / "contacts.parquet")
        kind, files = transaction_files(tmp_path)
        assert kind == "parquet" and [Path(f).name for f in files] == [
            f"part-{i:05d}-c000.snappy.parquet" for i in range(3)]
        _assert_same(engine.summarize_files(tmp_path, as_of="2026-10-31"),
                     customer_summary(sample_tx, as_of="2026-10-31"))

    def test_delta_table_folder_is_refused(self, tmp_path: Path) -> None:
        parts = tmp_path / "transactions.parquet"
        (parts / "_delta_log").mkdir(parents=True)
        pd.DataFrame({"customer_id": ["a"], "date": pd.to_datetime(["2026-01-05"]),
                      "amount": [5.0]}).to_parquet(parts / "part-00000.snappy.parquet")
        with pytest.raises(ValueError, match="is a Delta table.*earlier versions"):
            engine.summarize_files(tmp_path, as_of="2026-01-31")

    def test_unsupported_freq(self, hand_folder: Path) -> None:
        with pytest.raises(ValueError, match=r"freq='M'.*\['D', 'W'\]"):
            engine.summarize_files(hand_folder, as_of="2026-01-31", freq="M")
