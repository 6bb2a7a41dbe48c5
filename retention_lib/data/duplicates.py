"""Finding exact duplicate rows through 64-bit row hashes (same result as
``DataFrame.duplicated(keep="first")``, with whole rows compared on a hash collision).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .parsing import take_codes

__all__ = [
    "HashCollision",
    "any_repeated",
    "duplicated_rows",
    "row_hashes",
    "same_rows",
]


class HashCollision(Exception):
    """Two different rows had the same 64-bit hash: redo the table with exact comparison."""


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """One uint64 per row; rows equal in every column (NaN = NaN, 0.0 = -0.0) hash equal."""
    out = np.zeros(len(frame), dtype="uint64")
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_float_dtype(s.dtype) and isinstance(s.dtype, np.dtype):
            v = s.to_numpy()
            h = pd.util.hash_array(np.where(np.isnan(v), np.nan, v + 0.0))
        elif isinstance(s.dtype, np.dtype) and s.dtype.kind == "M":
            h = pd.util.hash_array(s.to_numpy().view("i8"))
        elif pd.api.types.is_bool_dtype(s.dtype):
            h = pd.util.hash_array(np.where(s.isna(), 2.0, s.fillna(False).astype(bool)))
        elif isinstance(s.array, pd.arrays.ArrowStringArray):
            h = _hash_repeated_strings(s)
        else:
            h = pd.util.hash_pandas_object(s, index=False).to_numpy()
        out = out * np.uint64(1_000_003) ^ h
    return out


def _hash_repeated_strings(s: pd.Series) -> np.ndarray:
    """:func:`_hash_strings` of ``s``, hashing each distinct string once (same values)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(s.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    encoded = pc.dictionary_encode(arr)
    if 2 * len(encoded.dictionary) > len(arr):  # mostly distinct: hash them directly
        return _hash_strings(s)
    uniques = _hash_strings(pd.Series(encoded.dictionary, dtype=s.dtype))
    missing = _hash_strings(pd.Series([np.nan], dtype=s.dtype))[0]
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return take_codes(uniques, codes, missing)


_POWERS = np.cumprod(np.full(61, 1_099_511_628_211, dtype="uint64"))  # wraps around mod 2**64


def _hash_strings(s: pd.Series) -> np.ndarray:
    """A polynomial hash of the UTF-8 bytes of each string (missing: a fixed value)."""
    import pyarrow as pa

    arr = pa.array(s.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.large_string())
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.empty(
        0, dtype=np.uint8)
    start, lengths = offsets[:-1], np.diff(offsets)
    out = lengths.astype("uint64") * np.uint64(0x9E3779B97F4A7C15)
    keep = lengths > 0
    if keep.any():
        size = lengths[keep]
        first = np.concatenate([[0], np.cumsum(size)[:-1]])  # of each string in the bytes
        within = np.arange(int(size.sum()), dtype=np.int64) - np.repeat(first, size)
        byte = data[np.repeat(start[keep], size) + within].astype("uint64") + np.uint64(1)
        weight = _POWERS[within % len(_POWERS)] + within.astype("uint64")
        out[keep] ^= np.add.reduceat(byte * weight, first)
    out[s.isna().to_numpy()] = np.uint64(0x5BD1E995)
    return pd.util.hash_array(out)


def same_rows(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two frames with the same columns hold equal rows (NaN equals NaN)."""
    for name in a.columns:
        x, y = a[name].reset_index(drop=True), b[name].reset_index(drop=True)
        if not ((x == y).fillna(False).astype(bool) | (x.isna() & y.isna())).all():
            return False
    return True


def any_repeated(hashes: np.ndarray) -> bool:
    """Whether any value of ``hashes`` occurs twice (one sort: at 37M rows far cheaper than
    a hash table).  ``hashes`` is sorted in place."""
    hashes.sort()
    return bool((hashes[1:] == hashes[:-1]).any())


def _hashable(s: pd.Series) -> bool:
    """Whether :func:`row_hashes` hashes ``s`` exactly as ``DataFrame.duplicated`` compares
    it (an object column may hold ``1`` and ``1.0``, equal but hashed apart)."""
    if isinstance(s.array, pd.arrays.ArrowStringArray):
        return True
    return isinstance(s.dtype, np.dtype) and s.dtype.kind in "biufM" or isinstance(
        s.dtype, pd.BooleanDtype)


def duplicated_rows(frame: pd.DataFrame, slice_rows: int | None) -> pd.Series:
    """``frame.duplicated(keep="first")`` through 64-bit row hashes (at 37M contacts pandas'
    exact version took ~25 s); every row found repeated is compared with the first row of
    its hash, and a collision, or a column the hashes do not cover, takes the exact
    version.  The hashes are made ``slice_rows`` rows at a time (``None``: at once)."""
    if not all(_hashable(frame[name]) for name in frame.columns):
        return frame.duplicated(keep="first")
    # hashed in slices of a CSV chunk and checked by one sort, as the CSV path does: whole
    # 37M-row columns hashed at once, then a hash table over 37M hashes took ~50 s
    step = slice_rows or max(len(frame), 1)
    hashes = np.concatenate([
        row_hashes(frame.iloc[start: start + step])
        for start in range(0, len(frame), step)
    ]) if len(frame) else np.empty(0, dtype="uint64")
    if not any_repeated(hashes.copy()):  # the usual case: no row repeated (kept in order)
        return pd.Series(False, index=frame.index)
    dup = pd.Series(hashes).duplicated(keep="first").to_numpy()
    if dup.any():
        kept = np.flatnonzero(~dup)
        first = kept[pd.Index(hashes[kept]).get_indexer(hashes[dup])]
        if not same_rows(frame.iloc[first], frame.iloc[np.flatnonzero(dup)]):
            return frame.duplicated(keep="first")
    return pd.Series(dup, index=frame.index)
