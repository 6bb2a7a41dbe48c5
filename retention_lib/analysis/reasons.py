"""Exit reasons: free text to categories, ranking by count and by lost revenue, coverage.

DESIGN.md rule 7: lost customers are asked why they left; reasons are normalised into
categories (price, assortment/product, service quality, unmet expectations / no value,
competitor offer, uncontrollable such as moved or closed, unknown), then ranked both by count
and by lost revenue, and each category carries a recommended response.

Categorisation
--------------
:func:`categorize_reason` lower-cases the text (Unicode case folding, ``ё`` -> ``е``,
typographic apostrophes -> ``'``) and looks for keyword **stems** of the built-in English,
Russian and Ukrainian taxonomy (:data:`DEFAULT_KEYWORDS`) plus the user's own keywords
(``Settings.reason_keywords``). Every word of a keyword is a stem: it matches any word that
*starts* with it, so ``"дорог"`` matches "дорого", "дорогой"; ``"друг поставщ"`` matches
"другого поставщика". Words of one or two letters ("не", "no", "к", "до") must match whole
words, so "не нуж" matches "не нужно" but not "нет нужного ассортимента". A text that is
exactly a category name (``"price"``, ``"no_value"``) maps to that category. Negation is not
understood ("not expensive" is price).

When several categories match, the first in :data:`PRIORITY` wins:
``uncontrollable`` > ``competitor`` > ``price`` > ``service`` > ``no_value`` >
``assortment`` > ``unknown``. Rationale: an uncontrollable cause (closed, moved) makes any
other remark moot; an explicit mention of a competitor says the customer now buys elsewhere,
and the response that fits is the competitor one (stay in touch, be there when the competitor
disappoints; DESIGN.md rule 9: mail to switchers works best), so "found it cheaper at a
competitor" is ``competitor``; price and service are concrete causes the company can act on;
an unmet expectation is more specific than the bare mention of the product it is about ("the
product did not meet expectations" is ``no_value``). Empty or missing text, and text that
matches nothing, is ``"unknown"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from ..i18n import get_translator
from ._checks import require

__all__ = [
    "DEFAULT_KEYWORDS",
    "FIXABLE_CATEGORIES",
    "PRIORITY",
    "REASON_CATEGORIES",
    "RECOMMENDED_ACTIONS",
    "categorize_reason",
    "categorize_reasons",
    "rank_reasons",
    "survey_coverage",
]

REASON_CATEGORIES = (
    "price",
    "assortment",
    "service",
    "no_value",
    "competitor",
    "uncontrollable",
    "unknown",
)

#: Order in which categories win when a text matches several (see the module docstring).
PRIORITY = (
    "uncontrollable",
    "competitor",
    "price",
    "service",
    "no_value",
    "assortment",
    "unknown",
)

#: Categories worth a win-back effort. ``unknown`` counts as fixable: the reason may well be
#: one we can fix, and the first step of the win-back call is to find it out.
FIXABLE_CATEGORIES = ("price", "assortment", "service", "no_value", "competitor", "unknown")

#: Recommended response per category (DESIGN.md rule 7), in English.  The texts live in the
#: message catalogs (``action.<category>`` in ``retention_lib/locales/*.yaml``); reports show
#: them in the reader's language with ``get_translator(lang).t(f"action.{category}")``.
RECOMMENDED_ACTIONS: dict[str, str] = {
    c: get_translator("en").t(f"action.{c}") for c in REASON_CATEGORIES
}

#: Built-in keyword stems per category (English, Russian, Ukrainian), already normalised.
DEFAULT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "price": (
        # en
        "price", "pricing", "expensive", "overpriced", "cost", "cheaper", "cheap", "afford",
        "budget", "tariff", "too much money",
        # ru
        "дорог", "дорож", "цена", "цены", "цене", "цену", "ценой", "ценам", "ценах", "ценник",
        "ценов", "ценообраз", "стоимост", "подорож", "дешевл", "дешев", "бюджет", "тариф",
        "скидк", "невыгодн",
        # uk
        "ціна", "ціни", "ціні", "ціну", "ціною", "цінам", "цінах", "цінник", "ціно",
        "вартіст", "подорож", "дорожч", "дешевш", "дешев", "знижк", "невигідн",
    ),
    "assortment": (
        # en
        "assortment", "product", "range", "quality", "catalog", "selection", "out of stock",
        "stock", "defect", "faulty", "broken", "goods", "item", "sku",
        # ru
        "ассортимент", "товар", "продукт", "продукц", "качеств", "брак", "нет в наличии",
        "налич", "выбор", "каталог", "модел", "позиц", "снял с продаж",
        # uk
        "асортимент", "якіст", "якост", "немає в наявн", "наявн", "вибір", "вибор", "позиці",
    ),
    "service": (
        # en
        "service", "delivery", "deliver", "late", "delay", "rude", "support", "manager",
        "staff", "response", "respond", "slow", "shipping", "shipment", "communication",
        "unprofessional", "ignored", "mistake", "wrong order", "complain",
        # ru
        "сервис", "обслуживан", "доставк", "достав", "опозд", "задерж", "груб", "хам",
        "менеджер", "поддержк", "сотрудник", "не отвеч", "ошибк", "медленн", "долго",
        "жалоб", "срыв", "поставк",
        # uk
        "сервіс", "обслуговуван", "запізн", "затрим", "підтримк", "співробітник",
        "не відповід", "помилк", "повільн", "довго", "скарг", "зрив", "постачанн",
    ),
    "no_value": (
        # en
        "no value", "not worth", "worth", "expectation", "expected", "did not meet",
        "didn't meet", "not need", "no need", "don't need", "do not need", "useless",
        "no benefit", "no result", "not useful", "pointless", "disappoint", "no longer need",
        # ru
        "не оправда", "ожидани", "не нуж", "ненуж", "нет необходимост", "нет потребност",
        "бесполез", "нет смысл", "нет польз", "не полез", "ценност", "разочаров", "нет нужд",
        "не увидел", "пользы",
        # uk
        "не виправда", "очікуван", "не потрібн", "непотрібн", "немає потреб",
        "немає необхідн", "марн", "безкорисн", "немає сенс", "немає корист", "цінн",
        "не побачил", "користі",
        "розчаруван",
    ),
    "competitor": (
        # en
        "competitor", "competition", "another supplier", "other supplier", "another vendor",
        "other vendor", "different supplier", "new supplier", "switched", "switching",
        "better offer", "better deal", "alternative", "rival",
        # ru
        "конкурент", "друг поставщ", "нов поставщ", "друг компан", "перешли к", "перешли на",
        "ушли к", "лучш предлож", "выгодн", "альтернатив",
        # uk
        "інш постачальн", "нов постачальн", "інш компан", "перейшли до", "перейшли на",
        "пішли до", "кращ пропозиц", "вигідн", "альтернатив",
    ),
    "uncontrollable": (
        # en ("moved" alone is ambiguous: "we moved to a competitor")
        "closed", "closing", "shut down", "out of business", "bankrupt", "insolven",
        "liquidat", "ceased", "moved away", "moved abroad", "moved out", "moved to another city",
        "moved to another country", "moved to another region", "relocat", "retired",
        "passed away", "died", "sold the business", "no longer in business",
        # ru
        "закрыл", "закрыт", "закрыв", "переезд", "переех", "банкрот", "обанкрот",
        "ликвидир", "ликвидац", "уехал", "эмигрир", "на пенсии", "умер", "продали бизнес",
        "прекратил",
        # uk
        "закрил", "закрит", "закрив", "переїзд", "переїх", "банкрут", "збанкрут",
        "ліквід", "виїхал", "емігр", "на пенсії", "помер", "продали бізнес", "припинил",
    ),
    "unknown": (),
}

_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'", "ё": "е"})


def _normalise(text: str) -> str:
    return " ".join(text.casefold().translate(_APOSTROPHES).split())


def _stem_pattern(keyword: str) -> str:
    words = _normalise(keyword).split(" ")
    if not words or words == [""]:
        raise ValueError(f"empty reason keyword {keyword!r}")
    parts = [re.escape(w) + (r"(?!\w)" if len(w) <= 2 else r"\w*") for w in words]
    return r"(?<!\w)" + r"[\s\-]+".join(parts)


def _check_keywords(keywords: Mapping[str, Iterable[str]] | None) -> tuple:
    if not keywords:
        return ()
    unknown = [k for k in keywords if k not in REASON_CATEGORIES]
    if unknown:
        raise ValueError(
            f"unknown reason categor{'y' if len(unknown) == 1 else 'ies'} {unknown} in "
            f"reason keywords; allowed: {list(REASON_CATEGORIES)}"
        )
    frozen = []
    for category, words in keywords.items():
        if isinstance(words, str):
            words = (words,)
        frozen.append((category, tuple(str(w) for w in words)))
    return tuple(sorted(frozen))


@lru_cache(maxsize=32)
def _compiled(extra: tuple) -> tuple[tuple[str, re.Pattern[str]], ...]:
    merged = {c: list(DEFAULT_KEYWORDS[c]) for c in REASON_CATEGORIES}
    for category, words in extra:
        merged[category].extend(words)
    patterns = []
    for category in PRIORITY:
        words = merged[category]
        if words:
            alternatives = "|".join(_stem_pattern(w) for w in words)
            patterns.append((category, re.compile(f"(?:{alternatives})")))
    return tuple(patterns)


def _categorize(text: object, patterns: tuple) -> str:
    if text is None or text is pd.NA or (isinstance(text, float) and np.isnan(text)):
        return "unknown"
    norm = _normalise(str(text))
    if not norm:
        return "unknown"
    if norm in REASON_CATEGORIES:
        return norm
    for category, pattern in patterns:
        if pattern.search(norm):
            return category
    return "unknown"


def categorize_reason(
    text: object, *, keywords: Mapping[str, Iterable[str]] | None = None
) -> str:
    """Map one free-text exit reason to a category of :data:`REASON_CATEGORIES`.

    Parameters
    ----------
    text
        The answer as written (any language of the taxonomy); NaN/None/empty -> "unknown".
    keywords
        Extra keyword stems per category, e.g. ``Settings.reason_keywords``
        (``{"price": ["too expensive for us"]}``), added to :data:`DEFAULT_KEYWORDS`.

    Returns
    -------
    str
        The category; the first of :data:`PRIORITY` when several match.

    Raises
    ------
    ValueError
        ``keywords`` names a category outside :data:`REASON_CATEGORIES` (the message lists
        the allowed ones).
    """
    return _categorize(text, _compiled(_check_keywords(keywords)))


def categorize_reasons(
    reasons: pd.Series, *, keywords: Mapping[str, Iterable[str]] | None = None
) -> pd.Series:
    """Vectorised :func:`categorize_reason` (each distinct text is matched once).

    Returns a string Series with the index of ``reasons``, named ``category``.
    """
    patterns = _compiled(_check_keywords(keywords))
    values = reasons.astype(object)
    distinct = pd.unique(values.dropna())
    mapping = {t: _categorize(t, patterns) for t in distinct}
    out = values.map(mapping).fillna("unknown")
    return pd.Series(out.to_numpy(dtype=object), index=reasons.index, name="category").astype(
        str
    )


def _lost_ids(lost: pd.DataFrame) -> pd.Index:
    if lost.index.name != "customer_id" and "customer_id" in lost.columns:
        lost = lost.set_index("customer_id")
    return pd.Index(lost.index.astype(str))


def rank_reasons(
    surveys: pd.DataFrame,
    *,
    lost: pd.DataFrame,
    keywords: Mapping[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """Rank exit-reason categories by the number of lost customers and by lost revenue.

    Only survey answers of customers in ``lost`` count (answers of customers who are not
    lost in the period are ignored; their number is in ``attrs``). Survey dates are not
    used. A customer counts once per category however many answers fall into it; a
    customer's ``lost_revenue`` is split equally among their categories, so the
    ``lost_revenue`` column sums to the lost revenue of the surveyed lost customers.

    Parameters
    ----------
    surveys
        ``customer_id`` (string), ``reason`` (free text); ``date`` and ``comment`` are
        ignored. Several rows per customer = several reasons.
    lost
        The :func:`retention_lib.analysis.churn.lost_customers` frame: index ``customer_id``, column
        ``lost_revenue`` (float64).
    keywords
        Extra keyword stems per category (see :func:`categorize_reason`).

    Returns
    -------
    pandas.DataFrame
        RangeIndex; one row per category that occurs, sorted by ``lost_revenue`` descending
        (then ``customers`` descending, then :data:`PRIORITY`). Columns: ``category`` (str),
        ``customers`` (int64: surveyed lost customers naming it), ``count_share`` (float64:
        customers / surveyed lost customers; the shares can add up to more than 1 when
        customers give several reasons), ``lost_revenue`` (float64), ``revenue_share``
        (float64: of the surveyed lost customers' lost revenue; adds up to 1; NaN when that
        total is 0), ``rank_by_count``, ``rank_by_revenue`` (int64, 1 = largest, ties share the
        best rank), ``fixable`` (bool, :data:`FIXABLE_CATEGORIES`), ``action`` (str,
        :data:`RECOMMENDED_ACTIONS`). ``attrs`` holds ``survey_rows``, ``rows_of_lost``,
        ``rows_ignored`` (answers of customers not in ``lost``) and ``surveyed_lost``.
    """
    require(surveys, ("customer_id", "reason"), "surveys")
    require(lost, ("lost_revenue",), "lost")
    lost_ids = _lost_ids(lost)
    revenue = pd.Series(lost["lost_revenue"].to_numpy(dtype=np.float64), index=lost_ids)
    ids = surveys["customer_id"].astype(str)
    of_lost = ids.isin(lost_ids).to_numpy()
    answers = pd.DataFrame(
        {
            "customer_id": ids.to_numpy()[of_lost],
            "category": categorize_reasons(surveys["reason"], keywords=keywords).to_numpy()[
                of_lost
            ],
        }
    ).drop_duplicates()
    per_customer = answers.groupby("customer_id")["category"].transform("size")
    answers["revenue"] = (
        revenue.reindex(answers["customer_id"]).to_numpy() / per_customer.to_numpy()
    )
    surveyed = answers["customer_id"].nunique()
    table = answers.groupby("category").agg(
        customers=("customer_id", "size"), lost_revenue=("revenue", "sum")
    )
    total_revenue = table["lost_revenue"].sum()
    out = pd.DataFrame(
        {
            "category": table.index.astype(str),
            "customers": table["customers"].to_numpy(np.int64),
            "count_share": table["customers"].to_numpy(np.float64) / surveyed if surveyed else [],
            "lost_revenue": table["lost_revenue"].to_numpy(np.float64),
        }
    )
    out["revenue_share"] = (
        out["lost_revenue"] / total_revenue if total_revenue != 0 else np.nan
    )
    out["rank_by_count"] = out["customers"].rank(method="min", ascending=False).astype(np.int64)
    out["rank_by_revenue"] = (
        out["lost_revenue"].rank(method="min", ascending=False).astype(np.int64)
    )
    out["fixable"] = out["category"].isin(FIXABLE_CATEGORIES).astype(bool)
    out["action"] = out["category"].map(RECOMMENDED_ACTIONS).astype(str)
    out["_priority"] = out["category"].map({c: i for i, c in enumerate(PRIORITY)})
    out = out.sort_values(
        ["lost_revenue", "customers", "_priority"], ascending=[False, False, True]
    ).drop(columns="_priority")
    out = out.reset_index(drop=True)
    out.attrs = {
        "survey_rows": int(len(surveys)),
        "rows_of_lost": int(of_lost.sum()),
        "rows_ignored": int(len(surveys) - of_lost.sum()),
        "surveyed_lost": int(surveyed),
    }
    return out


def survey_coverage(surveys: pd.DataFrame, *, lost: pd.DataFrame) -> dict[str, float | int]:
    """Survey coverage of the lost customers (DESIGN.md rule 7).

    Parameters
    ----------
    surveys
        ``customer_id`` column (other columns ignored).
    lost
        The :func:`retention_lib.analysis.churn.lost_customers` frame (index ``customer_id``).

    Returns
    -------
    dict
        ``lost`` (int: lost customers), ``surveyed`` (int: of them, those with at least one
        survey row), ``coverage`` (float: surveyed / lost; NaN when nobody was lost).
    """
    require(surveys, ("customer_id",), "surveys")
    lost_ids = _lost_ids(lost)
    n_lost = int(lost_ids.nunique())
    surveyed = int(pd.Index(surveys["customer_id"].astype(str).unique()).isin(lost_ids).sum())
    return {
        "lost": n_lost,
        "surveyed": surveyed,
        "coverage": surveyed / n_lost if n_lost else float("nan"),
    }
