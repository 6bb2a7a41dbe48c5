"""Tests of the run cache of built pages (retention_lib.caching.memo) and of lazily read tables."""

from __future__ import annotations

import dataclasses
import io
import pickle

import pandas as pd
import pytest

from retention_lib.caching import memo
from retention_lib.caching.cache import LazyTables, active_cache, read_entry, write_entry
from retention_lib.config import load_settings
from retention_lib.data.io import load_dataset

TRANSACTIONS = "customer_id,date,amount\nC1,2026-01-05,10\nC2,2026-02-06,20.5\n"


@pytest.fixture
def dataset(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    return load_dataset(folder, as_of="2026-10-31")


@pytest.fixture
def builder():
    calls: list[tuple] = []

    @memo.cached_build("test_builder")
    def build(dataset, *, period: str, scale: float = 1.0, extra=None):
        calls.append((period, scale))
        total = float(dataset.transactions["amount"].sum()) * scale
        return {"period": period, "total": total, "helper": lambda: total}

    memo.clear_memory()
    yield build, calls
    memo.clear_memory()


class TestCachedBuild:
    def test_without_a_cache_folder_every_call_computes(self, dataset, builder, monkeypatch):
        monkeypatch.delenv("RETENTION_CACHE_DIR", raising=False)
        build, calls = builder
        build(dataset, period="2026-10")
        build(dataset, period="2026-10")
        assert len(calls) == 2

    def test_identical_calls_compute_once_even_in_another_process(
        self, dataset, builder, tmp_path
    ):
        build, calls = builder
        with active_cache(tmp_path / "cache"):
            first = build(dataset, period="2026-10")
            again = build(dataset, period="2026-10")
            assert again is first  # kept in memory
            memo.clear_memory()  # a kernel: nothing in memory, the entry on disk
            from_disk = build(dataset, period="2026-10")
        assert len(calls) == 1
        # by hand: 10 + 20.5 = 30.5
        assert from_disk["total"] == first["total"] == 30.5
        assert from_disk["helper"] is None  # a local function is stored as None
        log = (tmp_path / "cache" / "results.log").read_text().split("\n")
        assert [line.split()[1:] for line in log if line] == [
            ["built", "test_builder"], ["reused", "test_builder"],
        ]

    @pytest.mark.parametrize(
        ("first", "second"),
        [
            ({"period": "2026-10"}, {"period": "2026-09"}),
            ({"period": "2026-10"}, {"period": "2026-10", "scale": 2.0}),
        ],
        ids=["other-period", "other-keyword"],
    )
    def test_different_arguments_compute_again(
        self, dataset, builder, tmp_path, first, second
    ):
        build, calls = builder
        with active_cache(tmp_path / "cache"):
            build(dataset, **first)
            result = build(dataset, **second)
        assert len(calls) == 2
        assert result["total"] == 30.5 * second.get("scale", 1.0)

    def test_other_data_or_settings_compute_again(self, dataset, builder, tmp_path):
        build, calls = builder
        other_sha = dataclasses.replace(dataset, sha256={"transactions": "0" * 64})
        other_settings = dataclasses.replace(
            dataset, settings=load_settings({"language": "ru"})
        )
        with active_cache(tmp_path / "cache"):
            build(dataset, period="2026-10")
            build(other_sha, period="2026-10")
            build(other_settings, period="2026-10")
        assert len(calls) == 3

    def test_an_argument_that_is_not_plain_data_is_never_cached(
        self, dataset, builder, tmp_path
    ):
        build, calls = builder
        with active_cache(tmp_path / "cache"):
            build(dataset, period="2026-10", extra=pd.Series([1.0]))
            build(dataset, period="2026-10", extra=pd.Series([1.0]))
        assert len(calls) == 2


    def test_a_remembered_result_stays_in_memory_until_seeded(
        self, dataset, builder, tmp_path, monkeypatch
    ):
        build, calls = builder
        cache = tmp_path / "cache"
        value = {"period": "2026-10", "total": 99.0, "helper": None}
        with active_cache(cache):
            assert build.remember(value, dataset, period="2026-10")
            assert build(dataset, period="2026-10") is value  # this process: a hit
            assert not list(cache.glob("result-*")) and not (cache / "results.log").exists()
            memo.clear_memory()  # another process (a kernel) would compute it
            assert build(dataset, period="2026-10")["total"] == 30.5
            assert build.seed(value, dataset, period="2026-10")
            memo.clear_memory()
            assert build(dataset, period="2026-10")["total"] == 99.0  # the seeded one
        assert len(calls) == 1
        log = (cache / "results.log").read_text().split()
        assert log[1::3] == ["built", "built", "reused"]
        monkeypatch.delenv("RETENTION_CACHE_DIR", raising=False)
        assert not build.remember(value, dataset, period="2026-10")  # no run cache

class TestLazyTables:
    def test_a_cached_dataset_reads_each_table_on_first_use(self, dataset, tmp_path):
        cache = tmp_path / "cache"
        cache.mkdir()
        write_entry(cache, "k", dataset)
        assert (cache / "dataset-k.tables" / "transactions.pickle").is_file()
        hit = read_entry(cache, "k")
        assert isinstance(hit.tables, LazyTables)
        assert list(hit.tables) == ["transactions"] and "transactions" in hit.tables
        assert hit.tables.loaded == ()  # nothing read yet
        pd.testing.assert_frame_equal(hit.transactions, dataset.transactions)
        assert hit.tables.loaded == ("transactions",)
        assert hit.sha256 == dataset.sha256 and hit.rows_read == dataset.rows_read
        # pickling materialises every table into a plain dict
        again = pickle.loads(pickle.dumps(hit))
        assert isinstance(again.tables, dict)
        pd.testing.assert_frame_equal(again.transactions, dataset.transactions)

    def test_an_entry_whose_table_file_is_missing_is_a_miss(self, dataset, tmp_path):
        cache = tmp_path / "cache"
        cache.mkdir()
        write_entry(cache, "k", dataset)
        (cache / "dataset-k.tables" / "transactions.pickle").unlink()
        assert read_entry(cache, "k") is None


class TestCLVCoreInTheRunCache:
    def test_a_cached_core_shows_the_executive_block_without_transactions(self, tmp_path):
        from pathlib import Path

        from retention_lib.pages import clv_core, clv_report

        sample = Path(__file__).resolve().parents[2] / "data" / "sample"
        ds = load_dataset(sample)
        core = clv_core.core_for(ds, period="2026-10", settings=ds.settings)
        buffer = io.BytesIO()
        memo._Pickler(buffer).dump(core)  # how the run cache stores it
        stored = pickle.loads(buffer.getvalue())
        assert stored.tx is None  # the transactions never reach the kernels
        pd.testing.assert_frame_equal(stored.drops, core.drops)
        pd.testing.assert_series_equal(stored.tiers, core.tiers)
        # the same HTML from the cached core as from the fresh one
        fresh = clv_report.executive_clv(ds, period="2026-10").data
        with active_cache(tmp_path / "cache"):
            memo.clear_memory()
            clv_core.core_for(ds, period="2026-10", settings=ds.settings)  # built and stored
            memo.clear_memory()
            cached = clv_report.executive_clv(ds, period="2026-10").data  # read back
            page = clv_report.build_clv_page(ds, period="2026-10")  # tx taken from ds
        memo.clear_memory()
        assert cached == fresh
        assert len(page.customers) > 0


class TestDerivedResults:
    def test_the_executive_block_is_the_full_report_without_its_funnel(self, tmp_path):
        from pathlib import Path

        from retention_lib.pages import discipline

        sample = Path(__file__).resolve().parents[2] / "data" / "sample"
        ds = load_dataset(sample)
        full = discipline.build_contact_discipline(ds, period="2026-10")
        built = discipline.build_contact_discipline(ds, period="2026-10", with_funnel=False)
        derived = discipline.without_funnel(full)
        for f in dataclasses.fields(built):
            a, b = getattr(built, f.name), getattr(derived, f.name)
            if isinstance(a, pd.DataFrame):
                pd.testing.assert_frame_equal(a, b)
            elif isinstance(a, pd.Series):
                pd.testing.assert_series_equal(a, b)
            elif f.name != "tr":
                assert a == b, f.name
        assert full.funnel_counts is not None and derived.funnel_counts is None
        # seeded under the key of the no-funnel call: that call reads it, builds nothing
        with active_cache(tmp_path / "cache"):
            memo.clear_memory()
            assert discipline.build_contact_discipline.seed(
                derived, ds, period="2026-10", with_funnel=False)
            memo.clear_memory()
            hit = discipline.build_contact_discipline(ds, period="2026-10", with_funnel=False)
        memo.clear_memory()
        pd.testing.assert_frame_equal(hit.compliance, built.compliance)
        log = (tmp_path / "cache" / "results.log").read_text().split()
        assert log[1::3] == ["built", "reused"]
