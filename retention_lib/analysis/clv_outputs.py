"""What the report shows of a fitted CLV model besides the per-customer predictions: the
probability-alive matrix by frequency and recency (:func:`p_alive_matrix`) and the ``clv``
section of ``metrics.json`` (:func:`clv_metrics`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .clv import CLVModel
from .clv_fitters import quiet

__all__ = ["clv_metrics", "p_alive_matrix"]


def p_alive_matrix(
    model: CLVModel, *, max_frequency: int | None = None, max_age: float | None = None,
    n_recency: int = 11,
) -> pd.DataFrame:
    """Probability alive by frequency (rows) and recency (columns) at one customer age.

    Parameters
    ----------
    model
        A fitted :class:`CLVModel`.
    max_frequency
        Largest frequency shown (default: the 95th percentile seen in the fit, within 5..20).
    max_age
        Customer age T used for every cell, in ``model.time_unit`` (default: the largest
        age seen in the fit).
    n_recency
        Number of recency columns, evenly spaced from 0 to ``max_age``.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency`` (int 0..max_frequency), columns ``recency`` (float, in
        ``time_unit``), values P(alive) in [0, 1] (NaN for the impossible cells
        frequency 0 with recency > 0, and when the model was skipped).
    """
    model.check_fitted()
    data = model.purchase_fitter_.data if model.purchase_fitter_ is not None else None
    if max_frequency is None:
        max_frequency = (
            min(20, max(5, int(np.quantile(np.repeat(data["frequency"], data["weights"]),
                                           0.95))))
            if data is not None else 5
        )
    if max_age is None:
        max_age = float(data["T"].max()) if data is not None else 1.0
    freqs = np.arange(int(max_frequency) + 1, dtype=float)
    recs = np.linspace(0, max_age, n_recency)
    ff, rr = np.meshgrid(freqs, recs, indexing="ij")
    vals = np.full(ff.shape, np.nan)
    if model.purchases_ok_:
        with quiet():
            vals = np.asarray(model.purchase_fitter_.conditional_probability_alive(
                ff.ravel(), rr.ravel(), np.full(ff.size, max_age)), dtype=float).reshape(ff.shape)
        vals[(ff == 0) & (rr > 0)] = np.nan
    return pd.DataFrame(vals, index=pd.Index(freqs.astype(int), name="frequency"),
                        columns=pd.Index(np.round(recs, 2), name="recency"))


def clv_metrics(predictions: pd.DataFrame, *, model: CLVModel) -> dict[str, Any]:
    """The ``clv`` section of ``metrics.json``.

    Parameters
    ----------
    predictions
        Output of ``model.predict(summary, horizon="12M")`` (needs
        ``expected_purchases_12m``, ``expected_avg_spend`` and ``clv_12m``).
    model
        The fitted :class:`CLVModel`.

    Returns
    -------
    dict
        JSON-ready: ``model``, ``time_unit``, ``parameters`` (purchase model),
        ``gamma_gamma``, ``log_likelihood``, ``penalizer``, ``customers``,
        ``repeat_buyers``, ``spend_excluded``, ``frequency_spend_corr``, ``spend_method``,
        ``expected_purchases_12m`` (sum), ``expected_revenue_12m`` (undiscounted: expected
        purchases × expected spend, summed), ``clv_12m_total`` (discounted),
        ``discount_rate_monthly``, ``mean_p_alive``, ``notes`` (the fit notes as codes with
        their numbers, :attr:`CLVModel.fit_codes_`, identical in every report language).
        Non-finite numbers are ``None``.
    """
    model.check_fitted()
    need = ["p_alive", "expected_purchases_12m", "expected_avg_spend", "clv_12m"]
    missing = [c for c in need if c not in predictions.columns]
    if missing:
        raise KeyError(f"predictions lack column(s) {missing}; call "
                       "model.predict(summary, horizon='12M')")

    def num(v: float) -> float | None:
        return float(v) if v is not None and np.isfinite(v) else None

    def total(col: pd.Series | np.ndarray) -> float | None:
        arr = np.asarray(col, dtype=float)
        return None if len(arr) == 0 or np.isnan(arr).all() else float(np.nansum(arr))

    revenue = (predictions["expected_purchases_12m"] * predictions["expected_avg_spend"])
    return {
        "model": model.model,
        "time_unit": model.time_unit,
        "parameters": model.purchase_params_,
        "gamma_gamma": model.gamma_gamma_params_,
        "log_likelihood": num(model.log_likelihood_),
        "penalizer": dict(model.penalizer_used_),
        "customers": model.n_customers_,
        "repeat_buyers": model.n_repeat_buyers_,
        "spend_excluded": model.n_spend_excluded_,
        "frequency_spend_corr": num(model.frequency_spend_corr_),
        "spend_method": model.spend_method_,
        "expected_purchases_12m": total(predictions["expected_purchases_12m"]),
        "expected_revenue_12m": total(revenue),
        "clv_12m_total": total(predictions["clv_12m"]),
        "discount_rate_monthly": model.discount_rate_monthly,
        "mean_p_alive": num(float(predictions["p_alive"].mean())) if len(predictions) else None,
        "notes": [dict(n) for n in model.fit_codes_],
    }
