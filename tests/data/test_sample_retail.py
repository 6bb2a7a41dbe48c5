"""Tests of retention_lib.data.sample_retail: the generated retail export."""

from __future__ import annotations

import pandas as pd

from retention_lib.data.sample_retail import retail_export


def test_retail_export_shape():
    frame = retail_export(customers=40, seed=7)
    assert list(frame.columns) == ["InvoiceNo", "StockCode", "Description", "Quantity",
                                   "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
    dates = pd.to_datetime(frame["InvoiceDate"], format="%m/%d/%Y %H:%M")
    assert dates.min().normalize() == pd.Timestamp("2010-12-01")
    assert dates.max().normalize() == pd.Timestamp("2011-12-09")
    blank = frame["CustomerID"].eq("")
    assert 0.15 < blank.mean() < 0.35
    assert frame.loc[~blank, "CustomerID"].str.fullmatch(r"\d+\.0").all()
    cancel = frame["InvoiceNo"].str.startswith("C")
    assert cancel.any() and frame.loc[cancel, "Quantity"].astype(int).lt(0).all()
    assert frame.duplicated().sum() == 3
    assert frame.assign(day=dates.dt.normalize()).drop(columns="InvoiceDate").duplicated(
    ).sum() == 6  # three more lines repeat at another time of the same day
    assert frame["Description"].str.contains("É").any()
    assert retail_export(customers=40, seed=7).equals(frame)
