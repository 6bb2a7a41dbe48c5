"""Parsing the values of contract columns: dates and months (with the day/month order
never guessed), numbers (decimal commas, thousands), yes/no answers and ids.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from .problems import Problem
from .raw_table import RawTable, row_problem
from .schema import TableSpec

__all__ = [
    "DATE_FORMATS",
    "FALSE_WORDS",
    "MONTH_FORMATS",
    "TRUE_WORDS",
    "as_text",
    "date_column",
    "date_problem",
    "day_end",
    "parse_bool",
    "parse_datetime",
    "parse_number",
    "take_codes",
    "to_days",
    "to_id",
]


DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y",
)


MONTH_FORMATS: tuple[str, ...] = ("%Y-%m", *DATE_FORMATS)


TRUE_WORDS = ("true", "1", "yes", "y", "t", "да", "так")


FALSE_WORDS = ("false", "0", "no", "n", "f", "нет", "ні")


_THOUSANDS_DOTS = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d*)?$")


def as_text(s: pd.Series) -> pd.Series:
    """Strings stripped of surrounding whitespace; empty → missing."""
    out = s.astype(str).str.strip()
    return out.where(out != "")


def to_id(s: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(s):
        whole = s.dropna()
        if (whole == np.floor(whole)).all():
            s = s.astype("Int64")
    return as_text(s)


def parse_datetime(s: pd.Series, formats: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    """(parsed datetime64[ns], mask of non-missing values that did not parse)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
        if out.dtype == "datetime64[ns]":
            return out, pd.Series(False, index=s.index)
        # a coarser unit (Parquet dates, datetime64[s]) can hold dates nanoseconds cannot:
        # those are unparseable, as the same dates given as text or date objects are
        if out.min() >= pd.Timestamp.min and out.max() <= pd.Timestamp.max:  # NaT: skipped
            return out.astype("datetime64[ns]"), pd.Series(False, index=s.index)
        bad = out.notna() & ((out < pd.Timestamp.min) | (out > pd.Timestamp.max))
        return out.where(~bad).astype("datetime64[ns]"), bad
    is_text = pd.api.types.is_string_dtype(s) or (
        s.dtype == object and s.dropna().map(type).eq(str).all()
    )
    if not is_text:
        out = pd.to_datetime(s, errors="coerce")
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
        out = out.astype("datetime64[ns]")
        return out, s.notna() & out.isna()
    text = as_text(s)
    if len(text) > 1:  # parse each distinct value once (dates repeat a lot)
        codes, uniques = pd.factorize(text)
        parsed, bad = _parse_text_dates(pd.Series(uniques, dtype=text.dtype), formats)
        out = take_codes(parsed.to_numpy(), codes, np.datetime64("NaT", "ns"))
        todo = take_codes(bad.to_numpy(), codes, False)
        return (pd.Series(out, index=s.index, dtype="datetime64[ns]"),
                pd.Series(todo, index=s.index, dtype=bool))
    return _parse_text_dates(text, formats)


def take_codes(values: np.ndarray, codes: np.ndarray, missing: Any) -> np.ndarray:
    """``values[codes]`` with ``missing`` where ``codes == -1``."""
    out = values[np.maximum(codes, 0)] if len(values) else np.full(len(codes), missing)
    if len(values):
        out[codes < 0] = missing
    return out


def _parse_text_dates(text: pd.Series, formats: tuple[str, ...]) -> tuple[pd.Series, pd.Series]:
    """The format loop of :func:`parse_datetime` on stripped text (missing: ``NaN``)."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    todo = text.notna()
    for fmt in formats:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        out.loc[ok[ok].index] = parsed[ok].astype("datetime64[ns]")
        todo.loc[ok[ok].index] = False
    return out, todo


def _date_formats(kind: str, date_format: str | None) -> tuple[str, ...]:
    """The formats text dates of a ``date`` / ``month`` column are parsed with: the
    configured ``csv.date_format`` alone (a month column also takes ``YYYY-MM``), else ISO
    and ``DD.MM.YYYY``."""
    if date_format:
        return ("%Y-%m", date_format) if kind == "month" else (date_format,)
    return MONTH_FORMATS if kind == "month" else DATE_FORMATS


def date_column(s: pd.Series, kind: str,
                date_format: str | None = None) -> tuple[pd.Series, pd.Series]:
    """(datetime64[ns], mask of unparseable values): a ``date`` column keeps the time of
    day as read (cut off by :func:`to_days` once exact duplicates are judged); a ``month``
    column is the first of the month."""
    out, bad = parse_datetime(s, _date_formats(kind, date_format))
    if kind == "date":
        return out.astype("datetime64[ns]"), bad
    codes, uniques = pd.factorize(out)  # each distinct month once
    first = pd.Series(uniques, dtype="datetime64[ns]").dt.to_period("M").dt.to_timestamp()
    values = take_codes(first.to_numpy(dtype="datetime64[ns]"), codes, np.datetime64("NaT", "ns"))
    return pd.Series(values, index=s.index, dtype="datetime64[ns]"), bad


def to_days(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """``frame`` with the time of day of its ``date`` columns cut off (in place; vectorised:
    0.4 s at 37M rows, factorising first took 2.2 s)."""
    for col in spec.columns:
        if col.kind == "date" and col.name in frame:
            frame[col.name] = frame[col.name].dt.normalize().astype("datetime64[ns]")
    return frame


def day_end(as_of: pd.Timestamp) -> pd.Timestamp:
    """The first instant after the report date: a date with a time of day is after
    ``as_of`` only from the next midnight on."""
    return as_of + pd.Timedelta(days=1)


_SLASH_DATE = re.compile(
    r"^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})(?:[ T](\d{1,2}:\d{2}(:\d{2})?))?$"
)


def date_problem(raw: RawTable, column: str, kind: str, bad: pd.Series, values: pd.Series,
                 date_format: str | None, plain: bool = False) -> Problem:
    """The error of the unparseable values of a date column: with ``csv.date_format`` set,
    values not matching it; without it, day/month dates (``03/04/2010``) are named as such,
    with the option to set (the order is never guessed), other values as unparseable."""
    if date_format:
        return row_problem(raw, column, "unparseable_date", bad, values,
                        f"with a date not matching csv: {{date_format: {date_format!r}}}")
    text = as_text(values[bad]).dropna()
    parts = text.drop_duplicates().head(100_000).str.extract(_SLASH_DATE)
    if not plain and len(text) and parts[0].notna().all():
        sep = "/" if text.iloc[0].find("/") > 0 else "-"
        year = "%Y" if parts[2].str.len().eq(4).all() else "%y"
        clock = ""
        if parts[3].notna().any():
            clock = " %H:%M:%S" if parts[4].notna().any() else " %H:%M"
        us = f"%m{sep}%d{sep}{year}{clock}"
        eu = f"%d{sep}%m{sep}{year}{clock}"
        distinct = text.drop_duplicates()
        as_us = pd.to_datetime(distinct, format=us, errors="coerce").notna()
        as_eu = pd.to_datetime(distinct, format=eu, errors="coerce").notna()
        if not (as_us | as_eu).all():  # some are no date in either order (31/02/2026)
            return date_problem(raw, column, kind, bad, values, None, plain=True)
        if as_eu.all() and not as_us.all():
            what = "written day/month/year (some cannot be month first)"
            hint = f'csv: {{date_format: "{eu}"}}'
        elif as_us.all() and not as_eu.all():
            what = "written month/day/year (some cannot be day first)"
            hint = f'csv: {{date_format: "{us}"}}'
        else:
            both = distinct[(as_us & as_eu).to_numpy()]
            example = str(both.iloc[0]) if len(both) else "03/04/2010"
            day_first = pd.to_datetime(example, format=eu)
            month_first = pd.to_datetime(example, format=us)
            what = (f"that could be read day first or month first ('{example}': "
                    f"{day_first.day} {day_first:%B} {day_first.year} or "
                    f"{month_first.day} {month_first:%B} {month_first.year})")
            hint = (f'csv: {{date_format: "{us}"}} (month first) or csv: {{date_format: '
                    f'"{eu}"}} (day first)')
        return row_problem(
            raw, column, "ambiguous_date", bad, values,
            f"with a date {what}; the order of day and month is never guessed: set the "
            f"format in the config, {hint}",
        )
    expected = "YYYY-MM, " if kind == "month" else ""
    return row_problem(
        raw, column, "unparseable_date", bad, values,
        f"with an unparseable date (expected {expected}YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or "
        "DD.MM.YYYY, or the file's own format set in the config: csv: {date_format: "
        "'%m/%d/%Y %H:%M'})",
    )


def parse_number(s: pd.Series, *, decimal_comma: bool) -> tuple[pd.Series, pd.Series]:
    """(float64, mask of non-missing values that are not finite numbers)."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        out = s.astype("float64")
        return out, s.notna() & ~np.isfinite(out.fillna(0.0))
    text = as_text(s)
    if not decimal_comma:
        try:  # fast path: plain numbers
            out = _arrow_float(text)
            if out is None:
                out = text.astype("float64")
        except (ValueError, TypeError):
            out = pd.to_numeric(text, errors="coerce").astype("float64")
        retry = text.notna() & ~np.isfinite(out.fillna(np.inf))
        if not retry.any():
            return out, retry
        out = out.copy()
        out.loc[retry] = _clean_number(text[retry], decimal_comma=False)
    else:
        out = _clean_number(text, decimal_comma=True)
    bad = text.notna() & ~np.isfinite(out.fillna(np.inf))
    return out.where(~bad), bad


def _arrow_float(text: pd.Series) -> pd.Series | None:
    """``text.astype("float64")`` by pyarrow's cast for pyarrow strings (``None`` when the
    cast refuses a value: the caller then uses pandas' conversion)."""
    if not isinstance(text.array, pd.arrays.ArrowStringArray):
        return None
    import pyarrow as pa

    try:
        values = pa.array(text.array).cast(pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pd.Series(values.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")


def _clean_number(text: pd.Series, *, decimal_comma: bool) -> pd.Series:
    """Numbers from text with inner spaces (thousands) and, optionally, decimal commas."""
    text = text.str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    if decimal_comma:
        thousands = text.str.match(_THOUSANDS_DOTS).fillna(False).astype(bool)
        text = text.where(~thousands, text.str.replace(".", "", regex=False))
        text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def parse_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean"), pd.Series(False, index=s.index)
    codes, uniques = pd.factorize(s)  # each distinct answer once
    text = as_text(pd.Series(uniques, dtype=s.dtype)).str.lower()
    text = text.str.replace(r"\.0$", "", regex=True)  # 1.0 / 0.0 from numeric input
    mapping = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
    out = text.map(mapping)
    bad = (text.notna() & out.isna()).to_numpy()
    answer = out.astype("boolean").array.take(codes, allow_fill=True)
    return (pd.Series(answer, index=s.index, dtype="boolean"),
            pd.Series(take_codes(bad, codes, False), index=s.index, dtype=bool))
