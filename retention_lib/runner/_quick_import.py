"""Import ``jsonschema`` without the optional ``rfc3987_syntax`` (1.6 s of grammar building).

``jsonschema`` imports ``rfc3987_syntax`` when it is installed (an optional extra pulled in by
``jupyter_events``) only to check the ``iri`` string format, and that module compiles an Earley
grammar at import time: ~1.6 s on the 2-core build machine, paid by every ``retention report``
through ``nbformat``.  nbformat's notebook schema uses no ``iri`` format, so the runner
modules (:mod:`retention_lib.runner.execute`, :mod:`retention_lib.runner.render`) call
:func:`import_jsonschema_quickly` before importing nbformat/papermill/nbconvert.
"""

from __future__ import annotations

import sys

__all__ = ["import_jsonschema_quickly"]


def import_jsonschema_quickly() -> None:
    """Import ``jsonschema`` with ``rfc3987_syntax`` hidden, unless either is imported already.

    Afterwards ``rfc3987_syntax`` is importable again for anyone who needs it; only
    jsonschema's ``iri``/``iri-reference`` format checks are left out (jsonschema checks
    formats only when asked to, and nbformat never asks for these).
    """
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # import -> ImportError
    try:
        import jsonschema  # noqa: F401
    finally:
        if "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None:
            del sys.modules["rfc3987_syntax"]
