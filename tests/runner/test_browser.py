"""A real headless Chromium opens the published report offline.

The page is opened from ``file://`` with every request whose URL is not ``file:`` or ``data:``
aborted and recorded: the test asserts that nothing had to be blocked and that the console
shows no error.  It keeps a full-page screenshot (``tests/artifacts/report_en.png``) and an A4
PDF (``tests/artifacts/report_en.pdf``) as artefacts.

Chromium is the Debian package (``/usr/bin/chromium``); playwright never downloads a browser
here.  Without it the tests are skipped, unless ``RETENTION_REQUIRE_BROWSER=1`` (set by
``.ci/run``), in which case they fail.

The report is built from the real notebooks on ``data/sample`` (or, when that is not generated,
a 300-customer sample in a tmp folder); without the real notebooks, from a minimal notebook so
the browser plumbing is still tested.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from retention_lib.runner.report import run_report

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


def _require_browser() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing (Debian package 'chromium')"
    if os.environ.get("RETENTION_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " and RETENTION_REQUIRE_BROWSER=1")
    pytest.skip(message)


def _minimal_notebooks(folder: Path) -> Path:
    folder.mkdir(parents=True)
    params = new_code_cell(
        'data_dir = ""\nconfig_path = ""\nperiod = ""\ncompany_name = ""\nlanguage = "en"',
        metadata={"tags": ["parameters"]},
    )
    body = new_code_cell(
        "from IPython.display import HTML\n"
        "HTML('<h1>Report</h1><table><tr><td>1</td></tr></table>')"
    )
    nb = new_notebook(cells=[params, body])
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python"
    }
    nbformat.write(nb, str(folder / "monthly_report.ipynb"))
    return folder


REPORT_LOG: list[str] = []  # the runner's log lines of the sample report


@pytest.fixture(scope="module")
def report_page(tmp_path_factory) -> Path:
    _require_browser()
    root = tmp_path_factory.mktemp("browser")
    sample = REPO / "data" / "sample"
    if (REPO / "notebooks" / "monthly_report.ipynb").exists():
        if not (sample / "transactions.csv").exists():
            from retention_lib.data.sample import write_sample

            sample = root / "sample"
            write_sample(sample, customers=300, end="2026-10-31")
        result = run_report(data=sample, out=root / "out", progress=REPORT_LOG.append)
    else:
        data = root / "data"
        data.mkdir()
        (data / "transactions.csv").write_text(
            "customer_id,date,amount\nc1,2026-01-05,10\nc2,2026-01-31,5\n", encoding="utf-8"
        )
        result = run_report(
            data=data,
            out=root / "out",
            notebooks_dir=_minimal_notebooks(root / "nb"),
            progress=lambda line: None,
        )
    return result.index_html


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _open_offline(browser, page_path: Path):
    """Open ``page_path``; return (page, blocked request URLs, console errors)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    blocked: list[str] = []
    errors: list[str] = []

    def route(route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(page_path.as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, blocked, errors


class TestOfflineReport:
    def test_executive_report_loads_offline_screenshot_and_pdf(self, browser, report_page):
        page, blocked, errors = _open_offline(browser, report_page)
        try:
            assert blocked == []
            assert errors == []
            assert page.locator("img").evaluate_all(
                "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length"
            ) == 0  # every chart decoded
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report_en.png"), full_page=True)
            page.emulate_media(media="print")
            page.pdf(path=str(ARTIFACTS / "report_en.pdf"), format="A4", print_background=True)
        finally:
            page.close()
        assert (ARTIFACTS / "report_en.png").stat().st_size > 10_000
        assert (ARTIFACTS / "report_en.pdf").read_bytes().startswith(b"%PDF")

    def test_every_page_of_the_period_and_the_archive_load_offline(self, browser, report_page):
        pages = sorted(report_page.parent.glob("*.html")) + [
            report_page.parent.parent / "index.html"
        ]
        for path in pages:
            page, blocked, errors = _open_offline(browser, path)
            page.close()
            assert (path.name, blocked, errors) == (path.name, [], [])

    def test_images_carry_alt_text(self, browser, report_page):
        page, _, _ = _open_offline(browser, report_page)
        try:
            missing = page.locator("img").evaluate_all(
                "imgs => imgs.filter(i => !(i.getAttribute('alt') || '').trim()).length"
            )
        finally:
            page.close()
        assert missing == 0


class TestPagesBuiltOnce:
    def test_the_runner_builds_every_page_once_and_the_notebooks_reuse_them(
        self, report_page
    ):
        if not REPORT_LOG:
            pytest.skip("the repository's notebooks are not present")
        (line,) = [entry for entry in REPORT_LOG if entry.startswith("pages:")]
        found = re.fullmatch(
            r"pages: (\d+) built by the runner, (\d+) reused by the notebooks, (\d+) built "
            r"again in a notebook; tables read by the notebooks: (.*)", line,
        )
        assert found, line
        built, reused, rebuilt, tables = found.groups()
        # by hand, the runner builds: monthly, diagnostics, the CLV model, the full
        # contact-discipline report, the customer base, the CLV page and the executive
        # contact-discipline block (without funnel) = 7; the notebooks reuse: monthly_report
        # 4 (monthly, discipline block, diagnostics, CLV model), churn_diagnostics 1,
        # contact_discipline 1, customer_base 1, clv 1 = 8
        assert (int(built), int(reused), int(rebuilt)) == (7, 8, 0)
        # no notebook reads the big tables (at 20M transactions: gigabytes per kernel)
        assert "transactions" not in tables and "contacts" not in tables
