"""Reading, normalising and checking one CSV table chunk by chunk (:func:`csv_table`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import Settings
from .checks import (
    apply_column_names,
    check_missing_columns,
    chunk_checks,
    duplicate_id_problems,
    planned_and_manager,
    refunds_note,
)
from .csv_reader import NotClean, csv_chunks
from .duplicates import HashCollision, any_repeated, row_hashes, same_rows
from .normalise import (
    amount_note,
    derives_amount,
    drop_missing_ids,
    normalise_columns,
    whole_number_ids,
)
from .parsing import to_days
from .problems import DECIMAL_COMMA_HINT, MAX_EXAMPLES, Problem, empty_table_problem, merge_problem
from .raw_table import CsvSource, RawTable, TableRead, row_problem, row_text
from .schema import TableSpec

__all__ = [
    "csv_table",
]


def csv_table(src: CsvSource, spec: TableSpec, settings: Settings, as_of: pd.Timestamp,
              chunk_rows: int | None, exact: bool = False,
              fast: bool = False) -> TableRead | Problem:
    """Read, normalise and check one CSV table chunk by chunk; a read error is returned.

    ``fast``: read with ``pyarrow.csv`` and raise :class:`NotClean` at the first blank line,
    problem or note (other than the refunds count), so that the caller reads it again
    exactly.  ``exact``: judge duplicates by ``DataFrame.duplicated`` (after a hash
    collision) instead of row hashes."""
    table = _ChunkedTable(src, spec, settings, as_of, exact, fast)
    file = str(src.path)
    try:
        for chunk in csv_chunks(src, chunk_rows, fast):
            if table.header is None:
                problem = table.start(chunk)
                if problem is not None:
                    return problem
            table.add(chunk)
    except UnicodeDecodeError as exc:
        return Problem(
            src.table, file, None, "read_error", 0,
            detail=f"is not valid {settings.csv.encoding} text ({exc}); set the file's "
            "encoding in the config, e.g. csv: {encoding: cp1251}",
        )
    except pd.errors.EmptyDataError:
        table.header = None
    except pd.errors.ParserError as exc:
        return Problem(
            src.table, file, None, "read_error", 0,
            detail=f"cannot be parsed as CSV with separator {src.sep!r}: {exc}. If the file "
            f"uses ';' between fields and ',' as decimal mark, set in the config: "
            f"{DECIMAL_COMMA_HINT}",
        )
    return table.finish()


# The keys of ``_ChunkedTable.found`` order the table's problems as the whole-table path
# does: (0, ...) a column clash; (1, column, missing?) parse failures; (2, column, check) the
# schema's checks; (3, ...) planned dates; (4, ...) managers; (5, ...) duplicate rows.
_DUPLICATES = (5, 0, 0)


@dataclass
class _ChunkedTable:
    """One CSV table being read chunk by chunk: the problems merged over the chunks, the
    normalised chunks kept, the row hashes seen (duplicates across chunks), the counts."""

    src: CsvSource
    spec: TableSpec
    settings: Settings
    as_of: pd.Timestamp
    exact: bool
    fast: bool
    raw: RawTable = field(init=False)
    found: dict[tuple, Problem] = field(default_factory=dict)
    not_allowed: dict[str, list[pd.Series]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    kept: list[pd.DataFrame] = field(default_factory=list)
    kept_hash: list[np.ndarray] = field(default_factory=list)
    dropped: list[pd.DataFrame] = field(default_factory=list)
    dropped_hash: list[np.ndarray] = field(default_factory=list)
    seen: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="uint64"))
    fast_hashes: list[np.ndarray] = field(default_factory=list)
    header: list[str] | None = None
    names: list[str] | None = None
    usable: bool = True
    rows: int = 0
    blank_lines: int = 0
    refunds: int = 0
    no_id: int = 0
    no_id_amount: float = 0.0
    order: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.raw = self._part(pd.DataFrame())

    def _part(self, frame: pd.DataFrame) -> RawTable:
        file = str(self.src.path)
        return RawTable(self.src.table, frame, file, file, self.src.sha256, "line", 2,
                        sep=self.src.sep)

    def start(self, chunk: pd.DataFrame) -> Problem | None:
        """Take the header from the first chunk and map the column names (a clash makes
        the table unusable); the problem of data rows wider than the header."""
        if not isinstance(chunk.index, pd.RangeIndex):  # every row has extra fields
            return Problem(
                self.src.table, self.raw.file, None, "read_error", 0,
                detail=f"data rows have more fields than the header "
                f"{list(chunk.columns)} with separator {self.src.sep!r}. If the file uses "
                f"';' between fields and ',' as decimal mark, set in the config: "
                f"{DECIMAL_COMMA_HINT}",
            )
        self.header = [str(c).strip() for c in chunk.columns]
        self.raw.frame = pd.DataFrame(columns=self.header)
        clash: list[Problem] = []
        self.usable = apply_column_names(self.raw, self.spec, self.settings, clash)
        for p in clash:
            merge_problem(self.found, (0, 0, 0), p)
        self.names = list(self.raw.frame.columns)
        return None

    def add(self, chunk: pd.DataFrame) -> None:
        """Normalise and check one chunk; keep its rows that are not exact duplicates."""
        chunk.columns = self.header
        blank = chunk.isna().all(axis=1)
        self.blank_lines += int(blank.sum())
        chunk = chunk.loc[~blank]
        self.rows += len(chunk)
        if not self.usable or chunk.empty:
            return
        chunk.columns = self.names
        part = self._part(chunk)
        frame = self._normalised(part)
        dup, hashes = self._duplicates(frame)
        if dup.any():
            first = chunk.loc[dup[dup].index[:MAX_EXAMPLES]]
            merge_problem(self.found, _DUPLICATES, row_problem(
                part, None, "duplicate_rows", dup, row_text(first, list(first.columns)),
                "duplicating an earlier row exactly (dropped)", severity="warning",
            ))
            if not self.exact:
                self.dropped.append(frame.loc[dup])
                self.dropped_hash.append(hashes[dup.to_numpy()])
            frame = frame.loc[~dup]
            hashes = hashes[~dup.to_numpy()]
        frame = to_days(frame, self.spec)  # duplicates were judged on the full timestamps
        if not self.order:
            self.order = [c.name for c in self.spec.columns if c.name in frame]
            self.order += [c for c in frame.columns if c not in self.order]
        self.kept.append(frame[self.order])
        if not self.fast:  # (fast: a dropped row sends the table to the exact path)
            self.kept_hash.append(hashes)
        if self.fast and (self.blank_lines or self.found or self.notes):
            raise NotClean(self.src.table)

    def _normalised(self, part: RawTable) -> pd.DataFrame:
        """The chunk normalised and checked (its problems merged into :attr:`found`), without
        rows lacking a customer id under ``missing_customer_id: exclude``."""
        spec = self.spec
        chunk_problems: list[Problem] = []
        frame, failed = normalise_columns(part, spec, self.settings, chunk_problems, self.notes)
        for p in chunk_problems:
            merge_problem(self.found, (1, spec.columns.index(spec.column(p.column)),
                                       int(p.kind == "missing_value")), p)
        frame, failed, gone, gone_amount = drop_missing_ids(frame, failed, self.settings)
        self.no_id += gone
        self.no_id_amount += gone_amount
        chunk_checks(part, spec, frame, self.as_of, failed, self.found, self.not_allowed)
        future, manager = planned_and_manager(part, spec, frame, self.as_of)
        if future is not None:
            merge_problem(self.found, (3, 0, 0), future)
        if manager is not None:
            merge_problem(self.found, (4, 0, 0), manager)
        if self.src.table == "transactions" and "amount" in frame:
            self.refunds += int((frame["amount"] < 0).sum())
        return frame

    def _duplicates(self, frame: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
        """(mask of the chunk's rows repeating an earlier row, the chunk's row hashes)."""
        if self.exact:
            return frame.duplicated(keep="first"), np.zeros(len(frame), dtype="uint64")
        hashes = row_hashes(frame)
        if self.fast:
            # duplicates within the chunk now, across chunks once at the end (any
            # duplicate sends the table to the exact path anyway); re-sorting every
            # earlier hash per chunk cost ~60 s at 37M rows
            self.fast_hashes.append(hashes)
            return pd.Series(pd.Series(hashes).duplicated(keep="first").to_numpy(),
                             index=frame.index), hashes
        dup_arr = pd.Series(hashes).duplicated(keep="first").to_numpy()
        by_hash = np.argsort(hashes, kind="stable")
        ordered = hashes[by_hash]  # sorted look-ups and merges are cache-friendly
        seen = self.seen
        if len(seen):
            at = np.minimum(np.searchsorted(seen, ordered), len(seen) - 1)
            before = np.empty(len(hashes), dtype=bool)
            before[by_hash] = seen[at] == ordered
            dup_arr = dup_arr | before
        new = ordered[~dup_arr[by_hash]]
        self.seen = np.sort(np.concatenate([seen, new]), kind="stable")
        return pd.Series(dup_arr, index=frame.index), hashes

    def finish(self) -> TableRead:
        """The table read: its rows kept (concatenated), problems in order, notes, counts."""
        raw, src = self.raw, self.src
        raw.blank_lines = self.blank_lines
        if self.blank_lines:
            self.notes.insert(0, f"{self.blank_lines:,} blank line(s) skipped")
        if self.rows == 0:
            if self.fast:
                raise NotClean(src.table)
            problem = empty_table_problem(src.table, raw.file, self.header or [])
            return TableRead(raw, None, 0, [problem], self.notes, 0)
        if self.fast and (not self.usable or self.blank_lines or self.found or self.notes):
            raise NotClean(src.table)
        self._check_fast_hashes()
        if not self.usable:
            return TableRead(raw, None, self.rows, list(self.found.values()), self.notes, 0)
        missing_problems: list[Problem] = []
        missing = check_missing_columns(raw, self.spec, self.settings, missing_problems,
                                        n_rows=self.rows)
        self._name_values_not_allowed()
        frame = self._stacked()
        excluded = self.found[_DUPLICATES].rows if _DUPLICATES in self.found else 0
        if src.table == "transactions" and self.refunds:
            self.notes.append(refunds_note(self.refunds))
        problems = missing_problems + [
            p for key, p in sorted(self.found.items(), key=lambda kv: kv[0])
            if not (key[0] == 2 and p.column in missing)
        ]
        problems += duplicate_id_problems(raw, frame)
        if self.fast and (problems or self.blank_lines or excluded
                          or len(self.notes) > bool(self.refunds)):
            raise NotClean(src.table)
        if derives_amount(src.table, self.names or ()):
            self.notes.append(amount_note(len(frame)))
        frame = whole_number_ids(frame, self.spec, self.notes)
        return TableRead(raw, frame, self.rows, problems, self.notes, excluded, self.no_id,
                         self.no_id_amount if "amount" in frame else None)

    def _check_fast_hashes(self) -> None:
        """Fast path: raise :class:`NotClean` when a row repeats one of an earlier chunk."""
        if self.fast_hashes:
            every = np.concatenate(self.fast_hashes)
            self.fast_hashes = []
            if any_repeated(every):
                raise NotClean(self.src.table)

    def _name_values_not_allowed(self) -> None:
        """The not-allowed problems name the values found over every chunk."""
        spec = self.spec
        for name, values in self.not_allowed.items():
            pos = spec.columns.index(spec.column(name))
            counts = pd.concat(values).value_counts().head(MAX_EXAMPLES)
            shown = ", ".join(f"'{v}' ({n})" for v, n in counts.items())
            self.found[(2, pos, 1)].detail = (
                f"with a value outside the allowed list {list(spec.column(name).allowed)}; "
                f"values found: {shown}"
            )

    def _stacked(self) -> pd.DataFrame:
        """The kept chunks as one frame; raises :class:`HashCollision` unless every dropped
        row equals the kept row with its hash."""
        kept, self.kept = self.kept, []
        frame = _concat(kept, self.order) if kept else pd.DataFrame(
            columns=self.order or self.names)
        del kept
        if self.dropped:
            gone = pd.concat(self.dropped)
            at = pd.Index(np.concatenate(self.kept_hash)).get_indexer(
                np.concatenate(self.dropped_hash))
            if (at < 0).any() or not same_rows(frame.iloc[at][list(gone.columns)], gone):
                raise HashCollision(self.src.table)
        return frame


def _concat(parts: list[pd.DataFrame], order: list[str]) -> pd.DataFrame:
    """Concatenate chunks column by column (only one column is copied at a time)."""
    if len(parts) == 1:
        return parts[0]
    index = pd.Index(np.concatenate([p.index.to_numpy() for p in parts]))
    columns = {}
    for name in order:  # pop each column from the chunks: its copy replaces them
        columns[name] = pd.concat([p.pop(name) for p in parts], ignore_index=True).array
    return pd.DataFrame(columns, index=index, copy=False)
