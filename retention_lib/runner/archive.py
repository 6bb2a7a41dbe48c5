"""``OUT/index.html``: every published period with its headline figures and links.

The page is rebuilt from the ``metrics.json`` of every ``OUT/YYYY-MM/`` folder (newest first)
each time a report is published, in the language of that report (catalog ``archive.*``,
babel number, percent, month and date formats); it is one self-contained file (inline CSS,
no script) and every value taken from a ``metrics.json`` is HTML-escaped.  Folders without a
readable ``metrics.json`` are listed with dashes rather than hidden.
"""

from __future__ import annotations

import contextlib
import fcntl
import html
import json
import os
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..i18n import Translator, get_translator
from .render import EXECUTIVE_PAGE, page_links

__all__ = ["HEADLINE_KEYS", "build_archive_index", "headline", "write_archive_index"]

_PERIOD_DIR = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

#: Headline figure → its dotted key path in ``metrics.json`` (the schema of
#: :func:`retention_lib.pages.monthly_metrics.report_metrics`, documented in ``reports/README.md``).
HEADLINE_KEYS: dict[str, str] = {
    "customer_churn": "customer_churn",
    "customer_status": "status",
    "revenue_churn": "revenue_churn",
    "revenue_status": "revenue_status",
    "active": "customers.active",
    "lost": "customers.lost_this_month",
    "won_back": "customers.won_back_this_month",
}

_ICON = {"normal": "●", "warning": "▲", "critical": "■"}

_CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #1a1a1a;
  margin: 0 auto; max-width: 1140px; padding: 16px 24px; }
h1 { font-size: 1.5em; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 6px 10px; border-bottom: 1px solid #ccc; text-align: right; }
th:first-child, td:first-child, .pages { text-align: left; }
thead th { background: #f0f0f0; }
tbody th { font-weight: normal; }
.normal { color: #1b5e20; } .warning { color: #8a5a00; } .critical { color: #b00020; }
@page { size: A4 landscape; margin: 12mm; }
@media print { tr { break-inside: avoid; } thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; } }
"""


def _lookup(metrics: Mapping[str, Any], dotted: str) -> Any:
    value: Any = metrics
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def headline(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Pick the headline figures out of a ``metrics.json`` mapping (``None`` when absent)."""
    found: dict[str, Any] = {}
    for name, path in HEADLINE_KEYS.items():
        value = _lookup(metrics, path)
        found[name] = None if isinstance(value, Mapping | list) else value
    return found


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _pct(value: Any, tr: Translator) -> str:
    return tr.percent(float(value), 1) if _is_number(value) else "–"


def _count(value: Any, tr: Translator) -> str:
    return tr.number(int(value)) if _is_number(value) else "–"


def _status(value: Any, tr: Translator) -> str:
    if not isinstance(value, str) or value not in _ICON:
        return ""
    return (
        f' <span class="{value}">{_ICON[value]}&nbsp;'
        f"{html.escape(tr.t(f'archive.status.{value}'))}</span>"
    )


def _generated(value: Any, tr: Translator) -> str:
    """``metrics.json``'s ``generated_at`` (ISO, UTC) as a local date and time, e.g.
    ``7 декабря 2026, 05:05`` — never the raw UTC string."""
    if not isinstance(value, str) or not value:
        return "–"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return "–"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone()  # the time zone of the machine that builds the archive
    return f"{tr.date(local.date())}, {local:%H:%M}"


def _period(name: str, tr: Translator) -> str:
    """``2026-10`` → ``October 2026`` / ``октябрь 2026``."""
    return tr.month(date(int(name[:4]), int(name[5:7]), 1))


def _read_metrics(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def build_archive_index(out: Path, *, language: str = "en") -> str:
    """Return the HTML of ``OUT/index.html`` for the period folders currently in ``out``.

    Every word comes from the catalog of ``language`` (``archive.*``, page names from
    ``navigation.pages.*``); numbers, percentages, months and the time each report was
    generated are formatted for that language with babel (local time, no raw UTC string).
    """
    tr = get_translator(language)
    periods = sorted(
        (p for p in out.iterdir() if p.is_dir() and _PERIOD_DIR.match(p.name)),
        key=lambda p: p.name,
        reverse=True,
    ) if out.exists() else []
    rows = []
    for folder in periods:
        metrics = _read_metrics(folder)
        figures = headline(metrics)
        found = {p.name: p for p in folder.glob("*.html")}
        names = [EXECUTIVE_PAGE if n == "index.html" else n[: -len(".html")] for n in found]
        pages = []
        for link in page_links(sorted(names), language=language):
            href = html.escape(f"{folder.name}/{link.href}", quote=True)
            pages.append(f'<a href="{href}">{html.escape(link.label)}</a>')
        period_cell = html.escape(_period(folder.name, tr))
        if "index.html" in found:
            period_cell = f'<a href="{html.escape(folder.name)}/index.html">{period_cell}</a>'
        if metrics.get("partial") is True:  # the month's data end before its last day
            try:
                end = tr.date(date.fromisoformat(str(metrics.get("data_end"))))
            except ValueError:
                end = "?"
            note = tr.t("archive.partial", date=end)
            period_cell += f'<br><small class="partial">{html.escape(note)}</small>'
        rows.append(
            "<tr>"
            f'<th scope="row">{period_cell}</th>'
            f"<td>{_pct(figures['customer_churn'], tr)}"
            f"{_status(figures['customer_status'], tr)}</td>"
            f"<td>{_pct(figures['revenue_churn'], tr)}"
            f"{_status(figures['revenue_status'], tr)}</td>"
            f"<td>{_count(figures['active'], tr)}</td>"
            f"<td>{_count(figures['lost'], tr)}</td>"
            f"<td>{_count(figures['won_back'], tr)}</td>"
            f'<td class="pages">{" · ".join(pages)}</td>'
            f"<td>{html.escape(_generated(metrics.get('generated_at'), tr))}</td>"
            "</tr>"
        )
    company = ""
    if periods:
        company = str(_read_metrics(periods[0]).get("company_name", "") or "")
    heading = tr.t("archive.title")
    title = f"{company} — {heading}" if company else heading
    head = "".join(
        f'<th scope="col" class="{k}">{html.escape(tr.t(f"archive.{k}"))}</th>'
        for k in (
            "period", "customer_churn", "revenue_churn", "active", "lost", "won_back",
            "pages", "generated",
        )
    )
    body = (
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        if rows
        else f"<p>{html.escape(tr.t('archive.none'))}</p>"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<main>\n<h1>{html.escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )


@contextlib.contextmanager
def _index_lock(out: Path) -> Iterator[None]:
    with open(out / ".lock-index", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_archive_index(out: Path, *, language: str = "en") -> Path:
    """Rebuild ``OUT/index.html`` atomically (under a short ``flock``); return its path."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / "index.html"
    with _index_lock(out):
        tmp = out / f".index.html.{os.getpid()}.tmp"
        tmp.write_text(build_archive_index(out, language=language), encoding="utf-8")
        os.replace(tmp, target)
    return target
