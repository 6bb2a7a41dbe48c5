"""The sample business's cast and its random draws: managers (one of them neglectful),
segments, regions, categories, exit reasons, signal notes and company events; the customer-level
draws of the whole sample (:class:`SampleBase`) and the event processes (Poisson, periodic,
renewal) the tables of :mod:`retention_lib.data.sample` are drawn from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "CATEGORIES",
    "EVENTS",
    "EXIT_REASONS",
    "EXIT_REASON_INDEX",
    "MANAGERS",
    "MARGIN_RATE",
    "NEGLECTFUL_INDEX",
    "NEGLECTFUL_MANAGER",
    "REASON_TEXT",
    "REGIONS",
    "SEGMENTS",
    "SIGNAL_KINDS",
    "SIGNAL_NOTES",
    "SURVEY_COMMENTS",
    "SampleBase",
    "UNIT_PRICE",
    "draw_base",
    "iso_dates",
    "month_start",
    "months_after",
    "periodic_events",
    "renewal_events",
    "uniform_events",
    "weekday",
]


MANAGERS = (
    "Ирина Соколова",
    "Дмитрий Ковальчук",
    "Олена Шевченко",
    "Андрей Морозов",
    "Наталья Лебедева",
    "Сергей Бондаренко",
)


#: The manager who neglects the contact cadence (planted fact 2).
NEGLECTFUL_MANAGER = MANAGERS[3]


NEGLECTFUL_INDEX = 3


_YEAR = 365.25


_SHOCK_MONTHS = 6  # price change: data start + 6 months (2024-05-01 by default)


_ASSORTMENT_MONTHS = 16


_SERVICE_MONTHS = 22


SEGMENTS = np.array(["B2B", "B2C", "HoReCa"])


REGIONS = np.array(["Центр", "Север", "Юг", "Запад", "Восток", "Export"])


CATEGORIES = np.array(
    ["Бытовая химия", "Упаковка", "Канцтовары", "Хозтовары", "Кофе и чай", "Напитки"]
)


UNIT_PRICE = np.array([6.5, 2.2, 3.8, 9.5, 14.0, 1.9])


MARGIN_RATE = np.array([0.24, 0.18, 0.31, 0.27, 0.22, 0.15])


_FORMS = np.array(["ООО", "ООО", "ООО", "ТОВ", "ТОВ", "АО", "ИП", "ФОП", "ПП"])


_ROOTS = np.array([
    "Альфа", "Вектор", "Горизонт", "Меридиан", "Сфера", "Орион", "Гранит", "Атлант", "Берег",
    "Вега", "Дельта", "Зенит", "Импульс", "Каскад", "Лидер", "Магистраль", "Нива", "Омега",
    "Парус", "Ресурс", "Сигма", "Титан", "Успех", "Фаворит", "Эталон", "Янтарь", "Днепр",
    "Карпаты", "Волга", "Слобода", "Полісся", "Подолье", "Азов", "Прометей", "Сокол", "Кристалл",
    "Фортуна", "Стимул", "Пульс", "Спектр", "Авангард", "Союз", "Рубин", "Сапфир", "Ладога",
    "Оберіг", "Злагода", "Світанок", "Криница", "Явір", "Колос", "Мрія", "Вулик", "Тандем",
    "Континент", "Профи", "Эксперт", "Ампир", "Бриз", "Гарант",
])


_SUFFIXES = np.array([
    "-Трейд", "Снаб", "Опт", "-Логистик", "-Сервис", " Групп", "-Маркет", "", "", "-Плюс",
    "Пром", "-Юг", "Торг", " Дистрибуция", "-Постач",
])


_LATIN = np.array([
    "Nordic Supply Ltd", "Baltic Foods GmbH", "Green Office s.r.o.", "Danube Trading SRL",
    "Vistula Packaging Sp. z o.o.", "Adriatic HoReCa d.o.o.", "Euro Clean Solutions",
    "Blue Harbor Hotels", "Central Coffee Roasters", "Prime Logistics Group",
])


# Exit-reason wordings per (hidden) category, in English, Russian and Ukrainian.
REASON_TEXT: dict[str, tuple[str, ...]] = {
    "price": (
        "слишком дорого", "too expensive", "цены выросли", "занадто дорого", "ціни зросли",
        "price increase", "не устраивает цена после повышения", "висока ціна",
        "дорого", "prices went up too much",
    ),
    "competitor": (
        "ушли к конкуренту", "switched to a competitor", "перейшли до конкурента",
        "конкурент предложил лучшие условия", "competitor offered better terms",
        "конкурент запропонував кращі умови", "нашли дешевле у конкурента",
    ),
    "service": (
        "плохой сервис, срывы доставки", "срывы сроков поставки", "poor service",
        "late deliveries", "погане обслуговування", "затримки доставки",
        "менеджер не выходит на связь", "manager never calls back", "плохое обслуживание",
    ),
    "assortment": (
        "нет нужного ассортимента", "не було потрібного асортименту", "product range too narrow",
        "сняли с продажи нужные позиции", "качество товара упало", "poor product quality",
        "якість товару погіршилась",
    ),
    "no_value": (
        "не увидели пользы", "не оправдались ожидания", "did not meet expectations",
        "не побачили користі", "no longer need the products", "не виправдали очікувань",
    ),
    "uncontrollable": (
        "переїхали", "закрылись", "moved to another city", "бизнес закрыт", "company closed",
        "припинили діяльність", "переехали",
    ),
    "unknown": ("без комментариев", "не указали причину", "no answer given"),
}


EXIT_REASONS = tuple(REASON_TEXT)


EXIT_REASON_INDEX = {c: i for i, c in enumerate(EXIT_REASONS)}


SURVEY_COMMENTS = np.array(["", "", "exit call", "опрос по телефону", "email-опитування"])


SIGNAL_NOTES = {
    "complaint": np.array([
        "жалоба на задержку доставки", "late delivery complaint", "скарга на якість товару",
        "неправильная комплектация заказа", "invoice error", "пошкоджена упаковка",
    ]),
    "competitor_interest": np.array([
        "спрашивал цены конкурентов", "asked us to match a competitor quote",
        "отримали пропозицію від конкурента", "рассматривают другого поставщика",
    ]),
    "запрос скидки": np.array(["просит скидку", "хоче знижку на обсяг"]),
    "late_payment": np.array(["payment 30 days overdue", "задержка оплаты"]),
}


SIGNAL_KINDS = np.array(list(SIGNAL_NOTES))


EVENTS = (
    (_SHOCK_MONTHS, "price_change", "Price list +12 % on all categories"),
    (_ASSORTMENT_MONTHS, "assortment_change", "Budget line of household goods discontinued"),
    (_SERVICE_MONTHS, "service_change", "New delivery partner: next-day delivery in all regions"),
)


@dataclass(frozen=True)
class SampleBase:
    """Customer-level draws for the whole sample (one array element per customer)."""

    start: int  # first day of data (days since 1970-01-01)
    end: int  # last day of data
    shock: int  # price change day
    ids: np.ndarray
    names: np.ndarray
    manager: np.ndarray  # int 0..5
    segment: np.ndarray  # int index into SEGMENTS
    region: np.ndarray
    signup: np.ndarray  # day
    acquired: np.ndarray  # bool: signed up within the data
    rate: np.ndarray  # purchases per year
    spend: np.ndarray  # mean order value
    tau: np.ndarray  # dropout day (float); may exceed end
    mech: np.ndarray  # 0 none, 1 base, 2 shock, 3 trial
    tier: np.ndarray  # intended cadence tier 0 VIP, 1 A, 2 B, 3 C
    big: np.ndarray  # bool: top 20 % expected revenue
    reason1: np.ndarray  # category index
    reason2: np.ndarray  # category index or -1
    surveyed: np.ndarray  # bool
    portal: np.ndarray  # bool: has usage data


def _day(value: str | pd.Timestamp) -> int:
    return int(np.datetime64(pd.Timestamp(value).date(), "D").astype(np.int64))


def iso_dates(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(np.asarray(days, dtype=np.int64).astype("datetime64[D]"))


def months_after(start: pd.Timestamp, months: int) -> int:
    return _day(start + pd.DateOffset(months=months))


def draw_base(n: int, rng: np.random.Generator, end: str) -> SampleBase:
    end_ts = pd.Timestamp(end)
    start_ts = end_ts + pd.Timedelta(days=1) - pd.DateOffset(years=3)
    start, end_d = _day(start_ts), _day(end_ts)
    shock = months_after(start_ts, _SHOCK_MONTHS)

    n_exist = int(round(0.55 * n))
    acquired = np.arange(n) >= n_exist
    signup = np.where(
        acquired,
        start + rng.uniform(0, end_d - start - 20, n),
        start - rng.uniform(30, 6 * 365, n),
    ).astype(np.int64)
    order = np.argsort(signup, kind="stable")
    signup, acquired = signup[order], acquired[order]

    manager = rng.integers(0, len(MANAGERS), n)
    segment = rng.choice(3, n, p=[0.8, 0.12, 0.08])
    region = rng.integers(0, len(REGIONS), n)
    rate = np.maximum(rng.gamma(1.4, 8.0 / 1.4, n), 0.5)
    spend = np.exp(rng.normal(np.log(260.0), 1.2, n)) * np.where(segment == 1, 0.4, 1.3)
    expected = rate * spend
    pct = np.argsort(np.argsort(expected, kind="stable"), kind="stable") / max(n - 1, 1)
    big = pct >= 0.8

    # intended cadence tier from the expected revenue ranking (ABC-like)
    desc = np.argsort(-expected, kind="stable")
    cum = np.empty(n)
    cum[desc] = np.cumsum(expected[desc]) / expected.sum()
    tier = np.select([pct >= 0.95, cum <= 0.80, cum <= 0.95], [0, 1, 2], 3)

    # dropout: heterogeneous hazard, the neglectful manager's customers 2.3x
    hazard = rng.gamma(2.0, 0.05 / 2.0, n) * np.where(manager == NEGLECTFUL_INDEX, 3.2, 1.0)
    born = np.where(acquired, signup, start).astype(float)
    tau = born + rng.exponential(1.0, n) / hazard * _YEAR
    mech = np.ones(n, dtype=np.int64)
    trial = acquired & (rng.random(n) < 0.15)
    t_trial = signup + 8 + rng.exponential(75.0, n)
    mech = np.where(trial & (t_trial < tau), 3, mech)
    tau = np.where(trial, np.minimum(tau, t_trial), tau)
    # price shock: small price-sensitive customers alive at the price change
    sensitive = (pct < 0.6) & (rng.random(n) < 0.55) & (signup < shock - 60) & (tau > shock)
    shocked = sensitive & (rng.random(n) < 0.65)
    t_shock = shock + rng.gamma(2.0, 30.0, n)
    mech = np.where(shocked & (t_shock < tau), 2, mech)
    tau = np.where(shocked, np.minimum(tau, t_shock), tau)
    mech = np.where(tau > end_d, 0, mech)

    reason1 = _draw_reasons(rng, mech, big, manager == NEGLECTFUL_INDEX)
    second = rng.random(n) < 0.25
    r2 = rng.choice(np.array([0, 1, 2, 3]), n)  # price, competitor, service, assortment
    reason2 = np.where(second & (r2 != reason1), r2, -1)
    surveyed = rng.random(n) < np.where(big, 0.75, 0.5)
    portal = rng.random(n) < np.where(big, 0.8, 0.55)

    width = max(5, len(str(n)))
    ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), width))
    names = _company_names(rng, n)
    return SampleBase(
        start=start, end=end_d, shock=shock, ids=ids, names=names, manager=manager,
        segment=segment, region=region, signup=signup, acquired=acquired, rate=rate,
        spend=spend, tau=tau, mech=mech, tier=tier, big=big, reason1=reason1,
        reason2=reason2, surveyed=surveyed, portal=portal,
    )


def _draw_reasons(
    rng: np.random.Generator, mech: np.ndarray, big: np.ndarray, neglect: np.ndarray
) -> np.ndarray:
    """Primary exit-reason category per customer (index into the category list)."""
    probs = {  # order: price, competitor, service, assortment, no_value, uncontrollable, unknown
        "shock": (0.86, 0.10, 0.0, 0.0, 0.0, 0.0, 0.04),
        "trial": (0.30, 0.0, 0.0, 0.28, 0.38, 0.0, 0.04),
        "neglect": (0.08, 0.20, 0.60, 0.05, 0.04, 0.0, 0.03),
        "big": (0.06, 0.26, 0.54, 0.07, 0.02, 0.03, 0.02),
        "small": (0.30, 0.08, 0.12, 0.15, 0.05, 0.26, 0.04),
    }
    cum = {k: np.cumsum(v) / sum(v) for k, v in probs.items()}
    u = rng.random(len(mech))
    pick = {k: np.searchsorted(c, u, side="right").clip(0, len(EXIT_REASONS) - 1)
            for k, c in cum.items()}
    return np.select(
        [mech == 2, mech == 3, neglect, big],
        [pick["shock"], pick["trial"], pick["neglect"], pick["big"]],
        pick["small"],
    )


def _company_names(rng: np.random.Generator, n: int) -> np.ndarray:
    form = rng.choice(_FORMS, n)
    root = rng.choice(_ROOTS, n)
    suffix = rng.choice(_SUFFIXES, n)
    names = pd.Series(form, dtype=object) + ' "' + root + suffix + '"'
    latin = rng.random(n) < 0.03
    names = names.where(~latin, pd.Series(rng.choice(_LATIN, n), dtype=object))
    dup = names.groupby(names).cumcount()
    names = names.where(dup == 0, names + " (" + (dup + 1).astype(str) + ")")
    return names.to_numpy(dtype=object)


def uniform_events(
    rng: np.random.Generator, cust: np.ndarray, t0: np.ndarray, t1: np.ndarray, per_year: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson events in [t0, t1) per customer: (customer index, day as float)."""
    length = np.maximum(t1 - t0, 0.0)
    counts = rng.poisson(per_year * length / _YEAR)
    rep = np.repeat(np.arange(len(cust)), counts)
    days = t0[rep] + rng.random(len(rep)) * length[rep]
    return cust[rep], days


def periodic_events(
    rng: np.random.Generator,
    cust: np.ndarray,
    t0: np.ndarray,
    t1: np.ndarray,
    gap: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Events every ``gap * U(lo, hi)`` days in [t0, t1) per customer, random first phase."""
    keep = t1 > t0
    cust, t0, t1, gap, lo, hi = cust[keep], t0[keep], t1[keep], gap[keep], lo[keep], hi[keep]
    if not len(cust):  # a chunk in which nobody has an active span (seen at 1.4M customers)
        return cust, t0.astype(float)
    counts = (np.ceil((t1 - t0) / (gap * lo)) + 1).astype(np.int64)
    rep = np.repeat(np.arange(len(cust)), counts)
    steps = gap[rep] * rng.uniform(lo[rep], hi[rep])
    first = np.r_[0, np.cumsum(counts)[:-1]]
    steps[first] *= rng.random(len(first))  # phase of the first event
    cs = np.cumsum(steps)
    offset = np.repeat(cs[first] - steps[first], counts)
    days = t0[rep] + cs - offset
    ok = days < t1[rep]
    return cust[rep][ok], days[ok]


def renewal_events(
    rng: np.random.Generator,
    cust: np.ndarray,
    t0: np.ndarray,
    t1: np.ndarray,
    per_year: np.ndarray,
    shape: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Renewal process in [t0, t1): gamma(shape) gaps with mean 365.25 / per_year days.

    The first event has a random phase; ``shape > 1`` makes reorders more regular than
    a Poisson process (B2B customers reorder on a rhythm).
    """
    mean_gap = _YEAR / per_year
    length = np.maximum(t1 - t0, 0.0)
    counts = (np.ceil(1.6 * length / mean_gap) + 6).astype(np.int64)
    counts = np.where(length > 0, counts, 0)
    rep = np.repeat(np.arange(len(cust)), counts)
    steps = mean_gap[rep] * rng.gamma(shape, 1.0 / shape, len(rep))
    first = np.r_[0, np.cumsum(counts)[:-1]][counts > 0]
    steps[first] *= rng.random(len(first))
    cs = np.cumsum(steps)
    offset = np.repeat(cs[first] - steps[first], counts[counts > 0])
    days = t0[rep] + cs - offset
    ok = days < t1[rep]
    return cust[rep][ok], days[ok]


def weekday(days: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Integer days with Saturdays/Sundays moved back to Friday (never before ``floor``)."""
    d = np.floor(days).astype(np.int64)
    dow = (d + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    d = np.where(dow >= 5, d - (dow - 4), d)
    return np.maximum(d, floor)


def month_start(days: np.ndarray) -> np.ndarray:
    months = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return months.astype("datetime64[D]").astype(np.int64)
