"""The report runner's page builds in forked worker processes (``jobs > 1``) on the sample.

Kept apart from ``test_report.py``, whose module fixture replaces the page builds by fake
headline figures.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from retention_lib.caching import memo
from retention_lib.caching.cache import active_cache
from retention_lib.data.io import load_dataset
from retention_lib.pages import diagnostics
from retention_lib.pages.context import notebook_settings
from retention_lib.runner import build, workers
from retention_lib.runner.report import ReportError, run_report
from tests.runner.test_report import write_good_notebooks

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
NOTEBOOKS = frozenset(
    {"monthly_report", "churn_diagnostics", "contact_discipline", "customer_base", "clv"}
)
PARAMETERS = {"config_path": "", "company_name": "", "language": "en"}

pytestmark = pytest.mark.skipif(not workers.can_fork(), reason="no fork on this platform")


def _forget_in_process_results() -> None:
    memo.clear_memory()


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """``compute_metrics`` of every page, once with jobs=1 and once with jobs=2."""
    out = {}
    settings = notebook_settings("", company_name="", language="en")
    for jobs in (1, 2):
        cache = tmp_path_factory.mktemp(f"cache{jobs}")
        _forget_in_process_results()
        with active_cache(cache):
            ds = load_dataset(SAMPLE, config=settings, as_of=date(2026, 11, 22),
                              cache_dir=cache)
            stats: dict[str, int] = {}
            before = memo.cache_stats()
            metrics, contact = build.compute_metrics(
                ds, "2026-10", parameters=PARAMETERS, notebooks=NOTEBOOKS, jobs=jobs,
                worker_stats=stats,
            )
            own = build.stats_since(before)
        log = [line.split() for line in (cache / "results.log").read_text().splitlines()]
        out[jobs] = {"metrics": metrics, "contact": contact, "stats": stats, "own": own,
                     "log": log}
    _forget_in_process_results()
    return out


class TestPagesBuiltInWorkers:
    def test_the_headline_figures_and_call_lists_are_the_same(self, builds):
        one, two = builds[1], builds[2]
        assert two["metrics"] == one["metrics"]
        pd.testing.assert_frame_equal(two["contact"].compliance, one["contact"].compliance)
        pd.testing.assert_frame_equal(two["contact"].plan, one["contact"].plan)

    def test_each_page_is_built_once_by_one_of_two_workers(self, builds):
        runner = {pid for pid, what, name in builds[1]["log"]}
        assert len(runner) == 1  # jobs=1: everything in this process
        built = [(pid, name) for pid, what, name in builds[2]["log"] if what == "built"]
        # by hand: the CLV model (fitted here), diagnostics and monthly in one worker; the
        # full contact-discipline report, its executive block (seeded), the customer base and
        # the CLV page in the other = 7, as with jobs=1
        assert sorted(name for _, name in built) == sorted(
            name for _, what, name in builds[1]["log"] if what == "built"
        )
        by_pid: dict[str, list[str]] = {}
        for pid, name in built:
            by_pid.setdefault(pid, []).append(name)
        assert sorted(by_pid.values()) == [
            ["clv_core", "diagnostics", "monthly"],
            ["contact_discipline", "contact_discipline", "customer_base", "clv_page"],
        ]
        # this process fitted the CLV model (the workers inherit it; the first one stores
        # it) and then reads what the workers built, computing nothing again
        own = {pid for pid, what, name in builds[2]["log"]} - set(by_pid)
        assert len(own) == 1
        assert sorted(name for pid, what, name in builds[2]["log"]
                      if pid in own and what == "reused") == [
            "contact_discipline", "diagnostics", "monthly",
        ]
        assert all(what == "reused" for pid, what, name in builds[2]["log"] if pid in own)
        assert builds[2]["own"]["misses"] == 0
        assert builds[2]["stats"]["misses"] == 5  # diagnostics, monthly, discipline, base, CLV
        assert builds[1]["stats"] == {}  # jobs=1: no worker


class TestFailingWorker:
    def test_a_page_failing_in_a_worker_publishes_nothing(self, tmp_path, monkeypatch):
        def broken(*args, **kwargs):
            raise KeyError("amount")

        monkeypatch.setattr(diagnostics, "build_diagnostics", broken)
        _forget_in_process_results()
        notebooks = write_good_notebooks(tmp_path / "nb")
        out = tmp_path / "out"
        with pytest.raises(ReportError, match="headline figures.*KeyError: 'amount'; nothing"):
            run_report(data=SAMPLE, out=out, notebooks_dir=notebooks, period="2026-10",
                       jobs=2)
        _forget_in_process_results()
        assert list(out.iterdir()) == []  # no report, staging folder or lock left


class TestMemory:
    def test_too_little_memory_builds_the_pages_in_this_process(self, tmp_path, monkeypatch,
                                                                builds):
        monkeypatch.setattr(workers, "available_memory", lambda: 10**6)  # 1 MB left
        settings = notebook_settings("", company_name="", language="en")
        lines: list[str] = []
        stats: dict[str, int] = {}
        _forget_in_process_results()
        with active_cache(tmp_path):
            ds = load_dataset(SAMPLE, config=settings, as_of=date(2026, 11, 22),
                              cache_dir=tmp_path)
            metrics, _ = build.compute_metrics(
                ds, "2026-10", parameters=PARAMETERS, notebooks=NOTEBOOKS, jobs=2,
                worker_stats=stats, say=lines.append,
            )
        _forget_in_process_results()
        tables = sum(int(f.memory_usage(deep=True).sum()) for f in ds.tables.values())
        (why,) = [line for line in lines if "one at a time" in line]
        assert why == (
            "pages built one at a time, not in two workers: for "
            f"{tables / 1e9:.1f} GB of tables two builds side by side take about "
            f"{3.3 * tables / 1e9:.1f} GB more, one {2.4 * tables / 1e9:.1f} GB, and 0.0 GB "
            "is available (it may not be enough: close other programs or add memory)")
        log = [line.split() for line in (tmp_path / "results.log").read_text().splitlines()]
        assert len({pid for pid, what, name in log}) == 1 and stats == {}  # no worker
        assert metrics == builds[1]["metrics"]


class TestOnePassOverTheRows:
    def test_the_runner_cuts_the_month_and_builds_the_day_table_once(self, tmp_path,
                                                                      monkeypatch):
        # the sample runs to 2026-10-30, so for 2026-09 every page build cuts the rows at
        # 2026-09-30.  The runner does it once and computes the per-customer-day table of
        # the whole frame once (the month's is taken from it); the builds on their own
        # (build_pages, no pins) each cut and pass over the rows again.  Same figures.
        from retention_lib.analysis import customer_days, pinned

        calls: list[int] = []
        build_days = pinned.build_day_table  # the one builder, called from these two modules
        for module in (customer_days, pinned):
            monkeypatch.setattr(module, "build_day_table",
                                lambda tx, *codes: calls.append(len(tx)) or build_days(tx, *codes))
        settings = notebook_settings("", company_name="", language="en")
        got = {}
        for how in ("compute_metrics", "build_pages"):
            calls.clear()
            _forget_in_process_results()
            cache = tmp_path / how
            with active_cache(cache):
                ds = load_dataset(SAMPLE, config=settings, as_of=date(2026, 11, 22),
                                  cache_dir=cache)
                metrics, _ = getattr(build, how)(
                    ds, "2026-09", parameters=PARAMETERS, notebooks=NOTEBOOKS, jobs=1,
                )
            got[how] = (metrics, list(calls))
        _forget_in_process_results()
        assert got["compute_metrics"][1] == [len(ds.transactions)]
        assert len(got["build_pages"][1]) > 1  # before: a table per build
        assert got["compute_metrics"][0] == got["build_pages"][0]


class TestAvailableMemory:
    @staticmethod
    def files(tmp_path, monkeypatch, *, limit: str | None, usage: int = 0,
              stat: str = "") -> None:
        meminfo = tmp_path / "meminfo"
        meminfo.write_text("MemTotal:       24684084 kB\nMemAvailable:   8000000 kB\n")
        monkeypatch.setattr(workers, "_MEMINFO", str(meminfo))
        files = []
        if limit is not None:
            (tmp_path / "memory.max").write_text(limit + "\n")
            (tmp_path / "memory.current").write_text(f"{usage}\n")
            (tmp_path / "memory.stat").write_text(stat)
            files.append(tuple(str(tmp_path / n)
                               for n in ("memory.max", "memory.current", "memory.stat")))
        monkeypatch.setattr(workers, "_CGROUP_LIMITS", tuple(files))

    @pytest.mark.parametrize(
        ("limit", "usage", "stat", "expected"),
        [
            (None, 0, "", 8_000_000 * 1024),  # no control group: MemAvailable
            ("max", 5, "", 8_000_000 * 1024),  # cgroup v2 without a limit
            ("9223372036854771712", 5, "", 8_000_000 * 1024),  # cgroup v1 without a limit
            (str(6 * 2**30), 2**30, "", 5 * 2**30),  # a 6 GiB container using 1 GiB
            # 3 GiB used, 2 GiB of it inactive file cache (v2 / v1 names): 5 GiB of room
            (str(6 * 2**30), 3 * 2**30, f"anon 1\ninactive_file {2 * 2**30}\n", 5 * 2**30),
            (str(6 * 2**30), 3 * 2**30, f"total_inactive_file {2 * 2**30}\n", 5 * 2**30),
            (str(2**30), 2 * 2**30, "", 0),  # over its limit: nothing left
        ],
        ids=["no-cgroup", "v2-max", "v1-unlimited", "container-limit", "file-cache-v2",
             "file-cache-v1", "over-limit"],
    )
    def test_meminfo_and_container_limit(self, tmp_path, monkeypatch, limit, usage, stat,
                                         expected):
        self.files(tmp_path, monkeypatch, limit=limit, usage=usage, stat=stat)
        assert workers.available_memory() == expected

    def test_unknown_without_meminfo(self, tmp_path, monkeypatch):
        monkeypatch.setattr(workers, "_MEMINFO", str(tmp_path / "missing"))
        assert workers.available_memory() is None
