"""A content-addressed on-disk cache for loaded datasets (one pickle per key).

The report runner loads and validates the input once, then every notebook kernel would do
the same again (~0.5–1 s each on the sample).  :func:`retention_lib.data.io.load_dataset` therefore
looks in a cache folder first when one is given (keyword ``cache_dir``, or the environment
variable :data:`CACHE_ENV`, which the runner sets for its kernels to a private temporary
folder that is removed after the run and never lies inside the reports folder).

Key
    SHA-256 of a JSON document holding, per input file the loader would read, its name, size
    and SHA-256; the loading settings (``columns`` and ``csv``, the only settings the loader
    reads); the report date ``as_of``; the ``retention_lib``, pandas and Python versions; and
    the SHA-256 of the loader's own source files (``io.py``, ``schema.py``, ``config.py``,
    ``cache.py``), so an edited loader never reads an entry written by an older one.
Entries
    ``<cache_dir>/dataset-<key>.pickle`` (the dataset without its tables) and one pickle per
    table in ``<cache_dir>/dataset-<key>.tables/``, each written atomically (temporary file +
    rename), the tables first.  A hit gives the dataset with :class:`LazyTables`: a table is
    unpickled when first used, so a kernel whose pages the runner already built
    (:mod:`retention_lib.caching.memo`) never reads the transactions.  Only successful loads are
    stored (a :class:`~retention_lib.data.io.DataValidationError` is never cached).  A missing,
    unreadable or corrupt entry is a miss; a failing write is ignored (the cache only ever
    saves time).
File hashes
    The input files' SHA-256 (for the key and for ``Dataset.sha256``) are remembered per
    process and, while a cache folder is active, in ``<cache_dir>/file-hashes.json`` keyed by
    path, inode, size and modification time, so the runner and its kernels hash the
    (at scale, gigabytes of) input once.
Trust
    Entries are pickles: point ``cache_dir`` only at a folder you own (the runner uses
    :func:`tempfile.mkdtemp`, mode 0700).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import pickle
import platform
import tempfile
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .code import LOADER_CODE, code_digest

__all__ = [
    "CACHE_ENV",
    "LazyTables",
    "active_cache",
    "dataset_key",
    "hash_files",
    "plain_value",
    "read_entry",
    "resolve_cache_dir",
    "sha256_file",
    "write_entry",
]

CACHE_ENV = "RETENTION_CACHE_DIR"


_active: list[Path] = []


@contextlib.contextmanager
def active_cache(folder: str | Path | None):
    """Within the block, ``resolve_cache_dir(None)`` in this process gives ``folder`` (the
    report runner's own calls use the cache it hands to its kernels); ``None``: no change."""
    if folder is None:
        yield
        return
    _active.append(Path(folder))
    try:
        yield
    finally:
        _active.pop()


def resolve_cache_dir(cache_dir: str | Path | None) -> Path | None:
    """The cache folder to use: ``cache_dir``, else the folder of an enclosing
    :func:`active_cache` block, else ``$RETENTION_CACHE_DIR``, else ``None``.

    An empty environment variable means no cache.  The folder is created when missing.
    """
    if cache_dir is None and _active:
        cache_dir = _active[-1]
    chosen = cache_dir if cache_dir is not None else os.environ.get(CACHE_ENV, "")
    if not chosen:
        return None
    folder = Path(chosen)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


_file_hashes: dict[tuple[str, int, int, int], str] = {}
_index_lock = threading.Lock()  # hash_files' threads update the run's file-hashes.json


def hash_files(paths: Iterable[Path]) -> None:
    """Compute and remember the SHA-256 of ``paths`` (:func:`sha256_file`), two files at a
    time, largest first.  hashlib releases the GIL: the inputs of a 21M-transaction folder
    (4.7 GB of CSV) hash in ~4 s instead of ~9.5 s one after the other, a step the loader and
    the cache key otherwise do alone before any table is read."""
    files = sorted({Path(p) for p in paths}, key=lambda p: -p.stat().st_size)

    def remember(path: Path) -> None:
        with contextlib.suppress(OSError):  # unreadable: reported where it is read
            sha256_file(path)

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="hash") as pool:
        list(pool.map(remember, files))


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, remembered per (path, inode, size, mtime) for the process and, when
    a cache folder is active, for the run: at 20M transactions hashing the inputs costs ~10 s
    and the loader and the cache key both need it, in the runner and in every kernel."""
    stat = Path(path).stat()
    ident = (str(Path(path).resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if ident in _file_hashes:
        return _file_hashes[ident]
    folder = resolve_cache_dir(None)
    index = folder / "file-hashes.json" if folder is not None else None
    name = "|".join(str(p) for p in ident)
    if index is not None:
        with contextlib.suppress(Exception):
            known = json.loads(index.read_text(encoding="utf-8")).get(name)
            if isinstance(known, str):
                _file_hashes[ident] = known
                return known
    value = _sha256_bytes(path)
    _file_hashes[ident] = value
    if index is not None:
        with _index_lock, contextlib.suppress(Exception):
            current = json.loads(index.read_text(encoding="utf-8")) if index.exists() else {}
            current[name] = value
            _dump_text(json.dumps(current), index)
    return value


def _key_name(path: Path) -> str:
    """A file's name in the key: ``transactions.csv``; a Parquet part file with its table
    folder, ``transactions.parquet/part-00000.parquet`` (part names repeat across tables)."""
    if path.parent.name.endswith(".parquet"):
        return f"{path.parent.name}/{path.name}"
    return path.name


def _dump_text(text: str, path: Path) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=".hashes-", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp_name, path)


def _sha256_bytes(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def plain_value(value: Any) -> Any:
    """Settings values as JSON-stable plain data (mappings sorted, dataclasses as dicts)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain_value(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def dataset_key(files: Iterable[Path], *, settings: Any, as_of: Any) -> str:
    """The cache key of loading ``files`` with ``settings`` for report date ``as_of``.

    Parameters
    ----------
    files
        The input files the loader would read (the order does not matter).
    settings
        A :class:`~retention_lib.config.Settings`; only ``columns``, ``csv`` and
        ``missing_customer_id`` enter the key.
    as_of
        The normalised report date (anything with ``isoformat()``).

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    from importlib import metadata

    import pandas as pd

    try:
        version = metadata.version("retention_lib")
    except metadata.PackageNotFoundError:
        version = "unknown"
    files = [Path(f) for f in files]
    hash_files(files)
    payload = {
        "files": sorted((_key_name(p), p.stat().st_size, sha256_file(p)) for p in files),
        "columns": plain_value(getattr(settings, "columns", {})),
        "csv": plain_value(getattr(settings, "csv", None)),
        "missing_customer_id": getattr(settings, "missing_customer_id", "error"),
        "as_of": as_of.isoformat(),
        "retention_lib": version,
        "pandas": pd.__version__,
        "python": platform.python_version(),
        "loader_code": code_digest(LOADER_CODE),
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _entry(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"dataset-{key}.pickle"


def _tables_folder(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"dataset-{key}.tables"


class LazyTables(Mapping[str, Any]):
    """The tables of a cached dataset, each unpickled on first access.

    A notebook kernel whose pages are already built by the runner
    (:mod:`retention_lib.caching.memo`)
    never touches the transactions or contacts, so it never pays for reading them (at 20M
    transactions: gigabytes per kernel).  Behaves as a read-only ``{name: DataFrame}``; a
    pickled ``LazyTables`` becomes a plain dict of every table.
    """

    def __init__(self, folder: Path, names: Iterable[str]) -> None:
        self._folder = Path(folder)
        self._names = tuple(names)
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._names:
            raise KeyError(name)
        if name not in self._loaded:
            with (self._folder / f"{name}.pickle").open("rb") as fh:
                self._loaded[name] = pickle.load(fh)
            with contextlib.suppress(OSError):  # which process read what (see memo's log)
                with (self._folder.parent / "results.log").open("a", encoding="utf-8") as fh:
                    fh.write(f"{os.getpid()} read table {name}\n")
        return self._loaded[name]

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __reduce__(self):
        return dict, (dict(self.items()),)

    def __repr__(self) -> str:
        return f"LazyTables({list(self._names)}, loaded={sorted(self._loaded)})"

    @property
    def loaded(self) -> tuple[str, ...]:
        """Names of the tables read so far."""
        return tuple(n for n in self._names if n in self._loaded)


@dataclasses.dataclass(frozen=True)
class _SplitEntry:
    """What ``dataset-<key>.pickle`` holds for a dataset: the tables live beside it."""

    names: tuple[str, ...]
    dataset: Any


def _dump(value: Any, path: Path) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=".dataset-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def read_entry(cache_dir: Path, key: str) -> Any | None:
    """The object stored under ``key``, or ``None`` (missing or unreadable entry).

    A dataset (an object with a ``tables`` mapping) comes back with its tables as
    :class:`LazyTables`.
    """
    path = _entry(cache_dir, key)
    try:
        with path.open("rb") as fh:
            value = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a corrupt or stale entry is just a miss
        return None
    if isinstance(value, _SplitEntry):
        folder = _tables_folder(cache_dir, key)
        if not all((folder / f"{n}.pickle").is_file() for n in value.names):
            return None
        return dataclasses.replace(value.dataset, tables=LazyTables(folder, value.names))
    return value


def write_entry(cache_dir: Path, key: str, value: Any) -> Path | None:
    """Store ``value`` under ``key`` atomically; return the entry path, ``None`` on failure.

    A dataclass with a ``tables`` mapping (a :class:`~retention_lib.data.io.Dataset`) is stored
    as one pickle per table in ``dataset-<key>.tables/`` plus the rest in
    ``dataset-<key>.pickle`` (written last, so an entry is complete when that file exists).
    """
    path = _entry(cache_dir, key)
    try:
        tables = getattr(value, "tables", None)
        if dataclasses.is_dataclass(value) and isinstance(tables, Mapping):
            folder = _tables_folder(cache_dir, key)
            folder.mkdir(exist_ok=True)
            for name, frame in tables.items():
                _dump(frame, folder / f"{name}.pickle")
            value = _SplitEntry(tuple(tables), dataclasses.replace(value, tables={}))
        _dump(value, path)
    except Exception:  # noqa: BLE001 - the cache only saves time; never fail a load
        return None
    return path
