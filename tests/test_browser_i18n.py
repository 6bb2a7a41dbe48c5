"""The executive report in English, Russian and Ukrainian in a real headless Chromium, with
an axe-core accessibility check.

For each language the runner (:func:`retention_lib.report.run_report`) builds the executive
report from the same sample; Chromium (Debian package, ``/usr/bin/chromium``) opens
``index.html`` from ``file://``; axe-core (bundled by the PyPI package
``axe-playwright-python``, injected into the page: nothing is fetched) must report no
``serious`` or ``critical`` violation.  The page declares its language (``<html lang>``), and
the first page of the Russian and Ukrainian reports is kept as a screenshot in
``tests/artifacts/report_ru.png`` and ``report_uk.png``.  ``metrics.json`` must be identical
across the three languages except its ``language`` field.

Skipped without Chromium or axe-playwright-python (unless ``RETENTION_REQUIRE_BROWSER=1``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LANGS = ("en", "ru", "uk")

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _require(condition: bool, message: str) -> None:
    if condition:
        return
    if os.environ.get("RETENTION_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " and RETENTION_REQUIRE_BROWSER=1")
    pytest.skip(message)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """index.html per language, built by the runner from one sample."""
    _require(CHROMIUM.exists(), f"{CHROMIUM} is missing (Debian package 'chromium')")
    from retention_lib.report import run_report

    root = tmp_path_factory.mktemp("i18n_browser")
    sample = REPO / "data" / "sample"
    if not (sample / "transactions.csv").exists():
        from retention_lib.sample import write_sample

        sample = root / "sample"
        write_sample(sample, customers=300, end="2026-10-31")
    out = {}
    for lang in LANGS:
        result = run_report(data=sample, out=root / lang, lang=lang,
                            progress=lambda line: None)  # every notebook
        out[lang] = result.index_html
    return out


@pytest.fixture(scope="module")
def browser():
    _require(CHROMIUM.exists(), f"{CHROMIUM} is missing (Debian package 'chromium')")
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError:
        _require(False, "axe-playwright-python is not installed (test extra)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1200, "height": 1600})
    blocked: list[str] = []

    def route(route):
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.goto(path.as_uri(), wait_until="load")
    return page, blocked


PAGES = ("index", "customer_base", "contact_discipline", "churn_diagnostics", "clv")


@pytest.mark.parametrize("page_name", PAGES, ids=PAGES)
@pytest.mark.parametrize("lang", LANGS)
def test_axe_finds_no_serious_or_critical_violation(browser, reports, lang, page_name):
    from axe_playwright_python.sync_playwright import Axe

    page, blocked = _open(browser, reports[lang].parent / f"{page_name}.html")
    try:
        result = Axe().run(page)
        declared = page.evaluate("document.documentElement.lang")
        if lang in ("ru", "uk") and page_name == "index":
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"report_{lang}.png"))  # the first page
    finally:
        page.close()
    assert blocked == []
    assert declared == lang
    bad = [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"][:3]])
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == []
    assert result.response["passes"], "axe ran no check at all"
    if lang in ("ru", "uk") and page_name == "index":
        assert (ARTIFACTS / f"report_{lang}.png").stat().st_size > 10_000


def test_metrics_identical_except_language(reports):
    metrics = {}
    for lang, index in reports.items():
        m = json.loads((index.parent / "metrics.json").read_text(encoding="utf-8"))
        assert m.pop("language") == lang
        # when the run happened and how long it took, not what it found:
        m.pop("generated_at", None)
        for nb in m.get("notebooks") or []:
            nb.pop("seconds", None)
        metrics[lang] = m
    assert metrics["ru"] == metrics["en"]
    assert metrics["uk"] == metrics["en"]
