"""Built report pages shared between the report runner and its notebook kernels.

At scale the analyses dominate the run (``benchmarks/results/report_scale.md``): before this
module every page was built up to three times — by the runner for ``metrics.json``, by the
executive notebook (which shows a block of each page) and by the page's own notebook.  The
builders (:func:`~retention_lib.pages.monthly.build_monthly`,
:func:`~retention_lib.pages.discipline.build_contact_discipline`, ...) are wrapped with
:func:`cached_build`: when a cache folder is active (the runner's private folder, handed to
its kernels through ``RETENTION_CACHE_DIR``, see :mod:`retention_lib.caching.cache`) a result is
stored once as ``result-<key>.pickle`` and every later identical call, in any process of the
run, reads it instead of computing it again (the last few results also stay in the
process's memory).  Without a cache folder (an analyst in JupyterLab, the tests) the builders
run exactly as before, except those declared with ``per_dataset=True`` (a result several
pages read, e.g. the fitted CLV model): their last few results are kept in this process's
memory for the same dataset *object* and the same arguments.

Key
    SHA-256 of: the builder's name; the dataset's fingerprint (per input table its SHA-256
    and row count, the report date, the loading settings); the dataset's settings and every
    argument of the call as plain data; the SHA-256 of the package's source and locale files
    (an edited analysis never reads an older result).  A call with an argument that is not
    plain data (a DataFrame, a fitted model, ...) is never cached.
Values
    Pickles written atomically; lambdas held by fitted ``lifetimes`` models (their
    ``generate_new_data`` helper) are stored as ``None``.  A missing or unreadable entry is a
    miss; a failing write is ignored.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import io
import json
import os
import pickle
import tempfile
import types
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from .cache import plain_value, resolve_cache_dir
from .code import code_digest

__all__ = ["cache_stats", "cached_build", "clear_memory", "dataset_fingerprint"]

F = TypeVar("F", bound=Callable[..., Any])

_MEMORY_SLOTS = 16
_memory: OrderedDict[str, Any] = OrderedDict()
#: Results of ``per_dataset`` builders without a cache folder: (id(dataset), key) ->
#: (dataset, result); the dataset is kept so that a recycled ``id`` cannot hit.
_OBJECT_SLOTS = 8
_by_object: OrderedDict[tuple[int, str], tuple[Any, Any]] = OrderedDict()
_stats = {"hits": 0, "misses": 0, "uncacheable": 0}
_PLAIN = (str, int, float, bool, type(None))


def cache_stats() -> dict[str, int]:
    """Counts of this process's cached builder calls: ``hits``, ``misses``, ``uncacheable``."""
    return dict(_stats)


def clear_memory() -> None:
    """Forget the results kept in this process's memory (the cache folder keeps them)."""
    _memory.clear()
    _by_object.clear()


def dataset_fingerprint(dataset: Any) -> str | None:
    """A stable identity of a loaded dataset across processes, or ``None`` if it has none.

    Built from ``sha256`` and ``rows_read`` per table, ``as_of`` and the loading settings
    (``columns``, ``csv``) of a :class:`~retention_lib.data.io.Dataset`.
    """
    sha = getattr(dataset, "sha256", None)
    if not isinstance(sha, Mapping) or not sha:
        return None
    settings = getattr(dataset, "settings", None)
    payload = {
        "sha256": {str(k): str(v) for k, v in sha.items()},
        "rows_read": {str(k): int(v) for k, v in getattr(dataset, "rows_read", {}).items()},
        "as_of": str(getattr(dataset, "as_of", "")),
        "columns": plain_value(getattr(settings, "columns", None)),
        "csv": plain_value(getattr(settings, "csv", None)),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _argument(value: Any) -> Any:
    """Plain data for the key, or raise TypeError for values that cannot be keyed."""
    if isinstance(value, _PLAIN):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__dataclass__": type(value).__qualname__, **plain_value(value)}
    if isinstance(value, list | tuple) and all(isinstance(v, _PLAIN) for v in value):
        return list(value)
    raise TypeError(type(value).__name__)


def _key(name: str, signature: inspect.Signature, args: tuple, kwargs: dict) -> str | None:
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    dataset = arguments.pop(next(iter(signature.parameters)))
    fingerprint = dataset_fingerprint(dataset)
    if fingerprint is None:
        return None
    try:
        plain = {k: _argument(v) for k, v in arguments.items()}
    except TypeError:
        return None
    payload = {
        "builder": name,
        "dataset": fingerprint,
        "dataset_settings": plain_value(getattr(dataset, "settings", None)),
        "arguments": plain,
        "code": code_digest(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=repr).encode()).hexdigest()


class _Pickler(pickle.Pickler):
    """Stores lambdas and local functions (``lifetimes`` models hold one) as ``None``."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, types.FunctionType) and "<locals>" in obj.__qualname__:
            return type(None), ()
        return NotImplemented


def _log(folder: Path, what: str, name: str) -> None:
    """One line per cached call in ``<cache folder>/results.log`` (which process built or
    reused what; the runner's tests read it)."""
    try:
        with (folder / "results.log").open("a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {what} {name}\n")
    except OSError:
        pass


def _read(folder: Path, key: str) -> Any:
    path = folder / f"result-{key}.pickle"
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except Exception:  # noqa: BLE001 - missing, stale or corrupt: a miss
        return _MISS


def _write(folder: Path, key: str, value: Any) -> None:
    tmp_name = None
    try:
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
        fd, tmp_name = tempfile.mkstemp(prefix=".result-", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(buffer.getbuffer())
        os.replace(tmp_name, folder / f"result-{key}.pickle")
    except Exception:  # noqa: BLE001 - the cache only saves time
        if tmp_name is not None and os.path.exists(tmp_name):
            os.unlink(tmp_name)


_MISS = object()


def _keep(key: str, value: Any) -> None:
    """Keep ``value`` in this process's memory (the last :data:`_MEMORY_SLOTS` results)."""
    _memory[key] = value
    while len(_memory) > _MEMORY_SLOTS:
        _memory.popitem(last=False)


def _per_object(key: str | None, dataset: Any, compute: Callable[[], Any]) -> Any:
    """The result kept for ``dataset`` (this very object) under ``key``, else ``compute()``
    kept there (the last :data:`_OBJECT_SLOTS` results); ``key`` ``None``: not kept."""
    if key is None:
        return compute()
    slot = (id(dataset), key)
    hit = _by_object.get(slot)
    if hit is not None and hit[0] is dataset:
        _by_object.move_to_end(slot)
        return hit[1]
    value = compute()
    _by_object[slot] = (dataset, value)
    while len(_by_object) > _OBJECT_SLOTS:
        _by_object.popitem(last=False)
    return value


def cached_build(name: str, *, per_dataset: bool = False) -> Callable[[F], F]:
    """Decorate a builder ``fn(dataset, *, ...)`` so identical calls compute once per run.

    Parameters
    ----------
    name
        Stable name of the builder (part of the key).
    per_dataset
        Without a cache folder, still compute once per dataset object and arguments (the
        result is kept in this process's memory with the dataset; :func:`clear_memory`
        forgets it): for results several pages read in one session.

    Returns
    -------
    Callable
        The decorator.  The wrapped function keeps its signature and docstring; the result
        object of a hit is a copy unpickled from the cache (or the same object when it is
        still in this process's memory).  ``wrapped.seed(value, *args, **kwargs)`` stores a
        result computed another way under the key of that call;
        ``wrapped.remember(value, *args, **kwargs)`` keeps it in this process's memory only.
    """

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)
        first = next(iter(signature.parameters))

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            folder = resolve_cache_dir(None)
            if folder is None:  # no run cache: an analyst's call computes as always
                if not per_dataset:
                    return fn(*args, **kwargs)
                dataset = signature.bind(*args, **kwargs).arguments[first]
                return _per_object(_key(name, signature, args, kwargs), dataset,
                                   lambda: fn(*args, **kwargs))
            key = _key(name, signature, args, kwargs)
            if key is None:
                _stats["uncacheable"] += 1
                return fn(*args, **kwargs)
            if key in _memory:
                _memory.move_to_end(key)
                _stats["hits"] += 1
                return _memory[key]
            value = _read(folder, key)
            if value is _MISS:
                _stats["misses"] += 1
                value = fn(*args, **kwargs)
                _write(folder, key, value)
                _log(folder, "built", name)
            else:
                _stats["hits"] += 1
                _log(folder, "reused", name)
            _keep(key, value)
            return value

        def seed(value: Any, *args: Any, **kwargs: Any) -> bool:
            """Store ``value`` as the result of ``fn(*args, **kwargs)`` (a result derived
            from another one, e.g. a report without its funnel from the full report);
            ``False`` when no cache is active or the call cannot be keyed."""
            folder = resolve_cache_dir(None)
            key = None if folder is None else _key(name, signature, args, kwargs)
            if folder is None or key is None:
                return False
            _write(folder, key, value)
            _log(folder, "built", name)
            _keep(key, value)
            return True

        def remember(value: Any, *args: Any, **kwargs: Any) -> bool:
            """Keep ``value`` as the result of ``fn(*args, **kwargs)`` in this process's
            memory only (nothing written or logged; a later :func:`seed` stores it), e.g. a
            result that worker processes forked from this one should inherit while one of
            them writes it; ``False`` when no cache is active or the call cannot be keyed."""
            folder = resolve_cache_dir(None)
            key = None if folder is None else _key(name, signature, args, kwargs)
            if key is None:
                return False
            _keep(key, value)
            return True

        wrapper.seed = seed  # type: ignore[attr-defined]
        wrapper.remember = remember  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
