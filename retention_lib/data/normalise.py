"""Normalising the contract columns of one table (or CSV chunk) to the dtypes of
:mod:`retention_lib.data.schema`: ids, dates, numbers, booleans, an amount computed from
quantity and unit price, ids written as decimals, rows without a customer id.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..config import Settings
from .parsing import (
    FALSE_WORDS,
    TRUE_WORDS,
    as_text,
    date_column,
    date_problem,
    parse_bool,
    parse_number,
    to_id,
)
from .problems import DECIMAL_COMMA_HINT, Problem
from .raw_table import RawTable, row_problem
from .schema import ColumnSpec, TableSpec

__all__ = [
    "amount_note",
    "derives_amount",
    "drop_missing_ids",
    "normalise_columns",
    "whole_number_ids",
]


def normalise_columns(raw: RawTable, spec: TableSpec, settings: Settings,
                      problems: list[Problem], notes: list[str]) -> tuple[pd.DataFrame, dict]:
    """Normalise contract columns; return the frame and {column: mask of parse failures}."""
    frame = raw.frame.copy()
    failed: dict[str, pd.Series] = {}
    for col in spec.columns:
        if col.name not in frame:
            continue
        s = raw.frame[col.name]
        if col.kind == "id":
            frame[col.name] = to_id(s)
            present = s.dropna() if pd.api.types.is_float_dtype(s) else s.iloc[:0]
            if len(present) and bool((present == np.floor(present)).all()):
                first = float(present.iloc[0])
                notes.append(_float_ids_note(col.name, repr(first), str(int(first))))
        elif col.kind in ("date", "month"):
            out, bad = date_column(s, col.kind, settings.csv.date_format)
            frame[col.name] = out
            if bad.any():
                failed[col.name] = bad
                problems.append(date_problem(raw, col.name, col.kind, bad, s,
                                              settings.csv.date_format))
        elif col.kind == "number":
            frame[col.name] = _number_column(raw, col, s, settings, problems, notes, failed)
        elif col.kind == "bool":
            out, bad = parse_bool(s)
            frame[col.name] = out
            if bad.any():
                failed[col.name] = bad
                problems.append(row_problem(
                    raw, col.name, "invalid_boolean", bad, s,
                    "with a value that is not a yes/no answer (allowed: "
                    f"{', '.join(TRUE_WORDS)} / {', '.join(FALSE_WORDS)}, or empty)",
                ))
        elif col.kind == "category":
            frame[col.name] = as_text(s).str.lower()
        else:
            frame[col.name] = as_text(s)
    if derives_amount(raw.table, raw.frame.columns):
        _amount_from_price(raw, frame, problems, failed)
    return frame, failed


def derives_amount(table: str, columns: Any) -> bool:
    """Whether ``amount`` is computed: a transactions table with ``quantity`` and
    ``unit_price`` and no ``amount``."""
    return (table == "transactions" and "amount" not in columns
            and "quantity" in columns and "unit_price" in columns)


def _amount_from_price(raw: RawTable, frame: pd.DataFrame, problems: list[Problem],
                       failed: dict[str, pd.Series]) -> None:
    """``frame["amount"] = quantity * unit_price`` (in place); a missing quantity or unit
    price is an error naming its column (a non-numeric one was reported when parsed)."""
    q, price = frame["quantity"], frame["unit_price"]
    for name, values in (("quantity", q), ("unit_price", price)):
        gap = values.isna()
        if name in failed:
            gap &= ~failed[name]
        if gap.any():
            problems.append(row_problem(
                raw, name, "missing_value", gap, raw.frame[name],
                "with a missing value (amount is computed as quantity × unit_price)",
            ))
    frame["amount"] = (q * price).astype("float64")
    failed["amount"] = q.isna() | price.isna()


def amount_note(rows: int) -> str:
    """The transactions note on amounts computed from quantity and unit price."""
    return (f"amount computed as quantity × unit_price for {rows:,} rows "
            "(no amount column)")


_FLOAT_ID = re.compile(r"^-?\d+\.0+$")


def _float_ids_note(column: str, example: str, whole: str) -> str:
    """The note on ids written as decimals (``17850.0``) read as whole numbers."""
    return (f"column '{column}' holds whole numbers written as decimals (e.g. '{example}'): "
            f"read as whole numbers ('{whole}')")


def whole_number_ids(frame: pd.DataFrame, spec: TableSpec, notes: list[str]) -> pd.DataFrame:
    """``frame`` with each id column whose every value is a whole number written as a
    decimal (``17850.0``, as pandas writes an integer column with gaps) read as the whole
    number (``17850``), with a note; any other id column is left as read."""
    for col in spec.columns:
        if col.kind != "id" or col.name not in frame:
            continue
        s = frame[col.name]
        present = s.dropna()
        if present.empty or not str(present.iloc[0]).endswith(".0"):
            continue  # the usual case, decided on one value
        uniques = pd.Series(pd.unique(present), dtype=s.dtype)
        if not uniques.str.fullmatch(_FLOAT_ID).all():
            continue
        frame[col.name] = s.str.replace(r"\.0+$", "", regex=True)
        notes.append(_float_ids_note(col.name, str(uniques.iloc[0]),
                                     str(uniques.iloc[0]).split(".")[0]))
    return frame


def _number_column(raw: RawTable, col: ColumnSpec, s: pd.Series, settings: Settings,
                   problems: list[Problem], notes: list[str],
                   failed: dict[str, pd.Series]) -> pd.Series:
    comma = settings.csv.decimal == ","
    out, bad = parse_number(s, decimal_comma=comma)
    if bad.any() and not comma and raw.sep == ";":
        alt, alt_bad = parse_number(s, decimal_comma=True)
        if not alt_bad.any():
            notes.append(
                f"column '{col.name}' read with a decimal comma (';'-separated file); "
                f"set {DECIMAL_COMMA_HINT} in the config to make this explicit"
            )
            return alt
    if bad.any():
        failed[col.name] = bad
        detail = "with a non-numeric value"
        if as_text(s)[bad].str.contains(",", regex=False).any() and not comma:
            detail += (
                f"; if the file uses decimal commas (12,50), set in the config: "
                f"{DECIMAL_COMMA_HINT}"
            )
        problems.append(row_problem(raw, col.name, "not_numeric", bad, s, detail))
    return out


def drop_missing_ids(frame: pd.DataFrame, failed: dict[str, pd.Series], settings: Settings
                      ) -> tuple[pd.DataFrame, dict[str, pd.Series], int, float]:
    """With ``missing_customer_id: exclude``, ``frame`` without its rows lacking a
    ``customer_id`` (and ``failed`` without them), their count and net amount (0.0 without
    an amount column); otherwise everything unchanged (such rows are then an error)."""
    if settings.missing_customer_id != "exclude" or "customer_id" not in frame:
        return frame, failed, 0, 0.0
    gone = frame["customer_id"].isna()
    if not gone.any():
        return frame, failed, 0, 0.0
    amount = float(frame.loc[gone, "amount"].sum()) if "amount" in frame else 0.0
    keep = ~gone
    return (frame.loc[keep], {k: v[keep] for k, v in failed.items()}, int(gone.sum()),
            amount)
