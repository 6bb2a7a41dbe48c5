"""Set-ups shared by the contact-discipline analyses: argument checks, customer-id lookups
and the per-frame memo of a page build (:func:`shared_inputs`).

Customer ids are never looked up row by row: a column is factorized once
(:func:`factorized`) and only its distinct ids are matched (:func:`coded_positions`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from ..caching.frames import FrameMemo
from ..data.checks import UNASSIGNED

__all__ = [
    "as_date",
    "coded_positions",
    "factorized",
    "id_positions",
    "isin_strings",
    "manager_names",
    "remembered",
    "require_columns",
    "shared_inputs",
    "string_ids",
]



def as_date(value: Any, name: str) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        raise ValueError(f"{name} must be a date, got {value!r}")
    return ts.normalize()


def require_columns(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(
            f"{name} lacks column(s) {missing}; required: {list(columns)}, "
            f"found: {list(frame.columns)}"
        )


def string_ids(values: Iterable[Any]) -> pd.Index:
    """Customer ids as a ``string`` Index named ``customer_id`` (``str(v)`` of each value).

    Values that already have a string dtype are converted without a Python-level loop.
    """
    if isinstance(getattr(values, "dtype", None), pd.StringDtype):
        return pd.Index(pd.array(values, dtype="string"), name="customer_id")
    return pd.Index(pd.array([str(v) for v in values], dtype="string"), name="customer_id")


def isin_strings(values: pd.Series, allowed: pd.Index) -> np.ndarray:
    """``values.astype("string").isin(allowed)`` as a bool array, without Python loops.

    pandas' ``isin`` on arrow strings builds a Python scalar per allowed value; this passes
    the allowed values to the same ``pyarrow.compute.is_in`` as one array.
    """
    s = values.astype("string")
    allowed = pd.Index(pd.array(allowed, dtype="string"))
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(s.array)
        found = pc.is_in(arr, value_set=pa.array(allowed.array).cast(arr.type))
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
    except (ImportError, TypeError, ValueError, NotImplementedError):  # python storage
        return s.isin(allowed).to_numpy(dtype=bool)


def id_positions(values: pd.Series, ids: pd.Index) -> np.ndarray:
    """Position in ``ids`` (a unique ``string`` Index) of each value, -1 when absent or NA.

    The values are factorized once, so only their distinct ids are looked up.
    """
    codes, uniques = pd.factorize(values)
    return coded_positions(codes, uniques, ids)


def coded_positions(codes: np.ndarray, uniques: Any, ids: pd.Index) -> np.ndarray:
    """:func:`id_positions` from a factorization ``(codes, uniques)`` of the values."""
    where = ids.get_indexer(string_ids(uniques))
    return np.where(codes >= 0, where[np.clip(codes, 0, None)] if len(where) else -1, -1)


#: Set-ups reused inside :func:`shared_inputs` blocks: key -> (frame, result).
_SHARED = FrameMemo("retention_lib_cadence_shared_inputs")


@contextmanager
def shared_inputs() -> Iterator[None]:
    """Within the block, the same frame objects are checked and factorized once.

    :func:`retention_lib.pages.discipline.build_contact_discipline` runs
    :func:`~retention_lib.analysis.cadence.compliance_table`,
    :func:`~retention_lib.analysis.lost_contacts.never_disappear`,
    :func:`~retention_lib.analysis.contacts_log.contact_quality` and the funnel on the same
    ``contacts`` / ``transactions`` objects; inside this block the contacts check
    (:func:`~retention_lib.analysis.contacts_log.check_contacts`) and the factorization of
    their ``customer_id`` columns (tens of millions of strings) are done once per frame.
    Results are identical. Frames are matched by identity and must not be modified inside
    the block; blocks nest (the outermost owns the memo); outside any block nothing is kept.
    """
    with _SHARED.block():
        yield


def remembered(frame: pd.DataFrame, what: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """``compute()``, remembered per ``frame`` object and ``what`` inside a
    :func:`shared_inputs` block (computed every time outside one)."""
    return _SHARED.get(frame, what, compute)


def factorized(frame: pd.DataFrame, column: str = "customer_id") -> tuple[np.ndarray, Any]:
    """``pd.factorize(frame[column])`` (codes in order of first appearance, distinct values);
    shared inside a :func:`shared_inputs` block."""
    return remembered(frame, ("factorize", column), lambda: pd.factorize(frame[column]))


def manager_names(values: pd.Series) -> pd.Series:
    """Missing/blank manager → ``"unassigned"`` (string dtype)."""
    out = values.astype("string").str.strip()
    return out.mask(out.isna() | (out == ""), UNASSIGNED).astype("string")
