"""The English marker sentences of the early warning, built once per distinct fact.

:func:`retention_lib.analysis.signals.early_warning` writes plain-language sentences for every
active customer; the same facts recur many times. :class:`MemoTranslator` remembers what the
translator formatted, :func:`fact_key` says which facts read the same, and
:func:`english_memo` keeps one bounded English memo between calls.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..i18n import Translator, get_translator

__all__ = ["MemoTranslator", "empty_lists", "english_memo", "fact_key", "pct0_key"]


class MemoTranslator(Translator):
    """A :class:`~retention_lib.i18n.Translator` that remembers what it formatted.

    :func:`early_warning` writes the English sentences of every active customer; the same
    message with the same arguments, and the same number, recur many times. Messages are
    remembered by key and arguments; numbers and percentages by the exact rounded decimal
    babel formats (``Decimal(str(value))`` scaled and quantized with the current decimal
    context; an ``int`` with no decimals by its value), plural forms by the count. The
    messages themselves are filled in by :meth:`Translator.t` (this class only overrides
    the formatting it calls), so every string is the one the translator itself returns.
    """

    def __init__(self, tr: Translator) -> None:
        super().__init__(tr.lang)
        self._tr = tr
        self._memo_messages: dict[Any, str] = {}
        self._memo_numbers: dict[Any, str] = {}
        self._memo_plural: dict[Any, str] = {}
        #: sentence per :func:`fact_key` (filled by :func:`early_warning`)
        self.memo_facts: dict[Any, str] = {}

    def t(self, key: str, /, **kwargs: Any) -> str:
        try:
            memo = (key, tuple(kwargs.items()), tuple(map(type, kwargs.values())))
            hit = self._memo_messages.get(memo)
        except TypeError:  # an unhashable argument
            return super().t(key, **kwargs)
        if hit is None:
            hit = self._memo_messages[memo] = super().t(key, **kwargs)
        return hit

    __call__ = t

    def plural_form(self, count: float | int) -> str:
        try:
            memo = (type(count), count)
            hit = self._memo_plural.get(memo)
        except TypeError:
            return super().plural_form(count)
        if hit is None:
            hit = self._memo_plural[memo] = super().plural_form(count)
        return hit

    def _decimal_key(self, value: Any, scale: int, decimals: int) -> Any:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        x = Decimal(str(value))
        if not x.is_finite():
            return None
        x = x.scaleb(scale)
        return (x.is_signed(), str(abs(x).normalize().quantize(Decimal(1).scaleb(-decimals))))

    def number(self, value: Any, *, decimals: int | None = 0) -> str:
        if type(value) is int and decimals == 0:
            key: Any = ("i", value)
        else:
            key = None if decimals is None else self._decimal_key(value, 0, decimals)
            if key is None:
                return super().number(value, decimals=decimals)
            key = ("n", decimals, key)
        hit = self._memo_numbers.get(key)
        if hit is None:
            hit = self._memo_numbers[key] = super().number(value, decimals=decimals)
        return hit

    def percent(self, rate: Any, decimals: int = 1) -> str:
        key = self._decimal_key(rate, 2, decimals)
        if key is None:
            return super().percent(rate, decimals)
        key = ("p", decimals, key)
        hit = self._memo_numbers.get(key)
        if hit is None:
            hit = self._memo_numbers[key] = super().percent(rate, decimals)
        return hit


_ENGLISH: list[MemoTranslator] = []
_ENGLISH_LIMIT = 200_000  # remembered messages and numbers before the memo starts afresh


def english_memo() -> MemoTranslator:
    """The English memo translator of :func:`early_warning`, kept between calls (the
    catalog does not change while the process runs; the memo is bounded)."""
    if not _ENGLISH or (len(_ENGLISH[0]._memo_messages) + len(_ENGLISH[0]._memo_numbers)
                        + len(_ENGLISH[0].memo_facts) > _ENGLISH_LIMIT):
        _ENGLISH[:] = [MemoTranslator(get_translator("en"))]
    return _ENGLISH[0]


def empty_lists(n: int) -> list[list[Any]]:
    """``n`` distinct empty lists. The cyclic garbage collector is paused meanwhile: the
    new lists hold nothing, so no cycle can be missed, and a collection triggered by every
    few hundred allocations would otherwise rescan the heap (a tenth of a second per
    hundred thousand customers)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return [[] for _ in range(n)]
    finally:
        if enabled:
            gc.enable()


def pct0_key(value: Any) -> Any:
    """What ``percent(value, 0)`` depends on: the sign and the whole percentage rounded
    half to even. Away from a half (more than 1e-6 from it, |percentage| below 1e9) the
    float product ``value * 100`` rounds like the decimal text babel rounds; near a half,
    or for anything else, the key is the value itself (formatted exactly)."""
    if value is None or type(value) is not float:
        return ("raw", value)
    x = abs(value * 100.0)
    if not x < 1e9:  # also NaN and inf
        return ("raw", value)
    whole = math.floor(x)
    if abs(x - whole - 0.5) < 1e-6:
        return ("raw", value)
    return (math.copysign(1.0, value) < 0, whole + (x - whole > 0.5))


def fact_key(fact: Mapping[str, Any]) -> Any:
    """A key under which every fact gets the same :func:`marker_sentences` sentence:
    the marker and its figures, percentages by :func:`pct0_key` (``None``: unknown)."""
    m = fact["marker"]
    if m == "orders_down":
        return (m, fact["baseline_months"], fact["orders_drop"] is None,
                fact["revenue_drop"] is None, pct0_key(fact["orders_drop"]),
                pct0_key(fact["revenue_drop"]))
    if m == "not_using":
        return (m, fact["baseline_months"], pct0_key(fact["drop"]))
    if m == "low_p_alive":
        return (m, pct0_key(fact["p_alive"]))
    if m in ("overdue", "contacts_down", "complaints_up", "competitor_interest"):
        try:
            key = (m, *((k, type(v), v) for k, v in fact.items()))
            hash(key)
        except TypeError:
            return None
        return key
    return None
