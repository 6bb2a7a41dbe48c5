"""Tests of retention_lib.pages.diagnostics_sections: the churn-diagnostics page's sections."""

from __future__ import annotations

import pytest

from retention_lib.data.io import load_dataset
from retention_lib.pages import diagnostics as dx
from retention_lib.pages import diagnostics_sections as sections
from tests.pages.test_diagnostics import P_ALIVE, PERIOD, _build, _tables, _text
from tests.pages.test_diagnostics import dataset as dataset  # a fixture


class TestSections:
    def test_event_outside_the_data_is_a_note(self, dataset):
        text = _text(sections.section_events(_build(dataset, "en")))
        # data: first purchase 2023-07-15, last 2025-12-15
        assert ("2020-01-01: the event lies outside the data (2023-07-15 to 2025-12-15); "
                "not measured.") in text
        assert "not measured" in text

    def test_missing_tables_switch_off_markers_and_events(self):
        ds = load_dataset({"transactions": _tables()["transactions"]}, as_of="2026-01-15")
        diag = dx.build_diagnostics(ds, period=PERIOD, p_alive=P_ALIVE)
        assert diag.markers_off == {"contacts_down": "contacts", "complaints_up": "signals",
                                    "competitor_interest": "signals", "not_using": "usage"}
        text = _text(sections.section_save(diag))
        assert "Warning signs left out for lack of data: less responsive (no contact log)" in text
        assert "needs the <code>events</code> table" in _text(sections.section_events(diag))

    @pytest.mark.parametrize("lang", ["en", "ru", "uk"])
    def test_every_section_renders(self, dataset, lang):
        diag = _build(dataset, lang)
        page = "".join(_text(f(diag)) for f in (
            sections.section_header, sections.section_save, sections.section_backtest,
            sections.section_events, sections.section_winback, sections.section_won_back,
            sections.section_economics, sections.section_definitions))
        for anchor, _ in sections.DIAGNOSTICS_SECTIONS:
            assert f'id="{anchor}"' in page and f'href="#{anchor}"' in page
        assert "{" not in page.split("</style>", 1)[1]
