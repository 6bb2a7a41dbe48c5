"""The deterministic sample business: a B2B distributor with planted, documented facts.

:func:`generate_sample` returns the seven tables of the data contract as DataFrames whose
columns hold exactly what the CSV files hold (dates as ``YYYY-MM-DD`` strings, amounts as
floats rounded to cents); :func:`write_sample` writes them as CSV files, one per table.
The same ``(customers, seed, end)`` always gives byte-identical files.

The model (all randomness from ``numpy.random.default_rng(seed)`` and its spawned children):

* About 55 % of the customers exist before the data start (``end`` minus 3 years plus a
  day), the rest are acquired evenly over the three years; customer ids follow signup order.
* Buy-till-you-die purchases: each customer reorders with a gamma-distributed yearly rate
  (gamma(3) gaps between orders: B2B customers reorder on a rhythm) until a dropout time
  drawn from a gamma-distributed hazard; in the 180 days before dropping out the rate falls
  to 25 % (Poisson).  Order values are gamma around a lognormal customer mean, so about a
  fifth of the customers carry about three quarters of the revenue.  About 1 % of the
  orders get a partial or full refund (negative amount, order id ``<id>-R``) dated before
  the customer's next order.
* Planted facts (measured figures in ``data/sample/README.md``): a price-list increase
  (+12 %) six months after the data start makes part of the small, price-sensitive customers
  drop out within months; one manager (:data:`NEGLECTFUL_MANAGER`) contacts far less often
  than the tier cadence asks and their customers' dropout hazard is 2.3 times the others';
  exit reasons of small customers are mostly price while big accounts leave for service and
  competitor reasons, and only part of the lost customers answer the survey; leavers show
  complaints, competitor interest, fewer answered contacts and low usage in the 90 days
  before their last purchase; a few lost customers come back in the last year.

Large samples are generated in chunks of :data:`CHUNK_CUSTOMERS` customers, so
``write_sample(out, customers=1_000_000)`` keeps memory bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "CHUNK_CUSTOMERS",
    "MANAGERS",
    "NEGLECTFUL_MANAGER",
    "RETAIL_EXPORT_CONFIG",
    "SUBSCRIPTION_PLANS",
    "TABLE_COLUMNS",
    "generate_sample",
    "generate_subscription",
    "retail_export",
    "write_retail_export",
    "write_subscription",
    "write_sample",
]

#: Columns of each written table, in file order (the data contract's names).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "transactions": ("customer_id", "date", "amount", "order_id", "quantity", "category", "margin"),
    "customers": (
        "customer_id", "name", "manager", "segment", "region", "signup_date", "churned_on",
    ),
    "contacts": ("customer_id", "date", "channel", "manager", "direction", "answered"),
    "surveys": ("customer_id", "date", "reason", "comment"),
    "signals": ("customer_id", "date", "kind", "note"),
    "events": ("date", "kind", "description"),
    "usage": ("customer_id", "period", "active_units"),
}

#: Customers generated per chunk (memory bound for large samples).
CHUNK_CUSTOMERS = 20_000

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
_NEGLECT = 3

_YEAR = 365.25
_SHOCK_MONTHS = 6  # price change: data start + 6 months (2024-05-01 by default)
_ASSORTMENT_MONTHS = 16
_SERVICE_MONTHS = 22

_SEGMENTS = np.array(["B2B", "B2C", "HoReCa"])
_REGIONS = np.array(["Центр", "Север", "Юг", "Запад", "Восток", "Export"])
_CATEGORIES = np.array(
    ["Бытовая химия", "Упаковка", "Канцтовары", "Хозтовары", "Кофе и чай", "Напитки"]
)
_UNIT_PRICE = np.array([6.5, 2.2, 3.8, 9.5, 14.0, 1.9])
_MARGIN_RATE = np.array([0.24, 0.18, 0.31, 0.27, 0.22, 0.15])

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
_REASON_TEXT: dict[str, tuple[str, ...]] = {
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
_CATS = tuple(_REASON_TEXT)
_CAT_INDEX = {c: i for i, c in enumerate(_CATS)}
_SURVEY_COMMENTS = np.array(["", "", "exit call", "опрос по телефону", "email-опитування"])

_NOTES = {
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
_SIGNAL_KINDS = np.array(list(_NOTES))

_EVENTS = (
    (_SHOCK_MONTHS, "price_change", "Price list +12 % on all categories"),
    (_ASSORTMENT_MONTHS, "assortment_change", "Budget line of household goods discontinued"),
    (_SERVICE_MONTHS, "service_change", "New delivery partner: next-day delivery in all regions"),
)


@dataclass(frozen=True)
class _Base:
    """Customer-level draws for the whole sample (one array element per customer)."""

    start: int  # first day of data (days since 1970-01-01)
    end: int  # last day of data
    shock: int  # price change day
    ids: np.ndarray
    names: np.ndarray
    manager: np.ndarray  # int 0..5
    segment: np.ndarray  # int index into _SEGMENTS
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


def _dates(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(np.asarray(days, dtype=np.int64).astype("datetime64[D]"))


def _months_after(start: pd.Timestamp, months: int) -> int:
    return _day(start + pd.DateOffset(months=months))


def _draw_base(n: int, rng: np.random.Generator, end: str) -> _Base:
    end_ts = pd.Timestamp(end)
    start_ts = end_ts + pd.Timedelta(days=1) - pd.DateOffset(years=3)
    start, end_d = _day(start_ts), _day(end_ts)
    shock = _months_after(start_ts, _SHOCK_MONTHS)

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
    region = rng.integers(0, len(_REGIONS), n)
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
    hazard = rng.gamma(2.0, 0.05 / 2.0, n) * np.where(manager == _NEGLECT, 3.2, 1.0)
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

    reason1 = _draw_reasons(rng, mech, big, manager == _NEGLECT)
    second = rng.random(n) < 0.25
    r2 = rng.choice(np.array([0, 1, 2, 3]), n)  # price, competitor, service, assortment
    reason2 = np.where(second & (r2 != reason1), r2, -1)
    surveyed = rng.random(n) < np.where(big, 0.75, 0.5)
    portal = rng.random(n) < np.where(big, 0.8, 0.55)

    width = max(5, len(str(n)))
    ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), width))
    names = _company_names(rng, n)
    return _Base(
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
    pick = {k: np.searchsorted(c, u, side="right").clip(0, len(_CATS) - 1) for k, c in cum.items()}
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


# ----------------------------------------------------------------------------- helpers


def _uniform_events(
    rng: np.random.Generator, cust: np.ndarray, t0: np.ndarray, t1: np.ndarray, per_year: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson events in [t0, t1) per customer: (customer index, day as float)."""
    length = np.maximum(t1 - t0, 0.0)
    counts = rng.poisson(per_year * length / _YEAR)
    rep = np.repeat(np.arange(len(cust)), counts)
    days = t0[rep] + rng.random(len(rep)) * length[rep]
    return cust[rep], days


def _periodic_events(
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


def _renewal_events(
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


def _weekday(days: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Integer days with Saturdays/Sundays moved back to Friday (never before ``floor``)."""
    d = np.floor(days).astype(np.int64)
    dow = (d + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    d = np.where(dow >= 5, d - (dow - 4), d)
    return np.maximum(d, floor)


def _month_start(days: np.ndarray) -> np.ndarray:
    months = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return months.astype("datetime64[D]").astype(np.int64)


# ----------------------------------------------------------------------------- one chunk


def _chunk(base: _Base, lo: int, hi: int, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    n = hi - lo
    idx = np.arange(n)
    start, end = base.start, base.end
    signup = base.signup[lo:hi].astype(float)
    acquired = base.acquired[lo:hi]
    rate, spend, tau = base.rate[lo:hi], base.spend[lo:hi], base.tau[lo:hi]
    manager, tier = base.manager[lo:hi], base.tier[lo:hi]
    neglect = manager == _NEGLECT
    segment = base.segment[lo:hi]

    alive_from = np.maximum(signup, start).astype(float)
    stop = np.minimum(tau, end + 1.0)
    decline = np.clip(tau - 180.0, alive_from, stop)

    # --- purchases -------------------------------------------------------------------
    c1, d1 = _renewal_events(rng, idx, alive_from, decline, rate, 3.0)
    c2, d2 = _uniform_events(rng, idx, decline, stop, 0.25 * rate)
    first_day = signup + rng.integers(0, 9, n)
    c0 = idx[acquired]
    d0 = first_day[acquired]
    cust = np.concatenate([c0, c1, c2])
    day = _weekday(np.concatenate([d0, d1, d2]), alive_from[np.concatenate([c0, c1, c2])])
    day = np.minimum(day, end)

    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, cust, day)
    has = last >= 0

    # --- contractual ends and win-backs -----------------------------------------------
    dropped = has & (tau <= end)
    u = rng.random(n)
    contractual = dropped & (segment == 0) & (last <= end - 60) & (u < 0.006)
    churned_on = np.where(contractual, last + rng.integers(14, 60, n), -1)
    cand = dropped & ~contractual & (last <= end - 365 - 90)
    k = min(int(cand.sum()), max(1, int(round(0.012 * n))))
    won = np.zeros(n, dtype=bool)
    if k:
        won[rng.choice(np.flatnonzero(cand), k, replace=False)] = True
    r_lo = np.maximum(last + 365 + 30, end - 300)
    back = np.where(won, r_lo + rng.random(n) * np.maximum(end - 5 - r_lo, 0), np.inf)
    won &= back <= end - 5
    back = np.where(won, np.floor(back), np.inf)
    cw, dw = _uniform_events(rng, idx[won], back[won], np.full(won.sum(), end + 1.0), rate[won])
    cust = np.concatenate([cust, idx[won], cw])
    day = np.concatenate([day, back[won].astype(np.int64), _weekday(dw, back[cw].astype(int))])
    day = np.minimum(day, end)

    # --- transactions table -----------------------------------------------------------
    main_cat = rng.integers(0, len(_CATEGORIES), n)
    m = len(cust)
    price = np.where(day >= base.shock, 1.12, 1.0)
    amount = np.round(spend[cust] * rng.gamma(4.0, 0.25, m) * price, 2)
    amount = np.maximum(amount, 1.0)
    cat = np.where(rng.random(m) < 0.6, main_cat[cust], rng.integers(0, len(_CATEGORIES), m))
    quantity = np.maximum(1, np.round(amount / (_UNIT_PRICE[cat] * price))).astype(np.int64)
    margin = np.round(amount * _MARGIN_RATE[cat] * rng.uniform(0.8, 1.2, m), 2)
    order = np.lexsort((amount, day, cust))
    cust, day, amount, cat, quantity, margin = (
        a[order] for a in (cust, day, amount, cat, quantity, margin)
    )
    # refunds: ~1 % of orders that are not a customer's last; dated before the next order
    nxt_same = np.r_[cust[1:] == cust[:-1], False]
    nxt_day = np.r_[day[1:], end]
    refund = nxt_same & (rng.random(m) < 0.011)
    frac = rng.uniform(0.1, 1.0, m)
    r_day = np.maximum(day, np.minimum(day + rng.integers(1, 15, m), nxt_day - 1))
    tx = pd.DataFrame({
        "c": np.concatenate([cust, cust[refund]]),
        "date": np.concatenate([day, r_day[refund]]),
        "amount": np.concatenate([amount, -np.maximum(np.round(amount * frac, 2), 0.01)[refund]]),
        "seq": np.concatenate([np.arange(m), np.arange(m)[refund]]),
        "refund": np.r_[np.zeros(m, dtype=bool), np.ones(refund.sum(), dtype=bool)],
        "quantity": np.concatenate(
            [quantity, -np.maximum(1, np.round(quantity * frac)).astype(np.int64)[refund]]
        ),
        "category": _CATEGORIES[np.concatenate([cat, cat[refund]])],
        "margin": np.concatenate([margin, -np.round(margin * frac, 2)[refund]]),
    })
    tx = tx.sort_values(["c", "date", "seq", "refund"], kind="stable").reset_index(drop=True)

    # --- markers window: from 90 days before the last purchase until a win-back -------
    pre_from = np.where(dropped, last - 90.0, np.inf)
    pre_to = np.where(won, back, np.inf)

    def in_pre(c: np.ndarray, d: np.ndarray) -> np.ndarray:
        return (d >= pre_from[c]) & (d < pre_to[c])

    # --- contacts -----------------------------------------------------------------------
    call_gap = np.array([7.0, 14.0, 30.0, 182.0])[tier]
    lo_f = np.where(neglect, 1.6, 0.85)
    hi_f = np.where(neglect, 4.5, 1.45)
    c_end = np.where(won, end + 1.0, np.minimum(np.where(dropped, tau + 120.0, end + 1.0), end + 1))
    c_end = np.where(has, c_end, np.minimum(alive_from + 200, end + 1.0))
    cc, cd = _periodic_events(rng, idx, alive_from, c_end, call_gap, lo_f, hi_f)
    # lost customers: good managers still call about yearly
    lost_keep = dropped & ~won & ~neglect
    lc, ld = _periodic_events(
        rng, idx[lost_keep], c_end[lost_keep], np.full(lost_keep.sum(), end + 1.0),
        np.full(lost_keep.sum(), 300.0), np.full(lost_keep.sum(), 0.8),
        np.full(lost_keep.sum(), 1.2),
    )
    meet = tier <= 1
    meet_gap = np.where(tier == 0, 30.0, 90.0)
    mc, md = _periodic_events(
        rng, idx[meet], alive_from[meet], c_end[meet], meet_gap[meet],
        np.where(neglect[meet], 2.0, 0.6), np.where(neglect[meet], 5.0, 1.3),
    )
    ec, ed = _uniform_events(rng, idx, alive_from, c_end, np.full(n, 0.6))
    ic, idd = _uniform_events(rng, idx, alive_from, stop, 0.1 * rate + 0.5)
    keep_in = ~in_pre(ic, idd) | (rng.random(len(ic)) < 0.2)
    ic, idd = ic[keep_in], idd[keep_in]

    channel = np.concatenate([
        np.full(len(cc) + len(lc), 0), np.full(len(mc), 1), np.full(len(ec), 2),
        np.full(len(ic), 0),
    ])
    ccust = np.concatenate([cc, lc, mc, ec, ic])
    cday = np.concatenate([cd, ld, md, ed, idd])
    inbound = np.r_[np.zeros(len(ccust) - len(ic), dtype=bool), np.ones(len(ic), dtype=bool)]
    pre = in_pre(ccust, cday)
    p_answer = np.select(
        [inbound | (channel == 1), channel == 2], [1.0, np.where(pre, 0.1, 0.45)],
        np.where(pre, 0.3, 0.85),
    )
    answered = rng.random(len(ccust)) < p_answer
    cday = np.minimum(_weekday(cday, alive_from[ccust].astype(np.int64)), end)
    contacts = pd.DataFrame({
        "c": ccust, "date": cday,
        "channel": np.array(["call", "meeting", "email"])[channel],
        "manager": np.array(MANAGERS)[manager[ccust]],
        "direction": np.where(inbound, "inbound", "outbound"),
        "answered": np.where(answered, "True", "False"),
    })

    # --- signals --------------------------------------------------------------------------
    # background: every customer, while buying (complaint, competitor_interest, free text)
    background = np.array([0.05, 0.015, 0.12, 0.08])
    stream, bd = _uniform_events(
        rng, np.arange(4 * n), np.repeat(alive_from, 4), np.repeat(stop, 4), np.tile(background, n)
    )
    sc_list, sd_list, sk_list = [stream // 4], [bd], [stream % 4]
    # leavers: complaints and competitor interest around their last purchase; price-shocked
    # customers also ask for a discount
    shocked = base.mech[lo:hi] == 2
    for kind, prob, lo_d, hi_d in (
        (0, 0.6, -90, 0), (0, 0.3, -90, 30), (1, 0.45, -60, 60), (2, 0.3, -90, 0),
    ):
        p = np.where(shocked, 0.3, 0.03) if kind == 2 else np.full(n, prob)
        hit = dropped & (rng.random(n) < p)
        sc_list.append(idx[hit])
        sd_list.append(last[hit] + rng.uniform(lo_d, hi_d, hit.sum()))
        sk_list.append(np.full(hit.sum(), kind))
    sc = np.concatenate(sc_list)
    sd = np.concatenate(sd_list)
    sk = np.concatenate(sk_list)
    sd = np.clip(np.floor(sd), alive_from[sc], end).astype(np.int64)
    note = np.empty(len(sc), dtype=object)
    for i, kind in enumerate(_SIGNAL_KINDS):
        sel = sk == i
        note[sel] = rng.choice(_NOTES[kind], sel.sum())
    signals = pd.DataFrame({"c": sc, "date": sd, "kind": _SIGNAL_KINDS[sk], "note": note})

    # --- usage ------------------------------------------------------------------------------
    portal = base.portal[lo:hi] & has
    u_end = np.where(won | ~dropped, end, np.minimum(np.maximum(tau, last + 365), end))
    m0 = _month_start(alive_from)
    m1 = _month_start(u_end)
    n_months = np.where(portal, np.round((m1 - m0) / 30.44).astype(np.int64) + 1, 0)
    uc = np.repeat(idx, n_months)
    first = np.r_[0, np.cumsum(n_months)[:-1]]
    k_month = np.arange(len(uc)) - np.repeat(first, n_months)
    period = (
        (m0[uc].astype("datetime64[D]").astype("datetime64[M]") + k_month)
        .astype("datetime64[D]").astype(np.int64)
    )
    level = (3.0 + 0.8 * rate[uc]) * rng.gamma(8.0, 1 / 8.0, len(uc))
    level = np.where(in_pre(uc, period + 15.0), level * 0.2, level)
    level = np.where((period >= tau[uc]) & ~won[uc], 0.0, level)
    units = rng.poisson(level)
    usage = pd.DataFrame({"c": uc, "period": period, "active_units": units})

    # --- surveys ----------------------------------------------------------------------------
    lost_on = np.where(contractual, churned_on, last + 365)
    lost = dropped & (lost_on <= end)
    srv = lost & base.surveyed[lo:hi]
    s_day = lost_on + np.floor(rng.random(n) * (np.minimum(60, end - lost_on) + 1))
    r1 = np.where(contractual, _CAT_INDEX["uncontrollable"], base.reason1[lo:hi])
    r2 = np.where(contractual, -1, base.reason2[lo:hi])
    two = srv & (r2 >= 0)
    qc = np.concatenate([idx[srv], idx[two]])
    qcat = np.concatenate([r1[srv], r2[two]])
    text = np.empty(len(qc), dtype=object)
    for i, cat_name in enumerate(_CATS):
        sel = qcat == i
        text[sel] = rng.choice(np.array(_REASON_TEXT[cat_name], dtype=object), sel.sum())
    comment = rng.choice(_SURVEY_COMMENTS, n)
    surveys = pd.DataFrame({
        "c": qc, "date": s_day[qc].astype(np.int64), "reason": text, "comment": comment[qc],
    })

    # --- customers ------------------------------------------------------------------------
    customers = pd.DataFrame({
        "customer_id": base.ids[lo:hi],
        "name": base.names[lo:hi],
        "manager": np.array(MANAGERS)[manager],
        "segment": _SEGMENTS[segment],
        "region": _REGIONS[base.region[lo:hi]],
        "signup_date": _dates(base.signup[lo:hi]),
        "churned_on": np.where(contractual, _dates(np.maximum(churned_on, 0)), ""),
    })

    ids = base.ids[lo:hi]

    def finish(frame: pd.DataFrame, date_col: str, sort: list[str]) -> pd.DataFrame:
        frame = frame.sort_values(["c", date_col, *sort], kind="stable")
        frame = frame.drop_duplicates(ignore_index=True)
        frame.insert(0, "customer_id", ids[frame["c"].to_numpy()])
        frame[date_col] = _dates(frame[date_col].to_numpy())
        return frame.drop(columns="c")

    tx = finish(tx, "date", ["seq", "refund"])
    tx = tx.drop(columns=["seq", "refund"])
    return {
        "transactions": tx,
        "customers": customers,
        "contacts": finish(contacts, "date", ["channel", "direction", "answered"]),
        "surveys": finish(surveys, "date", ["reason"]),
        "signals": finish(signals, "date", ["kind", "note"]),
        "usage": finish(usage, "period", []),
    }


def _events(base: _Base) -> pd.DataFrame:
    start_ts = pd.Timestamp(np.datetime64(base.start, "D"))
    return pd.DataFrame({
        "date": [_dates([_months_after(start_ts, m)])[0] for m, _, _ in _EVENTS],
        "kind": [k for _, k, _ in _EVENTS],
        "description": [d for _, _, d in _EVENTS],
    })


#: The date column of each table cut by ``months`` (customers are kept whole: a CRM knows
#: customers from before the export's first day).
_CUT_COLUMNS = {
    "transactions": "date", "contacts": "date", "surveys": "date", "signals": "date",
    "events": "date", "usage": "period",
}


def _history_start(end: str, months: int | None) -> str | None:
    """First day kept when the history is cut to ``months`` months ending on ``end``."""
    if months is None:
        return None
    if not 1 <= months <= 36:
        raise ValueError(f"months must be between 1 and 36 (the three years), got {months}")
    start = pd.Timestamp(end) + pd.Timedelta(days=1) - pd.DateOffset(months=months)
    return start.strftime("%Y-%m-%d")


def _cut(tables: dict[str, pd.DataFrame], first_day: str | None) -> dict[str, pd.DataFrame]:
    """The rows dated on or after ``first_day`` (ISO strings compare as dates)."""
    if first_day is None:
        return tables
    out = dict(tables)
    for table, column in _CUT_COLUMNS.items():
        frame = out.get(table)
        if frame is not None:
            out[table] = frame.loc[frame[column].to_numpy(dtype=str) >= first_day].reset_index(
                drop=True
            )
    return out


def _iter_chunks(
    customers: int, seed: int, end: str, months: int | None = None
) -> Iterator[dict[str, pd.DataFrame]]:
    if customers < 10:
        raise ValueError(f"customers must be at least 10, got {customers}")
    first_day = _history_start(end, months)
    root = np.random.default_rng(seed)
    base = _draw_base(customers, root, end)
    bounds = list(range(0, customers, CHUNK_CUSTOMERS)) + [customers]
    children = root.spawn(len(bounds) - 1)
    next_order = 1
    for (lo, hi), rng in zip(zip(bounds[:-1], bounds[1:], strict=True), children, strict=True):
        tables = _chunk(base, lo, hi, rng)
        tx = tables["transactions"]
        is_refund = tx["amount"].to_numpy() < 0
        # order ids: sequential over sale rows; a refund carries its sale's id + "-R"
        sale_no = np.cumsum(~is_refund) - 1 + next_order
        next_order += int((~is_refund).sum())
        oid = np.char.add("SO", np.char.zfill(sale_no.astype(str), 7))
        oid = np.where(is_refund, np.char.add(oid, "-R"), oid)
        tx.insert(3, "order_id", oid)
        tables["transactions"] = tx
        if lo == 0:
            tables["events"] = _events(base)
        tables = _cut(tables, first_day)
        yield {t: tables[t].loc[:, list(TABLE_COLUMNS[t])] for t in TABLE_COLUMNS if t in tables}


def generate_sample(
    *, customers: int = 2000, seed: int = 20261031, end: str = "2026-10-31",
    months: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Generate the sample business in memory.

    Parameters
    ----------
    customers
        Number of customers (at least 10).
    seed
        Seed of ``numpy.random.default_rng``; the same arguments give the same tables.
    end
        Last day of the data (``YYYY-MM-DD``); the data cover the three years up to it.
    months
        Keep only the last ``months`` months (1..36) of history up to ``end``: the same
        business, exported over a shorter window (every dated table cut at
        ``end + 1 day - months``; ``customers`` kept whole).  ``None``: the three years.

    Returns
    -------
    dict of str to DataFrame
        One frame per table of the data contract, columns as in :data:`TABLE_COLUMNS`,
        default RangeIndex, rows sorted by customer_id then date.  Values are what the CSV
        files hold: ids, names and dates (``YYYY-MM-DD``) as strings, ``amount`` and
        ``margin`` float64 rounded to cents, ``quantity`` and ``active_units`` int64,
        ``answered`` the strings ``"True"``/``"False"``, ``churned_on`` empty when unknown.
    """
    parts: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLE_COLUMNS}
    for chunk in _iter_chunks(customers, seed, end, months):
        for table, frame in chunk.items():
            parts[table].append(frame)
    return {t: pd.concat(p, ignore_index=True) for t, p in parts.items()}


def _to_csv(frame: pd.DataFrame, path: Path, *, append: bool) -> None:
    frame.to_csv(
        path, mode="a" if append else "w", header=not append, index=False,
        encoding="utf-8", lineterminator="\n", float_format="%.2f",
    )


def write_sample(
    out: str | Path, *, customers: int = 2000, seed: int = 20261031, end: str = "2026-10-31",
    months: int | None = None,
) -> dict[str, int]:
    """Write the sample business as CSV files ``<table>.csv`` into ``out``.

    Generates and writes chunk by chunk (:data:`CHUNK_CUSTOMERS` customers at a time), so
    memory stays bounded for large samples.  UTF-8, ``\\n`` line endings, dates
    ``YYYY-MM-DD``, amounts with two decimals; same arguments give byte-identical files.
    ``months``: as in :func:`generate_sample`.

    Returns
    -------
    dict of str to int
        Rows written per table, in :data:`TABLE_COLUMNS` order.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    counts = dict.fromkeys(TABLE_COLUMNS, 0)
    for i, chunk in enumerate(_iter_chunks(customers, seed, end, months)):
        for table in TABLE_COLUMNS:
            frame = chunk.get(table)
            if frame is None:
                continue
            _to_csv(frame, out / f"{table}.csv", append=i > 0 and table != "events")
            counts[table] += len(frame)
    return counts


# --------------------------------------------------------------------------- a retail export

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


# ----------------------------------------------------------------------------- subscription

#: Monthly plan prices of :func:`generate_subscription` (EUR).
SUBSCRIPTION_PLANS = (29.0, 59.0, 99.0)
_SUBSCRIPTION_REASONS = ("too expensive", "found a cheaper competitor", "support too slow",
                         "closed the business", "no longer needed")


def generate_subscription(
    *, customers: int = 300, seed: int = 20261130, end: str = "2026-10-31", months: int = 24
) -> dict[str, pd.DataFrame]:
    """A subscription business: monthly billing until the customer cancels.

    The shape a buy-till-you-die model (BG/NBD) is not meant for: every customer pays the
    price of their plan on the day of the month they signed up, every month, from their
    signup to their cancellation; nobody buys between two bills.  Customers sign up evenly
    over the ``months`` up to ``end``; each month an active customer cancels with a
    probability of 3 % (so about 30 % a year); a cancellation is written as
    ``customers.churned_on`` (the day after the last bill's month ends) and about half of
    the cancelled customers answer an exit survey.

    Parameters
    ----------
    customers
        Number of customers (at least 10).
    seed
        Seed of ``numpy.random.default_rng``; the same arguments give the same tables.
    end
        Last day of the data (``YYYY-MM-DD``).
    months
        Length of the history in months (at least 2).

    Returns
    -------
    dict of str to DataFrame
        ``transactions`` (customer_id, date, amount: one row per bill), ``customers``
        (customer_id, name, segment, signup_date, churned_on: empty while subscribed) and
        ``surveys`` (customer_id, date, reason), dates as ``YYYY-MM-DD`` strings, sorted by
        customer then date, default RangeIndex.
    """
    if customers < 10 or months < 2:
        raise ValueError(f"customers must be >= 10 and months >= 2, got {customers}, {months}")
    rng = np.random.default_rng(seed)
    end_ts = pd.Timestamp(end)
    start = end_ts - pd.DateOffset(months=months) + pd.Timedelta(days=1)
    span = (end_ts - start).days
    tx_rows: list[tuple[str, pd.Timestamp, float]] = []
    cust_rows: list[dict[str, object]] = []
    survey_rows: list[tuple[str, pd.Timestamp, str]] = []
    width = len(str(customers))
    for i in range(customers):
        cid = f"S{i + 1:0{width}d}"
        signup = start + pd.Timedelta(days=int(span * i / customers))
        plan = float(SUBSCRIPTION_PLANS[int(rng.integers(len(SUBSCRIPTION_PLANS)))])
        churned_on = None
        k = 0
        while True:
            bill = signup + pd.DateOffset(months=k)
            if bill > end_ts:
                break
            tx_rows.append((cid, bill, plan))
            if rng.random() < 0.03:
                churned_on = bill + pd.DateOffset(months=1)
                break
            k += 1
        if churned_on is not None and churned_on > end_ts:
            churned_on = None
        cust_rows.append({
            "customer_id": cid, "name": f"Subscriber {i + 1}",
            "segment": "B2B" if plan >= 99 else "B2C",
            "signup_date": signup.strftime("%Y-%m-%d"),
            "churned_on": "" if churned_on is None else churned_on.strftime("%Y-%m-%d"),
        })
        if churned_on is not None and rng.random() < 0.5:
            reason = _SUBSCRIPTION_REASONS[int(rng.integers(len(_SUBSCRIPTION_REASONS)))]
            survey_rows.append((cid, churned_on, reason))
    tx = pd.DataFrame(tx_rows, columns=["customer_id", "date", "amount"])
    tx["date"] = tx["date"].dt.strftime("%Y-%m-%d")
    surveys = pd.DataFrame(survey_rows, columns=["customer_id", "date", "reason"])
    surveys["date"] = pd.to_datetime(surveys["date"]).dt.strftime("%Y-%m-%d")
    return {"transactions": tx, "customers": pd.DataFrame(cust_rows), "surveys": surveys}


def write_subscription(out: str | Path, **kwargs: object) -> dict[str, int]:
    """Write :func:`generate_subscription` as CSV files ``<table>.csv`` into ``out``.

    Returns
    -------
    dict of str to int
        Rows written per table.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = generate_subscription(**kwargs)  # type: ignore[arg-type]
    for name, frame in tables.items():
        frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    return {name: len(frame) for name, frame in tables.items()}
