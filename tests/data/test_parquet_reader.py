"""Tests of retention_lib.data.parquet_reader: a table written as a folder of Parquet parts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from retention_lib.caching.cache import dataset_key
from retention_lib.data.io import load_dataset
from tests.data.test_io import AS_OF, TX_OK, load_error, only_error, write


class TestParquetPartFolders:
    """A table written as a folder of Parquet part files (Spark's ``df.write.parquet``)."""

    @staticmethod
    def parts(folder: Path, table: str, frames: list[pd.DataFrame], *,
              names: list[str] | None = None) -> Path:
        out = folder / f"{table}.parquet"
        out.mkdir(parents=True)
        for i, frame in enumerate(frames):
            name = names[i] if names else f"part-{i:05d}-c000.snappy.parquet"
            frame.to_parquet(out / name, index=False)
        (out / "_SUCCESS").write_text("")  # what Spark leaves beside the parts
        (out / ".part-00000-c000.snappy.parquet.crc").write_bytes(b"\x00crc")
        return out

    def test_parts_read_in_name_order(self, tmp_path):
        tx = pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C1", "C2"],
                           "date": ["2026-01-05", "2026-01-06", "2026-02-01", "2026-03-01",
                                    "2026-03-02"],
                           "amount": [10.0, 20.0, 30.0, 40.0, 50.0]})
        # written in another order than their names: the names decide
        self.parts(tmp_path, "transactions", [tx.iloc[3:], tx.iloc[:2], tx.iloc[2:3]],
                   names=["part-00002.parquet", "part-00000.parquet", "part-00001.parquet"])
        ds = load_dataset(tmp_path, as_of=AS_OF)
        assert ds.transactions["amount"].tolist() == [10.0, 20.0, 30.0, 40.0, 50.0]
        assert ds.rows_read["transactions"] == 5
        assert ds.sources["transactions"] == str(tmp_path / "transactions.parquet")

    def test_messages_name_the_part_and_its_row(self, tmp_path):
        good = pd.DataFrame({"customer_id": ["C1", "C2"], "date": ["2026-01-05"] * 2,
                             "amount": [1.0, 2.0]})
        bad = pd.DataFrame({"customer_id": ["C3", "C4", "C5", "C5"],
                            "date": ["2026-01-07", "31/02/2026", "2026-01-09", "2026-01-09"],
                            "amount": [3.0, 4.0, 5.0, 5.0]})
        self.parts(tmp_path, "transactions", [good, bad])
        err = load_error(tmp_path)
        date = only_error(err, "unparseable_date")
        assert date.rows == 1 and date.examples == [(3, "31/02/2026")]  # 3rd row of the table
        assert date.message.endswith("first: part-00001-c000.snappy.parquet row 1 '31/02/2026'")
        assert date.file == str(tmp_path / "transactions.parquet")
        (dup,) = [p for p in err.problems if p.kind == "duplicate_rows"]
        assert "part-00001-c000.snappy.parquet row 3 'C5, " in dup.message

    def test_same_tables_as_one_file(self, tmp_path):
        tx = pd.DataFrame({"customer_id": [f"C{i % 7}" for i in range(50)],
                           "date": pd.date_range("2026-01-01", periods=50).date,
                           "amount": [float(i) - 5 for i in range(50)]})
        one = tmp_path / "one"
        one.mkdir()
        tx.to_parquet(one / "transactions.parquet", index=False)
        self.parts(tmp_path / "many", "transactions", [tx.iloc[:20], tx.iloc[20:21],
                                                       tx.iloc[21:]])
        a, b = (load_dataset(p, as_of=AS_OF) for p in (one, tmp_path / "many"))
        pd.testing.assert_frame_equal(b.transactions, a.transactions)
        assert a.notes == b.notes

    @pytest.mark.parametrize(
        ("layout", "expected"),
        [
            ("partitioned", "is partitioned into sub-folders (year=2026): write the table "
                            "without partitionBy"),
            ("columns", "every part of a table must have the same columns"),
            ("not_parquet", "cannot be read as Parquet"),
            ("empty", "is empty: the required table 'transactions' needs at least one row"),
            ("delta", "is a Delta table (it has a _delta_log)"),
        ],
        ids=["partitioned", "different-columns", "unreadable-part", "no-parts", "delta"],
    )
    def test_unusable_folder_is_an_error(self, tmp_path, layout, expected):
        tx = pd.DataFrame({"customer_id": ["C1"], "date": ["2026-01-05"], "amount": [1.0]})
        folder = self.parts(tmp_path, "transactions", [] if layout == "empty" else [tx])
        if layout == "partitioned":
            (folder / "year=2026").mkdir()
            tx.to_parquet(folder / "year=2026" / "part-00000.parquet")
        elif layout == "columns":
            tx.rename(columns={"amount": "net"}).to_parquet(folder / "part-00001.parquet")
        elif layout == "delta":
            (folder / "_delta_log").mkdir()
            (folder / "_delta_log" / "00000000000000000000.json").write_text("{}")
        elif layout == "not_parquet":
            (folder / "part-00001.parquet").write_text("customer_id,date,amount\n")
        err = load_error(tmp_path)
        assert len(err.errors) == 1 and expected in err.errors[0].message, str(err)

    def test_folder_beside_a_file_of_the_same_table_is_ambiguous(self, tmp_path):
        tx = pd.DataFrame({"customer_id": ["C1"], "date": ["2026-01-05"], "amount": [1.0]})
        self.parts(tmp_path, "transactions", [tx])
        write(tmp_path, {"transactions.csv": TX_OK})
        assert "several files for table 'transactions'" in only_error(
            load_error(tmp_path), "ambiguous_file").message

    @pytest.mark.parametrize("times", ["local-midnight-kyiv", "utc-midnight"])
    def test_utc_instants_off_midnight_are_flagged(self, tmp_path, times):
        # a Parquet timestamp adjusted to UTC (what Spark writes with TIMESTAMP_MICROS)
        local = pd.Series(pd.to_datetime(["2026-10-01", "2026-10-02", "2026-10-03"]))
        when = (local.dt.tz_localize("Europe/Kyiv") if times == "local-midnight-kyiv"
                else local.dt.tz_localize("UTC"))
        pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "date": when.dt.tz_convert("UTC"),
                      "amount": [1.0, 2.0, 3.0]}).to_parquet(tmp_path / "transactions.parquet")
        ds = load_dataset(tmp_path, as_of=AS_OF)
        flagged = [p for p in ds.warnings if p.kind == "utc_timestamp"]
        days = ds.transactions["date"].dt.strftime("%Y-%m-%d").tolist()
        if times == "utc-midnight":
            assert not flagged and days == ["2026-10-01", "2026-10-02", "2026-10-03"]
        else:  # Kyiv is UTC+3 in October: each local midnight is 21:00 the day before
            assert days == ["2026-09-30", "2026-10-01", "2026-10-02"]
            (w,) = flagged
            assert w.rows == 3 and w.column == "date"
            assert w.examples[0] == (0, "2026-09-30 21:00:00+00:00")
            assert "write the column as a DATE" in w.message
            from retention_lib.present.quality_notes import quality_table

            notes = quality_table(ds).set_index("table").loc["transactions", "notes"]
            assert "3 rows of column date hold UTC times that are not midnight" in notes

    def test_cache_key_follows_the_parts(self, tmp_path):
        from retention_lib.config import load_settings
        from retention_lib.data.sources import table_files

        tx = pd.DataFrame({"customer_id": ["C1", "C2"], "date": ["2026-01-05"] * 2,
                           "amount": [1.0, 2.0]})
        folder = self.parts(tmp_path, "transactions", [tx.iloc[:1], tx.iloc[1:]])
        files = table_files(tmp_path)
        assert [p.name for p in files] == ["part-00000-c000.snappy.parquet",
                                           "part-00001-c000.snappy.parquet"]
        settings, as_of = load_settings(None), pd.Timestamp(AS_OF)
        before = dataset_key(files, settings=settings, as_of=as_of)
        tx.iloc[1:].assign(amount=3.0).to_parquet(folder / "part-00001-c000.snappy.parquet",
                                                  index=False)
        from retention_lib.caching import cache
        cache._file_hashes.clear()
        assert dataset_key(table_files(tmp_path), settings=settings, as_of=as_of) != before
