"""HTML building blocks for the report notebooks: styles, KPI tiles, badges, tables, figures.

Every function returns a plain ``str`` of HTML; :func:`html` wraps one in an
:class:`IPython.display.HTML` object when a notebook cell should show it.  **Everything that
comes from the data** (customer names, managers, reasons, comments, column labels, captions)
goes through :func:`html.escape` here, so hostile input such as ``<script>`` or
``<img onerror=...>`` is shown as inert text.  Numbers are formatted by the caller's format
strings and then escaped too.

The page is self-contained: figures are embedded as ``data:`` PNG URIs and the styles are one
inline ``<style>`` block (:func:`style_block`, emitted once at the top of a report).  Status is
never shown by colour alone: each badge carries an icon of its own shape and a word.
"""

from __future__ import annotations

import base64
import html as _html
import io
import re
import struct
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from ..i18n import Translator, get_translator

__all__ = [
    "CHART_FORMAT",
    "CSS",
    "PROSE_CHARS",
    "STATUS_LABELS",
    "SVG_FONTS",
    "WIDE_TABLE_COLUMNS",
    "Kpi",
    "definitions_html",
    "escape",
    "figure_html",
    "footnote_html",
    "heading_html",
    "html",
    "kpi_tiles",
    "note_html",
    "paragraphs_html",
    "section_off",
    "status_badge",
    "style_block",
    "table_html",
    "title_html",
]

#: Status → (icon, English label, CSS class).  Icons differ in shape so the badge reads in
#: greyscale; the label shown comes from the catalog (``status_badge.<status>``).
STATUS_LABELS: dict[str, tuple[str, str, str]] = {
    "normal": ("●", "Normal", "ok"),
    "warning": ("▲", "Warning", "warn"),
    "critical": ("■", "Critical", "crit"),
    "unknown": ("○", "Unknown", "unknown"),
}


def _tr(tr: Translator | None) -> Translator:
    return tr if tr is not None else get_translator("en")

CSS = """
.rl-report { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #1a1a1a;
  line-height: 1.45; max-width: 1100px; }
.rl-report h1 { font-size: 1.7em; margin: 0.2em 0 0.1em; font-weight: 700; }
.rl-report h2 { font-size: 1.3em; margin: 1.8em 0 0.5em; border-bottom: 2px solid #333;
  padding-bottom: 0.15em; font-weight: 700; }
.rl-report h3 { font-size: 1.08em; margin: 1em 0 0.3em; }
.rl-subtitle { color: #444; margin: 0 0 1em; }
.rl-verdict { font-size: 1.08em; border-left: 6px solid #333; padding: 0.4em 0.9em;
  background: #f4f4f4; margin: 0.6em 0 1em; }
.rl-verdict p { margin: 0.35em 0; }
.rl-kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(165px, 1fr));
  gap: 12px; margin: 0.8em 0 1.6em; }
.rl-kpi .rl-kpi-status { margin: 2px 0 4px; }
.rl-toc { border: 1px solid #bbb; border-radius: 6px; padding: 0.5em 1.2em; margin: 1em 0 1.4em;
  background: #fafafa; break-inside: avoid; page-break-inside: avoid; max-width: 760px; }
.rl-toc .rl-toc-title { font-weight: bold; margin: 0 0 0.2em; }
.rl-toc ol { columns: 2; column-gap: 2.5em; margin: 0; padding-left: 1.4em; }
.rl-toc li { margin: 0.15em 0; break-inside: avoid; }
.rl-toc a { color: #123f7a; }
.rl-badges { margin-bottom: 0.5em !important; }
.rl-kpi { border: 1px solid #999; border-radius: 6px; padding: 10px 12px; background: #fff;
  break-inside: avoid; page-break-inside: avoid; }
.rl-kpi .rl-kpi-label { font-size: 0.85em; color: #444; }
.rl-kpi .rl-kpi-value { font-size: 1.6em; font-weight: bold; margin: 2px 0; }
.rl-kpi .rl-kpi-detail { font-size: 0.82em; color: #444; }
.rl-badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: bold;
  font-size: 0.9em; border: 1px solid currentColor; white-space: nowrap; }
.rl-badge.ok { color: #1b5e20; background: #e8f5e9; }
.rl-badge.warn { color: #8a4b00; background: #fff3e0; }
.rl-badge.crit { color: #b71c1c; background: #ffebee; }
.rl-badge.unknown { color: #555; background: #eee; }
.rl-table { border-collapse: collapse; table-layout: auto; margin: 0.4em 0 1em;
  font-size: 0.9em; max-width: 100%; }
.rl-table caption { text-align: left; font-weight: bold; padding: 0.2em 0; caption-side: top; }
.rl-report table.rl-table th, .rl-report table.rl-table td { border: 1px solid #bbb;
  padding: 3px 8px; vertical-align: top; text-align: left; }
.rl-report table.rl-table th { background: #eee; }
.rl-report table.rl-table td.num { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
.rl-table tr:nth-child(even) td { background: #fafafa; }
.rl-report table.rl-table td.txt { min-width: 16em; }
.rl-figure { margin: 0.5em 0 1.2em; break-inside: avoid; page-break-inside: avoid; }
.rl-figure img { max-width: 100%; height: auto; }
.rl-figure figcaption { font-size: 0.85em; color: #444; }
.rl-off { font-style: italic; color: #444; border: 1px dashed #999; padding: 0.5em 0.8em; }
.rl-note { font-size: 0.88em; color: #444; }
.rl-defs dt { font-weight: bold; margin-top: 0.5em; float: none; width: auto;
  break-after: avoid; page-break-after: avoid; }
.rl-defs dd { margin: 0 0 0 1.2em; float: none; width: auto; break-inside: avoid;
  page-break-inside: avoid; }
.rl-footnotes { font-size: 0.82em; color: #444; }
@media print {
  .rl-report { max-width: none; overflow: visible; }
  .rl-report h2 { margin-top: 0.9em; }
  .rl-toc { display: none; }
  .rl-kpis { grid-template-columns: repeat(4, 1fr); gap: 6px; margin: 0.4em 0 0.8em; }
  .rl-kpi { padding: 5px 8px; }
  .rl-kpi .rl-kpi-value { font-size: 1.35em; }
  .rl-table { font-size: 0.86em; break-inside: auto; page-break-inside: auto; }
  .rl-report table.rl-table th, .rl-report table.rl-table td { padding: 2px 3px;
    overflow-wrap: break-word; hyphens: auto; }
  .rl-report table.rl-table th { font-weight: normal; border-bottom: 1.5px solid #555; }
  .rl-table .rl-badge { white-space: normal; padding: 0 4px; }
  .rl-table.rl-wide { font-size: 0.74em; }
  .rl-table.rl-wide.rl-xwide { font-size: 0.7em; }
  .rl-report table.rl-table td.txt { min-width: 14em; }
  .rl-table tr, .rl-kpi, .rl-figure, .rl-verdict { break-inside: avoid;
    page-break-inside: avoid; }
  .rl-table thead { display: table-header-group; }
  .rl-table caption, .rl-report h2, .rl-report h3 { break-after: avoid;
    page-break-after: avoid; }
  .rl-figure img { max-height: 68mm; width: auto; }
  .rl-nav { display: none; }
}
"""


def escape(value: Any) -> str:
    """HTML-escape ``value`` (any object, ``None``/NaN → empty string), quotes included."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return _html.escape(str(value), quote=True)


def html(fragment: str):
    """Wrap an HTML string in :class:`IPython.display.HTML` for display in a notebook."""
    from IPython.display import HTML

    return HTML(fragment)


def style_block() -> str:
    """The report's ``<style>`` block; emit it once, at the top of the report."""
    return f"<style>{CSS}</style>"


def title_html(
    *, company: str, period_label: str, as_of: str, subtitle: str = "",
    tr: Translator | None = None, partial: bool = False,
) -> str:
    """Report title: company name, period and the "data as of" date (all escaped).

    ``tr`` (default English) supplies the words (``title.heading``, ``title.as_of``).
    ``partial``: the data end before the month's last day (``as_of`` is the data end); the
    line then reads "Data up to <date> ... partial month" (``title.partial``) and is marked
    with the class ``rl-partial``.
    """
    tr = _tr(tr)
    sub = f" · {escape(subtitle)}" if subtitle else ""
    heading = (tr.t("title.heading", company=company, period=period_label) if company
               else tr.t("title.heading_no_company", period=period_label))
    if partial:
        line = tr.t("title.partial", date=as_of, month=period_label)
        return (
            f'<div class="rl-report"><h1>{escape(heading)}</h1>'
            f'<p class="rl-subtitle rl-partial"><strong>{escape(line)}</strong>{sub}</p></div>'
        )
    return (
        f'<div class="rl-report"><h1>{escape(heading)}</h1>'
        f'<p class="rl-subtitle">{escape(tr.t("title.as_of", date=as_of))}{sub}</p></div>'
    )


def heading_html(text: str, *, level: int = 2) -> str:
    """A section heading ``<hN>`` (escaped), wrapped in the report container."""
    level = min(max(int(level), 1), 6)
    return f'<div class="rl-report"><h{level}>{escape(text)}</h{level}></div>'


def paragraphs_html(sentences: Iterable[str], *, css_class: str = "") -> str:
    """One ``<p>`` per sentence (escaped), in a ``div`` with the given class."""
    body = "".join(f"<p>{escape(s)}</p>" for s in sentences)
    cls = f' class="{escape(css_class)}"' if css_class else ""
    return f"<div{cls}>{body}</div>"


def note_html(text: str) -> str:
    """A small explanatory note (escaped)."""
    return f'<p class="rl-note">{escape(text)}</p>'


def status_badge(status: str, *, tr: Translator | None = None) -> str:
    """A status badge with icon, word and colour, e.g. ``▲ Warning`` (``▲ Внимание``).

    Parameters
    ----------
    status
        One of ``normal``, ``warning``, ``critical``, ``unknown`` (case-insensitive).
    tr
        Translator for the word and the tooltip (default English).

    Raises
    ------
    ValueError
        For any other status; the message lists the allowed values.
    """
    key = str(status).strip().lower()
    if key not in STATUS_LABELS:
        raise ValueError(f"status {status!r} is not one of {list(STATUS_LABELS)}")
    tr = _tr(tr)
    icon, _, cls = STATUS_LABELS[key]
    label = escape(tr.t(f"status_badge.{key}"))
    tip = escape(tr.t("status_badge.tooltip", status=tr.t(f"status_badge.{key}")))
    return f'<span class="rl-badge {cls}" title="{tip}">{icon} {label}</span>'


@dataclass(frozen=True)
class Kpi:
    """One KPI tile.

    Attributes
    ----------
    label
        What the number is ("Customer churn, 12 months").
    value
        The formatted number ("14.2 %").
    detail
        A short context line ("+0.6 pts vs September").
    status
        Optional churn status: adds a :func:`status_badge` to the tile.
    """

    label: str
    value: str
    detail: str = ""
    status: str | None = None


def kpi_tiles(
    items: Iterable[Kpi | Mapping[str, Any]], *, tr: Translator | None = None
) -> str:
    """A responsive grid of KPI tiles.

    Parameters
    ----------
    items
        :class:`Kpi` objects or mappings with the keys ``label``, ``value`` and optionally
        ``detail`` and ``status``.
    tr
        Translator for the status badges (default English).
    """
    tiles = []
    for item in items:
        kpi = item if isinstance(item, Kpi) else Kpi(**dict(item))
        badge = (
            f'<div class="rl-kpi-status">{status_badge(kpi.status, tr=tr)}</div>'
            if kpi.status else ""
        )
        detail = (
            f'<div class="rl-kpi-detail">{escape(kpi.detail)}</div>' if kpi.detail else ""
        )
        tiles.append(
            f'<div class="rl-kpi"><div class="rl-kpi-label">{escape(kpi.label)}</div>'
            f'<div class="rl-kpi-value">{escape(kpi.value)}</div>{badge}{detail}</div>'
        )
    return f'<div class="rl-report"><div class="rl-kpis">{"".join(tiles)}</div></div>'


Formatter = str | Callable[[Any], str]

#: Tables with at least this many columns print in a smaller font (class ``rl-wide``; three
#: more columns: ``rl-xwide``, smaller still), so they fit the A4 width without clipping.
WIDE_TABLE_COLUMNS = 9

#: A text column with a value longer than this is prose (class ``txt``): it gets a minimum
#: width, so its rows do not grow tall in a narrow column.
PROSE_CHARS = 40


def _format_cell(value: Any, fmt: Formatter | None) -> str:
    if value is None or (not isinstance(value, str) and _is_na(value)):
        return ""
    if fmt is None:
        if isinstance(value, float):
            return f"{value:,.2f}"
        if isinstance(value, pd.Timestamp):
            return value.strftime("%Y-%m-%d")
        return str(value)
    if callable(fmt):
        return str(fmt(value))
    return fmt.format(value)


def _is_na(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def table_html(
    df: pd.DataFrame,
    *,
    caption: str = "",
    formats: Mapping[str, Formatter] | None = None,
    index: bool = False,
    max_rows: int | None = None,
    row_classes: Sequence[str] | None = None,
    tr: Translator | None = None,
    total_rows: int | None = None,
) -> str:
    """An HTML table with every header and cell escaped.

    Parameters
    ----------
    df
        Any frame; column labels and values are converted with ``str`` and escaped.
    caption
        Table caption (escaped).
    formats
        Column → ``str.format`` pattern (``"{:,.0f}"``) or callable returning ``str``.
        Numeric columns are right-aligned.  Missing values show as empty cells.
    index
        Include the index as the first column(s).
    max_rows
        Show at most this many rows and add a note saying how many were left out.
    row_classes
        Optional CSS class per row (after truncation), e.g. to highlight violations.
    tr
        Translator for the "showing the first rows" and "no rows" notes (default English).
    total_rows
        Rows of the whole table when ``df`` holds only its first rows (callers cut a
        million-row table before formatting it); the note then counts from this total.
    """
    tr = _tr(tr)
    formats = dict(formats or {})
    frame = df.reset_index() if index else df
    total = max(len(frame), total_rows or 0)
    if max_rows is not None and total > max_rows:
        frame = frame.iloc[:max_rows]
    numeric = {
        c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c].dtype)
        and not pd.api.types.is_bool_dtype(frame[c].dtype)
    }
    # columns of sentences (markers, advice) get room, so their rows do not grow tall
    prose = {
        c for j, c in enumerate(frame.columns) if c not in numeric
        and any(isinstance(v, str) and len(v) > PROSE_CHARS for v in frame.iloc[:, j])
    }
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in frame.columns)
    rows = []
    for i, rec in enumerate(frame.itertuples(index=False, name=None)):
        cells = []
        for col, value in zip(frame.columns, rec, strict=True):
            text = escape(_format_cell(value, formats.get(col)))
            cls = ' class="num"' if col in numeric else ' class="txt"' if col in prose else ""
            cells.append(f"<td{cls}>{text}</td>")
        rcls = ""
        if row_classes is not None and i < len(row_classes) and row_classes[i]:
            rcls = f' class="{escape(row_classes[i])}"'
        rows.append(f"<tr{rcls}>{''.join(cells)}</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    # many columns: a smaller print font, so the table fits the A4 width without clipping
    table_class = "rl-table"
    if len(frame.columns) >= WIDE_TABLE_COLUMNS:
        table_class += " rl-wide"
    if len(frame.columns) >= WIDE_TABLE_COLUMNS + 3:
        table_class += " rl-xwide"
    more = ""
    if len(frame) < total:
        more = note_html(tr.t("table.first_rows", shown=len(frame), total=total))
    if not rows:
        rows.append(
            f'<tr><td colspan="{max(len(frame.columns), 1)}">{escape(tr.t("table.no_rows"))}'
            "</td></tr>"
        )
    return (
        f'<div class="rl-report"><table class="{table_class}">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{more}</div>"
    )


#: How :func:`figure_html` embeds charts: ``"svg"`` (vector, sharp in print and on
#: high-DPI screens, text kept as text) or ``"png"`` (raster at twice the display size).
CHART_FORMAT = "svg"

#: Fonts an SVG chart's text falls back to where DejaVu Sans (the font the chart was laid out
#: with) is not installed; Verdana has nearly the same widths.
SVG_FONTS = "'DejaVu Sans', Verdana, 'Segoe UI', Arial, sans-serif"

#: Characters left as they are in an SVG ``data:`` URI (percent-encoding the rest is about a
#: third lighter than base64); quotes, ``&``, ``<``, ``>``, ``#`` and ``%`` are encoded, so the
#: URI is safe inside a double-quoted attribute as it is.
_SVG_URI_SAFE = " /:=;,.()-_!*~@+?$[]"


def _svg_data_uri(fig: Figure) -> str:
    import matplotlib as mpl

    buf = io.BytesIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "retention_lib",
                         "svg.image_inline": True}):
        fig.savefig(buf, format="svg", bbox_inches="tight", facecolor="white",
                    metadata={"Date": None, "Creator": None})
    text = buf.getvalue().decode("utf-8")
    text = text[text.index("<svg"):].strip()  # no XML prolog or DOCTYPE (w3.org URLs)
    text = re.sub(r"font-family: '?DejaVu Sans'?", f"font-family: {SVG_FONTS}", text)
    text = re.sub(r">\s+<", "><", text)  # the indentation matplotlib writes
    # keep the spaces matplotlib puts in labels (" 397" beside a bar); SVG collapses them
    text = text.replace(">", "><style>text{white-space:pre}</style>", 1)
    return "data:image/svg+xml;charset=utf-8," + urllib.parse.quote(text, safe=_SVG_URI_SAFE)


def _png_data_uri(fig: Figure, dpi: int) -> tuple[str, int, int]:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=2 * dpi, bbox_inches="tight", facecolor="white")
    raw = buf.getvalue()
    width, height = struct.unpack(">II", raw[16:24])  # the PNG's IHDR
    data = base64.b64encode(raw).decode("ascii")
    return f"data:image/png;base64,{data}", width // 2, height // 2


def figure_html(
    fig: Figure, *, alt: str, caption: str = "", dpi: int = 110, image_format: str | None = None
) -> str:
    """Embed ``fig`` as a ``data:`` image with alt text, then close the figure.

    Parameters
    ----------
    fig
        A matplotlib figure (closed afterwards, so notebooks do not also display it).
    alt
        Alternative text describing what the chart shows (required; escaped).
    caption
        Optional visible caption (escaped).
    dpi
        CSS pixels per inch of the figure on screen (PNG only): the PNG is drawn with twice
        as many pixels and shown at half its pixel size, sharp on high-DPI screens and in
        print.
    image_format
        ``"svg"`` or ``"png"``; default :data:`CHART_FORMAT`.  SVG keeps the chart's text as
        text (:data:`SVG_FONTS`), so it is sharp at any zoom and weighs about a third of the
        PNG.
    """
    if not alt or not str(alt).strip():
        raise ValueError("figure_html needs a non-empty alt text describing the chart")
    kind = (image_format or CHART_FORMAT).lower()
    if kind not in ("svg", "png"):
        plt.close(fig)
        raise ValueError(f"image_format {image_format!r} is not one of ['svg', 'png']")
    try:
        if kind == "svg":
            src, size = _svg_data_uri(fig), ""
        else:
            src, width, height = _png_data_uri(fig, dpi)
            size = f' width="{width}" height="{height}"'
    finally:
        plt.close(fig)
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return (
        f'<div class="rl-report"><figure class="rl-figure">'
        f'<img src="{src}"{size} alt="{escape(alt)}">{cap}</figure></div>'
    )


def section_off(table_name: str, section: str, *, tr: Translator | None = None) -> str:
    """The one sentence that replaces a section whose input table (or column) is missing.

    Example: ``This section (exit reasons) needs the `surveys` table; add surveys.csv to
    switch it on.``  ``section`` is shown as given (pass it translated); the sentence is
    the catalog's ``section_off.sentence`` with ``{section}``, ``{table}`` (in ``<code>``)
    and ``{file}``.  ``table_name`` may name a column as ``"<table>.<column>"``
    (``"customers.manager"``): then ``section_off.column_sentence`` with ``{column}`` too.
    """
    tr = _tr(tr)
    table, _, column = table_name.partition(".")
    marker, col_marker = "\x00TABLE\x00", "\x00COLUMN\x00"
    if column:
        text = escape(tr.t("section_off.column_sentence", section=section, table=marker,
                           column=col_marker, file=f"{table}.csv"))
        text = text.replace(escape(col_marker), f"<code>{escape(column)}</code>")
    else:
        text = escape(tr.t("section_off.sentence", section=section, table=marker,
                           file=f"{table}.csv"))
    text = text.replace(escape(marker), f"<code>{escape(table)}</code>")
    return f'<div class="rl-report"><p class="rl-off">{text}</p></div>'


def needed_file(table_name: str, *, tr: Translator | None = None) -> str:
    """What a section left out needs, in words: ``"surveys.csv"``, or for a column
    (``"customers.manager"``) the catalog's ``section_off.column_file``
    (``"the manager column of customers.csv"``)."""
    table, _, column = table_name.partition(".")
    if not column:
        return f"{table}.csv"
    return _tr(tr).t("section_off.column_file", column=column, file=f"{table}.csv")



def definitions_html(definitions: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    """A definition list (term → definition), escaped."""
    pairs = definitions.items() if isinstance(definitions, Mapping) else definitions
    body = "".join(f"<dt>{escape(t)}</dt><dd>{escape(d)}</dd>" for t, d in pairs)
    return f'<div class="rl-report"><dl class="rl-defs">{body}</dl></div>'


def footnote_html(notes: Iterable[str]) -> str:
    """Numbered footnotes (escaped)."""
    items = "".join(f"<li>{escape(n)}</li>" for n in notes)
    return f'<div class="rl-report"><ol class="rl-footnotes">{items}</ol></div>'
