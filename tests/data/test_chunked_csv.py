"""Tests of retention_lib.data.chunked_csv: reading CSV files in chunks changes nothing.

The chunk size is retention_lib.data.table_reader.CSV_CHUNK_ROWS."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from retention_lib.data import chunked_csv, io, table_reader
from retention_lib.data.io import DataValidationError, load_dataset

AS_OF = "2026-10-31"

# 9 data records (lines 2-10) and a blank line (line 6).  With CSV_CHUNK_ROWS = 2 the
# records fall into chunks of two lines each, so the duplicates below span chunks:
#   line 4 duplicates line 2 (10 == 10.0 after normalisation, other chunk),
#   line 9 duplicates line 8 (same chunk), line 10 duplicates line 3 (far chunk).
TX = (
    "customer_id,date,amount,note\n"
    "C1,2026-01-05,10,a\n"          # line 2
    "C2,2026-02-06,-5,b\n"          # line 3 (refund)
    "C1,2026-01-05,10.0,a\n"        # line 4: duplicate of line 2
    "C3,05.03.2026,7,c\n"           # line 5
    "\n"                            # line 6: blank
    "C4,2026-03-07,1 234,d\n"       # line 7: spaces inside the number
    "C5,2026-04-01,8,\n"            # line 8
    "C5,2026-04-01,8,\n"            # line 9: duplicate of line 8
    "C2,2026-02-06,-5,b\n"          # line 10: duplicate of line 3
)
CUSTOMERS = "customer_id,name\nC1,A\nC2,B\nC3,C\nC5,E\nC9,Z\n"  # C4 unknown, no manager
CONTACTS = (
    "customer_id,date,channel,direction,answered\n"
    "C1,2026-01-01,call,outbound,yes\n"
    "C1,2026-01-02,CALL ,inbound,no\n"
    "C2,2026-01-03,email,,\n"
    "C1,2026-01-01,call,outbound,1\n"  # line 5: duplicate of line 2 (yes == 1)
    "C3,2026-01-04,visit,outbound,true\n"
)
# bad values in different chunks (chunk size 2: lines 2-3, 4-5, 6-7, 8-9)
TX_BAD = (
    "customer_id,date,amount\n"
    "C1,2026-01-05,10\n"      # line 2
    "C2,2026-13-06,20\n"      # line 3: bad date
    ",2026-01-07,5\n"         # line 4: missing customer_id
    "C4,2026-01-08,abc\n"     # line 5: non-numeric
    "C5,2027-01-01,3\n"       # line 6: future date
    "C6,2026-01-09,\n"        # line 7: missing amount
    "C7,31.02.2026,x\n"       # line 8: bad date and non-numeric
    "C8,2028-05-05,4\n"       # line 9: future date
)
CONTACTS_BAD = (
    "customer_id,date,channel,answered\n"
    "C1,2026-01-01,fax,maybe\n"   # line 2: not allowed, invalid boolean
    "C1,2026-01-02,call,yes\n"    # line 3
    "C1,2026-01-03,,no\n"         # line 4: missing channel
    "C1,2026-01-04,Pigeon,no\n"   # line 5: not allowed
    "C1,2026-01-05,fax,perhaps\n"  # line 6: not allowed, invalid boolean
)


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def load_with(monkeypatch, folder: Path, rows: int | None):
    monkeypatch.setattr(table_reader, "CSV_CHUNK_ROWS", rows)
    return load_dataset(folder, as_of=AS_OF)


def error_with(monkeypatch, folder: Path, rows: int | None) -> DataValidationError:
    monkeypatch.setattr(table_reader, "CSV_CHUNK_ROWS", rows)
    with pytest.raises(DataValidationError) as info:
        load_dataset(folder, as_of=AS_OF)
    return info.value


def assert_same(a: io.Dataset, b: io.Dataset) -> None:
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_exact=True)
    for f in ("sources", "sha256", "rows_read", "exclusions", "as_of", "notes"):
        assert getattr(a, f) == getattr(b, f), f
    assert [str(p) for p in a.warnings] == [str(p) for p in b.warnings]
    assert [dataclasses.asdict(p) for p in a.warnings] == [
        dataclasses.asdict(p) for p in b.warnings]


class TestChunkedEqualsWhole:
    @pytest.mark.parametrize("rows", [1, 2, 3, 1000], ids=["1", "2", "3", "1000"])
    def test_valid_folder(self, tmp_path, monkeypatch, rows):
        folder = write(tmp_path, {"transactions.csv": TX, "customers.csv": CUSTOMERS,
                                  "contacts.csv": CONTACTS})
        whole = load_with(monkeypatch, folder, None)
        chunked = load_with(monkeypatch, folder, rows)
        assert_same(whole, chunked)
        # by hand: 9 records, 1 blank line; duplicates at lines 4, 9, 10 -> 5 rows used
        tx = chunked.transactions
        assert chunked.rows_read["transactions"] == 8
        assert len(tx) == 5 and chunked.rows_excluded("transactions") == 3
        assert tx["amount"].tolist() == [10.0, -5.0, 7.0, 1234.0, 8.0]
        dup = next(p for p in chunked.warnings if p.kind == "duplicate_rows")
        assert [n for n, _ in dup.examples] == [4, 9, 10]
        assert dup.examples[0][1] == "C1, 2026-01-05, 10.0, a"
        assert chunked.notes["transactions"][0] == "1 blank line(s) skipped"
        # contacts: line 5 equals line 2 after normalisation (yes == 1, CALL == call)
        assert len(chunked.contacts) == 4
        unknown = next(p for p in chunked.warnings if p.kind == "unknown_customer")
        assert unknown.examples == [(7, "C4")]

    @pytest.mark.parametrize("rows", [1, 2, 4], ids=["1", "2", "4"])
    def test_errors_keep_line_numbers(self, tmp_path, monkeypatch, rows):
        folder = write(tmp_path, {"transactions.csv": TX_BAD, "contacts.csv": CONTACTS_BAD})
        whole = error_with(monkeypatch, folder, None)
        chunked = error_with(monkeypatch, folder, rows)
        assert str(whole) == str(chunked)
        by_kind = {(p.table, p.kind): p for p in chunked.problems}
        assert [n for n, _ in by_kind["transactions", "unparseable_date"].examples] == [3, 8]
        assert by_kind["transactions", "not_numeric"].examples == [(5, "abc"), (8, "x")]
        assert [n for n, _ in by_kind["transactions", "future_date"].examples] == [6, 9]
        # missing values: line 4 (customer_id), line 7 (amount); line 8's unparseable
        # amount is reported once, as non-numeric
        missing = [(p.column, p.examples) for p in chunked.problems
                   if p.kind == "missing_value" and p.table == "transactions"]
        assert missing == [("customer_id", [(4, "")]), ("amount", [(7, "")])]
        allowed = by_kind["contacts", "not_allowed"]
        assert by_kind["contacts", "missing_value"].examples == [(4, "")]
        assert allowed.rows == 3 and "values found: 'fax' (2), 'pigeon' (1)" in allowed.detail
        assert by_kind["contacts", "invalid_boolean"].examples == [(2, "maybe"), (6, "perhaps")]


class TestHashCollision:
    def test_colliding_hashes_fall_back_to_exact_comparison(self, tmp_path, monkeypatch):
        # every row gets the same hash: the check of dropped rows finds they differ and the
        # table is read again in one piece with exact duplicate detection
        folder = write(tmp_path, {"transactions.csv": TX})
        whole = load_with(monkeypatch, folder, None)
        monkeypatch.setattr(chunked_csv, "row_hashes", lambda frame: np.zeros(len(frame), "uint64"))
        chunked = load_with(monkeypatch, folder, 2)
        assert_same(whole, chunked)
        assert chunked.rows_excluded("transactions") == 3
