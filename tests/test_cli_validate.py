"""Tests for ``retention validate``: exit 0 on clean data, 1 with a clear message otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from retention_lib.cli import app

AS_OF = "2026-10-31"
HEADER = "customer_id,date,amount\n"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

runner = CliRunner()


def make_folder(root: Path, files: dict[str, str]) -> Path:
    folder = root / "data"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def validate(folder: Path, *extra: str):
    return runner.invoke(app, ["validate", "--data", str(folder), "--as-of", AS_OF, *extra])


# (files, expected fragments of the message): file name, column, row count, first rows/values
BAD_CASES = {
    "missing-column": (
        {"transactions.csv": "customer_id,date,total\nC1,2026-01-05,1\n"},
        ["transactions.csv", "column 'amount'", "1 data rows", "columns found"],
    ),
    "unparseable-date": (
        {"transactions.csv": HEADER + "C1,2026-01-05,1\nC2,31/02/2026,2\n"},
        ["transactions.csv", "column 'date'", "1 row", "line 3 '31/02/2026'"],
    ),
    "non-numeric-amount": (
        {"transactions.csv": HEADER + "C1,2026-01-05,ten\nC2,2026-01-05,n/a\n"},
        ["transactions.csv", "column 'amount'", "2 rows", "line 2 'ten', line 3 'n/a'"],
    ),
    "header-only": (
        {"transactions.csv": HEADER},
        ["transactions.csv", "has a header but no data rows"],
    ),
    "missing-file": (
        {"customers.csv": "customer_id\nC1\n"},
        ["transactions", "not found", "customers.csv"],
    ),
    "future-date": (
        {"transactions.csv": HEADER + "C1,2026-10-31,1\nC1,2026-11-02,1\n"},
        ["transactions.csv", "column 'date'", "1 row", "after the report date 2026-10-31",
         "line 3 '2026-11-02'"],
    ),
    "comma-decimal-in-comma-file": (
        {"transactions.csv": HEADER + "C1,2026-01-05,12,50\n"},
        ["transactions.csv", 'csv: {sep: ";", decimal: ","}'],
    ),
    "bad-channel": (
        {"transactions.csv": HEADER + "C1,2026-01-05,1\n",
         "contacts.csv": "customer_id,date,channel\nC1,2026-01-05,pigeon\n"},
        ["contacts.csv", "column 'channel'", "1 row", "line 2 'pigeon'", "'meeting'"],
    ),
}


class TestValidate:
    @pytest.mark.parametrize("case", list(BAD_CASES), ids=list(BAD_CASES))
    def test_bad_input_exits_1(self, tmp_path, case):
        files, fragments = BAD_CASES[case]
        result = validate(make_folder(tmp_path, files))
        assert result.exit_code == 1, result.output
        for fragment in fragments:
            assert fragment in result.output, (fragment, result.output)
        assert "OK: no errors" not in result.output

    def test_missing_folder_exits_1(self, tmp_path):
        result = validate(tmp_path / "absent")
        assert result.exit_code == 1
        assert str(tmp_path / "absent") in result.output and "not found" in result.output

    def test_clean_folder_exits_0(self, tmp_path):
        folder = make_folder(tmp_path, {
            # line 3 is a refund; line 5 references C9, unknown to customers; line 4 = line 2
            "transactions.csv": HEADER + "C1,2026-01-05,10\nC1,2026-01-06,-4\n"
                                         "C1,2026-01-05,10\nC9,2026-01-07,3\n",
            "customers.csv": "customer_id,name,manager\nC1,Acme,Olga\n",
        })
        result = validate(folder)
        assert result.exit_code == 0, result.output
        out = result.output
        assert "transactions" in out and "OK: no errors" in out
        assert "1 row duplicating an earlier row" in out and "line 4" in out
        assert "1 row referencing 1 customer_id(s) not in customers" in out
        assert "1 rows with a negative amount" in out
        assert "missing tables" in out and "contacts" in out

    def test_column_mapping_config(self, tmp_path):
        body = "Client;Day;Total\n007;05.01.2026;12,50\n"
        folder = make_folder(tmp_path, {"transactions.csv": body})
        cfg = tmp_path / "cfg.yaml"
        cfg.write_text(
            "columns:\n  transactions: {Client: customer_id, Day: date, Total: amount}\n"
        )
        result = validate(folder, "--config", str(cfg))
        assert result.exit_code == 0, result.output

    def test_bad_config_exits_2(self, tmp_path):
        folder = make_folder(tmp_path, {"transactions.csv": HEADER + "C1,2026-01-05,1\n"})
        cfg = tmp_path / "cfg.yaml"
        cfg.write_text("no_such_key: 1\n")
        result = validate(folder, "--config", str(cfg))
        assert result.exit_code == 2 and "configuration error" in result.output

    def test_sample_dataset_is_clean(self):
        suffixes = (".csv", ".csv.gz", ".parquet")
        if not any((SAMPLE / f"transactions{s}").is_file() for s in suffixes):
            pytest.skip("data/sample has no transactions file yet")
        result = runner.invoke(app, ["validate", "--data", str(SAMPLE), "--as-of", AS_OF])
        assert result.exit_code == 0, result.output
        assert "OK: no errors" in result.output
