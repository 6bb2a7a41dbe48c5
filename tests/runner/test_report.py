"""Tests of the report runner (retention_lib.runner.report and its helpers
execute/render/publish/archive).

Most tests run tiny notebooks written into tmp folders, with the headline figures of
``metrics.json`` replaced by a fake (the runner's contract with ``monthly_metrics.report_metrics``).
One successful run is shared by the module (kernel start-up costs ~1-2 s per notebook).
When the real notebooks and ``retention_lib.pages.monthly_metrics`` exist, an end-to-end run on a
small generated dataset checks the rendered pages, including hostile customer names.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from retention_lib.data.io import DataValidationError
from retention_lib.runner import report
from retention_lib.runner.archive import build_archive_index, headline
from retention_lib.runner.publish import LockError, period_lock
from retention_lib.runner.render import DirectorOutputPreprocessor, external_references
from retention_lib.runner.report import ReportError, default_period, run_report

REPO = Path(__file__).resolve().parents[2]
PARAMETERS_CELL = (
    'data_dir = ""\nconfig_path = ""\nperiod = "2026-01"\ncompany_name = ""\nlanguage = "en"'
)
# transactions end on 2026-03-31 (a month's last day) → default period 2026-03
TRANSACTIONS = "customer_id,date,amount\nc1,2026-01-05,100\nc2,2026-02-10,50\nc1,2026-03-31,20\n"
FAKE_METRICS = {  # the shape of monthly_metrics.report_metrics (only the keys the runner reads)
    "period": "2026-03",
    "as_of": "2026-03-31",
    "customer_churn": 0.125,
    "revenue_churn": 0.25,
    "status": "warning",
    "revenue_status": "critical",
    "customers": {"active": 2, "lost_this_month": 1, "won_back_this_month": 0},
}
SECRET_CODE = "secret_variable_name_42"


def write_notebook(path: Path, *cells, parameters: str = PARAMETERS_CELL) -> Path:
    """A notebook with a tagged parameters cell followed by ``cells`` (str = code)."""
    nb = new_notebook(
        cells=[new_code_cell(parameters, metadata={"tags": ["parameters"]})]
        + [new_code_cell(c) if isinstance(c, str) else c for c in cells]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python"
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def write_good_notebooks(folder: Path) -> Path:
    write_notebook(
        folder / "monthly_report.ipynb",
        new_markdown_cell("# Executive report"),
        f"import sys, warnings\n{SECRET_CODE} = 1\nprint(sys.executable)",
        "warnings.warn('deprecated thing')\nprint('on stderr', file=sys.stderr)",
        "from IPython.display import HTML\n"
        "HTML(f'<p class=\"verdict\">Report for {period} in {language}</p>')",
    )
    write_notebook(folder / "customer_base.ipynb", "print('customer base page')")
    return folder


def write_data(folder: Path, text: str = TRANSACTIONS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "transactions.csv").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def fake_metrics():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            report, "compute_metrics", lambda dataset, period, **kwargs: (dict(FAKE_METRICS), None)
        )
        yield


@pytest.fixture(scope="module")
def good_run(tmp_path_factory, fake_metrics):
    root = tmp_path_factory.mktemp("good")
    data = write_data(root / "data")
    notebooks = write_good_notebooks(root / "nb")
    lines: list[str] = []
    result = run_report(
        data=data, out=root / "out", notebooks_dir=notebooks, progress=lines.append
    )
    return {"root": root, "data": data, "nb": notebooks, "result": result, "lines": lines}


def body_of(page: str) -> str:
    """The page's <body> (the <head> holds JupyterLab's CSS, full of class names)."""
    return page[page.index("<body") :]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


class TestSuccessfulRun:
    def test_publishes_every_file_and_cleans_up(self, good_run):
        out = good_run["root"] / "out"
        folder = out / "2026-03"
        assert sorted(p.name for p in folder.iterdir()) == [
            "customer_base.html",
            "customer_base.ipynb",
            "index.html",
            "metrics.json",
            "monthly_report.ipynb",
        ]
        assert good_run["result"].index_html == folder / "index.html"
        assert (out / "index.html").is_file()
        leftovers = [p.name for p in out.iterdir() if p.name.startswith((".staging", ".lock-2"))]
        assert leftovers == []

    def test_log_lines_name_each_notebook_with_its_duration(self, good_run):
        done = [line for line in good_run["lines"] if " done in " in line]
        # notebooks run concurrently (jobs=2): the lines come in order of completion
        assert sorted(line.split()[0] for line in done) == [
            "customer_base.ipynb",
            "monthly_report.ipynb",
        ]
        assert all(re.search(r"done in \d+\.\d s$", line) for line in done)

    def test_metrics_json(self, good_run):
        metrics = json.loads((good_run["result"].metrics_json).read_text(encoding="utf-8"))
        assert metrics["period"] == "2026-03"
        assert metrics["as_of"] == "2026-03-31"
        assert metrics["language"] == "en"
        assert metrics["customer_churn"] == FAKE_METRICS["customer_churn"]
        assert metrics["customers"] == FAKE_METRICS["customers"]
        expected_sha = hashlib.sha256(
            (good_run["data"] / "transactions.csv").read_bytes()
        ).hexdigest()
        assert metrics["inputs"]["transactions"] == {
            "file": "transactions.csv",
            "sha256": expected_sha,
        }
        assert set(metrics["versions"]) >= {
            "retention_lib", "pandas", "numpy", "lifetimes", "papermill", "nbconvert",
            "matplotlib",
        }
        assert [n["name"] for n in metrics["notebooks"]] == ["monthly_report", "customer_base"]
        assert all(n["seconds"] > 0 for n in metrics["notebooks"])

    def test_parameters_reach_the_notebook(self, good_run):
        page = (good_run["result"].folder / "index.html").read_text(encoding="utf-8")
        assert '<p class="verdict">Report for 2026-03 in en</p>' in page

    def test_kernel_runs_the_runners_interpreter(self, good_run):
        nb = nbformat.read(str(good_run["result"].folder / "monthly_report.ipynb"), as_version=4)
        printed = [
            o["text"].strip()
            for c in nb.cells
            for o in c.get("outputs", [])
            if o.get("name") == "stdout"
        ]
        assert sys.executable in printed

    def test_html_has_no_code_prompts_stderr_or_external_resources(self, good_run):
        page = (good_run["result"].folder / "index.html").read_text(encoding="utf-8")
        body = body_of(page)
        for forbidden in (
            SECRET_CODE, "jp-InputArea-editor", 'class="highlight', "In&nbsp;[", "In [",
            "Out[", "deprecated thing", "on stderr", "Warning", "Traceback", "<script",
        ):
            assert forbidden not in body, forbidden
        assert "<script" not in page
        assert external_references(page) == []
        assert '<html lang="en">' in page
        # no company_name in the settings: the title names no company (never our sample's)
        assert "<title>Customer retention — 2026-03</title>" in page
        assert "size: A4" in page and "break-inside: avoid" in page

    def test_archive_index_lists_the_period_with_headline_figures(self, good_run):
        page = (good_run["root"] / "out" / "index.html").read_text(encoding="utf-8")
        assert 'href="2026-03/index.html"' in page
        assert 'href="2026-03/customer_base.html"' in page
        assert "12.5%" in page and "25.0%" in page  # 0.125 and 0.25 as percentages (babel, en)
        assert external_references(page) == [] and "<script" not in page


class TestFailures:
    def test_raising_notebook_publishes_nothing_and_keeps_previous_report(
        self, good_run, tmp_path, fake_metrics
    ):
        out = tmp_path / "out"
        previous = out / "2026-03"
        previous.mkdir(parents=True)
        for page in good_run["result"].folder.iterdir():
            (previous / page.name).write_bytes(page.read_bytes())
        before = snapshot(previous)
        notebooks = write_good_notebooks(tmp_path / "nb")
        write_notebook(
            notebooks / "monthly_report.ipynb",
            "x = 1",
            "# compute the ratio\nratio = x / 0",
            "print('never')",
        )
        with pytest.raises(ReportError) as caught:
            run_report(data=good_run["data"], out=out, notebooks_dir=notebooks, progress=None)
        message = str(caught.value)
        assert "monthly_report.ipynb" in message
        assert "cell 2" in message  # parameters = cell 0, "x = 1" = cell 1
        assert "# compute the ratio" in message
        assert "ZeroDivisionError: division by zero" in message
        failed = list((out / "failed").iterdir())
        assert len(failed) == 1 and failed[0].name.startswith("2026-03-")
        assert str(failed[0]) in message
        assert (failed[0] / "monthly_report.ipynb").is_file()
        assert snapshot(previous) == before
        assert [p.name for p in out.iterdir() if p.name.startswith(".staging")] == []
        assert not (out / ".lock-2026-03").exists()

    def test_unknown_parameter_fails_before_execution(self, good_run, tmp_path, monkeypatch):
        notebooks = write_good_notebooks(tmp_path / "nb")
        write_notebook(notebooks / "customer_base.ipynb", "pass", parameters='data_dir = ""')

        def must_not_run(*args, **kwargs):
            raise AssertionError("executed although a parameter is undeclared")

        monkeypatch.setattr(report, "execute_notebook", must_not_run)
        with pytest.raises(ReportError) as caught:
            run_report(data=good_run["data"], out=tmp_path / "out", notebooks_dir=notebooks)
        message = str(caught.value)
        assert "customer_base.ipynb" in message
        for name in ("company_name", "config_path", "language", "period"):
            assert name in message
        assert caught.value.exit_code == 2
        assert not (tmp_path / "out").exists()

    def test_second_run_on_the_same_folder_is_refused(self, good_run, tmp_path, monkeypatch):
        out = tmp_path / "out"
        monkeypatch.setattr(
            report, "execute_notebook", lambda *a, **k: pytest.fail("ran under a held lock")
        )
        with period_lock(out, "2026-03"):
            # the lock is held by this (live) process: another run must not start
            with pytest.raises(ReportError, match=r"another report run \(pid \d+"):
                run_report(data=good_run["data"], out=out, notebooks_dir=good_run["nb"])
        assert not (out / "2026-03").exists()

    @pytest.mark.parametrize(
        ("period", "exit_code"),
        [("2025-12", 1), ("2026-04", 1), ("2026-13", 2), ("March", 2)],
        ids=["before-data", "after-data", "month-13", "not-a-month"],
    )
    def test_bad_period(self, good_run, tmp_path, period, exit_code):
        with pytest.raises(ReportError) as caught:
            run_report(
                data=good_run["data"], out=tmp_path / "out", notebooks_dir=good_run["nb"],
                period=period,
            )
        assert caught.value.exit_code == exit_code
        if exit_code == 1:
            assert "2026-01-05 to 2026-03-31" in str(caught.value)
        assert not (tmp_path / "out").exists()

    def test_unsupported_language(self, good_run, tmp_path):
        with pytest.raises(ReportError, match="'fr' is not supported; choose one of en, ru, uk"):
            run_report(
                data=good_run["data"], out=tmp_path / "out", notebooks_dir=good_run["nb"],
                lang="fr",
            )

    def test_unknown_notebook(self, good_run, tmp_path):
        with pytest.raises(ReportError, match="unknown notebook.*nope.*customer_base"):
            run_report(
                data=good_run["data"], out=tmp_path / "out", notebooks_dir=good_run["nb"],
                notebooks=["nope"],
            )

    def test_bad_data_stops_before_anything_is_written(self, good_run, tmp_path):
        data = write_data(
            tmp_path / "data", "customer_id,date,amount\nc1,2026-01-05,abc\nc2,2026-02-10,5\n"
        )
        with pytest.raises(DataValidationError, match="amount"):
            run_report(data=data, out=tmp_path / "out", notebooks_dir=good_run["nb"])
        assert not (tmp_path / "out").exists()


class TestConcurrency:
    @pytest.mark.parametrize("jobs", [1, 2], ids=["sequential", "concurrent"])
    def test_failure_while_another_notebook_runs(self, good_run, tmp_path, fake_metrics, jobs):
        out = tmp_path / "out"
        marker = tmp_path / "third-started"
        notebooks = tmp_path / "nb"
        # monthly_report is still sleeping when customer_base fails; zz_third waits in the
        # queue (jobs=2) or behind them (jobs=1) and must never start
        write_notebook(notebooks / "monthly_report.ipynb", "import time\ntime.sleep(3)")
        write_notebook(notebooks / "customer_base.ipynb", "# look up\n{}['missing']")
        write_notebook(
            notebooks / "zz_third.ipynb", f"open({str(marker)!r}, 'w').write('ran')"
        )
        with pytest.raises(ReportError) as caught:
            run_report(
                data=good_run["data"], out=out, notebooks_dir=notebooks, progress=None,
                jobs=jobs,
            )
        message = str(caught.value)
        assert "notebook customer_base.ipynb failed in cell 1" in message
        assert "'# look up'" in message and "KeyError" in message
        assert "monthly_report.ipynb failed" not in message
        assert not marker.exists()
        (failed,) = (out / "failed").iterdir()
        assert sorted(p.name for p in failed.iterdir()) == ["customer_base.ipynb", "error.txt"]
        assert sorted(p.name for p in out.iterdir()) == ["failed"]  # no staging, lock, report

    def test_every_failed_notebook_is_named(self, good_run, tmp_path, fake_metrics):
        out = tmp_path / "out"
        notebooks = tmp_path / "nb"
        write_notebook(notebooks / "monthly_report.ipynb", "pass", "1 / 0")
        write_notebook(notebooks / "customer_base.ipynb", "raise ValueError('bad base')")
        with pytest.raises(ReportError) as caught:
            run_report(data=good_run["data"], out=out, notebooks_dir=notebooks, jobs=2)
        message = str(caught.value)
        assert "monthly_report.ipynb failed in cell 2" in message
        assert "customer_base.ipynb failed in cell 1" in message
        assert message.index("monthly_report.ipynb") < message.index("customer_base.ipynb")
        (failed,) = (out / "failed").iterdir()
        assert {p.name for p in failed.iterdir()} == {
            "monthly_report.ipynb", "customer_base.ipynb", "error.txt",
        }

    def test_failing_headline_figures_publish_nothing(self, good_run, tmp_path, monkeypatch):
        # the pages and figures are computed before any notebook runs
        def broken(dataset, period, **kwargs):
            raise KeyError("amount")

        monkeypatch.setattr(report, "compute_metrics", broken)
        out = tmp_path / "out"
        with pytest.raises(ReportError, match="headline figures.*KeyError: 'amount'"):
            run_report(data=good_run["data"], out=out, notebooks_dir=good_run["nb"])
        assert list(out.iterdir()) == []  # no report, staging folder or lock left

    def test_jobs_must_be_positive(self, good_run, tmp_path):
        with pytest.raises(ReportError, match="jobs must be at least 1, got 0") as caught:
            run_report(
                data=good_run["data"], out=tmp_path / "out", notebooks_dir=good_run["nb"],
                jobs=0,
            )
        assert caught.value.exit_code == 2


class TestDatasetCache:
    def test_kernels_read_the_runners_cache_which_never_reaches_the_report(
        self, good_run, tmp_path, fake_metrics
    ):
        notebooks = tmp_path / "nb"
        write_notebook(
            notebooks / "monthly_report.ipynb",
            "import os\nfrom retention_lib.data.io import load_dataset\n"
            "cache = os.environ['RETENTION_CACHE_DIR']\n"
            "print('cache', cache, sorted(os.listdir(cache)))\n"
            "ds = load_dataset(data_dir)\n"
            "print('rows', len(ds.transactions), 'entries',\n"
            "      sorted(n for n in os.listdir(cache) if n.startswith('dataset-')))",
        )
        out = tmp_path / "out"
        result = run_report(data=good_run["data"], out=out, notebooks_dir=notebooks, jobs=1)
        nb = nbformat.read(str(result.folder / "monthly_report.ipynb"), as_version=4)
        printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
        cache_line, rows_line = printed.strip().splitlines()
        cache_dir = Path(cache_line.split()[1])
        # the runner stored exactly one dataset entry (its tables in a folder beside it; the
        # input files' hashes too unless this process had hashed them already) before the
        # kernel started; the kernel's load (same files, settings and as_of) hit it instead
        # of adding a second one
        match = re.search(
            r"(\['dataset-([0-9a-f]{64})\.pickle', 'dataset-\2\.tables'"
            r"(, 'file-hashes\.json')?\])$",
            cache_line,
        )
        assert match
        entries = [n for n in eval(match.group(1)) if n.startswith("dataset-")]  # noqa: S307
        assert rows_line == f"rows 3 entries {entries}"  # TRANSACTIONS holds 3 rows
        assert not cache_dir.exists()  # removed after the run
        assert out not in cache_dir.parents
        assert [p for p in out.rglob("*") if "pickle" in p.name or "cache" in p.name] == []


    def test_kernels_keep_the_runners_date_after_midnight(
        self, good_run, tmp_path, fake_metrics, monkeypatch
    ):
        # the runner loads on "its" day; a kernel starting after midnight used its own
        # today, missed the runner's dataset entry and loaded everything again
        class RunnerDate(report.date):
            @classmethod
            def today(cls):
                return cls(2031, 5, 17)  # not the kernels' real today

        monkeypatch.setattr(report, "date", RunnerDate)
        notebooks = tmp_path / "nb"
        write_notebook(
            notebooks / "monthly_report.ipynb",
            "import os\nfrom retention_lib.data.io import load_dataset\n"
            "ds = load_dataset(data_dir)\n"
            "cache = os.environ['RETENTION_CACHE_DIR']\n"
            "print('as_of', ds.as_of.date(), os.environ.get('RETENTION_AS_OF'),\n"
            "      len([n for n in os.listdir(cache) if n.endswith('.pickle')]))",
        )
        result = run_report(data=good_run["data"], out=tmp_path / "out",
                            notebooks_dir=notebooks, jobs=1)
        nb = nbformat.read(str(result.folder / "monthly_report.ipynb"), as_version=4)
        printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
        # the kernel's load hit the runner's entry: still one dataset entry
        assert printed.split() == ["as_of", "2031-05-17", "2031-05-17", "1"]


class TestDefaultPeriod:
    @pytest.mark.parametrize(
        ("data_end", "expected"),
        [
            ("2026-10-31", "2026-10"),  # last day of October: October is covered
            ("2026-10-30", "2026-10"),  # Friday 30th: one trailing day, within the tolerance
            ("2026-10-28", "2026-10"),  # three trailing days: still covered
            ("2026-10-27", "2026-09"),  # four: October is partial, September is the default
            ("2010-12-09", "2010-11"),  # the retail export ending on the 9th
            ("2026-01-15", "2025-12"),  # across the year boundary
            ("2024-02-29", "2024-02"),  # leap day ends February
            ("2023-02-28", "2023-02"),
        ],
        ids=["month-end", "friday-30th", "3-days", "4-days", "9th", "january", "leap", "feb"],
    )
    def test_last_month_the_data_cover(self, data_end, expected):
        from datetime import date

        assert default_period(date.fromisoformat(data_end)) == expected


class TestLock:
    def test_stale_lock_of_a_dead_process_is_taken_over(self, tmp_path):
        import socket

        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        (tmp_path / ".lock-2026-03").write_text(f"{dead.pid}\n{socket.gethostname()}\nthen\n")
        with period_lock(tmp_path, "2026-03") as lock:
            assert lock.read_text().split("\n")[0] == str(os.getpid())
        assert not lock.exists()

    def test_lock_of_another_host_is_respected(self, tmp_path):
        (tmp_path / ".lock-2026-03").write_text("1\nsome-other-host\nthen\n")
        with pytest.raises(LockError, match="some-other-host"):
            with period_lock(tmp_path, "2026-03"):
                pass


class TestRenderHelpers:
    @pytest.mark.parametrize(
        ("snippet", "external"),
        [
            ('<script src="https://cdn.example/require.js"></script>', True),
            ("<link rel=stylesheet href=//cdn.example/x.css>", True),
            ('<img src="http://example.com/x.png">', True),
            ("<style>@import url('https://fonts.example/f.css');</style>", True),
            ('<img src="data:image/png;base64,AAAA">', False),
            ('<a href="https://example.com">docs</a>', False),
        ],
        ids=["script", "protocol-relative-link", "img", "css-import", "data-uri", "anchor"],
    )
    def test_external_references(self, snippet, external):
        assert bool(external_references(snippet)) is external

    def test_preprocessor_drops_stderr_errors_and_warnings(self):
        cell = new_code_cell("x")
        cell.outputs = [
            nbformat.v4.new_output("stream", name="stderr", text="oops"),
            nbformat.v4.new_output("stream", name="stdout", text="a.py:1: UserWarning: hm\n"),
            nbformat.v4.new_output("error", ename="E", evalue="v", traceback=["tb"]),
            nbformat.v4.new_output("stream", name="stdout", text="kept"),
            nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=3),
        ]
        out, _ = DirectorOutputPreprocessor().preprocess_cell(cell, {}, 0)
        assert [o.get("text", o.get("data")) for o in out.outputs] == ["kept", {"text/plain": "1"}]
        assert out.outputs[1]["execution_count"] is None


class TestArchive:
    def test_headline_reads_the_report_metrics_keys(self):
        metrics = {
            "customer_churn": 0.1,
            "status": "normal",
            "revenue_churn": None,
            "customers": {"active": 7, "won_back_this_month": 3},
        }
        assert headline(metrics) == {
            "customer_churn": 0.1,
            "customer_status": "normal",
            "revenue_churn": None,
            "revenue_status": None,
            "active": 7,
            "lost": None,
            "won_back": 3,
        }

    def test_values_from_metrics_are_escaped(self, tmp_path):
        folder = tmp_path / "2026-03"
        folder.mkdir()
        (folder / "metrics.json").write_text(
            json.dumps(
                {
                    "company_name": "<script>alert(1)</script>",
                    "generated_at": "<img src=x onerror=alert(1)>",
                    "customer_churn": 0.3,
                    "status": "<b>critical</b>",
                }
            )
        )
        page = build_archive_index(tmp_path)
        assert "<script>" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        # generated_at is not a time: shown as a dash, never as markup
        assert "onerror" not in page and "<td>–</td></tr>" in page
        assert "30.0%" in page


class TestCli:
    def test_bad_data_exits_1_and_says_nothing_was_written(self, tmp_path):
        from typer.testing import CliRunner

        from retention_lib.cli import app

        data = write_data(tmp_path / "data", "customer_id,date,amount\nc1,someday,1\n")
        result = CliRunner().invoke(
            app, ["report", "--data", str(data), "--out", str(tmp_path / "out")]
        )
        assert result.exit_code == 1
        assert "No report was written" in result.output
        assert not (tmp_path / "out").exists()

    def test_usage_errors_exit_2(self, tmp_path):
        from typer.testing import CliRunner

        from retention_lib.cli import app

        data = write_data(tmp_path / "data")
        result = CliRunner().invoke(
            app, ["report", "--data", str(data), "--period", "2026-13", "--out", str(tmp_path)]
        )
        assert result.exit_code == 2
        assert "use YYYY-MM" in result.output


# --------------------------------------------------------------------------- end to end

REAL_NOTEBOOKS = [
    REPO / "notebooks" / f"{name}.ipynb" for name in ("monthly_report", "customer_base")
]
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


def _real_pipeline_available() -> bool:
    if not all(p.exists() for p in REAL_NOTEBOOKS):
        return False
    try:
        from retention_lib.data import sample  # noqa: F401
        from retention_lib.pages import monthly_metrics
    except ImportError:
        return False
    return hasattr(monthly_metrics, "report_metrics") and hasattr(sample, "write_sample")


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    if not _real_pipeline_available():
        pytest.skip("real notebooks / retention_lib.pages.monthly_metrics / sample not there yet")
    import pandas as pd

    from retention_lib.data.sample import write_sample

    root = tmp_path_factory.mktemp("e2e")
    data = root / "data"
    write_sample(data, customers=120, seed=7, end="2026-10-31")
    # Two customers with hostile names who must be listed for September 2026:
    # H1 bought once on 2025-09-15 → lost on 2025-09-15 + 365 days = 2026-09-15;
    # H2 bought on 2024-06-01 and again on 2026-09-10 (gap > 365 days) → won back.
    customers = pd.read_csv(data / "customers.csv", dtype=str, keep_default_na=False)
    extra_customers = pd.DataFrame(
        {"customer_id": ["H1", "H2"], "name": HOSTILE, "manager": customers["manager"][:2]}
    )
    pd.concat([customers, extra_customers]).to_csv(data / "customers.csv", index=False)
    transactions = pd.read_csv(data / "transactions.csv", dtype=str, keep_default_na=False)
    extra = pd.DataFrame(
        {
            "customer_id": ["H1", "H2", "H2"],
            "date": ["2025-09-15", "2024-06-01", "2026-09-10"],
            "amount": ["90000.00", "500.00", "700.00"],
        }
    )
    pd.concat([transactions, extra]).fillna("").to_csv(data / "transactions.csv", index=False)
    return run_report(data=data, out=root / "out", period="2026-09", progress=lambda line: None)


@pytest.mark.slow
class TestEndToEnd:
    def test_pages_are_code_free_and_self_contained(self, real_run):
        for page_path in real_run.folder.glob("*.html"):
            page = page_path.read_text(encoding="utf-8")
            body = body_of(page)
            assert "<script" not in page
            assert "jp-InputArea-editor" not in body and 'class="highlight' not in page
            for forbidden in ("In [", "Out[", "Traceback", "Warning:"):
                assert forbidden not in body, (page_path.name, forbidden)
            assert external_references(page) == [], page_path.name
            assert 'data-mime-type="application/vnd.jupyter.stderr"' not in body

    def test_hostile_names_are_inert_text(self, real_run):
        pages = "".join(p.read_text(encoding="utf-8") for p in real_run.folder.glob("*.html"))
        for name in HOSTILE:
            assert name not in pages
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages
        assert "&lt;img src=x onerror=alert(1)&gt;" in pages

    def test_metrics_json_has_the_headline_figures(self, real_run):
        metrics = json.loads(real_run.metrics_json.read_text(encoding="utf-8"))
        assert metrics["period"] == "2026-09"
        assert metrics["as_of"] == "2026-09-30"
        figures = headline(metrics)
        assert figures["customer_churn"] is not None and 0 <= figures["customer_churn"] <= 1
        assert figures["customer_status"] in {"normal", "warning", "critical"}
        archive = real_run.archive_index.read_text(encoding="utf-8")
        assert f"{100 * figures['customer_churn']:.1f}%" in archive


_REAL_COMPUTE_METRICS = report.compute_metrics  # before the module's fake_metrics patch


@pytest.fixture(scope="module")
def subscription_run(tmp_path_factory):
    if not _real_pipeline_available():
        pytest.skip("real notebooks / retention_lib.pages.monthly_metrics / sample not there yet")
    from retention_lib.data.sample_subscription import write_subscription

    root = tmp_path_factory.mktemp("subscription")
    write_subscription(root / "data", customers=300, months=24, end="2026-10-31")
    with pytest.MonkeyPatch.context() as mp:  # the real headline figures, whatever ran before
        mp.setattr(report, "compute_metrics", _REAL_COMPUTE_METRICS)
        return run_report(data=root / "data", out=root / "out", period="2026-10",
                          progress=lambda line: None)


@pytest.mark.slow
class TestSubscriptionBusinessEndToEnd:
    """Issue 18, point 9: monthly billing is not what BG/NBD describes; the report still
    publishes every page, with CLV and P(alive) off and the reason in plain words."""

    def test_every_page_is_published(self, subscription_run):
        names = {p.name for p in subscription_run.folder.glob("*.html")}
        assert {"index.html", "clv.html", "churn_diagnostics.html", "customer_base.html",
                "contact_discipline.html"} <= names

    def test_metrics_say_the_model_is_off_and_why(self, subscription_run):
        metrics = json.loads(subscription_run.metrics_json.read_text(encoding="utf-8"))
        assert metrics["clv"]["fitted"] is False
        assert metrics["clv"]["notes"][0]["code"] == "purchases_regular"
        assert metrics["clv"]["notes"][0]["share"] == 1.0
        assert metrics["customer_churn"] is not None

    def test_pages_give_the_reason(self, subscription_run):
        for page in ("clv.html", "index.html"):
            text = (subscription_run.folder / page).read_text(encoding="utf-8")
            assert "buy at regular" in text and "intervals" in text, page
