"""Contact cadence: who must be called or met, who is overdue, and who has been forgotten.

DESIGN.md rule 3 (contact cadence per tier) and rule 9 (never disappear). The functions chain::

    book = active_book(status, tiers=tiers, customers=customers)
    comp = compliance_table(contacts, book=book, as_of=as_of)
    compliance_summary(comp, by="manager")      # and by="tier"
    plan = contact_plan(comp, as_of=as_of, lost=never_disappear(...))
    compliance_metrics(comp, flagged_managers=[...])   # the metrics.json section

Definitions
-----------
Contact / attempt
    A contacts row with ``answered == False`` is an **attempt**, not a contact: it never
    satisfies a requirement and is counted in the ``attempts`` column instead. ``answered``
    missing (NA) or ``True`` counts as a contact (a logged meeting without the flag happened).
    Direction (outbound/inbound) does not matter: an inbound call is a conversation too.
Call requirement
    Satisfied by a contact with channel ``call`` (and, only when
    ``meeting_counts_as_call=True``, also by a meeting or visit). Emails and messages never
    satisfy a cadence requirement of an active customer.
Meeting requirement
    Satisfied by a contact with channel ``meeting`` or ``visit``.
Required interval
    ``Settings.cadence[tier]``: ``call_days`` / ``meeting_days`` (``None``: no requirement).
    Optionally scaled by the customer's own purchase cycle (:func:`required_intervals`).
days_overdue
    Per requirement ``max(0, days_since - required)``; the row's ``days_overdue`` is the
    maximum over its requirements whose last contact is known.
Never (calls and meetings apart)
    A customer **never** contacted through a required channel is timed from the later of
    their first purchase and the first date of the contact log (the log cannot show
    contacts before it starts). When more than the required interval has passed since that
    clock start, the requirement's status is ``never`` ("no meeting yet", "never called"):
    a violation, but *not* a number of days overdue (counting from the start of the log
    would report 1,003 days for a customer called two days ago and never met). Each
    requirement has its own status (``call_status``, ``meeting_status``: ``overdue``,
    ``never``, ``due soon``, ``ok``, ``""`` without a rule) and days overdue
    (``call_days_overdue``, ``meeting_days_overdue``; 0 for ``never``).
Status
    ``overdue`` when some requirement is ``overdue`` or ``never``; else ``due soon`` when some
    requirement falls due
    within ``due_soon_days`` (``0 <= required - days_since <= due_soon_days``, boundary
    inclusive; with the default 7 days every VIP call is always due soon, which is true: the
    next call is due within the week); else ``ok``. *Within cadence* = not overdue.
Never disappear
    Lost customers must be contacted at least every ``cadence["lost"].call_days`` (default
    365) days; for them **any** answered contact counts (call, meeting, visit, email,
    message: the point is news or an offer, not a sales call).

The report reads these options from :class:`~retention_lib.config.Settings` (YAML
``contact_discipline:``): ``cadence_due_soon_days`` (7), ``cadence_scale_by_cycle`` (False),
``cadence_cycle_bounds`` ((0.5, 2.0)), ``meeting_counts_as_call`` (False).

Implementation (scale): contacts and transactions are never grouped or looked up by string
id row by row. Their ``customer_id`` column is factorized once and only the distinct ids are
matched to the book (:func:`_positions`); last dates are ``numpy.maximum.at`` per book
row, counts ``numpy.bincount``; channels are normalized per distinct value. Sums keep
pandas' group sum over the rows in table order, so every figure is bit-identical to a
plain ``groupby`` by id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config import DEFAULT_SETTINGS, CadenceRule
from ._churn_history import lost_revenue
from ._frames import day_number, money_key
from .customer_days import customer_day_table
from .shared import FrameMemo, text_codes

__all__ = [
    "CALL_CHANNELS",
    "COMPLIANCE_COLUMNS",
    "MEETING_CHANNELS",
    "PLAN_COLUMNS",
    "STATUSES",
    "TIER_ORDER",
    "UNASSIGNED",
    "active_book",
    "at_stake",
    "compliance_metrics",
    "compliance_summary",
    "compliance_table",
    "contact_plan",
    "contact_quality",
    "never_disappear",
    "purchase_cycle",
    "required_intervals",
    "spread_due_dates",
    "working_days",
    "worst_overdue",
]

UNASSIGNED = "unassigned"
TIER_ORDER: tuple[str, ...] = ("VIP", "A", "B", "C")
STATUSES: tuple[str, ...] = ("overdue", "due soon", "ok")
CALL_CHANNELS: tuple[str, ...] = ("call",)
MEETING_CHANNELS: tuple[str, ...] = ("meeting", "visit")

#: Output columns of :func:`compliance_table`, in order.
COMPLIANCE_COLUMNS: tuple[str, ...] = (
    "name", "tier", "manager", "last_call", "last_meeting", "days_since_call",
    "days_since_meeting", "call_required_days", "meeting_required_days", "days_overdue",
    "status", "attempts", "call_status", "meeting_status", "call_days_overdue",
    "meeting_days_overdue", "value",
)
#: Output columns of :func:`contact_plan`, in order.
PLAN_COLUMNS: tuple[str, ...] = (
    "manager", "customer_id", "name", "tier", "action", "due_by", "days_overdue",
    "last_done", "every_days", "status", "value", "priority",
)

_BOOK_COLUMNS = ("name", "tier", "manager", "first_purchase")


# --------------------------------------------------------------------------- helpers
def _ts(value: Any, name: str) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        raise ValueError(f"{name} must be a date, got {value!r}")
    return ts.normalize()


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(
            f"{name} lacks column(s) {missing}; required: {list(columns)}, "
            f"found: {list(frame.columns)}"
        )


def _str_index(values: Iterable[Any]) -> pd.Index:
    """Customer ids as a ``string`` Index named ``customer_id`` (``str(v)`` of each value).

    Values that already have a string dtype are converted without a Python-level loop.
    """
    if isinstance(getattr(values, "dtype", None), pd.StringDtype):
        return pd.Index(pd.array(values, dtype="string"), name="customer_id")
    return pd.Index(pd.array([str(v) for v in values], dtype="string"), name="customer_id")


def _isin(values: pd.Series, allowed: pd.Index) -> np.ndarray:
    """``values.astype("string").isin(allowed)`` as a bool array, without Python loops.

    pandas' ``isin`` on arrow strings builds a Python scalar per allowed value; this passes
    the allowed values to the same ``pyarrow.compute.is_in`` as one array.
    """
    s = values.astype("string")
    allowed = pd.Index(pd.array(allowed, dtype="string"))
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(s.array)
        found = pc.is_in(arr, value_set=pa.array(allowed.array).cast(arr.type))
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
    except (ImportError, TypeError, ValueError, NotImplementedError):  # python storage
        return s.isin(allowed).to_numpy(dtype=bool)


def _positions(values: pd.Series, ids: pd.Index) -> np.ndarray:
    """Position in ``ids`` (a unique ``string`` Index) of each value, -1 when absent or NA.

    The values are factorized once, so only their distinct ids are looked up.
    """
    codes, uniques = pd.factorize(values)
    return _coded_positions(codes, uniques, ids)


def _coded_positions(codes: np.ndarray, uniques: Any, ids: pd.Index) -> np.ndarray:
    """:func:`_positions` from a factorization ``(codes, uniques)`` of the values."""
    where = ids.get_indexer(_str_index(uniques))
    return np.where(codes >= 0, where[np.clip(codes, 0, None)] if len(where) else -1, -1)


#: Set-ups reused inside :func:`_shared_inputs` blocks: key -> (frame, result).
_SHARED = FrameMemo("retention_lib_cadence_shared_inputs")


@contextmanager
def _shared_inputs() -> Iterator[None]:
    """Within the block, the same frame objects are checked and factorized once.

    :func:`retention_lib.pages.discipline.build_contact_discipline` runs :func:`compliance_table`,
    :func:`never_disappear`, :func:`contact_quality` and the funnel on the same
    ``contacts`` / ``transactions`` objects; inside this block the contacts check
    (:func:`_check_contacts`) and the factorization of their ``customer_id`` columns (tens of
    millions of strings) are done once per frame. Results are identical. Frames are matched
    by identity and must not be modified inside the block; blocks nest (the outermost owns
    the memo); outside any block nothing is kept.
    """
    with _SHARED.block():
        yield


def _memo(frame: pd.DataFrame, what: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """``compute()``, remembered per ``frame`` object and ``what`` inside a
    :func:`_shared_inputs` block (computed every time outside one)."""
    return _SHARED.get(frame, what, compute)


def _factorized(frame: pd.DataFrame, column: str = "customer_id") -> tuple[np.ndarray, Any]:
    """``pd.factorize(frame[column])`` (codes in order of first appearance, distinct values);
    shared inside a :func:`_shared_inputs` block."""
    return _memo(frame, ("factorize", column), lambda: pd.factorize(frame[column]))


def _managers(values: pd.Series) -> pd.Series:
    """Missing/blank manager → ``"unassigned"`` (string dtype)."""
    out = values.astype("string").str.strip()
    return out.mask(out.isna() | (out == ""), UNASSIGNED).astype("string")


def _answered(contacts: pd.DataFrame) -> np.ndarray:
    """True where the row is a contact (answered True or NA), False for attempts."""
    if "answered" not in contacts.columns:
        return np.ones(len(contacts), dtype=bool)
    ans = contacts["answered"].astype("boolean")
    return ~(ans == False).to_numpy(dtype=bool, na_value=False)  # noqa: E712


@dataclass(frozen=True)
class _Contacts:
    """Checked contacts rows with a date, as arrays (row order of the table).

    ``id_codes`` / ``id_uniques`` are the factorized raw ids (looked up with
    :func:`_coded_positions`); ``channel`` is coded: ``channels`` are the distinct channels,
    stripped and lower-cased.
    """

    id_codes: np.ndarray  # code into id_uniques per row, -1 when missing
    id_uniques: Any  # distinct raw ids
    date: np.ndarray  # datetime64[ns], normalized to the day
    contact: np.ndarray  # bool: answered (a contact), False for attempts
    channel: np.ndarray  # int64 code into channels, -1 when missing
    channels: np.ndarray  # object: normalized channel names

    def is_channel(self, names: Sequence[str]) -> np.ndarray:
        hit = np.append(np.isin(self.channels, list(names)), False)  # code -1 -> False
        return hit[self.channel]

    def positions(self, ids: pd.Index) -> np.ndarray:
        """Position in ``ids`` (unique ``string`` Index) of each row's customer, -1 if none."""
        return _coded_positions(self.id_codes, self.id_uniques, ids)


def _check_contacts(contacts: pd.DataFrame, as_of: pd.Timestamp) -> _Contacts:
    """Checked, coded contacts (:class:`_Contacts`); once per frame and date inside a
    :func:`_shared_inputs` block."""
    return _memo(contacts, ("check", as_of), lambda: _check_contacts_now(contacts, as_of))


def _check_contacts_now(contacts: pd.DataFrame, as_of: pd.Timestamp) -> _Contacts:
    _require(contacts, ("customer_id", "date", "channel"), "contacts")
    later = (contacts["date"] > as_of).to_numpy(dtype=bool, na_value=False)
    if later.any():
        rows = np.flatnonzero(later)[:5].tolist()
        raise ValueError(
            f"contacts: {int(later.sum())} row(s) dated after as_of={as_of.date()} "
            f"(first rows {rows}); contacts after the report date are an error"
        )
    date = pd.to_datetime(contacts["date"]).dt.normalize().to_numpy(dtype="datetime64[ns]")
    keep = ~np.isnat(date)
    codes, uniques = text_codes(contacts["channel"])
    channels = (
        pd.Series(pd.array(uniques, dtype="string")).str.strip().str.lower()
        .to_numpy(dtype=object, na_value="")
    )
    id_codes, id_uniques = _factorized(contacts)
    return _Contacts(
        id_codes=np.asarray(id_codes)[keep],
        id_uniques=id_uniques,
        date=date[keep],
        contact=_answered(contacts)[keep],
        channel=codes[keep].astype(np.int64),
        channels=channels,
    )


def _last_date(pos: np.ndarray, date: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Latest ``date`` (datetime64[ns]) per position 0..n-1 over the rows of ``mask``."""
    m = mask & (pos >= 0)
    out = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)  # NaT
    np.maximum.at(out, pos[m], date[m].astype(np.int64))
    return out.view("datetime64[ns]")


# --------------------------------------------------------------------------- the book
def active_book(
    status: pd.DataFrame,
    *,
    tiers: pd.DataFrame | pd.Series | None,
    customers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The book of active customers: who they are, their tier and responsible manager.

    Parameters
    ----------
    status
        :func:`retention_lib.analysis.churn.customer_status` output: index ``customer_id``, columns
        ``status`` (``"active"``/``"lost"``) and ``first_purchase`` (datetime64, optional).
    tiers
        :func:`retention_lib.analysis.tiers.value_tiers` output (index ``customer_id``, column
        ``tier``) or the tier Series itself. An active customer without a tier (e.g. net
        revenue <= 0 in the tier window) is tier ``"C"``; ``None`` puts everyone in ``"C"``.
        Its ``revenue`` column, when present, is the customer's ``value``.
    customers
        Optional ``customers`` table: ``customer_id``, ``name``, ``manager``. The manager
        there is the *responsible* manager; missing or blank → ``"unassigned"``. Missing name
        → the customer id.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string), the active customers in ``status`` order. Columns
        ``name``, ``tier``, ``manager`` (string), ``first_purchase`` (datetime64[ns], NaT
        when ``status`` lacks it) and ``value`` (float64: the tier window's net revenue from
        ``tiers["revenue"]``, 0 without it).
    """
    _require(status, ("status",), "status")
    active = status.loc[(status["status"] == "active").to_numpy(dtype=bool)]
    ids = _str_index(active.index)
    return _book_from(ids, active, tiers=tiers, customers=customers)


def _book_from(
    ids: pd.Index,
    status: pd.DataFrame,
    *,
    tiers: pd.DataFrame | pd.Series | None,
    customers: pd.DataFrame | None,
) -> pd.DataFrame:
    value = pd.Series(0.0, index=ids, dtype="float64")
    if tiers is None:
        tier = pd.Series(pd.NA, index=ids, dtype="string")
    else:
        t = tiers["tier"] if isinstance(tiers, pd.DataFrame) else tiers
        t = pd.Series(t.astype("string").to_numpy(), index=_str_index(t.index))
        tier = t.reindex(ids)
        if isinstance(tiers, pd.DataFrame) and "revenue" in tiers.columns:
            v = pd.Series(tiers["revenue"].to_numpy(dtype="float64", na_value=np.nan),
                          index=t.index)
            value = v.reindex(ids).fillna(0.0).astype("float64")
    tier = tier.fillna("C").astype("string")
    name = pd.Series(pd.NA, index=ids, dtype="string")
    manager = pd.Series(pd.NA, index=ids, dtype="string")
    if customers is not None and len(customers):
        _require(customers, ("customer_id",), "customers")
        c = customers.drop_duplicates("customer_id", keep="last")
        c = c.set_index(_str_index(c["customer_id"]))
        if "name" in c.columns:
            name = c["name"].astype("string").reindex(ids)
        if "manager" in c.columns:
            manager = c["manager"].astype("string").reindex(ids)
    name = name.fillna(pd.Series(ids.astype(str), index=ids, dtype="string"))
    first = (
        pd.Series(status["first_purchase"].to_numpy(), index=ids).astype("datetime64[ns]")
        if "first_purchase" in status.columns
        else pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    )
    return pd.DataFrame(
        {
            "name": name.astype("string"),
            "tier": tier,
            "manager": _managers(manager),
            "first_purchase": first,
            "value": value,
        },
        index=ids,
    )


# --------------------------------------------------------------------------- intervals
def purchase_cycle(transactions: pd.DataFrame, *, as_of: Any) -> pd.Series:
    """Each customer's typical purchase interval: the median gap between purchase days.

    Parameters
    ----------
    transactions
        ``customer_id``, ``date``, ``amount``. A purchase day is a day with a row of
        ``amount > 0`` on or before ``as_of``.

    Returns
    -------
    pandas.Series
        float64 days, index ``customer_id`` (string), name ``cycle_days``; NaN for customers
        with fewer than two purchase days.
    """
    _require(transactions, ("customer_id", "date", "amount"), "transactions")
    as_of = _ts(as_of, "as_of")
    # the purchase days of the per-customer-day table
    # (retention_lib.analysis.summary.customer_days),
    # sorted by customer then day: gaps are differences of neighbours
    days = customer_day_table(transactions)
    keep = days.bought & (days.day <= day_number(as_of))
    code, day = days.code[keep], days.day[keep]
    buyers = np.unique(code)  # sorted, as the ids
    same = code[1:] == code[:-1]
    gap = pd.Series(np.diff(day)[same].astype(np.float64))
    med = gap.groupby(np.searchsorted(buyers, code[1:][same])).median()
    values = np.full(len(buyers), np.nan)
    values[med.index.to_numpy(np.int64)] = med.to_numpy(np.float64)
    uniques = days.uniques
    ids = _str_index(uniques[buyers] if len(buyers) else uniques[:0])
    # ids of another dtype than strings sort differently as strings
    return pd.Series(values, index=ids, name="cycle_days").sort_index()


def required_intervals(
    book: pd.DataFrame,
    *,
    cadence: Mapping[str, CadenceRule] = DEFAULT_SETTINGS.cadence,
    cycle: pd.Series | None = None,
    cycle_bounds: tuple[float, float] = (0.5, 2.0),
) -> pd.DataFrame:
    """Required days between calls and between meetings for every customer of the book.

    Purchase-cycle scaling (off unless ``cycle`` is given): a customer who buys every
    ``c`` days, in a tier whose customers buy every ``m`` days (the median of the defined
    cycles of the tier), gets the factor ``f = clip(c / m, lo, hi)`` with
    ``(lo, hi) = cycle_bounds``, and ``required = max(1, round(base * f))``, i.e.
    ``clip(base * c / m, base * lo, base * hi)``. A weekly buyer in a tier of monthly buyers
    is called more often (down to half the base interval), a twice-a-year buyer less often
    (at most twice the base). Customers without a cycle (one purchase day) or in a tier
    without any cycle keep ``f = 1``.

    Parameters
    ----------
    book
        :func:`active_book` output (needs ``tier``).
    cadence
        Tier → :class:`~retention_lib.config.CadenceRule`. A tier missing from it has no
        requirement.
    cycle
        Optional :func:`purchase_cycle` output (days, index ``customer_id``).
    cycle_bounds
        ``(lo, hi)`` bounds of the factor, ``0 < lo <= 1 <= hi``.

    Returns
    -------
    pandas.DataFrame
        Index as ``book``. Columns ``call_required_days``, ``meeting_required_days`` (Int64,
        NA = no requirement) and ``cycle_factor`` (float64, 1.0 without scaling).
    """
    _require(book, ("tier",), "book")
    lo, hi = cycle_bounds
    if not 0 < lo <= 1 <= hi:
        raise ValueError(f"cycle_bounds must satisfy 0 < lo <= 1 <= hi, got {cycle_bounds}")
    tier = book["tier"].astype("string")
    factor = pd.Series(1.0, index=book.index)
    if cycle is not None:
        c = pd.Series(cycle.to_numpy(dtype="float64"), index=_str_index(cycle.index))
        c = c.reindex(book.index)
        med = c.groupby(tier.to_numpy()).transform("median")
        ratio = (c / med).where((med > 0) & c.notna(), 1.0)
        factor = ratio.clip(lo, hi).astype("float64")
    out = pd.DataFrame(index=book.index)
    codes, uniques = pd.factorize(tier)  # a handful of tiers: look each rule up once
    for kind in ("call", "meeting"):
        days = [getattr(cadence.get(t, CadenceRule()), f"{kind}_days") for t in uniques]
        days.append(getattr(cadence.get(pd.NA, CadenceRule()), f"{kind}_days"))  # code -1
        base = pd.Series(
            pd.array(days, dtype="Float64")[codes], index=book.index
        )
        req = (base * factor).round().clip(lower=1)
        out[f"{kind}_required_days"] = req.astype("Int64")
    out["cycle_factor"] = factor.to_numpy(dtype="float64")
    return out


# --------------------------------------------------------------------------- compliance
def compliance_table(
    contacts: pd.DataFrame,
    *,
    book: pd.DataFrame,
    as_of: Any,
    cadence: Mapping[str, CadenceRule] = DEFAULT_SETTINGS.cadence,
    due_soon_days: int = 7,
    cycle: pd.Series | None = None,
    cycle_bounds: tuple[float, float] = (0.5, 2.0),
    meeting_counts_as_call: bool = False,
) -> pd.DataFrame:
    """Cadence compliance of every active customer at ``as_of`` (see module definitions).

    Parameters
    ----------
    contacts
        ``customer_id``, ``date`` (datetime64), ``channel`` (call/meeting/email/visit/
        message); optional ``answered`` (nullable boolean). Rows for customers outside the
        book (lost, unknown) are ignored here; count them with :func:`contact_quality`.
    book
        :func:`active_book` output: index ``customer_id``; ``name``, ``tier``, ``manager``,
        ``first_purchase``.
    as_of
        Report date. A contact dated after it raises ``ValueError``.
    cadence
        Tier → required intervals (``Settings.cadence``).
    due_soon_days
        A requirement due within this many days (inclusive) makes the row ``due soon``.
    cycle, cycle_bounds
        Purchase-cycle scaling, see :func:`required_intervals` (off when ``cycle`` is None).
    meeting_counts_as_call
        Let a meeting or visit also satisfy the call requirement (default False: the
        practitioners' rule asks for calls and meetings separately).

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string), one row per book customer, ordered by tier
        (VIP, A, B, C, others), then overdue rows first, then money at stake
        (:func:`at_stake`) descending, then ``value`` descending, then customer id. Columns
        :data:`COMPLIANCE_COLUMNS`: ``name``, ``tier``, ``manager`` (string); ``last_call``,
        ``last_meeting`` (datetime64[ns], NaT = never); ``days_since_call``,
        ``days_since_meeting`` (float64, NaN = never); ``call_required_days``,
        ``meeting_required_days`` (Int64, NA = no requirement); ``days_overdue`` (int64);
        ``status`` (``"overdue"``/``"due soon"``/``"ok"``); ``attempts`` (int64: unanswered
        contacts of any channel in the last ``call_required_days`` — or
        ``meeting_required_days`` when there is no call rule — up to ``as_of``);
        ``call_status``, ``meeting_status`` (string: ``overdue``/``never``/``due soon``/
        ``ok``, ``""`` without a rule); ``call_days_overdue``, ``meeting_days_overdue``
        (int64, 0 unless ``overdue``); ``value`` (float64, the book's ``value``).
        ``attrs["as_of"]`` holds the report date.
    """
    as_of = _ts(as_of, "as_of")
    _require(book, ("name", "tier", "manager"), "book")
    cont = _check_contacts(contacts, as_of)
    ids = _str_index(book.index)
    req = required_intervals(
        book.set_axis(ids), cadence=cadence, cycle=cycle, cycle_bounds=cycle_bounds
    )
    is_contact = cont.contact
    is_meeting = cont.is_channel(MEETING_CHANNELS) & is_contact
    is_call = cont.is_channel(CALL_CHANNELS) & is_contact
    if meeting_counts_as_call:
        is_call = is_call | is_meeting
    pos = cont.positions(ids)  # book row of each contact, -1 outside the book
    last_call = pd.Series(_last_date(pos, cont.date, is_call, len(ids)), index=ids)
    last_meeting = pd.Series(_last_date(pos, cont.date, is_meeting, len(ids)), index=ids)

    log_start = pd.Timestamp(cont.date.min()) if len(cont.date) else pd.NaT
    if "first_purchase" in book.columns:
        first = pd.Series(book["first_purchase"].to_numpy(), index=ids).astype("datetime64[ns]")
    else:
        first = pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    clock = first if pd.isna(log_start) else first.where(first > log_start, log_start)
    clock = clock.fillna(as_of if pd.isna(log_start) else log_start)

    overdue = np.zeros(len(ids), dtype=np.int64)
    violated = np.zeros(len(ids), dtype=bool)
    due_soon = np.zeros(len(ids), dtype=bool)
    since: dict[str, pd.Series] = {}
    kind_status: dict[str, np.ndarray] = {}
    kind_over: dict[str, np.ndarray] = {}
    for kind, last in (("call", last_call), ("meeting", last_meeting)):
        required = req[f"{kind}_required_days"].astype("Float64")
        days = (as_of - last).dt.days.astype("float64")
        since[kind] = days
        never = days.isna().to_numpy()
        elapsed = days.fillna((as_of - clock).dt.days.astype("float64"))
        has_rule = required.notna().to_numpy()
        r = required.fillna(0).to_numpy(dtype="float64")
        e = elapsed.to_numpy(dtype="float64")
        late = has_rule & (e > r)
        # days overdue only where the last contact is known: a customer never contacted
        # through the channel is "never" (not N days counted from the start of the log)
        over = np.where(late & ~never, np.maximum(e - r, 0), 0).astype(np.int64)
        overdue = np.maximum(overdue, over)
        violated |= late
        left = r - e
        soon = has_rule & (left >= 0) & (left <= due_soon_days)
        due_soon |= soon
        kind_status[kind] = np.where(
            ~has_rule, "",
            np.where(late & never, "never",
                     np.where(late, "overdue", np.where(soon, "due soon", "ok"))))
        kind_over[kind] = np.where(late & ~never, over, 0)

    status = np.where(violated, "overdue", np.where(due_soon, "due soon", "ok"))

    # attempts: unanswered rows within the last required interval
    window = req["call_required_days"].fillna(req["meeting_required_days"])
    att = ~is_contact & (pos >= 0)
    att_pos = pos[att]
    win = window.to_numpy(dtype="float64", na_value=0)[att_pos]
    age = (np.datetime64(as_of, "ns") - cont.date[att]).astype("timedelta64[D]")
    in_win = age.astype(np.int64).astype("float64") < win
    attempts = np.bincount(att_pos[in_win], minlength=len(ids)).astype(np.int64)

    out = pd.DataFrame(
        {
            "name": book["name"].astype("string").to_numpy(),
            "tier": book["tier"].astype("string").to_numpy(),
            "manager": _managers(pd.Series(book["manager"].to_numpy(), index=ids)).to_numpy(),
            "last_call": last_call.to_numpy(),
            "last_meeting": last_meeting.to_numpy(),
            "days_since_call": since["call"].to_numpy(),
            "days_since_meeting": since["meeting"].to_numpy(),
            "call_required_days": req["call_required_days"].to_numpy(),
            "meeting_required_days": req["meeting_required_days"].to_numpy(),
            "days_overdue": overdue,
            "status": status,
            "attempts": attempts,
            "call_status": kind_status["call"],
            "meeting_status": kind_status["meeting"],
            "call_days_overdue": kind_over["call"],
            "meeting_days_overdue": kind_over["meeting"],
            "value": (book["value"].to_numpy(dtype="float64") if "value" in book.columns
                      else np.zeros(len(ids))),
        },
        index=ids,
    )
    for col in ("name", "tier", "manager", "status", "call_status", "meeting_status"):
        out[col] = out[col].astype("string")
    for col in ("call_required_days", "meeting_required_days"):
        out[col] = out[col].astype("Int64")
    out = _order(out)
    out.attrs = {"as_of": as_of, "due_soon_days": due_soon_days, "log_start": log_start}
    return out


def _tier_rank(tier: pd.Series) -> np.ndarray:
    rank = {t: i for i, t in enumerate(TIER_ORDER)}
    return np.array([rank.get(t, len(TIER_ORDER)) for t in tier.astype(object)], dtype=int)


def at_stake(comp: pd.DataFrame) -> np.ndarray:
    """Money at stake of each compliance row: ``max(value, 0) * days_overdue`` (float64).

    ``value`` is the customer's net revenue over the tier window and ``days_overdue`` the
    days past the requirement with a known last contact, so a €60,000 customer ten days late
    (600,000) comes before a €500 customer a hundred days late (50,000). A requirement that
    was never met adds nothing here (status ``never``, ordered by value after the rows with
    money at stake, see :func:`worst_overdue`).
    """
    value = (comp["value"].to_numpy(dtype="float64", na_value=0.0) if "value" in comp.columns
             else np.zeros(len(comp)))
    return np.clip(np.nan_to_num(value), 0, None) * comp["days_overdue"].to_numpy(
        dtype="float64")


def _money_order(comp: pd.DataFrame) -> np.ndarray:
    """Row order: tier (VIP, A, B, C), violations first, money at stake, value, id."""
    value = (comp["value"].to_numpy(dtype="float64", na_value=0.0) if "value" in comp.columns
             else np.zeros(len(comp)))
    violated = (comp["status"].astype(object) == "overdue").to_numpy(dtype=bool)
    return np.lexsort((
        np.asarray(comp.index.astype(str)),
        -comp["days_overdue"].to_numpy(dtype="float64"),
        -np.nan_to_num(value),
        -at_stake(comp),
        ~violated,
        _tier_rank(comp["tier"]),
    ))


def _order(comp: pd.DataFrame) -> pd.DataFrame:
    return comp.iloc[_money_order(comp)]


# --------------------------------------------------------------------------- summaries
def worst_overdue(
    compliance: pd.DataFrame, *, tiers: Sequence[str] = ("VIP", "A"), n: int | None = 10
) -> pd.DataFrame:
    """The overdue customers of the given tiers, by money at stake, VIP first.

    Returns
    -------
    pandas.DataFrame
        Rows of ``compliance`` (same index and columns) with ``status == "overdue"`` and
        ``tier`` in ``tiers``, ordered by tier (VIP, A, B, C), then money at stake
        (:func:`at_stake`: value x days overdue) descending, then value descending (a
        customer with a requirement never met and no other delay has nothing at stake and
        comes after those that have, biggest first), then days overdue, then id; at most
        ``n`` rows (all when ``n`` is None).
    """
    sel = compliance.loc[
        (compliance["status"] == "overdue").to_numpy(dtype=bool)
        & compliance["tier"].isin(list(tiers)).to_numpy(dtype=bool)
    ]
    sel = sel.iloc[_money_order(sel)]
    return sel if n is None else sel.head(n)


def _delay_text(row: Any) -> str:
    """``"12 d"``, or ``"never met"`` / ``"never called"`` when only a never-met
    requirement is violated (English codes, as in ``metrics.json``)."""
    if int(row.days_overdue) > 0:
        return f"{int(row.days_overdue)} d"
    if getattr(row, "meeting_status", "") == "never":
        return "never met"
    if getattr(row, "call_status", "") == "never":
        return "never called"
    return "0 d"


def compliance_summary(
    compliance: pd.DataFrame,
    *,
    by: str = "manager",
    worst_tiers: Sequence[str] = ("VIP", "A"),
    worst_n: int = 3,
) -> pd.DataFrame:
    """Cadence compliance per manager or per tier.

    Parameters
    ----------
    compliance
        :func:`compliance_table` output.
    by
        ``"manager"`` or ``"tier"``.
    worst_tiers, worst_n
        Which overdue customers to name in ``worst_overdue`` and how many per group.

    Returns
    -------
    pandas.DataFrame
        Index ``by`` (string): managers ordered by ``share_within`` ascending (worst first),
        then name; tiers in the order VIP, A, B, C. Columns ``customers``,
        ``within_cadence`` (not overdue), ``due_soon``, ``overdue``, ``attempts`` (int64),
        ``share_within`` (float64, within_cadence / customers), ``worst_overdue`` (string:
        ``"name (tier, N d)"`` of the ``worst_n`` most overdue customers of
        ``worst_tiers``, ``"; "``-separated, empty when none).
    """
    if by not in ("manager", "tier"):
        raise ValueError(f"by={by!r} is not supported; choose one of ['manager', 'tier']")
    c = compliance
    status = c["status"].astype(object)
    frame = pd.DataFrame(
        {
            "key": c[by].astype(object).to_numpy(),
            "customers": 1,
            "within_cadence": (status != "overdue").to_numpy(dtype=np.int64),
            "due_soon": (status == "due soon").to_numpy(dtype=np.int64),
            "overdue": (status == "overdue").to_numpy(dtype=np.int64),
            "attempts": c["attempts"].to_numpy(dtype=np.int64),
        }
    )
    out = frame.groupby("key", sort=True).sum()
    out = out.astype(np.int64)
    out["share_within"] = (out["within_cadence"] / out["customers"]).astype("float64")
    worst = worst_overdue(c, tiers=worst_tiers, n=None)
    texts: dict[str, str] = {}
    for key, grp in worst.groupby(worst[by].astype(object), sort=False):
        texts[key] = "; ".join(
            f"{r.name} ({r.tier}, {_delay_text(r)})"
            for r in grp.head(worst_n).itertuples()
        )
    out["worst_overdue"] = pd.array(
        [texts.get(k, "") for k in out.index], dtype="string"
    )
    if by == "tier":
        out = out.iloc[np.argsort(_tier_rank(pd.Series(out.index)), kind="stable")]
    else:
        order = np.lexsort((out.index.astype(str), out["share_within"].to_numpy()))
        out = out.iloc[order]
    out.index = pd.Index(pd.array(out.index.astype(str), dtype="string"), name=by)
    return out


def compliance_metrics(
    compliance: pd.DataFrame, *, flagged_managers: Iterable[str] = ()
) -> dict[str, Any]:
    """The ``compliance`` section of ``metrics.json`` (JSON-serialisable).

    Returns
    -------
    dict
        ``{"overall": {...}, "by_manager": {manager: {...}}, "flagged_managers": [...]}``
        where each ``{...}`` is ``customers``, ``within_cadence``, ``overdue`` (int) and
        ``share_within`` (float or None when there are no customers).
    """

    def block(customers: int, within: int, overdue: int) -> dict[str, Any]:
        return {
            "customers": int(customers),
            "within_cadence": int(within),
            "overdue": int(overdue),
            "share_within": (within / customers) if customers else None,
        }

    n = len(compliance)
    over = int((compliance["status"] == "overdue").sum())
    by_manager: dict[str, Any] = {}
    if n:
        summ = compliance_summary(compliance, by="manager")
        for m, row in summ.sort_index().iterrows():
            by_manager[str(m)] = block(row["customers"], row["within_cadence"], row["overdue"])
    return {
        "overall": block(n, n - over, over),
        "by_manager": by_manager,
        "flagged_managers": sorted(str(m) for m in flagged_managers),
    }


# --------------------------------------------------------------------------- never disappear
def never_disappear(
    contacts: pd.DataFrame | None,
    *,
    status: pd.DataFrame,
    transactions: pd.DataFrame,
    as_of: Any,
    customers: pd.DataFrame | None = None,
    lost_days: int | None = None,
    cadence: Mapping[str, CadenceRule] = DEFAULT_SETTINGS.cadence,
) -> pd.DataFrame:
    """Lost customers whom nobody has contacted within the "lost" cadence.

    Parameters
    ----------
    contacts
        Contacts table (``customer_id``, ``date``, ``channel``, optional ``answered``), or
        None (then every lost customer is listed). Any answered contact counts.
    status
        :func:`retention_lib.analysis.churn.customer_status` output (``status``, ``lost_on``,
        ``last_purchase``).
    transactions
        ``customer_id``, ``date``, ``amount``: for the former value.
    as_of
        Report date.
    customers
        Optional ``customer_id``, ``name``, ``manager``.
    lost_days
        Required contact rhythm of lost customers; default ``cadence["lost"].call_days``
        (365), or 365 when that is not set.

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (string): lost customers with no answered contact in the last
        ``lost_days`` days up to ``as_of``, ordered by ``former_value`` descending, then id.
        Columns ``name``, ``manager`` (string), ``last_purchase``, ``lost_on``,
        ``last_contact`` (datetime64[ns], NaT = never), ``days_since_contact`` (float64, NaN
        = never), ``due_by`` (datetime64[ns]: ``last_contact + lost_days``, or ``as_of``
        when never contacted), ``former_value`` (float64: net revenue in the 365 days up to
        and including the last purchase, the ARCHITECTURE "lost revenue").
    """
    as_of = _ts(as_of, "as_of")
    _require(status, ("status",), "status")
    if lost_days is None:
        rule = cadence.get("lost")
        lost_days = rule.call_days if rule is not None and rule.call_days else 365
    lost = status.loc[(status["status"] == "lost").to_numpy(dtype=bool)]
    ids = _str_index(lost.index)
    book = _book_from(ids, lost, tiers=None, customers=customers)
    if contacts is not None and len(contacts):
        cont = _check_contacts(contacts, as_of)
        pos = cont.positions(ids)
        last_contact = pd.Series(_last_date(pos, cont.date, cont.contact, len(ids)), index=ids)
    else:
        last_contact = pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    days = (as_of - last_contact).dt.days.astype("float64")
    forgotten = (days.isna() | (days > lost_days)).to_numpy(dtype=bool)

    _require(transactions, ("customer_id", "date", "amount"), "transactions")
    if "last_purchase" in lost.columns:
        last_p = pd.Series(lost["last_purchase"].to_numpy(), index=ids).astype("datetime64[ns]")
    else:  # the last transaction day on or before as_of, from the per-customer-day table
        tdays = customer_day_table(transactions)
        date_ok = tdays.day <= day_number(as_of)
        tpos = np.where(date_ok, _coded_positions(tdays.code, tdays.uniques, ids), -1)
        d = tdays.day.astype("datetime64[D]").astype("datetime64[ns]")
        last_p = pd.Series(_last_date(tpos, d, date_ok, len(ids)), index=ids)
    # the ARCHITECTURE "lost revenue", as churn.lost_customers reads it
    former = pd.Series(lost_revenue(transactions, customers, ids, last_p.to_numpy()), index=ids)
    lost_on = (
        pd.Series(lost["lost_on"].to_numpy(), index=ids).astype("datetime64[ns]")
        if "lost_on" in lost.columns
        else pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    )
    due = (last_contact + pd.Timedelta(days=lost_days)).fillna(as_of)
    out = pd.DataFrame(
        {
            "name": book["name"],
            "manager": book["manager"],
            "last_purchase": last_p,
            "lost_on": lost_on,
            "last_contact": last_contact,
            "days_since_contact": days,
            "due_by": due.astype("datetime64[ns]"),
            "former_value": former.astype("float64"),
        },
        index=ids,
    ).loc[forgotten]
    order = np.lexsort((out.index.astype(str), -money_key(out["former_value"])))
    out = out.iloc[order]
    out.attrs = {"as_of": as_of, "lost_days": int(lost_days)}
    return out


# --------------------------------------------------------------------------- plan
def working_days(start: Any, end: Any, *, holidays: Iterable[Any] = ()) -> pd.DatetimeIndex:
    """Monday-to-Friday days from ``start`` to ``end`` (both included), without ``holidays``.

    Returns
    -------
    pandas.DatetimeIndex
        The working days in order (empty when ``end < start``).
    """
    days = pd.bdate_range(_ts(start, "start"), _ts(end, "end"))
    if holidays:
        days = days.difference(pd.DatetimeIndex([_ts(h, "holiday") for h in holidays]))
    return pd.DatetimeIndex(days)


def spread_due_dates(
    plan: pd.DataFrame,
    *,
    start: Any,
    end: Any,
    spread_days: int = 10,
    holidays: Iterable[Any] = (),
) -> pd.Series:
    """Working-day due dates for a contact plan, the backlog spread over the first days.

    Rules, per manager (``plan`` rows in their priority order, as :func:`contact_plan`
    orders them before scheduling):

    * a task due on ``start`` (the backlog: overdue, never done, or due on the period's first
      day) is spread evenly over the first ``W = min(spread_days, working days)`` working
      days: the k-th of the manager's ``B`` backlog tasks (k = 0, 1, ...) is due on working
      day ``floor(k * W / B)`` -- the most valuable first, about ``B / W`` a day;
    * any other task is due on its date when that is a working day; a day off moves to the
      nearest working day, the earlier one on a tie (Saturday -> Friday, Sunday -> Monday, so
      Fridays do not collect the whole weekend), within the period.

    Parameters
    ----------
    plan
        Needs ``manager`` and ``due_by`` (datetime64).
    start, end
        First and last day of the plan period.
    spread_days
        Working days over which the backlog is spread (default 10: two weeks).
    holidays
        Days that are not working days.

    Returns
    -------
    pandas.Series
        datetime64[ns], index as ``plan``: the scheduled due date of every row, always a
        working day between ``start`` and ``end`` (when the period has one).
    """
    start, end = _ts(start, "start"), _ts(end, "end")
    if spread_days < 1:
        raise ValueError(f"spread_days must be >= 1, got {spread_days}")
    wdays = working_days(start, end, holidays=holidays)
    due = pd.to_datetime(plan["due_by"]).dt.normalize()
    if len(wdays) == 0 or len(plan) == 0:
        return due.astype("datetime64[ns]")
    wd = wdays.to_numpy(dtype="datetime64[ns]")
    d = due.to_numpy(dtype="datetime64[ns]")
    # the nearest working day (the earlier on a tie), within the period's working days
    after = np.clip(np.searchsorted(wd, d, side="left"), 0, len(wd) - 1)
    before = np.clip(np.searchsorted(wd, d, side="right") - 1, 0, len(wd) - 1)
    gap_before = np.abs(d - wd[before])
    gap_after = np.abs(wd[after] - d)
    out = np.where(gap_after < gap_before, wd[after], wd[before])
    backlog = d <= np.datetime64(start, "ns")
    width = min(int(spread_days), len(wd))
    managers = plan["manager"].astype(object).fillna(UNASSIGNED).to_numpy()
    for m in pd.unique(managers[backlog]):
        rows = np.flatnonzero(backlog & (managers == m))
        k = np.arange(len(rows))
        out[rows] = wd[(k * width) // len(rows)]
    return pd.Series(out, index=plan.index, dtype="datetime64[ns]")


def contact_plan(
    compliance: pd.DataFrame,
    *,
    as_of: Any | None = None,
    period_end: Any | None = None,
    lost: pd.DataFrame | None = None,
    spread_days: int | None = 10,
    holidays: Iterable[Any] = (),
) -> pd.DataFrame:
    """Who must be called or met by when in the next period, per manager.

    For each requirement of each customer the natural due date is ``last + required``
    (never contacted: due at once). Requirements due on or before ``period_end`` are listed,
    one row per customer and action; a VIP called weekly appears once, with
    ``every_days = 7`` saying how often to repeat. Lost customers from
    :func:`never_disappear` whose ``due_by`` falls in the period are added with tier
    ``"lost"`` and action ``"keep in touch"``.

    Due dates are working days (:func:`spread_due_dates`): what is overdue, never done or
    due on the first day is spread over the first ``spread_days`` working days of the
    period, the most valuable first (keep-in-touch contacts of lost customers, due once a
    year, over all the period's working days), and a day off moves to the nearest working
    day (Saturday to Friday, Sunday to Monday). With
    ``spread_days=None`` the natural dates are kept (overdue: the period's first day).

    Parameters
    ----------
    compliance
        :func:`compliance_table` output.
    as_of
        Report date (default ``compliance.attrs["as_of"]``).
    period_end
        Last day of the plan period (default: the same day one month after ``as_of``;
        with a month-end ``as_of``, the end of the next month).
    lost
        Optional :func:`never_disappear` output.
    spread_days, holidays
        Scheduling on working days (see above).

    Returns
    -------
    pandas.DataFrame
        RangeIndex; columns :data:`PLAN_COLUMNS`: ``manager``, ``customer_id``, ``name``,
        ``tier``, ``action`` (``"call"``/``"meeting"``/``"keep in touch"``; string),
        ``due_by`` (datetime64[ns]), ``days_overdue`` (int64, of that requirement; 0 when it
        was never done), ``last_done`` (datetime64[ns], NaT = never), ``every_days``
        (Int64), ``status`` (string: ``"overdue"``, ``"never"`` -- no such contact in the
        log, past the required interval --, or ``"due"``), ``value`` (float64: the
        customer's tier-window revenue; for lost customers their former value), ``priority``
        (int64: 1, 2, ... per manager and action in the order tier, money at stake, value,
        id -- the order the backlog is scheduled in). Ordered by
        manager, ``due_by``, tier (VIP, A, B, C, lost), money at stake (value x days
        overdue) descending, value descending, customer id. A customer counted overdue on
        the compliance page has at least one ``overdue`` or ``never`` row here.
    """
    if as_of is None:
        as_of = compliance.attrs.get("as_of")
        if as_of is None:
            raise ValueError("contact_plan needs as_of (compliance.attrs has none)")
    as_of = _ts(as_of, "as_of")
    if period_end is None:
        end = as_of + pd.offsets.MonthEnd(1) if as_of.is_month_end else as_of + pd.DateOffset(
            months=1
        )
        period_end = pd.Timestamp(end)
    period_end = _ts(period_end, "period_end")
    first_day = as_of + pd.Timedelta(days=1)
    parts = []
    value_all = (compliance["value"].to_numpy(dtype="float64", na_value=0.0)
                 if "value" in compliance.columns else np.zeros(len(compliance)))
    for kind, last_col in (("call", "last_call"), ("meeting", "last_meeting")):
        req = compliance[f"{kind}_required_days"].astype("Float64")
        has = req.notna().to_numpy()
        sub = compliance.loc[has]
        r = req[has].astype("float64")
        last = sub[last_col]
        due = last + pd.to_timedelta(r.to_numpy(), unit="D")
        over = (as_of - due).dt.days
        due = due.fillna(first_day).where(due > as_of, first_day)
        over = over.fillna(0).clip(lower=0).astype(np.int64)
        col = f"{kind}_status"
        kstat = (sub[col].astype(object).to_numpy() if col in sub.columns
                 else np.where(over > 0, "overdue", ""))
        status = np.where(kstat == "never", "never",
                          np.where(over.to_numpy() > 0, "overdue", "due"))
        part = pd.DataFrame(
            {
                "manager": sub["manager"].to_numpy(),
                "customer_id": sub.index.astype(str),
                "name": sub["name"].to_numpy(),
                "tier": sub["tier"].to_numpy(),
                "action": kind,
                "due_by": due.to_numpy(),
                "days_overdue": over.to_numpy(),
                "last_done": last.to_numpy(),
                "every_days": r.to_numpy(),
                "status": status,
                "value": value_all[has],
            }
        )
        parts.append(part.loc[(part["due_by"] <= period_end).to_numpy()])
    if lost is not None and len(lost):
        lost_days = int(lost.attrs.get("lost_days", 365))
        due = lost["due_by"].where(lost["due_by"] > as_of, first_day)
        over = ((lost["days_since_contact"] - lost_days).clip(lower=0).fillna(0)
                .to_numpy(dtype=np.int64))
        part = pd.DataFrame(
            {
                "manager": _managers(lost["manager"]).to_numpy(),
                "customer_id": lost.index.astype(str),
                "name": lost["name"].to_numpy(),
                "tier": "lost",
                "action": "keep in touch",
                "due_by": due.to_numpy(),
                "days_overdue": over,
                "last_done": lost["last_contact"].to_numpy(),
                "every_days": float(lost_days),
                "status": np.where(lost["last_contact"].isna().to_numpy(), "never",
                                   np.where(over > 0, "overdue", "due")),
                "value": lost["former_value"].to_numpy(dtype="float64", na_value=0.0),
            }
        )
        parts.append(part.loc[(part["due_by"] <= period_end).to_numpy()])
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty_plan()
    plan = pd.concat(parts, ignore_index=True)
    for col in ("manager", "customer_id", "name", "tier", "action", "status"):
        plan[col] = plan[col].astype("string")
    plan["due_by"] = plan["due_by"].astype("datetime64[ns]")
    plan["last_done"] = plan["last_done"].astype("datetime64[ns]")
    plan["every_days"] = plan["every_days"].round().astype("Int64")
    plan["days_overdue"] = plan["days_overdue"].astype(np.int64)
    plan["value"] = plan["value"].astype("float64")
    rank = {t: i for i, t in enumerate((*TIER_ORDER, "lost"))}
    tcodes, tiers = pd.factorize(plan["tier"])
    tr = np.array([rank.get(t, len(rank)) for t in tiers] + [len(rank)])[tcodes]
    value = np.nan_to_num(plan["value"].to_numpy(dtype="float64"))
    stake = np.clip(value, 0, None) * plan["days_overdue"].to_numpy(dtype="float64")
    mgr = _sort_codes(plan["manager"])
    cid = _sort_codes(plan["customer_id"])
    # priority order (manager, tier, money at stake, value, id) for the scheduling ...
    plan = plan.iloc[np.lexsort((cid, -value, -stake, tr, mgr))].reset_index(drop=True)
    plan["priority"] = (plan.groupby(["manager", "action"], sort=False).cumcount() + 1
                        ).astype(np.int64)
    if spread_days is not None:
        plan["due_by"] = spread_due_dates(plan, start=first_day, end=period_end,
                                          spread_days=spread_days, holidays=holidays)
        lost_rows = (plan["action"] == "keep in touch").to_numpy(dtype=bool)
        if lost_rows.any():  # a yearly contact: its backlog over the whole period
            plan.loc[lost_rows, "due_by"] = spread_due_dates(
                plan.loc[lost_rows], start=first_day, end=period_end,
                spread_days=max(len(working_days(first_day, period_end, holidays=holidays)),
                                1),
                holidays=holidays).to_numpy()
    # ... then by date within each manager, priority kept within a day
    order = np.lexsort((np.arange(len(plan)), plan["due_by"].to_numpy(),
                        _sort_codes(plan["manager"])))
    plan = plan.iloc[order].reset_index(drop=True)
    plan.attrs = {"as_of": as_of, "period_end": period_end,
                  "spread_days": spread_days}
    return plan[list(PLAN_COLUMNS)]


def _sort_codes(values: pd.Series) -> np.ndarray:
    """Integer codes that sort like the (non-missing) string values: a cheap lexsort key."""
    return pd.factorize(values, sort=True)[0]


def _empty_plan() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "manager": pd.array([], dtype="string"),
            "customer_id": pd.array([], dtype="string"),
            "name": pd.array([], dtype="string"),
            "tier": pd.array([], dtype="string"),
            "action": pd.array([], dtype="string"),
            "due_by": pd.Series([], dtype="datetime64[ns]"),
            "days_overdue": pd.Series([], dtype=np.int64),
            "last_done": pd.Series([], dtype="datetime64[ns]"),
            "every_days": pd.array([], dtype="Int64"),
            "status": pd.array([], dtype="string"),
            "value": pd.Series([], dtype="float64"),
            "priority": pd.Series([], dtype=np.int64),
        }
    )


# --------------------------------------------------------------------------- data quality
def contact_quality(contacts: pd.DataFrame, *, known_customers: Iterable[Any]) -> dict[str, int]:
    """Counts of contacts rows the analyses cannot attribute, for the data-quality section.

    Parameters
    ----------
    contacts
        The contacts table.
    known_customers
        Every known customer id (the ``customers`` table and/or the transactions).

    Returns
    -------
    dict
        ``rows`` (all rows), ``attempts`` (``answered == False``), ``unknown_customer``
        (rows whose ``customer_id`` is not known; kept out of compliance), ``no_manager``
        (rows without a manager or with ``"unassigned"``; a contacts table without a
        ``manager`` column counts every row).
    """
    _require(contacts, ("customer_id",), "contacts")
    known = _str_index(known_customers)
    unknown = ~_isin(contacts["customer_id"], known)
    if "manager" in contacts.columns:
        no_manager = _count_unassigned(contacts["manager"])
    else:
        no_manager = len(contacts)
    return {
        "rows": int(len(contacts)),
        "attempts": int((~_answered(contacts)).sum()),
        "unknown_customer": int(unknown.sum()),
        "no_manager": no_manager,
    }


def _count_unassigned(values: pd.Series) -> int:
    """``(_managers(values) == "unassigned").sum()``, normalising each distinct value once.

    On arrow-backed strings the rows are counted per distinct value (``value_counts``, no
    new string per row) and only the distinct values are stripped; other dtypes take the
    plain path.
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):  # rows counted per category code
        codes, distinct = text_codes(values)
        n = np.bincount(codes + 1, minlength=len(distinct) + 1)
        hit = (_managers(pd.Series(distinct)) == UNASSIGNED).to_numpy(dtype=bool)
        return int(n[0] + n[1:][hit].sum())  # missing is unassigned too
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        try:
            import pyarrow as pa
            import pyarrow.compute as pc

            arr = values.array._pa_array
            counts = pc.value_counts(arr if isinstance(arr, pa.ChunkedArray)
                                     else pa.chunked_array([arr]))
            distinct = counts.field("values")
            n = counts.field("counts").to_numpy(zero_copy_only=False).astype(np.int64)
            normal = _managers(pd.Series(pd.array(distinct, dtype=dtype)))
            hit = (normal == UNASSIGNED).to_numpy(dtype=bool)
            return int(n[hit].sum())
        except (AttributeError, ImportError, TypeError, ValueError):  # pragma: no cover
            pass
    return int((_managers(values) == UNASSIGNED).sum())
