"""Tests of the dataset cache (retention_lib.caching.cache) as used by
retention_lib.data.io.load_dataset."""

from __future__ import annotations

import dataclasses
import pickle

import pandas as pd
import pytest

from retention_lib.caching.cache import CACHE_ENV, dataset_key, read_entry
from retention_lib.config import load_settings
from retention_lib.data import io as rio
from retention_lib.data.io import DataValidationError, load_dataset

AS_OF = "2026-10-31"
# C1's second row duplicates its first exactly (1 row dropped, a warning); C9 is not in
# customers (1 row, a warning); C2 has no manager (set to "unassigned", a warning);
# one refund (a note).
TRANSACTIONS = (
    "customer_id,date,amount\n"
    "C1,2026-01-05,10\n"
    "C1,2026-01-05,10\n"
    "C2,2026-02-06,-20.5\n"
    "C9,2026-03-01,7\n"
)
CUSTOMERS = "customer_id,name,manager\nC1,Anna,Ivan\nC2,Boris,\n"


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    (folder / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    return folder


def entries(cache):
    return sorted(p.name for p in cache.glob("dataset-*.pickle"))


def assert_same_dataset(cached, fresh):
    assert cached.tables.keys() == fresh.tables.keys()
    for table in fresh.tables:
        pd.testing.assert_frame_equal(cached.tables[table], fresh.tables[table])
    for attr in ("sources", "sha256", "rows_read", "exclusions", "warnings", "as_of", "notes"):
        assert getattr(cached, attr) == getattr(fresh, attr), attr
    assert cached.describe() == fresh.describe()
    pd.testing.assert_frame_equal(cached.data_quality(), fresh.data_quality())


class TestHit:
    def test_cached_load_equals_uncached_load(self, data, tmp_path, monkeypatch):
        cache = tmp_path / "cache"
        fresh = load_dataset(data, as_of=AS_OF)
        first = load_dataset(data, as_of=AS_OF, cache_dir=cache)  # miss: stores the entry
        assert len(entries(cache)) == 1

        def must_not_parse(*args, **kwargs):
            raise AssertionError("parsed the files again despite a cache entry")

        monkeypatch.setattr(rio, "_load", must_not_parse)
        cached = load_dataset(data, as_of=AS_OF, cache_dir=cache)
        # by hand: 4 rows read, 1 exact duplicate dropped → 3 used; 2 customers read
        assert cached.rows_read == {"transactions": 4, "customers": 2}
        assert [(e.table, e.rows) for e in cached.exclusions] == [("transactions", 1)]
        assert sorted(p.kind for p in cached.warnings) == [
            "duplicate_rows", "manager_unassigned", "unknown_customer",
        ]
        assert len(cached.transactions) == 3
        assert_same_dataset(cached, fresh)
        assert_same_dataset(first, fresh)

    def test_environment_variable_selects_the_cache(self, data, tmp_path, monkeypatch):
        cache = tmp_path / "env-cache"
        monkeypatch.setenv(CACHE_ENV, str(cache))
        load_dataset(data, as_of=AS_OF)
        assert len(entries(cache)) == 1
        monkeypatch.setattr(rio, "_load", lambda *a, **k: pytest.fail("cache not used"))
        assert len(load_dataset(data, as_of=AS_OF).transactions) == 3

    def test_hit_carries_the_callers_settings(self, data, tmp_path):
        cache = tmp_path / "cache"
        load_dataset(data, as_of=AS_OF, cache_dir=cache)
        mine = load_settings({"company_name": "Other Co.", "language": "uk"})
        cached = load_dataset(data, config=mine, as_of=AS_OF, cache_dir=cache)
        assert len(entries(cache)) == 1  # company/language do not shape the loaded tables
        assert cached.settings == mine

    def test_mapping_input_is_never_cached(self, tmp_path):
        cache = tmp_path / "cache"
        frame = pd.DataFrame({"customer_id": ["C1"], "date": ["2026-01-05"], "amount": [1.0]})
        load_dataset({"transactions": frame}, as_of=AS_OF, cache_dir=cache)
        assert entries(cache) == []


class TestMiss:
    @pytest.mark.parametrize(
        "change",
        ["file", "as_of", "csv", "columns"],
        ids=["file-edited", "other-as-of", "csv-options", "column-mapping"],
    )
    def test_key_changes(self, data, change):
        settings = load_settings(None)
        files = [data / "transactions.csv", data / "customers.csv"]
        before = dataset_key(files, settings=settings, as_of=pd.Timestamp(AS_OF))
        as_of = pd.Timestamp(AS_OF)
        if change == "file":
            (data / "customers.csv").write_text(CUSTOMERS + "C9,Vera,Ivan\n", encoding="utf-8")
        elif change == "as_of":
            as_of = pd.Timestamp("2026-11-01")
        elif change == "csv":
            settings = load_settings({"csv": {"sep": ";", "decimal": ","}})
        else:
            settings = load_settings({"columns": {"transactions": {"total": "amount"}}})
        assert dataset_key(files, settings=settings, as_of=as_of) != before

    def test_edited_file_is_read_again(self, data, tmp_path):
        cache = tmp_path / "cache"
        load_dataset(data, as_of=AS_OF, cache_dir=cache)
        (data / "customers.csv").write_text(CUSTOMERS + "C9,Vera,Ivan\n", encoding="utf-8")
        again = load_dataset(data, as_of=AS_OF, cache_dir=cache)
        # C9 is now a known customer: the unknown-customer warning is gone
        assert "unknown_customer" not in {p.kind for p in again.warnings}
        assert len(again.customers) == 3
        assert len(entries(cache)) == 2

    def test_corrupt_entry_is_a_miss(self, data, tmp_path):
        cache = tmp_path / "cache"
        load_dataset(data, as_of=AS_OF, cache_dir=cache)
        (entry,) = cache.glob("dataset-*.pickle")
        entry.write_bytes(b"not a pickle")
        fresh = load_dataset(data, as_of=AS_OF)
        assert_same_dataset(load_dataset(data, as_of=AS_OF, cache_dir=cache), fresh)
        # rewritten: the dataset without its tables, which lie in the folder beside it
        assert isinstance(read_entry(cache, entry.stem.removeprefix("dataset-")), rio.Dataset)
        assert isinstance(pickle.loads(entry.read_bytes()).dataset, rio.Dataset)

    def test_bad_data_is_not_cached(self, tmp_path):
        cache = tmp_path / "cache"
        folder = tmp_path / "bad"
        folder.mkdir()
        (folder / "transactions.csv").write_text(
            "customer_id,date,amount\nC1,someday,1\n", encoding="utf-8"
        )
        for _ in range(2):
            with pytest.raises(DataValidationError, match="date"):
                load_dataset(folder, as_of=AS_OF, cache_dir=cache)
        assert entries(cache) == []

    def test_entry_does_not_store_settings(self, data, tmp_path):
        cache = tmp_path / "cache"
        load_dataset(data, as_of=AS_OF, cache_dir=cache)
        (entry,) = cache.glob("dataset-*.pickle")
        stored = pickle.loads(entry.read_bytes()).dataset  # the tables lie beside it
        assert dataclasses.replace(stored).settings is None


class TestFileHashes:
    def test_hashed_two_at_a_time_as_one_by_one(self, tmp_path, monkeypatch):
        import hashlib
        import json

        from retention_lib.caching import cache

        monkeypatch.setattr(cache, "_file_hashes", {})
        data = tmp_path / "data"
        data.mkdir()
        files = []
        for i in range(40):
            path = data / f"t{i}.csv"
            path.write_bytes(f"customer_id,date,amount\nC{i},2026-01-0{i % 9 + 1},{i}\n".encode()
                             * (i + 1))
            files.append(path)
        run = tmp_path / "run"
        run.mkdir()
        with cache.active_cache(run):
            cache.hash_files(files)
        expected = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
        assert {p.name: cache.sha256_file(p) for p in files} == expected
        # every thread's entry reached the run's index (updates take turns)
        index = json.loads((run / "file-hashes.json").read_text(encoding="utf-8"))
        assert sorted(v for v in index.values()) == sorted(expected.values())
