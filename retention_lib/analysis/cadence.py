"""Contact cadence: who must be called or met, who is overdue, and who has been forgotten.

DESIGN.md rule 3 (contact cadence per tier) and rule 9 (never disappear). The functions chain::

    book = active_book(status, tiers=tiers, customers=customers)
    comp = compliance_table(contacts, book=book, as_of=as_of)
    compliance_summary(comp, by="manager")      # and by="tier"
    plan = contact_plan(comp, as_of=as_of, lost=never_disappear(...))
    compliance_metrics(comp, flagged_managers=[...])   # the metrics.json section

This module holds the book, the compliance table and its summaries; the required intervals
are in :mod:`~retention_lib.analysis.cadence_intervals`, the contacts checks in
:mod:`~retention_lib.analysis.contacts_log`, never disappear in
:mod:`~retention_lib.analysis.lost_contacts` and the plan in
:mod:`~retention_lib.analysis.contact_planning`.

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
    Optionally scaled by the customer's own purchase cycle
    (:func:`~retention_lib.analysis.cadence_intervals.required_intervals`).
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
matched to the book (:func:`id_positions`); last dates are ``numpy.maximum.at`` per book
row, counts ``numpy.bincount``; channels are normalized per distinct value. Sums keep
pandas' group sum over the rows in table order, so every figure is bit-identical to a
plain ``groupby`` by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config import DEFAULT_SETTINGS, CadenceRule
from ._discipline_inputs import as_date, manager_names, require_columns, string_ids
from .cadence_intervals import required_intervals
from .contacts_log import Contacts, check_contacts, last_date

__all__ = [
    "CALL_CHANNELS",
    "COMPLIANCE_COLUMNS",
    "MEETING_CHANNELS",
    "STATUSES",
    "TIER_ORDER",
    "active_book",
    "at_stake",
    "book_from",
    "compliance_metrics",
    "compliance_summary",
    "compliance_table",
    "worst_overdue",
]

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
    require_columns(status, ("status",), "status")
    active = status.loc[(status["status"] == "active").to_numpy(dtype=bool)]
    ids = string_ids(active.index)
    return book_from(ids, active, tiers=tiers, customers=customers)


def book_from(
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
        t = pd.Series(t.astype("string").to_numpy(), index=string_ids(t.index))
        tier = t.reindex(ids)
        if isinstance(tiers, pd.DataFrame) and "revenue" in tiers.columns:
            v = pd.Series(tiers["revenue"].to_numpy(dtype="float64", na_value=np.nan),
                          index=t.index)
            value = v.reindex(ids).fillna(0.0).astype("float64")
    tier = tier.fillna("C").astype("string")
    name = pd.Series(pd.NA, index=ids, dtype="string")
    manager = pd.Series(pd.NA, index=ids, dtype="string")
    if customers is not None and len(customers):
        require_columns(customers, ("customer_id",), "customers")
        c = customers.drop_duplicates("customer_id", keep="last")
        c = c.set_index(string_ids(c["customer_id"]))
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
            "manager": manager_names(manager),
            "first_purchase": first,
            "value": value,
        },
        index=ids,
    )



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
    as_of = as_date(as_of, "as_of")
    require_columns(book, ("name", "tier", "manager"), "book")
    cont = check_contacts(contacts, as_of)
    ids = string_ids(book.index)
    req = required_intervals(
        book.set_axis(ids), cadence=cadence, cycle=cycle, cycle_bounds=cycle_bounds
    )
    pos = cont.positions(ids)  # book row of each contact, -1 outside the book
    last = _last_contacts(cont, pos, ids, meeting_counts_as_call=meeting_counts_as_call)
    log_start = pd.Timestamp(cont.date.min()) if len(cont.date) else pd.NaT
    clock = _clock_start(book, ids, log_start, as_of)
    rules = _requirements(req, last, clock, as_of, due_soon_days=due_soon_days)
    attempts = _attempts(req, cont, pos, as_of, len(ids))
    out = _compliance_frame(book, ids, req, last, rules, attempts)
    out = _order(out)
    out.attrs = {"as_of": as_of, "due_soon_days": due_soon_days, "log_start": log_start}
    return out


def _last_contacts(
    cont: Contacts, pos: np.ndarray, ids: pd.Index, *, meeting_counts_as_call: bool
) -> dict[str, pd.Series]:
    """Last answered call and last answered meeting of every book customer (NaT = never)."""
    is_contact = cont.contact
    is_meeting = cont.is_channel(MEETING_CHANNELS) & is_contact
    is_call = cont.is_channel(CALL_CHANNELS) & is_contact
    if meeting_counts_as_call:
        is_call = is_call | is_meeting
    return {
        "call": pd.Series(last_date(pos, cont.date, is_call, len(ids)), index=ids),
        "meeting": pd.Series(last_date(pos, cont.date, is_meeting, len(ids)), index=ids),
    }


def _clock_start(
    book: pd.DataFrame, ids: pd.Index, log_start: pd.Timestamp, as_of: pd.Timestamp
) -> pd.Series:
    """When the clock of a never-met requirement starts: the later of the first purchase and
    the first date of the contact log."""
    if "first_purchase" in book.columns:
        first = pd.Series(book["first_purchase"].to_numpy(), index=ids).astype("datetime64[ns]")
    else:
        first = pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    clock = first if pd.isna(log_start) else first.where(first > log_start, log_start)
    return clock.fillna(as_of if pd.isna(log_start) else log_start)


@dataclass
class _Requirements:
    """Per book row: the call and meeting requirements checked at the report date."""

    since: dict[str, pd.Series]  # kind -> days since the last contact (NaN = never)
    kind_status: dict[str, np.ndarray]  # kind -> overdue/never/due soon/ok/""
    kind_over: dict[str, np.ndarray]  # kind -> days overdue of that requirement
    overdue: np.ndarray  # int64: the row's days overdue (max over its requirements)
    status: np.ndarray  # the row's status: overdue/due soon/ok


def _requirements(
    req: pd.DataFrame,
    last: dict[str, pd.Series],
    clock: pd.Series,
    as_of: pd.Timestamp,
    *,
    due_soon_days: int,
) -> _Requirements:
    """Status and days overdue of each requirement and of the row (module definitions)."""
    n = len(clock)
    overdue = np.zeros(n, dtype=np.int64)
    violated = np.zeros(n, dtype=bool)
    due_soon = np.zeros(n, dtype=bool)
    since: dict[str, pd.Series] = {}
    kind_status: dict[str, np.ndarray] = {}
    kind_over: dict[str, np.ndarray] = {}
    for kind in ("call", "meeting"):
        required = req[f"{kind}_required_days"].astype("Float64")
        days = (as_of - last[kind]).dt.days.astype("float64")
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
    return _Requirements(since, kind_status, kind_over, overdue, status)


def _attempts(
    req: pd.DataFrame, cont: Contacts, pos: np.ndarray, as_of: pd.Timestamp, n: int
) -> np.ndarray:
    """Unanswered rows of each book customer within their last required interval (int64)."""
    window = req["call_required_days"].fillna(req["meeting_required_days"])
    att = ~cont.contact & (pos >= 0)
    att_pos = pos[att]
    win = window.to_numpy(dtype="float64", na_value=0)[att_pos]
    age = (np.datetime64(as_of, "ns") - cont.date[att]).astype("timedelta64[D]")
    in_win = age.astype(np.int64).astype("float64") < win
    return np.bincount(att_pos[in_win], minlength=n).astype(np.int64)


def _compliance_frame(
    book: pd.DataFrame,
    ids: pd.Index,
    req: pd.DataFrame,
    last: dict[str, pd.Series],
    rules: _Requirements,
    attempts: np.ndarray,
) -> pd.DataFrame:
    """The compliance columns (:data:`COMPLIANCE_COLUMNS`) with their dtypes, book order."""
    out = pd.DataFrame(
        {
            "name": book["name"].astype("string").to_numpy(),
            "tier": book["tier"].astype("string").to_numpy(),
            "manager": manager_names(pd.Series(book["manager"].to_numpy(), index=ids)).to_numpy(),
            "last_call": last["call"].to_numpy(),
            "last_meeting": last["meeting"].to_numpy(),
            "days_since_call": rules.since["call"].to_numpy(),
            "days_since_meeting": rules.since["meeting"].to_numpy(),
            "call_required_days": req["call_required_days"].to_numpy(),
            "meeting_required_days": req["meeting_required_days"].to_numpy(),
            "days_overdue": rules.overdue,
            "status": rules.status,
            "attempts": attempts,
            "call_status": rules.kind_status["call"],
            "meeting_status": rules.kind_status["meeting"],
            "call_days_overdue": rules.kind_over["call"],
            "meeting_days_overdue": rules.kind_over["meeting"],
            "value": (book["value"].to_numpy(dtype="float64") if "value" in book.columns
                      else np.zeros(len(ids))),
        },
        index=ids,
    )
    for col in ("name", "tier", "manager", "status", "call_status", "meeting_status"):
        out[col] = out[col].astype("string")
    for col in ("call_required_days", "meeting_required_days"):
        out[col] = out[col].astype("Int64")
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
