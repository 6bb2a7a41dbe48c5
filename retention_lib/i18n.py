"""Translations and locale formatting of everything a reader sees (English, Russian, Ukrainian).

One message catalog per language (``retention_lib/locales/<lang>.yaml``) holds every word of
the reports: titles, verdict sentences, KPI labels, chart titles and axis labels, legend
entries, table headers, tier/segment/status names, reason categories, recommended actions,
definitions and data-quality notes.  The library's *data* stay in English codes
(``"warning"``, ``"price"``, ``"VIP"``, ``"Champions"``); only display code translates, through
a :class:`Translator`::

    from retention_lib.i18n import get_translator

    tr = get_translator("ru")
    tr.t("verdict.lost_won", count=3, month="октябрь", lost="1 200 ₽", won=2, won_money="0 ₽")
    tr.label("status", "warning")        # "Внимание" (unknown codes come back unchanged)
    tr.money(1234567.891, "RUB", decimals=2)   # "1 234 567,89 ₽" (babel, non-breaking spaces)
    tr.percent(0.13)                     # "13,0 %"
    tr.month(pd.Timestamp("2026-10-31"))  # "октябрь 2026"

Catalog format
--------------
YAML, nested mappings flattened into dotted keys (``kpi.customer_churn``).  Values are
``str.format`` templates with named placeholders (``{count}``, ``{month}``).  A value that is a
mapping of CLDR plural categories (``one``/``few``/``many``/``other``; English needs
``one``/``other``) is a plural message: :meth:`Translator.t` picks the form for the ``count``
keyword with babel's plural rules (``1 клиент``, ``2 клиента``, ``5 клиентов``, ``21 клиент``;
fractions take ``other``).  A missing form falls back to ``other``.

A count other than ``count`` agrees through an inline plural placeholder: the format spec
``plural:`` followed by ``form=text`` pairs separated by ``|``, where ``#`` stands for the
number and an exact ``0=`` form, if given, wins for zero::

    "{won:plural:0=никого не вернули|one=вернули # клиента|many=вернули # клиентов|other=...}"

(``won=1`` → ``вернули 1 клиента``, ``won=0`` → ``никого не вернули``; a form the entry
lacks falls back to ``other``).  The placeholder's name is ``won`` as for ``{won}``; a value
passed as text (already formatted, ``"1 234"``) is read back as a number, and text that is
not a number takes ``other``.

Placeholder values: ``int`` values are formatted with the locale's digit grouping (``1 234``),
``float`` values as locale decimals (``0,5``); format money, percentages and dates yourself
with the methods below and pass strings.

Formatting rules (babel / CLDR)
-------------------------------
* numbers: locale grouping and decimal sign (``ru``: ``1 234 567,5`` with U+00A0 spaces);
* percentages: the locale's percent pattern with a fixed number of decimals (``ru``:
  ``13,0 %``; CLDR writes ``uk`` as ``13,0%`` and ``en`` as ``13.0%``);
* money: the locale's currency pattern and symbol (``ru``: ``1 234 567,89 ₽``; ``uk`` shows
  foreign currencies by code: ``41 200 EUR``); with ``decimals=None`` the currency's own
  number of decimals, exactly what :func:`babel.numbers.format_currency` returns.  A
  letter-only symbol written against a digit gets a no-break space (CLDR currency spacing,
  which babel does not apply): ``CHF 12``;
* dates: ``d MMMM y`` (``31 октября 2026``); months: standalone ``LLLL y``
  (``октябрь 2026``, ``жовтень 2026``);
* missing values (``None``, NaN) format as the catalog's ``common.na`` (``n/a``, ``н/д``).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml
from babel import Locale
from babel.dates import format_date as _babel_date
from babel.numbers import format_compact_decimal, format_currency, format_decimal

__all__ = [
    "LANGUAGES",
    "PLURAL_FORMS",
    "Translator",
    "UnknownLanguageError",
    "catalog",
    "code_key",
    "format_date",
    "format_money",
    "format_month",
    "format_number",
    "format_percent",
    "get_translator",
    "placeholders",
    "t",
]

#: Supported report languages (ISO 639-1), in the order shown in messages.
LANGUAGES = ("en", "ru", "uk")

#: CLDR plural categories a catalog entry may use.
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")

_NBSP = "\u00a0"

#: ``{name:plural:one=# клиент|few=# клиента|...}``: an inline plural placeholder.
_INLINE_PLURAL = re.compile(r"\{(\w+):plural:([^{}]*)\}")


class UnknownLanguageError(ValueError):
    """A language code that has no catalog; the message lists the supported ones."""


def _check_lang(lang: str) -> str:
    code = str(lang or "").strip().lower()
    if code not in LANGUAGES:
        raise UnknownLanguageError(
            f"language {lang!r} is not supported; choose one of {', '.join(LANGUAGES)}"
        )
    return code


def _is_plural(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and "other" in value
        and set(value) <= set(PLURAL_FORMS)
    )


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str | dict[str, str]]:
    out: dict[str, str | dict[str, str]] = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if _is_plural(value):
            out[full] = {str(k): str(v) for k, v in value.items()}
        elif isinstance(value, Mapping):
            out.update(_flatten(value, f"{full}."))
        else:
            out[full] = "" if value is None else str(value)
    return out


@cache
def _load(lang: str) -> dict[str, str | dict[str, str]]:
    text = resources.files("retention_lib").joinpath(f"locales/{lang}.yaml").read_text(
        encoding="utf-8"
    )
    return _flatten(yaml.safe_load(text) or {})


def catalog(lang: str) -> dict[str, str | dict[str, str]]:
    """The flattened catalog of ``lang``: dotted key → template, or plural form → template.

    Returns a copy; the loaded catalog is cached per language.
    """
    return dict(_load(_check_lang(lang)))


def placeholders(template: str | Mapping[str, str]) -> set[str]:
    """Names of the ``{placeholders}`` of a template (of all forms of a plural entry)."""
    texts = template.values() if isinstance(template, Mapping) else [template]
    names: set[str] = set()
    for text in texts:
        for _, name, _, _ in string.Formatter().parse(text):
            if name:
                names.add(re.split(r"[.\[]", name)[0])
    return names


def code_key(code: Any) -> str:
    """Catalog key part for a data code: ``"Can't lose them"`` → ``"cant_lose_them"``."""
    text = str(code).strip().lower().replace("'", "").replace("’", "")
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


def _missing(value: Any) -> bool:
    """``None``, NaN, ``pd.NA`` or ``NaT``."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # array-likes are not missing scalars
        return False


def _na(lang: str) -> str:
    return str(_load(lang).get("common.na", "n/a"))


def format_number(value: float | int | None, *, lang: str = "en", decimals: int | None = 0) -> str:
    """``1234567.5`` → ``"1 234 568"`` (ru, ``decimals=0``); ``decimals=None`` keeps up to 3."""
    lang = _check_lang(lang)
    if _missing(value):
        return _na(lang)
    if decimals is None:
        return format_decimal(value, locale=lang)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=lang)


def format_percent(rate: float | None, *, lang: str = "en", decimals: int = 1) -> str:
    """A share 0..1 as a percentage in the locale's pattern: ``0.13`` → ``"13,0 %"`` (ru)."""
    lang = _check_lang(lang)
    if _missing(rate):
        return _na(lang)
    pattern = Locale.parse(lang).percent_formats[None].pattern.split(";")[0]
    if decimals > 0:
        cut = pattern.rfind("0")
        pattern = pattern[: cut + 1] + "." + "0" * decimals + pattern[cut + 1:]
    return format_decimal(rate, format=pattern, locale=lang)


def format_money(
    value: float | None, currency: str, *, lang: str = "en", decimals: int | None = None
) -> str:
    """An amount with the currency in the locale's pattern (babel).

    Parameters
    ----------
    value
        The amount (``None``/NaN → ``common.na``).
    currency
        ISO 4217 code (``RUB``, ``UAH``, ``EUR``, ``USD``, ...; case-insensitive).
    lang
        ``en``, ``ru`` or ``uk``.
    decimals
        ``None``: the currency's own decimals (``format_money(1234567.891, "RUB",
        lang="ru")`` → ``"1 234 567,89 ₽"``, exactly babel's ``format_currency``); an int:
        that many decimals (the reports use 0: whole currency units).
    """
    lang = _check_lang(lang)
    if _missing(value):
        return _na(lang)
    code = str(currency).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"currency {currency!r} is not an ISO 4217 code such as RUB, EUR, USD")
    if decimals is None:
        text = format_currency(value, code, locale=lang)
    else:
        pattern = Locale.parse(lang).currency_formats["standard"].pattern.split(";")[0]
        pattern = re.sub(r"0\.0+", "0" + ("." + "0" * decimals if decimals else ""), pattern)
        text = format_currency(value, code, format=pattern, locale=lang, currency_digits=False)
    # CLDR currency spacing: a letter-only symbol is not glued to the digits.
    text = re.sub(r"([A-Za-z]{2,})(?=[\d-])", r"\1" + _NBSP, text)
    return re.sub(r"(?<=\d)([A-Za-z]{2,})", _NBSP + r"\1", text)


def format_compact(value: float | None, *, lang: str = "en") -> str:
    """Short amount for chart labels: ``41200`` → ``"41.2K"`` (en), ``"41,2 тыс."`` (ru)."""
    lang = _check_lang(lang)
    if _missing(value):
        return _na(lang)
    if abs(value) < 10_000:
        return format_number(value, lang=lang, decimals=0)
    digits = 0 if len(str(int(abs(value)))) % 3 == 0 else 1  # 103 тыс., 21,1 тыс.
    return format_compact_decimal(value, format_type="short", fraction_digits=digits,
                                  locale=lang)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def format_date(value: Any, *, lang: str = "en", pattern: str = "d MMMM y") -> str:
    """A date with the month name in the language: ``"31 октября 2026"`` (ru)."""
    lang = _check_lang(lang)
    if _missing(value):
        return _na(lang)
    return _babel_date(_as_date(value), pattern, locale=lang)


def format_month(value: Any, *, lang: str = "en", year: bool = True) -> str:
    """The month (standalone/nominative form): ``"октябрь 2026"``, ``"жовтень 2026"``."""
    return format_date(value, lang=lang, pattern="LLLL y" if year else "LLLL")


def _as_count(value: Any) -> float | int | None:
    """The number behind a placeholder value: a number, or text such as ``"1 234"`` or
    ``"0,5"``; ``None`` for anything else."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        text = re.sub(r"[\s\u00a0\u202f]", "", value).replace(",", ".").replace("−", "-")
        try:
            number = float(text)
        except ValueError:
            return None
        return int(number) if number.is_integer() else number
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number:  # NaN
        return None
    return int(number) if number.is_integer() else number


class Translator:
    """Messages and locale formatting of one language.

    Obtain one with :func:`get_translator`; it is cheap (catalogs are cached) and immutable.

    Attributes
    ----------
    lang
        ``en``, ``ru`` or ``uk``.
    """

    def __init__(self, lang: str = "en") -> None:
        self.lang = _check_lang(lang)
        self._messages = _load(self.lang)
        self._locale = Locale.parse(self.lang)

    def __repr__(self) -> str:
        return f"Translator({self.lang!r})"

    # messages ---------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        """Whether ``key`` is in the catalog."""
        return key in self._messages

    def t(self, key: str, /, **kwargs: Any) -> str:
        """The message ``key`` with its placeholders filled in.

        A plural message picks its form from ``count`` (babel plural rules).  ``int``
        arguments are formatted with locale grouping, ``float`` as locale decimals.

        Raises
        ------
        KeyError
            ``key`` is not in the catalog of this language (the message names both), or a
            placeholder of the template is not among ``kwargs``.
        """
        try:
            template = self._messages[key]
        except KeyError:
            raise KeyError(f"message {key!r} is missing from the {self.lang!r} catalog") from None
        if isinstance(template, dict):
            if "count" not in kwargs:
                raise KeyError(f"message {key!r} is a plural message: pass count=")
            template = template.get(self.plural_form(kwargs["count"]), template["other"])
        args = {k: self._arg(v) for k, v in kwargs.items()}
        try:
            if ":plural:" in template:
                template = self._inline_plurals(template, kwargs)
            return template.format(**args)
        except KeyError as exc:
            raise KeyError(
                f"message {key!r} ({self.lang}) needs the placeholder {exc.args[0]!r}; "
                f"given: {sorted(kwargs)}"
            ) from None

    __call__ = t

    def _inline_plurals(self, template: str, kwargs: Mapping[str, Any]) -> str:
        """Replace each ``{name:plural:...}`` by the form agreeing with ``kwargs[name]``."""

        def pick(match: re.Match[str]) -> str:
            name = match.group(1)
            forms = dict(part.split("=", 1) for part in match.group(2).split("|") if "=" in part)
            value = _as_count(kwargs[name])  # KeyError: reported as a missing placeholder
            if value is None:
                form = "other"
            elif value == 0 and "0" in forms:
                form = "0"
            else:
                form = self.plural_form(value)
            text = forms.get(form, forms.get("other", "#"))
            return text.replace("#", "{" + name + "}")

        return _INLINE_PLURAL.sub(pick, template)

    def _arg(self, value: Any) -> Any:
        if isinstance(value, bool) or isinstance(value, str):
            return value
        if isinstance(value, int):
            return self.number(value)
        if isinstance(value, float):
            return self.number(value, decimals=None)
        try:
            import numpy as np

            if isinstance(value, np.integer):
                return self.number(int(value))
            if isinstance(value, np.floating):
                return self.number(float(value), decimals=None)
        except ImportError:  # pragma: no cover
            pass
        return value

    def plural_form(self, count: float | int) -> str:
        """CLDR plural category of ``count``: ru ``1 → one``, ``3 → few``, ``5 → many``."""
        return self._locale.plural_form(abs(count))

    def label(self, group: str, code: Any) -> str:
        """Display name of a data code: ``label("status", "warning")`` → ``"Warning"``.

        Looks up ``<group>.<code_key(code)>``; a code the catalog does not know (a custom
        segment, a free-text event kind, a manager) is data and comes back unchanged.
        """
        key = f"{group}.{code_key(code)}"
        return self.t(key) if key in self._messages else str(code)

    # formatting ------------------------------------------------------------------------
    def number(self, value: float | int | None, *, decimals: int | None = 0) -> str:
        """See :func:`format_number`."""
        return format_number(value, lang=self.lang, decimals=decimals)

    def percent(self, rate: float | None, decimals: int = 1) -> str:
        """See :func:`format_percent`."""
        return format_percent(rate, lang=self.lang, decimals=decimals)

    def points(self, diff: float, decimals: int = 1) -> str:
        """A signed change in percentage points: ``"+0.6 pts"``, ``"+0,6 п. п."``."""
        diff = round(float(diff), decimals)
        sign = "+" if diff > 0 else ("−" if diff < 0 else "±")
        return self.t("common.points", value=sign + self.number(abs(diff), decimals=decimals))

    def money(self, value: float | None, currency: str, *, decimals: int | None = 0) -> str:
        """See :func:`format_money`; whole units by default (the reports' convention)."""
        return format_money(value, currency, lang=self.lang, decimals=decimals)

    def compact(self, value: float | None) -> str:
        """Short amount for chart labels (``41,2 тыс.``)."""
        return format_compact(value, lang=self.lang)

    def date(self, value: Any) -> str:
        """``31 октября 2026``; see :func:`format_date`."""
        return format_date(value, lang=self.lang)

    def short_date(self, value: Any) -> str:
        """A compact date for table cells, by the catalog's ``formats.short_date`` babel
        pattern (``2026-10-05`` in English, ``05.10.2026`` in Russian and Ukrainian)."""
        pattern = str(self._messages.get("formats.short_date", "y-MM-dd"))
        return format_date(value, lang=self.lang, pattern=pattern)

    def month(self, value: Any) -> str:
        """``октябрь 2026``; see :func:`format_month`."""
        return format_month(value, lang=self.lang)

    def month_name(self, value: Any, *, genitive: bool = False) -> str:
        """The month's name alone: standalone (``октябрь``) or, with ``genitive=True``, the
        form used after "end of" (``октября``, ``жовтня``; English has one form)."""
        return format_date(value, lang=self.lang, pattern="MMMM" if genitive else "LLLL")

    def month_short(self, value: Any) -> str:
        """Abbreviated month and year on two lines, for chart ticks (``окт.\\n2026``)."""
        return format_date(value, lang=self.lang, pattern="LLL") + "\n" + format_date(
            value, lang=self.lang, pattern="y"
        )


@cache
def get_translator(lang: str = "en") -> Translator:
    """The :class:`Translator` of ``lang`` (``en``, ``ru`` or ``uk``; cached).

    Raises
    ------
    UnknownLanguageError
        For any other code; the message lists en, ru, uk.
    """
    return Translator(_check_lang(lang))


def t(key: str, /, lang: str = "en", **kwargs: Any) -> str:
    """Shortcut for ``get_translator(lang).t(key, **kwargs)``."""
    return get_translator(lang).t(key, **kwargs)
