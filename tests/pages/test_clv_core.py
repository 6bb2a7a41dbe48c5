"""Tests of retention_lib.pages.clv_core: the CLV settings and the one fit its readers share."""

from __future__ import annotations

import pandas as pd
import pytest

from retention_lib.config import DEFAULT_SETTINGS
from retention_lib.pages.clv_core import clv_settings
from retention_lib.pages.clv_report import build_clv_page


class TestSettings:
    def test_defaults_and_override(self):
        assert clv_settings(DEFAULT_SETTINGS)["model"] == "bgnbd"
        s = DEFAULT_SETTINGS.replace(extra={"clv": {"model": "pareto", "penalizer": 0.01}})
        assert clv_settings(s)["model"] == "pareto" and clv_settings(s)["penalizer"] == 0.01

    def test_unknown_key_lists_allowed(self):
        s = DEFAULT_SETTINGS.replace(extra={"clv": {"modle": "pareto"}})
        with pytest.raises(ValueError, match=r"\['modle'\].*discount_rate_monthly"):
            clv_settings(s)


class TestSharedFit:
    """p_alive_series, clv_metrics_section and executive_clv share one cached fit."""

    @pytest.fixture()
    def dataset(self, small_sample):
        from retention_lib.data.io import load_dataset

        return load_dataset(small_sample, as_of="2026-11-22")  # a fresh object: cache miss

    def test_p_alive_series_matches_the_page_and_is_cached(self, dataset, monkeypatch):
        from retention_lib.pages import clv_core

        calls = []
        real = clv_core.fit_clv
        monkeypatch.setattr(clv_core, "fit_clv",
                            lambda *a, **k: calls.append(1) or real(*a, **k))
        first = clv_core.p_alive_series(dataset, period="2026-10")
        second = clv_core.p_alive_series(dataset, period="2026-10",
                                           settings=dataset.settings)
        assert len(calls) == 1  # the second call (and the page) reuse the fit
        pd.testing.assert_series_equal(first, second)
        tx = dataset.transactions
        known = sorted(tx.loc[tx["date"] <= "2026-10-31", "customer_id"].unique())
        assert first.index.tolist() == known and first.name == "p_alive"
        assert first.dtype == "float64" and first.between(0, 1).all()
        page = build_clv_page(dataset, period="2026-10", validate=False)
        assert len(calls) == 1
        pd.testing.assert_series_equal(first, page.customers["p_alive"], check_names=False)

    def test_p_alive_series_is_none_when_the_model_is_skipped(self):
        from retention_lib.data.io import load_dataset
        from retention_lib.data.sample import generate_sample
        from retention_lib.pages.clv_core import clv_metrics_section, p_alive_series

        # 20 customers cannot give the 50 repeat buyers the model needs
        ds = load_dataset(generate_sample(customers=20), as_of="2026-11-22")
        assert p_alive_series(ds, period="2026-10") is None
        section = clv_metrics_section(ds, period="2026-10", settings=ds.settings)
        assert section["fitted"] is False
        assert section["notes"][0]["code"] == "purchases_skipped_few"

    def test_metrics_section_is_json_and_language_independent(self, dataset):
        import json

        from retention_lib.pages.clv_core import clv_metrics_section

        out = {lang: clv_metrics_section(dataset, period="2026-10",
                                         settings=dataset.settings.replace(language=lang))
               for lang in ("en", "ru", "uk")}
        assert out["en"] == out["ru"] == out["uk"]
        json.dumps(out["en"])
        page = build_clv_page(dataset, period="2026-10", validate=False)
        c = page.customers
        # expected revenue = sum over customers of expected purchases × expected spend
        by_hand = float((c["expected_purchases_12m"] * c["expected_avg_spend"]).sum())
        assert out["en"]["expected_revenue_12m"] == pytest.approx(by_hand)
        # the small sample ends on Friday 30 October: the model is fitted at the data end
        assert out["en"]["as_of"] == "2026-10-30" and out["en"]["model"] == "bgnbd"
        assert all("code" in n for n in out["en"]["notes"])
        # a period before the first transaction has nothing to fit
        assert clv_metrics_section(dataset, period="2000-01", settings=dataset.settings) \
            is None

    def test_value_tier_potential_is_the_12_month_clv(self, dataset):
        page = build_clv_page(dataset, period="2026-10", validate=False)
        pd.testing.assert_series_equal(page.customers["potential"],
                                       page.customers["clv_12m"], check_names=False)

    @pytest.mark.parametrize("lang", ["en", "ru"], ids=["en", "ru"])
    def test_executive_section(self, dataset, lang):
        import re

        from retention_lib.i18n import get_translator
        from retention_lib.pages.clv_report import EXECUTIVE_DROPS_TOP, executive_clv

        tr = get_translator(lang)
        html = executive_clv(dataset, period="2026-10", settings=dataset.settings,
                             lang=lang).data
        page = build_clv_page(dataset, period="2026-10", validate=False)
        assert '<a href="clv.html">' in html
        assert 'href="#rl-clv-fn1"' in html and 'id="rl-clv-fn1"' in html  # the definition
        assert tr.money(page.metrics["expected_revenue_12m"], "EUR") in html
        rows = re.findall(r"<tr><td>(.*?)</td>", html)
        assert len(rows) == min(EXECUTIVE_DROPS_TOP, len(page.drops))
        # the first row is the customer with the largest drop, by name
        first = page.drops.index[0]
        assert rows[0] == page.customers.loc[first, "name"].replace('"', "&quot;")
