"""retention_lib: customer-retention analytics for monthly reports.

The public API below is pandas-native: DataFrame in, new DataFrame out, the frame first and
everything else keyword-only.  Table shapes are documented in each function's docstring;
module contracts and the churn definitions are in ``docs/ARCHITECTURE.md``.
"""

from importlib import import_module
from typing import Any

# Public name → defining module.  Imported lazily on first access (PEP 562): a notebook kernel
# that needs two modules does not pay for importing all of them (measured ~1.2 s at start-up).
_EXPORTS = {
    "churn_rate": "churn",
    "churn_series": "churn",
    "churn_status": "churn",
    "customer_status": "churn",
    "lost_customers": "churn",
    "won_back": "churn",
    "won_back_by_month": "churn",
    "cohort_retention": "cohorts",
    "segment_migration": "cohorts",
    "DEFAULT_SETTINGS": "config",
    "CadenceRule": "config",
    "ConfigError": "config",
    "Settings": "config",
    "load_settings": "config",
    "Dataset": "io",
    "DataValidationError": "io",
    "load_dataset": "io",
    "REASON_CATEGORIES": "reasons",
    "RECOMMENDED_ACTIONS": "reasons",
    "categorize_reason": "reasons",
    "rank_reasons": "reasons",
    "survey_coverage": "reasons",
    "RFM_SEGMENTS": "rfm",
    "rfm_segment": "rfm",
    "rfm_table": "rfm",
    "customer_summary": "summary",
    "customer_days": "summary",
    "monthly_revenue": "summary",
    "value_tiers": "tiers",
    "xyz_classes": "tiers",
    "fit_clv": "clv",
    "CLVModel": "clv",
    "early_warning": "signals",
    "at_risk_list": "signals",
    "backtest_markers": "backtest",
    "winback_queue": "winback",
    "event_impact": "events",
    "retention_scenario": "economics",
    "compliance_table": "cadence",
    "manager_fit": "managers",
    "funnel_stages": "funnel",
    "run_report": "report",
    "ReportError": "report",
}


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'retention_lib' has no attribute {name!r}") from None
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__version__ = "0.1.0"

__all__ = sorted(_EXPORTS)
