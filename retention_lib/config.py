"""Settings: every default of the product in one object, overridable from a YAML file.

Analysis functions take the values they need as keyword arguments whose defaults come from
:data:`DEFAULT_SETTINGS`; the notebooks and the runner build a :class:`Settings` with
:func:`load_settings` and pass the values on.  Analysis functions never read paths.

YAML layout (every key optional)::

    company_name: Acme Distribution
    language: en            # en | ru | uk
    currency: EUR
    lapse_days: 365
    churn_thresholds: {normal_max: 0.10, critical_min: 0.20}
    tiers: {window_days: 365, a_share: 0.80, b_share: 0.95, vip_share: 0.05, vip_ids: []}
    xyz: {x_max: 0.5, y_max: 1.0}
    cadence:
      VIP: {call_days: 7, meeting_days: 30}
      A: {call_days: 14, meeting_days: 90}
      B: {call_days: 30}
      C: {call_days: 182}
      lost: {call_days: 365}
    contact_discipline:    # contact-discipline report (cadence, funnel, manager fit)
      due_soon_days: 7            # a requirement due within N days is "due soon"
      scale_by_cycle: false       # scale cadence by the customer's own purchase interval
      cycle_bounds: [0.5, 2.0]    # bounds of that scaling factor (0 < lo <= 1 <= hi)
      meeting_counts_as_call: false   # a meeting/visit also satisfies the call rhythm
      regular_months: 6           # funnel "regular": purchases in N of the last 12 months
      expansion_factor: 1.5       # funnel "expanded": N x first-year revenue
      key_tiers: [VIP, A]         # funnel "key account" tiers (and overdue key accounts)
      manager_fit_alpha: 0.05     # significance level of the manager-fit binomial test
    reasons:               # extra keywords per reason category (added to the defaults)
      price: ["too expensive for us"]
    csv:                   # how CSV files are read
      sep: ","               # default: sniffed from the header line
      decimal: "."
      encoding: "utf-8"      # e.g. latin-1, cp1251
      date_format: "%m/%d/%Y %H:%M"   # strftime pattern of text dates; default: ISO
                             # (YYYY-MM-DD[ HH:MM[:SS]]) or DD.MM.YYYY; never guessed
    missing_customer_id: error   # error | exclude: lines without a customer id are left
                                 # out (counted, with their net amount) instead of an error
    columns:               # map *your* column names to the contract's names, per table
      transactions: {Client: customer_id, InvoiceDate: date, Total: amount}
      # no amount column: amount = quantity x unit_price
      # transactions: {CustomerID: customer_id, Quantity: quantity, UnitPrice: unit_price}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "CadenceRule",
    "ConfigError",
    "CsvOptions",
    "DEFAULT_SETTINGS",
    "Settings",
    "load_settings",
]

LANGUAGES = ("en", "ru", "uk")
#: Values of the ``missing_customer_id`` key.
MISSING_ID_RULES = ("error", "exclude")


class ConfigError(ValueError):
    """A configuration file or value is invalid; the message names the file and the key."""


@dataclass(frozen=True, kw_only=True)
class CadenceRule:
    """Maximum days between contacts for one tier (``None``: no requirement)."""

    call_days: int | None = None
    meeting_days: int | None = None


def _default_cadence() -> dict[str, CadenceRule]:
    return {
        "VIP": CadenceRule(call_days=7, meeting_days=30),
        "A": CadenceRule(call_days=14, meeting_days=90),
        "B": CadenceRule(call_days=30),
        "C": CadenceRule(call_days=182),
        "lost": CadenceRule(call_days=365),
    }


@dataclass(frozen=True, kw_only=True)
class CsvOptions:
    """How CSV files are read.

    Attributes
    ----------
    sep
        Field separator; ``None`` sniffs it from the header line.
    decimal
        Decimal mark of numbers (``"."`` or ``","``).
    encoding
        Text encoding (``"utf-8"`` reads UTF-8 with or without BOM; ``"latin-1"``,
        ``"cp1251"``, ...).
    date_format
        ``strftime`` pattern of the text dates of every date column (e.g.
        ``"%m/%d/%Y %H:%M"`` for ``12/1/2010 8:26``): dates are parsed with it exactly and a
        value that does not match is an error.  ``None``: ISO dates (``YYYY-MM-DD`` with an
        optional time) and ``DD.MM.YYYY``; dates such as ``03/04/2010``, which could be
        day-first or month-first, are an error naming this option (never guessed).
    """

    sep: str | None = None
    decimal: str = "."
    encoding: str = "utf-8"
    date_format: str | None = None

    def __post_init__(self) -> None:
        if self.decimal not in (".", ","):
            raise ConfigError(f"csv.decimal must be '.' or ',', got {self.decimal!r}")
        if self.date_format is not None:
            if not isinstance(self.date_format, str) or "%" not in self.date_format:
                raise ConfigError(
                    "csv.date_format must be a strftime pattern such as '%m/%d/%Y %H:%M', "
                    f"got {self.date_format!r}"
                )
            try:
                import datetime as _dt

                _dt.datetime(2010, 12, 1, 8, 26).strftime(self.date_format)
            except ValueError as exc:
                raise ConfigError(
                    f"csv.date_format {self.date_format!r} is not a strftime pattern: {exc}"
                ) from None


@dataclass(frozen=True, kw_only=True)
class Settings:
    """All tunable defaults of retention_lib.

    Attributes
    ----------
    lapse_days
        A customer without a purchase for this many days is lost (unless ``churned_on``
        in ``customers`` says otherwise).
    churn_normal_max, churn_critical_min
        ``rate <= churn_normal_max`` is normal, ``rate >= churn_critical_min`` is critical,
        in between is a warning.
    tier_window_days, tier_a_share, tier_b_share, vip_share, vip_ids
        ABC value tiers: revenue over the trailing window; A up to ``tier_a_share`` of the
        cumulative revenue, B up to ``tier_b_share``; VIP = top ``vip_share`` of all revenue
        customers taken from A (or exactly ``vip_ids`` when given).
    xyz_x_max, xyz_y_max
        XYZ classes by coefficient of variation of monthly revenue.
    cadence
        Per tier (VIP/A/B/C/lost) maximum days between calls and meetings.
    cadence_due_soon_days
        A cadence requirement falling due within this many days (inclusive) is "due soon".
    cadence_scale_by_cycle, cadence_cycle_bounds
        Scale each customer's required intervals by their own median purchase interval
        relative to their tier's median, the factor clipped to ``(lo, hi)``
        (:func:`retention_lib.analysis.cadence_intervals.required_intervals`); off by
        default.
    meeting_counts_as_call
        Let a meeting or visit also satisfy the call requirement (default: calls and
        meetings are required separately, as the practitioners' rule says).
    funnel_regular_months, funnel_expansion_factor, key_tiers
        Development-funnel stages (:mod:`retention_lib.analysis.funnel`): "regular" = purchases in
        at
        least this many of the last 12 months; "expanded" = this multiple of the first
        year's revenue (or more categories); "key account" = a tier among ``key_tiers``
        (also the tiers of the "overdue key accounts" lists).
    manager_fit_alpha
        Significance level of the manager-fit one-sided binomial test
        (:func:`retention_lib.analysis.managers.manager_fit`).
    reason_keywords
        Extra keywords per reason category, merged with the built-in taxonomy.
    columns
        Per table, a mapping of source column name to contract column name.
    missing_customer_id
        ``"error"`` (default): a line without a customer id stops the run; ``"exclude"``:
        such lines are left out of every table (and so of every customer analysis), counted
        with their net amount as an exclusion (``Dataset.exclusions``, the data-quality
        section, ``metrics.json``).
    csv
        How CSV files are read (:class:`CsvOptions`).
    data_end
        The last day the data cover (YAML ``data_end: 2010-12-31``, CLI ``--data-end``),
        when it is not the last date present in the data (an export taken on the 1st whose
        last sale was the 29th); ``None``: the last date present
        (:attr:`retention_lib.data.io.Dataset.data_end`, :mod:`retention_lib.periods`).
    """

    # empty by default: a report on a company's own export never carries another name
    company_name: str = ""
    language: str = "en"
    currency: str = "EUR"
    lapse_days: int = 365
    churn_normal_max: float = 0.10
    churn_critical_min: float = 0.20
    tier_window_days: int = 365
    tier_a_share: float = 0.80
    tier_b_share: float = 0.95
    vip_share: float = 0.05
    vip_ids: tuple[str, ...] = ()
    xyz_x_max: float = 0.5
    xyz_y_max: float = 1.0
    cadence: Mapping[str, CadenceRule] = field(default_factory=_default_cadence)
    cadence_due_soon_days: int = 7
    cadence_scale_by_cycle: bool = False
    cadence_cycle_bounds: tuple[float, float] = (0.5, 2.0)
    meeting_counts_as_call: bool = False
    funnel_regular_months: int = 6
    funnel_expansion_factor: float = 1.5
    key_tiers: tuple[str, ...] = ("VIP", "A")
    manager_fit_alpha: float = 0.05
    reason_keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    csv: CsvOptions = field(default_factory=CsvOptions)
    missing_customer_id: str = "error"
    extra: Mapping[str, Any] = field(default_factory=dict)
    data_end: date | None = None

    def __post_init__(self) -> None:
        if self.data_end is not None:
            object.__setattr__(self, "data_end", _as_date(self.data_end, "data_end"))
        if self.language not in LANGUAGES:
            raise ConfigError(
                f"language {self.language!r} is not supported; choose one of {list(LANGUAGES)}"
            )
        if not 0 < self.churn_normal_max < self.churn_critical_min < 1:
            raise ConfigError(
                "churn thresholds must satisfy 0 < normal_max < critical_min < 1, got "
                f"normal_max={self.churn_normal_max}, critical_min={self.churn_critical_min}"
            )
        if not 0 < self.tier_a_share < self.tier_b_share <= 1:
            raise ConfigError(
                "tier shares must satisfy 0 < a_share < b_share <= 1, got "
                f"a_share={self.tier_a_share}, b_share={self.tier_b_share}"
            )
        if self.lapse_days <= 0:
            raise ConfigError(f"lapse_days must be positive, got {self.lapse_days}")
        if self.missing_customer_id not in MISSING_ID_RULES:
            raise ConfigError(
                f"missing_customer_id must be one of {list(MISSING_ID_RULES)}, got "
                f"{self.missing_customer_id!r}"
            )
        _check_discipline(self)

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)


def _as_date(value: Any, name: str) -> date:
    """``value`` (a date, datetime or ISO ``YYYY-MM-DD`` string) as a ``datetime.date``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(
            f"{name} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2010-12-09"
        ) from None


def _check_discipline(s: Settings) -> None:
    """Validate the contact-discipline settings (messages name the YAML key)."""
    if s.cadence_due_soon_days < 0:
        raise ConfigError(
            f"contact_discipline.due_soon_days must be >= 0, got {s.cadence_due_soon_days}"
        )
    lo, hi = s.cadence_cycle_bounds
    if not 0 < lo <= 1 <= hi:
        raise ConfigError(
            "contact_discipline.cycle_bounds must satisfy 0 < lo <= 1 <= hi, got "
            f"{[lo, hi]}"
        )
    if not 1 <= s.funnel_regular_months <= 12:
        raise ConfigError(
            "contact_discipline.regular_months must be between 1 and 12, got "
            f"{s.funnel_regular_months}"
        )
    if not s.funnel_expansion_factor > 1:
        raise ConfigError(
            "contact_discipline.expansion_factor must be greater than 1, got "
            f"{s.funnel_expansion_factor}"
        )
    bad = [t for t in s.key_tiers if t not in _TIERS]
    if not s.key_tiers or bad:
        raise ConfigError(
            f"contact_discipline.key_tiers must be a non-empty list of {list(_TIERS)}, got "
            f"{list(s.key_tiers)}"
        )
    if not 0 < s.manager_fit_alpha < 1:
        raise ConfigError(
            "contact_discipline.manager_fit_alpha must be between 0 and 1, got "
            f"{s.manager_fit_alpha}"
        )


_TIERS = ("VIP", "A", "B", "C")

DEFAULT_SETTINGS = Settings()

_SECTIONS = {
    "company_name", "language", "currency", "lapse_days", "churn_thresholds", "tiers", "xyz",
    "cadence", "contact_discipline", "reasons", "csv", "columns", "extra",
    "missing_customer_id", "data_end",
}

#: ``contact_discipline:`` YAML key → Settings field.
_DISCIPLINE_KEYS: dict[str, str] = {
    "due_soon_days": "cadence_due_soon_days",
    "scale_by_cycle": "cadence_scale_by_cycle",
    "cycle_bounds": "cadence_cycle_bounds",
    "meeting_counts_as_call": "meeting_counts_as_call",
    "regular_months": "funnel_regular_months",
    "expansion_factor": "funnel_expansion_factor",
    "key_tiers": "key_tiers",
    "manager_fit_alpha": "manager_fit_alpha",
}


def _discipline_kw(raw: Mapping[str, Any], source: str) -> dict[str, Any]:
    sec = _section(raw, "contact_discipline", set(_DISCIPLINE_KEYS), source)
    kw: dict[str, Any] = {}
    for key, value in sec.items():
        where = f"{source}: contact_discipline.{key}"
        if key in ("scale_by_cycle", "meeting_counts_as_call"):
            if not isinstance(value, bool):
                raise ConfigError(f"{where} must be true or false, got {value!r}")
            kw[_DISCIPLINE_KEYS[key]] = value
        elif key in ("due_soon_days", "regular_months"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{where} must be a whole number, got {value!r}")
            kw[_DISCIPLINE_KEYS[key]] = value
        elif key in ("expansion_factor", "manager_fit_alpha"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{where} must be a number, got {value!r}")
            kw[_DISCIPLINE_KEYS[key]] = float(value)
        elif key == "cycle_bounds":
            if (not isinstance(value, (list, tuple)) or len(value) != 2
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                               for v in value)):
                raise ConfigError(f"{where} must be a list of two numbers [lo, hi], got "
                                  f"{value!r}")
            kw[_DISCIPLINE_KEYS[key]] = (float(value[0]), float(value[1]))
        else:  # key_tiers
            if isinstance(value, str) or not isinstance(value, (list, tuple)):
                raise ConfigError(f"{where} must be a list of tiers, got {value!r}")
            kw[_DISCIPLINE_KEYS[key]] = tuple(str(t) for t in value)
    return kw


def _section(raw: Mapping[str, Any], key: str, allowed: set[str], source: str) -> dict[str, Any]:
    value = raw.get(key) or {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source}: '{key}' must be a mapping, got {type(value).__name__}")
    unknown = set(value) - allowed
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) {sorted(unknown)} under '{key}'; allowed: {sorted(allowed)}"
        )
    return dict(value)


def settings_from_mapping(raw: Mapping[str, Any], *, source: str = "<config>") -> Settings:
    """Build :class:`Settings` from a mapping with the YAML layout of this module."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{source}: the top level must be a mapping")
    unknown = set(raw) - _SECTIONS
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_SECTIONS)}"
        )
    kw: dict[str, Any] = {}
    for key in ("company_name", "language", "currency"):
        if key in raw:
            kw[key] = str(raw[key])
    if "lapse_days" in raw:
        kw["lapse_days"] = int(raw["lapse_days"])
    th = _section(raw, "churn_thresholds", {"normal_max", "critical_min"}, source)
    if "normal_max" in th:
        kw["churn_normal_max"] = float(th["normal_max"])
    if "critical_min" in th:
        kw["churn_critical_min"] = float(th["critical_min"])
    tiers = _section(
        raw, "tiers", {"window_days", "a_share", "b_share", "vip_share", "vip_ids"}, source
    )
    for src, dst, conv in (
        ("window_days", "tier_window_days", int),
        ("a_share", "tier_a_share", float),
        ("b_share", "tier_b_share", float),
        ("vip_share", "vip_share", float),
    ):
        if src in tiers:
            kw[dst] = conv(tiers[src])
    if "vip_ids" in tiers:
        kw["vip_ids"] = tuple(str(x) for x in tiers["vip_ids"] or ())
    xyz = _section(raw, "xyz", {"x_max", "y_max"}, source)
    if "x_max" in xyz:
        kw["xyz_x_max"] = float(xyz["x_max"])
    if "y_max" in xyz:
        kw["xyz_y_max"] = float(xyz["y_max"])
    cad_raw = _section(raw, "cadence", {"VIP", "A", "B", "C", "lost"}, source)
    if cad_raw:
        cadence = dict(_default_cadence())
        for tier, rule in cad_raw.items():
            rule = rule or {}
            bad = set(rule) - {"call_days", "meeting_days"}
            if bad:
                raise ConfigError(
                    f"{source}: unknown key(s) {sorted(bad)} under cadence.{tier}; "
                    "allowed: ['call_days', 'meeting_days']"
                )
            cadence[tier] = CadenceRule(
                call_days=None if rule.get("call_days") is None else int(rule["call_days"]),
                meeting_days=(
                    None if rule.get("meeting_days") is None else int(rule["meeting_days"])
                ),
            )
        kw["cadence"] = cadence
    kw.update(_discipline_kw(raw, source))
    reasons = raw.get("reasons") or {}
    if not isinstance(reasons, Mapping):
        raise ConfigError(f"{source}: 'reasons' must map a category to a list of keywords")
    kw["reason_keywords"] = {str(k): tuple(str(w) for w in v or ()) for k, v in reasons.items()}
    csv = _section(raw, "csv", {"sep", "decimal", "encoding", "date_format"}, source)
    if csv:
        try:
            kw["csv"] = CsvOptions(**csv)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None
    if "missing_customer_id" in raw:
        kw["missing_customer_id"] = str(raw["missing_customer_id"]).strip().lower()
    cols = raw.get("columns") or {}
    if not isinstance(cols, Mapping) or not all(isinstance(v, Mapping) for v in cols.values()):
        raise ConfigError(
            f"{source}: 'columns' must map a table name to {{source column: contract column}}"
        )
    kw["columns"] = {str(t): {str(a): str(b) for a, b in m.items()} for t, m in cols.items()}
    if "extra" in raw:
        kw["extra"] = dict(raw["extra"] or {})
    if raw.get("data_end") is not None:
        kw["data_end"] = raw["data_end"]
    try:
        return Settings(**kw)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def load_settings(config: str | Path | Mapping[str, Any] | Settings | None = None) -> Settings:
    """Return :class:`Settings` from a YAML path, a mapping, a Settings, or the defaults.

    Raises
    ------
    ConfigError
        The file is missing, is not valid YAML, or holds an unknown key or invalid value.
    """
    if config is None:
        return DEFAULT_SETTINGS
    if isinstance(config, Settings):
        return config
    if isinstance(config, Mapping):
        return settings_from_mapping(config)
    path = Path(config)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return settings_from_mapping(raw, source=str(path))
