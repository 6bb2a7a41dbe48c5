"""Tests of retention_lib.data.sample_model: the event draws of the generated sample."""

from __future__ import annotations


def test_periodic_events_with_nobody_active_returns_empty():
    """A chunk where every customer's span is empty must not crash (1.4M-customer run)."""
    import numpy as np

    from retention_lib.data.sample_model import periodic_events

    one = np.array([5.0])
    cust, days = periodic_events(
        np.random.default_rng(0), np.array([7]), one, one, one * 30, one * 0.8, one * 1.2
    )
    assert len(cust) == 0 and len(days) == 0
