"""Tests of retention_lib.analysis.reasons: taxonomy, ranking by count and by lost revenue,
coverage."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from retention_lib.analysis.reasons import (
    FIXABLE_CATEGORIES,
    PRIORITY,
    REASON_CATEGORIES,
    RECOMMENDED_ACTIONS,
    categorize_reason,
    categorize_reasons,
    rank_reasons,
    survey_coverage,
)

PHRASES = [
    # price
    ("Too expensive", "price"),
    ("Prices went up again", "price"),
    ("We found a cheaper supplier", "price"),  # price outranks competitor
    ("Слишком дорого", "price"),
    ("Цены выросли на 15%", "price"),
    ("Ціни зросли", "price"),
    ("Дорожче, ніж у інших", "price"),
    # assortment / product
    ("Poor product quality", "assortment"),
    ("Узкий ассортимент", "assortment"),
    ("Качество товара упало", "assortment"),
    ("Асортимент не підходить", "assortment"),
    ("Погана якість товару", "assortment"),
    ("нет нужного ассортимента", "assortment"),  # "не" is a whole word: not "не нуж"
    ("сняли с продажи нужные позиции", "assortment"),
    # service
    ("Delivery was always late", "service"),
    ("Rude manager", "service"),
    ("Плохое обслуживание", "service"),
    ("Качество обслуживания", "service"),  # service outranks assortment's "качеств"
    ("Менеджер не отвечал на звонки", "service"),
    ("Погане обслуговування", "service"),
    ("Доставка постійно затримувалась", "service"),
    ("срывы сроков поставки", "service"),
    # no value / unmet expectations
    ("Didn't meet our expectations", "no_value"),
    ("No value for us", "no_value"),
    ("Не оправдал ожиданий", "no_value"),
    ("Нам это больше не нужно", "no_value"),
    ("Продукт не виправдав очікувань", "no_value"),  # outranks "продукт"
    ("Не бачимо цінності", "no_value"),
    ("не увидели пользы", "no_value"),
    ("No longer need the products", "no_value"),  # outranks "product"
    # competitor
    ("Competitor offered a better deal", "competitor"),
    ("We moved to a competitor", "competitor"),  # "moved" alone is not uncontrollable
    ("Ушли к конкуренту", "competitor"),
    ("Нашли другого поставщика", "competitor"),
    ("Перейшли до іншого постачальника", "competitor"),
    ("Конкурент дешевле", "competitor"),  # competitor outranks price
    ("нашли дешевле у конкурента", "competitor"),
    # uncontrollable
    ("Business closed", "uncontrollable"),
    ("Moved away", "uncontrollable"),
    ("Компания закрылась", "uncontrollable"),
    ("Переезд в другой город", "uncontrollable"),
    ("Обанкротились", "uncontrollable"),
    ("Ми переїхали", "uncontrollable"),
    ("Закрились через кризу, ціни тут ні до чого", "uncontrollable"),  # outranks price
    # unknown
    ("", "unknown"),
    ("   ", "unknown"),
    ("asdf qwerty", "unknown"),
    # a category name as answer
    ("Price", "price"),
    ("no_value", "no_value"),
]

PHRASE_IDS = [f"{i:02d}-{expected}" for i, (_, expected) in enumerate(PHRASES)]


class TestCategorize:
    @pytest.mark.parametrize(("text", "expected"), PHRASES, ids=PHRASE_IDS)
    def test_phrases(self, text: str, expected: str) -> None:
        assert categorize_reason(text) == expected

    @pytest.mark.parametrize("missing", [None, float("nan"), pd.NA], ids=["none", "nan", "na"])
    def test_missing_is_unknown(self, missing: object) -> None:
        assert categorize_reason(missing) == "unknown"

    def test_case_and_yo_insensitive(self) -> None:
        assert categorize_reason("ПЕРЕЕХАЛИ В ДРУГУЮ СТРАНУ") == "uncontrollable"
        assert categorize_reason("Всё дороже и дороже") == "price"

    def test_extra_keywords(self) -> None:
        assert categorize_reason("Invoice errors every month") == "unknown"
        extra = {"service": ["invoice error"], "price": "too much for us"}
        assert categorize_reason("Invoice errors every month", keywords=extra) == "service"
        assert categorize_reason("Too much for us", keywords=extra) == "price"

    def test_unknown_keyword_category_lists_allowed(self) -> None:
        with pytest.raises(ValueError, match=r"'pricing'.*allowed.*'price'.*'unknown'"):
            categorize_reason("x", keywords={"pricing": ["x"]})

    def test_vectorised_equals_scalar(self) -> None:
        texts = pd.Series([p[0] for p in PHRASES] + [None], dtype="string")
        out = categorize_reasons(texts)
        assert out.tolist() == [categorize_reason(t) for t in texts.astype(object)]
        assert out.index.equals(texts.index)


class TestConstants:
    def test_actions_cover_every_category(self) -> None:
        assert set(RECOMMENDED_ACTIONS) == set(REASON_CATEGORIES)
        assert set(PRIORITY) == set(REASON_CATEGORIES)

    def test_fixable(self) -> None:
        assert "uncontrollable" not in FIXABLE_CATEGORIES
        assert set(FIXABLE_CATEGORIES) == set(REASON_CATEGORIES) - {"uncontrollable"}

    @pytest.mark.parametrize(
        ("category", "phrase"),
        [
            # shared/seeds 002: price -> what they get for it, how we differ in quality
            ("price", "differs in quality from competitors"),
            # 002: bad service -> admit the fault first, say what was changed
            ("service", "First admit the fault"),
            # assortment: find what they miss, come back when it is solved (seeds 003)
            ("assortment", "which products the customer misses"),
            # 002: poor quality / trust -> payment on receipt, the fee on us
            ("no_value", "pay for the order on receipt"),
            # 003: competitor's promises -> tactfully, no blame, be there
            ("competitor", "without blaming the customer or the competitor"),
            # 000 rules 2-3: part on good terms, do not disappear
            ("uncontrollable", "no win-back effort"),
        ],
        ids=["price", "service", "assortment", "no_value", "competitor", "uncontrollable"],
    )
    def test_action_text(self, category: str, phrase: str) -> None:
        assert phrase in RECOMMENDED_ACTIONS[category]
        # the gesture of any win-back is said once (action.any), not on every reason
        assert "discount coupon" not in RECOMMENDED_ACTIONS[category]

    def test_assortment_advice_is_not_the_service_or_trust_advice(self) -> None:
        assert RECOMMENDED_ACTIONS["assortment"] != RECOMMENDED_ACTIONS["no_value"]
        assert "admit the fault" not in RECOMMENDED_ACTIONS["assortment"].lower()


# Lost customers and their lost revenue; L5 was not surveyed, X is not lost.
LOST = pd.DataFrame(
    {"lost_revenue": [1000.0, 100.0, 100.0, 100.0, 600.0, 300.0, 50.0]},
    index=pd.Index(["L1", "L2", "L3", "L4", "L5", "L6", "L7"], dtype="string", name="customer_id"),
)
SURVEYS = pd.DataFrame(
    {
        "customer_id": pd.array(
            ["L1", "L1", "L2", "L3", "L3", "L4", "L6", "L7", "X"], dtype="string"
        ),
        "date": pd.to_datetime(["2025-01-10"] * 9).astype("datetime64[ns]"),
        "reason": pd.array(
            [
                "Too expensive",  # L1 price
                "Rude manager",  # L1 service
                "Ушли к конкуренту",  # L2 competitor
                "Competitor offered a better deal",  # L3 competitor
                "Нашли другого поставщика",  # L3 competitor again: counts once
                "Компания закрылась",  # L4 uncontrollable
                "Delivery was always late",  # L6 service
                "We moved to a competitor",  # L7 competitor
                "Слишком дорого",  # X: not lost, ignored
            ],
            dtype="string",
        ),
    }
)


class TestRankReasons:
    # Surveyed lost: L1 L2 L3 L4 L6 L7 = 6 customers, lost revenue 1000+100+100+100+300+50
    # = 1650. L1's 1000 is split between price and service (500 each).
    #   service:        L1 500 + L6 300       = 800, 2 customers
    #   price:          L1 500                = 500, 1 customer
    #   competitor:     L2 100 + L3 100 + L7 50 = 250, 3 customers  <- top by count
    #   uncontrollable: L4 100                = 100, 1 customer
    def test_hand_computed_ranking(self) -> None:
        out = rank_reasons(SURVEYS, lost=LOST)
        assert list(out.columns) == [
            "category", "customers", "count_share", "lost_revenue", "revenue_share",
            "rank_by_count", "rank_by_revenue", "fixable", "action",
        ]
        assert out["category"].tolist() == ["service", "price", "competitor", "uncontrollable"]
        assert out["customers"].tolist() == [2, 1, 3, 1]
        assert out["lost_revenue"].tolist() == pytest.approx([800.0, 500.0, 250.0, 100.0])
        assert out["count_share"].tolist() == pytest.approx([2 / 6, 1 / 6, 3 / 6, 1 / 6])
        assert out["revenue_share"].tolist() == pytest.approx(
            [800 / 1650, 500 / 1650, 250 / 1650, 100 / 1650]
        )
        assert out["rank_by_revenue"].tolist() == [1, 2, 3, 4]
        assert out["rank_by_count"].tolist() == [2, 3, 1, 3]  # price/uncontrollable tie at 3
        assert out["fixable"].tolist() == [True, True, True, False]
        assert out.loc[3, "action"] == RECOMMENDED_ACTIONS["uncontrollable"]

    def test_top_by_count_differs_from_top_by_revenue(self) -> None:
        out = rank_reasons(SURVEYS, lost=LOST)
        top_count = out.loc[out["rank_by_count"] == 1, "category"].tolist()
        top_revenue = out.loc[out["rank_by_revenue"] == 1, "category"].tolist()
        assert (top_count, top_revenue) == (["competitor"], ["service"])

    def test_revenue_split_sums_to_surveyed_lost_revenue(self) -> None:
        out = rank_reasons(SURVEYS, lost=LOST)
        assert out["lost_revenue"].sum() == pytest.approx(1650.0)  # L5 (600) not surveyed
        assert out["revenue_share"].sum() == pytest.approx(1.0)

    def test_ignored_rows_counted(self) -> None:
        out = rank_reasons(SURVEYS, lost=LOST)
        assert out.attrs == {
            "survey_rows": 9, "rows_of_lost": 8, "rows_ignored": 1, "surveyed_lost": 6
        }

    def test_extra_keywords_change_ranking(self) -> None:
        # "Tariff" is a built-in price stem; "Payment terms" is unknown until a user keyword
        # maps it to price. L5 alone: all of its 600 goes to that category.
        surveys = pd.DataFrame(
            {"customer_id": ["L5"], "reason": ["Tariff shock"], "date": ["2025-01-01"]}
        )
        assert rank_reasons(surveys, lost=LOST)["category"].tolist() == ["price"]
        odd = pd.DataFrame({"customer_id": ["L5"], "reason": ["Payment terms"]})
        assert rank_reasons(odd, lost=LOST)["category"].tolist() == ["unknown"]
        out = rank_reasons(odd, lost=LOST, keywords={"price": ["payment terms"]})
        assert out["category"].tolist() == ["price"]
        assert out["lost_revenue"].tolist() == [600.0]

    def test_no_surveys_of_lost(self) -> None:
        out = rank_reasons(SURVEYS[SURVEYS["customer_id"] == "X"], lost=LOST)
        assert out.empty
        assert "revenue_share" in out.columns

    def test_missing_column_named(self) -> None:
        with pytest.raises(ValueError, match="reason"):
            rank_reasons(SURVEYS.drop(columns="reason"), lost=LOST)

    def test_inputs_not_mutated(self) -> None:
        before = SURVEYS.copy()
        rank_reasons(SURVEYS, lost=LOST)
        pd.testing.assert_frame_equal(SURVEYS, before)


class TestSurveyCoverage:
    def test_hand_computed(self) -> None:
        # 7 lost; surveyed among them: L1 L2 L3 L4 L6 L7 = 6 (X is not lost).
        assert survey_coverage(SURVEYS, lost=LOST) == {
            "lost": 7, "surveyed": 6, "coverage": pytest.approx(6 / 7)
        }

    def test_nobody_lost(self) -> None:
        out = survey_coverage(SURVEYS, lost=LOST.iloc[0:0])
        assert (out["lost"], out["surveyed"]) == (0, 0)
        assert math.isnan(out["coverage"])

    def test_nobody_surveyed(self) -> None:
        empty = SURVEYS.iloc[0:0]
        assert survey_coverage(empty, lost=LOST)["coverage"] == 0.0
        assert np.isfinite(survey_coverage(empty, lost=LOST)["coverage"])
