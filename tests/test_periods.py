"""The data end and the report periods (issue 18, points 1 and 2): one rule, in periods.py."""

from __future__ import annotations

import pandas as pd
import pytest

from retention_lib import periods
from retention_lib.config import ConfigError, load_settings
from retention_lib.data.io import load_dataset
from retention_lib.pages import (
    context,
    monthly,
    monthly_first_page,
    monthly_metrics,
    monthly_sections,
    monthly_verdict,
)


def _tx(rows):
    ids, dates, amounts = zip(*rows, strict=True)
    return pd.DataFrame({"customer_id": list(ids), "date": list(dates), "amount": list(amounts)})


class TestReportAsOf:
    def test_min_of_month_end_and_data_end(self):
        assert periods.report_as_of("2010-12", "2010-12-09") == pd.Timestamp("2010-12-09")
        assert periods.report_as_of("2010-11", "2010-12-09") == pd.Timestamp("2010-11-30")
        assert periods.report_as_of("2024-02") == pd.Timestamp("2024-02-29")

    def test_a_month_after_the_data_end_is_an_error(self):
        with pytest.raises(ValueError, match="starts after the data end 2010-12-09"):
            periods.report_as_of("2011-01", "2010-12-09")

    def test_partial_and_previous_month_end(self):
        assert periods.is_partial("2010-12", "2010-12-09")
        assert not periods.is_partial("2010-11", "2010-12-09")
        assert periods.ends_early(pd.Timestamp("2010-12-09"))
        assert not periods.ends_early(pd.Timestamp("2010-11-30"))
        assert periods.previous_month_end("2010-12", "2010-12-09") == pd.Timestamp("2010-11-30")

    def test_window_start_follows_churn_rate(self):
        # month end -> month end 12 months earlier; mid-month -> same day a year earlier
        assert periods.window_start("2010-11-30") == pd.Timestamp("2009-11-30")
        assert periods.window_start("2010-12-09") == pd.Timestamp("2009-12-09")


class TestLastCompleteMonth:
    @pytest.mark.parametrize(
        ("data_end", "expected"),
        [("2026-10-31", "2026-10"), ("2026-10-28", "2026-10"), ("2026-10-27", "2026-09"),
         ("2010-12-09", "2010-11"), ("2026-02-25", "2026-02"), ("2026-02-24", "2026-01")],
    )
    def test_tolerance_of_three_trailing_days(self, data_end, expected):
        assert periods.last_complete_month(data_end) == expected

    def test_tolerance_zero(self):
        assert periods.last_complete_month("2026-10-30", trailing_days=0) == "2026-09"


class TestDataEnd:
    def test_latest_date_of_the_dated_tables(self):
        tx = _tx([("a", "2026-01-05", 10.0), ("a", "2026-10-09", 10.0)])
        contacts = pd.DataFrame({"customer_id": ["a"], "date": ["2026-10-14"],
                                 "channel": ["call"]})
        events = pd.DataFrame({"date": ["2026-11-20"], "kind": ["price_change"],
                               "description": ["planned"]})
        ds = load_dataset({"transactions": tx}, as_of="2026-11-22")
        assert ds.data_end == pd.Timestamp("2026-10-09")
        ds = load_dataset({"transactions": tx, "contacts": contacts, "events": events},
                          as_of="2026-11-22")
        # contacts reach the 14th; the planned event in November does not count
        assert ds.data_end == pd.Timestamp("2026-10-14")

    def test_config_overrides(self):
        tx = _tx([("a", "2026-01-05", 10.0), ("a", "2026-10-29", 10.0)])
        ds = load_dataset({"transactions": tx}, as_of="2026-11-22",
                          config={"data_end": "2026-11-01"})
        assert ds.data_end == pd.Timestamp("2026-11-01")
        assert ds.to_metrics(as_of="2026-10-31")["data_end"] == "2026-11-01"
        assert ds.to_metrics(as_of="2026-10-31")["as_of"] == "2026-10-31"

    def test_bad_config_value(self):
        with pytest.raises(ConfigError, match="data_end '9 Dec' is not a date"):
            load_settings({"data_end": "9 Dec"})

    def test_notebook_settings_take_the_runner_data_end(self, monkeypatch):
        monkeypatch.setenv(periods.DATA_END_ENV, "2010-12-31")
        assert str(context.notebook_settings().data_end) == "2010-12-31"


class TestNeverPastTheDataEnd:
    """A retail export ending on Thursday 9 December 2010, reported for December."""

    @pytest.fixture()
    def dataset(self):
        rows = []
        # w: weekly buyer from 2010-01-07 (Thursday) to 2010-12-09 (its last week)
        rows += [("w", f"{d:%Y-%m-%d}", 50.0)
                 for d in pd.date_range("2010-01-07", "2010-12-09", freq="7D")]
        # o: bought on 2009-12-20 only: lost on 2010-12-20 (365-day lapse), after the data end
        rows += [("o", "2009-12-20", 300.0)]
        # p: bought on 2009-12-05 only: lost on 2010-12-05, inside the data
        rows += [("p", "2009-12-05", 200.0)]
        return load_dataset({"transactions": _tx(rows)}, as_of="2011-01-15")

    def test_default_is_november_and_december_is_partial(self, dataset):
        assert context.resolve_period(dataset) == "2010-11"
        report = monthly.build_monthly(dataset, period="2010-12")
        assert report.as_of == pd.Timestamp("2010-12-09") and report.partial
        # p is lost on 5 Dec (inside the data); o would be "lost" on 20 Dec, after the data
        # end: not counted
        assert list(report.lost_month.index) == ["p"]
        assert report.lost_month.loc["p", "lost_on"] == pd.Timestamp("2010-12-05")
        m = monthly_metrics.report_metrics(dataset, period="2010-12")
        assert (m["as_of"], m["data_end"], m["partial"]) == ("2010-12-09", "2010-12-09", True)
        assert m["customers"]["lost_this_month"] == 1
        html = monthly_first_page.section_header(report).data
        assert "Data up to 9 December 2010" in html and "partial month" in html
        sentences = " ".join(monthly_verdict.verdict_sentences(report))
        assert "The data end on 9 December 2010" in sentences

    def test_short_history_is_said_with_dates(self, dataset):
        report = monthly.build_monthly(dataset, period="2010-11")
        # the window (2009-11-30, 2010-11-30] needs purchases from 2008-11-30 and tiers as
        # of 2009-11-30; the data start on 2009-12-05
        assert report.short_history and report.tiers_missing
        sentences = " ".join(monthly_verdict.verdict_sentences(report))
        assert "needs purchases from 30 November 2008" in sentences
        assert "the data start on 5 December 2009" in sentences
        kpis = monthly_first_page.section_kpis(report).data
        assert "shorter history: data from 5 December 2009" in kpis
        m = monthly_metrics.report_metrics(dataset, period="2010-11")
        assert m["history"] == {"data_start": "2009-12-05", "window_start": "2009-11-30",
                                "needed_from": "2008-11-30", "short_history": True,
                                "tiers_missing": True}

    def test_churn_by_tier_needs_tiers_a_year_ago(self):
        rows = [("a", "2010-12-01", 10.0), ("a", "2011-02-03", 10.0), ("b", "2011-01-04", 5.0),
                ("b", "2011-03-31", 5.0)]
        ds = load_dataset({"transactions": _tx(rows)}, as_of="2011-04-15")
        report = monthly.build_monthly(ds, period="2011-03")
        assert report.tiers_missing
        html = monthly_sections.section_churn_breakdown(report).data
        assert "Churn by tier needs tiers as of 31 March 2010; the data start on 1 December " \
            "2010." in html
        # tiers at 31 March 2011 rank the 121 days 1 Dec 2010 .. 31 Mar 2011, not 365
        assert "the data start on 1 December 2010, so they rank the 121 days the data hold" \
            in monthly_sections.section_value_tiers(report).data


class TestRunner:
    def test_resolve_period_default_partial_and_outside(self):
        from datetime import date

        from retention_lib.runner.report import ReportError, _resolve_period

        first = date(2010, 12, 1)
        assert _resolve_period(None, first, date(2011, 12, 9)) == ("2011-11", date(2011, 11, 30))
        # --period for the month the data end in: reported up to the data end
        assert _resolve_period("2011-12", first, date(2011, 12, 9)) == ("2011-12",
                                                                         date(2011, 12, 9))
        with pytest.raises(ReportError, match="cover no calendar month"):
            _resolve_period(None, first, date(2010, 12, 9))
        with pytest.raises(ReportError, match="outside the data"):
            _resolve_period("2012-01", first, date(2011, 12, 9))

    def test_data_end_after_today_is_a_usage_error(self, tmp_path):
        from retention_lib.runner.report import ReportError, run_report

        tx = _tx([("a", "2026-01-05", 10.0), ("a", "2026-02-05", 10.0)])
        (tmp_path / "data").mkdir()
        tx.to_csv(tmp_path / "data" / "transactions.csv", index=False)
        with pytest.raises(ReportError, match="is after today") as err:
            run_report(data=tmp_path / "data", out=tmp_path / "out", data_end="2999-01-01",
                       dataset_cache=False)
        assert err.value.exit_code == 2

    def test_validate_prints_the_data_end(self, tmp_path):
        from typer.testing import CliRunner

        from retention_lib.cli import app

        tx = _tx([("a", "2026-01-05", 10.0), ("a", "2026-02-05", 10.0)])
        tx.to_csv(tmp_path / "transactions.csv", index=False)
        runner = CliRunner()
        result = runner.invoke(app, ["validate", "--data", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert "Data end 2026-02-05 (the latest date in the data)" in result.output
        result = runner.invoke(app, ["validate", "--data", str(tmp_path),
                                     "--data-end", "2026-02-28"])
        assert "Data end 2026-02-28 (given in the settings)" in result.output
        result = runner.invoke(app, ["validate", "--data", str(tmp_path),
                                     "--data-end", "28/02/2026"])
        assert result.exit_code == 2 and "is not a date" in result.output


def test_archive_marks_a_partial_month(tmp_path):
    import json

    from retention_lib.runner.archive import build_archive_index

    for period, partial in (("2010-11", False), ("2010-12", True)):
        (tmp_path / period).mkdir()
        (tmp_path / period / "metrics.json").write_text(json.dumps(
            {"period": period, "partial": partial, "data_end": "2010-12-09"}), encoding="utf-8")
    page = build_archive_index(tmp_path)
    # the data end written as the report's language writes dates (archive.partial)
    assert page.count("partial: data up to 9 December 2010") == 1
    assert "неполный месяц: данные по 9 декабря 2010" in build_archive_index(
        tmp_path, language="ru")
    assert "неповний місяць: дані по 9 грудня 2010" in build_archive_index(
        tmp_path, language="uk")
