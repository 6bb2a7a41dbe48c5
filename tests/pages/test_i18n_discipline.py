"""Localisation of the contact-discipline report: the page, the executive block and the call
lists in English, Russian and Ukrainian (every word from the catalog, same figures)."""

from __future__ import annotations

import csv
import html as _html
import re

import pytest

from retention_lib.analysis import cadence, funnel
from retention_lib.data.io import load_dataset
from retention_lib.i18n import LANGUAGES, get_translator
from retention_lib.pages import (
    discipline,
    discipline_calllists,
    discipline_executive,
    discipline_format,
    discipline_sections,
)
from tests.test_i18n import _neutral_fixture, _render, english_words_in, visible_text

PERIOD = "2026-10"


@pytest.fixture(scope="module")
def neutral_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("neutral_discipline")
    _neutral_fixture(folder)
    return folder


@pytest.fixture(scope="module")
def dataset(neutral_data):
    return load_dataset(neutral_data)


@pytest.fixture(scope="module")
def reports(dataset):
    return {lang: discipline.build_contact_discipline(dataset, period=PERIOD, lang=lang)
            for lang in LANGUAGES}


SECTIONS = [n for n in discipline_sections.__all__ if n.startswith("section_")]


def _page(report) -> str:
    return "".join(getattr(discipline_sections, n)(report).data for n in SECTIONS)


class TestCatalog:
    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_every_code_has_a_name(self, lang):
        tr = get_translator(lang)
        for group, codes in (
            ("discipline.status", cadence.STATUSES),
            ("discipline.action", ("call", "meeting", "keep in touch")),
            ("discipline.stage", ("new", *funnel.STAGES, "lost")),
        ):
            for code in codes:
                assert tr.has(f"{group}.{code.replace(' ', '_')}"), (lang, code)

    @pytest.mark.parametrize("lang", ["ru", "uk"])
    def test_status_words_differ_from_english(self, lang):
        tr, en = get_translator(lang), get_translator("en")
        for status in cadence.STATUSES:
            shown = discipline_format.status_text(status, tr)
            assert shown != discipline_format.status_text(status, en)
            # icon + word: never colour alone
            assert discipline_format.status_text(status, tr).startswith(
                discipline_format.STATUS_ICON[status] + " ")


class TestSameFigures:
    def test_tables_identical_in_every_language(self, reports):
        en = reports["en"]
        for lang in ("ru", "uk"):
            r = reports[lang]
            assert r.compliance.equals(en.compliance)
            assert r.plan.equals(en.plan)
            assert r.funnel_counts.equals(en.funnel_counts)
            assert discipline.discipline_metrics(r) == discipline.discipline_metrics(en)


class TestRenderedSections:
    @pytest.mark.parametrize("lang", ["ru", "uk"])
    def test_no_english_word_on_the_page(self, reports, lang):
        text = visible_text("<body>" + _page(reports[lang]))
        assert "Клиент №" in text  # the check sees the data
        assert english_words_in(text) == set()
        assert "{" not in text

    def test_english_page_is_caught_by_the_same_check(self, reports):
        found = english_words_in(visible_text("<body>" + _page(reports["en"])))
        assert {"overdue", "cadence", "manager"} <= found

    @pytest.mark.parametrize("lang", ["ru", "uk"])
    def test_executive_section_translated(self, reports, lang):
        r = reports[lang]
        page = discipline_executive.executive_section(r)
        text = visible_text("<body>" + page)
        assert english_words_in(text) == set()
        assert 'href="contact_discipline.html"' in page
        tr = get_translator(lang)
        assert tr.t("discipline.headings.executive") in text
        # the worst manager's share, formatted by locale (ru "40 %" with a no-break space)
        first = r.by_manager.iloc[0]
        assert tr.percent(float(first["share_within"]), decimals=0) in _html.unescape(page)

    def test_numbers_and_dates_by_locale(self, reports):
        r = reports["ru"]
        page = _html.unescape(discipline_sections.section_definitions(r).data)
        # data as of (the small sample's data end, Friday 30 October), month name in Russian
        assert "30 октября 2026" in page
        q = r.contact_quality
        rows = q["rows"]
        # 1 234-style grouping with a no-break space
        assert f"{rows:,}".replace(",", "\u00a0") in page

    def test_executive_block_one_call_in_language(self, dataset):
        html = discipline_executive.executive_block(dataset, period=PERIOD,
                                                    settings=dataset.settings, lang="uk").data
        assert "Дисципліна контактів" in html


class TestCallListsInLanguage:
    @pytest.mark.parametrize("lang", ["ru", "uk"])
    def test_headers_and_actions_translated_bom_kept(self, reports, lang, tmp_path):
        r = reports[lang]
        tr = get_translator(lang)
        written = discipline_calllists.write_report_call_lists(r, tmp_path)
        assert written
        tasks = {tr.t(f"lists.sheet.{discipline_calllists.cadence_key(k)}")
                 for k in discipline_calllists.TASKS}
        sep = ";" if lang in ("ru", "uk") else ","
        for path in written.values():
            raw = path.with_suffix(".csv").read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf")
            with path.with_suffix(".csv").open(encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.reader(fh, delimiter=sep))
            heads = discipline_calllists.call_list_headers(tr)
            assert rows[0] == [heads[k] for k in (
                "task",
                *[c for c in discipline_calllists.TASK_COLUMNS if c not in ("task", "manager")],
                "manager")]
            assert all(len(row) == len(rows[0]) for row in rows)  # the separator holds
            assert {row[0] for row in rows[1:]} <= tasks
            assert english_words_in(raw.decode("utf-8-sig")) == set()

    def test_hostile_names_neutralised_in_translated_lists(self, reports, tmp_path):
        import openpyxl

        r = reports["ru"]
        plan = r.plan.copy()
        plan["name"] = plan["name"].astype(object)
        plan.loc[0, "name"] = '=HYPERLINK("http://evil")'
        plan.loc[1, "name"] = "-1+1"
        hostile = discipline.ContactDiscipline(**{**r.__dict__, "plan": plan})
        written = discipline_calllists.write_report_call_lists(hostile, tmp_path)
        cells, xcells = [], []
        col = discipline_calllists.TASK_COLUMNS.index("name")
        for path in written.values():
            with path.with_suffix(".csv").open(encoding="utf-8-sig", newline="") as fh:
                cells += [row[col] for row in list(csv.reader(fh, delimiter=";"))[1:]]
            for ws in openpyxl.load_workbook(path).worksheets:
                xcells += [c for row in ws.iter_rows(min_row=2) for c in row
                           if isinstance(c.value, str)]
        assert '\'=HYPERLINK("http://evil")' in cells and "'-1+1" in cells
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
        # in the workbook the text is kept as typed, stored as text with the quote prefix
        evil = [c for c in xcells if c.value == '=HYPERLINK("http://evil")']
        assert evil and all(c.data_type == "s" and c.quotePrefix for c in evil)
        assert all(c.data_type == "s" for c in xcells)


@pytest.mark.slow
class TestNotebook:
    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_runs_under_papermill(self, neutral_data, tmp_path, lang):
        page = _render("contact_discipline", neutral_data, lang, tmp_path / "out.ipynb")
        text = visible_text(page)
        tr = get_translator(lang)
        for anchor, _key in discipline_sections.DISCIPLINE_SECTIONS:
            assert f'id="{anchor}"' in page
        assert tr.t("discipline.headings.by_manager") in text
        assert tr.t("discipline.headings.manager_fit") in text
        assert page.count("<img ") == 3  # compliance, manager fit, funnel
        assert "Traceback" not in text
        assert "Клиент №" in text
        if lang == "en":
            assert {"overdue", "cadence"} <= english_words_in(text)
        else:
            assert english_words_in(text) == set()
            assert "{" not in re.sub(r"(?s)<(script|style)\b.*?</\1>", "", text)


class TestCharts:
    @pytest.mark.parametrize("lang", ["ru", "uk"])
    def test_no_missing_glyph(self, reports, lang):
        import warnings

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for f in (discipline_sections.section_compliance_by_manager,
                      discipline_sections.section_funnel,
                      discipline_sections.section_manager_fit):
                f(reports[lang])
        assert [str(w.message) for w in caught if "Glyph" in str(w.message)] == []
