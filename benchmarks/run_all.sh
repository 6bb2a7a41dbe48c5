#!/usr/bin/env bash
# Every benchmark of benchmarks/, one command:  benchmarks/run_all.sh [--quick]
#
#   --quick   small sizes only (minutes, not hours): summary at 1M and 5M transactions,
#             CLV at 100k and 500k customers, the report on the sample (not at 20M).
# Environment: PYTHON (default .venv/bin/python), BENCH_CACHE (generated data, default
# ~/.cache/retention-bench; 20M transactions need 1.36M generated customers: ~20 minutes and
# ~3 GB the first time). Results go to benchmarks/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
CACHE="${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/retention-bench}"

if [ "${1:-}" = "--quick" ]; then
  SUMMARY_SIZES=(1M 5M)
  CLV_SIZES=(100000 500000)
else
  SUMMARY_SIZES=(1M 5M 20M)
  CLV_SIZES=(100000 500000 2000000)
fi

echo "== summary at scale: ${SUMMARY_SIZES[*]} transactions"
"$PYTHON" benchmarks/summary_scale.py --sizes "${SUMMARY_SIZES[@]}" --cache "$CACHE"

if [ -f benchmarks/clv_weighted.py ]; then
  echo "== CLV stage: ${CLV_SIZES[*]} customers"
  "$PYTHON" benchmarks/clv_weighted.py --sizes "${CLV_SIZES[@]}"
fi

if [ -f benchmarks/report_sample.py ]; then
  echo "== retention report on the sample"
  "$PYTHON" benchmarks/report_sample.py --runs 3
fi

if [ "${1:-}" != "--quick" ]; then
  # the summary benchmark above generated (once) the 1.36M-customer folder: 21.1M
  # transactions, 37.3M contacts, 20.0M usage rows (4.7 GB of CSV)
  echo "== retention report at 20M transactions (all tables, all notebooks)"
  "$PYTHON" benchmarks/report_scale.py --data "$CACHE/sample_1360000" --runs 3
fi
