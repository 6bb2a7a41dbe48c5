"""Work shared between the calls of one page build, per frame object, inside a ``with`` block.

A page builder asks many questions of the same ``transactions`` / ``contacts`` objects (at
scale: tens of millions of rows).  The expensive set-ups those questions share — ids sorted
per customer and day, factorized ``customer_id`` columns, checked contacts — are remembered
inside a block opened by the builder and forgotten when it ends::

    with churn.shared_history(), signals.shared_inputs():
        ...  # every call below given the same frame objects does each set-up once

Frames are matched by identity (the entry holds the frame, so a recycled ``id`` never
matches another object) and must not be modified inside the block.  Blocks nest: the
outermost one owns the memo.  Outside any block nothing is kept and every call computes.
Results are identical with or without a block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd

from ._frames import rows_on_or_before
from .pinned import pinned_rows_until

__all__ = ["FrameMemo", "rows_until", "text_codes"]


def rows_until(frame: pd.DataFrame, as_of: Any, *, column: str = "date") -> pd.DataFrame:
    """The rows of ``frame`` whose ``column`` is on or before ``as_of``.

    ``frame`` itself when that is every row: the usual monthly run, whose data ends in the
    report month, then makes no copy of a table of tens of millions of rows (at 21M
    transactions a copy is ~1.2 GB, at 37M contacts ~1.5 GB).  Otherwise a filtered copy,
    the same object on every call inside :func:`retention_lib.analysis.pinned.pinned_rows`.
    Either way the result must not be modified (the analyses never modify their inputs).
    """
    pinned = pinned_rows_until(frame, as_of, column)
    if pinned is not None:
        return pinned
    return rows_on_or_before(frame, as_of, column=column)


def text_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (int64, -1 for missing) and the distinct values of a text column.

    A categorical column (the loader's compact dtypes, ``io.CATEGORICAL_COLUMNS``) gives its
    own codes and categories, so no string is made per row (at 37M contacts converting a
    categorical back to strings takes seconds and gigabytes); any other column is
    ``pd.factorize``-d as strings.  Code order differs between the two; callers only map
    codes through the distinct values.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = values.cat.categories
        return values.cat.codes.to_numpy().astype(np.int64), pd.Index(cats.astype("str"))
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("string")
    codes, distinct = pd.factorize(values)
    return np.asarray(codes, dtype=np.int64), pd.Index(distinct)


class FrameMemo:
    """One named memo: :meth:`block` opens it, :meth:`get` computes or reuses.

    Parameters
    ----------
    name
        Name of the underlying context variable (for debugging).
    """

    def __init__(self, name: str) -> None:
        self._var: ContextVar[dict[Any, tuple[Any, Any]] | None] = ContextVar(name, default=None)

    @contextmanager
    def block(self) -> Iterator[None]:
        """Remember results until the outermost block ends."""
        token = self._var.set({}) if self._var.get() is None else None
        try:
            yield
        finally:
            if token is not None:
                self._var.reset(token)

    @property
    def active(self) -> bool:
        """Whether a block is open."""
        return self._var.get() is not None

    def get(self, frame: Any, what: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()``, remembered per ``frame`` object and ``what`` inside a block
        (computed every time outside one)."""
        memo = self._var.get()
        if memo is None:
            return compute()
        key = (id(frame), *what)
        hit = memo.get(key)
        if hit is not None and hit[0] is frame:
            return hit[1]
        result = compute()
        memo[key] = (frame, result)  # holding the frame keeps its id unique
        return result
