"""A retailer's invoice-line export as people have it (shaped like the public "Online
Retail" file: no amount column, US dates, ids written as decimals, blank ids, Latin-1), and
the settings that load it unchanged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "RETAIL_EXPORT_CONFIG",
    "retail_export",
    "write_retail_export",
]


#: The YAML settings that make :func:`retail_export`'s file load unchanged (``retention
#: validate --config``): its columns mapped, its CSV options, its blank ids left out.
RETAIL_EXPORT_CONFIG: dict[str, object] = {
    "columns": {"transactions": {
        "InvoiceNo": "order_id", "InvoiceDate": "date", "Quantity": "quantity",
        "UnitPrice": "unit_price", "CustomerID": "customer_id",
    }},
    "csv": {"encoding": "latin-1", "date_format": "%m/%d/%Y %H:%M"},
    "missing_customer_id": "exclude",
}


_RETAIL_ITEMS: tuple[tuple[str, str, float], ...] = (
    ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 2.55),
    ("71053", "WHITE METAL LANTERN", 3.39),
    ("84406B", "CREAM CUPID HEARTS COAT HANGER", 2.75),
    ("22752", "SET 7 BABUSHKA NESTING BOXES", 7.65),
    ("21730", "GLASS STAR FROSTED T-LIGHT HOLDER", 4.25),
    ("22633", "HAND WARMER UNION JACK", 1.85),
    ("84879", "ASSORTED COLOUR BIRD ORNAMENT", 1.69),
    ("22960", "JAM MAKING SET WITH JARS", 4.25),
    ("21754", "HOME BUILDING BLOCK WORD", 5.95),
    ("23084", "RABBIT NIGHT LIGHT", 2.08),
    ("47566", "PARTY BUNTING", 4.95),
    ("20725", "LUNCH BAG RED RETROSPOT", 1.65),
    ("22197", "POPCORN HOLDER", 0.85),
    ("85099B", "JUMBO BAG RED RETROSPOT", 2.08),
    ("23166", "MEDIUM CERAMIC TOP STORAGE JAR", 1.25),
    ("21212", "PACK OF 72 RETROSPOT CAKE CASES", 0.55),
    ("22423", "REGENCY CAKESTAND 3 TIER", 12.75),
    ("79321", "CHILLI LIGHTS", 5.75),
    ("22086", "PAPER CHAIN KIT 50'S CHRISTMAS", 2.95),
    ("90214", "CRÈME BRÛLÉE DISH SET", 8.50),
    ("90215", "CAFÉ AU LAIT BOWL", 3.75),
    ("90216", "PÂTÉ TERRINE, FAÏENCE", 6.95),
    ("90217", "JARDINIÈRE « SOLEIL »", 9.95),
    ("90218", "SMÖRGÅSBORD TRAY", 4.50),
)


_RETAIL_COUNTRIES: tuple[str, ...] = (
    "United Kingdom", "United Kingdom", "United Kingdom", "United Kingdom", "France",
    "Germany", "EIRE", "Spain", "Netherlands", "Belgium", "Switzerland", "Portugal",
)


def _us_datetime(stamps: pd.Series) -> pd.Series:
    """``12/1/2010 8:26``: month/day/year, no leading zeros but in the minutes."""
    return (stamps.dt.month.astype(str) + "/" + stamps.dt.day.astype(str) + "/"
            + stamps.dt.year.astype(str) + " " + stamps.dt.hour.astype(str) + ":"
            + stamps.dt.minute.astype(str).str.zfill(2))


def retail_export(*, customers: int = 300, seed: int = 20111209, end: str = "2011-12-09",
                  blank_share: float = 0.25) -> pd.DataFrame:
    """A retailer's invoice-line export as people have it (shaped like the public "Online
    Retail" file): a year of lines ending on ``end`` (the 9th of a month by default), no
    amount column, US dates, ids written as decimals, blank ids, Latin-1 text.

    The model: each customer (ids from 12346 up) places invoices at a gamma-distributed
    rate from their first day until the data end, 1 to 10 lines each, from a catalogue of
    24 items (some with Latin-1 letters: ``CRÈME BRÛLÉE DISH SET``); about 3 % of the
    invoices are followed by a cancellation (``C<invoice>``, the same lines with negative
    quantities, a few days later).  Guest invoices without a customer id are added until
    they are ``blank_share`` of the lines.  Three lines are repeated exactly (an export
    artefact), and three lines are repeated with a later time of day on the same day (not
    duplicates).  The same arguments give the same frame.

    Parameters
    ----------
    customers
        Number of registered customers (at least 10).
    seed
        Seed of ``numpy.random.default_rng``.
    end
        Last day of the data; the data start on the first of the month a year before
        (``2011-12-09`` → ``2010-12-01``, as the public file).
    blank_share
        Share of the lines without a customer id (0 ≤ share < 1).

    Returns
    -------
    pandas.DataFrame
        RangeIndex, one row per invoice line in invoice order, every column ``str`` as the
        file holds it: ``InvoiceNo`` (``536365``; ``C536379`` for a cancellation),
        ``StockCode``, ``Description``, ``Quantity`` (negative for a cancellation),
        ``InvoiceDate`` (``12/1/2010 8:26``), ``UnitPrice`` (``2.55``), ``CustomerID``
        (``17850.0``, empty for a guest), ``Country``.  Write it with
        ``encoding="latin-1"``; load it with :data:`RETAIL_EXPORT_CONFIG`.
    """
    if customers < 10:
        raise ValueError(f"customers must be at least 10, got {customers}")
    if not 0 <= blank_share < 1:
        raise ValueError(f"blank_share must be in [0, 1), got {blank_share}")
    rng = np.random.default_rng(seed)
    last = pd.Timestamp(end).normalize()
    first = (last - pd.DateOffset(years=1)).replace(day=1)
    days = (last - first).days + 1
    inv = _invoices(rng, customers, days, blank_share)
    lines = _invoice_lines(rng, inv, days)
    stamp = first + pd.to_timedelta(lines["day"], unit="D") + pd.to_timedelta(
        lines["minute"], unit="min")
    cid = lines["cid"].map(lambda v: "" if np.isnan(v) else f"{v:.1f}")
    return pd.DataFrame({
        "InvoiceNo": np.where(lines["cancel"], "C", "") + lines["no"].astype(str),
        "StockCode": lines["code"].astype(str),
        "Description": lines["desc"].astype(str),
        "Quantity": lines["qty"].astype(str),
        "InvoiceDate": _us_datetime(stamp),
        "UnitPrice": lines["price"].map(lambda v: f"{v:.2f}"),
        "CustomerID": cid,
        "Country": lines["country"].astype(str),
    }).astype(str)


def _invoices(rng: np.random.Generator, customers: int, days: int,
              blank_share: float) -> pd.DataFrame:
    """One row per invoice in time order: customer id as a float (``NaN`` for a guest),
    country, day, minute and invoice number."""
    ids = 12346 + np.arange(customers) * 7 + rng.integers(0, 7, customers)
    country = rng.choice(np.array(_RETAIL_COUNTRIES), customers)
    start = np.where(rng.random(customers) < 0.6, 0, rng.integers(0, days, customers))
    rate = rng.gamma(1.2, 12.0, customers) / 365.0  # invoices a day
    n_inv = rng.poisson(rate * (days - start)) + (start > 0)  # a newcomer buys at once
    owner = np.repeat(np.arange(customers), n_inv)
    day = start[owner] + (rng.random(len(owner)) * (days - start[owner])).astype(int)
    has = n_inv > 0
    day[np.r_[0, np.cumsum(n_inv)[:-1]][has]] = start[has]  # each one's first invoice
    registered = pd.DataFrame({"cid": ids[owner].astype(float), "country": country[owner],
                               "day": day})
    # guest invoices have the same number of lines on average as registered ones
    n_guest = int(round(blank_share / (1 - blank_share) * len(registered)))
    guests = pd.DataFrame({"cid": np.full(n_guest, np.nan),
                           "country": rng.choice(np.array(_RETAIL_COUNTRIES), n_guest),
                           "day": rng.integers(0, days, n_guest)})
    inv = pd.concat([registered, guests], ignore_index=True)
    inv["minute"] = rng.integers(8 * 60, 18 * 60, len(inv))
    inv = inv.sort_values(["day", "minute"], kind="stable").reset_index(drop=True)
    inv["no"] = 536365 + np.arange(len(inv))
    return inv


def _invoice_lines(rng: np.random.Generator, inv: pd.DataFrame, days: int) -> pd.DataFrame:
    """The invoices' lines (items, prices, quantities), with cancellations and the export's
    repeated lines, in time order."""
    n_lines = rng.poisson(5.5, len(inv)).clip(1, 10)
    lines = inv.loc[inv.index.repeat(n_lines)].reset_index(drop=True)
    within = np.arange(len(lines)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    base = np.repeat(rng.integers(0, len(_RETAIL_ITEMS), len(inv)), n_lines)
    item = (base + 5 * within) % len(_RETAIL_ITEMS)  # distinct items within an invoice
    lines["code"] = [_RETAIL_ITEMS[i][0] for i in item]
    lines["desc"] = [_RETAIL_ITEMS[i][1] for i in item]
    lines["price"] = [_RETAIL_ITEMS[i][2] for i in item]
    lines["qty"] = rng.choice(np.array([1, 2, 3, 4, 6, 8, 10, 12, 24]), len(lines))
    lines["cancel"] = False
    # cancellations: some registered invoices are returned a few days later (same year)
    back = inv.loc[inv["cid"].notna() & (rng.random(len(inv)) < 0.03), ["no"]]
    undo = lines[lines["no"].isin(back["no"])].copy()
    undo["qty"] = -undo["qty"]
    undo["cancel"] = True
    undo["day"] = np.minimum(undo["day"] + 3, days - 1)
    lines = pd.concat([lines, undo], ignore_index=True)
    # export artefacts: three lines twice exactly, three lines again later the same day
    pick = rng.choice(len(lines), 6, replace=False)
    again = lines.iloc[pick[:3]].copy()
    later = lines.iloc[pick[3:]].copy()
    later["minute"] = np.minimum(later["minute"] + 7, 24 * 60 - 1)
    lines = pd.concat([lines, again, later], ignore_index=True)
    lines = lines.sort_values(["day", "minute", "no"], kind="stable").reset_index(drop=True)
    return lines


def write_retail_export(out: str | Path, **kwargs: object) -> Path:
    """Write :func:`retail_export` as ``out/transactions.csv`` (Latin-1, ``\\r\\n`` as the
    public file) and its settings as ``out/retention.yaml``; returns the YAML's path.

    ``kwargs`` go to :func:`retail_export`.  ``retention validate --data out --config
    out/retention.yaml`` then passes with no other step.
    """
    import yaml

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frame = retail_export(**kwargs)  # type: ignore[arg-type]
    frame.to_csv(out / "transactions.csv", index=False, encoding="latin-1",
                 lineterminator="\r\n")
    config = out / "retention.yaml"
    config.write_text(yaml.safe_dump(RETAIL_EXPORT_CONFIG, sort_keys=False, allow_unicode=True),
                      encoding="utf-8")
    return config
