"""CDNOW, the classic CLV data set, in our data contract.

``lifetimes`` ships ``CDNOW_master.txt``: every purchase from January 1997 to June 1998 of
the 23,570 customers who made their first purchase at the online music retailer CDNOW in the
first quarter of 1997 (one row per purchase: customer id, date, number of CDs, dollar value).
``CDNOW_sample.txt`` holds the 1/10 sample of 2,357 customers used in the papers of Fader,
Hardie & Lee, with the same master ids.

Recipe (end to end, real data)::

    retention sample --cdnow --out data/cdnow      # transactions.csv, customers.csv, config.yaml
    retention report --data data/cdnow --config data/cdnow/config.yaml   # period 1998-06

or, in Python, ``load_cdnow_transactions()`` returns the transactions table directly.

Decisions
---------
* ``customer_id`` is the five-digit master id as a string (``"00001"``), both for the full
  data and for the sample, so the sample is a subset of the master.
* ``order_id`` is ``"<customer_id>-<line>"`` (line number in the source file): CDNOW has
  exact repeats of a purchase on the same day (same customer, CDs and amount) that are real
  separate purchases; the order id keeps the loader from dropping them as duplicates.
* ``quantity`` is the number of CDs; ``amount`` the dollar value (float64; CDNOW has a few
  rows with amount 0, kept).
* ``customers.csv`` is minimal: ``customer_id``, ``name`` (``"CDNOW 00001"``: no English
  word, so a Russian or Ukrainian report stays in its language) and ``signup_date`` (the
  first purchase day); there is no manager (the loader shows ``"unassigned"``).
* ``config.yaml`` (:data:`CDNOW_CONFIG`) sets the company name and the currency (US dollars);
  without it a report shows the default company and currency.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["CDNOW_CONFIG", "CDNOW_FILES", "load_cdnow_transactions", "write_cdnow"]

#: Source files inside the ``lifetimes`` package.
CDNOW_FILES = {"master": "CDNOW_master.txt", "sample": "CDNOW_sample.txt"}
#: Settings written next to the tables as ``config.yaml`` (``retention report --config``).
CDNOW_CONFIG = "# retention report --data <this folder> --config <this folder>/config.yaml\n" \
    "company_name: CDNOW\ncurrency: USD\n"


def _source(name: str) -> Path:
    # find_spec locates the package without importing it: analysis/clv_fitters.py is the only
    # module that imports lifetimes.
    spec = find_spec("lifetimes")
    roots = list(spec.submodule_search_locations or []) if spec else []
    path = Path(roots[0] if roots else ".") / "datasets" / name
    if not path.is_file():
        raise FileNotFoundError(f"{name} not found in the lifetimes package ({path}); "
                                "reinstall lifetimes==0.11.3")
    return path


def load_cdnow_transactions(*, sample: bool = False) -> pd.DataFrame:
    """CDNOW purchases as a ``transactions`` table of the data contract.

    Parameters
    ----------
    sample
        ``False``: the full master file (69,659 rows, 23,570 customers); ``True``: the 1/10
        sample of the papers (6,919 rows, 2,357 customers).

    Returns
    -------
    pandas.DataFrame
        RangeIndex, one row per source line, in file order. Columns: ``customer_id``
        (string, five digits), ``date`` (datetime64[ns], midnight), ``amount`` (float64,
        dollars), ``quantity`` (float64, CDs), ``order_id`` (string,
        ``"<customer_id>-<line>"``).
    """
    name = CDNOW_FILES["sample" if sample else "master"]
    names = (["customer_id", "sample_id", "date", "quantity", "amount"] if sample
             else ["customer_id", "date", "quantity", "amount"])
    first_line = 1 if sample else 2  # the master file has a header line
    raw = pd.read_csv(_source(name), sep=r"\s+", header=None, names=names,
                      skiprows=first_line - 1, dtype={"customer_id": str, "date": str})
    ids = raw["customer_id"].astype("string")
    line = pd.Series(np.arange(first_line, len(raw) + first_line), index=raw.index)
    line = line.astype("string")
    return pd.DataFrame({
        "customer_id": ids,
        "date": pd.to_datetime(raw["date"], format="%Y%m%d").astype("datetime64[ns]"),
        "amount": raw["amount"].astype(np.float64),
        "quantity": raw["quantity"].astype(np.float64),
        "order_id": ids + "-" + line,
    })


def write_cdnow(out: str | Path, *, sample: bool = False) -> dict[str, int]:
    """Write CDNOW as ``transactions.csv``, ``customers.csv`` and ``config.yaml`` into ``out``.

    Parameters
    ----------
    out
        Folder to write into (created if needed; existing files of the same name are
        replaced).
    sample
        Write the 2,357-customer sample instead of the full data.

    Returns
    -------
    dict[str, int]
        Rows written per table: ``{"transactions": ..., "customers": ...}``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tx = load_cdnow_transactions(sample=sample)
    customers = (
        tx.groupby("customer_id", sort=True)["date"].min().rename("signup_date").reset_index()
    )
    customers.insert(1, "name", "CDNOW " + customers["customer_id"])
    tx_out = tx[["order_id", "customer_id", "date", "amount", "quantity"]].assign(
        date=tx["date"].dt.strftime("%Y-%m-%d"))
    customers = customers.assign(signup_date=customers["signup_date"].dt.strftime("%Y-%m-%d"))
    tx_out.to_csv(out / "transactions.csv", index=False)
    customers.to_csv(out / "customers.csv", index=False)
    (out / "config.yaml").write_text(CDNOW_CONFIG, encoding="utf-8")
    return {"transactions": len(tx_out), "customers": len(customers)}
