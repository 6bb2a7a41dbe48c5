"""The ``lifetimes`` fitters behind the CLV model: the only module that imports
:mod:`lifetimes` (archived, last release 2020). Fits are quiet, retried up the penalizer
ladder, and rejected when their parameters run to the edge of their range
(:data:`DEGENERATE_MIN`, :data:`DEGENERATE_MAX`).

The fitters of ``lifetimes`` 0.11.3 work on pandas 3 / numpy 2 when they are handed plain
numpy arrays; everything around them is :mod:`retention_lib.analysis.clv`'s own code.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

with warnings.catch_warnings():
    # lifetimes sets pd.options.mode.chained_assignment at import (a no-op on pandas 3 that
    # warns); keep the import quiet.
    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
    from lifetimes.utils import ConvergenceError

__all__ = [
    "DEGENERATE_MAX",
    "DEGENERATE_MIN",
    "FIT_ERRORS",
    "BetaGeoFitter",
    "ConvergenceError",
    "DegenerateFit",
    "GammaGammaFitter",
    "ParetoNBD",
    "ParetoNBDFitter",
    "bgnbd_alive_expectation",
    "conditional_purchases",
    "fit_purchase_model",
    "fit_spend_model",
    "purchase_log_likelihood",
    "purchases_from_start",
    "quiet",
    "spend_log_likelihood",
]

#: A purchase-model parameter outside [DEGENERATE_MIN, DEGENERATE_MAX] makes the fit degenerate.
DEGENERATE_MIN = 1e-4
DEGENERATE_MAX = 1e6
#: Errors of a fit attempt that send it up the penalizer ladder.
FIT_ERRORS = (ConvergenceError, ValueError, FloatingPointError, ZeroDivisionError,
              np.linalg.LinAlgError, OverflowError)


class DegenerateFit(ConvergenceError):
    """A fit whose parameters ran to the edge of their range."""


class ParetoNBD(ParetoNBDFitter):
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


@contextlib.contextmanager
def quiet():
    """Silence lifetimes' prints (``print(output)`` on failure) and warnings, restoring
    the warning filters it changes globally."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), np.errstate(
        all="ignore"
    ):
        warnings.simplefilter("ignore")
        yield


def bgnbd_alive_expectation(
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



def fit_purchase_model(
    model: str, x: np.ndarray, rec: np.ndarray, age: np.ndarray, w: np.ndarray,
    ladder: Sequence[float],
) -> tuple[Any, float]:
    """The fitted purchase model (``"bgnbd"`` or ``"pareto"``) and its penalizer: the first
    of ``ladder`` that converges to finite, positive, non-degenerate parameters.

    Raises :class:`DegenerateFit` when the last attempt degenerated, else
    ``ConvergenceError`` when none converged.
    """
    last_error: Exception | None = None
    for pen in ladder:
        try:
            with quiet():
                if model == "bgnbd":
                    fitter = BetaGeoFitter(penalizer_coef=pen).fit(x, rec, age, weights=w)
                else:
                    fitter = ParetoNBD(penalizer_coef=pen).fit(
                        x, rec, age, weights=w, initial_params=np.ones(4), tol=1e-10,
                        maxiter=20000,
                    )
            params = fitter.params_.to_numpy(dtype=float)
            if not np.all(np.isfinite(params)) or np.any(params <= 0):
                raise ConvergenceError(f"non-finite or non-positive parameters {params}")
            if np.any(params < DEGENERATE_MIN) or np.any(params > DEGENERATE_MAX):
                raise DegenerateFit(f"degenerate parameters {params}")
            return fitter, pen
        except FIT_ERRORS as exc:
            last_error = exc
    if isinstance(last_error, DegenerateFit):
        raise last_error
    raise ConvergenceError(str(last_error))


def fit_spend_model(
    x: np.ndarray, m: np.ndarray, w: np.ndarray, ladder: Sequence[float]
) -> tuple[Any, float]:
    """The fitted Gamma-Gamma spend model and its penalizer: the first of ``ladder`` that
    converges to finite parameters (else ``ConvergenceError``)."""
    last_error: Exception | None = None
    for pen in ladder:
        try:
            with quiet():
                fitter = GammaGammaFitter(penalizer_coef=pen).fit(x, m, weights=w)
            params = fitter.params_.to_numpy(dtype=float)
            if not np.all(np.isfinite(params)):
                raise ConvergenceError(f"non-finite parameters {params}")
            return fitter, pen
        except FIT_ERRORS as exc:
            last_error = exc
    raise ConvergenceError(str(last_error))


def purchase_log_likelihood(
    model: str, params: dict[str, float], x: np.ndarray, rec: np.ndarray, age: np.ndarray,
    w: np.ndarray,
) -> float:
    """Log-likelihood of the purchase model at ``params`` (penalty excluded)."""
    p = np.array(list(params.values()), dtype=float)
    with quiet():
        if model == "bgnbd":
            nll = BetaGeoFitter._negative_log_likelihood(np.log(p), x, rec, age, w, 0.0)
            return float(-nll * w.sum())
        ll = ParetoNBDFitter._conditional_log_likelihood(p, x, rec, age)
        return float((w * ll).sum())


def spend_log_likelihood(fitter: Any, xs: np.ndarray, ms: np.ndarray, w: np.ndarray) -> float:
    """Log-likelihood of a fitted Gamma-Gamma model (penalty excluded)."""
    p = fitter.params_.to_numpy(dtype=float)
    with quiet():
        nll = GammaGammaFitter._negative_log_likelihood(np.log(p), xs, ms, w, 0.0)
    return float(-nll * w.sum())


def conditional_purchases(
    fitter: Any, model: str, params: dict[str, float] | None, t: Any, x: np.ndarray,
    rec: np.ndarray, age: np.ndarray,
) -> np.ndarray:
    """Expected repeat purchases in the next ``t`` of customers with history
    ``(x, rec, age)``; where ``lifetimes``' BG/NBD closed form gives NaN, P(alive) times
    :func:`bgnbd_alive_expectation` (``params``: the BG/NBD parameters)."""
    with quiet():
        out = fitter.conditional_expected_number_of_purchases_up_to_time(t, x, rec, age)
    out = np.asarray(out, dtype=float)
    if model == "bgnbd":
        bad = ~np.isfinite(out)
        if bad.any():
            t_b = np.broadcast_to(np.asarray(t, dtype=float), out.shape)[bad]
            alive = np.asarray(fitter.conditional_probability_alive(
                x[bad], rec[bad], age[bad]), dtype=float)
            out = out.copy()
            out[bad] = alive * bgnbd_alive_expectation(t_b, x[bad], age[bad], params)
    return out


def purchases_from_start(
    fitter: Any, model: str, params: dict[str, float] | None, t_arr: np.ndarray
) -> np.ndarray:
    """Expected repeat purchases of a new customer in their first ``t_arr`` time units
    (unconditional), with the BG/NBD quadrature fallback where the closed form is NaN."""
    with quiet():
        out = fitter.expected_number_of_purchases_up_to_time(t_arr)
    out = np.array(out, dtype=float)
    bad = ~np.isfinite(out)
    if model == "bgnbd" and bad.any():
        # a new customer is alive at age 0 with no purchases: x = 0, T = 0
        zeros = np.zeros(int(bad.sum()))
        out[bad] = bgnbd_alive_expectation(t_arr[bad], zeros, zeros, params)
    return out
