"""The monthly report runner: validate → execute notebooks → render HTML → publish atomically.

:func:`run_report` is what ``retention report`` calls.  Order of work (nothing is written
before step 5):

1. settings from ``config``; language = ``lang`` or ``settings.language`` (en/ru/uk);
2. the dataset is loaded and validated (:func:`retention_lib.data.io.load_dataset`, report date =
   today, so rows after the requested month are allowed and older months can be rebuilt);
3. the period: ``period`` or, by default, the last *complete* calendar month in the data (the
   month of the latest transaction once that month is over by today, else the month before;
   see :func:`default_period`); a month outside the data's date range is an error naming
   the range;
4. each notebook must declare every parameter the runner passes
   (``data_dir``, ``config_path``, ``period``, ``company_name``, ``language``), checked with
   ``papermill.inspect_notebook``;
5. under the lock ``OUT/.lock-<period>``, every page the notebooks show is built once in
   the runner (:func:`retention_lib.runner.build.compute_metrics`;
   :mod:`retention_lib.caching.memo` stores each result in the run cache; with ``jobs > 1``
   in two worker processes forked with the loaded dataset,
   :mod:`retention_lib.runner.workers`) and the headline figures come from the same results; a
   page that fails in a worker fails the run like one failing in the runner; the dataset is then
   released and each notebook is executed into ``OUT/.staging-<period>-<pid>/``, where its
   kernel reuses the built pages, and rendered to HTML (``monthly_report`` →
   ``index.html``, any other ``name`` → ``name.html``), up to ``jobs`` notebooks at a time
   (one kernel each; default :data:`DEFAULT_JOBS`); ``metrics.json`` is written; the
   staging folder is renamed to ``OUT/<period>/`` (see :mod:`retention_lib.runner.publish`) and
   ``OUT/index.html`` is rebuilt (:mod:`retention_lib.runner.archive`).

On a failing notebook the executed notebook is kept in ``OUT/failed/<period>-<timestamp>/``
with an ``error.txt``, the staging folder is removed, the previous report stays untouched and
:class:`ReportError` names the notebook, the cell (0-based index in the source notebook and its
first line), the exception line and the failed folder.  With ``jobs > 1`` the first failure
stops notebooks that have not started yet; those already running are let finish (a kernel is
not interrupted mid-cell), and every notebook that failed is kept and named, in notebook order.

Speed (see ``benchmarks/report_sample.py`` and ``benchmarks/report_scale.py``): the dataset
is loaded and validated once by the runner and stored in a private run cache
(:mod:`retention_lib.caching.cache`, a temporary folder outside ``OUT`` removed after the run); the
kernels find it through ``RETENTION_CACHE_DIR``, so :func:`retention_lib.data.io.load_dataset` in a
notebook gets the dataset with its tables read only on first use, and the pages' builders
(:mod:`retention_lib.caching.memo`) read what the runner built: each page is computed once per run
instead of up to three times, and no kernel holds the transactions.  The runner logs
``pages: N built by the runner, M reused by the notebooks, 0 built again in a notebook``.

The period folder is replaced as a whole: ``notebooks`` selects what the new folder contains;
``monthly_report`` is always run because it is the folder's ``index.html``.
"""

from __future__ import annotations

import calendar
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..caching.cache import CACHE_ENV, active_cache
from ..config import LANGUAGES, Settings, load_settings
from ..data.io import AS_OF_ENV, load_dataset
from ..pages import discipline_calllists
from ..periods import (
    DATA_END_ENV,
    TRAILING_DAYS,
    is_partial,
    last_complete_month,
)
from .archive import write_archive_index
from .build import compute_metrics, log_lines, memo_summary, page_reuse, release_analysis_memory
from .execute import NotebookFailure, check_parameters, execute_notebook, run_each
from .metrics_file import write_metrics
from .publish import (
    LockError,
    failed_folder,
    period_lock,
    publish_folder,
    remove_stale_staging,
    staging_folder,
)
from .render import PageLink, RenderError, page_links, render_html
from .workers import WorkerError

__all__ = [
    "DEFAULT_JOBS",
    "EXECUTIVE_NOTEBOOK",
    "NotebookRun",
    "ReportError",
    "ReportResult",
    "default_notebooks_dir",
    "default_period",
    "run_report",
]

EXECUTIVE_NOTEBOOK = "monthly_report"
#: Notebooks executed at a time by default: one kernel per core, at most 2.  Measured on the
#: shared 2-core build machine (benchmarks/results/report_sample.txt): jobs=2 took 0.70x the
#: wall time of jobs=1; jobs=3 was not reliably faster than 2 (each kernel is CPU-bound).
DEFAULT_JOBS = max(1, min(2, os.cpu_count() or 1))
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_TITLES = {"en": "Customer retention", "ru": "Удержание клиентов", "uk": "Утримання клієнтів"}


class ReportError(RuntimeError):
    """The report could not be built; nothing was published.

    ``exit_code`` is 2 for wrong usage (unknown language, malformed period, unknown notebook),
    1 otherwise (failed notebook, period outside the data, lock held by another run).
    """

    def __init__(self, message: str, *, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class NotebookRun:
    """One executed notebook: its name, the HTML and ipynb file names, and seconds taken."""

    name: str
    html: str
    ipynb: str
    seconds: float


@dataclass(frozen=True)
class ReportResult:
    """What a successful :func:`run_report` published.

    Attributes
    ----------
    period
        ``YYYY-MM``.
    folder
        ``OUT/<period>/``.
    index_html, metrics_json
        The executive report and the metrics file inside ``folder``.
    archive_index
        ``OUT/index.html``.
    notebooks
        The notebooks run, in order.
    metrics
        The content of ``metrics.json``.
    """

    period: str
    folder: Path
    index_html: Path
    metrics_json: Path
    archive_index: Path
    notebooks: tuple[NotebookRun, ...]
    metrics: dict[str, Any] = field(repr=False)


# --------------------------------------------------------------------------- helpers


def default_notebooks_dir() -> Path:
    """``notebooks/`` next to the package (a source checkout), else ``./notebooks``."""
    here = Path(__file__).resolve().parents[2] / "notebooks"
    return here if here.is_dir() else Path.cwd() / "notebooks"


def _period_bounds(period: str) -> tuple[date, date]:
    match = _PERIOD.match(period)
    if not match:
        raise ReportError(
            f"period {period!r} is not a month; use YYYY-MM, e.g. 2026-10", exit_code=2
        )
    year, month = int(match.group(1)), int(match.group(2))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def default_period(data_end: date) -> str:
    """The default report period: the last month the data cover (``YYYY-MM``).

    :func:`retention_lib.periods.last_complete_month`: the month of ``data_end`` counts when
    it ends at most :data:`~retention_lib.periods.TRAILING_DAYS` days after ``data_end``
    (weekends, holidays), otherwise the month before.  So data ending on Friday 2026-10-30
    give ``"2026-10"`` (reported up to the 30th), data ending on 2010-12-09 ``"2010-11"``.
    """
    return last_complete_month(data_end)


def _resolve_period(
    period: str | None, first: date, data_end: date
) -> tuple[str, date]:
    """``(period, as_of)``: the period asked for, or the default one, checked against the
    data (``first`` .. ``data_end``); ``as_of = min(end of the period, data_end)``."""
    span = f"{first.isoformat()} to {data_end.isoformat()}"
    if period is None:
        chosen = default_period(data_end)
        start, end = _period_bounds(chosen)
        if end < first:
            raise ReportError(
                f"the data ({span}) cover no calendar month (a month counts when the data "
                f"end within its last {TRAILING_DAYS} days); pass --period YYYY-MM to report "
                f"the partial month {data_end:%Y-%m}"
            )
        return chosen, min(end, data_end)
    start, end = _period_bounds(period)
    if end < first or start > data_end:
        raise ReportError(
            f"period {period} is outside the data: the data run from {span}; choose a "
            f"month between {first:%Y-%m} and {data_end:%Y-%m}"
        )
    return period, min(end, data_end)


def _resolve_notebooks(
    notebooks: Sequence[str] | None, notebooks_dir: Path
) -> list[Path]:
    available = sorted(p.stem for p in notebooks_dir.glob("*.ipynb"))
    if EXECUTIVE_NOTEBOOK not in available:
        raise ReportError(
            f"the executive notebook {EXECUTIVE_NOTEBOOK}.ipynb is missing from {notebooks_dir}",
            exit_code=2,
        )
    wanted = [n.removesuffix(".ipynb") for n in notebooks] if notebooks else available
    unknown = [n for n in wanted if n not in available]
    if unknown:
        raise ReportError(
            f"unknown notebook(s) {', '.join(unknown)}; available in {notebooks_dir}: "
            f"{', '.join(available)}",
            exit_code=2,
        )
    ordered = [EXECUTIVE_NOTEBOOK] + [n for n in dict.fromkeys(wanted) if n != EXECUTIVE_NOTEBOOK]
    return [notebooks_dir / f"{n}.ipynb" for n in ordered]


def _html_name(notebook: Path) -> str:
    return "index.html" if notebook.stem == EXECUTIVE_NOTEBOOK else f"{notebook.stem}.html"


def _say(progress: Callable[[str], None] | None) -> Callable[[str], None]:
    if progress is not None:
        return progress
    return lambda line: print(line, file=sys.stderr, flush=True)


def _write_extra_files(contact_report: Any, staging: Path) -> None:
    """Files beside the HTML pages: the per-manager call lists (``call_lists/*.xlsx`` and a
    ``*.csv`` beside each).

    ``contact_report`` is the discipline report from
    :func:`~retention_lib.runner.build.compute_metrics` (``None``: nothing to write).
    """
    if contact_report is None:
        return
    discipline_calllists.write_report_call_lists(contact_report, staging / "call_lists")


# --------------------------------------------------------------------------- runner


def _checked_options(
    *, config: str | Path | None, lang: str | None, data_end: str | date | None,
    period: str | None, cell_timeout: int, jobs: int | None,
) -> tuple[Settings, str, int]:
    """:func:`run_report`'s options, checked before any data is read (a usage error: exit
    code 2): ``(settings with the report language and data end, language, jobs)``."""
    settings = load_settings(config)
    language = lang or settings.language
    if language not in LANGUAGES:
        raise ReportError(
            f"language {language!r} is not supported; choose one of {', '.join(LANGUAGES)}",
            exit_code=2,
        )
    # the report language reaches every in-process product (metrics are language-free; the
    # call lists' headers are not)
    settings = settings.replace(language=language)
    if data_end is not None:
        settings = settings.replace(data_end=data_end)
    if period is not None:
        _period_bounds(period)  # malformed month: usage error before reading any data
    if cell_timeout <= 0:
        raise ReportError(f"cell timeout must be positive, got {cell_timeout}", exit_code=2)
    jobs = DEFAULT_JOBS if jobs is None else jobs
    if jobs < 1:
        raise ReportError(f"jobs must be at least 1, got {jobs}", exit_code=2)
    return settings, language, jobs


def run_report(
    *,
    data: str | Path,
    config: str | Path | None = None,
    period: str | None = None,
    out: str | Path = "reports",
    notebooks: Sequence[str] | None = None,
    cell_timeout: int = 600,
    lang: str | None = None,
    notebooks_dir: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
    jobs: int | None = None,
    dataset_cache: bool = True,
    data_end: str | date | None = None,
) -> ReportResult:
    """Build the monthly report for one period into ``OUT/<period>/``, all or nothing.

    Parameters
    ----------
    data
        Folder of input tables (see the data contract).
    config
        YAML settings file, or ``None`` for the defaults.
    period
        ``YYYY-MM``; default: the last month the data cover
        (:func:`retention_lib.periods.last_complete_month`: the data may end up to
        :data:`~retention_lib.periods.TRAILING_DAYS` days before the month's end).  A month
        the data end in is reported up to the data end and marked partial.
    out
        Reports folder; the report goes to ``out/<period>/``, the archive page to
        ``out/index.html``.
    notebooks
        Names (without ``.ipynb``) of the notebooks to run; default: every notebook in
        ``notebooks_dir``.  ``monthly_report`` is always included.
    cell_timeout
        Seconds allowed per cell.
    lang
        ``en``, ``ru`` or ``uk``; default: the config's ``language``.
    notebooks_dir
        Where the notebooks are; default :func:`default_notebooks_dir`.
    progress
        Receives one plain log line per step (called from worker threads when ``jobs > 1``);
        default: print to stderr.  Papermill's progress bar is shown only when stdout is a
        terminal and ``jobs`` is 1.
    jobs
        Notebooks executed at a time (one kernel each); default :data:`DEFAULT_JOBS`.
    data_end
        The last day the data cover (``YYYY-MM-DD``), overriding the config's ``data_end``
        and the last date present in the data (:attr:`retention_lib.data.io.Dataset.data_end`).
    dataset_cache
        Hand the validated dataset to the kernels through a private temporary cache
        (:mod:`retention_lib.caching.cache`) instead of letting each re-read the files.

    Returns
    -------
    ReportResult

    Raises
    ------
    retention_lib.config.ConfigError
        Unreadable or invalid ``config``.
    retention_lib.data.io.DataValidationError
        Bad input data (nothing written).
    ReportError
        Anything else that stops the run (nothing published; see the module docstring).
    """
    say = _say(progress)
    settings, language, jobs = _checked_options(config=config, lang=lang, data_end=data_end,
                                                period=period, cell_timeout=cell_timeout, jobs=jobs)
    data_dir = Path(data).resolve()
    config_path = Path(config).resolve() if config is not None else None
    out_dir = Path(out).resolve()
    nb_dir = Path(notebooks_dir).resolve() if notebooks_dir else default_notebooks_dir()
    sources = _resolve_notebooks(notebooks, nb_dir)

    cache_dir = Path(tempfile.mkdtemp(prefix="retention-cache-")) if dataset_cache else None
    try:
        with active_cache(cache_dir):
            return _validate_and_build(
                data_dir=data_dir, config_path=config_path, out_dir=out_dir, sources=sources,
                settings=settings, language=language, period=period,
                cell_timeout=cell_timeout, jobs=jobs, cache_dir=cache_dir, say=say,
            )
    finally:
        if cache_dir is not None:
            shutil.rmtree(cache_dir, ignore_errors=True)


def _validate_and_build(
    *,
    data_dir: Path,
    config_path: Path | None,
    out_dir: Path,
    sources: list[Path],
    settings: Settings,
    language: str,
    period: str | None,
    cell_timeout: int,
    jobs: int,
    cache_dir: Path | None,
    say: Callable[[str], None],
) -> ReportResult:
    say(f"validating {data_dir}")
    worker_stats: dict[str, int] = {}
    # one date for the whole run, kernels included (AS_OF_ENV): a run started before
    # midnight otherwise had kernels load the data for the next day, missing every cache
    today = date.today()
    dataset = load_dataset(data_dir, config=settings, as_of=today, cache_dir=cache_dir)
    if settings.data_end is not None and settings.data_end > today:
        raise ReportError(
            f"data_end {settings.data_end} is after today ({today}): the data cannot cover "
            "days that have not come", exit_code=2,
        )
    dates = dataset.transactions["date"]
    first, last, data_end = dates.min().date(), dates.max().date(), dataset.data_end.date()
    period, as_of = _resolve_period(period, first, data_end)
    say(f"period {period} (data {first} to {data_end}; last transaction {last})")
    if is_partial(period, data_end):
        say(f"period {period} is partial: the data end on {data_end}; every figure is "
            f"measured up to {as_of}")

    parameters = {
        "data_dir": str(data_dir),
        "config_path": str(config_path) if config_path else "",
        "period": period,
        "company_name": settings.company_name,
        "language": language,
    }
    for source in sources:
        try:
            check_parameters(source, parameters)
        except ValueError as exc:
            raise ReportError(f"{exc}; nothing was executed", exit_code=2) from None

    inputs = {
        table: {"file": Path(dataset.sources[table]).name, "sha256": sha}
        for table, sha in dataset.sha256.items()
    }
    try:
        with period_lock(out_dir, period):
            say("building the pages' tables")
            try:
                analyses = compute_metrics(
                    dataset, period, parameters=parameters,
                    notebooks=frozenset(s.stem for s in sources) if cache_dir else frozenset(),
                    say=say, jobs=jobs, worker_stats=worker_stats,
                )
            except Exception as exc:  # noqa: BLE001 - report which step failed
                kind = exc.kind if isinstance(exc, WorkerError) else type(exc).__name__
                text = exc.message if isinstance(exc, WorkerError) else str(exc)
                raise ReportError(
                    f"computing the headline figures for metrics.json failed: "
                    f"{kind}: {text}; nothing was published"
                ) from exc
            del dataset  # the kernels read the built pages; free the tables before they start
            release_analysis_memory()
            say(f"tables built ({memo_summary(worker_stats)})")
            runner_lines = log_lines(cache_dir) if cache_dir is not None else 0
            kernel_env = {AS_OF_ENV: today.isoformat()}  # the run's date in every kernel
            if settings.data_end is not None:  # --data-end: the kernels' settings hold it too
                kernel_env[DATA_END_ENV] = settings.data_end.isoformat()
            if cache_dir is not None:
                kernel_env[CACHE_ENV] = str(cache_dir)
            return _build(
                sources=sources,
                parameters=parameters,
                out_dir=out_dir,
                period=period,
                as_of=as_of,
                data_end=data_end,
                language=language,
                settings=settings,
                inputs=inputs,
                analyses=analyses,
                cell_timeout=cell_timeout,
                jobs=jobs,
                kernel_env=kernel_env,
                runner_lines=runner_lines,
                say=say,
            )
    except LockError as exc:
        raise ReportError(str(exc)) from None


def _run_notebook(
    source: Path,
    *,
    staging: Path,
    parameters: dict[str, str],
    cell_timeout: int,
    progress_bar: bool,
    kernel_env: dict[str, str] | None,
    title: str,
    language: str,
    say: Callable[[str], None],
    nav: Sequence[PageLink] = (),
) -> NotebookRun:
    """Execute one notebook into ``staging`` and render its page there.

    Raises :class:`~retention_lib.runner.execute.NotebookFailure` or :class:`ReportError` (render).
    """
    executed = staging / source.name
    say(f"executing {source.name} …")
    seconds = execute_notebook(
        source,
        executed,
        parameters=parameters,
        cwd=source.parent,
        cell_timeout=cell_timeout,
        progress_bar=progress_bar,
        env=kernel_env,
    )
    say(f"{source.name} done in {seconds:.1f} s")
    html_name = _html_name(source)
    try:
        page = render_html(executed, title=title, language=language, nav=nav,
                           current=source.stem)
    except RenderError as exc:
        raise ReportError(f"rendering {source.name} failed: {exc}") from exc
    (staging / html_name).write_text(page, encoding="utf-8")
    return NotebookRun(source.stem, html_name, source.name, round(seconds, 2))


def _report_failures(
    failures: list[tuple[Path, BaseException]], *, out_dir: Path, period: str
) -> ReportError:
    """Keep the failed executed notebooks and build the error naming each failure."""
    notebook_failures = [(s, e) for s, e in failures if isinstance(e, NotebookFailure)]
    if not notebook_failures:
        source, exc = failures[0]
        if isinstance(exc, ReportError):
            return exc
        return ReportError(f"running {source.name} failed: {type(exc).__name__}: {exc}")
    kept = failed_folder(out_dir, period)
    for source, failure in notebook_failures:
        if failure.executed.exists():
            shutil.move(str(failure.executed), kept / source.name)
    described = "\n".join(str(failure) for _, failure in notebook_failures)
    message = (
        f"report for {period} failed: {described}\n"
        f"The failed notebook is kept in {kept}; the previous report (if any) "
        "is unchanged."
    )
    (kept / "error.txt").write_text(message + "\n", encoding="utf-8")
    error = ReportError(message)
    error.__cause__ = notebook_failures[0][1]
    return error


def _build(
    *,
    sources: list[Path],
    parameters: dict[str, str],
    out_dir: Path,
    period: str,
    as_of: date,
    language: str,
    settings: Settings,
    inputs: dict[str, Any],
    data_end: date | None = None,
    analyses: tuple[dict[str, Any], Any],
    cell_timeout: int,
    jobs: int,
    kernel_env: dict[str, str] | None,
    say: Callable[[str], None],
    runner_lines: int = 0,
) -> ReportResult:
    remove_stale_staging(out_dir, period)
    staging = staging_folder(out_dir, period)
    title = " — ".join(part for part in (settings.company_name, _TITLES[language], period)
                       if part)
    jobs = min(jobs, len(sources))
    nav = page_links([s.stem for s in sources], language=language)

    def run_one(source: Path) -> NotebookRun:
        return _run_notebook(
            source, staging=staging, parameters=parameters, cell_timeout=cell_timeout,
            progress_bar=jobs == 1 and sys.stdout.isatty(), kernel_env=kernel_env,
            title=title, language=language, say=say, nav=nav,
        )

    headline, contact_report = analyses
    try:
        runs, failures = run_each(sources, jobs=jobs, run=run_one)
        if failures:
            raise _report_failures(failures, out_dir=out_dir, period=period)
        if kernel_env is not None:
            say(page_reuse(Path(kernel_env[CACHE_ENV]), runner_lines=runner_lines))

        metrics = write_metrics(
            staging / "metrics.json", headline, period=period, as_of=as_of,
            data_end=data_end, language=language, company_name=settings.company_name,
            inputs=inputs, notebooks=[run.__dict__ for run in runs],
        )
        _write_extra_files(contact_report, staging)
        folder = out_dir / period
        publish_folder(staging, folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    archive = write_archive_index(out_dir, language=language)
    say(f"published {folder}")
    return ReportResult(
        period=period,
        folder=folder,
        index_html=folder / "index.html",
        metrics_json=folder / "metrics.json",
        archive_index=archive,
        notebooks=tuple(runs),
        metrics=metrics,
    )
