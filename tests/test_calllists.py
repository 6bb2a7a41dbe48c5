"""Tests of retention_lib.calllists: Excel-safe CSV per manager, read back with csv."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from retention_lib.calllists import (
    call_list_filename,
    neutralise,
    write_call_lists,
    write_safe_csv,
)

HOSTILE = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tX", "\rY", "  =1+1", "＝1"]


def _read(path):
    raw = path.read_bytes()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return raw, rows


@pytest.fixture
def plan():
    n = len(HOSTILE) + 1
    return pd.DataFrame(
        {
            "manager": pd.array(["Иван Петров"] * n + ["../evil"], dtype="string"),
            "customer_id": pd.array([f"c{i}" for i in range(n)] + ["-007"], dtype="string"),
            "name": pd.array([*HOSTILE, "ООО «Ромашка»", "ok"], dtype="string"),
            "due_by": pd.to_datetime(["2026-11-01"] * (n + 1)),
            "days_overdue": pd.array([-2] + [3] * n, dtype="int64"),
            "every_days": pd.array([7] * n + [None], dtype="Int64"),
        }
    )


class TestNeutralise:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tX", "'\tX"),
            ("\rY", "'\rY"),
            ("  =1+1", "'  =1+1"),
            ("Иван", "Иван"),
            ("a=b", "a=b"),
            ("", ""),
        ],
        ids=["equals", "plus", "minus", "at", "tab", "cr", "leading-space", "cyrillic",
             "inner-equals", "empty"],
    )
    def test_rule(self, text, expected):
        assert neutralise(text) == expected


class TestWriteCallLists:
    def test_files_per_manager_bom_and_neutralised(self, plan, tmp_path):
        written = write_call_lists(plan, out_dir=tmp_path / "call_lists")
        assert sorted(written) == ["../evil", "Иван Петров"]
        # path-like manager names cannot leave the folder
        for path in written.values():
            assert path.parent == tmp_path / "call_lists"
        assert written["../evil"].name == "call_list_evil.csv"
        assert written["Иван Петров"].name == "call_list_Иван_Петров.csv"

        raw, rows = _read(written["Иван Петров"])
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
        header, body = rows[0], rows[1:]
        assert header == ["manager", "customer_id", "name", "due_by", "days_overdue",
                          "every_days"]
        names = [r[2] for r in body]
        assert names[: len(HOSTILE)] == ["'" + h for h in HOSTILE]
        assert names[len(HOSTILE)] == "ООО «Ромашка»"  # Cyrillic intact, not neutralised
        for r in body:
            assert r[0] == "Иван Петров"
            for cell in r[:3]:  # text columns never start a formula
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        # numeric column we control: a negative number stays a number
        assert body[0][4] == "-2"
        assert body[0][3] == "2026-11-01"

    def test_text_column_negative_number_neutralised(self, plan, tmp_path):
        written = write_call_lists(plan, out_dir=tmp_path)
        _, rows = _read(written["../evil"])
        assert rows[1][1] == "'-007"
        assert rows[1][5] == ""  # NA -> empty cell

    def test_columns_subset_and_missing(self, plan, tmp_path):
        written = write_call_lists(plan, out_dir=tmp_path, columns=["manager", "name"])
        _, rows = _read(written["../evil"])
        assert rows == [["manager", "name"], ["../evil", "ok"]]
        with pytest.raises(KeyError, match="nope"):
            write_call_lists(plan, out_dir=tmp_path, columns=["nope"])

    def test_empty_plan_writes_nothing(self, plan, tmp_path):
        assert write_call_lists(plan.iloc[:0], out_dir=tmp_path / "x") == {}

    def test_duplicate_slugs(self):
        taken: set[str] = set()
        assert call_list_filename("a/b", taken=taken) == "call_list_a_b.csv"
        assert call_list_filename("a b", taken=taken) == "call_list_a_b_2.csv"

    def test_write_safe_csv_float(self, tmp_path):
        df = pd.DataFrame({"v": [1.5, float("nan"), -3.0], "flag": [True, False, True]})
        _, rows = _read(write_safe_csv(df, tmp_path / "f.csv"))
        assert rows == [["v", "flag"], ["1.5", "True"], ["", "False"], ["-3", "True"]]


    @pytest.mark.parametrize(
        ("values", "expected"),
        [
            (pd.Series([2.0, -0.0, 0.1, float("nan"), 1e16, 2.0**53, -7.25]),
             ["2", "0", "0.1", "", "1e+16", "9007199254740992.0", "-7.25"]),
            (pd.Series([3, None, -4], dtype="Int64"), ["3", "", "-4"]),
            (pd.Series(pd.to_datetime(["2026-01-05 17:45", None, "1969-12-31 23:00"])),
             ["2026-01-05", "", "1969-12-31"]),
            (pd.Series(pd.to_datetime(["2026-01-05 23:30"])).dt.tz_localize("Europe/Kyiv"),
             ["2026-01-05"]),
            (pd.Series(["=1+1", None, "ok", "=1+1", "-2"], dtype="category"),
             ["'=1+1", "", "ok", "'=1+1", "'-2"]),
            (pd.Series(["@x", None, "@x"], dtype="string"), ["'@x", "", "'@x"]),
            (pd.Series([1, "1", True, None], dtype=object), ["1", "1", "True", ""]),
        ],
        ids=["float", "Int64", "dates", "tz-aware-date", "categorical", "string", "object-mixed"],
    )
    def test_cells_per_dtype(self, values, expected, tmp_path):
        _, rows = _read(write_safe_csv(pd.DataFrame({"c": values}), tmp_path / "c.csv"))
        assert [r[0] for r in rows[1:]] == expected


class TestHeadersAndLabels:
    def test_translated_headers_and_labels_keep_codes_in_file_names(self, plan, tmp_path):
        written = write_call_lists(
            plan, out_dir=tmp_path, columns=["manager", "name"],
            headers={"manager": "Менеджер", "name": "=Клиент"},
            labels={"manager": {"../evil": "не назначен"}, "name": {"ok": "=в норме"}},
        )
        # keys and file names keep the codes; the cells show the labels
        assert written["../evil"].name == "call_list_evil.csv"
        raw, rows = _read(written["../evil"])
        assert raw.startswith(b"\xef\xbb\xbf")
        # translated header and label are neutralised like any other text
        assert rows == [["Менеджер", "'=Клиент"], ["не назначен", "'=в норме"]]
        # codes without a label are written as they are
        _, rows = _read(written["Иван Петров"])
        assert rows[1] == ["Иван Петров", "'" + HOSTILE[0]]
