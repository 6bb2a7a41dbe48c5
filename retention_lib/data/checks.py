"""The contract checks of a normalised table: column names, missing columns, the
schema's value checks (pandera, or chunk by chunk for CSV), planned dates, managers, repeated
customer ids, and customers unknown to ``customers``.
"""

from __future__ import annotations

import threading

import pandas as pd

from ..config import Settings
from .normalise import derives_amount
from .parsing import day_end
from .problems import MAX_EXAMPLES, Problem, merge_problem
from .raw_table import RawTable, row_problem
from .schema import TABLES, TableSpec, table_schema

__all__ = [
    "CHECK_KINDS",
    "UNASSIGNED",
    "apply_column_names",
    "check_missing_columns",
    "chunk_checks",
    "duplicate_id_problems",
    "pandera_problems",
    "planned_and_manager",
    "refunds_note",
    "unknown_customer_problems",
]


UNASSIGNED = "unassigned"


def apply_column_names(raw: RawTable, spec: TableSpec, settings: Settings,
                       problems: list[Problem]) -> bool:
    """Apply settings.columns and case-insensitive contract names; False on a clash."""
    mapping = dict(settings.columns.get(raw.table, {}))
    frame = raw.frame.rename(columns=mapping)
    contract = {c.name.lower(): c.name for c in spec.columns}
    rename = {}
    for c in frame.columns:
        target = contract.get(c.lower())
        if target and target != c and target not in frame.columns:
            rename[c] = target
    frame = frame.rename(columns=rename)
    dup = frame.columns[frame.columns.duplicated()].unique().tolist()
    if dup:
        problems.append(Problem(
            raw.table, raw.file, None, "duplicate_column", 0,
            detail=f"column name(s) {dup} occur more than once after mapping "
            f"{mapping or '(no mapping)'}; columns found: {list(raw.frame.columns)}",
        ))
        return False
    raw.frame = frame
    return True


def check_missing_columns(raw: RawTable, spec: TableSpec, settings: Settings,
                          problems: list[Problem], n_rows: int | None = None) -> set[str]:
    missing = [c for c in spec.required if c not in raw.frame.columns]
    if derives_amount(raw.table, raw.frame.columns):
        missing.remove("amount")
    n_rows = len(raw.frame) if n_rows is None else n_rows
    for col in missing:
        mapping = settings.columns.get(raw.table)
        alternative = (
            " (or the columns quantity and unit_price, from which amount is computed)"
            if raw.table == "transactions" and col == "amount" else ""
        )
        problems.append(Problem(
            raw.table, raw.file, col, "missing_column", 0,
            detail=f"required column '{col}'{alternative} is missing ({n_rows:,} data rows); "
            f"columns found: {list(raw.frame.columns)}"
            + (f" (after mapping {dict(mapping)})" if mapping else "")
            + f". Rename it or map it in the config: columns: {{{raw.table}: "
            f"{{<your column>: {col}}}}}",
        ))
    return set(missing)


CHECK_KINDS = {
    "not_nullable": ("missing_value", "with a missing value in a required column"),
    "isin": ("not_allowed", "with a value outside the allowed list"),
    "less_than_or_equal_to": ("future_date", "dated after the report date"),
}


#: pandera is imported and registers its backends on first use; two loader threads doing
#: that at once can fail with an import ``_DeadlockError`` (seen loading a Parquet folder),
#: so its validations take turns (a few seconds of a 21M-row load).
_PANDERA_LOCK = threading.Lock()


def pandera_problems(raw: RawTable, spec: TableSpec, frame: pd.DataFrame, as_of: pd.Timestamp,
                     failed: dict[str, pd.Series], missing: set[str]) -> list[Problem]:
    with _PANDERA_LOCK:
        from pandera.errors import SchemaErrors  # imported when validating, not on a cache hit

        # dates keep their time of day here: after as_of only from the next midnight on
        schema = table_schema(raw.table, as_of=day_end(as_of) - pd.Timedelta(1, "ns"))
        try:
            schema.validate(frame, lazy=True)
        except SchemaErrors as exc:
            cases = exc.failure_cases
        else:
            return []
    out: list[Problem] = []
    for (column, check), group in cases.groupby(["column", "check"], sort=False, dropna=False):
        if column in missing or str(check) == "column_in_dataframe":
            continue  # already reported with the columns found
        name = str(check).split("(")[0]
        kind, detail = CHECK_KINDS.get(name, ("invalid", f"failing the check {check}"))
        index = pd.to_numeric(group["index"], errors="coerce").dropna().astype(int)
        if index.empty:  # a dtype failure: not expected after normalisation
            cases_seen = group["failure_case"].tolist()
            out.append(Problem(raw.table, raw.file, str(column), "dtype", 0,
                               detail=f"has a dtype failing {check}: {cases_seen}",
                               location=raw.location))
            continue
        mask = pd.Series(False, index=frame.index)
        mask.loc[index.unique()] = True
        if kind == "missing_value" and column in failed:
            mask &= ~failed[column]  # already reported as unparseable
            if not mask.any():
                continue
        col_spec = spec.column(str(column))
        if kind == "not_allowed" and col_spec is not None and col_spec.allowed:
            counts = frame.loc[mask, column].value_counts().head(MAX_EXAMPLES)
            found = ", ".join(f"'{v}' ({n})" for v, n in counts.items())
            detail = (f"with a value outside the allowed list {list(col_spec.allowed)}; "
                      f"values found: {found}")
        if kind == "future_date":
            detail = f"dated after the report date {as_of.date().isoformat()}"
        shown = raw.frame[column] if column in raw.frame and kind != "future_date" else frame[
            column]
        out.append(row_problem(raw, str(column), kind, mask, shown, detail))
    return out


def _isin(s: pd.Series, values: pd.Index) -> pd.Series:
    """``s.isin(values)``, with pyarrow's hash lookup for pyarrow-backed strings."""
    if isinstance(s.array, pd.arrays.ArrowStringArray) and isinstance(
        values.array, pd.arrays.ArrowStringArray
    ):
        import pyarrow as pa
        import pyarrow.compute as pc

        found = pc.is_in(pa.array(s.array), value_set=pa.array(values.array))
        return pd.Series(pc.fill_null(found, False).to_numpy(zero_copy_only=False),
                         index=s.index, dtype=bool)
    return s.isin(values)


def _id_mismatch(tables: dict[str, pd.DataFrame],
                 by_table: dict[str, RawTable]) -> Problem | None:
    """The error when fewer than half of the transactions' customers are in ``customers``
    (the two tables do not use the same ids: ``17850.0`` against ``17850``, a customer
    number against a CRM key, a wrong column mapped), with examples from both tables."""
    frame, customers = tables.get("transactions"), tables.get("customers")
    if frame is None or customers is None or "customer_id" not in frame:
        return None
    ids = pd.Index(frame["customer_id"].dropna().unique())
    known = pd.Index(customers["customer_id"].dropna().unique())
    if ids.empty:
        return None
    found = _isin(pd.Series(ids.to_numpy()), known).to_numpy()
    matched = int(found.sum())
    if 2 * matched >= len(ids):
        return None
    unmatched = ", ".join(f"'{v}'" for v in ids[~found][:MAX_EXAMPLES])
    theirs = ", ".join(f"'{v}'" for v in known[:MAX_EXAMPLES])
    raw, other = by_table["transactions"], by_table["customers"]
    return Problem(
        "transactions", raw.file, "customer_id", "customer_mismatch", 0,
        location=raw.location,
        detail=f"only {matched:,} of the {len(ids):,} customers of transactions "
        f"({matched / len(ids):.1%}) are found in customers ({other.file}): the two tables "
        f"do not seem to use the same ids (at least half must match). Ids in transactions "
        f"not in customers: {unmatched}; ids in customers: {theirs}. Check the columns "
        "mapped to customer_id in the config (columns:) and how the ids are written",
    )


def chunk_checks(raw: RawTable, spec: TableSpec, frame: pd.DataFrame, as_of: pd.Timestamp,
                 failed: dict[str, pd.Series], found: dict[tuple, Problem],
                 not_allowed: dict[str, list[pd.Series]]) -> None:
    """What :func:`table_schema` checks (missing values in required columns, allowed values,
    dates after ``as_of``) on one normalised chunk, in the schema's order; the dtypes are the
    normaliser's by construction."""
    for pos, col in enumerate(spec.columns):
        if col.name not in frame:
            continue
        s = frame[col.name]
        shown = raw.frame[col.name] if col.name in raw.frame else s  # amount: computed
        if col.required:
            mask = s.isna()
            if col.name in failed:
                mask &= ~failed[col.name]
            if mask.any():
                kind, detail = CHECK_KINDS["not_nullable"]
                merge_problem(found, (2, pos, 0),
                              row_problem(raw, col.name, kind, mask, shown, detail))
        if col.allowed is not None:
            mask = s.notna() & ~s.isin(list(col.allowed))
            if mask.any():
                kind, detail = CHECK_KINDS["isin"]
                merge_problem(found, (2, pos, 1),
                              row_problem(raw, col.name, kind, mask, shown, detail))
                not_allowed.setdefault(col.name, []).append(s[mask])
        if spec.future_dates == "error" and col.name == spec.date_column:
            mask = s.notna() & (s >= day_end(as_of))  # s keeps its time of day
            if mask.any():
                detail = f"dated after the report date {as_of.date().isoformat()}"
                merge_problem(found, (2, pos, 2),
                              row_problem(raw, col.name, "future_date", mask, s, detail))


def planned_and_manager(raw: RawTable, spec: TableSpec, frame: pd.DataFrame,
                        as_of: pd.Timestamp) -> tuple[Problem | None, Problem | None]:
    """The warnings both reading paths give after normalising ``raw`` into ``frame``: rows
    dated after ``as_of`` where the contract plans them (kept), and customers without a
    manager, whom ``frame`` (changed in place) assigns to ``"unassigned"``."""
    future = manager = None
    if spec.future_dates == "warning" and spec.date_column in frame:
        later = frame[spec.date_column] >= day_end(as_of)  # keeps its time of day
        if later.any():
            future = row_problem(
                raw, spec.date_column, "future_date", later, frame[spec.date_column],
                f"dated after the report date {as_of.date().isoformat()} (planned; kept)",
                severity="warning",
            )
    if "manager" in frame or raw.table == "customers":
        if "manager" not in frame:
            frame["manager"] = UNASSIGNED
            manager = Problem(
                raw.table, raw.file, "manager", "manager_unassigned", len(frame),
                severity="warning", location=raw.location,
                detail="without a manager column: every customer is 'unassigned'",
            )
        else:
            none = frame["manager"].isna()
            if none.any():
                manager = row_problem(
                    raw, "manager", "manager_unassigned", none, raw.frame["manager"],
                    "without a manager, set to 'unassigned'", severity="warning",
                )
                frame["manager"] = frame["manager"].fillna(UNASSIGNED)
    return future, manager


def refunds_note(refunds: int) -> str:
    """The transactions note on negative amounts (both reading paths)."""
    return f"{refunds:,} rows with a negative amount (refunds/cancellations) kept and netted"


def duplicate_id_problems(raw: RawTable, frame: pd.DataFrame) -> list[Problem]:
    """The error for customers rows repeating an earlier ``customer_id`` (both reading
    paths): one problem or none."""
    if raw.table != "customers" or "customer_id" not in frame:
        return []
    again = frame["customer_id"].notna() & frame["customer_id"].duplicated(keep="first")
    if not again.any():
        return []
    return [row_problem(
        raw, "customer_id", "duplicate_id", again, frame["customer_id"],
        "repeating a customer_id of an earlier row with different details "
        "(customer_id must be unique in customers)",
    )]


def unknown_customer_problems(tables: dict[str, pd.DataFrame],
                              by_table: dict[str, RawTable]) -> list[Problem]:
    """A warning per table with rows referencing customer ids not in ``customers`` (rows
    kept), and the error of transactions whose customers are mostly unknown
    (:func:`_id_mismatch`); none without a ``customers`` table."""
    out: list[Problem] = []
    customers = tables.get("customers")
    if customers is None or "customer_id" not in customers:
        return out
    known = pd.Index(customers["customer_id"].dropna().unique())
    for table, frame in tables.items():
        if not TABLES[table].references_customers or "customer_id" not in frame:
            continue
        unknown = frame["customer_id"].notna() & ~_isin(frame["customer_id"], known)
        if unknown.any():
            n_ids = frame.loc[unknown, "customer_id"].nunique()
            out.append(row_problem(
                by_table[table], "customer_id", "unknown_customer", unknown,
                frame["customer_id"],
                f"referencing {n_ids:,} customer_id(s) not in customers (rows kept)",
                severity="warning",
            ))
            # (all transactions' customers known, the usual case: nothing to count)
            mismatch = _id_mismatch(tables, by_table) if table == "transactions" else None
            if mismatch is not None:
                out.append(mismatch)
    return out
