"""The churn-diagnostics page in Russian and Ukrainian: no English word from the catalog
(the slow check of tests/test_i18n.py applied to notebooks/churn_diagnostics.ipynb)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_i18n import _neutral_fixture, _render, english_words_in, visible_text


@pytest.fixture(scope="module")
def neutral_data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("neutral_dx")
    _neutral_fixture(folder)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ru", "uk"])
def test_no_english_word_in_churn_diagnostics(neutral_data, tmp_path, lang):
    page = _render("churn_diagnostics", neutral_data, lang, tmp_path / "out.ipynb")
    text = visible_text(page)
    assert "Клиент №" in text  # the check sees the data (customer names in the tables)
    assert english_words_in(text) == set()
    assert "{" not in re.sub(r"(?s)<(script|style)\b.*?</\1>", "", text)


@pytest.mark.slow
def test_english_page_is_caught_by_the_same_check(neutral_data, tmp_path):
    page = _render("churn_diagnostics", neutral_data, "en", tmp_path / "out.ipynb")
    assert {"warning", "customers"} <= english_words_in(visible_text(page))
