"""Reading one table: a CSV table in chunks (fast path first, exact path when the
fast one meets anything unusual), or a table read whole (Parquet, DataFrame) normalised and
checked at once.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from ..config import Settings
from .checks import (
    apply_column_names,
    check_missing_columns,
    duplicate_id_problems,
    pandera_problems,
    planned_and_manager,
    refunds_note,
)
from .chunked_csv import csv_table
from .csv_reader import NotClean, fast_eligible
from .duplicates import HashCollision, duplicated_rows
from .memory import release_memory
from .normalise import (
    amount_note,
    derives_amount,
    drop_missing_ids,
    normalise_columns,
    whole_number_ids,
)
from .parquet_reader import read_parquet, utc_day_problems
from .parsing import to_days
from .problems import MAX_EXAMPLES, Problem, empty_table_problem
from .raw_table import CsvSource, ParquetSource, RawTable, TableRead, row_problem, row_text
from .schema import TABLES

__all__ = [
    "CSV_CHUNK_ROWS",
    "read_csv_table",
    "read_table",
]


#: CSV files are read, normalised and checked this many records at a time, so that only one
#: chunk of raw text exists at once (``None``: whole file at once).  Results do not depend on it.
CSV_CHUNK_ROWS: int | None = 200_000


def read_csv_table(raw: CsvSource, settings: Settings,
                   as_of_ts: pd.Timestamp) -> TableRead | Problem:
    """One CSV table: read fast when it qualifies, else (or when the fast read met anything
    unusual) exactly; a 64-bit row-hash collision makes it compare whole rows."""
    spec = TABLES[raw.table]
    # a ';' file may need its decimal mark guessed from whole columns: one chunk
    rows = None if raw.sep == ";" and settings.csv.decimal != "," else CSV_CHUNK_ROWS
    try:
        done = None
        if fast_eligible(raw, settings):
            try:
                done = csv_table(raw, spec, settings, as_of_ts, rows, fast=True)
            except NotClean:
                done = None
        if not isinstance(done, TableRead):  # not read fast, or unreadable: exactly
            done = csv_table(raw, spec, settings, as_of_ts, rows)
    except HashCollision:
        done = csv_table(raw, spec, settings, as_of_ts, None, exact=True)
    # the chunks' freed temporaries go back to the system once per table: after every chunk
    # it cost ~6 s of page faults at 21M transactions / 37M contacts / 20M usage rows read
    # two tables at a time, for the same peak (7.9 GB both ways)
    release_memory()
    return done


def read_table(raw: RawTable | CsvSource | ParquetSource, settings: Settings,
               as_of_ts: pd.Timestamp) -> TableRead | Problem:
    """One table: a CSV source read in chunks (:func:`read_csv_table`), or a table read whole
    (Parquet, a DataFrame, an empty CSV file) normalised and checked here; a file that
    cannot be read gives its problem."""
    if isinstance(raw, CsvSource):
        return read_csv_table(raw, settings, as_of_ts)
    if isinstance(raw, ParquetSource):
        raw = read_parquet(raw)
        if isinstance(raw, Problem):
            return raw
    spec = TABLES[raw.table]
    problems: list[Problem] = []
    table_notes: list[str] = []
    done = TableRead(raw, None, len(raw.frame), problems, table_notes, 0)
    if raw.blank_lines:
        table_notes.append(f"{raw.blank_lines:,} blank line(s) skipped")
    if len(raw.frame) == 0:
        problems.append(empty_table_problem(raw.table, raw.file, list(raw.frame.columns)))
        return done
    if not apply_column_names(raw, spec, settings, problems):
        return done
    missing = check_missing_columns(raw, spec, settings, problems)
    problems.extend(utc_day_problems(raw, spec))
    frame, failed = normalise_columns(raw, spec, settings, problems, table_notes)
    frame, failed, done.no_id, no_id_amount = drop_missing_ids(frame, failed, settings)
    if "amount" in frame:
        done.no_id_amount = no_id_amount
    problems.extend(pandera_problems(raw, spec, frame, as_of_ts, failed, missing))

    problems.extend(p for p in planned_and_manager(raw, spec, frame, as_of_ts)
                    if p is not None)
    if raw.table == "transactions" and "amount" in frame:
        refunds = int((frame["amount"] < 0).sum())
        if refunds:
            table_notes.append(refunds_note(refunds))
    dup = duplicated_rows(frame, CSV_CHUNK_ROWS)
    if dup.any():
        first = raw.frame.loc[dup[dup].index[:MAX_EXAMPLES]]
        problems.append(row_problem(
            raw, None, "duplicate_rows", dup, row_text(first, list(first.columns)),
            "duplicating an earlier row exactly (dropped)", severity="warning",
        ))
        done.excluded = int(dup.sum())
        frame = frame.loc[~dup]
    frame = to_days(frame, spec)  # duplicates were judged on the full timestamps
    if derives_amount(raw.table, raw.frame.columns):
        table_notes.append(amount_note(len(frame)))
    frame = whole_number_ids(frame, spec, table_notes)
    problems += duplicate_id_problems(raw, frame)
    order = [c.name for c in spec.columns if c.name in frame]
    order += [c for c in frame.columns if c not in order]
    done.frame = frame[order]
    # the rows as read are not needed any more (later messages take their values from the
    # normalised table): freed now, not at the end of the load (a 37M-row table is GBs)
    done.raw = dataclasses.replace(raw, frame=raw.frame.iloc[:0])
    return done
