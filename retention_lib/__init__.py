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
    "churn_rate": "analysis.churn",
    "churn_series": "analysis.churn",
    "churn_status": "analysis.churn",
    "customer_status": "analysis.churn",
    "lost_customers": "analysis.churn",
    "won_back": "analysis.churn",
    "won_back_by_month": "analysis.churn",
    "cohort_retention": "analysis.cohorts",
    "segment_migration": "analysis.cohorts",
    "DEFAULT_SETTINGS": "config",
    "CadenceRule": "config",
    "ConfigError": "config",
    "Settings": "config",
    "load_settings": "config",
    "Dataset": "data.io",
    "DataValidationError": "data.io",
    "load_dataset": "data.io",
    "REASON_CATEGORIES": "analysis.reasons",
    "RECOMMENDED_ACTIONS": "analysis.reasons",
    "categorize_reason": "analysis.reasons",
    "rank_reasons": "analysis.reasons",
    "survey_coverage": "analysis.reasons",
    "RFM_SEGMENTS": "analysis.rfm",
    "rfm_segment": "analysis.rfm",
    "rfm_table": "analysis.rfm",
    "customer_summary": "analysis.summary",
    "customer_days": "analysis.customer_days",
    "monthly_revenue": "analysis.summary",
    "value_tiers": "analysis.tiers",
    "xyz_classes": "analysis.tiers",
    "fit_clv": "analysis.clv",
    "CLVModel": "analysis.clv",
    "early_warning": "analysis.signals",
    "at_risk_list": "analysis.signals",
    "backtest_markers": "analysis.backtest",
    "winback_queue": "analysis.winback",
    "event_impact": "analysis.events",
    "retention_scenario": "analysis.economics",
    "compliance_table": "analysis.cadence",
    "manager_fit": "analysis.managers",
    "funnel_stages": "analysis.funnel",
    "run_report": "runner.report",
    "ReportError": "runner.report",
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
