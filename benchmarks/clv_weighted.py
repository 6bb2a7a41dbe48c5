"""Benchmark: plain ``lifetimes`` BG/NBD + Gamma-Gamma fit vs our weighted fit.

Customer summaries of 100k, 500k and 2M customers are made by resampling the CDNOW
calibration summary (2,357 customers, weeks; recency, T and spend rounded to 0.01 as in the
summary shipped with lifetimes) with replacement, so the share of repeated
(frequency, recency, T) histories is that of a real base.  For each size:

* **plain**: ``BetaGeoFitter().fit(x, t_x, T)`` and ``GammaGammaFitter().fit(x, m)`` on the
  repeat buyers — one row per customer, as most ``lifetimes`` users do;
* **weighted**: :func:`retention_lib.analysis.clv.fit_clv` (unique histories with counts as weights,
  plus the input checks and the Gamma-Gamma exclusions).

``--jitter-days N`` moves each repeat buyer's last purchase by up to N days (uniformly,
kept within [1 day, T]) to mimic a base with more distinct histories than CDNOW's; the
speed-up shrinks as the number of distinct histories grows.

Each is timed ``--repeats`` times (default 3), the median wall time is reported with the
speed-up and the largest relative parameter difference.  Results go to
``benchmarks/results/clv_weighted.txt``.

Usage::

    .venv/bin/python benchmarks/clv_weighted.py                  # 100k, 500k, 2M
    .venv/bin/python benchmarks/clv_weighted.py --sizes 100000 500000 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoFitter, GammaGammaFitter

from retention_lib.analysis.clv import fit_clv
from retention_lib.analysis.clv_holdout import calibration_holdout_split
from retention_lib.data.cdnow import load_cdnow_transactions

RESULTS = Path(__file__).resolve().parent / "results" / "clv_weighted.txt"
DEFAULT_SIZES = (100_000, 500_000, 2_000_000)


def base_summary() -> pd.DataFrame:
    """CDNOW calibration summary (weeks), rounded to 0.01 like lifetimes' shipped CSV."""
    split = calibration_holdout_split(load_cdnow_transactions(sample=True),
                                      calibration_end="1997-09-30", holdout_end="1998-06-30")
    cols = {"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T",
            "monetary_value_cal": "monetary_value"}
    return split[list(cols)].rename(columns=cols).round(2)


def resample(base: pd.DataFrame, n: int, *, jitter_days: int = 0,
             seed: int = 20261031) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(base), size=n)
    out = base.iloc[rows].reset_index(drop=True)
    if jitter_days:
        rep = out["frequency"].to_numpy() > 0
        days = np.rint(out["recency"].to_numpy() * 7)
        shift = rng.integers(-jitter_days, jitter_days + 1, size=n)
        t_days = np.rint(out["T"].to_numpy() * 7)
        new = np.where(rep, np.clip(days + shift, 1, t_days), 0.0)
        out = out.assign(recency=np.round(new / 7, 4), T=np.round(t_days / 7, 4))
    out.index = pd.Index([f"c{i:07d}" for i in range(n)], name="customer_id")
    return out


def plain_fit(summary: pd.DataFrame) -> dict[str, float]:
    x = summary["frequency"].to_numpy(float)
    rec = summary["recency"].to_numpy(float)
    age = summary["T"].to_numpy(float)
    m = summary["monetary_value"].to_numpy(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bg = BetaGeoFitter().fit(x, rec, age)
        rep = (x > 0) & (m > 0)
        gg = GammaGammaFitter().fit(x[rep], m[rep])
    return {**bg.params_.to_dict(), **gg.params_.to_dict()}


def weighted_fit(summary: pd.DataFrame) -> dict[str, float]:
    model = fit_clv(summary, weighted=True)
    return {**model.bgnbd_params_, **model.gamma_gamma_params_}


def timed(fn, summary: pd.DataFrame, repeats: int) -> tuple[float, dict[str, float]]:
    times, params = [], {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        params = fn(summary)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jitter-days", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    base = base_summary()
    lines = [
        "CLV fit: plain lifetimes (one row per customer) vs weighted fit_clv (unique histories)",
        f"BG/NBD + Gamma-Gamma, CDNOW summary resampled (recency jitter "
        f"{args.jitter_days} days); median of {args.repeats} runs",
        f"python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d')}",
        "",
        f"{'customers':>10} {'histories':>10} {'plain s':>9} {'weighted s':>11} "
        f"{'speed-up':>9} {'max rel diff':>13}",
    ]
    print("\n".join(lines), flush=True)
    for n in args.sizes:
        summary = resample(base, n, jitter_days=args.jitter_days)
        histories = len(summary[["frequency", "recency", "T"]].drop_duplicates())
        t_plain, p_plain = timed(plain_fit, summary, args.repeats)
        t_w, p_w = timed(weighted_fit, summary, args.repeats)
        diff = max(abs(p_w[k] - p_plain[k]) / abs(p_plain[k]) for k in p_plain)
        line = (f"{n:>10,} {histories:>10,} {t_plain:>9.2f} {t_w:>11.2f} "
                f"{t_plain / t_w:>8.1f}x {diff:>13.1e}")
        print(line, flush=True)
        lines.append(line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
