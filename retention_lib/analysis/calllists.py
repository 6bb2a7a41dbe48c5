"""Call lists: one Excel workbook and one Excel-safe CSV per manager.

Workbooks (:func:`write_workbook`, openpyxl): one sheet per kind of task, a bold header row
that stays in place (frozen pane, auto-filter), column widths from the content, dates as real
date cells (``date_format``), money and counts as numbers with a number format, and text
written as text: a text cell that would start a formula is stored as a string with Excel's
quote prefix (shown as typed, never evaluated). Sheet names are cut to Excel's 31 characters
without ``[]:*?/\\``.

CSV separator: Excel opens a CSV with the list separator of the user's regional settings --
``;`` where the decimal separator is a comma (Russian, Ukrainian, most of Europe), ``,`` in
English. :func:`csv_separator` gives the separator of the report's language
(:data:`CSV_SEPARATORS`), so a file opens in columns with the settings of its readers; with
``;`` numbers that are not whole get a decimal comma (``26124,77``), read as numbers there.

Excel safety (CSV / formula injection)
--------------------------------------
* Encoding UTF-8 **with BOM** (``utf-8-sig``), so Excel shows Cyrillic correctly; ``\\r\\n``
  line ends; every field that needs it is quoted by :mod:`csv`.
* **Text** cells (every column that is not numeric, including ids, names, managers and
  headers) that start with ``=``, ``+``, ``-``, ``@``, tab or carriage return — or with their
  full-width forms ``＝ ＋ － ＠`` — are neutralised by prefixing an apostrophe ``'``. A cell
  whose first non-blank character is one of those is treated the same way (leading spaces do
  not make a formula safe in every spreadsheet). ``-2`` in a *text* column becomes ``'-2``.
* **Numbers are written as numbers only for numeric columns** (int/float dtypes, incl.
  ``Int64``/``Float64``; booleans are text), whose values this library computed: a negative
  number there (``-2``) is a value, not a formula, and stays ``-2``. NaN/NA → empty cell.
* Dates (datetime64 columns) are written as ``YYYY-MM-DD``.

Language: the caller may pass ``headers`` (column → header text) and ``labels`` (column →
{code: display text}) to write the file in the report's language
(:func:`retention_lib.pages.discipline_calllists.write_report_call_lists` does); neutralisation
applies to the translated text as to any other text.

File names: ``call_list_<manager>.csv`` where every run of characters other than letters,
digits, ``_`` and ``-`` (any script) becomes ``_`` (so ``../x`` cannot leave the folder);
duplicates after cleaning get ``_2``, ``_3``, ...
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CSV_SEPARATORS",
    "FORMULA_PREFIXES",
    "Sheet",
    "call_list_filename",
    "csv_separator",
    "neutralise",
    "write_call_lists",
    "write_safe_csv",
    "write_workbook",
]

#: CSV field separator per report language: Excel's list separator under that locale.
CSV_SEPARATORS: dict[str, str] = {"en": ",", "ru": ";", "uk": ";"}

#: First characters that make a spreadsheet treat a cell as a formula (or DDE payload).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise(text: str) -> str:
    """Return ``text`` prefixed with ``'`` when it could start a formula (module rule)."""
    if not text:
        return text
    stripped = text.lstrip(" \u00a0")
    if text.startswith(FORMULA_PREFIXES) or (stripped and stripped.startswith(FORMULA_PREFIXES)):
        return "'" + text
    return text


def _cells(column: pd.Series, decimal: str = ".") -> list[str]:
    """The cell text of every row of ``column`` (module rules), without a Python call per row
    where the dtype allows: dates and integral numbers are formatted by numpy, text is
    neutralised once per distinct value (a call list of a million rows took ~10 s row by
    row)."""
    dtype = column.dtype
    na = column.isna().to_numpy(dtype=bool)
    if pd.api.types.is_datetime64_any_dtype(dtype) and not isinstance(dtype, pd.DatetimeTZDtype):
        days = column.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        out = np.datetime_as_string(days, unit="D").astype(object)
        out[na] = ""
        return out.tolist()
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        values = column.to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            integral = ~na & np.isfinite(values) & (values == np.trunc(values)) & (
                np.abs(values) < 2**53)
        out = np.full(len(values), "", dtype=object)
        out[integral] = values[integral].astype(np.int64).astype(str).astype(object)
        rest = np.flatnonzero(~na & ~integral)
        out[rest] = [repr(float(v)).replace(".", decimal) for v in values[rest]]
        return out.tolist()
    if isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype)):  # same text per value
        codes, distinct = pd.factorize(column)
        texts = np.array([neutralise(str(v)) for v in distinct] + [""], dtype=object)
        return texts[np.where(na, -1, codes)].tolist()
    values = column.to_numpy(dtype=object)
    if pd.api.types.is_datetime64_any_dtype(dtype):  # time-zone aware: local dates
        return ["" if m else pd.Timestamp(v).strftime("%Y-%m-%d")
                for v, m in zip(values, na, strict=True)]
    return ["" if m else neutralise(str(v)) for v, m in zip(values, na, strict=True)]


def csv_separator(lang: str) -> str:
    """The CSV separator Excel expects under the language's regional settings: ``";"`` for
    ru and uk, ``","`` for en (and any language not in :data:`CSV_SEPARATORS`)."""
    return CSV_SEPARATORS.get(str(lang).split("_")[0].split("-")[0].lower(), ",")


def write_safe_csv(
    frame: pd.DataFrame, path: str | Path, *, headers: Mapping[str, str] | None = None,
    sep: str = ",", decimal: str | None = None,
) -> Path:
    """Write ``frame`` (its columns, not the index) as an Excel-safe CSV (module rules).

    ``headers`` optionally maps a column to the header text written for it (default: the
    column name); ``sep`` is the field separator (:func:`csv_separator`); ``decimal`` the
    decimal mark of numbers that are not whole (default ``","`` when ``sep`` is ``";"``, as
    Excel reads them under those regional settings, else ``"."``).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if decimal is None:
        decimal = "," if sep == ";" else "."
    columns = [_cells(frame[c], decimal) for c in frame.columns]
    names = dict(headers or {})
    header = [neutralise(str(names.get(c, c))) for c in frame.columns]
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=sep, lineterminator="\r\n",
                            quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        if columns:
            writer.writerows(zip(*columns, strict=True))
    return path


def call_list_filename(manager: Any, *, taken: set[str] | None = None,
                       suffix: str = ".csv") -> str:
    """File name for a manager's call list (module rule); adds to ``taken`` when given.

    ``suffix`` is the extension (``".csv"``, ``".xlsx"``); a workbook and a CSV of the same
    manager share the stem when they are named with the same ``taken`` set per suffix."""
    slug = re.sub(r"[^\w-]+", "_", str(manager), flags=re.UNICODE).strip("_.-") or "manager"
    name = f"call_list_{slug}{suffix}"
    if taken is not None:
        k = 2
        while name.lower() in taken:
            name = f"call_list_{slug}_{k}{suffix}"
            k += 1
        taken.add(name.lower())
    return name


def write_call_lists(
    plan: pd.DataFrame,
    *,
    out_dir: str | Path,
    columns: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Path]:
    """Write one call list per manager of a contact plan.

    Parameters
    ----------
    plan
        :func:`retention_lib.analysis.contact_planning.contact_plan` output (needs a ``manager``
        column).
    out_dir
        Folder to write into (created), e.g. ``reports/<period>/call_lists``.
    columns
        Columns to write, in order (default: all columns of ``plan``).
    headers
        Column → header text in the file (default: the column names).
    labels
        Column → {code: display text} for text columns (e.g. actions and the manager
        ``"unassigned"`` in the report's language); codes not in the mapping are written
        as they are. File names and the returned keys keep the manager codes.

    Returns
    -------
    dict
        Manager → path of the file written, in sorted manager order. Managers without rows
        get no file; an empty plan writes nothing.
    """
    if "manager" not in plan.columns:
        raise KeyError(f"plan lacks column 'manager'; found: {list(plan.columns)}")
    cols = list(columns) if columns is not None else list(plan.columns)
    missing = [c for c in cols if c not in plan.columns]
    if missing:
        raise KeyError(f"plan lacks column(s) {missing}; found: {list(plan.columns)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    managers = plan["manager"].astype(object).fillna("unassigned").astype(str).to_numpy()
    taken: set[str] = set()
    written: dict[str, Path] = {}
    for manager in sorted(set(managers)):
        rows = plan.loc[managers == manager, cols].reset_index(drop=True)
        for col, mapping in (labels or {}).items():
            if col not in rows.columns:
                continue
            if isinstance(rows[col].dtype, (pd.StringDtype, pd.CategoricalDtype)):
                codes, distinct = pd.factorize(rows[col])  # mapped once per distinct value
                shown = [mapping.get(str(v), str(v)) for v in distinct] + [pd.NA]
                rows[col] = pd.array(np.asarray(shown, dtype=object)[codes], dtype="string")
            else:
                rows[col] = pd.array(
                    [v if pd.isna(v) else mapping.get(str(v), str(v))
                     for v in rows[col].astype(object)], dtype="string")
        path = out_dir / call_list_filename(manager, taken=taken)
        written[manager] = write_safe_csv(rows, path, headers=headers)
    return written


# --------------------------------------------------------------------------- workbooks
@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook for :func:`write_workbook`.

    Attributes
    ----------
    title
        Sheet name as the reader sees it (cut to 31 characters, ``[]:*?/\\`` replaced).
    frame
        The rows: its columns in order, the index ignored.
    headers
        Column -> header text (default: the column name).
    money
        Columns shown as whole amounts (``#,##0``).
    percent
        Columns of shares shown as percentages (``0%``).
    """

    title: str
    frame: pd.DataFrame
    headers: Mapping[str, str] = field(default_factory=dict)
    money: tuple[str, ...] = ()
    percent: tuple[str, ...] = ()


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
#: Characters openpyxl refuses in a cell (XML 1.0 control characters).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _SHEET_BAD.sub("_", str(title)).strip("'") or "Sheet"
    name, k = base[:31], 2
    while name.lower() in taken:
        tail = f" ({k})"
        name, k = base[: 31 - len(tail)] + tail, k + 1
    taken.add(name.lower())
    return name


def _cell_values(column: pd.Series) -> tuple[str, list[Any]]:
    """(kind, values) of a column: ``date`` (datetime.datetime or None), ``number`` (int /
    float or None) or ``text`` (str or None)."""
    dtype = column.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        values = pd.to_datetime(column)
        if isinstance(dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_localize(None)
        return "date", [None if pd.isna(v) else v.to_pydatetime() for v in values]
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        out: list[Any] = []
        for v in column.to_numpy(dtype="float64", na_value=np.nan):
            if not np.isfinite(v):
                out.append(None)
            elif v == np.trunc(v) and abs(v) < 2**53:
                out.append(int(v))
            else:
                out.append(float(v))
        return "number", out
    return "text", [None if (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)))
                    else _ILLEGAL.sub("", str(v)) for v in column.astype(object)]


def write_workbook(
    sheets: Sequence[Sheet], path: str | Path, *, date_format: str = "yyyy-mm-dd"
) -> Path:
    """Write ``sheets`` into one ``.xlsx`` workbook (module rules).

    Parameters
    ----------
    sheets
        The sheets in order (:class:`Sheet`); a sheet without rows keeps its header row.
    path
        The file to write (its folder is created).
    date_format
        Excel number format of the date cells (``"yyyy-mm-dd"``, ``"dd.mm.yyyy"``).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE4EE")
    wrap = Alignment(wrap_text=True, vertical="top")
    for sheet in sheets:
        ws = book.create_sheet(_sheet_title(sheet.title, taken))
        cols = list(sheet.frame.columns)
        headers = [str(sheet.headers.get(c, c)) for c in cols]
        for j, text in enumerate(headers, start=1):
            cell = ws.cell(row=1, column=j, value=_ILLEGAL.sub("", text))
            cell.data_type = "s"
            cell.font, cell.fill, cell.alignment = bold, fill, wrap
        widths = [min(max(len(h), 6), 40) for h in headers]
        for j, col in enumerate(cols, start=1):
            kind, values = _cell_values(sheet.frame[col])
            if kind == "number":
                fmt = ("#,##0" if col in sheet.money else "0%" if col in sheet.percent
                       else None)
            else:
                fmt = date_format if kind == "date" else None
            longest = 0
            for i, value in enumerate(values, start=2):
                if value is None:
                    continue
                cell = ws.cell(row=i, column=j, value=value)
                if kind == "text":
                    cell.data_type = "s"  # never a formula, whatever the first character
                    if neutralise(value) != value:
                        cell.quotePrefix = True
                    longest = max(longest, len(value))
                elif fmt is not None:
                    cell.number_format = fmt
                    longest = max(longest, 12 if kind == "number" else len(fmt))
                else:
                    longest = max(longest, len(str(value)))
            widths[j - 1] = min(max(widths[j - 1], longest + 2), 60)
            ws.column_dimensions[get_column_letter(j)].width = widths[j - 1]
        ws.freeze_panes = "A2"
        if cols:
            last = get_column_letter(len(cols))
            ws.auto_filter.ref = f"A1:{last}{max(len(sheet.frame) + 1, 1)}"
    if not book.sheetnames:
        book.create_sheet("Sheet")
    book.save(path)
    return path
