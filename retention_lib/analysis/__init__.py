"""The analyses: DataFrame in, DataFrame out.

The per-customer-day core (customer_days, day_table, pinned, _frames), the summary and its
Ibis engine (engine*), then RFM, tiers, churn, reasons, CLV, signals, back-test, win-back,
events, economics and contact discipline.
"""
