"""Checking a CLV model on what happened next: the calibration/holdout split of the
transactions, predicted against actual holdout purchases (by calibration frequency and as
error figures), and the cumulative-transactions curve."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .clv import CLVModel
from .clv_inputs import TIME_UNITS, check_choice
from .customer_days import customer_day_table as _day_table  # the per-customer-day table

__all__ = [
    "calibration_holdout_split",
    "cumulative_transactions",
    "holdout_by_frequency",
    "holdout_errors",
]


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
    check_choice(freq, "freq", tuple(TIME_UNITS))
    cal_end, hold_end = _day(calibration_end, "calibration_end"), _day(holdout_end, "holdout_end")
    if hold_end <= cal_end:
        raise ValueError(f"holdout_end ({holdout_end}) must be after calibration_end "
                         f"({calibration_end})")
    unit = TIME_UNITS[freq]
    # the per-customer-day table (retention_lib.analysis.summary.customer_days): customers as
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
