"""retention_lib: customer-retention analytics for monthly reports.

The public API below is pandas-native: DataFrame in, new DataFrame out, the frame first and
everything else keyword-only.  Table shapes are documented in each function's docstring;
module contracts and the churn definitions are in ``docs/ARCHITECTURE.md``.
"""

from .churn import (
    churn_rate,
    churn_series,
    churn_status,
    customer_status,
    lost_customers,
    won_back,
    won_back_by_month,
)
from .cohorts import cohort_retention, segment_migration
from .config import DEFAULT_SETTINGS, CadenceRule, ConfigError, Settings, load_settings
from .io import Dataset, DataValidationError, load_dataset
from .reasons import (
    REASON_CATEGORIES,
    RECOMMENDED_ACTIONS,
    categorize_reason,
    rank_reasons,
    survey_coverage,
)
from .rfm import RFM_SEGMENTS, rfm_segment, rfm_table
from .summary import customer_summary, monthly_revenue
from .tiers import value_tiers, xyz_classes

__version__ = "0.1.0"

__all__ = [
    "CadenceRule",
    "ConfigError",
    "DEFAULT_SETTINGS",
    "DataValidationError",
    "Dataset",
    "REASON_CATEGORIES",
    "RECOMMENDED_ACTIONS",
    "RFM_SEGMENTS",
    "Settings",
    "categorize_reason",
    "churn_rate",
    "churn_series",
    "churn_status",
    "cohort_retention",
    "customer_status",
    "customer_summary",
    "load_dataset",
    "load_settings",
    "lost_customers",
    "monthly_revenue",
    "rank_reasons",
    "rfm_segment",
    "rfm_table",
    "segment_migration",
    "survey_coverage",
    "value_tiers",
    "won_back",
    "won_back_by_month",
    "xyz_classes",
]
