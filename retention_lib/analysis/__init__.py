"""The analyses: DataFrame in, DataFrame out.

The per-customer-day core (summary, engine), then RFM, tiers, churn, reasons, CLV, signals,
back-test, win-back, events, economics and contact discipline.
"""
