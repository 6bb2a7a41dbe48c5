"""Tests of retention_lib.present.plots: every chart returns a titled Figure with the expected
marks."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from retention_lib.present import plots


def _title(fig: Figure) -> str:
    sup = fig._suptitle.get_text() if fig._suptitle is not None else ""
    return sup or fig.axes[0].get_title(loc="left") or fig.axes[0].get_title()


def _bars(ax) -> list[Rectangle]:
    # bar patches only (the shaded bands of axhspan are not in a BarContainer)
    return [p for c in ax.containers for p in c.patches]


@pytest.fixture(autouse=True)
def _close_all():
    yield
    plt.close("all")


@pytest.fixture
def series():
    idx = pd.date_range("2024-01-31", periods=4, freq="ME")
    return pd.DataFrame(
        {"customer_churn": [0.08, 0.12, 0.21, 0.15], "revenue_churn": [0.05, 0.1, 0.18, 0.1]},
        index=idx,
    )


class TestChurnSeries:
    def test_two_lines_three_bands_and_event_lines(self, series):
        events = pd.DataFrame(
            {
                "date": pd.to_datetime(["2024-02-15", "2030-01-01"]),
                "kind": ["price_change", "other"],
                "description": ["Price increase", "far future (outside range)"],
            }
        )
        fig = plots.plot_churn_series(series, events=events)
        ax = fig.axes[0]
        assert isinstance(fig, Figure) and _title(fig)
        lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 4]
        assert len(lines) == 2  # customer + revenue churn
        assert {ln.get_linestyle() for ln in lines} == {"-", "--"}  # differ without colour
        vlines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 2
                  and ln.get_xdata()[0] == ln.get_xdata()[1]]
        assert len(vlines) == 1  # only the event inside the range
        texts = {t.get_text().strip() for t in ax.texts}
        # events are numbered by date (1 = the price increase), as in the table under the chart
        assert {"normal", "warning", "critical", "1"} <= texts

    def test_axis_starts_at_the_data_and_an_earlier_event_is_named_at_the_edge(self, series):
        from matplotlib.dates import num2date

        first = pd.DatetimeIndex(series.index).min()
        last = pd.DatetimeIndex(series.index).max()
        events = pd.DataFrame(
            {
                "date": [first - pd.DateOffset(months=6), first - pd.DateOffset(months=30)],
                "kind": ["price_change", "other"],
            }
        )
        ax = plots.plot_churn_series(series, events=events).axes[0]
        left, right = (num2date(v).replace(tzinfo=None) for v in ax.get_xlim())
        # half a month of air either side of the data (2024-01-31 .. 2024-04-30), no more
        assert left == first - pd.Timedelta(days=15)
        assert right == last + pd.Timedelta(days=15)
        vlines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 2
                  and ln.get_xdata()[0] == ln.get_xdata()[1]]
        assert vlines == []
        # events are numbered by date: the one 30 months before is 1, 6 months before is 2;
        # only number 2 falls inside the 12-month windows of the first points
        texts = [t.get_text() for t in ax.texts]
        assert "\u2190 earlier: 2" in texts
        assert not any("1" in t for t in texts if t.startswith("\u2190"))

    def test_bands_are_in_the_legend_with_their_thresholds(self, series):
        ax = plots.plot_churn_series(series, normal_max=0.10, critical_min=0.20).axes[0]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend[:2] == ["customer churn", "revenue churn"]
        assert {"normal: up to 10%", "act: 10% to 20%", "critical: 20% or more"} <= set(legend)

    def test_customer_churn_only(self, series):
        fig = plots.plot_churn_series(series[["customer_churn"]])
        assert len([ln for ln in fig.axes[0].get_lines() if len(ln.get_xdata()) == 4]) == 1


class TestChurnByGroup:
    def test_one_bar_per_group_with_counts_and_status_hatch(self):
        table = pd.DataFrame(
            {"churn_rate": [0.05, 0.15, 0.25], "lost": [1, 3, 5], "active_at_start": [20, 20, 20]},
            index=["Ann", "Bob", "<Eve>"],
        )
        fig = plots.plot_churn_by_group(table, title="Churn by manager", overall=0.15)
        ax = fig.axes[0]
        bars = _bars(ax)
        assert len(bars) == 3
        assert [b.get_hatch() or "" for b in bars] == ["", "//", "xx"]
        labels = [t.get_text() for t in ax.texts]
        # 5 lost of 20 active = 25.0 %
        assert "25.0%  (5 of 20)" in labels
        assert _title(fig) == "Churn by manager"

    def test_reference_lines_are_in_the_legend(self):
        table = pd.DataFrame({"churn_rate": [0.05], "lost": [1], "active_at_start": [20]},
                             index=["Ann"])
        ax = plots.plot_churn_by_group(table, title="t", normal_max=0.10, critical_min=0.20,
                                       overall=0.125).axes[0]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["normal up to 10%", "critical from 20%", "company 12.5%"]
        # the lines sit above the bars
        assert all(ln.get_zorder() > b.get_zorder() for ln in ax.get_lines()
                   for b in _bars(ax))


class TestTierShare:
    def test_two_bars_per_tier(self):
        tiers = pd.DataFrame(
            {"customer_share": [0.05, 0.15, 0.3, 0.5], "revenue_share": [0.4, 0.4, 0.15, 0.05]},
            index=["VIP", "A", "B", "C"],
        )
        fig = plots.plot_tier_share(tiers)
        assert len(_bars(fig.axes[0])) == 8 and _title(fig)


class TestSegmentOverview:
    def test_bars_per_segment_in_both_panels(self):
        seg = pd.DataFrame(
            {"customers": [10, 5, 1], "revenue_share": [0.6, 0.3, 0.1]},
            index=["Champions", "At risk", "Lost"],
        )
        fig = plots.plot_segment_overview(seg)
        assert [len(_bars(ax)) for ax in fig.axes] == [3, 3] and _title(fig)


class TestReasonsPareto:
    def test_bars_sorted_and_cumulative_line(self):
        by_count = pd.Series({"price": 5, "service_quality": 3, "unknown": 2})
        by_rev = pd.Series({"price": 1000.0, "service_quality": 9000.0, "unknown": 0.0})
        fig = plots.plot_reasons_pareto(by_count, by_rev)
        bar_axes = [ax for ax in fig.axes if _bars(ax)]
        assert len(bar_axes) == 2
        heights = [b.get_height() for b in _bars(bar_axes[1])]
        assert heights == sorted(heights, reverse=True)
        lines = [ln for ax in fig.axes for ln in ax.get_lines()]
        assert len(lines) == 2
        # cumulative share by revenue: 9000/10000, 10000/10000, 10000/10000
        np.testing.assert_allclose(lines[1].get_ydata(), [0.9, 1.0, 1.0])
        assert _title(fig)

    def test_cumulative_line_is_drawn_over_the_bars_and_named(self):
        by_count = pd.Series({"price": 5, "unknown": 2})
        by_rev = pd.Series({"price": 1000.0, "unknown": 9000.0})
        fig = plots.plot_reasons_pareto(by_count, by_rev)
        for bar_ax in [ax for ax in fig.axes if _bars(ax)]:
            (line_ax,) = [ax for ax in fig.axes if ax is not bar_ax
                          and ax.get_shared_x_axes().joined(ax, bar_ax)]
            # axes are drawn by zorder, then in order of creation: the line's axes comes last
            assert line_ax.get_zorder() >= bar_ax.get_zorder()
            assert fig.axes.index(line_ax) > fig.axes.index(bar_ax)
            assert [t.get_text() for t in line_ax.get_legend().get_texts()] == [
                "cumulative share"]

    def test_money_labels_carry_the_currency_like_the_tables(self):
        from retention_lib.i18n import get_translator

        by_count = pd.Series({"price": 5, "unknown": 2})
        by_rev = pd.Series({"price": 1000.0, "unknown": 9000.0})
        texts = lambda fig: [t.get_text() for ax in fig.axes for t in ax.texts]  # noqa: E731
        en = texts(plots.plot_reasons_pareto(by_count, by_rev, currency="EUR"))
        # 9,000 of 10,000 lost = 90 %; whole euros, as in the tables
        assert "€9,000\n90%" in en and "€1,000\n10%" in en
        ru = texts(plots.plot_reasons_pareto(by_count, by_rev, currency="RUB",
                                             tr=get_translator("ru")))
        assert "9\xa0000\xa0₽\n90\xa0%" in ru
        assert not any("K" in t or "тыс" in t for t in en + ru)
        assert plots.money_label(103_412.4, currency="EUR") == "€103,412"


class TestHeatmaps:
    def test_rfm_counts_grid(self):
        rfm = pd.DataFrame({"R": [5, 5, 1], "F": [1, 1, 5], "monetary": [10.0, 30.0, 5.0]})
        fig = plots.plot_rfm_heatmap(rfm)
        ax = fig.axes[0]
        assert ax.images[0].get_array().shape == (5, 5)
        # R=5,F=1 holds 2 customers: top-left cell (R descending from the top)
        assert ax.images[0].get_array()[0, 0] == 2
        assert _title(fig)

    def test_rfm_monetary_mean(self):
        rfm = pd.DataFrame({"R": [5, 5, 1], "F": [1, 1, 5], "monetary": [10.0, 30.0, 5.0]})
        fig = plots.plot_rfm_heatmap(rfm, value="monetary")
        assert fig.axes[0].images[0].get_array()[0, 0] == 20.0  # (10 + 30) / 2
        assert "€20" in [t.get_text() for t in fig.axes[0].texts]

    def test_rfm_bad_value(self):
        with pytest.raises(ValueError, match="monetary"):
            plots.plot_rfm_heatmap(pd.DataFrame({"R": [1], "F": [1]}), value="sum")

    def test_abc_xyz(self):
        m = pd.DataFrame([[1, 2, 0], [3, 4, 5]], index=["A", "B"], columns=["X", "Y", "Z"])
        fig = plots.plot_abc_xyz(m)
        assert fig.axes[0].images[0].get_array().shape == (2, 3) and _title(fig)
        # 5 of 15 customers = 33 %
        assert "5\n33%" in [t.get_text() for t in fig.axes[0].texts]

    def test_cohort_and_migration(self):
        ret = pd.DataFrame([[1.0, 0.5], [1.0, np.nan]],
                           index=pd.to_datetime(["2026-09-01", "2026-10-01"]), columns=[0, 1])
        fig = plots.plot_cohort_retention(ret, sizes=pd.Series([4, 2], index=ret.index))
        ax = fig.axes[0]
        assert len(ax.texts) == 3  # the unobserved cell is blank
        assert ax.get_yticklabels()[0].get_text() == "2026-09 (n=4)"
        mig = pd.DataFrame([[3, 1], [0, 2]], index=["Champions", "Lost"],
                           columns=["Champions", "Lost"])
        fig2 = plots.plot_segment_migration(mig)
        assert len(fig2.axes[0].texts) == 3 and _title(fig2)


def test_use_report_style_sets_font():
    import matplotlib as mpl

    plots.use_report_style()
    assert mpl.rcParams["font.family"] == ["DejaVu Sans"]


@pytest.mark.parametrize(("lang", "label"), [
    ("en", "1 = no more often than the unflagged customers"),
    ("ru", "1 — не чаще, чем неотмеченные клиенты"),
])
def test_backtest_lift_reference_line_is_in_the_legend(lang, label):
    import dataclasses

    from retention_lib.analysis.backtest import Backtest
    from retention_lib.i18n import get_translator
    from retention_lib.present.diagnostics_plots import plot_backtest

    names = {f.name for f in dataclasses.fields(Backtest) if f.default is dataclasses.MISSING
             and f.default_factory is dataclasses.MISSING}
    values = {n: 0 for n in names} | {
        "at": pd.Timestamp("2026-01-01"), "horizon_end": pd.Timestamp("2026-04-01"),
        "data_end": pd.Timestamp("2026-10-31"), "provisional": False,
        "churn_rate_flagged": 0.4, "churn_rate_unflagged": 0.1}
    by_marker = pd.DataFrame({"lift": [3.0, 0.8]}, index=["orders_down", "overdue"])
    fig = plot_backtest(Backtest(**values, by_marker=by_marker), tr=get_translator(lang))
    legend = fig.axes[1].get_legend()
    assert legend is not None and [t.get_text() for t in legend.get_texts()] == [label]
    plt.close(fig)
