"""The data contract: the seven input tables, their columns, target dtypes and pandera schemas.

:data:`TABLES` describes every table of the contract (DESIGN.md, "Data contract"): which
columns are required, which are optional, what *kind* of value each column holds and, where
the contract fixes them, the allowed values.  :func:`table_schema` turns a spec into a pandera
schema that checks a **normalised** frame (the output of
:func:`retention_lib.data.io.load_dataset`):
target dtypes, missing values in required columns, allowed values and dates after the report
date.  Parsing raw text (dates, numbers, booleans) is done by ``io.py``, which knows the file
line numbers; this module only states the contract.

Normalised dtypes (docs/ARCHITECTURE.md)::

    kind      dtype            columns
    id        str              customer_id (never numeric: "007" stays "007")
    date      datetime64[ns]   date, signup_date, churned_on (tz-naive, midnight; a time of
                               day is kept until exact duplicates are judged, then cut off)
    month     datetime64[ns]   usage.period (first day of the month)
    number    float64          amount, margin, quantity, unit_price, active_units
    bool      boolean          contacts.answered (nullable)
    text      str              name, manager, reason, note, ... (free text)
    category  str              channel, direction, events.kind, signals.kind
                               (stripped and lower-cased by the loader)

``transactions.amount`` is required unless the table has ``quantity`` and ``unit_price``:
then the loader computes ``amount = quantity * unit_price`` (and says so in a note).

After validation the loader holds the low-cardinality text of the two big tables
(contacts.channel, contacts.manager, contacts.direction, transactions.category) as pandas
``category`` dtype with the same values (``io.CATEGORICAL_COLUMNS``): ~1 byte a row instead of
~40 at tens of millions of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

if TYPE_CHECKING:  # pandera costs ~0.4 s to import; only validation needs it
    import pandera.pandas as pa

__all__ = [
    "CONTACT_CHANNELS",
    "CONTACT_DIRECTIONS",
    "DTYPES",
    "EVENT_KINDS",
    "KNOWN_SIGNAL_KINDS",
    "REQUIRED_TABLES",
    "TABLES",
    "ColumnSpec",
    "TableSpec",
    "table_schema",
]

ColumnKind = Literal["id", "date", "month", "number", "bool", "text", "category"]

CONTACT_CHANNELS: tuple[str, ...] = ("call", "meeting", "email", "visit", "message")
CONTACT_DIRECTIONS: tuple[str, ...] = ("outbound", "inbound")
EVENT_KINDS: tuple[str, ...] = ("price_change", "assortment_change", "service_change", "other")
#: signals.kind is free text; these are the kinds the early-warning markers know.
KNOWN_SIGNAL_KINDS: tuple[str, ...] = ("complaint", "competitor_interest")

#: Target dtype per column kind (what ``load_dataset`` hands to the analyses).
DTYPES: dict[str, str] = {
    "id": "str",
    "date": "datetime64[ns]",
    "month": "datetime64[ns]",
    "number": "float64",
    "bool": "boolean",
    "text": "str",
    "category": "str",
}

#: Tables that must be present; every other table is optional.
REQUIRED_TABLES: tuple[str, ...] = ("transactions",)


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the contract.

    Attributes
    ----------
    name
        Contract column name.
    kind
        Value kind (see :data:`DTYPES`).
    required
        Required columns must exist and hold no missing values.
    allowed
        Allowed values (after stripping and lower-casing), or ``None`` for any value.
    """

    name: str
    kind: ColumnKind
    required: bool = False
    allowed: tuple[str, ...] | None = None

    @property
    def dtype(self) -> str:
        """The normalised dtype of this column."""
        return DTYPES[self.kind]


@dataclass(frozen=True)
class TableSpec:
    """One table of the contract.

    Attributes
    ----------
    name
        Table name (also the file name without extension).
    columns
        Contract columns, required first.
    future_dates
        ``"error"``: dates after the report date stop the run; ``"warning"``: they are
        reported only (planned company events); ``None``: not checked.
    date_column
        The column checked against the report date (``date`` or ``period``), if any.
    references_customers
        Whether ``customer_id`` values must exist in ``customers`` (checked as a warning).
    """

    name: str
    columns: tuple[ColumnSpec, ...]
    future_dates: Literal["error", "warning"] | None = "error"
    date_column: str | None = "date"
    references_customers: bool = True

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the required columns."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        """Names of the optional columns."""
        return tuple(c.name for c in self.columns if not c.required)

    @property
    def dtypes(self) -> dict[str, str]:
        """Normalised dtype per contract column."""
        return {c.name: c.dtype for c in self.columns}

    def column(self, name: str) -> ColumnSpec | None:
        """The spec of column ``name``, or ``None`` for a column outside the contract."""
        for c in self.columns:
            if c.name == name:
                return c
        return None


def _c(name: str, kind: ColumnKind, *, req: bool = False, allowed=None) -> ColumnSpec:
    return ColumnSpec(name, kind, required=req, allowed=allowed)


TABLES: dict[str, TableSpec] = {
    "transactions": TableSpec(
        "transactions",
        (
            _c("customer_id", "id", req=True),
            _c("date", "date", req=True),
            _c("amount", "number", req=True),
            _c("order_id", "text"),
            _c("quantity", "number"),
            _c("unit_price", "number"),
            _c("category", "text"),
            _c("margin", "number"),
        ),
    ),
    "customers": TableSpec(
        "customers",
        (
            _c("customer_id", "id", req=True),
            _c("name", "text"),
            _c("manager", "text"),
            _c("segment", "text"),
            _c("region", "text"),
            _c("signup_date", "date"),
            _c("churned_on", "date"),
        ),
        future_dates=None,
        date_column=None,
        references_customers=False,
    ),
    "contacts": TableSpec(
        "contacts",
        (
            _c("customer_id", "id", req=True),
            _c("date", "date", req=True),
            _c("channel", "category", req=True, allowed=CONTACT_CHANNELS),
            _c("manager", "text"),
            _c("direction", "category", allowed=CONTACT_DIRECTIONS),
            _c("answered", "bool"),
        ),
    ),
    "surveys": TableSpec(
        "surveys",
        (
            _c("customer_id", "id", req=True),
            _c("date", "date", req=True),
            _c("reason", "text", req=True),
            _c("comment", "text"),
        ),
    ),
    "signals": TableSpec(
        "signals",
        (
            _c("customer_id", "id", req=True),
            _c("date", "date", req=True),
            _c("kind", "category", req=True),
            _c("note", "text"),
        ),
    ),
    "events": TableSpec(
        "events",
        (
            _c("date", "date", req=True),
            _c("kind", "category", req=True, allowed=EVENT_KINDS),
            _c("description", "text"),
        ),
        future_dates="warning",
        references_customers=False,
    ),
    "usage": TableSpec(
        "usage",
        (
            _c("customer_id", "id", req=True),
            _c("period", "month", req=True),
            _c("active_units", "number", req=True),
        ),
        date_column="period",
    ),
}


def table_schema(table: str, *, as_of: pd.Timestamp | str | None = None) -> pa.DataFrameSchema:
    """Pandera schema of a normalised table.

    Parameters
    ----------
    table
        One of :data:`TABLES`.
    as_of
        Report date.  When given and the table's ``future_dates`` is ``"error"``, the date
        column must be ``<= as_of``.  (Planned events after ``as_of`` are only a warning and
        are not part of the schema.)

    Returns
    -------
    pandera.pandas.DataFrameSchema
        Checks, for every contract column present in the frame: dtype, no missing values in
        required columns, allowed values.  Not strict: extra columns are kept; optional
        contract columns may be absent (``required=False``).  Validate with
        ``schema.validate(df, lazy=True)`` to collect every failure in
        ``SchemaErrors.failure_cases``.
    """
    if table not in TABLES:
        raise KeyError(f"unknown table {table!r}; the contract has {list(TABLES)}")
    spec = TABLES[table]
    import pandera.pandas as pa

    columns: dict[str, pa.Column] = {}
    for col in spec.columns:
        checks: list[pa.Check] = []
        if col.allowed is not None:
            checks.append(pa.Check.isin(list(col.allowed)))
        if (
            as_of is not None
            and spec.future_dates == "error"
            and col.name == spec.date_column
        ):
            checks.append(pa.Check.le(pd.Timestamp(as_of)))
        columns[col.name] = pa.Column(
            col.dtype,
            checks=checks,
            nullable=not col.required,
            required=col.required,
            coerce=False,
        )
    return pa.DataFrameSchema(columns, strict=False, name=table)
