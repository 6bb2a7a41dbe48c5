"""Short histories never crash (issue 18, point 3), as a property over generated businesses.

The sample business (:func:`retention_lib.data.sample.generate_sample`) cut to 1, 3, 6, 13 and 25
months of history ending on Friday 9 October 2026; for every month from the second month of
data to the data end, every page of the report is built in-process with the library's page
builders, and the headline figures are computed; one real CLI run reports a partial month.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from retention_lib.data.io import load_dataset
from retention_lib.data.sample import generate_sample
from retention_lib.pages import (
    clv_report,
    diagnostics,
    discipline,
    monthly,
    monthly_first_page,
    monthly_metrics,
    monthly_sections,
)

pytestmark = pytest.mark.slow

END = "2026-10-09"


def _months(months: int) -> list[str]:
    data_start = pd.Timestamp(END) + pd.Timedelta(days=1) - pd.DateOffset(months=months)
    first = data_start.to_period("M") + 1  # from the second month of data
    return [str(p) for p in pd.period_range(first, pd.Timestamp(END).to_period("M"), freq="M")]


@pytest.mark.parametrize("months", [1, 3, 6, 13, 25])
def test_every_period_builds(months):
    ds = load_dataset(generate_sample(customers=120, months=months, end=END),
                      as_of="2026-11-15")
    assert ds.data_end == pd.Timestamp(END)
    periods = _months(months) or [str(pd.Timestamp(END).to_period("M"))]
    for period in periods:
        report = monthly.build_monthly(ds, period=period)
        assert report.as_of == min(pd.Timestamp(END),
                                   pd.Period(period, "M").to_timestamp(how="end").normalize())
        for section in (monthly_first_page.section_header, monthly_first_page.section_verdict,
                        monthly_first_page.section_kpis, monthly_sections.section_churn_series,
                        monthly_sections.section_churn_breakdown):
            assert section(report).data
        if report.tiers_missing:
            assert "Churn by tier needs tiers as of" in \
                monthly_sections.section_churn_breakdown(report).data
        if period == "2026-10":  # the partial last month says so
            assert "Data up to 9 October 2026" in monthly_first_page.section_header(report).data
        diag = diagnostics.build_diagnostics(ds, period=period)
        assert diag.as_of == report.as_of
        discipline.build_contact_discipline(ds, period=period)
        clv_report.build_clv_page(ds, period=period)
        m = monthly_metrics.report_metrics(ds, period=period)
        json.dumps(m, allow_nan=False)
        assert m["as_of"] <= END and m["data_end"] == END
        if m["backtest"] is not None:
            assert m["backtest"]["provisional"] is False


def test_cli_reports_a_partial_month_of_a_short_history(tmp_path):
    from typer.testing import CliRunner

    from retention_lib.cli import app
    from retention_lib.data.sample import write_sample

    data = tmp_path / "data"
    write_sample(data, customers=100, months=3, end=END)
    runner = CliRunner()
    out = tmp_path / "reports"
    result = runner.invoke(app, ["report", "--data", str(data), "--out", str(out),
                                 "--period", "2026-10", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "2026-10" / "metrics.json").read_text(encoding="utf-8"))
    assert (metrics["as_of"], metrics["data_end"], metrics["partial"]) == (END, END, True)
    assert metrics["data_quality"]["as_of"] == END
    html = (out / "2026-10" / "index.html").read_text(encoding="utf-8")
    assert "Data up to 9 October 2026" in html


def test_retail_export_reports_every_month(tmp_path):
    """The export of issue 18 (a year of invoice lines ending on Friday 9 December 2011,
    quantity x unit price, US dates, Latin-1, a quarter of the lines without an id) loads
    with its YAML alone; every month from December 2010 to the partial December 2011 builds;
    the default period is the last full month, November 2011."""
    from retention_lib.data.sample_retail import write_retail_export
    from retention_lib.periods import last_complete_month

    config = write_retail_export(tmp_path / "retail")
    ds = load_dataset(tmp_path / "retail", config=config, as_of="2011-12-31")
    assert ds.data_end == pd.Timestamp("2011-12-09")
    assert last_complete_month(ds.data_end) == "2011-11"
    no_id = [e for e in ds.exclusions if e.amount is not None]
    assert len(no_id) == 1 and no_id[0].rows > 0
    for period in pd.period_range("2010-12", "2011-12", freq="M").astype(str):
        report = monthly.build_monthly(ds, period=period)
        for section in (monthly_first_page.section_header, monthly_first_page.section_verdict,
                        monthly_first_page.section_kpis, monthly_sections.section_churn_series,
                        monthly_sections.section_churn_breakdown):
            assert section(report).data
        diagnostics.build_diagnostics(ds, period=period)
        discipline.build_contact_discipline(ds, period=period)
        clv_report.build_clv_page(ds, period=period)
        m = monthly_metrics.report_metrics(ds, period=period)
        json.dumps(m, allow_nan=False)
        assert m["as_of"] <= "2011-12-09"
        assert m["partial"] is (period == "2011-12")
        # no manager column: the manager sections are off, never one "unassigned" bar
        assert "churn by manager" in report.sections_off
