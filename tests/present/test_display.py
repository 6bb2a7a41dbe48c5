"""Tests of retention_lib.present.display: escaping, badges, tiles, tables, figures."""

from __future__ import annotations

import base64
import re
import struct
import urllib.parse

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from retention_lib.present import display

HOSTILE = [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param('<img src=x onerror="alert(1)">', id="img-onerror"),
    pytest.param("\"><svg onload=alert(1)>", id="attr-breakout"),
]


class TestEscaping:
    @pytest.mark.parametrize("name", HOSTILE)
    def test_table_cells_and_headers_are_escaped(self, name):
        df = pd.DataFrame({"name": [name], name: ["x"], "amount": [1.5]})
        out = display.table_html(df, caption=name)
        assert "<script" not in out and "<img" not in out and "<svg" not in out
        assert display.escape(name) in out
        # the caption, the header and the cell: three inert copies
        assert out.count(display.escape(name)) == 3

    @pytest.mark.parametrize("name", HOSTILE)
    def test_kpis_definitions_paragraphs_section_off_escape(self, name):
        parts = [
            display.kpi_tiles([display.Kpi(label=name, value=name, detail=name)]),
            display.definitions_html({name: name}),
            display.paragraphs_html([name]),
            display.section_off(name, name),
            display.title_html(company=name, period_label=name, as_of="2026-10-31"),
            display.heading_html(name),
            display.footnote_html([name]),
        ]
        for part in parts:
            assert "<script" not in part and "<img" not in part and "<svg" not in part
            assert display.escape(name) in part

    def test_escape_of_missing_values_is_empty(self):
        assert display.escape(None) == ""
        assert display.escape(float("nan")) == ""
        assert display.escape(pd.NA) == ""


class TestStatusBadge:
    @pytest.mark.parametrize(
        ("status", "icon", "word"),
        [
            pytest.param("normal", "●", "Normal", id="normal"),
            pytest.param("warning", "▲", "Warning", id="warning"),
            pytest.param("CRITICAL", "■", "Critical", id="critical-upper"),
            pytest.param("unknown", "○", "Unknown", id="unknown"),
        ],
    )
    def test_icon_and_word(self, status, icon, word):
        out = display.status_badge(status)
        assert f"{icon} {word}" in out

    def test_unknown_status_lists_allowed(self):
        with pytest.raises(ValueError, match="normal"):
            display.status_badge("purple")


class TestTable:
    def test_formats_and_numeric_alignment(self):
        df = pd.DataFrame({"tier": ["A", "B"], "share": [0.8125, 0.15], "n": [3, 12]})
        out = display.table_html(df, formats={"share": "{:.1%}"})
        assert "81.2%" in out and "15.0%" in out
        # two numeric columns x two rows are right-aligned
        assert out.count('class="num"') == 4

    def test_max_rows_says_how_many_left_out(self):
        df = pd.DataFrame({"x": range(10)})
        out = display.table_html(df, max_rows=3)
        assert out.count("<tr>") == 1 + 3
        assert "first 3 of 10 rows" in out

    def test_empty_frame_says_no_rows(self):
        out = display.table_html(pd.DataFrame({"x": []}))
        assert "No rows." in out


class TestFigure:
    def test_embeds_svg_with_alt_and_closes(self):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        ax.set_title("Отток & <churn>")
        num = fig.number
        out = display.figure_html(fig, alt='churn "rises" <fast>')
        m = re.search(r'<img src="data:image/svg\+xml;charset=utf-8,([^"]+)" alt=', out)
        assert m is not None
        svg = urllib.parse.unquote(m.group(1))
        assert svg.startswith("<svg") and svg.endswith("</svg>")
        # the text stays text (sharp, searchable), escaped, with fallback fonts
        assert "Отток &amp; &lt;churn&gt;</text>" in svg
        assert "<style>text{white-space:pre}</style>" in svg  # " 397" keeps its space
        assert display.SVG_FONTS in svg
        # no quote, ampersand or angle bracket left raw inside the attribute
        assert not set(m.group(1)) & set("\"'&<>#")
        assert 'alt="churn &quot;rises&quot; &lt;fast&gt;"' in out
        assert num not in plt.get_fignums()

    def test_svg_is_deterministic(self):
        def one():
            fig, ax = plt.subplots()
            ax.bar([0, 1], [1, 2], hatch="//")
            return display.figure_html(fig, alt="x")

        assert one() == one()

    def test_png_has_twice_the_pixels_of_its_display_size(self):
        fig = plt.figure(figsize=(4, 2))
        fig.add_subplot().plot([0, 1], [0, 1])
        out = display.figure_html(fig, alt="x", dpi=100, image_format="png")
        m = re.search(r'src="data:image/png;base64,([^"]+)" width="(\d+)" height="(\d+)"', out)
        assert m is not None
        raw = base64.b64decode(m.group(1))
        assert raw[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", raw[16:24])
        assert (width // 2, height // 2) == (int(m.group(2)), int(m.group(3)))
        # 4 in x 2 in at 100 px per inch, trimmed to the drawing by bbox_inches="tight"
        assert 300 < int(m.group(2)) <= 400 and 120 < int(m.group(3)) <= 200

    def test_unknown_image_format(self):
        fig, _ = plt.subplots()
        with pytest.raises(ValueError, match="svg"):
            display.figure_html(fig, alt="x", image_format="gif")
        assert fig.number not in plt.get_fignums()

    def test_alt_text_is_required(self):
        fig, _ = plt.subplots()
        with pytest.raises(ValueError, match="alt"):
            display.figure_html(fig, alt=" ")
        plt.close(fig)


class TestSectionOff:
    def test_sentence_names_table_and_file(self):
        out = display.section_off("surveys", "exit reasons")
        text = re.sub(r"<[^>]+>", "", out)
        assert text == (
            "This section (exit reasons) needs the surveys table; "
            "add surveys.csv to switch it on."
        )


def test_style_block_has_print_rules():
    css = display.style_block()
    assert css.startswith("<style>") and "@media print" in css and "break-inside: avoid" in css
    # tables break between rows and repeat their header; definitions never float
    assert ".rl-table thead { display: table-header-group; }" in css
    assert ".rl-table { font-size: 0.86em; break-inside: auto;" in css
    assert "float: left" not in css


def test_many_columns_make_a_wide_table():
    narrow = display.table_html(pd.DataFrame({c: [1] for c in "abc"}))
    wide = display.table_html(pd.DataFrame({c: [1] for c in "abcdefghi"}))
    wider = display.table_html(pd.DataFrame({c: [1] for c in "abcdefghijkl"}))
    assert '<table class="rl-table">' in narrow
    assert '<table class="rl-table rl-wide">' in wide
    assert '<table class="rl-table rl-wide rl-xwide">' in wider


def test_prose_columns_are_marked_for_a_minimum_width():
    advice = "Explain the value received and how the product differs from competitors'."
    out = display.table_html(pd.DataFrame(
        {"customer": ["Ann", "Bob"], "action": [advice, None], "value": [1.0, 2.0]}))
    assert '<td class="txt">Explain the value' in out
    assert '<td class="txt"></td>' in out  # the whole column, empty cells included
    assert "<td>Ann</td>" in out and '<td class="num">1.00</td>' in out


@pytest.mark.parametrize(("lang", "company", "heading"), [
    ("en", "", "Customer retention, October 2026"),
    ("en", "Acme", "Acme: customer retention, October 2026"),
    ("ru", "", "Удержание клиентов, октябрь 2026"),
    ("uk", "", "Утримання клієнтів, жовтень 2026"),
], ids=["en-no-company", "en-company", "ru-no-company", "uk-no-company"])
def test_title_without_a_company_name(lang, company, heading):
    from retention_lib.i18n import get_translator

    tr = get_translator(lang)
    label = tr.month(pd.Timestamp("2026-10-01"))
    assert label.lower() == heading.split(", ")[-1].lower()
    html = display.title_html(company=company, period_label=label, as_of="31", tr=tr)
    assert f"<h1>{heading.split(', ')[0]}, {label}</h1>" in html
