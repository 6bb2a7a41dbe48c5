"""The exports people have (issue 18, point 4): quantity x unit price, the export's own date
format, lines without a customer id, ids written as decimals, ids that do not match the
customers table, duplicates judged on the full timestamp, Latin-1 files, and a generated
retail export validated with a config alone."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from retention_lib.cli import app
from retention_lib.config import ConfigError, load_settings
from retention_lib.data import table_reader
from retention_lib.data.io import DataValidationError, load_dataset
from retention_lib.data.problems import Exclusion, Problem
from retention_lib.data.sample_retail import RETAIL_EXPORT_CONFIG, write_retail_export
from retention_lib.i18n import get_translator
from retention_lib.present.quality_notes import quality_table

AS_OF = "2011-12-31"
runner = CliRunner()


def folder(tmp_path: Path, files: dict[str, str], encoding: str = "utf-8") -> Path:
    out = tmp_path / "data"
    out.mkdir(parents=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding=encoding)
    return out


def errors(exc: pytest.ExceptionInfo) -> list[Problem]:
    return exc.value.errors


# --------------------------------------------------------------------- quantity x unit price


def test_amount_is_quantity_times_unit_price_through_the_column_mapping(tmp_path):
    data = folder(tmp_path, {"transactions.csv": (
        "Client,Day,Qty,Price\n"
        "C1,2011-01-05,2,3.5\n"
        "C1,2011-02-05,-1,2.25\n"
        "C2,2011-03-01,12,0.85\n"
    )})
    config = {"columns": {"transactions": {
        "Client": "customer_id", "Day": "date", "Qty": "quantity", "Price": "unit_price"}}}
    ds = load_dataset(data, config=config, as_of=AS_OF)
    t = ds.transactions
    assert t["amount"].round(10).tolist() == [7.0, -2.25, 10.2]  # 12 x 0.85 = 10.2
    assert list(t.columns[:3]) == ["customer_id", "date", "amount"]
    assert t["unit_price"].tolist() == [3.5, 2.25, 0.85]
    note = "amount computed as quantity × unit_price for 3 rows (no amount column)"
    assert ds.notes["transactions"] == [
        "1 rows with a negative amount (refunds/cancellations) kept and netted", note]
    assert f"note: transactions: {note}" in ds.describe()
    assert note in ds.data_quality().loc[0, "notes"]
    ru = quality_table(ds, tr=get_translator("ru")).loc[0, "notes"]
    assert ru.endswith("сумма рассчитана как количество × цена за единицу (в файле нет суммы), "
                       "строк: 3")
    assert ds.to_metrics()["notes"]["transactions"][1] == note


def test_amount_given_is_used_as_given_even_with_a_unit_price(tmp_path):
    data = folder(tmp_path, {"transactions.csv": (
        "customer_id,date,amount,quantity,unit_price\nC1,2011-01-05,6.5,2,3.5\n")})
    ds = load_dataset(data, as_of=AS_OF)
    assert ds.transactions["amount"].tolist() == [6.5]  # a discount: not 7.0
    assert "transactions" not in ds.notes


def test_bad_quantity_and_unit_price_name_file_column_rows_and_values(tmp_path):
    data = folder(tmp_path, {"transactions.csv": (
        "customer_id,date,quantity,unit_price\n"
        "C1,2011-01-05,2,3.5\n"
        "C1,2011-01-06,two,3.5\n"
        "C1,2011-01-07,2,\n"
        "C1,2011-01-08,2,abc\n"
        "C1,2011-01-09,,1\n"
    )})
    with pytest.raises(DataValidationError) as exc:
        load_dataset(data, as_of=AS_OF)
    messages = [p.message for p in errors(exc)]
    assert len(messages) == 4, messages
    text = "\n".join(messages)
    assert "transactions.csv: column 'quantity': 1 row with a non-numeric value; first: " \
           "line 3 'two'" in text
    assert "column 'unit_price': 1 row with a non-numeric value; first: line 5 'abc'" in text
    assert ("column 'unit_price': 1 row with a missing value (amount is computed as quantity "
            "× unit_price); first: line 4 ''") in text
    assert "column 'quantity': 1 row with a missing value (amount is computed" in text
    assert "column 'amount'" not in text  # the computed column is not blamed


def test_without_amount_or_both_factors_the_message_names_the_alternative(tmp_path):
    data = folder(tmp_path, {"transactions.csv": "customer_id,date,quantity\nC1,2011-01-05,2\n"})
    with pytest.raises(DataValidationError) as exc:
        load_dataset(data, as_of=AS_OF)
    (p,) = errors(exc)
    assert p.kind == "missing_column" and p.column == "amount"
    assert "(or the columns quantity and unit_price, from which amount is computed)" in p.message


def test_amount_from_a_dataframe_input():
    frame = pd.DataFrame({"customer_id": ["C1", "C2"], "date": ["2011-01-05", "2011-01-06"],
                          "quantity": [3, 4], "unit_price": [1.5, 0.25]})
    ds = load_dataset({"transactions": frame}, as_of=AS_OF)
    assert ds.transactions["amount"].tolist() == [4.5, 1.0]
    assert ds.notes["transactions"] == [
        "amount computed as quantity × unit_price for 2 rows (no amount column)"]


# --------------------------------------------------------------------- dates


US = "customer_id,date,amount\nC1,12/1/2010 8:26,1\nC2,1/13/2011 17:05,2\nC3,12/9/2011 9:00,3\n"


def test_date_format_reads_the_exports_dates_exactly(tmp_path):
    data = folder(tmp_path, {"transactions.csv": US})
    ds = load_dataset(data, config={"csv": {"date_format": "%m/%d/%Y %H:%M"}}, as_of=AS_OF)
    assert ds.transactions["date"].tolist() == [
        pd.Timestamp("2010-12-01"), pd.Timestamp("2011-01-13"), pd.Timestamp("2011-12-09")]


def test_a_date_not_matching_the_format_is_an_error_naming_the_option(tmp_path):
    data = folder(tmp_path, {"transactions.csv": US + "C4,2011-02-03,4\nC5,13/1/2011 8:00,5\n"})
    with pytest.raises(DataValidationError) as exc:
        load_dataset(data, config={"csv": {"date_format": "%m/%d/%Y %H:%M"}}, as_of=AS_OF)
    (p,) = errors(exc)
    assert p.kind == "unparseable_date" and p.rows == 2
    assert p.examples == [(5, "2011-02-03"), (6, "13/1/2011 8:00")]
    assert "not matching csv: {date_format: '%m/%d/%Y %H:%M'}" in p.message


def test_day_month_dates_without_a_format_are_never_guessed(tmp_path):
    data = folder(tmp_path, {"transactions.csv": US})
    with pytest.raises(DataValidationError) as exc:
        load_dataset(data, as_of=AS_OF)
    (p,) = errors(exc)
    # 1/13/2011 has a second number above 13: the message says month first, with the option
    assert p.kind == "ambiguous_date" and p.rows == 3 and p.column == "date"
    assert p.examples[0] == (2, "12/1/2010 8:26")
    assert "never guessed" in p.message
    assert 'csv: {date_format: "%m/%d/%Y %H:%M"}' in p.message
    both = folder(tmp_path / "b", {"transactions.csv": (
        "customer_id,date,amount\nC1,03/04/2010,1\nC2,05/06/2010,1\n")})
    with pytest.raises(DataValidationError) as exc:
        load_dataset(both, as_of=AS_OF)
    (p,) = errors(exc)
    assert "('03/04/2010': 3 April 2010 or 4 March 2010)" in p.message
    assert 'csv: {date_format: "%m/%d/%Y"} (month first)' in p.message
    assert 'csv: {date_format: "%d/%m/%Y"} (day first)' in p.message
    assert p.examples == [(2, "03/04/2010"), (3, "05/06/2010")]
    # the example is the file's own value, not a fixed one
    other = folder(tmp_path / "c", {"transactions.csv": (
        "customer_id,date,amount\nC1,05/06/2025,1\n")})
    with pytest.raises(DataValidationError) as exc:
        load_dataset(other, as_of=AS_OF)
    (p,) = errors(exc)
    assert "('05/06/2025': 5 June 2025 or 6 May 2025)" in p.message


def test_iso_and_dotted_dates_need_no_format(tmp_path):
    data = folder(tmp_path, {"transactions.csv": (
        "customer_id,date,amount\nC1,2011-01-05 08:26:00,1\nC2,05.01.2011,2\n")})
    ds = load_dataset(data, as_of=AS_OF)
    assert ds.transactions["date"].tolist() == [pd.Timestamp("2011-01-05")] * 2


def test_invalid_date_format_is_a_config_error():
    with pytest.raises(ConfigError, match="csv.date_format"):
        load_settings({"csv": {"date_format": "MM/DD/YYYY"}})
    assert load_settings({"csv": {"date_format": "%d/%m/%Y"}}).csv.date_format == "%d/%m/%Y"


@pytest.mark.parametrize("chunk_rows", [None, 2])
def test_duplicates_are_judged_on_the_full_timestamp(tmp_path, monkeypatch, chunk_rows):
    monkeypatch.setattr(table_reader, "CSV_CHUNK_ROWS", chunk_rows)
    data = folder(tmp_path, {"transactions.csv": (
        "customer_id,date,amount\n"
        "C1,2011-01-05 08:26,10\n"
        "C1,2011-01-05 08:28,10\n"  # same day, another time: a second purchase
        "C1,2011-01-05 08:26,10\n"  # exactly line 2 again: dropped
        "C2,2011-01-05,10\n"
    )})
    ds = load_dataset(data, as_of=AS_OF)
    assert len(ds.transactions) == 3
    assert ds.transactions["date"].tolist() == [pd.Timestamp("2011-01-05")] * 3  # days
    (dup,) = [p for p in ds.warnings if p.kind == "duplicate_rows"]
    assert dup.rows == 1 and dup.examples[0][0] == 4
    assert ds.exclusions == [Exclusion("transactions", "exact duplicate rows", 1)]


def test_a_time_on_the_report_date_is_not_after_it(tmp_path):
    data = folder(tmp_path, {"transactions.csv": (
        "customer_id,date,amount\nC1,2011-12-31 23:59,1\nC1,2012-01-01 00:00,1\n")})
    with pytest.raises(DataValidationError) as exc:
        load_dataset(data, as_of=AS_OF)
    (p,) = errors(exc)
    assert p.kind == "future_date" and p.rows == 1 and p.examples[0][0] == 3
    frame = pd.DataFrame({"customer_id": ["C1"], "date": ["2011-12-31 23:59"], "amount": [1]})
    assert len(load_dataset({"transactions": frame}, as_of=AS_OF).transactions) == 1


# --------------------------------------------------------------------- missing customer ids


NO_ID = (
    "customer_id,date,amount\n"
    "C1,2011-01-05,10.5\n"
    ",2011-01-06,20\n"
    "C2,2011-01-07,5\n"
    ",2011-01-08,-3.25\n"
)


def test_missing_customer_id_is_an_error_by_default(tmp_path):
    data = folder(tmp_path, {"transactions.csv": NO_ID})
    with pytest.raises(DataValidationError) as exc:
        load_dataset(data, as_of=AS_OF)
    (p,) = errors(exc)
    assert p.kind == "missing_value" and p.column == "customer_id" and p.rows == 2
    assert [n for n, _ in p.examples] == [3, 5]


@pytest.mark.parametrize("chunk_rows", [None, 1, 2])
def test_missing_customer_id_exclude_counts_rows_and_net_amount(tmp_path, monkeypatch,
                                                                chunk_rows):
    monkeypatch.setattr(table_reader, "CSV_CHUNK_ROWS", chunk_rows)
    data = folder(tmp_path, {
        "transactions.csv": NO_ID,
        "contacts.csv": "customer_id,date,channel\nC1,2011-01-05,call\n,2011-01-06,email\n",
    })
    ds = load_dataset(data, config={"missing_customer_id": "exclude"}, as_of=AS_OF)
    assert ds.transactions["customer_id"].tolist() == ["C1", "C2"]
    assert ds.transactions["amount"].tolist() == [10.5, 5.0]
    assert ds.exclusions == [
        Exclusion("transactions", "no customer id", 2, amount=16.75),  # 20 - 3.25
        Exclusion("contacts", "no customer id", 1),
    ]
    dq = ds.data_quality().set_index("table")
    assert dq.loc["transactions", ["rows_read", "rows_excluded", "rows_used"]].tolist() == [
        4, 2, 2]
    assert dq.loc["transactions", "notes"].startswith(
        "2 rows dropped: no customer id (net amount 16.75)")
    assert dq.loc["contacts", ["rows_read", "rows_excluded", "rows_used"]].tolist() == [2, 1, 1]
    assert ds.to_metrics()["exclusions"] == [
        {"table": "transactions", "reason": "no customer id", "rows": 2, "amount": 16.75},
        {"table": "contacts", "reason": "no customer id", "rows": 1},
    ]
    text = ds.describe()
    assert ("excluded: transactions: 2 rows dropped: no customer id (net amount 16.75) "
            "(missing_customer_id: exclude)") in text
    assert "excluded: contacts: 1 row dropped: no customer id" in text
    en = quality_table(ds).set_index("table")
    assert en.loc["transactions", "notes"] == (
        "2 rows left out of the customer analyses: no customer id (as the settings ask); net "
        "amount €16.75")
    uk = quality_table(ds, tr=get_translator("uk")).set_index("table")
    assert uk.loc["transactions", "notes"].startswith("виключено рядків: 2 — немає коду клієнта")


def test_exclude_keeps_the_other_errors_of_the_file(tmp_path):
    data = folder(tmp_path, {"transactions.csv": NO_ID + "C3,2011-13-01,1\n"})
    with pytest.raises(DataValidationError) as exc:
        load_dataset(data, config={"missing_customer_id": "exclude"}, as_of=AS_OF)
    (p,) = errors(exc)
    assert p.kind == "unparseable_date" and p.examples == [(6, "2011-13-01")]


def test_a_transactions_table_without_any_id_is_an_error(tmp_path):
    data = folder(tmp_path, {"transactions.csv": "customer_id,date,amount\n,2011-01-05,1\n"})
    with pytest.raises(DataValidationError) as exc:
        load_dataset(data, config={"missing_customer_id": "exclude"}, as_of=AS_OF)
    (p,) = errors(exc)
    assert "every row of the table was left out" in p.message


def test_missing_customer_id_rule_is_checked():
    with pytest.raises(ConfigError, match="missing_customer_id must be one of"):
        load_settings({"missing_customer_id": "drop"})
    assert load_settings({"missing_customer_id": "Exclude"}).missing_customer_id == "exclude"
    assert load_settings(None).missing_customer_id == "error"


# --------------------------------------------------------------------- customer ids


@pytest.mark.parametrize("chunk_rows", [None, 2])
def test_ids_written_as_decimals_read_as_whole_numbers(tmp_path, monkeypatch, chunk_rows):
    monkeypatch.setattr(table_reader, "CSV_CHUNK_ROWS", chunk_rows)
    data = folder(tmp_path, {
        "transactions.csv": ("customer_id,date,amount\n17850.0,2011-01-05,1\n"
                             "13047.0,2011-01-06,2\n17850.0,2011-01-07,3\n"),
        "customers.csv": "customer_id,name\n17850,A\n13047,B\n",
    })
    ds = load_dataset(data, as_of=AS_OF)
    assert ds.transactions["customer_id"].tolist() == ["17850", "13047", "17850"]
    assert ds.notes["transactions"] == [
        "column 'customer_id' holds whole numbers written as decimals (e.g. '17850.0'): read "
        "as whole numbers ('17850')"]
    assert not [p for p in ds.warnings if p.kind == "unknown_customer"]
    ru = quality_table(ds, tr=get_translator("ru")).loc[0, "notes"]
    assert ru == ("столбец customer_id: коды, записанные как дробные числа (17850.0), "
                  "прочитаны как целые (17850)")


@pytest.mark.parametrize("ids", [["17850.0", "A1"], ["17850.0", "17850.5"], ["1.00", "017"]])
def test_ids_not_all_whole_decimals_stay_as_written(ids):
    frame = pd.DataFrame({"customer_id": ids, "date": ["2011-01-05"] * 2, "amount": [1, 2]})
    ds = load_dataset({"transactions": frame}, as_of=AS_OF)
    assert ds.transactions["customer_id"].tolist() == ids
    assert "transactions" not in ds.notes


def test_float_id_column_of_a_dataframe_gets_the_note():
    frame = pd.DataFrame({"customer_id": [17850.0, None, 13047.0],
                          "date": ["2011-01-05"] * 3, "amount": [1, 2, 3]})
    ds = load_dataset({"transactions": frame}, config={"missing_customer_id": "exclude"},
                      as_of=AS_OF)
    assert ds.transactions["customer_id"].tolist() == ["17850", "13047"]
    assert ds.notes["transactions"][0].startswith(
        "column 'customer_id' holds whole numbers written as decimals (e.g. '17850.0')")


def test_fewer_than_half_matching_customers_is_an_error_with_examples(tmp_path):
    data = folder(tmp_path, {
        "transactions.csv": ("customer_id,date,amount\nC1,2011-01-05,1\nX2,2011-01-05,1\n"
                             "X3,2011-01-05,1\nX3,2011-01-06,1\n"),
        "customers.csv": "customer_id\nC1\nC9\n",
    })
    with pytest.raises(DataValidationError) as exc:
        load_dataset(data, as_of=AS_OF)
    (p,) = errors(exc)
    assert p.kind == "customer_mismatch"
    assert "only 1 of the 3 customers of transactions (33.3%) are found in customers" in p.message
    assert "not in customers: 'X2', 'X3'" in p.message
    assert "ids in customers: 'C1', 'C9'" in p.message
    # half is enough: a warning, as before
    (data / "customers.csv").write_text("customer_id\nC1\nX2\n", encoding="utf-8")
    ds = load_dataset(data, as_of=AS_OF)
    (w,) = [p for p in ds.warnings if p.kind == "unknown_customer"]
    assert w.rows == 2


def test_decimal_ids_against_whole_customers_were_the_mismatch(tmp_path):
    """17850.0 against 17850 matches once read as whole numbers; an id column that is not
    all whole numbers stays as written and the mismatch stops the run."""
    data = folder(tmp_path, {
        "transactions.csv": ("customer_id,date,amount\n17850.0,2011-01-05,1\n"
                             "13047.5,2011-01-06,2\n"),
        "customers.csv": "customer_id\n17850\n13047\n",
    })
    with pytest.raises(DataValidationError) as exc:
        load_dataset(data, as_of=AS_OF)
    assert errors(exc)[0].kind == "customer_mismatch"
    assert "only 0 of the 2 customers" in errors(exc)[0].message


# --------------------------------------------------------------------- Latin-1


def test_latin1_files_with_the_encoding_option(tmp_path):
    data = folder(tmp_path, {
        "transactions.csv": "customer_id,date,amount,Description\nC1,2011-01-05,1,CRÈME BRÛLÉE\n",
        "customers.csv": "customer_id,name\nC1,Société Générale\n",
    }, encoding="latin-1")
    ds = load_dataset(data, config={"csv": {"encoding": "latin-1"}}, as_of=AS_OF)
    assert ds.transactions["Description"].tolist() == ["CRÈME BRÛLÉE"]
    assert ds.customers["name"].tolist() == ["Société Générale"]
    with pytest.raises(DataValidationError, match="encoding"):
        load_dataset(data, as_of=AS_OF)  # as UTF-8: the message names the option


# --------------------------------------------------------------------- the retail export


def test_retail_export_validates_with_a_config_alone(tmp_path):
    out = tmp_path / "retail"
    config = write_retail_export(out, customers=60, seed=11)
    assert yaml.safe_load(config.read_text(encoding="utf-8")) == RETAIL_EXPORT_CONFIG
    raw = pd.read_csv(out / "transactions.csv", encoding="latin-1", dtype=str,
                      keep_default_na=False)
    blank = raw["CustomerID"].eq("")
    amount = raw["Quantity"].astype(float) * raw["UnitPrice"].astype(float)
    result = runner.invoke(app, ["validate", "--data", str(out), "--config", str(config),
                                 "--as-of", "2011-12-09"])
    assert result.exit_code == 0, result.output
    text = result.output
    dup = raw[~blank].duplicated().sum()  # the planted exact duplicates among known ids
    used = len(raw) - int(blank.sum()) - int(dup)
    assert dup == raw.duplicated().sum() == 3
    assert f"amount computed as quantity × unit_price for {used:,} rows" in text
    assert "holds whole numbers written as decimals (e.g. '" in text
    assert (f"excluded: transactions: {int(blank.sum()):,} rows dropped: no customer id "
            f"(net amount {amount[blank].sum():,.2f})") in text
    assert "3 rows duplicating an earlier row exactly (dropped)" in text
    assert text.rstrip().endswith("OK: no errors")
    ds = load_dataset(out, config=config, as_of="2011-12-09")
    t = ds.transactions
    assert len(t) == used
    assert t["date"].max() == pd.Timestamp("2011-12-09")
    assert t["amount"].sum() == pytest.approx(amount[~blank].sum() - amount[
        ~blank & raw.duplicated()].sum())
    assert (t["amount"] < 0).sum() == (raw.loc[~blank, "Quantity"].astype(int) < 0).sum()
    assert "CRÈME BRÛLÉE DISH SET" in set(t["Description"])
    assert t["customer_id"].str.fullmatch(r"\d+").all()


def test_the_cache_key_depends_on_the_new_options(tmp_path):
    from retention_lib.caching.cache import dataset_key

    data = folder(tmp_path, {"transactions.csv": NO_ID})
    files = [data / "transactions.csv"]
    as_of = pd.Timestamp(AS_OF)
    keys = {
        dataset_key(files, settings=load_settings(cfg), as_of=as_of)
        for cfg in (None, {"missing_customer_id": "exclude"},
                    {"csv": {"date_format": "%Y-%m-%d"}})
    }
    assert len(keys) == 3


def test_decimal_ids_in_the_customers_table_too(tmp_path):
    data = folder(tmp_path, {
        "transactions.csv": "customer_id,date,amount\n17850,2011-01-05,1\n13047,2011-01-06,2\n",
        "customers.csv": "customer_id,name\n17850.0,A\n13047.0,B\n",
    })
    ds = load_dataset(data, as_of=AS_OF)
    assert ds.customers["customer_id"].tolist() == ["17850", "13047"]
    assert ds.notes["customers"][0].startswith("column 'customer_id' holds whole numbers")
    assert not [p for p in ds.warnings if p.kind == "unknown_customer"]


def test_validate_names_the_date_format_option_and_exits_1(tmp_path):
    data = folder(tmp_path, {"transactions.csv": US})
    result = runner.invoke(app, ["validate", "--data", str(data), "--as-of", AS_OF])
    assert result.exit_code == 1
    assert "transactions.csv: column 'date': 3 rows with a date written month/day/year" in (
        result.output)
    assert 'csv: {date_format: "%m/%d/%Y %H:%M"}' in result.output
    assert "line 2 '12/1/2010 8:26'" in result.output
    config = tmp_path / "retention.yaml"
    config.write_text('csv: {date_format: "%m/%d/%Y %H:%M"}\n', encoding="utf-8")
    result = runner.invoke(app, ["validate", "--data", str(data), "--as-of", AS_OF,
                                 "--config", str(config)])
    assert result.exit_code == 0, result.output
