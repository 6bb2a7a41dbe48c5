"""Tests of retention_lib.pages.monthly_verdict: the executive report's verdict in plain words."""

from __future__ import annotations

import pytest

from retention_lib.pages import monthly, monthly_verdict
from tests.pages.test_monthly import _tiny


class TestVerdictBoundaries:
    @pytest.mark.parametrize(
        ("n", "lost", "text"),
        [
            # 2 / 20 = 0.10 exactly: normal (rate <= 0.10)
            pytest.param(20, 2, "Annual customer churn is 10.0% — normal zone", id="0.10-normal"),
            # 3 / 20 = 0.15: warning
            pytest.param(20, 3, "Annual customer churn is 15.0% — warning zone (above 10%): "
                         "act.", id="0.15-warning"),
            # 4 / 20 = 0.20 exactly: critical (rate >= 0.20)
            pytest.param(20, 4, "Annual customer churn is 20.0% — critical zone (20% or more):"
                         " act urgently.", id="0.20-critical"),
        ],
    )
    def test_first_sentence(self, n, lost, text):
        report = monthly.build_monthly(_tiny(n, lost), period="2026-10")
        sentences = monthly_verdict.verdict_sentences(report)
        assert sentences[0].startswith(text)

    def test_month_counts_and_no_surveys(self):
        extra = [
            ("lost1", "2025-10-10", 500.0),  # lost on 2026-10-10: lost in October, €500
            ("back1", "2025-01-01", 50.0),  # 657-day gap, then back on 2026-10-20 with €80
            ("back1", "2026-10-20", 80.0),
        ]
        report = monthly.build_monthly(_tiny(20, 2, extra), period="2026-10")
        sentences = monthly_verdict.verdict_sentences(report)
        assert "1 customer was lost in October (€500 of annual revenue) and 1 won back (€80)." \
            in sentences
        assert sentences[-2] == "Exit reasons are unknown: add surveys.csv to rank them."
        # the retention-economics scenario closes the verdict
        assert sentences[-1] == report.scenario
        assert report.scenario.startswith("Cutting churn by 5.0 pts would keep about €")
        assert "at risk" not in report.scenario  # nobody flagged in this tiny base
        assert report.sections_off == {
            "exit reasons": "surveys",
            "churn by manager": "customers",
            "churn by segment": "customers",
            "churn by region": "customers",
            "company events on the churn chart": "events",
        }

    def test_change_on_last_month(self):
        # September window (2025-09-30, 2026-09-30]: the same 2 of 20 lost → 10.0 %;
        # lost1 bought 2025-10-10, after S of September, so it is in October's base only:
        # October: 3 of 21 = 14.3 %; up 4.3 points.
        extra = [("lost1", "2025-10-10", 500.0)]
        report = monthly.build_monthly(_tiny(20, 2, extra), period="2026-10")
        assert "Up 4.3 points on last month (10.0% at the end of September)." in \
            monthly_verdict.verdict_sentences(report)
