"""Tests of retention_lib.pages.monthly_first_page: KPI tiles, verdict order, the actions."""

from __future__ import annotations

from retention_lib.pages import monthly, monthly_first_page, monthly_verdict
from tests.pages.test_monthly import _tiny


class TestFirstPage:
    def test_previous_month_and_changes_on_the_tiles(self):
        extra = [
            ("lostS", "2025-09-15", 700.0),  # lost on 2026-09-15: lost in September, €700
            ("lost1", "2025-10-10", 500.0),  # lost on 2026-10-10: lost in October
            ("backS", "2024-01-01", 50.0),  # 993-day gap, back on 2026-09-20 with €90
            ("backS", "2026-09-20", 90.0),
        ]
        report = monthly.build_monthly(_tiny(20, 2, extra), period="2026-10")
        # active at 2026-09-30: the 18 who bought on 2026-09-10, lost1 (until 2026-10-10)
        # and backS = 20; at 2026-10-31: 18 + backS = 19
        assert report.active_now == 19
        # won back in September: backS and the 18 whose 2026-09-10 purchase ended a 466-day
        # gap (over the 365-day lapse): 19, with 18 x 100 + 90 = 1,890
        assert report.previous_month == {"active": 20, "lost": 1, "lost_revenue": 700.0,
                                         "won": 19, "won_revenue": 1890.0}
        html = monthly_first_page.section_kpis(report).data
        assert "−1 vs last month (20)" in html  # active customers
        assert "±0 vs last month (1)" in html  # lost: 1 in October, 1 in September
        assert "−19 vs last month (19)" in html  # won back: 0 in October, 19 in September

    def test_change_follows_customer_churn_before_revenue_churn(self):
        report = monthly.build_monthly(_tiny(20, 2, [("lost1", "2025-10-10", 500.0)]),
                                       period="2026-10")
        s = monthly_verdict.verdict_sentences(report)
        assert s[0].startswith("Annual customer churn")
        assert s[1].startswith("Up 4.3 points on last month")
        # then the caveat of this short history (data from 1 Jun 2025), then revenue churn
        assert s[2].startswith("Annual churn needs purchases from 31 October 2024")
        assert s[3].startswith("Revenue churn")

    def test_actions_section(self, sample_dataset):
        from retention_lib.pages import diagnostics as dx
        from retention_lib.pages import discipline, discipline_executive

        report = monthly.build_monthly(sample_dataset, period="2026-10")
        html = monthly_first_page.section_actions(report, dataset=sample_dataset).data
        assert 'id="rl-actions"' in html and "This month&#x27;s actions" in html
        contact = discipline.build_contact_discipline(sample_dataset, period="2026-10",
                                                      lang="en", with_funnel=False)
        diag = dx.build_diagnostics(sample_dataset, period="2026-10", lang="en")
        acts = discipline_executive.executive_actions(contact, at_risk=diag.at_risk,
                                                      queue=diag.queue)
        assert 3 <= len(acts) <= 5
        assert html.count("<li>") == len(acts)
        for a in acts:  # every action names its owner and its money
            owner = "Director" if a["owner"] == "director" else a["owner"]
            assert f"<strong>{owner}</strong>" in html
            if a["customers"]:
                assert a["customers"][0].replace('"', "&quot;") in html
