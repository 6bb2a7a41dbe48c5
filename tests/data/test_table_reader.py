"""Tests of retention_lib.data.table_reader: the fast CSV path and the exact one agree.

The fast path (pyarrow.csv) and the exact path (pandas) give the same Dataset, and a file with
anything unusual is read by the exact path (same messages, same lines).  Reading
io.READ_THREADS tables at once (TestTablesReadTwoAtATime) stays here beside the files it uses."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from retention_lib.data import chunked_csv, csv_reader, io, table_reader
from retention_lib.data.io import DataValidationError, load_dataset
from tests.data.test_chunked_csv import assert_same

AS_OF = "2026-10-31"

# clean files: quoted commas and quotes, Cyrillic, empty optional fields, a refund
TX = (
    "customer_id,date,amount,category,note\n"
    'C1,2026-01-05,10.5,"Канцтовары, бумага","say ""hi"""\n'
    "C2,2026-02-06,-5,Бытовая химия,\n"
    "C1,2026-03-07,7,,многострочный\n"
    "C3,05.03.2026,1 234,Канцтовары,\n"
)
CUSTOMERS = (
    "customer_id,name,manager,segment\n"
    'C1,"Иванов, Пётр",Наталья Лебедева,\n'
    "C2,Ltd,Olga,b2b\n"
    "C3,Σ,Olga,\n"
)
CONTACTS = (
    "customer_id,date,channel,direction,answered\n"
    "C1,2026-01-01,call,outbound,yes\n"
    "C2,2026-01-02,CALL ,inbound,\n"
    "C9,2026-01-03,email,,нет\n"  # C9 not in customers: a cross-table warning, same lines
)
CLEAN = {"transactions.csv": TX, "customers.csv": CUSTOMERS, "contacts.csv": CONTACTS}


def write(folder: Path, files: dict[str, str], *, crlf: bool = False, bom: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        if crlf:
            text = text.replace("\n", "\r\n")
        (folder / name).write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return folder


def spy(monkeypatch) -> list[tuple[str, str]]:
    """Record (table, path) of every CSV read: "fast", "fast->exact" or "exact"."""
    calls: list[tuple[str, str]] = []
    real = table_reader.csv_table

    def wrapper(src, *args, fast=False, **kwargs):
        try:
            out = real(src, *args, fast=fast, **kwargs)
        except csv_reader.NotClean:
            calls.append((src.table, "fast->exact"))
            raise
        calls.append((src.table, "fast" if fast else "exact"))
        return out

    monkeypatch.setattr(table_reader, "csv_table", wrapper)
    return calls


def exact_only(monkeypatch, folder: Path):
    """Load with the fast path switched off."""
    with monkeypatch.context() as m:
        m.setattr(table_reader, "fast_eligible", lambda src, settings: False)
        return load_dataset(folder, as_of=AS_OF)


class TestFastEqualsExact:
    @pytest.mark.parametrize("rows", [None, 2], ids=["whole", "chunks-of-2"])
    @pytest.mark.parametrize(("crlf", "bom"), [(False, False), (True, False), (True, True)],
                             ids=["lf", "crlf", "crlf-bom"])
    def test_clean_files(self, tmp_path, monkeypatch, rows, crlf, bom):
        monkeypatch.setattr(table_reader, "CSV_CHUNK_ROWS", rows)
        folder = write(tmp_path, CLEAN, crlf=crlf, bom=bom)
        exact = exact_only(monkeypatch, folder)
        calls = spy(monkeypatch)
        fast = load_dataset(folder, as_of=AS_OF)
        # tables are read two at a time (io.READ_THREADS): in any order
        assert sorted(calls) == [("contacts", "fast"), ("customers", "fast"),
                                 ("transactions", "fast")]
        assert_same(exact, fast)
        # by hand: quoted comma and doubled quotes kept, empty fields missing, 1 234 -> 1234
        tx, cu = fast.transactions, fast.customers
        assert tx["category"].tolist()[:2] == ["Канцтовары, бумага", "Бытовая химия"]
        assert tx["note"].tolist()[0] == 'say "hi"' and pd.isna(tx["note"].iloc[1])
        assert tx["amount"].tolist() == [10.5, -5.0, 7.0, 1234.0]
        assert tx["date"].dt.strftime("%Y-%m-%d").tolist()[3] == "2026-03-05"
        assert cu["name"].tolist() == ["Иванов, Пётр", "Ltd", "Σ"]
        assert cu["manager"].tolist() == ["Наталья Лебедева", "Olga", "Olga"]
        assert cu["segment"].isna().tolist() == [True, False, True]
        assert fast.contacts["channel"].tolist() == ["call", "call", "email"]
        warned = {p.kind: p.examples for p in fast.warnings}
        assert warned == {"unknown_customer": [(4, "C9")]}  # contacts' line 4
        assert fast.notes["transactions"] == [
            "1 rows with a negative amount (refunds/cancellations) kept and netted"]
        assert fast.transactions["customer_id"].dtype == exact.transactions["customer_id"].dtype


# each file below has one thing the fast path must not read itself
UNUSUAL = {
    "blank-line": TX + "\n" + "C3,2026-04-01,3,,\n",  # line 6 blank, line 7 a record
    "short-row": TX + "C3,2026-04-01,3\n",  # pandas fills the missing fields
    "duplicate": TX + "C2,2026-02-06,-5.0,Бытовая химия,\n",  # equals line 3
    "all-empty-row": TX + ",,,,\n",
}


class TestUnusualTakesExactPath:
    @pytest.mark.parametrize("case", list(UNUSUAL), ids=list(UNUSUAL))
    def test_same_dataset(self, tmp_path, monkeypatch, case):
        folder = write(tmp_path, {"transactions.csv": UNUSUAL[case]})
        exact = exact_only(monkeypatch, folder)
        calls = spy(monkeypatch)
        loaded = load_dataset(folder, as_of=AS_OF)
        assert calls == [("transactions", "fast->exact"), ("transactions", "exact")]
        assert_same(exact, loaded)

    def test_a_duplicate_in_a_later_chunk_takes_the_exact_path(self, tmp_path, monkeypatch):
        # one record per chunk: the duplicate (line 6 = line 3) is in a later chunk, so only
        # the check across chunks at the end of the table can see it
        monkeypatch.setattr(table_reader, "CSV_CHUNK_ROWS", 1)
        monkeypatch.setattr(csv_reader, "FAST_CSV_BLOCK_BYTES", 64)  # pyarrow: a few rows per batch
        folder = write(tmp_path, {"transactions.csv": UNUSUAL["duplicate"]})
        sizes: list[int] = []
        real_hashes = chunked_csv.row_hashes

        def hashes(frame):
            sizes.append(len(frame))
            return real_hashes(frame)

        monkeypatch.setattr(chunked_csv, "row_hashes", hashes)
        calls = spy(monkeypatch)
        loaded = load_dataset(folder, as_of=AS_OF)
        assert calls == [("transactions", "fast->exact"), ("transactions", "exact")]
        assert max(sizes) < 5  # the fast path did read the table in several chunks
        assert loaded.rows_read["transactions"] == 5 and len(loaded.transactions) == 4
        assert [(e.table, e.rows) for e in loaded.exclusions] == [("transactions", 1)]

    def test_counts_and_lines_of_the_exact_path(self, tmp_path, monkeypatch):
        folder = write(tmp_path, {"transactions.csv": UNUSUAL["blank-line"]})
        loaded = load_dataset(folder, as_of=AS_OF)
        # by hand: 5 records, the blank line 6 skipped and noted
        assert loaded.rows_read["transactions"] == 5
        assert loaded.notes["transactions"][0] == "1 blank line(s) skipped"
        folder = write(tmp_path / "dup", {"transactions.csv": UNUSUAL["duplicate"]})
        dup = next(p for p in load_dataset(folder, as_of=AS_OF).warnings
                   if p.kind == "duplicate_rows")
        assert [n for n, _ in dup.examples] == [6]  # the 5th record is on line 6

    def test_errors_report_the_same_lines(self, tmp_path, monkeypatch):
        # CRLF line ends; line 3: bad date; line 5: non-numeric; line 6: a short row, which
        # pandas fills (amount missing: a missing value in a required column)
        text = (
            "customer_id,date,amount\n"
            "C1,2026-01-05,10\n"       # line 2
            "C2,2026-13-06,20\n"       # line 3: unparseable date
            '"C3","2026-01-07","5"\n'  # line 4: quoted, fine
            "C4,2026-01-08,abc\n"      # line 5: non-numeric
            "C5,2026-01-09\n"          # line 6: short row -> amount missing
        )
        folder = write(tmp_path, {"transactions.csv": text}, crlf=True)
        with monkeypatch.context() as m:
            m.setattr(table_reader, "fast_eligible", lambda src, settings: False)
            with pytest.raises(DataValidationError) as exact:
                load_dataset(folder, as_of=AS_OF)
        calls = spy(monkeypatch)
        with pytest.raises(DataValidationError) as info:
            load_dataset(folder, as_of=AS_OF)
        assert calls == [("transactions", "fast->exact"), ("transactions", "exact")]
        assert str(info.value) == str(exact.value)
        by_kind = {p.kind: p.examples for p in info.value.problems}
        assert by_kind == {"unparseable_date": [(3, "2026-13-06")],
                           "not_numeric": [(5, "abc")], "missing_value": [(6, "")]}


class TestTablesReadTwoAtATime:
    """``io.READ_THREADS`` tables are read at once; the Dataset and every message are those
    of reading them one after the other."""

    @pytest.mark.parametrize(
        "files",
        [
            CLEAN,
            {  # errors in two tables read at the same time, a warning in a third
                "transactions.csv": TX + "C4,2026-13-01,5,,\n",
                "customers.csv": CUSTOMERS,
                "contacts.csv": CONTACTS.replace("2026-01-02", "not a date"),
            },
        ],
        ids=["clean", "errors-in-two-tables"],
    )
    def test_same_dataset_and_messages_as_one_at_a_time(self, tmp_path, monkeypatch, files):
        folder = write(tmp_path / "data", files)

        def load(threads: int):
            monkeypatch.setattr(io, "READ_THREADS", threads)
            try:
                return load_dataset(folder, as_of=AS_OF)
            except DataValidationError as exc:
                return exc

        one, two = load(1), load(2)
        if isinstance(one, DataValidationError):
            assert isinstance(two, DataValidationError) and str(two) == str(one)
            assert [p.table for p in two.problems if p.severity == "error"] == [
                "transactions", "contacts",
            ]
        else:
            assert_same(one, two)
