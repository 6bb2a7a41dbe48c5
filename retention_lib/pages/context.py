"""What every page starts from: the report period, its days, the data end and the settings.

The page builders (:mod:`~retention_lib.pages.monthly`, :mod:`~retention_lib.pages.diagnostics`,
:mod:`~retention_lib.pages.discipline`, :mod:`~retention_lib.pages.clv_report`) and the
notebooks' setup cells share these; none of them imports another page for them.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from .. import periods
from ..analysis.shared import rows_until
from ..config import DEFAULT_SETTINGS, Settings, load_settings

__all__ = [
    "data_end",
    "month_rows",
    "notebook_settings",
    "report_days",
    "resolve_period",
    "settings_of",
]


def data_end(data) -> pd.Timestamp | None:
    """The data end of a Dataset (:attr:`~retention_lib.data.io.Dataset.data_end`), or the last
    transaction date of a transactions frame; ``None`` when neither has one."""
    if hasattr(data, "tables"):
        return data.data_end
    if isinstance(data, pd.DataFrame) and "date" in data.columns and len(data):
        last = pd.Timestamp(data["date"].max())
        return None if pd.isna(last) else last.normalize()
    return None


def report_days(dataset, period: str) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """``(as_of, previous month end, start of the 12-month window)`` of ``period`` for
    ``dataset``, each capped at its data end (:func:`retention_lib.periods.report_as_of`)."""
    end = data_end(dataset)
    as_of = periods.report_as_of(period, end)
    return as_of, periods.previous_month_end(period, end), periods.window_start(as_of)


def month_rows(dataset, period: str
               ) -> tuple[str, tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp], pd.DataFrame]:
    """``(period, report_days, transactions up to as_of)`` for a page of ``period`` (empty:
    the default, :func:`resolve_period`); ValueError when no transaction is that old."""
    period = resolve_period(dataset, period)
    days = report_days(dataset, period)
    tx = rows_until(dataset.transactions, days[0])
    if tx.empty:
        raise ValueError(f"period {period}: no transactions on or before {days[0].date()}")
    return period, days, tx


def resolve_period(transactions: pd.DataFrame, period: str = "") -> str:
    """The report period: ``period`` when given (checked), else the last month the data cover.

    ``transactions`` may also be a :class:`~retention_lib.data.io.Dataset`: its data end
    (:attr:`~retention_lib.data.io.Dataset.data_end`, every dated table or the configured
    ``data_end``) is then used, and its tables are only read when ``period`` is empty.  A
    transactions frame: its last date.  The rule is
    :func:`retention_lib.periods.last_complete_month` (a month counts as covered when the data
    end within its last :data:`~retention_lib.periods.TRAILING_DAYS` days).
    """
    if period:
        periods.month_end(period)
        return str(pd.Period(period, freq="M"))
    end = data_end(transactions)
    if end is None:
        raise ValueError("the data hold no dates; pass period='YYYY-MM'")
    return periods.last_complete_month(end)


def settings_of(dataset, settings: Settings | None) -> Settings:
    """``settings`` when given, else the dataset's, else :data:`~retention_lib.config.
    DEFAULT_SETTINGS`."""
    return settings or getattr(dataset, "settings", None) or DEFAULT_SETTINGS


def notebook_settings(
    config_path: str = "", *, company_name: str = "", language: str = "",
    data_end: Any = None,
) -> Settings:
    """Settings for a notebook run: the YAML at ``config_path`` (or the defaults) with the
    notebook's ``company_name`` and ``language`` parameters applied when non-empty, and the
    data end given to the report runner (``data_end``, else the environment variable
    :data:`retention_lib.periods.DATA_END_ENV` the runner sets for its kernels)."""
    settings = load_settings(config_path or None)
    changes: dict[str, Any] = {}
    if company_name:
        changes["company_name"] = company_name
    if language:
        changes["language"] = language
    if data_end is None:
        data_end = os.environ.get(periods.DATA_END_ENV) or None
    if data_end is not None:
        changes["data_end"] = data_end
    return settings.replace(**changes) if changes else settings
