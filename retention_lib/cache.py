"""A content-addressed on-disk cache for loaded datasets (one pickle per key).

The report runner loads and validates the input once, then every notebook kernel would do
the same again (~0.5–1 s each on the sample).  :func:`retention_lib.io.load_dataset` therefore
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
    ``<cache_dir>/dataset-<key>.pickle``, written atomically (temporary file + rename).
    Only successful loads are stored (a :class:`~retention_lib.io.DataValidationError` is
    never cached).  A missing, unreadable or corrupt entry is a miss; a failing write is
    ignored (the cache only ever saves time).
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
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "CACHE_ENV",
    "dataset_key",
    "read_entry",
    "resolve_cache_dir",
    "write_entry",
]

CACHE_ENV = "RETENTION_CACHE_DIR"
_CODE_FILES = ("io.py", "schema.py", "config.py", "cache.py")
_code_digest: str | None = None


def resolve_cache_dir(cache_dir: str | Path | None) -> Path | None:
    """The cache folder to use: ``cache_dir``, else ``$RETENTION_CACHE_DIR``, else ``None``.

    An empty environment variable means no cache.  The folder is created when missing.
    """
    chosen = cache_dir if cache_dir is not None else os.environ.get(CACHE_ENV, "")
    if not chosen:
        return None
    folder = Path(chosen)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _loader_code_digest() -> str:
    global _code_digest
    if _code_digest is None:
        here = Path(__file__).resolve().parent
        digest = hashlib.sha256()
        for name in _CODE_FILES:
            path = here / name
            digest.update(name.encode())
            digest.update(path.read_bytes() if path.is_file() else b"<missing>")
        _code_digest = digest.hexdigest()
    return _code_digest


def _plain(value: Any) -> Any:
    """Settings values as JSON-stable plain data (mappings sorted, dataclasses as dicts)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
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
        A :class:`~retention_lib.config.Settings`; only ``columns`` and ``csv`` enter the key.
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
    payload = {
        "files": sorted(
            (p.name, p.stat().st_size, _sha256_file(p)) for p in (Path(f) for f in files)
        ),
        "columns": _plain(getattr(settings, "columns", {})),
        "csv": _plain(getattr(settings, "csv", None)),
        "as_of": as_of.isoformat(),
        "retention_lib": version,
        "pandas": pd.__version__,
        "python": platform.python_version(),
        "loader_code": _loader_code_digest(),
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _entry(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"dataset-{key}.pickle"


def read_entry(cache_dir: Path, key: str) -> Any | None:
    """The object stored under ``key``, or ``None`` (missing or unreadable entry)."""
    path = _entry(cache_dir, key)
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a corrupt or stale entry is just a miss
        return None


def write_entry(cache_dir: Path, key: str, value: Any) -> Path | None:
    """Store ``value`` under ``key`` atomically; return the entry path, ``None`` on failure."""
    path = _entry(cache_dir, key)
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".dataset-", suffix=".tmp", dir=cache_dir)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp_name, path)
    except Exception:  # noqa: BLE001 - the cache only saves time; never fail a load
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
        return None
    return path
