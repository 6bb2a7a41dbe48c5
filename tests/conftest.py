"""Fixtures shared by several test modules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

import pandas as pd
import pytest

from retention_lib.analysis.customer_days import known_day_table
from retention_lib.analysis.pinned import pinned_aggregates

Reader = Callable[[pd.DataFrame], AbstractContextManager]


@pytest.fixture(params=[False, True], ids=["rows", "day-table"])
def read_from(request: pytest.FixtureRequest) -> Reader:
    """``with read_from(tx):`` -- the analyses read the rows, or (``day-table``) the
    per-customer-day table pinned for ``tx``, as inside a report; the figures must agree."""
    if not request.param:
        return lambda tx: nullcontext()

    @contextmanager
    def pinned(tx: pd.DataFrame) -> Iterator[None]:
        with pinned_aggregates(tx):
            assert known_day_table(tx) is not None
            yield

    return pinned
