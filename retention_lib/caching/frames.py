"""Results kept per frame *object* while a ``with`` block is open: the one mechanism for
set-ups that a value key would cost as much as recomputing.

Keying by value means hashing the frame: one pass over tens of millions of rows, the very
pass these stores exist to save (the set-ups are factorized ids, the per-customer-day table,
rows cut at the report date).  So a frame is matched by identity instead, which is safe
because every entry holds its frame (a recycled ``id`` never matches another object), and
the frames must not be modified inside a block.  Blocks nest; the outermost owns an entry.
Outside a block nothing is kept. Results are identical with or without a block.

Two scopes, one rule:

* :class:`FrameMemo`: within one page build (a context variable, so two builds in two
  threads never see each other's entries); the analyses open it around their work, e.g.
  ``with churn.shared_history(), signals.shared_inputs(): ...``.
* :class:`FramePins`: for the whole run, opened by the runner before the page workers fork
  (a process-wide store the forked workers inherit), see
  :mod:`retention_lib.analysis.pinned`.

What is cached *by value* lives elsewhere: each page built once per run
(:mod:`retention_lib.caching.memo`) and the loaded dataset between processes
(:mod:`retention_lib.caching.cache`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["FrameMemo", "FramePins"]


class FrameMemo:
    """One named memo for one page build: :meth:`block` opens it, :meth:`get` computes or
    reuses.

    Parameters
    ----------
    name
        Name of the underlying context variable (for debugging).
    """

    def __init__(self, name: str) -> None:
        self._var: ContextVar[dict[Any, tuple[Any, Any]] | None] = ContextVar(name, default=None)

    @contextmanager
    def block(self) -> Iterator[None]:
        """Remember results until the outermost block ends."""
        token = self._var.set({}) if self._var.get() is None else None
        try:
            yield
        finally:
            if token is not None:
                self._var.reset(token)

    @property
    def active(self) -> bool:
        """Whether a block is open."""
        return self._var.get() is not None

    def get(self, frame: Any, what: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()``, remembered per ``frame`` object and ``what`` inside a block
        (computed every time outside one)."""
        memo = self._var.get()
        if memo is None:
            return compute()
        key = (id(frame), *what)
        hit = memo.get(key)
        if hit is not None and hit[0] is frame:
            return hit[1]
        result = compute()
        memo[key] = (frame, result)  # holding the frame keeps its id unique
        return result


class FramePins:
    """Values pinned per frame object and key for as long as a :meth:`pin` block is open,
    in this process and in the processes it forks meanwhile."""

    def __init__(self) -> None:
        self._store: dict[tuple[Any, ...], tuple[Any, Any]] = {}

    def get(self, frame: Any, what: tuple[Any, ...] = ()) -> Any | None:
        """The value pinned for ``frame`` and ``what``, or ``None``."""
        hit = self._store.get((id(frame), *what))
        return hit[1] if hit is not None and hit[0] is frame else None

    def __contains__(self, key: tuple[Any, tuple[Any, ...]]) -> bool:
        frame, what = key
        return (id(frame), *what) in self._store

    @contextmanager
    def pin(self, frame: Any, what: tuple[Any, ...], value: Any) -> Iterator[None]:
        """Keep ``value`` for ``frame`` and ``what`` until the block ends; nested on the
        same key, the outer block owns the entry (``value`` is then ignored)."""
        key = (id(frame), *what)
        if key in self._store:
            yield
            return
        self._store[key] = (frame, value)
        try:
            yield
        finally:
            self._store.pop(key, None)
