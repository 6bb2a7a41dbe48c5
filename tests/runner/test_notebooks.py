"""The report notebooks: committed thin and clean, and they run on a small fixture dataset."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ("monthly_report", "customer_base")
PARAMETERS = {"data_dir", "config_path", "period", "company_name", "language"}


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


class TestCommittedNotebooks:
    @pytest.mark.parametrize("name", NAMES)
    def test_no_outputs_no_execution_counts(self, name):
        nb = _read(name)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [], f"{name}: a cell has outputs"
                assert cell.execution_count is None, f"{name}: a cell has an execution count"

    @pytest.mark.parametrize("name", NAMES)
    def test_one_parameters_cell_of_literals(self, name):
        nb = _read(name)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1
        tree = ast.parse(tagged[0].source)
        names = set()
        for node in tree.body:
            assert isinstance(node, ast.Assign), ast.dump(node)
            assert isinstance(node.value, ast.Constant), ast.dump(node)
            assert len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
            names.add(node.targets[0].id)
        assert names == PARAMETERS
        assert nb.cells.index(tagged[0]) == 0

    @pytest.mark.parametrize("name", NAMES)
    def test_every_cell_after_setup_is_one_library_call(self, name):
        nb = _read(name)
        code = [c for c in nb.cells if c.cell_type == "code"]
        for cell in code[2:]:
            body = ast.parse(cell.source).body
            assert len(body) == 1 and isinstance(body[0], ast.Expr)
            assert isinstance(body[0].value, ast.Call)


@pytest.fixture(scope="module")
def fixture_data(tmp_path_factory) -> dict[str, Path]:
    from retention_lib.data.sample import write_sample

    full = tmp_path_factory.mktemp("full")
    write_sample(full, customers=150)
    reduced = tmp_path_factory.mktemp("reduced")
    for f in full.iterdir():
        if f.stem not in ("surveys", "events", "customers"):
            shutil.copy(f, reduced / f.name)
    return {"full": full, "reduced": reduced}


def _run(name: str, data_dir: Path, out: Path) -> nbformat.NotebookNode:
    import papermill as pm

    pm.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(out),
        parameters={"data_dir": str(data_dir.resolve()), "period": "2026-10"},
        kernel_name="python3",
        cwd=str(NOTEBOOKS),
        progress_bar=False,
    )
    return nbformat.read(out, as_version=4)


def _html_outputs(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error"
            assert not (output.get("output_type") == "stream" and output.get("name") == "stderr"), \
                output.get("text")
            parts.append(output.get("data", {}).get("text/html", ""))
    return "".join(parts)


@pytest.mark.slow
class TestExecution:
    def test_monthly_report_runs(self, fixture_data, tmp_path):
        nb = _run("monthly_report", fixture_data["full"], tmp_path / "out.ipynb")
        html = _html_outputs(nb)
        for heading in ("Verdict", "Churn over time", "Where customers are lost",
                        "Who the customers are", "Why customers left",
                        "Definitions and data quality"):
            assert heading in html
        assert "needs the" not in html  # nothing switched off on the full sample
        assert html.count("<img ") >= 6

    def test_missing_tables_switch_sections_off(self, fixture_data, tmp_path):
        nb = _run("monthly_report", fixture_data["reduced"], tmp_path / "out.ipynb")
        html = _html_outputs(nb)
        for table in ("surveys", "customers", "events"):
            assert f"needs the <code>{table}</code> table; add {table}.csv to switch it on" \
                in html

    def test_customer_base_runs(self, fixture_data, tmp_path):
        nb = _run("customer_base", fixture_data["full"], tmp_path / "out.ipynb")
        html = _html_outputs(nb)
        for heading in ("RFM segments", "ABC × XYZ", "Acquisition cohorts",
                        "Segment migration since last month"):
            assert heading in html
        assert html.count("<img ") == 5
