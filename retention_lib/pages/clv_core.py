"""The CLV model fitted once per dataset, period and model settings, and what reads it.

One fit at the report date (:class:`CLVCore`, built by :func:`core_for`) is shared by the CLV
page (:func:`retention_lib.pages.clv_report.build_clv_page`), the executive report's CLV
block, the ``clv`` section of ``metrics.json`` (:func:`clv_metrics_section`) and the churn
diagnostics (:func:`p_alive_series`: the early-warning marker and the win-back score).
:func:`core_for` is a :func:`~retention_lib.caching.memo.cached_build` builder with
``per_dataset=True``: once per run in the report runner's cache, once per dataset object in
an analyst's session.  The report runner fits it before forking its workers
(:func:`fit_core`) and stores it for the kernels (:func:`seed_core`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from .. import periods
from ..analysis.clv import CLVModel, fit_clv
from ..analysis.clv_inputs import billing_regularity
from ..analysis.clv_outputs import clv_metrics
from ..analysis.customer_days import shared_customer_codes
from ..analysis.shared import rows_until
from ..analysis.summary import customer_summary
from ..analysis.tiers import value_tiers
from ..caching.memo import cached_build
from ..config import DEFAULT_SETTINGS, Settings
from .context import data_end, settings_of

__all__ = [
    "CLVCore",
    "CLV_DEFAULTS",
    "clv_metrics_section",
    "clv_settings",
    "core_for",
    "drops_between",
    "fit_core",
    "fit_date",
    "p_alive_series",
    "seed_core",
]

#: Model settings used when ``settings.extra["clv"]`` does not override them.
CLV_DEFAULTS: dict[str, Any] = {
    "model": "bgnbd", "time_unit": "W", "penalizer": 0.0, "discount_rate_monthly": 0.01,
}


def clv_settings(settings: Settings = DEFAULT_SETTINGS) -> dict[str, Any]:
    """CLV model settings: :data:`CLV_DEFAULTS` updated with ``settings.extra["clv"]``.

    Raises ``ValueError`` naming an unknown key and listing the allowed ones.
    """
    extra = dict((settings.extra or {}).get("clv") or {})
    unknown = sorted(set(extra) - set(CLV_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown key(s) {unknown} under extra.clv; allowed: "
                         f"{sorted(CLV_DEFAULTS)}")
    return {**CLV_DEFAULTS, **extra}


def drops_between(now: pd.Series, before: pd.Series, top: int | None) -> pd.DataFrame:
    """Customers in both ``before`` and ``now`` (probability alive) whose value fell:
    ``p_alive_previous``, ``p_alive``, ``change``, largest drop first (``top`` rows, or all)."""
    both = pd.DataFrame({"p_alive_previous": before}).join(now.rename("p_alive"), how="inner")
    both["change"] = both["p_alive"] - both["p_alive_previous"]
    both = both.loc[both["change"] < 0].sort_values("change", kind="stable")
    return both.head(top) if top is not None else both


def fit_date(dataset, period: str) -> pd.Timestamp:
    """The day the CLV model is fitted at: ``min(end of period, data end)``."""
    return periods.report_as_of(period, data_end(dataset))


def _value_tiers(tx: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> pd.Series:
    """Value tier per customer at ``as_of`` (the ``tier`` column of
    :func:`retention_lib.analysis.tiers.value_tiers`)."""
    tiers = value_tiers(tx, as_of=as_of, window_days=settings.tier_window_days,
                        a_share=settings.tier_a_share, b_share=settings.tier_b_share,
                        vip_share=settings.vip_share, vip_ids=settings.vip_ids)
    return tiers["tier"].astype(str)


@dataclass
class CLVCore:
    """One fit at the period end, shared by the page, metrics.json and other sections."""

    period: str
    as_of: pd.Timestamp
    options: dict[str, Any]
    tx: pd.DataFrame | None
    summary: pd.DataFrame
    model: CLVModel
    pred: pd.DataFrame
    settings: Settings

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (the report runner's cache) with ``drops`` and ``tiers`` computed and
        without ``tx``: a notebook kernel then shows the executive CLV block without the
        transactions (at 20M transactions: ~40 s and gigabytes saved per kernel)."""
        state = dict(self.__dict__)
        with shared_customer_codes():  # one factorisation of the ids for both
            state["drops"] = self.drops
            state["tiers"] = self.tiers
        state["tx"] = None
        return state

    @cached_property
    def tiers(self) -> pd.Series:
        """Value tier per customer at the period end (``settings``' tier rules)."""
        return _value_tiers(self.tx, self.as_of, self.settings)

    @cached_property
    def drops(self) -> pd.DataFrame:
        """All customers whose P(alive) dropped since the previous month end (sorted)."""
        if not self.model.purchases_ok_:
            return pd.DataFrame(columns=["p_alive_previous", "p_alive", "change"],
                                index=pd.Index([], name="customer_id"), dtype=float)
        prev_end = periods.month_end(str(pd.Period(self.period, freq="M") - 1))
        before = self.model.predict(customer_summary(self.tx, as_of=prev_end, freq="D"))
        return drops_between(self.pred["p_alive"], before["p_alive"], None)


@cached_build("clv_core", per_dataset=True)
def core_for(dataset, *, period: str, settings: Settings | None) -> CLVCore:
    """The fitted model and predictions for ``period``: fitted once per run (the run cache)
    or per dataset object, period and settings (an analyst's session).  Every reader passes
    the settings spelled out (:func:`~retention_lib.pages.context.settings_of`), so that
    they all share one key."""
    options = clv_settings(settings_of(dataset, settings))
    period = str(pd.Period(period, freq="M"))
    as_of = fit_date(dataset, period)
    tx = rows_until(dataset.transactions, as_of)
    summary = customer_summary(tx, as_of=as_of, freq="D")
    regularity = billing_regularity(tx, as_of=as_of)
    model = fit_clv(summary, model=options["model"], time_unit=options["time_unit"],
                    penalizer=float(options["penalizer"]),
                    discount_rate_monthly=float(options["discount_rate_monthly"]),
                    regular_share=regularity["regular_share"])
    # a degenerate fit (parameters near 0 break the P(alive) quadrature) never reaches
    # predict: fit_clv switches the model off with the note purchases_degenerate
    pred = model.predict(summary, horizon="12M")
    return CLVCore(period=period, as_of=as_of, options=options, tx=tx, summary=summary,
                   model=model, pred=pred, settings=settings_of(dataset, settings))


def fit_core(dataset, *, period: str, settings: Settings | None) -> CLVCore:
    """Fit now (no cache look-up) and keep the result in this process's memory as
    :func:`core_for`'s result for the same call, so processes forked from this one start
    with it (nothing is written: :func:`seed_core` stores it for the others)."""
    core = core_for.__wrapped__(dataset, period=period, settings=settings)
    core_for.remember(core, dataset, period=period, settings=settings)
    return core


def seed_core(core: CLVCore, dataset, *, period: str, settings: Settings | None) -> bool:
    """Store ``core`` in the run cache as :func:`core_for`'s result for the same call;
    ``False`` when no run cache is active."""
    return core_for.seed(core, dataset, period=period, settings=settings)


def p_alive_series(
    dataset, *, period: str, settings: Settings | None = None
) -> pd.Series | None:
    """Probability alive per customer at the end of ``period`` (BG/NBD or Pareto/NBD).

    Parameters
    ----------
    dataset
        A :class:`retention_lib.data.io.Dataset` (``transactions`` is used).
    period
        ``"YYYY-MM"``; the model sees purchases up to the month's last day.
    settings
        Model settings come from ``settings.extra["clv"]`` (default: the dataset's).

    Returns
    -------
    pandas.Series or None
        Index ``customer_id`` (string; every customer with a purchase on or before the period
        end), float64 values in [0, 1], name ``p_alive``.  ``None`` when the model was
        skipped as unreliable (too few repeat buyers, identical histories, no convergence).
        The fit is cached: a second call with the same dataset object, period and model
        settings costs nothing.
    """
    core = core_for(dataset, period=period, settings=settings_of(dataset, settings))
    if not core.model.purchases_ok_:
        return None
    return core.pred["p_alive"].astype("float64").rename("p_alive")


def clv_metrics_section(
    dataset, *, period: str, settings: Settings | None = None
) -> dict[str, Any] | None:
    """The ``clv`` section of ``metrics.json`` (JSON-serialisable, language-independent).

    Returns
    -------
    dict or None
        :func:`retention_lib.analysis.clv.clv_metrics` (``model``, ``time_unit``, ``parameters``,
        ``gamma_gamma``, ``expected_revenue_12m`` (undiscounted, every customer who ever
        bought, active and lost, weighted by P(alive)), ``clv_12m_total``,
        ``mean_p_alive``, ``notes`` as codes with numbers, ...) plus ``as_of`` (ISO date),
        ``fitted`` (bool: the purchase model could be used) and ``population``
        (``"ever_seen"``: the customers the figures cover).
        ``None`` when there is no transaction up to the period end.
    """
    tx = dataset.transactions
    as_of = fit_date(dataset, period)
    if tx is None or not bool((tx["date"] <= as_of).any()):
        return None
    core = core_for(dataset, period=period, settings=settings_of(dataset, settings))
    out = clv_metrics(core.pred, model=core.model)
    out["as_of"] = core.as_of.date().isoformat()
    out["fitted"] = bool(core.model.purchases_ok_)
    # the customers the model covers: every customer who ever bought, active and lost
    out["population"] = "ever_seen"
    return out
