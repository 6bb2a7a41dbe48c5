"""The data-quality table of the reports, in the reader's language.

:meth:`retention_lib.data.io.Dataset.data_quality` describes the input in English sentences (for
the log and ``retention validate``).  The reports rebuild those notes from the dataset's
structured record (``exclusions``, ``warnings``, ``notes``) through the message catalog, so a
Russian or Ukrainian report says the same thing in its own language:

* every exclusion → ``dq.dropped`` with the reason from ``dq.exclusion.<reason>``
  (``dq.dropped_amount`` with the net amount, for lines without a customer id);
* every warning (except exact duplicates, which are counted as an exclusion) →
  ``dq.warning.<kind>`` (``unknown_customer``, ``future_date``, ``manager_unassigned``,
  ``empty_table``, ...), or ``dq.warning.other`` for a kind the catalog does not know;
* the loader's remarks are recognised by pattern (refunds kept and netted, blank lines
  skipped, decimal comma, amount computed from quantity × unit price, ids written as
  decimals); a remark that matches no pattern is shown as written;
* an absent table → ``dq.not_provided``.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ..i18n import Translator, get_translator

__all__ = ["quality_table"]

_NOTE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^([\d,]+) rows with a negative amount"), "dq.note.refunds"),
    (re.compile(r"^([\d,]+) blank line"), "dq.note.blank_lines"),
    (re.compile(r"^column '([^']+)' read with a decimal comma"), "dq.note.decimal_comma"),
    (re.compile(r"^amount computed as quantity × unit_price for ([\d,]+) rows"),
     "dq.note.amount_from_price"),
    (re.compile(r"^column '([^']+)' holds whole numbers written as decimals"),
     "dq.note.float_ids"),
)
_COLUMN_NOTES = ("dq.note.decimal_comma", "dq.note.float_ids")


def _note(text: str, tr: Translator) -> str:
    for pattern, key in _NOTE_PATTERNS:
        m = pattern.match(text)
        if m:
            if key in _COLUMN_NOTES:
                return tr.t(key, column=m.group(1))
            return tr.t(key, count=int(m.group(1).replace(",", "")))
    return text


def _warning(problem: Any, tr: Translator) -> str:
    key = f"dq.warning.{problem.kind}"
    args = {"count": int(problem.rows), "column": str(problem.column or "")}
    if not tr.has(key):
        key = "dq.warning.other"
    return tr.t(key, **args)


def quality_table(dataset: Any, *, tr: Translator | None = None) -> pd.DataFrame:
    """Rows read, excluded and used per contract table, with notes in ``tr``'s language.

    Parameters
    ----------
    dataset
        A :class:`retention_lib.data.io.Dataset`.
    tr
        Translator (default English).

    Returns
    -------
    pandas.DataFrame
        RangeIndex, one row per contract table in contract order; columns ``table`` (str:
        the contract name, e.g. ``surveys``), ``rows_read``, ``rows_excluded``,
        ``rows_used`` (int64), ``notes`` (str, ``"; "``-separated, translated).
    """
    tr = tr if tr is not None else get_translator("en")
    base = dataset.data_quality()
    currency = getattr(getattr(dataset, "settings", None), "currency", "EUR")
    notes: list[str] = []
    for table in base["table"]:
        parts = [
            tr.t("dq.dropped", count=int(e.rows),
                 reason=tr.label("dq.exclusion", e.reason))
            if getattr(e, "amount", None) is None else
            tr.t("dq.dropped_amount", count=int(e.rows),
                 reason=tr.label("dq.exclusion", e.reason),
                 amount=tr.money(e.amount, currency, decimals=2))
            for e in dataset.exclusions if e.table == table
        ]
        parts += [_note(n, tr) for n in dataset.notes.get(table, [])]
        parts += [_warning(p, tr) for p in dataset.warnings
                  if p.table == table and p.kind != "duplicate_rows"]
        if table not in dataset.tables and not parts:
            parts = [tr.t("dq.not_provided")]
        notes.append("; ".join(parts))
    out = base[["table", "rows_read", "rows_excluded", "rows_used"]].copy()
    out["notes"] = pd.Series(notes, index=out.index, dtype="string")
    return out

