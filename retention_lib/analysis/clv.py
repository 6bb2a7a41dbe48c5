"""Customer lifetime value and probability alive: BG/NBD (or Pareto/NBD) + Gamma-Gamma.

This is the **only** module that imports :mod:`lifetimes` (archived, last release 2020).  The
fitters of ``lifetimes`` 0.11.3 work on pandas 3 / numpy 2 when they are handed plain numpy
arrays; everything around them (input checks, calibration/holdout split, validation tables,
CLV discounting) is our own code, so the models could be swapped without touching callers.

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
the same expectation is computed by quadrature (:func:`_bgnbd_alive_expectation`).

Data the model is not meant for (the report turns CLV and P(alive) off, with the reason)
--------------------------------------------------------------------------------------
* **Degenerate fits.** A purchase-model fit whose parameters run to the edge of their range
  (any parameter below :data:`DEGENERATE_MIN` = 1e-4 or above :data:`DEGENERATE_MAX` = 1e6,
  e.g. BG/NBD a ≈ 4e-25, b ≈ 3e-13 on monthly billing) is not a fit: it is rejected like a
  convergence failure (the penalizer ladder is tried), and when every attempt degenerates
  the model is off with the note ``purchases_degenerate``.
* **Regular billing.** BG/NBD and Pareto/NBD describe customers who buy at random moments
  ("buy till you die"); a subscription billed every month is not that.  :func:`billing_regularity`
  measures, among customers with at least :data:`REGULAR_MIN_PURCHASES` purchase days, the
  share whose gaps between purchase days have a coefficient of variation at most
  :data:`REGULAR_CV_MAX` (0.1: monthly bills on the same day of the month have about 0.03;
  the sample distributor about 0.6).  Given ``regular_share`` of at least
  :data:`REGULAR_SHARE_MIN` (0.5), :meth:`CLVModel.fit` skips the purchase model with the
  note ``purchases_regular``.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .customer_days import customer_day_table as _day_table  # the per-customer-day table

with warnings.catch_warnings():
    # lifetimes sets pd.options.mode.chained_assignment at import (a no-op on pandas 3 that
    # warns); keep the import quiet.
    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
    from lifetimes.utils import ConvergenceError

__all__ = [
    "CLVModel",
    "CLV_MODELS",
    "DEGENERATE_MAX",
    "DEGENERATE_MIN",
    "REGULAR_CV_MAX",
    "REGULAR_MIN_PURCHASES",
    "REGULAR_SHARE_MIN",
    "DAYS_PER_MONTH",
    "MIN_REPEAT_BUYERS",
    "NOTE_CODES",
    "PENALIZER_LADDER",
    "TIME_UNITS",
    "billing_regularity",
    "calibration_holdout_split",
    "clv_metrics",
    "cumulative_transactions",
    "fit_clv",
    "holdout_by_frequency",
    "holdout_errors",
    "p_alive_matrix",
]

#: Purchase models understood by :func:`fit_clv`.
CLV_MODELS = ("bgnbd", "pareto")
#: Model time units → length in days.
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0}
#: Average month length in days (used for ``"12M"`` horizons and CLV months).
DAYS_PER_MONTH = 365.25 / 12
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

#: A purchase-model parameter outside [DEGENERATE_MIN, DEGENERATE_MAX] makes the fit degenerate.
DEGENERATE_MIN = 1e-4
DEGENERATE_MAX = 1e6
#: Gaps between purchase days with a coefficient of variation at most this are "regular".
REGULAR_CV_MAX = 0.1
#: Customers need at least this many purchase days to be judged regular or not.
REGULAR_MIN_PURCHASES = 4
#: At least this share of the judged customers regular: the data are regular billing.
REGULAR_SHARE_MIN = 0.5

_REQUIRED = ("frequency", "recency", "T")


class _Degenerate(ConvergenceError):
    """A fit whose parameters ran to the edge of their range."""
_PARAM_NAMES = {"bgnbd": ("r", "alpha", "a", "b"), "pareto": ("r", "alpha", "s", "beta")}
_FIT_ERRORS = (ConvergenceError, ValueError, FloatingPointError, ZeroDivisionError,
               np.linalg.LinAlgError, OverflowError)


class _ParetoNBD(ParetoNBDFitter):
    """Pareto/NBD whose objective is the *mean* log-likelihood per customer.

    ``lifetimes`` divides the weighted sum by ``weights.mean()``, so a weighted fit (unique
    histories with counts) and an unweighted fit minimise functions of different scale and
    stop at different points of Nelder-Mead's tolerance.  Dividing by ``weights.sum()`` (as
    the BG/NBD and Gamma-Gamma fitters do) makes the two objectives identical.
    """

    @staticmethod
    def _negative_log_likelihood(params, freq, rec, T, weights, penalizer_coef):  # noqa: N803
        params = np.asarray(params)
        if np.any(params <= 0.0):
            return np.inf
        ll = ParetoNBDFitter._conditional_log_likelihood(params, freq, rec, T)
        return -(weights * ll).sum() / weights.sum() + penalizer_coef * np.sum(params**2)


# ----------------------------------------------------------------------------- helpers


def _unit(value: str, name: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not supported; choose one of {list(allowed)}")
    return value


def _parse_horizon(horizon: str) -> tuple[float, str, str]:
    """``"12M"`` → (days, label ``"12m"``)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([DWMdwm])\s*", str(horizon))
    if not m:
        raise ValueError(
            f"horizon={horizon!r} is not understood; write a number and a unit, one of "
            "['D', 'W', 'M'] (days, weeks, months), e.g. '12M' or '39W'"
        )
    n, unit = float(m.group(1)), m.group(2).upper()
    days = n * {"D": 1.0, "W": 7.0, "M": DAYS_PER_MONTH}[unit]
    label = f"{int(n) if n.is_integer() else n}{unit.lower()}"
    return days, label, unit


def _lifetimes_frame(summary: pd.DataFrame) -> pd.DataFrame:
    """Map our/lifetimes column names; accept the ``_cal`` columns of a calibration split."""
    if not isinstance(summary, pd.DataFrame):
        raise TypeError(f"summary must be a pandas DataFrame, got {type(summary).__name__}")
    cols = summary.columns
    if all(c not in cols for c in _REQUIRED) and all(f"{c}_cal" in cols for c in _REQUIRED):
        mapping = {f"{c}_cal": c for c in (*_REQUIRED, "monetary_value")}
        return summary.rename(columns=mapping)
    missing = [c for c in _REQUIRED if c not in cols]
    if missing:
        raise KeyError(
            f"summary lacks column(s) {missing}; required: {list(_REQUIRED)} (lifetimes' "
            f"names; optional: 'monetary_value'), found: {list(cols)}"
        )
    return summary


def _first_ids(index: pd.Index, mask: np.ndarray, k: int = 5) -> list[Any]:
    return [index[i] for i in np.flatnonzero(mask)[:k]]


def _arrays(
    summary: pd.DataFrame, *, time_unit: str, input_unit: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Validated float arrays x, t_x, T (in ``time_unit``) and monetary value (or None)."""
    frame = _lifetimes_frame(summary)
    src = input_unit or frame.attrs.get("freq") or summary.attrs.get("freq") or time_unit
    src = _unit(str(src), "input_unit", tuple(TIME_UNITS))
    factor = TIME_UNITS[src] / TIME_UNITS[time_unit]
    out = {}
    for col in (*_REQUIRED, "monetary_value"):
        if col not in frame.columns:
            continue
        try:
            out[col] = pd.to_numeric(frame[col]).to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            raise ValueError(
                f"column {col!r} must be numeric, got dtype {frame[col].dtype}") from None
    x, rec, age = out["frequency"], out["recency"] * factor, out["T"] * factor
    idx = frame.index
    checks = [
        ("frequency", ~np.isfinite(x), "is missing or infinite"),
        ("recency", ~np.isfinite(rec), "is missing or infinite"),
        ("T", ~np.isfinite(age), "is missing or infinite"),
        ("frequency", np.isfinite(x) & ((x < 0) | (x != np.round(x))),
         "must be a whole number >= 0"),
        ("recency", rec < 0, "must be >= 0"),
        ("recency", rec > age + 1e-9, "must be <= T"),
        ("recency", (x == 0) & (rec != 0), "must be 0 when frequency is 0"),
    ]
    for col, bad, what in checks:
        if bad.any():
            raise ValueError(
                f"column {col!r} {what}: {int(bad.sum())} row(s), first customer(s) "
                f"{_first_ids(idx, bad)}"
            )
    return x, rec, age, out.get("monetary_value")


def _group_rows(*cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique rows of the given equal-length columns.

    Returns ``(inverse, first, counts)``: ``inverse[i]`` is the group of row ``i``,
    ``first[g]`` the first row of group ``g`` and ``counts[g]`` its size.
    """
    n = len(cols[0])
    key = np.zeros(n, dtype=np.int64)
    n_keys = 1
    for col in cols:
        codes, uniques = pd.factorize(col)
        key, keys = pd.factorize(key * len(uniques) + codes)
        n_keys = len(keys)
    first = np.full(n_keys, n, dtype=np.int64)
    np.minimum.at(first, key, np.arange(n, dtype=np.int64))
    return key, first, np.bincount(key, minlength=n_keys)


@contextlib.contextmanager
def _quiet():
    """Silence lifetimes' prints (``print(output)`` on failure) and warnings, restoring
    the warning filters it changes globally."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), np.errstate(
        all="ignore"
    ):
        warnings.simplefilter("ignore")
        yield


def _bgnbd_alive_expectation(
    t: np.ndarray, x: np.ndarray, age: np.ndarray, params: dict[str, float], n_nodes: int = 64
) -> np.ndarray:
    """BG/NBD expected purchases in the next ``t`` for a customer *alive* at age ``age``
    after ``x`` repeat purchases, by Gauss-Jacobi quadrature.

    Given alive, the posterior of the purchase rate is Gamma(r + x, alpha + T) and that of
    the drop-out probability is Beta(a, b + x), independent; an alive customer with (λ, p)
    makes ``(1 − exp(−λ p t)) / p`` purchases in expectation, so the expectation is
    ``E_p[(1 − ((alpha + T) / (alpha + T + p t)) ** (r + x)) / p]``.  Multiplied by P(alive)
    it equals the closed form of Fader, Hardie & Lee (2005, eq. 10), which ``lifetimes``
    evaluates with a hypergeometric function that returns NaN when ``a + b + x − 1 < 0``
    (seen on B2B data); this is the fallback for those cases.
    """
    from scipy.special import roots_jacobi

    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    t, x, age = (np.asarray(v, dtype=float) for v in (t, x, age))
    out = np.empty(len(x))
    for xv in np.unique(x):
        sel = x == xv
        # weight (1 − u)^(b + x − 1) (1 + u)^(a − 1) on [−1, 1], p = (1 + u) / 2
        u, w = roots_jacobi(n_nodes, b + xv - 1, a - 1)
        p = (1 + u) / 2
        w = w / w.sum()
        base = (alpha + age[sel])[:, None]
        inner = (1 - (base / (base + p[None, :] * t[sel][:, None])) ** (r + xv)) / p[None, :]
        out[sel] = inner @ w
    return out


# ----------------------------------------------------------------------------- the model


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
        _unit(self.model, "model", CLV_MODELS)
        _unit(self.time_unit, "time_unit", tuple(TIME_UNITS))
        if self.input_unit is not None:
            _unit(self.input_unit, "input_unit", tuple(TIME_UNITS))
        if not (self.penalizer >= 0):
            raise ValueError(f"penalizer must be >= 0, got {self.penalizer}")
        if not (self.discount_rate_monthly > -1):
            raise ValueError(
                f"discount_rate_monthly must be > -1, got {self.discount_rate_monthly}"
            )

    def _ladder(self) -> list[float]:
        return [self.penalizer] + [p for p in PENALIZER_LADDER if p > self.penalizer]

    def _fit_purchases(self, x, rec, age, w) -> tuple[Any, float]:
        last_error: Exception | None = None
        for pen in self._ladder():
            try:
                with _quiet():
                    if self.model == "bgnbd":
                        fitter = BetaGeoFitter(penalizer_coef=pen).fit(x, rec, age, weights=w)
                    else:
                        fitter = _ParetoNBD(penalizer_coef=pen).fit(
                            x, rec, age, weights=w, initial_params=np.ones(4), tol=1e-10,
                            maxiter=20000,
                        )
                params = fitter.params_.to_numpy(dtype=float)
                if not np.all(np.isfinite(params)) or np.any(params <= 0):
                    raise ConvergenceError(f"non-finite or non-positive parameters {params}")
                if np.any(params < DEGENERATE_MIN) or np.any(params > DEGENERATE_MAX):
                    raise _Degenerate(f"degenerate parameters {params}")
                return fitter, pen
            except _FIT_ERRORS as exc:
                last_error = exc
        if isinstance(last_error, _Degenerate):
            raise last_error
        raise ConvergenceError(str(last_error))

    def _fit_spend(self, x, m, w) -> tuple[Any, float]:
        last_error: Exception | None = None
        for pen in self._ladder():
            try:
                with _quiet():
                    fitter = GammaGammaFitter(penalizer_coef=pen).fit(x, m, weights=w)
                params = fitter.params_.to_numpy(dtype=float)
                if not np.all(np.isfinite(params)):
                    raise ConvergenceError(f"non-finite parameters {params}")
                return fitter, pen
            except _FIT_ERRORS as exc:
                last_error = exc
        raise ConvergenceError(str(last_error))

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
            ``*_cal`` columns of :func:`calibration_holdout_split`.
        regular_share
            Optional: the ``regular_share`` of :func:`billing_regularity` on the same
            data.  At least :data:`REGULAR_SHARE_MIN`: the data are regular billing, which
            the purchase model is not meant for; it is skipped (note ``purchases_regular``).

        Returns
        -------
        CLVModel
            ``self``, fitted.  Never raises for model trouble (see ``fit_notes_``); raises
            ``KeyError``/``ValueError`` for a missing column or an invalid value.
        """
        self._check_settings()
        x, rec, age, money = _arrays(summary, time_unit=self.time_unit,
                                     input_unit=self.input_unit)
        self.fit_notes_ = []
        self.fit_codes_ = []
        note = self._note
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

        if self.weighted:
            _, first, w = _group_rows(x, rec, age)
            fx, frec, fage = x[first], rec[first], age[first]
        else:
            fx, frec, fage, w = x, rec, age, np.ones(len(x))
        self.n_histories_ = int(len(fx)) if self.weighted else int(len(_group_rows(x, rec, age)[1]))

        name = "BG/NBD" if self.model == "bgnbd" else "Pareto/NBD"
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
            note(code, f"The purchase model ({name}) was not fitted: "
                 f"{100 * float(regular_share or 0):.0f} % of the customers buy at regular "
                 "intervals (billing, such as a subscription), and the model describes "
                 "customers who buy at random moments; probability alive, expected purchases "
                 "and CLV are not computed.", **values)
        elif reason:
            note(code, f"The purchase model ({name}) was not fitted because {reason}: it "
                 "would not be reliable, so probability alive, expected purchases and CLV are "
                 "not computed.", **values)
        else:
            try:
                fitter, pen = self._fit_purchases(fx, frec, fage, w)
            except _Degenerate as exc:
                note("purchases_degenerate", f"The purchase model ({name}) found no sensible "
                     f"fit to these data ({exc}): probability alive, expected purchases and "
                     "CLV are not computed.", model=self.model)
            except ConvergenceError:
                note("purchases_no_convergence", f"The purchase model ({name}) did not "
                     f"converge even with penalizer {self._ladder()[-1]}: probability alive, "
                     "expected purchases and CLV are not computed.", model=self.model,
                     penalizer=self._ladder()[-1])
            else:
                self._purchase_fitter = fitter
                self.purchases_ok_ = True
                self.penalizer_used_["purchases"] = pen
                params = {k: float(v) for k, v in fitter.params_.items()}
                if self.model == "bgnbd":
                    self.bgnbd_params_ = params
                else:
                    self.pareto_params_ = params
                self.log_likelihood_ = self._purchase_ll(fx, frec, fage, w)
                if pen != self.penalizer:
                    note("purchases_penalizer_retry", f"The purchase model ({name}) did not "
                         f"converge with penalizer {self.penalizer}; it was fitted with "
                         f"penalizer {pen} (parameters shrunk slightly towards zero).",
                         model=self.model, requested=float(self.penalizer), used=float(pen))

        self._fit_spend_model(x, money)
        return self

    def _note(self, code: str, text: str, **values: Any) -> None:
        """Record one fit note: English text in ``fit_notes_``, code in ``fit_codes_``."""
        if code not in NOTE_CODES:  # pragma: no cover - programming error
            raise ValueError(f"unknown note code {code!r}; allowed: {sorted(NOTE_CODES)}")
        self.fit_notes_.append(text)
        self.fit_codes_.append({"code": code, **values})

    def _purchase_ll(self, x, rec, age, w) -> float:
        p = np.array(list(self.purchase_params_.values()), dtype=float)
        with _quiet():
            if self.model == "bgnbd":
                nll = BetaGeoFitter._negative_log_likelihood(np.log(p), x, rec, age, w, 0.0)
                return float(-nll * w.sum())
            ll = ParetoNBDFitter._conditional_log_likelihood(p, x, rec, age)
            return float((w * ll).sum())

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
            _, first, w = _group_rows(xs, ms)
            xs, ms = xs[first], ms[first]
        else:
            w = np.ones(len(xs))
        try:
            fitter, pen = self._fit_spend(xs, ms, w)
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
        p = fitter.params_.to_numpy(dtype=float)
        with _quiet():
            nll = GammaGammaFitter._negative_log_likelihood(np.log(p), xs, ms, w, 0.0)
        self.spend_log_likelihood_ = float(-nll * w.sum())
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

    def _check_fitted(self) -> None:
        if not hasattr(self, "fit_notes_"):
            raise RuntimeError("this CLVModel is not fitted yet: call fit(summary) first")

    def _histories(self, summary: pd.DataFrame):
        x, rec, age, money = _arrays(summary, time_unit=self.time_unit,
                                     input_unit=self.input_unit)
        if self.weighted:
            inv, first, _ = _group_rows(x, rec, age)
        else:
            inv, first = np.arange(len(x)), np.arange(len(x))
        return x, rec, age, money, inv, first

    def _cond_purchases(self, t, x, rec, age) -> np.ndarray:
        with _quiet():
            out = self._purchase_fitter.conditional_expected_number_of_purchases_up_to_time(
                t, x, rec, age)
        out = np.asarray(out, dtype=float)
        if self.model == "bgnbd":
            bad = ~np.isfinite(out)
            if bad.any():
                t_b = np.broadcast_to(np.asarray(t, dtype=float), out.shape)[bad]
                alive = np.asarray(self._purchase_fitter.conditional_probability_alive(
                    x[bad], rec[bad], age[bad]), dtype=float)
                out = out.copy()
                out[bad] = alive * _bgnbd_alive_expectation(
                    t_b, x[bad], age[bad], self.bgnbd_params_)
        return out

    def expected_purchases(self, summary: pd.DataFrame, *, t: float | np.ndarray) -> np.ndarray:
        """Expected repeat purchases in the next ``t`` time units (``time_unit``) per customer.

        ``t`` is a number or an array aligned with the rows of ``summary``.  Returns a float
        array aligned with ``summary`` (NaN when the purchase model was skipped).
        """
        self._check_fitted()
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
        self._check_fitted()
        h_days, h_label, _ = _parse_horizon(horizon)
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
            with _quiet():
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
        self._check_fitted()
        t_arr = np.asarray(t, dtype=float)
        if not self.purchases_ok_:
            return np.full(t_arr.shape, np.nan)
        with _quiet():
            out = self._purchase_fitter.expected_number_of_purchases_up_to_time(t_arr)
        out = np.array(out, dtype=float)
        bad = ~np.isfinite(out)
        if self.model == "bgnbd" and bad.any():
            # a new customer is alive at age 0 with no purchases: x = 0, T = 0
            zeros = np.zeros(int(bad.sum()))
            out[bad] = _bgnbd_alive_expectation(t_arr[bad], zeros, zeros, self.bgnbd_params_)
        return out

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
    ``monetary_value`` (or the ``*_cal`` columns of :func:`calibration_holdout_split`).
    """
    return CLVModel(
        model=model, time_unit=time_unit, input_unit=input_unit, penalizer=penalizer,
        discount_rate_monthly=discount_rate_monthly, weighted=weighted,
        min_repeat_buyers=min_repeat_buyers,
    ).fit(summary, regular_share=regular_share)


def billing_regularity(transactions: pd.DataFrame, *, as_of: object) -> dict[str, Any]:
    """How many customers buy at regular intervals (billing), from their purchase days.

    A purchase day is a customer's calendar day whose net amount is positive.  A customer
    with at least :data:`REGULAR_MIN_PURCHASES` purchase days up to ``as_of`` is *judged*;
    a judged customer is *regular* when the gaps (in days) between consecutive purchase
    days have a coefficient of variation (standard deviation / mean, population) at most
    :data:`REGULAR_CV_MAX`.

    Parameters
    ----------
    transactions
        ``customer_id``, ``date``, ``amount`` (one row per transaction).
    as_of
        Last day counted.

    Returns
    -------
    dict
        ``judged`` (int), ``regular`` (int), ``regular_share`` (float: regular / judged,
        NaN when nobody is judged), ``median_gap_days`` (float: median over the judged
        customers of their mean gap; NaN when nobody is judged).
    """
    days = _day_table(transactions)
    last = int(np.datetime64(pd.Timestamp(as_of).normalize().to_datetime64(), "D")
               .astype(np.int64))
    keep = (days.day <= last) & (days.net > 0)
    code, day = days.code[keep], days.day[keep].astype(np.float64)
    if len(code) < 2:
        return {"judged": 0, "regular": 0, "regular_share": math.nan,
                "median_gap_days": math.nan}
    same = code[1:] == code[:-1]
    gap, who = (day[1:] - day[:-1])[same], code[1:][same]
    n_cust = int(code.max()) + 1
    n = np.bincount(who, minlength=n_cust)
    total = np.bincount(who, weights=gap, minlength=n_cust)
    squares = np.bincount(who, weights=gap * gap, minlength=n_cust)
    judged = n >= REGULAR_MIN_PURCHASES - 1
    if not judged.any():
        return {"judged": 0, "regular": 0, "regular_share": math.nan,
                "median_gap_days": math.nan}
    mean = total[judged] / n[judged]
    var = np.maximum(squares[judged] / n[judged] - mean * mean, 0.0)
    cv = np.sqrt(var) / mean
    regular = int((cv <= REGULAR_CV_MAX).sum())
    return {"judged": int(judged.sum()), "regular": regular,
            "regular_share": regular / int(judged.sum()),
            "median_gap_days": float(np.median(mean))}


# ----------------------------------------------------------------------------- validation


def _day(value: object, name: str) -> int:
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        raise ValueError(f"{name} must be a date, got {value!r}")
    return int(np.datetime64(ts.normalize().to_datetime64(), "D").astype(np.int64))


def calibration_holdout_split(
    transactions: pd.DataFrame,
    *,
    calibration_end: object,
    holdout_end: object,
    freq: str = "W",
    calibration_start: object | None = None,
    purchases_only: bool = True,
) -> pd.DataFrame:
    """Per-customer calibration summary and holdout purchase counts (our own, pandas 3 safe).

    Purchases are counted per distinct **day** (several rows on one day are one purchase,
    their amounts summed); with ``purchases_only`` (default) only days whose net amount is
    positive are purchases (a refund-only or zero day is not), with ``False`` every day
    with a row is (``lifetimes``' convention).  Times are day differences divided by the
    unit length (``"W"``: 7 days, the Fader–Hardie convention; ``"D"``: 1), not
    calendar-week periods.

    Parameters
    ----------
    transactions
        ``customer_id``, ``date`` (datetime64), ``amount`` (float64).
    calibration_end, holdout_end
        Last day of the calibration period and of the holdout period
        (``calibration_end < holdout_end``).
    freq
        ``"W"`` or ``"D"``: unit of recency, T and duration.
    calibration_start
        Optional first day: customers whose first purchase is earlier are left out.
    purchases_only
        Count only purchase days (net amount > 0); see above.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (sorted): customers whose first purchase falls in the
        calibration period. Columns (float64): ``frequency_cal`` (repeat purchase days up to
        ``calibration_end``), ``recency_cal`` (last − first purchase day), ``T_cal``
        (``calibration_end`` − first purchase day), ``monetary_value_cal`` (mean net amount
        per repeat purchase day, 0 if none), ``frequency_holdout`` (purchase days in
        ``(calibration_end, holdout_end]``), ``duration_holdout`` (holdout length).
        ``attrs["freq"]`` is ``freq``.
    """
    missing = [c for c in ("customer_id", "date", "amount") if c not in transactions.columns]
    if missing:
        raise KeyError(f"transactions lack column(s) {missing}; required: "
                       "['customer_id', 'date', 'amount']")
    _unit(freq, "freq", tuple(TIME_UNITS))
    cal_end, hold_end = _day(calibration_end, "calibration_end"), _day(holdout_end, "holdout_end")
    if hold_end <= cal_end:
        raise ValueError(f"holdout_end ({holdout_end}) must be after calibration_end "
                         f"({calibration_end})")
    unit = TIME_UNITS[freq]
    # the per-customer-day table (retention_lib.analysis.customer_days): customers as
    # integer codes in id order, one entry per (customer, day) with the day's net amount
    table = _day_table(transactions)
    uniques = table.uniques
    keep = table.day <= hold_end
    if purchases_only:
        keep &= table.net > 0
    code, day = table.code[keep], table.day[keep]
    daily = pd.DataFrame({"customer_id": code, "day": day, "amount": table.net[keep]})
    new_cust = np.r_[True, code[1:] != code[:-1]] if len(code) else code.astype(bool)
    first = day[new_cust][np.cumsum(new_cust) - 1] if len(code) else day
    cohort = first <= cal_end
    if calibration_start is not None:
        cohort &= first >= _day(calibration_start, "calibration_start")
    daily = daily.loc[cohort].assign(first=first[cohort])
    in_cal = daily["day"].to_numpy() <= cal_end
    cal = daily.loc[in_cal]
    repeat = cal.loc[cal["day"] > cal["first"]]
    g = cal.groupby("customer_id", sort=True)
    out = pd.DataFrame({
        "frequency_cal": g.size().astype(float) - 1,
        "recency_cal": (g["day"].max() - g["first"].min()).astype(float) / unit,
        "T_cal": (cal_end - g["first"].min()).astype(float) / unit,
    })
    rep_mean = repeat.groupby("customer_id", sort=True)["amount"].mean()
    out["monetary_value_cal"] = rep_mean.reindex(out.index).fillna(0.0).astype(float)
    hold = daily.loc[~in_cal].groupby("customer_id", sort=True).size()
    out["frequency_holdout"] = hold.reindex(out.index).fillna(0).astype(float)
    out["duration_holdout"] = float(hold_end - cal_end) / unit
    ids = pd.Index(uniques).take(out.index.to_numpy(dtype=np.int64))
    out.index = pd.Index(ids.astype("string"), name="customer_id")
    out.attrs = {"freq": freq}
    return out


def holdout_by_frequency(
    cal_holdout: pd.DataFrame, *, model: CLVModel, max_bucket: int = 7
) -> pd.DataFrame:
    """Predicted vs actual holdout purchases by calibration frequency.

    Parameters
    ----------
    cal_holdout
        Output of :func:`calibration_holdout_split`.
    model
        A :class:`CLVModel` fitted on the ``*_cal`` columns of the same frame.
    max_bucket
        Frequencies at or above it share the last bucket (``"7+"``).

    Returns
    -------
    pandas.DataFrame
        Index ``frequency_cal`` (string: ``"0"``, ``"1"``, ..., ``"7+"``, every bucket
        present), columns: ``customers`` (int64), ``actual_mean``, ``predicted_mean``,
        ``actual_total``, ``predicted_total`` (float64; repeat purchases in the holdout).
    """
    pred = model.expected_purchases(cal_holdout, t=cal_holdout["duration_holdout"].to_numpy())
    freq = cal_holdout["frequency_cal"].to_numpy(dtype=float)
    bucket = np.minimum(freq, max_bucket).astype(int)
    labels = [str(i) for i in range(max_bucket)] + [f"{max_bucket}+"]
    frame = pd.DataFrame({
        "bucket": bucket,
        "actual": cal_holdout["frequency_holdout"].to_numpy(dtype=float),
        "predicted": pred,
    })
    g = frame.groupby("bucket")
    out = pd.DataFrame({
        "customers": g.size(),
        "actual_total": g["actual"].sum(),
        "predicted_total": g["predicted"].sum(),
    }).reindex(range(max_bucket + 1))
    out["customers"] = out["customers"].fillna(0).astype(np.int64)
    out[["actual_total", "predicted_total"]] = out[["actual_total", "predicted_total"]].fillna(0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["actual_mean"] = out["actual_total"] / out["customers"].replace(0, np.nan)
        out["predicted_mean"] = out["predicted_total"] / out["customers"].replace(0, np.nan)
    out.index = pd.Index(labels, name="frequency_cal", dtype="string")
    return out[["customers", "actual_mean", "predicted_mean", "actual_total", "predicted_total"]]


def holdout_errors(cal_holdout: pd.DataFrame, *, model: CLVModel) -> dict[str, float]:
    """Summary error figures of the holdout check.

    Returns ``{"customers", "actual_total", "predicted_total", "total_error_pct"`` (predicted
    minus actual, % of actual), ``"mae"`` (mean absolute error per customer, purchases),
    ``"rmse"``, ``"corr"`` (correlation of predicted and actual per customer)``}``.
    """
    pred = model.expected_purchases(cal_holdout, t=cal_holdout["duration_holdout"].to_numpy())
    act = cal_holdout["frequency_holdout"].to_numpy(dtype=float)
    err = pred - act
    total_a, total_p = float(act.sum()), float(pred.sum())
    corr = float(np.corrcoef(pred, act)[0, 1]) if len(act) > 1 and np.ptp(act) > 0 else math.nan
    return {
        "customers": float(len(act)),
        "actual_total": total_a,
        "predicted_total": total_p,
        "total_error_pct": 100 * (total_p - total_a) / total_a if total_a else math.nan,
        "mae": float(np.mean(np.abs(err))) if len(err) else math.nan,
        "rmse": float(np.sqrt(np.mean(err**2))) if len(err) else math.nan,
        "corr": corr,
    }


def cumulative_transactions(
    transactions: pd.DataFrame,
    *,
    model: CLVModel,
    calibration_end: object,
    holdout_end: object,
    step_days: int = 7,
) -> pd.DataFrame:
    """Expected vs actual cumulative repeat transactions of the calibration cohort over time.

    The cohort is every customer whose first purchase is on or before ``calibration_end``;
    a repeat transaction is a purchase day after the customer's first.  Expected values come
    from the model's unconditional curve ``E[X(t)]`` summed over customers, ``t`` being each
    customer's age at the step end (Fader, Hardie & Lee 2005, figure 2).

    Returns
    -------
    pandas.DataFrame
        Index ``step`` (int, 1..n: periods of ``step_days`` since the cohort's first
        purchase), columns ``date`` (datetime64, last day of the step), ``actual``,
        ``expected`` (float64, cumulative repeat transactions), ``actual_incremental``,
        ``expected_incremental``, and ``holdout`` (bool: the step ends after
        ``calibration_end``).
    """
    cal_end, hold_end = _day(calibration_end, "calibration_end"), _day(holdout_end, "holdout_end")
    # distinct (customer, day) pairs, by customer then day: the per-customer-day table
    table = _day_table(transactions)
    keep = table.day <= hold_end
    pair_cust, pair_day = table.code[keep], table.day[keep]
    new_cust = (np.r_[True, pair_cust[1:] != pair_cust[:-1]] if len(pair_cust)
                else pair_cust.astype(bool))
    first = pair_day[new_cust][np.cumsum(new_cust) - 1]
    cohort = first <= cal_end
    days, first = pair_day[cohort], first[cohort]
    if len(days) == 0:
        raise ValueError("no customer made a first purchase on or before calibration_end")
    start = int(first.min())
    n_steps = int(math.ceil((hold_end - start + 1) / step_days))
    ends = start - 1 + step_days * np.arange(1, n_steps + 1)
    ends = np.minimum(ends, hold_end)
    repeat_days = np.sort(days[days > first])
    actual = np.searchsorted(repeat_days, ends, side="right").astype(float)
    births = pair_day[new_cust & cohort]  # each cohort customer's first purchase day
    birth_days, birth_counts = np.unique(births, return_counts=True)
    unit = TIME_UNITS[model.time_unit]
    age = np.clip(ends[:, None] - birth_days[None, :], 0, None) / unit
    curve = model.expected_purchases_from_start(age.ravel()).reshape(age.shape)
    expected = (curve * birth_counts[None, :]).sum(axis=1)
    out = pd.DataFrame({
        "date": (ends.astype("datetime64[D]")).astype("datetime64[ns]"),
        "actual": actual,
        "expected": expected,
    }, index=pd.RangeIndex(1, n_steps + 1, name="step"))
    out["actual_incremental"] = out["actual"].diff().fillna(out["actual"])
    out["expected_incremental"] = out["expected"].diff().fillna(out["expected"])
    out["holdout"] = ends > cal_end
    return out


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
    model._check_fitted()
    data = model._purchase_fitter.data if model._purchase_fitter is not None else None
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
        with _quiet():
            vals = np.asarray(model._purchase_fitter.conditional_probability_alive(
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
    model._check_fitted()
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
