"""Tests of retention_lib.analysis.calllists: Excel-safe CSV per manager, read back with csv."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from retention_lib.analysis.calllists import (
    Sheet,
    call_list_filename,
    csv_separator,
    neutralise,
    write_call_lists,
    write_safe_csv,
    write_workbook,
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


class TestSeparator:
    @pytest.mark.parametrize(("lang", "sep"), [("en", ","), ("ru", ";"), ("uk", ";"),
                                               ("ru_RU", ";"), ("de", ",")])
    def test_by_language(self, lang, sep):
        assert csv_separator(lang) == sep

    def test_semicolon_file_with_decimal_comma(self, tmp_path):
        df = pd.DataFrame({"name": pd.array(["a;b", "-2"], dtype="string"),
                           "amount": [26124.77, 3.0], "days": pd.array([-2, 7], dtype="int64")})
        path = write_safe_csv(df, tmp_path / "f.csv", headers={"name": "Клиент"}, sep=";")
        text = path.read_bytes().decode("utf-8-sig")
        assert text.splitlines()[0] == "Клиент;amount;days"
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh, delimiter=";"))
        # the separator inside a value is quoted; 26124.77 -> "26124,77" (read as a number
        # by Excel with Russian settings); whole numbers stay whole; -2 in a text column is
        # neutralised, -2 in a number column is a number
        assert rows[1:] == [["a;b", "26124,77", "-2"], ["'-2", "3", "7"]]


class TestWorkbook:
    def test_sheets_headers_dates_numbers_and_text(self, tmp_path):
        import datetime

        import openpyxl

        df = pd.DataFrame({
            "name": pd.array(['=HYPERLINK("http://x")', "ООО «Ромашка»", None], dtype="string"),
            "due": pd.to_datetime(["2026-11-02", None, "2026-11-03"]),
            "value": [1234.5, 2.0, None],
            "share": [0.25, 0.5, 1.0],
            "n": pd.array([3, None, 5], dtype="Int64"),
        })
        path = write_workbook(
            [Sheet("Calls: VIP/A?", df, {"name": "Клиент", "due": "Срок"}, money=("value",),
                   percent=("share",)),
             Sheet("x" * 40, df.head(0)), Sheet("Calls: VIP/A?", df.head(1))],
            tmp_path / "b.xlsx", date_format="dd.mm.yyyy")
        book = openpyxl.load_workbook(path)
        # forbidden characters replaced, 31 characters at most, duplicates numbered
        assert book.sheetnames == ["Calls_ VIP_A_", "x" * 31, "Calls_ VIP_A_ (2)"]
        ws = book.worksheets[0]
        assert [c.value for c in ws[1]] == ["Клиент", "Срок", "value", "share", "n"]
        assert all(c.font.b for c in ws[1])
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:E4"
        a2, b2, c2, d2, e2 = ws[2]
        assert a2.value == '=HYPERLINK("http://x")' and a2.data_type == "s" and a2.quotePrefix
        assert b2.value == datetime.datetime(2026, 11, 2) and b2.number_format == "dd.mm.yyyy"
        assert (c2.value, c2.number_format) == (1234.5, "#,##0")
        assert (d2.value, d2.number_format) == (0.25, "0%")
        assert e2.value == 3
        assert ws["B3"].value is None and ws["A4"].value is None  # missing: empty cells
        assert not ws["A3"].quotePrefix
        assert ws.column_dimensions["A"].width >= len('=HYPERLINK("http://x")')
        empty = book.worksheets[1]
        assert empty.max_row == 1 and [c.value for c in empty[1]] == list(df.columns)

    def test_no_formula_in_the_file(self, tmp_path):
        import zipfile

        df = pd.DataFrame({"name": pd.array(HOSTILE, dtype="string")})
        path = write_workbook([Sheet("s", df)], tmp_path / "h.xlsx")
        xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in xml and "<f " not in xml
