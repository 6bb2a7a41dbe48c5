"""Tests of retention_lib.pages.clv_html: the CLV model's fit notes in every language."""

from __future__ import annotations

import pytest

from retention_lib.i18n import LANGUAGES, get_translator
from retention_lib.pages import clv_html


class TestNotesInEveryLanguage:
    @pytest.mark.parametrize(
        ("lang", "note", "text"),
        [
            # ru plural: 3 → few ("повторных покупателя"), 5 → many ("покупателей")
            ("ru", {"code": "spend_excluded", "count": 3}, "3 повторных покупателя"),
            ("ru", {"code": "spend_excluded", "count": 5}, "5 повторных покупателей"),
            ("uk", {"code": "spend_excluded", "count": 1}, "1 повторного покупця"),
            # penalizers keep their decimals, with the locale's decimal comma
            ("ru", {"code": "purchases_penalizer_retry", "model": "bgnbd", "requested": 0.0,
                    "used": 0.001}, "со штрафом 0,001"),
            ("en", {"code": "spend_correlated", "corr": 0.4567}, "correlated (+0.46)"),
            ("uk", {"code": "spend_correlated", "corr": -0.5}, "кореляція −0,50"),
            ("en", {"code": "purchases_skipped_few", "model": "pareto", "count": 12,
                    "needed": 50}, "(Pareto/NBD) was not fitted: only 12 customers"),
        ],
        ids=["ru-few", "ru-many", "uk-one", "ru-penalizer", "en-corr", "uk-corr", "en-few"],
    )
    def test_note_text(self, lang, note, text):
        got = clv_html.note_text(note, tr=get_translator(lang), currency="EUR")
        assert text in got.replace("\u00a0", " ")

    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_every_code_has_a_message_with_its_values(self, lang):
        from retention_lib.analysis.clv import NOTE_CODES

        tr = get_translator(lang)
        sample = {"model": "bgnbd", "count": 7, "needed": 50, "penalizer": 1.0,
                  "requested": 0.0, "used": 0.01, "corr": 0.1, "q": 0.9, "mean": 12.5,
                  "share": 0.95}
        for code, names in NOTE_CODES.items():
            text = clv_html.note_text({"code": code, **{n: sample[n] for n in names}},
                                        tr=tr)
            assert text and "{" not in text, code
