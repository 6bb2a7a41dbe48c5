"""Tests of retention_lib.data.csv_reader: which CSV files the fast reader may read."""

from __future__ import annotations

import pytest

from retention_lib.config import load_settings
from retention_lib.data import csv_reader
from retention_lib.data.problems import Problem
from tests.data.test_table_reader import TX


class TestEligibility:
    @pytest.mark.parametrize(("config", "name", "text", "fast"), [
        (None, "transactions.csv", TX, True),
        ({"csv": {"sep": ","}}, "transactions.csv", TX, True),
        (None, "transactions.csv", TX.replace(",", ";"), False),  # ';' sniffed
        ({"csv": {"encoding": "cp1251"}}, "transactions.csv", TX, False),
        ({"csv": {"decimal": ","}}, "transactions.csv", TX, False),
    ], ids=["default", "comma-set", "semicolon", "cp1251", "decimal-comma"])
    def test_which_files_are_read_fast(self, tmp_path, config, name, text, fast):
        (tmp_path / name).write_text(text, encoding="utf-8")
        settings = load_settings(config)
        problems: list[Problem] = []
        src = csv_reader.read_csv_header(tmp_path / name, "transactions", settings, problems)
        assert csv_reader.fast_eligible(src, settings) is fast
