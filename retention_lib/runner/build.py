"""The pages built by the report runner before any notebook kernel starts.

:func:`compute_metrics` builds, once per run, every page the notebooks will show (through
:mod:`retention_lib.pages.registry`: the very calls of the notebooks' setup cells) and the
headline figures of ``metrics.json`` from the same results; with the run cache active
(:mod:`retention_lib.caching.memo`) the kernels read those pages instead of building them
again.  With ``jobs > 1`` the pages are built in two worker processes
(:mod:`retention_lib.runner.workers`) when the memory allows.  :func:`page_reuse` and
:func:`memo_summary` give the runner's log lines that count what was built and reused.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..analysis.pinned import pinned_aggregates, pinned_rows
from ..caching import memo
from ..data.memory import release_memory
from ..pages import clv_core, context, diagnostics, discipline, monthly_metrics, registry
from ..periods import report_as_of
from . import workers

__all__ = [
    "ONE_BUILD_PER_TABLE_BYTE",
    "TWO_BUILDS_PER_TABLE_BYTE",
    "build_pages",
    "compute_metrics",
    "log_lines",
    "memo_summary",
    "page_reuse",
    "release_analysis_memory",
    "stats_since",
]

#: The runner's log name of each notebook's page build.
_STEP_NAMES = {"monthly_report": "monthly", "customer_base": "customer base",
               "churn_diagnostics": "diagnostics", "contact_discipline": "contact discipline",
               "clv": "CLV page"}


def compute_metrics(
    dataset: Any, period: str, *, parameters: Mapping[str, str],
    notebooks: frozenset[str] = frozenset(), say: Callable[[str], None] | None = None,
    jobs: int = 1, worker_stats: dict[str, int] | None = None,
) -> tuple[dict[str, Any], Any]:
    """:func:`build_pages` with what every page starts from computed first, once: the rows
    up to the month's end (:func:`retention_lib.analysis.pinned.pinned_rows`) and the
    transactions' customer codes and per-customer-day table
    (:func:`retention_lib.analysis.pinned.pinned_aggregates`).  The worker processes
    inherit them instead of each build making its own copy of the rows and its own pass
    over them."""
    as_of = report_as_of(period, dataset.data_end)
    with contextlib.ExitStack() as pinned:
        with _timer(say)("month's rows and customer-day table"):
            pinned.enter_context(pinned_aggregates(dataset.transactions, as_of=as_of))
            if dataset.contacts is not None:
                pinned.enter_context(pinned_rows(dataset.contacts, as_of))
        return build_pages(dataset, period, parameters=parameters, notebooks=notebooks,
                            say=say, jobs=jobs, worker_stats=worker_stats)


def build_pages(
    dataset: Any, period: str, *, parameters: Mapping[str, str],
    notebooks: frozenset[str] = frozenset(), say: Callable[[str], None] | None = None,
    jobs: int = 1, worker_stats: dict[str, int] | None = None,
) -> tuple[dict[str, Any], Any]:
    """Headline figures for ``metrics.json``, after building the pages of ``notebooks``.

    Every page the notebooks will show is built here once, before any kernel starts, through
    :func:`retention_lib.pages.registry.build`: with the run cache active
    (:mod:`retention_lib.caching.memo`) each builder's result is stored and the kernels, whose
    setup cells make the very same registry calls (the settings
    :func:`retention_lib.pages.context.notebook_settings` gives them from the same parameters),
    read it instead of computing it again.  ``notebooks`` empty: only what
    the headline figures need.

    With ``jobs > 1`` the pages are built in two worker processes forked from this one
    (:mod:`retention_lib.runner.workers`): the churn pages (diagnostics, then the executive report)
    and the others (contact discipline, customer base, CLV page), side by side; the run cache
    hands their results back.  ``worker_stats`` (a dict, filled in) receives the workers'
    :func:`retention_lib.caching.memo.cache_stats`, which this process's counts do not include.

    :func:`retention_lib.pages.monthly_metrics.report_metrics` holds every section (``compliance``,
    ``at_risk``, ``backtest``, ``winback``, ``clv``); each is ``None`` when its input table is
    missing, so ``metrics.json`` always has the same keys.  Returns ``(metrics, discipline
    report)``: the contact-discipline report (in the report language) feeds the call lists
    (:func:`_write_extra_files`).
    """
    settings = context.notebook_settings(
        parameters["config_path"], company_name=parameters["company_name"],
        language=parameters["language"], data_end=dataset.settings.data_end,
    )
    ds = dataclasses.replace(dataset, settings=settings)  # what a kernel's load_dataset gives
    worker_stats = {} if worker_stats is None else worker_stats
    if notebooks:
        _build_notebook_pages(ds, period=period, settings=settings, notebooks=notebooks,
                              say=say, jobs=jobs, worker_stats=worker_stats)
    return _headline_figures(ds, period=period, settings=settings,
                             language=parameters["language"], timed=_timer(say))


def _build_notebook_pages(
    ds: Any, *, period: str, settings: Any, notebooks: frozenset[str],
    say: Callable[[str], None] | None, jobs: int, worker_stats: dict[str, int],
) -> None:
    """The pages of notebooks/*.ipynb (registry.build: the very calls of their setup cells)
    and what the executive report's blocks read, in two groups (:func:`build_pages`); adds
    the workers' cache counts to ``worker_stats`` when they ran in worker processes."""
    timed = _timer(say)
    timed_say = say if say is not None else (lambda line: None)
    call = {"period": period, "settings": settings}

    def build(notebook: str, timed) -> None:
        with timed(_STEP_NAMES[notebook]):
            page = registry.build(notebook, ds, **call)
        registry.share_derived(notebook, page, ds, **call)

    # The CLV model is needed by both groups below (diagnostics' probability alive, the CLV
    # page): it is fitted first, here, and every worker starts with it in memory; the first
    # group stores it for the kernels (pickling it computes its drops and tiers: ~10 s at 20M
    # transactions, which the second group's longer run covers)
    with timed("CLV model"):
        core = clv_core.fit_core(ds, **call)

    def churn_pages(say: Callable[[str], None]) -> dict[str, int]:
        before, timed = memo.cache_stats(), _timer(say)
        with timed("CLV model stored"):
            clv_core.seed_core(core, ds, **call)
        build("churn_diagnostics", timed)  # the executive report reads it
        build("monthly_report", timed)
        return stats_since(before)

    def other_pages(say: Callable[[str], None]) -> dict[str, int]:
        before, timed = memo.cache_stats(), _timer(say)
        for notebook in ("contact_discipline", "customer_base", "clv"):
            if notebook in notebooks:
                build(notebook, timed)
        return stats_since(before)

    # two groups of about equal length at scale (benchmarks/results/report_scale.md),
    # each in a worker process forked with the loaded tables when jobs > 1; every page
    # lands in the run cache, where the steps below and the notebooks read it
    forked = jobs > 1 and workers.can_fork()
    if forked:
        release_memory()  # workers do not inherit the loader's freed heap
        forked = _room_for_two_builds(ds, say=timed_say)
    counts = workers.run_tasks(
        [("diagnostics", churn_pages), ("contact discipline", other_pages)],
        say=timed_say, parallel=forked,
    )
    if forked:
        for count in counts:
            for name, value in count.items():
                worker_stats[name] = worker_stats.get(name, 0) + value


def _headline_figures(
    ds: Any, *, period: str, settings: Any, language: str, timed
) -> tuple[dict[str, Any], Any]:
    """``(metrics, contact-discipline report)`` of :func:`build_pages`, from the run cache."""
    with timed("contact-discipline block"):
        # discipline.executive_block's report: its plan also feeds the call lists
        contact = discipline.executive_report(ds, period=period, settings=settings,
                                              lang=language)
    with timed("headline figures"):
        metrics = dict(monthly_metrics.report_metrics(ds, period=period, settings=settings,
                                                      contact_discipline=contact))
    if contact is not None and contact.plan is not None:
        # the call lists carry the director's save and win-back targets (the diagnostics
        # the headline figures just built, from the run cache)
        contact = discipline.with_targets(contact, diagnostics.diagnostics_for(
            ds, period=period, settings=settings, lang=language))
    return metrics, contact


#: Memory the page builds take beyond the loaded tables, per byte of tables, measured at
#: 21M transactions / 37M contacts (3.46 GB of tables; benchmarks/results/report_scale.md):
#: two workers side by side peaked about 11.4 GB above the runner's 4 GB after loading,
#: the builds one after the other (``--jobs 1``) about 8.2 GB.
TWO_BUILDS_PER_TABLE_BYTE = 3.3
ONE_BUILD_PER_TABLE_BYTE = 2.4


def _room_for_two_builds(dataset: Any, *, say: Callable[[str], None]) -> bool:
    """Whether the pages may be built in two workers side by side: the memory available
    (:func:`retention_lib.runner.workers.available_memory`) holds what two builds take for tables
    of this size.  Otherwise they are built one after the other in this process (slower,
    a third less memory at 20M transactions) rather than risk the out-of-memory killer; the
    log says why.  Unknown available memory: two workers."""
    available = workers.available_memory()
    tables = sum(int(f.memory_usage(deep=True).sum()) for f in dataset.tables.values())
    two = TWO_BUILDS_PER_TABLE_BYTE * tables
    if available is None or available >= two:
        return True
    one = ONE_BUILD_PER_TABLE_BYTE * tables
    say(f"pages built one at a time, not in two workers: for {tables / 1e9:.1f} GB of tables "
        f"two builds side by side take about {two / 1e9:.1f} GB more, one {one / 1e9:.1f} GB, "
        f"and {available / 1e9:.1f} GB is available"
        + ("" if available >= one else " (it may not be enough: close other programs or "
           "add memory)"))
    return False


def stats_since(before: dict[str, int]) -> dict[str, int]:
    """This process's :func:`retention_lib.caching.memo.cache_stats` counted since ``before``."""
    return {name: value - before.get(name, 0) for name, value in memo.cache_stats().items()}


def _timer(say: Callable[[str], None] | None):
    """``with timed("step"):`` logs ``step: 1.2 s`` through ``say`` (nothing when ``None``)."""

    @contextlib.contextmanager
    def timed(step: str):
        start = time.perf_counter()
        yield
        if say is not None:
            say(f"  {step}: {time.perf_counter() - start:.1f} s")

    return timed


def release_analysis_memory() -> None:
    """Drop the in-process caches that keep the dataset alive (the results are on disk)."""
    memo.clear_memory()
    gc.collect()
    release_memory()  # pyarrow's pool and the C heap give the freed tables back


def _read_log(cache_dir: Path) -> list[str]:
    try:
        return (cache_dir / "results.log").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


def log_lines(cache_dir: Path) -> int:
    """Lines in the run cache's log so far (those of the runner and its workers)."""
    return len(_read_log(cache_dir))


def page_reuse(cache_dir: Path, *, runner_lines: int) -> str:
    """One log line from the run cache's log: pages built by the runner (its first
    ``runner_lines`` lines, written before any kernel started: the runner and its build
    workers), reused by the notebooks, built again in a notebook (0 unless a notebook makes a
    call the runner did not foresee), tables a notebook had to read."""
    built = reused = rebuilt = 0
    read: set[str] = set()
    for number, line in enumerate(_read_log(cache_dir)):
        _, what, *rest = line.split()
        runner = number < runner_lines
        if what == "built":
            built += runner
            rebuilt += not runner
        elif what == "reused" and not runner:
            reused += 1
        elif what == "read" and not runner:
            read.add(rest[-1])
    tables = ", ".join(sorted(read)) or "none"
    return (
        f"pages: {built} built by the runner, {reused} reused by the notebooks, "
        f"{rebuilt} built again in a notebook; tables read by the notebooks: {tables}"
    )


def memo_summary(worker_stats: Mapping[str, int]) -> str:
    stats = memo.cache_stats()
    built = stats["misses"] + worker_stats.get("misses", 0)
    reused = stats["hits"] + worker_stats.get("hits", 0)
    return f"{built} built, {reused} reused"
