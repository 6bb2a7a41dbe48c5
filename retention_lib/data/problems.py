"""The problems the loader reports (:class:`Problem`), the rows it leaves out
(:class:`Exclusion`), and the wording shared by several reading steps.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Literal

from .schema import REQUIRED_TABLES

__all__ = [
    "DECIMAL_COMMA_HINT",
    "Exclusion",
    "MAX_EXAMPLES",
    "Problem",
    "empty_table_problem",
    "merge_problem",
]


MAX_EXAMPLES = 5


DECIMAL_COMMA_HINT = 'csv: {sep: ";", decimal: ","}'


@dataclass
class Problem:
    """One problem found in the input (an error or a warning).

    Attributes
    ----------
    table, file, column
        Where: table name, file path (or ``"<DataFrame table>"``), column (``None`` for
        table-level problems).
    kind
        Machine-readable kind, e.g. ``missing_column``, ``unparseable_date``,
        ``not_numeric``, ``future_date``, ``unknown_customer``, ``duplicate_rows``.
    rows
        Number of rows concerned (0 for table-level problems).
    examples
        Up to five ``(row number, value)`` pairs, first rows first.
    severity
        ``"error"`` stops the run; ``"warning"`` is reported only.
    detail
        What is wrong, in words (completes :attr:`message`).
    location
        ``"line"`` (CSV line numbers) or ``"row"`` (positional rows).
    parts
        A table read from a folder of Parquet part files: ``(first row, part file name)``
        of each part, in reading order; the example rows (counted over the whole table)
        are shown as the part's name and the row within it.  Empty otherwise.
    """

    table: str
    file: str
    column: str | None
    kind: str
    rows: int
    examples: list[tuple[int, str]] = field(default_factory=list)
    severity: Literal["error", "warning"] = "error"
    detail: str = ""
    location: str = "line"
    parts: tuple[tuple[int, str], ...] = ()

    def _row(self, n: int) -> str:
        """Where example row ``n`` is, in words (``line 7``; ``part-00001.parquet row 3``)."""
        if not self.parts:
            return f"{self.location} {n}"
        start, name = self.parts[bisect.bisect_right([p[0] for p in self.parts], n) - 1]
        return f"{name} row {n - start}"

    @property
    def message(self) -> str:
        """One line naming the file, the column, the row count and the first rows."""
        where = self.file if self.column is None else f"{self.file}: column '{self.column}'"
        text = f"{where}: "
        if self.rows:
            noun = "row" if self.rows == 1 else "rows"
            text += f"{self.rows:,} {noun} {self.detail}"
        else:
            text += self.detail
        if self.examples:
            shown = ", ".join(f"{self._row(n)} '{v}'" for n, v in self.examples)
            text += f"; first: {shown}"
        return text

    def __str__(self) -> str:
        return f"{self.severity.upper()} {self.message}"


@dataclass
class Exclusion:
    """Rows the loader left out of a table, with the reason.

    Attributes
    ----------
    table, reason, rows
        Where, why (``"exact duplicate rows"``, ``"no customer id"``) and how many rows.
    amount
        Net amount of the rows left out (transactions without a customer id), else
        ``None``.
    """

    table: str
    reason: str
    rows: int
    amount: float | None = None


def merge_problem(found: dict[tuple, Problem], key: tuple, problem: Problem) -> None:
    """Add a chunk's problem to the table's problem of the same key (rows and examples)."""
    old = found.get(key)
    if old is None:
        found[key] = problem
        return
    old.rows += problem.rows
    old.examples = (old.examples + problem.examples)[:MAX_EXAMPLES]
    if len(problem.detail) > len(old.detail):  # a later chunk added the decimal-comma hint
        old.detail = problem.detail


def empty_table_problem(table: str, file: str, columns: list[str]) -> Problem:
    """The problem of a table without data rows (``columns``: its header, if any): an error
    for a required table, a warning (the table is treated as absent) for an optional one."""
    what = "has a header but no data rows" if columns else "is empty"
    if table in REQUIRED_TABLES:
        return Problem(
            table, file, None, "empty_table", 0,
            detail=f"{what}: the required table '{table}' needs at least one row "
            f"(columns found: {columns})",
        )
    return Problem(
        table, file, None, "empty_table", 0, severity="warning",
        detail=f"{what}; the optional table '{table}' is treated as absent",
    )
