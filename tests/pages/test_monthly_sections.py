"""Tests of retention_lib.pages.monthly_sections: the executive report's sections."""

from __future__ import annotations

from retention_lib.data.io import load_dataset
from retention_lib.pages import monthly, monthly_sections
from tests.pages.test_monthly import _frame


def test_series_note_when_every_month_has_a_short_history():
    # the data start on 1 Mar 2026: every month of the 2026-10 series (back to Nov 2024)
    # looks back less than a year into the data
    rows = [(f"c{i}", "2026-03-01", 100.0) for i in range(6)]
    rows += [(f"c{i}", "2026-09-15", 50.0) for i in range(4)]
    ds = load_dataset({"transactions": _frame(rows)}, as_of="2026-10-31",
                      config={"data_end": "2026-10-31"})
    report = monthly.build_monthly(ds, period="2026-10")
    assert bool(report.series["partial_history"].all())
    html = monthly_sections.section_churn_series(report).data
    assert "Every month of the series starts less than a year after the first" in html
    assert "The first" not in html
