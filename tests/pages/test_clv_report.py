"""Tests of retention_lib.pages.clv_report (the CLV page) and notebooks/clv.ipynb."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from retention_lib.config import DEFAULT_SETTINGS
from retention_lib.pages.clv_core import clv_settings
from retention_lib.pages.clv_report import (
    build_clv_page,
    clv_by_tier,
    potential_class,
    tier_potential,
)

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "clv.ipynb"


class TestPotential:
    def test_classes_by_rank(self):
        # 10 customers with CLV 10..1 and one without: top 20 % = 2 high, next 30 % = 3
        # medium, the other 5 low; the NaN is unknown
        clv = pd.Series([float(v) for v in range(10, 0, -1)] + [np.nan],
                        index=[f"c{i}" for i in range(11)])
        got = potential_class(clv).astype(str).tolist()
        assert got == ["high"] * 2 + ["medium"] * 3 + ["low"] * 5 + ["unknown"]

    def test_tier_potential_matrix(self):
        customers = pd.DataFrame({
            "tier": ["A", "A", "B", "C", "C", "VIP"],
            "potential_class": ["high", "low", "high", "low", "unknown", "high"],
        })
        mat = tier_potential(customers)
        assert mat.index.tolist() == ["VIP", "A", "B", "C"]
        assert mat.columns.tolist() == ["high", "medium", "low", "unknown"]
        expected = [[1, 0, 0, 0], [1, 0, 1, 0], [1, 0, 0, 0], [0, 0, 1, 1]]
        assert mat.to_numpy().tolist() == expected

    def test_clv_by_tier_quantiles(self):
        customers = pd.DataFrame({"tier": ["A"] * 5 + ["C"],
                                  "clv_12m": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan]})
        out = clv_by_tier(customers)
        # A: values 1..5 → total 15, mean 3, median 3, p25 2, p75 4 (linear interpolation)
        assert out.loc["A", ["customers", "total", "mean", "p25", "median", "p75"]].tolist() \
            == [5, 15.0, 3.0, 2.0, 3.0, 4.0]
        assert out.loc["C", "customers"] == 0 and np.isnan(out.loc["C", "median"])


class TestSettings:
    def test_defaults_and_override(self):
        assert clv_settings(DEFAULT_SETTINGS)["model"] == "bgnbd"
        s = DEFAULT_SETTINGS.replace(extra={"clv": {"model": "pareto", "penalizer": 0.01}})
        assert clv_settings(s)["model"] == "pareto" and clv_settings(s)["penalizer"] == 0.01

    def test_unknown_key_lists_allowed(self):
        s = DEFAULT_SETTINGS.replace(extra={"clv": {"modle": "pareto"}})
        with pytest.raises(ValueError, match=r"\['modle'\].*discount_rate_monthly"):
            clv_settings(s)


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory) -> Path:
    from retention_lib.data.sample import write_sample

    out = tmp_path_factory.mktemp("clv_sample")
    write_sample(out, customers=150)
    return out


class TestBuildPage:
    def test_page_on_small_sample(self, small_sample):
        from retention_lib.data.io import load_dataset

        ds = load_dataset(small_sample, as_of="2026-10-31")
        page = build_clv_page(ds, period="2026-10")
        c = page.customers
        assert c.index.equals(pd.Index(sorted(ds.transactions["customer_id"].unique())))
        assert {"name", "manager", "tier", "p_alive", "clv_12m", "potential_class"} <= set(c)
        assert page.tier_potential.to_numpy().sum() == len(c)
        assert page.metrics["customers"] == len(c)
        if page.model.spend_ok_:
            assert page.metrics["clv_12m_total"] == pytest.approx(c["clv_12m"].sum())


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


class TestNotebook:
    def test_committed_clean_with_literal_parameters(self):
        nb = nbformat.read(NOTEBOOK, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None
        assert "parameters" in nb.cells[0].metadata.get("tags", [])
        names = set()
        for node in ast.parse(nb.cells[0].source).body:
            assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            names.add(node.targets[0].id)
        assert names == {"data_dir", "config_path", "period", "company_name", "language"}
        for cell in [c for c in nb.cells if c.cell_type == "code"][2:]:
            body = ast.parse(cell.source).body
            assert len(body) == 1 and isinstance(body[0].value, ast.Call)

    @pytest.mark.slow
    @pytest.mark.parametrize("dataset", ["sample", "cdnow"])
    def test_executes_with_papermill(self, dataset, small_sample, tmp_path):
        import papermill as pm

        if dataset == "cdnow":
            from retention_lib.data.cdnow import write_cdnow

            data, period = tmp_path / "cdnow", "1998-06"
            write_cdnow(data, sample=True)
        else:
            data, period = small_sample, "2026-10"
        out = tmp_path / "out.ipynb"
        pm.execute_notebook(str(NOTEBOOK), str(out), kernel_name="python3",
                            parameters={"data_dir": str(data), "period": period},
                            cwd=str(NOTEBOOK.parent), progress_bar=False)
        nb = nbformat.read(out, as_version=4)
        html = []
        for cell in nb.cells:
            for o in cell.get("outputs", []):
                assert o.get("output_type") != "error"
                assert not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                html.append(o.get("data", {}).get("text/html", ""))
        page = "".join(html)
        for heading in ("The model", "Who is still a customer", "Can we trust the model?",
                        "Future value by tier", "Current value and potential",
                        "Top 25 customers by potential", "Definitions"):
            assert heading in page
        assert page.count("<img ") >= 4
