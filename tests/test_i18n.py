"""Tests of retention_lib.i18n: catalogs, plural forms, locale formatting, and the rendered
executive report and customer base in Russian and Ukrainian (no English word, same figures)."""

from __future__ import annotations

import html as _html
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from babel.numbers import format_currency

from retention_lib import i18n
from retention_lib.data.io import load_dataset
from retention_lib.i18n import (
    LANGUAGES,
    UnknownLanguageError,
    catalog,
    format_date,
    format_money,
    format_month,
    format_percent,
    get_translator,
    placeholders,
)
from retention_lib.pages import (
    customer_base,
    monthly,
    monthly_first_page,
    monthly_metrics,
    monthly_sections,
)

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NBSP = "\u00a0"

#: Catalog words that may legitimately appear in a Russian or Ukrainian report: acronyms and
#: codes used untranslated by practitioners (the articles write "RFM", "ABC-анализ", "VIP").
ALLOWED = {"vip", "rfm", "abc", "xyz", "clv"}


class TestCatalogs:
    @pytest.mark.parametrize("lang", ["ru", "uk"])
    def test_same_keys_as_english(self, lang):
        en, other = catalog("en"), catalog(lang)
        assert sorted(set(en) - set(other)) == [], f"missing in {lang}"
        assert sorted(set(other) - set(en)) == [], f"not in en (typo?) in {lang}"

    @pytest.mark.parametrize("lang", ["ru", "uk"])
    def test_same_placeholders_as_english(self, lang):
        en, other = catalog("en"), catalog(lang)
        wrong = {k: (placeholders(en[k]), placeholders(other[k]))
                 for k in en if placeholders(en[k]) != placeholders(other[k])}
        assert wrong == {}

    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_plural_entries_have_the_forms_of_the_language(self, lang):
        needed = {"one", "other"} if lang == "en" else {"one", "few", "many", "other"}
        en = catalog("en")
        for key, value in catalog(lang).items():
            assert isinstance(value, dict) == isinstance(en[key], dict), key
            if isinstance(value, dict):
                assert needed <= set(value), (key, sorted(value))

    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_every_message_formats_with_its_placeholders(self, lang):
        tr = get_translator(lang)
        for key, value in catalog(lang).items():
            args = {name: "X" for name in placeholders(value)}
            if isinstance(value, dict):
                args["count"] = 5
            text = tr.t(key, **args)
            assert text.strip() and "{" not in text, key

    def test_every_reason_category_and_segment_has_a_name(self):
        from retention_lib.analysis import rfm
        from retention_lib.analysis.reasons import REASON_CATEGORIES

        for lang in LANGUAGES:
            tr = get_translator(lang)
            for cat in REASON_CATEGORIES:
                assert tr.has(f"reason.{cat}") and tr.has(f"action.{cat}")
                assert tr.has(f"reason_short.{cat}")
            for seg in rfm.RFM_SEGMENTS["segment"]:
                assert tr.has(f"segment.{i18n.code_key(seg)}"), (lang, seg)
            for status in ("normal", "warning", "critical", "unknown"):
                assert tr.has(f"status_badge.{status}")

    def test_recommended_actions_come_from_the_english_catalog(self):
        from retention_lib.analysis.reasons import RECOMMENDED_ACTIONS

        tr = get_translator("en")
        assert RECOMMENDED_ACTIONS == {c: tr.t(f"action.{c}") for c in RECOMMENDED_ACTIONS}


class TestTranslator:
    def test_unknown_language_lists_the_supported_ones(self):
        with pytest.raises(UnknownLanguageError, match="en, ru, uk"):
            get_translator("de")

    def test_missing_key_names_key_and_language(self):
        with pytest.raises(KeyError, match="'no.such.key'.*'ru'"):
            get_translator("ru").t("no.such.key")

    def test_missing_placeholder_is_named(self):
        with pytest.raises(KeyError, match="month"):
            get_translator("en").t("kpi.lost_month")

    def test_unknown_code_comes_back_unchanged(self):
        tr = get_translator("ru")
        assert tr.label("segment", "My own segment") == "My own segment"
        assert tr.label("segment", "Can't lose them") == "Нельзя потерять"
        assert tr.label("manager", "unassigned") == "не назначен"

    def test_int_arguments_get_locale_grouping(self):
        # 12345 in ru: "12 345" with a no-break space
        assert get_translator("ru").t("kpi.active_detail", lost=12345, active=20000) == (
            f"потеряно за 12 месяцев: 12{NBSP}345 из 20{NBSP}000"
        )


class TestPlural:
    @pytest.mark.parametrize(
        ("lang", "count", "form"),
        [
            # CLDR: ru/uk one = n%10 == 1 and n%100 != 11; few = n%10 in 2..4 and n%100 not in
            # 12..14; many = the other integers; fractions: other
            ("ru", 1, "one"), ("ru", 2, "few"), ("ru", 5, "many"), ("ru", 11, "many"),
            ("ru", 21, "one"), ("ru", 22, "few"), ("ru", 0, "many"), ("ru", 1.5, "other"),
            ("uk", 1, "one"), ("uk", 3, "few"), ("uk", 12, "many"), ("uk", 101, "one"),
            ("en", 1, "one"), ("en", 2, "other"), ("en", 0, "other"),
        ],
        ids=lambda v: str(v),
    )
    def test_plural_form(self, lang, count, form):
        assert get_translator(lang).plural_form(count) == form

    @pytest.mark.parametrize(
        ("count", "text"),
        [
            (1, "потерян 1 клиент "),
            (2, "потеряны 2 клиента "),
            (5, "потеряно 5 клиентов "),
            (11, "потеряно 11 клиентов "),
            (21, "потерян 21 клиент "),
            (24, "потеряны 24 клиента "),
        ],
        ids=["1", "2", "5", "11", "21", "24"],
    )
    def test_russian_sentence(self, count, text):
        out = get_translator("ru").t("verdict.lost_won", count=count, month="октябрь",
                                     lost_revenue="1 ₽", won=0, won_revenue="0 ₽")
        assert text in out

    @pytest.mark.parametrize(
        ("count", "text"),
        [(1, "втрачено 1 клієнта "), (3, "втрачено 3 клієнти "), (5, "втрачено 5 клієнтів ")],
        ids=["1", "3", "5"],
    )
    def test_ukrainian_sentence(self, count, text):
        out = get_translator("uk").t("verdict.lost_won", count=count, month="жовтень",
                                     lost_revenue="1 ₴", won=0, won_revenue="0 ₴")
        assert text in out

    @pytest.mark.parametrize(("count", "text"), [(1, "1 customer was"), (2, "2 customers were")],
                             ids=["1", "2"])
    def test_english_sentence(self, count, text):
        out = get_translator("en").t("verdict.lost_won", count=count, month="October",
                                     lost_revenue="€1", won=0, won_revenue="€0")
        assert out.startswith(text)


class TestInlinePlural:
    """A second count in a message agrees through ``{name:plural:...}`` (see i18n)."""

    TEMPLATE = ("{won:plural:0=не вернули ни одного клиента|one=вернули # клиента"
                "|few=вернули # клиентов|many=вернули # клиентов|other=вернули # клиента}")

    @pytest.mark.parametrize(
        ("won", "text"),
        [
            (0, "не вернули ни одного клиента"),
            (1, "вернули 1 клиента"),
            (3, "вернули 3 клиентов"),
            (11, "вернули 11 клиентов"),
            (21, "вернули 21 клиента"),
            (1234, f"вернули 1{NBSP}234 клиентов"),
            (1.5, "вернули 1,5 клиента"),
            ("22", "вернули 22 клиентов"),  # text read back as a number: few
            (f"1{NBSP}001", f"вернули 1{NBSP}001 клиента"),  # formatted text: one
            ("X", "вернули X клиента"),  # not a number: other
        ],
        ids=lambda v: repr(v),
    )
    def test_forms_follow_the_named_count(self, monkeypatch, won, text):
        tr = i18n.Translator("ru")
        monkeypatch.setitem(tr._messages, "test.inline", self.TEMPLATE)
        assert tr.t("test.inline", won=won) == text

    def test_without_a_zero_form_zero_takes_the_plural_rule(self, monkeypatch):
        tr = i18n.Translator("uk")
        monkeypatch.setitem(tr._messages, "test.inline",
                            "{n:plural:one=# клієнт|few=# клієнти|many=# клієнтів|other=# клієнта}")
        assert [tr.t("test.inline", n=n) for n in (0, 1, 2, 5)] == [
            "0 клієнтів", "1 клієнт", "2 клієнти", "5 клієнтів"]

    def test_name_is_an_ordinary_placeholder(self):
        assert placeholders("{count} и {won:plural:one=# клиент|other=# клиента}") == {
            "count", "won"}

    def test_missing_value_is_named(self, monkeypatch):
        tr = i18n.Translator("ru")
        monkeypatch.setitem(tr._messages, "test.inline", self.TEMPLATE)
        with pytest.raises(KeyError, match="'won'"):
            tr.t("test.inline", count=1)

    @pytest.mark.parametrize(
        ("lang", "won", "text"),
        [
            ("ru", 0, "не вернули ни одного клиента"),
            ("ru", 1, "вернули 1 клиента"),
            ("ru", 7, "вернули 7 клиентов"),
            ("uk", 0, "не повернуто жодного клієнта"),
            ("uk", 1, "повернуто 1 клієнта"),
            ("uk", 3, "повернуто 3 клієнти"),
            ("uk", 7, "повернуто 7 клієнтів"),
        ],
    )
    def test_verdict_counts_the_won_back_customers(self, lang, won, text):
        out = get_translator(lang).t("verdict.lost_won", count=22, month="м", lost_revenue="1",
                                     won=won, won_revenue="2")
        assert text in out

    @pytest.mark.parametrize(
        ("lang", "top", "text"),
        [("ru", 1, "1 клиент с наибольшей"), ("ru", 3, "3 клиента с наибольшей"),
         ("ru", 15, "15 клиентов с наибольшей"), ("uk", 2, "2 клієнти з найбільшою"),
         ("uk", 15, "15 клієнтів з найбільшою")],
    )
    def test_executive_intro_agrees_with_top(self, lang, top, text):
        assert get_translator(lang).t("diagnostics.executive.save_intro", top=top).startswith(text)


class TestFormatting:
    def test_money_is_exactly_babel(self):
        text = format_money(1234567.891, "RUB", lang="ru")
        assert text == format_currency(1234567.891, "RUB", locale="ru")
        assert text == f"1{NBSP}234{NBSP}567,89{NBSP}₽"

    @pytest.mark.parametrize(
        ("value", "currency", "lang", "text"),
        [
            (41200.4, "EUR", "en", "€41,200"),
            (41200.4, "eur", "ru", f"41{NBSP}200{NBSP}€"),
            (41200.4, "UAH", "uk", f"41{NBSP}200{NBSP}₴"),
            (-3100.0, "USD", "en", "-$3,100"),
            (-3100.0, "RUB", "ru", f"-3{NBSP}100{NBSP}₽"),
            (12.0, "CHF", "en", f"CHF{NBSP}12"),  # CLDR currency spacing for a letter symbol
            (float("nan"), "EUR", "ru", "н/д"),
        ],
        ids=["eur-en", "eur-ru", "uah-uk", "usd-neg", "rub-neg", "chf-code", "nan"],
    )
    def test_money_whole_units(self, value, currency, lang, text):
        assert format_money(value, currency, lang=lang, decimals=0) == text

    def test_bad_currency_code(self):
        with pytest.raises(ValueError, match="ISO 4217"):
            format_money(1.0, "euro", lang="en")

    @pytest.mark.parametrize(
        ("lang", "text"),
        [("ru", f"13,0{NBSP}%"), ("uk", "13,0%"), ("en", "13.0%")],  # CLDR percent patterns
        ids=["ru", "uk", "en"],
    )
    def test_percent(self, lang, text):
        assert format_percent(0.13, lang=lang) == text

    @pytest.mark.parametrize(
        ("lang", "month", "day"),
        [
            ("ru", "октябрь 2026", "31 октября 2026"),
            ("uk", "жовтень 2026", "31 жовтня 2026"),
            ("en", "October 2026", "31 October 2026"),
        ],
        ids=["ru", "uk", "en"],
    )
    def test_month_and_date(self, lang, month, day):
        ts = pd.Timestamp("2026-10-31")
        assert format_month(ts, lang=lang) == month
        assert format_date(ts, lang=lang) == day

    def test_genitive_month_and_short_date(self):
        tr = get_translator("ru")
        assert tr.month_name(pd.Timestamp("2026-09-30"), genitive=True) == "сентября"
        assert tr.short_date(pd.Timestamp("2026-10-05")) == "05.10.2026"
        assert get_translator("en").short_date(pd.Timestamp("2026-10-05")) == "2026-10-05"

    @pytest.mark.parametrize(
        ("diff", "text"), [(0.6, "+0,6 п. п."), (-1.25, "−1,2 п. п."), (0.04, "±0,0 п. п.")],
        ids=["up", "down", "rounds-to-zero"],
    )
    def test_points(self, diff, text):
        assert get_translator("ru").points(diff).replace(NBSP, " ") == text


# --------------------------------------------------------------------------- the reports


@pytest.fixture(scope="module")
def sample_dataset():
    from retention_lib.data.sample import generate_sample

    return load_dataset(generate_sample(customers=150), as_of="2026-11-22")


class TestSameFigures:
    def test_metrics_identical_except_language(self, sample_dataset):
        out = {}
        for lang in LANGUAGES:
            settings = sample_dataset.settings.replace(language=lang)
            out[lang] = monthly_metrics.report_metrics(sample_dataset, period="2026-10",
                                               settings=settings)
            assert out[lang].pop("language") == lang
        assert out["ru"] == out["en"] and out["uk"] == out["en"]

    def test_tables_identical_except_words(self, sample_dataset):
        en = monthly.build_monthly(sample_dataset, period="2026-10", lang="en")
        ru = monthly.build_monthly(sample_dataset, period="2026-10", lang="ru")
        pd.testing.assert_frame_equal(en.by_tier, ru.by_tier)
        pd.testing.assert_frame_equal(en.segments, ru.segments)
        pd.testing.assert_frame_equal(en.reasons_table, ru.reasons_table)


def _sections(report) -> str:
    return "".join(
        f(report).data for f in (
            monthly_first_page.section_header, monthly_first_page.section_verdict,
            monthly_first_page.section_contents, monthly_first_page.section_kpis,
            monthly_sections.section_churn_series, monthly_sections.section_churn_breakdown,
            monthly_sections.section_value_tiers, monthly_sections.section_exit_reasons,
            monthly_sections.section_lost_customers, monthly_sections.section_definitions,
        )
    )


class TestSections:
    @pytest.mark.parametrize("lang", ["ru", "uk"])
    def test_no_missing_glyph_in_charts(self, sample_dataset, lang):
        report = monthly.build_monthly(sample_dataset, period="2026-10", lang=lang)
        base = customer_base.build_customer_base(sample_dataset, period="2026-10", lang=lang)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _sections(report)
            for f in (customer_base.base_rfm, customer_base.base_abc_xyz,
                      customer_base.base_cohorts, customer_base.base_migration):
                f(base)
        glyphs = [str(w.message) for w in caught if "Glyph" in str(w.message)]
        assert glyphs == []

    def test_contents_links_point_at_headings(self, sample_dataset):
        report = monthly.build_monthly(sample_dataset, period="2026-10", lang="uk")
        from retention_lib.pages import clv_report, diagnostics, discipline_executive

        kw = {"period": "2026-10", "settings": sample_dataset.settings, "lang": "uk"}
        page = _sections(report) + "".join(
            block(sample_dataset, **kw).data
            for block in (discipline_executive.executive_block, diagnostics.executive_save,
                          diagnostics.executive_winback, clv_report.executive_clv)
        )
        links = re.findall(r'<a href="#([^"]+)"', page)
        # 10 contents entries (verdict, key figures and this month's actions are the first
        # page, above the contents) + the CLV footnote reference
        assert len(links) == 11
        for anchor in links:
            assert f'id="{anchor}"' in page

    def test_status_shown_by_icon_and_word(self, sample_dataset):
        report = monthly.build_monthly(sample_dataset, period="2026-10", lang="ru")
        page = monthly_first_page.section_verdict(report).data
        status = str(report.overall["status"])
        icon = {"normal": "●", "warning": "▲", "critical": "■"}[status]
        word = get_translator("ru").t(f"status_badge.{status}")
        assert f"{icon} {word}" in page


# ----------------------------------------------------------------- rendered notebooks


def _neutral_fixture(folder: Path) -> None:
    """Write the small sample, with the free text of the data made language-neutral.

    Customer names, regions and event descriptions are data: a Russian company writes them
    in Russian.
    Replacing them with Cyrillic placeholders keeps English *data* out of the check, so any
    English word left in the page comes from the code or the catalogs.
    """
    from retention_lib.data.sample import write_sample

    write_sample(folder, customers=150)
    cust = pd.read_csv(folder / "customers.csv", dtype=str)
    cust["name"] = [f"Клиент №{i + 1}" for i in range(len(cust))]
    # the region "Export" is data too (shown by the region breakdown)
    cust["region"] = cust["region"].replace({"Export": "Экспорт"})
    cust.to_csv(folder / "customers.csv", index=False)
    events = pd.read_csv(folder / "events.csv", dtype=str)
    events["description"] = [f"Событие №{i + 1}" for i in range(len(events))]
    events.to_csv(folder / "events.csv", index=False)


@pytest.fixture(scope="module")
def neutral_data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("neutral")
    _neutral_fixture(folder)
    return folder


def _render(name: str, data_dir: Path, lang: str, out: Path) -> str:
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    pm.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"), str(out),
        parameters={"data_dir": str(data_dir.resolve()), "period": "2026-10",
                    "language": lang, "company_name": "ООО «Ромашка»"},
        kernel_name="python3", cwd=str(NOTEBOOKS), progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    body, _ = HTMLExporter(exclude_input=True).from_notebook_node(
        nb, resources={"metadata": {"name": "report"}})
    return body


def visible_text(page: str) -> str:
    """The text a reader sees or hears: the body without scripts and styles, tags stripped,
    plus the ``alt`` and ``title`` attributes (read out by screen readers, shown as tooltips).
    """
    body = page.split("<body", 1)[-1].split(">", 1)[-1]
    body = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", body)
    attrs = re.findall(r'(?i)\s(?:alt|title|aria-label)="([^"]*)"', body)
    text = re.sub(r"(?s)<[^>]+>", " ", body)
    return _html.unescape(" ".join([text, *attrs]))


def english_catalog_words() -> set[str]:
    """Words of four or more Latin letters in the English catalog's values."""
    words: set[str] = set()
    for value in catalog("en").values():
        for text in (value.values() if isinstance(value, dict) else [value]):
            text = re.sub(r"\{[^}]*\}", " ", text)  # placeholders are not words
            words |= {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)}
    return words - ALLOWED


def english_words_in(text: str) -> set[str]:
    text = re.sub(r"\b[\w-]+\.csv\b", " ", text)  # file names are identifiers, not prose
    found = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)}
    return found & english_catalog_words()


@pytest.mark.slow
class TestRenderedReports:
    @pytest.mark.parametrize("lang", ["ru", "uk"])
    @pytest.mark.parametrize("name", ["monthly_report", "customer_base"])
    def test_no_english_word_from_the_catalog(self, neutral_data, tmp_path, lang, name):
        page = _render(name, neutral_data, lang, tmp_path / "out.ipynb")
        text = visible_text(page)
        assert "Клиент №" in text or name == "customer_base"  # the check sees the data
        assert english_words_in(text) == set()
        assert "{" not in re.sub(r"(?s)<(script|style)\b.*?</\1>", "", text)

    def test_english_report_is_caught_by_the_same_check(self, neutral_data, tmp_path):
        # the check is not vacuous: the English report trips it
        page = _render("monthly_report", neutral_data, "en", tmp_path / "out.ipynb")
        assert {"churn", "customers", "verdict"} <= english_words_in(visible_text(page))
