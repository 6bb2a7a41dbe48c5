"""Tests of retention_lib.data.io: loading, mapping, normalisation and validation of a dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from retention_lib.config import ConfigError
from retention_lib.data.io import Dataset, DataValidationError, load_dataset
from retention_lib.data.schema import TABLES

AS_OF = "2026-10-31"
TX_OK = "customer_id,date,amount\nC1,2026-01-05,10\nC2,2026-02-06,20.5\n"


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``{file name: content}`` into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def load_error(folder: Path, **kw) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        load_dataset(folder, as_of=kw.pop("as_of", AS_OF), **kw)
    return info.value


def only_error(err: DataValidationError, kind: str):
    found = [p for p in err.errors if p.kind == kind]
    assert len(found) == 1, str(err)
    return found[0]


class TestErrors:
    """Every bad input names file, column, row count and the first rows and values."""

    def test_missing_required_column(self, tmp_path):
        folder = write(tmp_path, {"transactions.csv": "customer_id,date,total\nC1,2026-01-05,1\n"})
        err = load_error(folder)
        p = only_error(err, "missing_column")
        text = str(err)
        assert "transactions.csv" in text and "column 'amount'" in text
        assert "columns found: ['customer_id', 'date', 'total']" in text
        assert "1 data rows" in text
        assert p.column == "amount"

    def test_unparseable_date(self, tmp_path):
        body = (
            "customer_id,date,amount\n"
            "C1,2026-01-05,1\n"
            "C2,2026-13-01,2\n"  # line 3: month 13
            "C3,05.02.2026,3\n"
            "C4,yesterday,4\n"  # line 5
        )
        err = load_error(write(tmp_path, {"transactions.csv": body}))
        p = only_error(err, "unparseable_date")
        assert (p.rows, p.examples) == (2, [(3, "2026-13-01"), (5, "yesterday")])
        msg = p.message
        assert "transactions.csv" in msg and "column 'date'" in msg and "2 rows" in msg
        assert "line 3 '2026-13-01', line 5 'yesterday'" in msg
        # an unparseable date is not reported a second time as a missing value
        assert [q.kind for q in err.errors] == ["unparseable_date"]

    def test_non_numeric_amount(self, tmp_path):
        body = "customer_id,date,amount\nC1,2026-01-05,abc\nC2,2026-01-06,5\nC3,2026-01-07,1O\n"
        err = load_error(write(tmp_path, {"transactions.csv": body}))
        p = only_error(err, "not_numeric")
        assert "transactions.csv: column 'amount': 2 rows" in p.message
        assert "line 2 'abc', line 4 '1O'" in p.message

    def test_first_five_examples_only(self, tmp_path):
        rows = "".join(f"C{i},2026-01-05,x{i}\n" for i in range(7))
        err = load_error(write(tmp_path, {"transactions.csv": "customer_id,date,amount\n" + rows}))
        p = only_error(err, "not_numeric")
        # 7 bad rows on lines 2..8; the first five are shown
        assert p.rows == 7
        assert p.examples == [(2, "x0"), (3, "x1"), (4, "x2"), (5, "x3"), (6, "x4")]

    @pytest.mark.parametrize(
        "content, words",
        [("customer_id,date,amount\n", "has a header but no data rows"), ("", "is empty")],
        ids=["header-only", "zero-bytes"],
    )
    def test_empty_transactions(self, tmp_path, content, words):
        err = load_error(write(tmp_path, {"transactions.csv": content}))
        p = only_error(err, "empty_table")
        assert "transactions.csv" in p.message and words in p.message

    def test_missing_transactions_file(self, tmp_path):
        folder = write(tmp_path, {"customers.csv": "customer_id\nC1\n"})
        err = load_error(folder)
        p = only_error(err, "missing_file")
        assert "transactions" in p.message and str(folder) in p.message
        assert "customers.csv" in p.message  # the files that were found

    def test_missing_folder(self, tmp_path):
        err = load_error(tmp_path / "nope")
        p = only_error(err, "missing_folder")
        assert str(tmp_path / "nope") in p.message and "not found" in p.message

    def test_dates_after_as_of(self, tmp_path):
        body = "customer_id,date,amount\nC1,2026-10-31,1\nC2,2026-11-01,2\nC3,2027-01-01,3\n"
        err = load_error(write(tmp_path, {"transactions.csv": body}))
        p = only_error(err, "future_date")
        # as_of itself is allowed; lines 3 and 4 are later
        assert p.rows == 2
        assert "column 'date': 2 rows dated after the report date 2026-10-31" in p.message
        assert "line 3 '2026-11-01', line 4 '2027-01-01'" in p.message

    def test_future_dates_default_to_today(self, tmp_path):
        future = (pd.Timestamp.today() + pd.Timedelta(days=3)).strftime("%Y-%m-%d")
        folder = write(tmp_path, {"transactions.csv": f"customer_id,date,amount\nC1,{future},1\n"})
        with pytest.raises(DataValidationError, match="dated after the report date"):
            load_dataset(folder)

    @pytest.mark.parametrize(
        "table, body, column, value",
        [
            ("contacts", "customer_id,date,channel\nC1,2026-01-05,call\nC1,2026-01-06,phone\n",
             "channel", "phone"),
            ("events", "date,kind\n2026-01-05,price_change\n2026-01-06,rebrand\n", "kind",
             "rebrand"),
            ("contacts", "customer_id,date,channel,direction\nC1,2026-01-05,call,sideways\n"
             "C1,2026-01-06,call,inbound\n", "direction", "sideways"),
        ],
        ids=["channel", "event-kind", "direction"],
    )
    def test_value_not_allowed(self, tmp_path, table, body, column, value):
        folder = write(tmp_path, {"transactions.csv": TX_OK, f"{table}.csv": body})
        p = only_error(load_error(folder), "not_allowed")
        allowed = next(c.allowed for c in TABLES[table].columns if c.name == column)
        line = 3 if column != "direction" else 2
        assert f"{table}.csv: column '{column}': 1 row" in p.message
        assert f"line {line} '{value}'" in p.message
        assert str(list(allowed)) in p.message

    def test_comma_file_with_decimal_commas_says_what_to_set(self, tmp_path):
        body = "customer_id,date,amount\nC1,2026-01-05,12,50\n"
        p = only_error(load_error(write(tmp_path, {"transactions.csv": body})), "read_error")
        assert "transactions.csv" in p.message
        assert 'csv: {sep: ";", decimal: ","}' in p.message

    def test_quoted_decimal_commas_say_what_to_set(self, tmp_path):
        body = 'customer_id,date,amount\nC1,2026-01-05,"12,50"\n'
        p = only_error(load_error(write(tmp_path, {"transactions.csv": body})), "not_numeric")
        assert "line 2 '12,50'" in p.message and 'csv: {sep: ";", decimal: ","}' in p.message

    def test_missing_required_value(self, tmp_path):
        body = "customer_id,date,amount\nC1,2026-01-05,1\n,2026-01-06,2\n"
        p = only_error(load_error(write(tmp_path, {"transactions.csv": body})), "missing_value")
        assert "column 'customer_id': 1 row with a missing value" in p.message
        assert "line 3 ''" in p.message

    def test_invalid_boolean(self, tmp_path):
        contacts = "customer_id,date,channel,answered\nC1,2026-01-05,call,maybe\n"
        folder = write(tmp_path, {"transactions.csv": TX_OK, "contacts.csv": contacts})
        p = only_error(load_error(folder), "invalid_boolean")
        assert "contacts.csv: column 'answered': 1 row" in p.message
        assert "line 2 'maybe'" in p.message

    def test_all_problems_of_all_tables_collected(self, tmp_path):
        tx = "customer_id,date,amount\nC1,bad,1\nC2,2026-01-05,x\n"
        contacts = "customer_id,date,channel\nC1,2026-01-05,fax\n"
        surveys = "customer_id,date\nC1,2026-01-05\n"
        folder = write(
            tmp_path, {"transactions.csv": tx, "contacts.csv": contacts, "surveys.csv": surveys}
        )
        err = load_error(folder)
        kinds = sorted((p.table, p.kind) for p in err.errors)
        assert kinds == [
            ("contacts", "not_allowed"),
            ("surveys", "missing_column"),
            ("transactions", "not_numeric"),
            ("transactions", "unparseable_date"),
        ]
        assert str(err).count("\nERROR ") == 4

    def test_dataframe_errors_use_positional_rows(self):
        tx = pd.DataFrame(
            {"customer_id": ["a", "b"], "date": ["2026-01-01", "x"], "amount": [1, 2]}
        )
        with pytest.raises(DataValidationError) as info:
            load_dataset({"transactions": tx}, as_of=AS_OF)
        p = only_error(info.value, "unparseable_date")
        assert p.examples == [(1, "x")] and "row 1 'x'" in p.message
        assert "<DataFrame transactions>" in p.message

    def test_config_error_propagates(self, tmp_path):
        folder = write(tmp_path, {"transactions.csv": TX_OK})
        with pytest.raises(ConfigError, match="unknown key"):
            load_dataset(folder, config={"nonsense": 1}, as_of=AS_OF)


class TestReading:
    def test_semicolon_and_decimal_comma_detected(self, tmp_path):
        body = (
            "customer_id;date;amount\n"
            "C1;2026-01-05;12,50\nC2;06.01.2026;1.234,50\nC3;2026-01-07;-3\n"
        )
        ds = load_dataset(write(tmp_path, {"transactions.csv": body}), as_of=AS_OF)
        # 12,50 -> 12.5 ; 1.234,50 -> 1234.5 (dot = thousands separator) ; -3 -> -3.0
        assert ds.transactions["amount"].tolist() == [12.5, 1234.5, -3.0]
        assert any("decimal comma" in n for n in ds.notes["transactions"])

    def test_explicit_decimal_comma_in_config(self, tmp_path):
        body = "customer_id;date;amount\nC1;2026-01-05;12,50\n"
        cfg = {"csv": {"sep": ";", "decimal": ","}}
        ds = load_dataset(write(tmp_path, {"transactions.csv": body}), config=cfg, as_of=AS_OF)
        assert ds.transactions["amount"].tolist() == [12.5]

    def test_column_mapping_from_yaml(self, tmp_path):
        folder = write(
            tmp_path / "data",
            {"transactions.csv": "Client,InvoiceDate,Total,Shop\n007,2026-01-05,10,north\n"},
        )
        cfg = write(
            tmp_path,
            {"cfg.yaml": "columns:\n  transactions: {Client: customer_id, InvoiceDate: date, "
             "Total: amount}\n"},
        ) / "cfg.yaml"
        ds = load_dataset(folder, config=cfg, as_of=AS_OF)
        assert list(ds.transactions.columns) == ["customer_id", "date", "amount", "Shop"]
        assert ds.transactions.loc[0, "customer_id"] == "007"
        assert ds.transactions.loc[0, "Shop"] == "north"  # extra columns kept

    def test_ids_stay_strings(self, tmp_path):
        body = "customer_id,date,amount\n007, 2026-01-05,1\n 0042 ,2026-01-05,2\n"
        ds = load_dataset(write(tmp_path, {"transactions.csv": body}), as_of=AS_OF)
        assert ds.transactions["customer_id"].tolist() == ["007", "0042"]
        assert pd.api.types.is_string_dtype(ds.transactions["customer_id"])

    def test_integer_ids_from_dataframe(self):
        tx = pd.DataFrame(
            {"customer_id": [7.0, 12.0], "date": ["2026-01-01"] * 2, "amount": [1, 2]}
        )
        ds = load_dataset({"transactions": tx}, as_of=AS_OF)
        assert ds.transactions["customer_id"].tolist() == ["7", "12"]

    def test_dtypes_and_date_formats(self, tmp_path):
        body = (
            "customer_id,date,amount,quantity\n"
            "C1,2026-01-05,1,2\nC1,2026-01-05 17:45:00,1,3\nC1,05.01.2026,2,\n"
        )
        ds = load_dataset(write(tmp_path, {"transactions.csv": body}), as_of=AS_OF)
        tx = ds.transactions
        assert str(tx["date"].dtype) == "datetime64[ns]"
        assert tx["date"].tolist() == [pd.Timestamp("2026-01-05")] * 3  # midnight
        assert tx["amount"].dtype == "float64" and tx["quantity"].dtype == "float64"
        assert tx["quantity"].isna().tolist() == [False, False, True]

    def test_utf8_bom(self, tmp_path):
        folder = write(tmp_path, {"transactions.csv": "\ufeff".encode() + TX_OK.encode()})
        ds = load_dataset(folder, as_of=AS_OF)
        assert ds.transactions.columns[0] == "customer_id"

    def test_gzip_and_parquet(self, tmp_path):
        import gzip

        write(tmp_path, {"transactions.csv.gz": gzip.compress(TX_OK.encode())})
        pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["A", "B"]}).to_parquet(
            tmp_path / "customers.parquet"
        )
        ds = load_dataset(tmp_path, as_of=AS_OF)
        assert ds.transactions["amount"].tolist() == [10.0, 20.5]
        assert ds.customers["name"].tolist() == ["A", "B"]
        assert ds.sources["customers"].endswith("customers.parquet")

    def test_answered_and_usage_period(self, tmp_path):
        contacts = (
            "customer_id,date,channel,answered\n"
            + "".join(f"C1,2026-01-0{day},Call,{v}\n" for day, v in
                      enumerate(["yes", "нет", "так", "ні", "1", "0", "TRUE", ""], start=1))
        )
        usage = "customer_id,period,active_units\nC1,2026-03,4\nC1,2026-04-15,5\n"
        folder = write(
            tmp_path, {"transactions.csv": TX_OK, "contacts.csv": contacts, "usage.csv": usage}
        )
        ds = load_dataset(folder, as_of=AS_OF)
        answered = ds.contacts["answered"]
        assert str(answered.dtype) == "boolean"
        assert answered.tolist() == [True, False, True, False, True, False, True, pd.NA]
        assert ds.contacts["channel"].unique().tolist() == ["call"]  # case normalised
        assert ds.usage["period"].tolist() == [pd.Timestamp("2026-03-01"),
                                               pd.Timestamp("2026-04-01")]


class TestCompactDtypes:
    """Low-cardinality text of the big tables is categorical; the values are unchanged."""

    SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"

    @pytest.mark.parametrize(
        ("table", "column"),
        [("contacts", "channel"), ("contacts", "manager"), ("contacts", "direction"),
         ("transactions", "category")],
        ids=["contacts-channel", "contacts-manager", "contacts-direction",
             "transactions-category"],
    )
    def test_sample_column_is_categorical_with_the_file_values(self, table, column):
        import csv

        ds = load_dataset(self.SAMPLE, as_of=AS_OF)
        loaded = ds.tables[table][column]
        assert isinstance(loaded.dtype, pd.CategoricalDtype)
        with open(self.SAMPLE / f"{table}.csv", encoding="utf-8", newline="") as fh:
            in_file = [row[column].strip() for row in csv.DictReader(fh)]
        assert len(in_file) == len(loaded) > 1000  # the sample has no duplicate rows
        assert loaded.astype(str).tolist() == in_file  # same values, same order
        assert sorted(loaded.cat.categories) == sorted(set(in_file))

    def test_dataframe_input_and_missing_manager(self):
        contacts = pd.DataFrame({
            "customer_id": ["C1", "C2", "C1"], "date": ["2026-01-05", "2026-01-05", "2026-01-06"],
            "channel": ["Call", "meeting", "call"], "manager": ["Anna", None, "Anna"],
        })
        tx = pd.DataFrame({"customer_id": ["C1", "C2"], "date": ["2026-01-05"] * 2,
                           "amount": [10.0, 20.5]})
        ds = load_dataset({"transactions": tx, "contacts": contacts}, as_of=AS_OF)
        assert isinstance(ds.contacts["channel"].dtype, pd.CategoricalDtype)
        assert ds.contacts["channel"].tolist() == ["call", "meeting", "call"]
        assert ds.contacts["manager"].tolist() == ["Anna", "unassigned", "Anna"]
        assert sorted(ds.contacts["manager"].cat.categories) == ["Anna", "unassigned"]


class TestWarnings:
    def test_negative_amounts_kept(self, tmp_path):
        body = "customer_id,date,amount\nC1,2026-01-05,100\nC1,2026-01-06,-40\nC1,2026-01-07,-5\n"
        ds = load_dataset(write(tmp_path, {"transactions.csv": body}), as_of=AS_OF)
        assert len(ds.transactions) == 3 and ds.transactions["amount"].sum() == 55.0  # 100-40-5
        assert ds.exclusions == []
        assert "2 rows with a negative amount" in ds.describe()

    def test_duplicates_counted_and_dropped(self, tmp_path):
        body = (
            "customer_id,date,amount\n"
            "C1,2026-01-05,10\nC1,2026-01-05,10\nC2,2026-01-05,10\nC1,2026-01-05,10.0\n"
        )
        ds = load_dataset(write(tmp_path, {"transactions.csv": body}), as_of=AS_OF)
        # lines 3 and 5 repeat line 2 (10 and 10.0 are the same amount)
        assert ds.rows_read["transactions"] == 4 and len(ds.transactions) == 2
        assert [(e.table, e.rows) for e in ds.exclusions] == [("transactions", 2)]
        (w,) = [p for p in ds.warnings if p.kind == "duplicate_rows"]
        assert w.rows == 2 and [n for n, _ in w.examples] == [3, 5]
        dq = ds.data_quality().set_index("table")
        assert dq.loc["transactions", ["rows_read", "rows_excluded", "rows_used"]].tolist() == [
            4, 2, 2]

    def test_unknown_customers_counted_and_kept(self, tmp_path):
        # 3 of the 5 customers are known (fewer than half would stop the run)
        tx = ("customer_id,date,amount\n"
              "C1,2026-01-05,1\nC9,2026-01-06,2\nC9,2026-01-07,3\nC8,2026-01-08,4\n"
              "C2,2026-01-09,5\nC3,2026-01-10,6\n")
        folder = write(tmp_path, {"transactions.csv": tx,
                                  "customers.csv": "customer_id\nC1\nC2\nC3\n"})
        ds = load_dataset(folder, as_of=AS_OF)
        assert len(ds.transactions) == 6
        (w,) = [p for p in ds.warnings if p.kind == "unknown_customer"]
        # rows on lines 3, 4, 5 reference 2 distinct ids (C9, C8)
        assert w.rows == 3 and w.examples == [(3, "C9"), (4, "C9"), (5, "C8")]
        assert "referencing 2 customer_id(s) not in customers" in w.message

    def test_missing_manager_is_unassigned(self, tmp_path):
        customers = "customer_id,name,manager\nC1,A,Olga\nC2,B,\n"
        folder = write(tmp_path, {"transactions.csv": TX_OK, "customers.csv": customers})
        ds = load_dataset(folder, as_of=AS_OF)
        assert ds.customers["manager"].tolist() == ["Olga", "unassigned"]
        (w,) = [p for p in ds.warnings if p.kind == "manager_unassigned"]
        assert w.rows == 1 and w.examples == [(3, "")]

    def test_empty_optional_table_is_absent(self, tmp_path):
        signals = "customer_id,date,kind\n"  # header only
        folder = write(tmp_path, {"transactions.csv": TX_OK, "signals.csv": signals})
        ds = load_dataset(folder, as_of=AS_OF)
        assert not ds.has("signals") and ds.signals is None
        assert "signals" in ds.missing_tables()
        assert any(p.kind == "empty_table" and p.table == "signals" for p in ds.warnings)

    def test_planned_events_are_a_warning(self, tmp_path):
        events = "date,kind,description\n2026-03-01,price_change,+8%\n2027-01-01,other,move\n"
        folder = write(tmp_path, {"transactions.csv": TX_OK, "events.csv": events})
        ds = load_dataset(folder, as_of=AS_OF)
        assert len(ds.events) == 2
        (w,) = [p for p in ds.warnings if p.kind == "future_date"]
        assert w.table == "events" and w.examples == [(3, "2027-01-01")]


class TestDataset:
    def test_dataframe_mapping_input(self):
        tx = pd.DataFrame({"customer_id": ["007", "8"], "date": pd.to_datetime(
            ["2026-01-05 10:00:00", "2026-02-01 00:00:00"]), "amount": [1, 2]})
        ds = load_dataset({"transactions": tx, "customers": pd.DataFrame({"customer_id": ["007"]})},
                          as_of=pd.Timestamp(AS_OF))
        assert isinstance(ds, Dataset)
        assert ds.sources == {"transactions": "<DataFrame>", "customers": "<DataFrame>"}
        assert ds.transactions["date"].tolist() == [pd.Timestamp("2026-01-05"),
                                                    pd.Timestamp("2026-02-01")]
        assert ds.customers["manager"].tolist() == ["unassigned"]
        assert len(ds.sha256["transactions"]) == 64
        assert tx["date"].iloc[0] == pd.Timestamp("2026-01-05 10:00")  # input not mutated

    def test_metrics_are_json(self, tmp_path):
        folder = write(tmp_path, {"transactions.csv": TX_OK + "C1,2026-01-05,10\n"})
        ds = load_dataset(folder, as_of=AS_OF)
        metrics = json.loads(json.dumps(ds.to_metrics()))
        assert metrics["tables"]["transactions"]["rows_read"] == 3
        assert metrics["tables"]["transactions"]["rows_excluded"] == 1
        assert metrics["exclusions"] == [
            {"table": "transactions", "reason": "exact duplicate rows", "rows": 1}]
        assert metrics["as_of"] == AS_OF
        assert ds.describe().endswith("OK: no errors")

    def test_data_quality_has_every_table(self, tmp_path):
        ds = load_dataset(write(tmp_path, {"transactions.csv": TX_OK}), as_of=AS_OF)
        dq = ds.data_quality()
        assert dq["table"].tolist() == list(TABLES)
        assert dq.set_index("table").loc["usage", "notes"] == "not provided"


class TestCustomers:
    def test_repeated_customer_id_is_an_error(self, tmp_path):
        customers = "customer_id,name\nC1,Acme\nC2,Beta\nC1,Acme Ltd\nC1,Acme\n"
        folder = write(tmp_path, {"transactions.csv": TX_OK, "customers.csv": customers})
        err = load_error(folder)
        p = only_error(err, "duplicate_id")
        # line 5 repeats line 2 exactly (dropped as a duplicate); line 4 differs: the error
        assert p.rows == 1 and p.examples == [(4, "C1")]
        assert "customers.csv: column 'customer_id': 1 row" in p.message

    def test_spaces_inside_numbers(self, tmp_path):
        body = 'customer_id,date,amount\nC1,2026-01-05,"1 234.5"\nC2,2026-01-05,7\n'
        ds = load_dataset(write(tmp_path, {"transactions.csv": body}), as_of=AS_OF)
        assert ds.transactions["amount"].tolist() == [1234.5, 7.0]  # thousands space removed


class TestWholeFramePath:
    """Parquet files and in-memory DataFrames: read whole, not in CSV chunks."""

    def test_parquet_dates_read_as_dates(self, tmp_path):
        import datetime as dt

        pd.DataFrame({
            "customer_id": ["C1", "C2"],
            "date": [dt.date(2026, 1, 5), dt.date(2026, 2, 6)],  # a Parquet DATE column
            "amount": [10.0, 20.5],
        }).to_parquet(tmp_path / "transactions.parquet")
        ds = load_dataset(tmp_path, as_of=AS_OF)
        assert str(ds.transactions["date"].dtype) == "datetime64[ns]"
        assert ds.transactions["date"].dt.strftime("%Y-%m-%d").tolist() == [
            "2026-01-05", "2026-02-06"]

    def test_parquet_dates_beyond_nanoseconds_are_reported(self, tmp_path):
        import datetime as dt

        # before: an uncaught OutOfBoundsDatetime instead of a validation error
        pd.DataFrame({
            "customer_id": ["C1", "C2", "C3", "C4"],
            "date": [dt.date(2026, 1, 5), dt.date(2300, 1, 1), None, dt.date(1500, 5, 5)],
            "amount": [1.0, 2.0, 3.0, 4.0],
        }).to_parquet(tmp_path / "transactions.parquet")
        err = load_error(tmp_path)
        bad = only_error(err, "unparseable_date")
        assert bad.rows == 2 and bad.examples == [(1, "2300-01-01"), (3, "1500-05-05")]
        missing = only_error(err, "missing_value")
        assert missing.rows == 1 and [n for n, _ in missing.examples] == [2]

    @pytest.mark.parametrize("hashes", ["real", "all_equal"], ids=["hashes", "collisions"])
    def test_duplicates_same_as_pandas(self, tmp_path, monkeypatch, hashes):
        import numpy as np

        from retention_lib.data import duplicates, table_reader

        if hashes == "all_equal":  # every row collides: the exact comparison decides
            monkeypatch.setattr(duplicates, "row_hashes",
                                lambda frame: np.zeros(len(frame), dtype="uint64"))
        monkeypatch.setattr(table_reader, "CSV_CHUNK_ROWS", 2)  # hashes made over several slices
        tx = pd.DataFrame({
            "customer_id": ["C1", "C1", "C2", "C1", "C2", "C3", "C2", "C3"],
            "date": ["2026-01-05"] * 8,
            "amount": [10.0, 10.0, 10.0, 10.0, -0.0, 5.0, 0.0, 5.0],
            "score": [1.0, 1.0, 1.0, 1.0, np.nan, np.nan, np.nan, np.nan],
        })
        ds = load_dataset({"transactions": tx}, as_of=AS_OF)
        # rows 1 and 3 repeat row 0; 6 and 7 repeat 4 and 5 (0.0 equals -0.0, NaN equals NaN)
        assert tx.duplicated().tolist() == [False, True, False, True, False, False, True, True]
        (w,) = [p for p in ds.warnings if p.kind == "duplicate_rows"]
        assert w.rows == 4 and [n for n, _ in w.examples] == [1, 3, 6, 7]
        assert ds.transactions["customer_id"].tolist() == ["C1", "C2", "C2", "C3"]
        assert ds.rows_excluded("transactions") == 4

    def test_mixed_object_column_compared_exactly(self, tmp_path):
        # an extra object column holding 1 and 1.0 (equal for pandas) is compared as pandas does
        tx = pd.DataFrame({
            "customer_id": ["C1", "C1"], "date": ["2026-01-05"] * 2, "amount": [1.0, 1.0],
            "note": pd.Series([1, 1.0], dtype=object),
        })
        ds = load_dataset({"transactions": tx}, as_of=AS_OF)
        assert len(ds.transactions) == 1 and ds.rows_excluded("transactions") == 1

    def test_unreadable_parquet_is_reported(self, tmp_path):
        write(tmp_path, {"transactions.csv": TX_OK, "contacts.parquet": b"not parquet"})
        err = load_error(tmp_path)
        bad = only_error(err, "read_error")
        assert bad.table == "contacts" and bad.file.endswith("contacts.parquet")
        assert "cannot be read as Parquet" in str(err)

    def test_validations_take_turns_across_loader_threads(self, tmp_path, monkeypatch):
        # two whole-frame tables are read at once; pandera's first import in two threads at
        # once failed with an import _DeadlockError, so its validations must not overlap
        import threading
        import time

        from retention_lib.data import checks

        inside, most, lock = [0], [0], threading.Lock()
        real = checks.table_schema

        def slow_schema(*args, **kwargs):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.2)  # long enough for the other thread to arrive
            with lock:
                inside[0] -= 1
            return real(*args, **kwargs)

        monkeypatch.setattr(checks, "table_schema", slow_schema)
        pd.DataFrame({"customer_id": ["C1"], "date": ["2026-01-05"], "amount": [1.0]}).to_parquet(
            tmp_path / "transactions.parquet")
        pd.DataFrame({"customer_id": ["C1"], "name": ["A"]}).to_parquet(
            tmp_path / "customers.parquet")
        ds = load_dataset(tmp_path, as_of=AS_OF)
        assert len(ds.transactions) == 1 and len(ds.customers) == 1
        assert most[0] == 1

    def test_sample_as_typed_parquet_loads_as_the_csv(self, tmp_path):
        # a warehouse-style export: dates as Parquet DATE, numbers and booleans typed
        import pyarrow
        import pyarrow.csv as pcsv
        import pyarrow.parquet as pq

        sample = Path(__file__).resolve().parents[2] / "data" / "sample"
        for path in sample.glob("*.csv"):
            table = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
                column_types={"customer_id": pyarrow.string()}))
            pq.write_table(table, tmp_path / f"{path.stem}.parquet")
        assert str(pq.read_schema(tmp_path / "contacts.parquet").field("date").type) == (
            "date32[day]")
        csv, parquet = (load_dataset(p, as_of=AS_OF) for p in (sample, tmp_path))
        assert list(csv.tables) == list(parquet.tables)
        for name, frame in csv.tables.items():
            pd.testing.assert_frame_equal(parquet.tables[name], frame, obj=name)
        assert [p.message.replace(".csv", ".parquet") for p in csv.warnings] == [
            p.message for p in parquet.warnings]
        assert csv.notes == parquet.notes and csv.rows_read == parquet.rows_read

    def test_empty_parquet_table_is_treated_as_absent(self, tmp_path):
        write(tmp_path, {"transactions.csv": TX_OK})
        pd.DataFrame({"customer_id": pd.Series([], dtype=str)}).to_parquet(
            tmp_path / "contacts.parquet")
        ds = load_dataset(tmp_path, as_of=AS_OF)
        assert not ds.has("contacts")
        (w,) = [p for p in ds.warnings if p.kind == "empty_table"]
        assert w.table == "contacts" and "has a header but no data rows; the optional " \
            "table 'contacts' is treated as absent" in w.message


def test_default_report_date_from_the_environment(tmp_path, monkeypatch):
    # what retention report sets for its notebook kernels
    folder = write(tmp_path, {"transactions.csv": TX_OK})
    monkeypatch.setenv("RETENTION_AS_OF", "2026-10-31")
    assert load_dataset(folder).as_of == pd.Timestamp("2026-10-31")
    assert load_dataset(folder, as_of="2026-11-02").as_of == pd.Timestamp("2026-11-02")
    monkeypatch.setenv("RETENTION_AS_OF", "")
    assert load_dataset(folder).as_of == pd.Timestamp.today().normalize()
