"""The contacts log: checked rows coded as arrays (:class:`Contacts`), the last contact per
customer, and the data-quality counts of the rows no analysis can attribute
(:func:`contact_quality`).

A row with ``answered == False`` is an attempt, not a contact (see
:mod:`retention_lib.analysis.cadence`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._discipline_inputs import (
    UNASSIGNED,
    coded_positions,
    factorized,
    isin_strings,
    manager_names,
    remembered,
    require_columns,
    string_ids,
)
from .shared import text_codes

__all__ = ["Contacts", "answered", "check_contacts", "contact_quality", "last_date"]


def answered(contacts: pd.DataFrame) -> np.ndarray:
    """True where the row is a contact (answered True or NA), False for attempts."""
    if "answered" not in contacts.columns:
        return np.ones(len(contacts), dtype=bool)
    ans = contacts["answered"].astype("boolean")
    return ~(ans == False).to_numpy(dtype=bool, na_value=False)  # noqa: E712


@dataclass(frozen=True)
class Contacts:
    """Checked contacts rows with a date, as arrays (row order of the table).

    ``id_codes`` / ``id_uniques`` are the factorized raw ids (looked up with
    :func:`coded_positions`); ``channel`` is coded: ``channels`` are the distinct channels,
    stripped and lower-cased.
    """

    id_codes: np.ndarray  # code into id_uniques per row, -1 when missing
    id_uniques: Any  # distinct raw ids
    date: np.ndarray  # datetime64[ns], normalized to the day
    contact: np.ndarray  # bool: answered (a contact), False for attempts
    channel: np.ndarray  # int64 code into channels, -1 when missing
    channels: np.ndarray  # object: normalized channel names

    def is_channel(self, names: Sequence[str]) -> np.ndarray:
        hit = np.append(np.isin(self.channels, list(names)), False)  # code -1 -> False
        return hit[self.channel]

    def positions(self, ids: pd.Index) -> np.ndarray:
        """Position in ``ids`` (unique ``string`` Index) of each row's customer, -1 if none."""
        return coded_positions(self.id_codes, self.id_uniques, ids)


def check_contacts(contacts: pd.DataFrame, as_of: pd.Timestamp) -> Contacts:
    """Checked, coded contacts (:class:`Contacts`); once per frame and date inside a
    :func:`shared_inputs` block."""
    return remembered(contacts, ("check", as_of), lambda: _check_contacts_now(contacts, as_of))


def _check_contacts_now(contacts: pd.DataFrame, as_of: pd.Timestamp) -> Contacts:
    require_columns(contacts, ("customer_id", "date", "channel"), "contacts")
    later = (contacts["date"] > as_of).to_numpy(dtype=bool, na_value=False)
    if later.any():
        rows = np.flatnonzero(later)[:5].tolist()
        raise ValueError(
            f"contacts: {int(later.sum())} row(s) dated after as_of={as_of.date()} "
            f"(first rows {rows}); contacts after the report date are an error"
        )
    date = pd.to_datetime(contacts["date"]).dt.normalize().to_numpy(dtype="datetime64[ns]")
    keep = ~np.isnat(date)
    codes, uniques = text_codes(contacts["channel"])
    channels = (
        pd.Series(pd.array(uniques, dtype="string")).str.strip().str.lower()
        .to_numpy(dtype=object, na_value="")
    )
    id_codes, id_uniques = factorized(contacts)
    return Contacts(
        id_codes=np.asarray(id_codes)[keep],
        id_uniques=id_uniques,
        date=date[keep],
        contact=answered(contacts)[keep],
        channel=codes[keep].astype(np.int64),
        channels=channels,
    )


def last_date(pos: np.ndarray, date: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Latest ``date`` (datetime64[ns]) per position 0..n-1 over the rows of ``mask``."""
    m = mask & (pos >= 0)
    out = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)  # NaT
    np.maximum.at(out, pos[m], date[m].astype(np.int64))
    return out.view("datetime64[ns]")


def contact_quality(contacts: pd.DataFrame, *, known_customers: Iterable[Any]) -> dict[str, int]:
    """Counts of contacts rows the analyses cannot attribute, for the data-quality section.

    Parameters
    ----------
    contacts
        The contacts table.
    known_customers
        Every known customer id (the ``customers`` table and/or the transactions).

    Returns
    -------
    dict
        ``rows`` (all rows), ``attempts`` (``answered == False``), ``unknown_customer``
        (rows whose ``customer_id`` is not known; kept out of compliance), ``no_manager``
        (rows without a manager or with ``"unassigned"``; a contacts table without a
        ``manager`` column counts every row).
    """
    require_columns(contacts, ("customer_id",), "contacts")
    known = string_ids(known_customers)
    unknown = ~isin_strings(contacts["customer_id"], known)
    if "manager" in contacts.columns:
        no_manager = _count_unassigned(contacts["manager"])
    else:
        no_manager = len(contacts)
    return {
        "rows": int(len(contacts)),
        "attempts": int((~answered(contacts)).sum()),
        "unknown_customer": int(unknown.sum()),
        "no_manager": no_manager,
    }


def _count_unassigned(values: pd.Series) -> int:
    """``(manager_names(values) == "unassigned").sum()``, normalising each distinct value once.

    On arrow-backed strings the rows are counted per distinct value (``value_counts``, no
    new string per row) and only the distinct values are stripped; other dtypes take the
    plain path.
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):  # rows counted per category code
        codes, distinct = text_codes(values)
        n = np.bincount(codes + 1, minlength=len(distinct) + 1)
        hit = (manager_names(pd.Series(distinct)) == UNASSIGNED).to_numpy(dtype=bool)
        return int(n[0] + n[1:][hit].sum())  # missing is unassigned too
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        try:
            import pyarrow as pa
            import pyarrow.compute as pc

            arr = values.array._pa_array
            counts = pc.value_counts(arr if isinstance(arr, pa.ChunkedArray)
                                     else pa.chunked_array([arr]))
            distinct = counts.field("values")
            n = counts.field("counts").to_numpy(zero_copy_only=False).astype(np.int64)
            normal = manager_names(pd.Series(pd.array(distinct, dtype=dtype)))
            hit = (normal == UNASSIGNED).to_numpy(dtype=bool)
            return int(n[hit].sum())
        except (AttributeError, ImportError, TypeError, ValueError):  # pragma: no cover
            pass
    return int((manager_names(values) == UNASSIGNED).sum())
