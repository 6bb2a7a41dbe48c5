"""Customer lifetime value and probability alive: BG/NBD (or Pareto/NBD) + Gamma-Gamma.

The model itself (:class:`CLVModel`, :func:`fit_clv`). The ``lifetimes`` fitters behind it
are in :mod:`~retention_lib.analysis.clv_fitters` (the only module that imports
:mod:`lifetimes`); everything around them is our own code, so the models could be swapped
without touching callers: input checks and billing regularity in
:mod:`~retention_lib.analysis.clv_inputs`, the calibration/holdout checks in
:mod:`~retention_lib.analysis.clv_holdout`, the P(alive) matrix and ``metrics.json``
section in :mod:`~retention_lib.analysis.clv_outputs`.

Units (a classic source of confusion)
-------------------------------------
* The model works in one **time unit**, ``time_unit``: ``"W"`` (weeks, default) or ``"D"``
  (days).  A week is exactly 7 days: recency and T in days are divided by 7 (the
  Fader–Hardie convention; CDNOW's ``T = 38.86`` weeks is 272 days).  The BG/NBD ``alpha``
  and the Pareto/NBD ``alpha``/``beta`` are expressed in that unit.
* The input summary's own unit is taken from ``summary.attrs["freq"]`` (set by
  :func:`retention_lib.analysis.summary.customer_summary`) or from ``input_unit``; when neither is
  given, recency and T are assumed to be in ``time_unit`` already.
* Horizons are strings with their unit: ``"12M"`` (months of 365.25/12 days), ``"39W"``,
  ``"365D"``; the prediction columns say the unit, e.g. ``expected_purchases_12m``.
* ``clv_12m`` is the **discounted** value of the next 12 months: month ``i`` (1..12) of
  expected purchases × expected average spend is divided by ``(1 + d) ** i`` with ``d`` the
  monthly discount rate (as ``lifetimes.GammaGammaFitter.customer_lifetime_value``).
* Purchases are *repeat* purchases (the lifetimes meaning of ``frequency``), and spend is the
  average net amount per repeat purchase period.

Robustness (never crash a monthly run)
--------------------------------------
On a convergence failure the fit is retried with a larger penalizer (0.001, 0.01, 0.1, 1.0)
and :attr:`CLVModel.fit_notes_` says so.  With fewer than ``min_repeat_buyers`` (default 50)
repeat buyers, or when every customer has the same history, the model is skipped with the
reason in ``fit_notes_``, and the predictions are NaN instead of nonsense.  Customers with
zero, negative or missing average spend are left out of the Gamma-Gamma fit and counted.
When the Gamma-Gamma q is at most 1 (spend so dispersed that no finite typical spend exists,
seen on B2B data) expected spend falls back to observed averages (``spend_method_``).  When
``lifetimes``' closed form for BG/NBD expected purchases returns NaN (``a + b + x < 1``),
the same expectation is computed by quadrature
(:func:`~retention_lib.analysis.clv_fitters.bgnbd_alive_expectation`).

Data the model is not meant for (the report turns CLV and P(alive) off, with the reason)
--------------------------------------------------------------------------------------
* **Degenerate fits.** A purchase-model fit whose parameters run to the edge of their range
  (any parameter below :data:`~retention_lib.analysis.clv_fitters.DEGENERATE_MIN` = 1e-4 or
  above :data:`~retention_lib.analysis.clv_fitters.DEGENERATE_MAX` = 1e6, e.g. BG/NBD
  a ≈ 4e-25, b ≈ 3e-13 on monthly billing) is not a fit: it is rejected like a
  convergence failure (the penalizer ladder is tried), and when every attempt degenerates
  the model is off with the note ``purchases_degenerate``.
* **Regular billing.** BG/NBD and Pareto/NBD describe customers who buy at random moments
  ("buy till you die"); a subscription billed every month is not that
  (:func:`~retention_lib.analysis.clv_inputs.billing_regularity`).  Given ``regular_share``
  of at least :data:`~retention_lib.analysis.clv_inputs.REGULAR_SHARE_MIN` (0.5),
  :meth:`CLVModel.fit` skips the purchase model with the note ``purchases_regular``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .clv_fitters import (
    ConvergenceError,
    DegenerateFit,
    conditional_purchases,
    fit_purchase_model,
    fit_spend_model,
    purchase_log_likelihood,
    purchases_from_start,
    quiet,
    spend_log_likelihood,
)
from .clv_inputs import (
    DAYS_PER_MONTH,
    REGULAR_SHARE_MIN,
    TIME_UNITS,
    check_choice,
    group_rows,
    model_arrays,
    parse_horizon,
)

__all__ = [
    "CLVModel",
    "CLV_MODELS",
    "MIN_REPEAT_BUYERS",
    "NOTE_CODES",
    "PENALIZER_LADDER",
    "SPEND_CORR_WARN",
    "fit_clv",
]

#: Purchase models understood by :func:`fit_clv`.
CLV_MODELS = ("bgnbd", "pareto")
#: Below this many repeat buyers a model is not reliable and is skipped.
MIN_REPEAT_BUYERS = 50
#: Penalizers tried, in order, after the requested one failed to converge.
PENALIZER_LADDER = (0.001, 0.01, 0.1, 1.0)
#: ``|corr(frequency, spend)|`` at or above this value is reported as a violated assumption.
SPEND_CORR_WARN = 0.3
#: Codes of :attr:`CLVModel.fit_codes_` → the values each carries (besides ``code``).
#: ``model`` is the model code (``bgnbd``/``pareto``); ``count``/``needed`` are customer counts;
#: ``penalizer``/``requested``/``used`` penalizer coefficients; ``corr`` the Pearson
#: correlation of frequency and average spend; ``q`` the Gamma-Gamma q; ``mean`` an amount.
NOTE_CODES: dict[str, tuple[str, ...]] = {
    "purchases_skipped_empty": ("model",),
    "purchases_skipped_identical": ("model", "count"),
    "purchases_skipped_few": ("model", "count", "needed"),
    "purchases_no_convergence": ("model", "penalizer"),
    "purchases_degenerate": ("model",),
    "purchases_penalizer_retry": ("model", "requested", "used"),
    "purchases_regular": ("model", "count", "share"),
    "spend_no_monetary": (),
    "spend_excluded": ("count",),
    "spend_skipped_few": ("count", "needed"),
    "spend_skipped_identical": ("count",),
    "spend_correlated": ("corr",),
    "spend_independent": ("corr",),
    "spend_no_convergence": ("penalizer",),
    "spend_penalizer_retry": ("requested", "used"),
    "spend_observed_fallback": ("q", "mean"),
}


# ----------------------------------------------------------------------------- the model

# This module stays a little over 600 lines: it is one class (the model, ~460 lines, whose
# fitting steps share its state) and the constants of its notes; everything around the
# model is already in clv_fitters, clv_inputs, clv_holdout and clv_outputs.
class CLVModel:
    """Probability alive, expected purchases, expected spend and CLV per customer.

    Scikit-learn style: ``__init__`` stores the settings, :meth:`fit` learns and returns
    ``self``, learned attributes end in ``_``.  Use :func:`fit_clv` for the one-call form.

    Parameters
    ----------
    model
        ``"bgnbd"`` (BG/NBD, Fader, Hardie & Lee 2005; default) or ``"pareto"`` (Pareto/NBD).
    time_unit
        ``"W"`` (weeks of 7 days) or ``"D"`` (days): the unit of the fitted parameters.
    input_unit
        Unit of ``recency``/``T`` in the summaries given to :meth:`fit` and :meth:`predict`;
        default: ``summary.attrs["freq"]`` when present, else ``time_unit``.
    penalizer
        L2 penalizer of the first fit attempt (``lifetimes``' ``penalizer_coef``), for the
        purchase and the spend model.
    discount_rate_monthly
        Monthly discount rate of the CLV.
    weighted
        Fit on unique histories with counts as weights (same parameters, much faster on
        large bases); predictions are also computed once per unique history.
    min_repeat_buyers
        Fewer repeat buyers than this: the model is skipped as not reliable.

    Attributes
    ----------
    bgnbd_params_ / pareto_params_ : dict[str, float] or None
        ``{"r", "alpha", "a", "b"}`` (BG/NBD) or ``{"r", "alpha", "s", "beta"}``
        (Pareto/NBD), rates in ``time_unit``; ``None`` when the model was skipped.
    gamma_gamma_params_ : dict[str, float] or None
        ``{"p", "q", "v"}``; ``None`` when the spend model was skipped.
    log_likelihood_ : float
        Log-likelihood of the purchase model at the fitted parameters (penalty excluded),
        in ``time_unit`` (CDNOW, weeks: −9582.43 for BG/NBD).
    spend_log_likelihood_ : float
        Same for Gamma-Gamma.
    penalizer_used_ : dict[str, float | None]
        ``{"purchases": ..., "spend": ...}``: the penalizer of the accepted fit.
    purchases_ok_, spend_ok_ : bool
        Whether each model was fitted and can be used.
    spend_method_ : str or None
        ``"gamma_gamma"``, or ``"observed"`` when the fitted q ≤ 1 (the population mean
        spend p·v/(q − 1) does not exist): expected spend is then the customer's own
        average repeat spend, and the repeat buyers' average for one-time buyers.
    frequency_spend_corr_ : float
        Pearson correlation of frequency and average spend among the spend-model customers
        (Gamma-Gamma assumes none).
    n_customers_, n_repeat_buyers_, n_spend_customers_, n_spend_excluded_ : int
        Customers seen, customers with frequency > 0, customers in the spend fit, repeat
        buyers left out of it (zero, negative or missing average spend).
    n_histories_ : int
        Distinct (frequency, recency, T) histories (the size of the weighted fit).
    fit_notes_ : list[str]
        Plain-language English notes for analysts (retries, exclusions, checks, skipped
        models).
    fit_codes_ : list[dict]
        The same notes as codes with their numbers, one dict per note, in the same order:
        ``{"code": <code>, <name>: <number or str>, ...}`` (JSON-ready; see
        :data:`NOTE_CODES`).  Reports translate them at display time (catalog keys
        ``clv.notes.<code>``) and ``metrics.json`` stores them.
    """

    def __init__(
        self,
        *,
        model: str = "bgnbd",
        time_unit: str = "W",
        input_unit: str | None = None,
        penalizer: float = 0.0,
        discount_rate_monthly: float = 0.01,
        weighted: bool = True,
        min_repeat_buyers: int = MIN_REPEAT_BUYERS,
    ) -> None:
        self.model = model
        self.time_unit = time_unit
        self.input_unit = input_unit
        self.penalizer = penalizer
        self.discount_rate_monthly = discount_rate_monthly
        self.weighted = weighted
        self.min_repeat_buyers = min_repeat_buyers

    # ------------------------------------------------------------------ fitting

    def _check_settings(self) -> None:
        check_choice(self.model, "model", CLV_MODELS)
        check_choice(self.time_unit, "time_unit", tuple(TIME_UNITS))
        if self.input_unit is not None:
            check_choice(self.input_unit, "input_unit", tuple(TIME_UNITS))
        if not (self.penalizer >= 0):
            raise ValueError(f"penalizer must be >= 0, got {self.penalizer}")
        if not (self.discount_rate_monthly > -1):
            raise ValueError(
                f"discount_rate_monthly must be > -1, got {self.discount_rate_monthly}"
            )

    def _ladder(self) -> list[float]:
        return [self.penalizer] + [p for p in PENALIZER_LADDER if p > self.penalizer]

    def fit(self, summary: pd.DataFrame, *, regular_share: float | None = None) -> CLVModel:
        """Fit the purchase model and the Gamma-Gamma spend model.

        Parameters
        ----------
        summary
            One row per customer (any index): ``frequency`` (repeat purchase periods),
            ``recency`` (age at the last purchase), ``T`` (age at the report date), optional
            ``monetary_value`` (average net amount per repeat period) — the output of
            :func:`~retention_lib.analysis.summary.customer_summary`, a ``lifetimes`` summary, or
            the
            ``*_cal`` columns of
            :func:`~retention_lib.analysis.clv_holdout.calibration_holdout_split`.
        regular_share
            Optional: the ``regular_share`` of
            :func:`~retention_lib.analysis.clv_inputs.billing_regularity` on the same data.
            At least :data:`~retention_lib.analysis.clv_inputs.REGULAR_SHARE_MIN`: the data
            are regular billing, which the purchase model is not meant for; it is skipped
            (note ``purchases_regular``).

        Returns
        -------
        CLVModel
            ``self``, fitted.  Never raises for model trouble (see ``fit_notes_``); raises
            ``KeyError``/``ValueError`` for a missing column or an invalid value.
        """
        self._check_settings()
        x, rec, age, money = model_arrays(summary, time_unit=self.time_unit,
                                          input_unit=self.input_unit)
        self._reset_learned(x)
        if self.weighted:
            _, first, w = group_rows(x, rec, age)
            fx, frec, fage = x[first], rec[first], age[first]
        else:
            fx, frec, fage, w = x, rec, age, np.ones(len(x))
        self.n_histories_ = int(len(fx)) if self.weighted else int(len(group_rows(x, rec, age)[1]))
        self._fit_purchase_model(fx, frec, fage, w, regular_share=regular_share)
        self._fit_spend_model(x, money)
        return self

    def _reset_learned(self, x: np.ndarray) -> None:
        """The learned attributes before fitting: customer counts, nothing fitted yet."""
        self.fit_notes_ = []
        self.fit_codes_ = []
        self.n_customers_ = int(len(x))
        self.n_repeat_buyers_ = int((x > 0).sum())
        self.bgnbd_params_ = None
        self.pareto_params_ = None
        self.gamma_gamma_params_ = None
        self.log_likelihood_ = math.nan
        self.spend_log_likelihood_ = math.nan
        self.penalizer_used_ = {"purchases": None, "spend": None}
        self.purchases_ok_ = False
        self.spend_ok_ = False
        self.frequency_spend_corr_ = math.nan
        self.n_spend_customers_ = 0
        self.n_spend_excluded_ = 0
        self.spend_method_ = None
        self.observed_spend_mean_ = math.nan
        self._purchase_fitter = None
        self._spend_fitter = None

    def _purchase_skip_note(
        self, name: str, regular_share: float | None
    ) -> tuple[str, str, dict[str, Any]] | None:
        """``(code, text, values)`` of the note when the purchase model must not be fitted
        (no customers, one history, too few repeat buyers, regular billing), else None."""
        reason = None
        code: str | None = None
        values: dict[str, Any] = {"model": self.model}
        if self.n_customers_ == 0:
            code, reason = "purchases_skipped_empty", "there are no customers"
        elif self.n_histories_ == 1:
            code, values["count"] = "purchases_skipped_identical", self.n_customers_
            reason = (f"all {self.n_customers_:,} customers have the same purchase history "
                      "(frequency, recency, age), so the model cannot tell them apart")
        elif self.n_repeat_buyers_ < self.min_repeat_buyers:
            code = "purchases_skipped_few"
            values.update(count=self.n_repeat_buyers_, needed=int(self.min_repeat_buyers))
            reason = (f"only {self.n_repeat_buyers_:,} customers bought more than once "
                      f"(at least {self.min_repeat_buyers} are needed)")
        elif regular_share is not None and regular_share >= REGULAR_SHARE_MIN:
            code = "purchases_regular"
            values.update(count=self.n_customers_, share=float(regular_share))
        if code == "purchases_regular":
            return code, (f"The purchase model ({name}) was not fitted: "
                          f"{100 * float(regular_share or 0):.0f} % of the customers buy at "
                          "regular intervals (billing, such as a subscription), and the model "
                          "describes customers who buy at random moments; probability alive, "
                          "expected purchases and CLV are not computed."), values
        if reason:
            return code, (f"The purchase model ({name}) was not fitted because {reason}: it "
                          "would not be reliable, so probability alive, expected purchases and "
                          "CLV are not computed."), values
        return None

    def _fit_purchase_model(
        self, fx: np.ndarray, frec: np.ndarray, fage: np.ndarray, w: np.ndarray, *,
        regular_share: float | None,
    ) -> None:
        """Fit BG/NBD or Pareto/NBD on the (unique) histories, or note why not."""
        note = self._note
        name = "BG/NBD" if self.model == "bgnbd" else "Pareto/NBD"
        skip = self._purchase_skip_note(name, regular_share)
        if skip is not None:
            code, text, values = skip
            note(code, text, **values)
            return
        try:
            fitter, pen = fit_purchase_model(self.model, fx, frec, fage, w, self._ladder())
        except DegenerateFit as exc:
            note("purchases_degenerate", f"The purchase model ({name}) found no sensible "
                 f"fit to these data ({exc}): probability alive, expected purchases and "
                 "CLV are not computed.", model=self.model)
            return
        except ConvergenceError:
            note("purchases_no_convergence", f"The purchase model ({name}) did not "
                 f"converge even with penalizer {self._ladder()[-1]}: probability alive, "
                 "expected purchases and CLV are not computed.", model=self.model,
                 penalizer=self._ladder()[-1])
            return
        self._purchase_fitter = fitter
        self.purchases_ok_ = True
        self.penalizer_used_["purchases"] = pen
        params = {k: float(v) for k, v in fitter.params_.items()}
        if self.model == "bgnbd":
            self.bgnbd_params_ = params
        else:
            self.pareto_params_ = params
        self.log_likelihood_ = purchase_log_likelihood(self.model, params, fx, frec, fage, w)
        if pen != self.penalizer:
            note("purchases_penalizer_retry", f"The purchase model ({name}) did not "
                 f"converge with penalizer {self.penalizer}; it was fitted with "
                 f"penalizer {pen} (parameters shrunk slightly towards zero).",
                 model=self.model, requested=float(self.penalizer), used=float(pen))

    def _note(self, code: str, text: str, **values: Any) -> None:
        """Record one fit note: English text in ``fit_notes_``, code in ``fit_codes_``."""
        if code not in NOTE_CODES:  # pragma: no cover - programming error
            raise ValueError(f"unknown note code {code!r}; allowed: {sorted(NOTE_CODES)}")
        self.fit_notes_.append(text)
        self.fit_codes_.append({"code": code, **values})

    def _fit_spend_model(self, x: np.ndarray, money: np.ndarray | None) -> None:
        note = self._note
        if money is None:
            note("spend_no_monetary", "The data has no average spend (monetary_value): the "
                 "spend model and CLV are not computed.")
            return
        repeat = x > 0
        usable = repeat & np.isfinite(money) & (money > 0)
        self.n_spend_customers_ = int(usable.sum())
        self.n_spend_excluded_ = int((repeat & ~usable).sum())
        if self.n_spend_excluded_:
            who = "repeat buyer" if self.n_spend_excluded_ == 1 else "repeat buyers"
            note("spend_excluded", f"{self.n_spend_excluded_:,} {who} with zero, negative or "
                 "missing average spend (net of refunds) left out of the spend model; their "
                 "expected spend is shrunk towards zero.", count=self.n_spend_excluded_)
        xs, ms = x[usable], money[usable]
        reason = None
        if self.n_spend_customers_ < self.min_repeat_buyers:
            code, values = "spend_skipped_few", {"count": self.n_spend_customers_,
                                                 "needed": int(self.min_repeat_buyers)}
            reason = (f"only {self.n_spend_customers_:,} repeat buyers have a positive average "
                      f"spend (at least {self.min_repeat_buyers} are needed)")
        elif np.ptp(ms) == 0:
            code, values = "spend_skipped_identical", {"count": self.n_spend_customers_}
            reason = (f"all {self.n_spend_customers_:,} repeat buyers have the same average "
                      "spend, so its spread cannot be estimated")
        if reason:
            note(code, f"The spend model (Gamma-Gamma) was not fitted because {reason}: it "
                 "would not be reliable, so expected spend and CLV are not computed.", **values)
            return
        self.frequency_spend_corr_ = float(np.corrcoef(xs, ms)[0, 1]) if np.ptp(xs) > 0 else 0.0
        corr = self.frequency_spend_corr_
        if abs(corr) >= SPEND_CORR_WARN:
            note("spend_correlated", f"Purchase frequency and average spend are correlated "
                 f"({corr:+.2f}); the spend model assumes they are independent, so expected "
                 "spend is less reliable.", corr=corr)
        else:
            note("spend_independent", f"Purchase frequency and average spend are nearly "
                 f"independent (correlation {corr:+.2f}), as the spend model assumes.",
                 corr=corr)
        if self.weighted:
            _, first, w = group_rows(xs, ms)
            xs, ms = xs[first], ms[first]
        else:
            w = np.ones(len(xs))
        try:
            fitter, pen = fit_spend_model(xs, ms, w, self._ladder())
        except ConvergenceError:
            note("spend_no_convergence", "The spend model (Gamma-Gamma) did not converge even "
                 f"with penalizer {self._ladder()[-1]}: expected spend and CLV are not "
                 "computed.", penalizer=self._ladder()[-1])
            return
        self._spend_fitter = fitter
        self.spend_ok_ = True
        self.spend_method_ = "gamma_gamma"
        self.penalizer_used_["spend"] = pen
        self.gamma_gamma_params_ = {k: float(v) for k, v in fitter.params_.items()}
        self.spend_log_likelihood_ = spend_log_likelihood(fitter, xs, ms, w)
        if pen != self.penalizer:
            note("spend_penalizer_retry", f"The spend model (Gamma-Gamma) did not converge "
                 f"with penalizer {self.penalizer}; it was fitted with penalizer {pen}.",
                 requested=float(self.penalizer), used=float(pen))
        if self.gamma_gamma_params_["q"] <= 1:
            # Spend varies so much between customers that the Gamma-Gamma population mean
            # p·v/(q − 1) does not exist: fall back to observed averages, and say so.
            self.spend_method_ = "observed"
            self.observed_spend_mean_ = float(np.average(ms, weights=w))
            note(
                "spend_observed_fallback",
                "Average spend varies too much between customers for the spend model "
                f"(Gamma-Gamma q = {self.gamma_gamma_params_['q']:.2f} ≤ 1: no finite typical "
                "spend), so expected spend is each repeat buyer's own average spend, and for "
                "one-time buyers the repeat buyers' average "
                f"({self.observed_spend_mean_:,.2f}).",
                q=self.gamma_gamma_params_["q"], mean=self.observed_spend_mean_)

    # ------------------------------------------------------------------ predicting

    @property
    def purchase_params_(self) -> dict[str, float] | None:
        """Parameters of the purchase model in use (BG/NBD or Pareto/NBD)."""
        return self.bgnbd_params_ if self.model == "bgnbd" else self.pareto_params_

    @property
    def purchase_fitter_(self) -> Any:
        """The fitted ``lifetimes`` purchase-model fitter (``None`` when it was skipped)."""
        return self._purchase_fitter

    def check_fitted(self) -> None:
        """Raise ``RuntimeError`` unless :meth:`fit` has run."""
        if not hasattr(self, "fit_notes_"):
            raise RuntimeError("this CLVModel is not fitted yet: call fit(summary) first")

    def _histories(self, summary: pd.DataFrame):
        x, rec, age, money = model_arrays(summary, time_unit=self.time_unit,
                                          input_unit=self.input_unit)
        if self.weighted:
            inv, first, _ = group_rows(x, rec, age)
        else:
            inv, first = np.arange(len(x)), np.arange(len(x))
        return x, rec, age, money, inv, first

    def _cond_purchases(self, t, x, rec, age) -> np.ndarray:
        return conditional_purchases(self._purchase_fitter, self.model, self.bgnbd_params_, t,
                                     x, rec, age)

    def expected_purchases(self, summary: pd.DataFrame, *, t: float | np.ndarray) -> np.ndarray:
        """Expected repeat purchases in the next ``t`` time units (``time_unit``) per customer.

        ``t`` is a number or an array aligned with the rows of ``summary``.  Returns a float
        array aligned with ``summary`` (NaN when the purchase model was skipped).
        """
        self.check_fitted()
        x, rec, age, _, inv, first = self._histories(summary)
        if not self.purchases_ok_:
            return np.full(len(x), np.nan)
        t_arr = np.broadcast_to(np.asarray(t, dtype=float), x.shape)
        if self.weighted and (len(t_arr) == 0 or np.ptp(t_arr) == 0):
            t0 = float(t_arr[0]) if len(t_arr) else 0.0
            return self._cond_purchases(t0, x[first], rec[first], age[first])[inv]
        return self._cond_purchases(t_arr, x, rec, age)

    def predict(
        self, summary: pd.DataFrame, *, horizon: str = "12M", clv_months: int = 12
    ) -> pd.DataFrame:
        """Per-customer predictions.

        Parameters
        ----------
        summary
            As for :meth:`fit` (usually the same frame).
        horizon
            Window of ``expected_purchases_<horizon>``: a number and a unit, ``"12M"``
            (months of 365.25/12 days), ``"39W"`` (weeks) or ``"365D"`` (days).
        clv_months
            Months of the discounted CLV (column ``clv_<n>m``).

        Returns
        -------
        pandas.DataFrame
            Same index as ``summary``, columns (float64):

            ========================== =================================================
            p_alive                    probability the customer is still active
            expected_purchases_<h>     expected repeat purchases in the next ``horizon``
            expected_avg_spend         expected net amount per future purchase
            clv_<n>m                   discounted value of the next ``clv_months`` months
            ========================== =================================================

            All NaN when the purchase model was skipped; spend and CLV NaN when the spend
            model was skipped (see ``fit_notes_``).
        """
        self.check_fitted()
        h_days, h_label, _ = parse_horizon(horizon)
        if int(clv_months) != clv_months or clv_months < 1:
            raise ValueError(f"clv_months must be a whole number >= 1, got {clv_months}")
        x, rec, age, money, inv, first = self._histories(summary)
        n = len(x)
        unit_days = TIME_UNITS[self.time_unit]
        cols = {
            "p_alive": np.full(n, np.nan),
            f"expected_purchases_{h_label}": np.full(n, np.nan),
            "expected_avg_spend": np.full(n, np.nan),
            f"clv_{int(clv_months)}m": np.full(n, np.nan),
        }
        if self.purchases_ok_:
            ux, urec, uage = x[first], rec[first], age[first]
            with quiet():
                alive = self._purchase_fitter.conditional_probability_alive(ux, urec, uage)
            cols["p_alive"] = np.asarray(alive, dtype=float).reshape(-1)[inv]
            cols[f"expected_purchases_{h_label}"] = self._cond_purchases(
                h_days / unit_days, ux, urec, uage)[inv]
            if self.spend_ok_ and money is not None:
                spend = self._expected_spend(x, money)
                cols["expected_avg_spend"] = spend
                month = DAYS_PER_MONTH / unit_days
                d = self.discount_rate_monthly
                disc = np.zeros(len(ux))
                prev = np.zeros(len(ux))
                for i in range(1, int(clv_months) + 1):
                    cum = self._cond_purchases(i * month, ux, urec, uage)
                    disc += (cum - prev) / (1 + d) ** i
                    prev = cum
                cols[f"clv_{int(clv_months)}m"] = disc[inv] * spend
        return pd.DataFrame(cols, index=summary.index)

    def _expected_spend(self, x: np.ndarray, money: np.ndarray) -> np.ndarray:
        """Gamma-Gamma conditional mean spend; a non-positive or missing observed spend is
        treated as 0 (shrinks towards zero); frequency 0 gives the population mean.  With
        ``spend_method_ == "observed"`` (q ≤ 1): the customer's own average (0 if not
        positive), the repeat buyers' average for frequency 0."""
        p, q, v = (self.gamma_gamma_params_[k] for k in ("p", "q", "v"))
        m = np.where(np.isfinite(money) & (money > 0), money, 0.0)
        if self.spend_method_ == "observed":
            return np.where(x > 0, m, self.observed_spend_mean_)
        weight = p * x / (p * x + q - 1)
        return (1 - weight) * (p * v / (q - 1)) + weight * m

    def expected_purchases_from_start(self, t: float | np.ndarray) -> np.ndarray:
        """Expected repeat purchases of a new customer in their first ``t`` time units
        (unconditional; used for the cumulative-transactions check)."""
        self.check_fitted()
        t_arr = np.asarray(t, dtype=float)
        if not self.purchases_ok_:
            return np.full(t_arr.shape, np.nan)
        return purchases_from_start(self._purchase_fitter, self.model, self.bgnbd_params_,
                                    t_arr)

    def __repr__(self) -> str:
        state = "unfitted"
        if hasattr(self, "fit_notes_"):
            state = f"params={self.purchase_params_}, gamma_gamma={self.gamma_gamma_params_}"
        return f"CLVModel(model={self.model!r}, time_unit={self.time_unit!r}, {state})"


def fit_clv(
    summary: pd.DataFrame,
    *,
    model: str = "bgnbd",
    time_unit: str = "W",
    input_unit: str | None = None,
    penalizer: float = 0.0,
    discount_rate_monthly: float = 0.01,
    weighted: bool = True,
    min_repeat_buyers: int = MIN_REPEAT_BUYERS,
    regular_share: float | None = None,
) -> CLVModel:
    """Fit a :class:`CLVModel` on a customer summary (see :meth:`CLVModel.fit`).

    ``summary`` is the output of :func:`~retention_lib.analysis.summary.customer_summary` or any
    frame
    with ``lifetimes``' columns ``frequency``, ``recency``, ``T`` and optional
    ``monetary_value`` (or the ``*_cal`` columns of
    :func:`~retention_lib.analysis.clv_holdout.calibration_holdout_split`).
    """
    return CLVModel(
        model=model, time_unit=time_unit, input_unit=input_unit, penalizer=penalizer,
        discount_rate_monthly=discount_rate_monthly, weighted=weighted,
        min_repeat_buyers=min_repeat_buyers,
    ).fit(summary, regular_share=regular_share)
