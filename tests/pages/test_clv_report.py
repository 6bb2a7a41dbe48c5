"""Tests of retention_lib.pages.clv_report (the CLV page) and notebooks/clv.ipynb."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

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
