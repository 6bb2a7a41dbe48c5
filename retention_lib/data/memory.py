"""Giving memory freed by the loader back to the system (pyarrow's pool, glibc's heap).
"""

from __future__ import annotations

__all__ = [
    "release_memory",
]


def release_memory() -> None:
    """Hand memory freed by the last chunk back to the system (pyarrow's pool; glibc's heap,
    where ``malloc_trim`` exists), so that the chunks' temporaries leave no heap behind."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _libc_malloc_trim():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


_MALLOC_TRIM = _libc_malloc_trim()
