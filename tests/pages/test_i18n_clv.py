"""The CLV page and the executive report's CLV section in English, Russian and Ukrainian:
the notebook runs under papermill in every language, and a Russian or Ukrainian page carries
no English word from the catalog (the helpers of tests/test_i18n.py do the checking)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from retention_lib.data.io import load_dataset
from retention_lib.i18n import LANGUAGES, get_translator
from retention_lib.pages import clv_report, clv_sections
from tests.test_i18n import _neutral_fixture, _render, english_words_in, visible_text

#: Every heading of the CLV page, by catalog key (the top-N heading is plural).
HEADINGS = ("clv.headings.model", "clv.headings.p_alive", "clv.headings.validation",
            "clv.headings.tiers", "clv.headings.potential", "clv.headings.definitions")


@pytest.fixture(scope="module")
def neutral_clv_data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("neutral_clv")
    _neutral_fixture(folder)
    return folder


@pytest.fixture(scope="module")
def neutral_dataset(neutral_clv_data):
    return load_dataset(neutral_clv_data, as_of="2026-11-22")


def _page_text(name: str, data: Path, lang: str, out: Path) -> str:
    return visible_text(_render(name, data, lang, out))


@pytest.mark.slow
class TestClvNotebook:
    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_runs_in_every_language_with_its_headings(self, neutral_clv_data, tmp_path, lang):
        text = _page_text("clv", neutral_clv_data, lang, tmp_path / "out.ipynb")
        tr = get_translator(lang)
        for key in HEADINGS:
            assert tr.t(key) in text, key
        assert tr.t("clv.headings.top", count=25) in text
        assert "Клиент №" in text  # the neutral customer names reach the page
        if lang != "en":
            assert english_words_in(text) == set()
        else:  # the check is not vacuous: the English page trips it
            assert {"probability", "alive", "model"} <= english_words_in(text)
        assert "{" not in text


class TestExecutiveSection:
    @pytest.mark.parametrize("lang", ["ru", "uk"])
    def test_no_english_word(self, neutral_dataset, lang):
        page = clv_report.executive_clv(neutral_dataset, period="2026-10",
                                        settings=neutral_dataset.settings, lang=lang).data
        text = visible_text(f"<body>{page}</body>")
        assert english_words_in(text) == set()
        assert get_translator(lang).t("clv.executive.heading") in text

    @pytest.mark.parametrize("lang", ["ru", "uk"])
    def test_section_functions_draw_cyrillic_without_missing_glyphs(self, neutral_dataset,
                                                                     lang):
        from retention_lib.present import plots

        plots.use_report_style()
        settings = neutral_dataset.settings.replace(language=lang)
        page = clv_report.build_clv_page(neutral_dataset, period="2026-10", settings=settings)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            html = "".join(f(page).data for f in (
                clv_sections.clv_header, clv_sections.clv_parameters, clv_sections.clv_p_alive,
                clv_sections.clv_validation, clv_sections.clv_tiers, clv_sections.clv_potential,
                clv_sections.clv_top_customers, clv_sections.clv_definitions))
        assert [str(w.message) for w in caught if "Glyph" in str(w.message)] == []
        text = visible_text(f"<body>{html}</body>")
        assert english_words_in(text) == set()
        assert len(re.findall(r"<img ", html)) >= 4
