"""The archive page (``OUT/index.html``) in the report's language, and the navigation bar that
links every page of a report folder to the others and back to the archive."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from retention_lib.runner.archive import build_archive_index
from retention_lib.runner.render import ARCHIVE_HREF, page_label, page_links, render_html

METRICS = {
    "company_name": "Sample Distribution Co.",
    "generated_at": "2026-12-07T02:05:09+00:00",
    "customer_churn": 0.13,
    "status": "warning",
    "revenue_churn": 0.036,
    "revenue_status": "normal",
    "customers": {"active": 1463, "lost_this_month": 22, "won_back_this_month": 7},
}


@pytest.fixture
def kyiv_time(monkeypatch):
    """The machine's time zone is Kyiv: UTC+2 in December."""
    monkeypatch.setenv("TZ", "Europe/Kyiv")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _folder(out: Path, period: str, pages=("index", "customer_base", "clv")) -> Path:
    folder = out / period
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps(METRICS), encoding="utf-8")
    for page in pages:
        (folder / f"{page}.html").write_text("<html></html>", encoding="utf-8")
    return folder


def _text(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", page)


class TestArchiveLanguage:
    def test_russian_archive_has_russian_words_and_formats(self, tmp_path, kyiv_time):
        _folder(tmp_path, "2026-10")
        page = build_archive_index(tmp_path, language="ru")
        text = _text(page)
        assert '<html lang="ru">' in page
        assert "Sample Distribution Co. — Отчёты по удержанию клиентов" in text
        assert ">октябрь 2026</a>" in page  # the period as a month, linking the report
        assert 'href="2026-10/index.html"' in page
        # babel, ru: decimal comma, no-break space before %, no-break space as thousands sep.
        assert "13,0\xa0%" in text and "3,6\xa0%" in text
        assert "1\xa0463" in text
        assert "внимание" in text and "норма" in text
        # pages by their Russian names, executive first
        cell = re.search(r'<td class="pages">(.*?)</td>', page).group(1)
        links = re.findall(r'<a href="2026-10/([a-z_]+\.html)">([^<]+)</a>', cell)
        assert links == [
            ("index.html", "Отчёт для руководителя"),
            ("clv.html", "Пожизненная ценность клиентов"),
            ("customer_base.html", "Клиентская база"),
        ]
        # 02:05 UTC = 04:05 in Kyiv (EET, UTC+2 in December); no raw UTC string
        assert "7 декабря 2026, 04:05" in text
        assert "+00:00" not in page and "T02:05" not in page
        for english in ("Period", "Generated", "Customer churn", "Executive report"):
            assert english not in text

    def test_ukrainian_and_english(self, tmp_path, kyiv_time):
        _folder(tmp_path, "2026-10")
        uk = _text(build_archive_index(tmp_path, language="uk"))
        assert "Звіти з утримання клієнтів" in uk and "жовтень 2026" in uk
        assert "7 грудня 2026, 04:05" in uk and "13,0%" in uk  # CLDR uk: no space
        en = _text(build_archive_index(tmp_path, language="en"))
        assert "October 2026" in en and "13.0%" in en and "1,463" in en
        assert "7 December 2026, 04:05" in en

    def test_newest_period_first_and_a_folder_without_metrics_shows_dashes(self, tmp_path):
        _folder(tmp_path, "2026-09")
        (tmp_path / "2026-10").mkdir()
        page = build_archive_index(tmp_path, language="en")
        rows = re.findall(r"<tr>(.*?)</tr>", page)[1:]
        assert [re.search(r"(\w+ 2026)", r).group(1) for r in rows] == [
            "October 2026", "September 2026"]
        assert rows[0].count("<td>–</td>") == 6  # 2 churn rates, 3 counts, generated

    def test_no_report_yet(self, tmp_path):
        assert "Отчётов пока нет." in build_archive_index(tmp_path / "none", language="ru")


class TestNavigation:
    def test_page_links_executive_first_in_the_language(self):
        links = page_links(["clv", "monthly_report", "customer_base", "clv"], language="uk")
        assert [(link.name, link.label, link.href) for link in links] == [
            ("monthly_report", "Звіт для керівника", "index.html"),
            ("clv", "Довічна цінність клієнтів", "clv.html"),
            ("customer_base", "Клієнтська база", "customer_base.html"),
        ]
        assert page_label("my_own_notebook") == "my own notebook"

    def test_every_page_links_the_others_and_the_archive(self):
        nb = new_notebook(cells=[new_code_cell("x", outputs=[new_output(
            "display_data", data={"text/html": "<p>body</p>"})])])
        nav = page_links(["monthly_report", "customer_base", "clv"], language="ru")
        page = render_html(nb, title="t", language="ru", nav=nav, current="customer_base")
        # (nbconvert writes attributes in alphabetical order)
        bar = re.search(r'<nav aria-label="Страницы отчёта" class="rl-nav">(.*?)</nav>', page,
                        re.S).group(1)
        assert re.findall(r'href="([^"]+)"', bar) == [
            ARCHIVE_HREF, "index.html", "customer_base.html", "clv.html"]
        assert "Все отчёты" in bar
        assert '<a aria-current="page" href="customer_base.html">Клиентская база</a>' in bar
        assert bar.count("aria-current") == 1
        # the bar precedes the content and is hidden in print
        assert page.index("rl-nav") < page.index("<p>body</p>")
        assert re.search(r"@media print \{[^@]*\.rl-nav \{ display: none; \}", page)

    def test_without_nav_no_bar(self):
        nb = new_notebook(cells=[])
        page = render_html(nb, title="t", archive_href=None)
        assert "<nav" not in page
