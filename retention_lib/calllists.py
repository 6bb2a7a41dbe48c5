"""Call lists: the contact plan written as one Excel-safe CSV per manager.

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
(:func:`retention_lib.discipline.write_report_call_lists` does); neutralisation applies to the
translated text as to any other text.

File names: ``call_list_<manager>.csv`` where every run of characters other than letters,
digits, ``_`` and ``-`` (any script) becomes ``_`` (so ``../x`` cannot leave the folder);
duplicates after cleaning get ``_2``, ``_3``, ...
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FORMULA_PREFIXES",
    "call_list_filename",
    "neutralise",
    "write_call_lists",
    "write_safe_csv",
]

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


def _cells(column: pd.Series) -> list[str]:
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
        out[rest] = [repr(float(v)) for v in values[rest]]
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


def write_safe_csv(
    frame: pd.DataFrame, path: str | Path, *, headers: Mapping[str, str] | None = None
) -> Path:
    """Write ``frame`` (its columns, not the index) as an Excel-safe CSV (module rules).

    ``headers`` optionally maps a column to the header text written for it (default: the
    column name).

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = [_cells(frame[c]) for c in frame.columns]
    names = dict(headers or {})
    header = [neutralise(str(names.get(c, c))) for c in frame.columns]
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        if columns:
            writer.writerows(zip(*columns, strict=True))
    return path


def call_list_filename(manager: Any, *, taken: set[str] | None = None) -> str:
    """File name for a manager's call list (module rule); adds to ``taken`` when given."""
    slug = re.sub(r"[^\w-]+", "_", str(manager), flags=re.UNICODE).strip("_.-") or "manager"
    name = f"call_list_{slug}.csv"
    if taken is not None:
        k = 2
        while name.lower() in taken:
            name = f"call_list_{slug}_{k}.csv"
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
        :func:`retention_lib.cadence.contact_plan` output (needs a ``manager`` column).
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
