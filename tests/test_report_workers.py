"""The report runner's page builds in forked worker processes (``jobs > 1``) on the sample.

Kept apart from ``test_report.py``, whose module fixture replaces the page builds by fake
headline figures.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from retention_lib import clv_report, diagnostics, memo, report, workers
from retention_lib.cache import active_cache
from retention_lib.io import load_dataset
from retention_lib.monthly import notebook_settings
from retention_lib.report import ReportError, run_report
from tests.test_report import write_good_notebooks

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
NOTEBOOKS = frozenset(
    {"monthly_report", "churn_diagnostics", "contact_discipline", "customer_base", "clv"}
)
PARAMETERS = {"config_path": "", "company_name": "", "language": "en"}

pytestmark = pytest.mark.skipif(not workers.can_fork(), reason="no fork on this platform")


def _forget_in_process_results() -> None:
    memo.clear_memory()
    clv_report._CACHE.clear()
    diagnostics._CACHE.clear()


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """``_compute_metrics`` of every page, once with jobs=1 and once with jobs=2."""
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
            metrics, contact = report._compute_metrics(
                ds, "2026-10", parameters=PARAMETERS, notebooks=NOTEBOOKS, jobs=jobs,
                worker_stats=stats,
            )
            own = report._stats_since(before)
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
