"""Reading CSV files: encoding, separator sniffing, the header line, and the records
in chunks, by ``pandas.read_csv`` (exact) or ``pyarrow.csv`` (fast).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd

from ..caching.cache import (
    sha256_file,
)
from ..config import Settings
from .problems import Problem
from .raw_table import CsvSource, RawTable

__all__ = [
    "FAST_CSV_BLOCK_BYTES",
    "NotClean",
    "csv_chunks",
    "fast_eligible",
    "read_csv_header",
]


#: Block size of the fast CSV reader (``pyarrow.csv``), in bytes; it holds about 40 blocks
#: read ahead, so this bounds its memory (~40 MB).
FAST_CSV_BLOCK_BYTES = 1 << 20


def _encoding(settings: Settings) -> str:
    enc = settings.csv.encoding
    if enc.lower().replace("-", "").replace("_", "") == "utf8":
        return "utf-8-sig"  # reads UTF-8 with or without BOM
    return enc


def _sniff_sep(header: str) -> str:
    """The most frequent of , ; TAB | in the header line (',' when none occurs)."""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def read_csv_header(path: Path, table: str, settings: Settings,
                    problems: list[Problem]) -> RawTable | CsvSource | None:
    """Read the header line: the separator, the hash and a source to read in chunks."""
    enc = _encoding(settings)
    file = str(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding=enc, newline="") as fh:
            header = fh.readline()
    except (UnicodeDecodeError, LookupError, OSError) as exc:
        problems.append(Problem(
            table, file, None, "read_error", 0,
            detail=f"cannot be read with encoding {settings.csv.encoding!r} ({exc}); set the "
            "file's encoding in the config, e.g. csv: {encoding: cp1251}",
        ))
        return None
    sep = settings.csv.sep or _sniff_sep(header)
    if not header.strip():  # empty file
        return RawTable(table, pd.DataFrame(), file, file, sha256_file(path), "line", 2, sep=sep)
    return CsvSource(table, path, sep, enc, sha256_file(path))


class NotClean(Exception):
    """The fast reader met something unusual: read the table again with the exact path."""


def fast_eligible(src: CsvSource, settings: Settings) -> bool:
    """Whether ``src`` may be read by the fast path: plain UTF-8, ``,``-separated,
    uncompressed, decimal point, default separator setting (sniffed or ``","``)."""
    return (
        src.sep == ","
        and settings.csv.sep in (None, ",")
        and settings.csv.decimal == "."
        and src.encoding == "utf-8-sig"
        and src.path.name.endswith(".csv")
    )


def csv_chunks(src: CsvSource, chunk_rows: int | None, fast: bool = False):
    options = dict(sep=src.sep, dtype=str, keep_default_na=False, na_values=[""],
                   skip_blank_lines=False, encoding=src.encoding, compression="infer")
    if fast:
        yield from _arrow_chunks(src, chunk_rows, options)
        return
    if chunk_rows is None:
        yield pd.read_csv(src.path, **options)
        return
    with pd.read_csv(src.path, chunksize=chunk_rows, **options) as reader:
        yield from reader


def _arrow_chunks(src: CsvSource, chunk_rows: int | None, options: dict):
    """The frames :func:`csv_chunks` yields, read by ``pyarrow.csv`` without making a Python
    string per field: same column names (pandas' header), ``str`` dtype, missing = empty
    field, RangeIndex numbering the records.  Raises :class:`NotClean` when the header
    differs from pandas' or pyarrow cannot parse the file (then pandas reports it)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    try:
        names = [str(c) for c in pd.read_csv(src.path, nrows=0, **options).columns]
    except (ValueError, UnicodeDecodeError) as exc:  # pandas' errors are ValueErrors
        raise NotClean(src.table) from exc
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)  # what read_csv(dtype=str) gives
    try:
        reader = pcsv.open_csv(
            src.path,
            read_options=pcsv.ReadOptions(block_size=FAST_CSV_BLOCK_BYTES, use_threads=False),
            parse_options=pcsv.ParseOptions(delimiter=src.sep, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.large_string() for n in names},
                strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""],
            ),
        )
        schema = reader.schema
        if schema.names != names or any(t != pa.large_string() for t in schema.types):
            raise NotClean(src.table)
        start = 0
        batches: list[pa.RecordBatch] = []
        held = 0
        limit = chunk_rows or np.inf
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                batch = None
            if batch is not None and batch.num_rows:
                batches.append(batch)
                held += batch.num_rows
            if batches and (batch is None or held >= limit):
                table = pa.Table.from_batches(batches, schema=schema)
                batches, held = [], 0
                frame = pd.DataFrame(
                    {n: pd.array(table.column(i), dtype=dtype) for i, n in enumerate(names)},
                    index=pd.RangeIndex(start, start + table.num_rows),
                    columns=names,
                )
                start += table.num_rows
                del table
                yield frame
            if batch is None:
                return
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError) as exc:
        raise NotClean(src.table) from exc
