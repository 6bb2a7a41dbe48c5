"""The names other issues, the notebooks and users rely on are exported."""

from __future__ import annotations

import inspect

import pytest

import retention_lib as rl

REQUIRED = [
    "load_dataset",
    "customer_summary",
    "rfm_table",
    "value_tiers",
    "churn_rate",
    "churn_series",
    "churn_status",
    "rank_reasons",
]


@pytest.mark.parametrize("name", REQUIRED, ids=REQUIRED)
def test_required_name_is_exported(name):
    assert name in rl.__all__
    assert callable(getattr(rl, name))


def test_all_names_resolve_and_are_documented():
    for name in rl.__all__:
        obj = getattr(rl, name)
        if callable(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"


@pytest.mark.parametrize(
    "func", [rl.customer_summary, rl.rfm_table, rl.value_tiers, rl.churn_rate, rl.churn_series],
    ids=lambda f: f.__name__,
)
def test_frame_first_everything_else_keyword_only(func):
    params = list(inspect.signature(func).parameters.values())
    assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])


def test_customer_summary_signature_matches_contract():
    sig = inspect.signature(rl.customer_summary)
    assert sig.parameters["freq"].default == "D"
    assert "as_of" in sig.parameters
