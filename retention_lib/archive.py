"""``OUT/index.html``: every published period with its headline figures and links.

The page is rebuilt from the ``metrics.json`` of every ``OUT/YYYY-MM/`` folder (newest first)
each time a report is published; it is one self-contained file (inline CSS, no script) and
every value taken from a ``metrics.json`` is HTML-escaped.  Folders without a readable
``metrics.json`` are listed with dashes rather than hidden.
"""

from __future__ import annotations

import contextlib
import fcntl
import html
import json
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["HEADLINE_KEYS", "build_archive_index", "headline", "write_archive_index"]

_PERIOD_DIR = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

#: Headline figure → its dotted key path in ``metrics.json`` (the schema of
#: :func:`retention_lib.monthly.report_metrics`, documented in ``reports/README.md``).
HEADLINE_KEYS: dict[str, str] = {
    "customer_churn": "customer_churn",
    "customer_status": "status",
    "revenue_churn": "revenue_churn",
    "revenue_status": "revenue_status",
    "active": "customers.active",
    "lost": "customers.lost_this_month",
    "won_back": "customers.won_back_this_month",
}

_LABELS = {
    "en": {
        "title": "Customer retention reports",
        "period": "Period",
        "customer_churn": "Customer churn (12 m)",
        "revenue_churn": "Revenue churn (12 m)",
        "active": "Active customers",
        "lost": "Lost",
        "won_back": "Won back",
        "pages": "Pages",
        "generated": "Generated",
        "report": "Executive report",
        "partial": "partial: data up to {date}",
        "none": "No report has been published yet.",
        "status": {"normal": "normal", "warning": "warning", "critical": "critical"},
    },
    "ru": {
        "title": "Отчёты по удержанию клиентов",
        "period": "Период",
        "customer_churn": "Отток клиентов (12 мес.)",
        "revenue_churn": "Отток выручки (12 мес.)",
        "active": "Активные клиенты",
        "lost": "Ушли",
        "won_back": "Вернули",
        "pages": "Страницы",
        "generated": "Создан",
        "report": "Отчёт для руководителя",
        "partial": "неполный: данные по {date}",
        "none": "Отчётов пока нет.",
        "status": {"normal": "норма", "warning": "внимание", "critical": "критично"},
    },
    "uk": {
        "title": "Звіти з утримання клієнтів",
        "period": "Період",
        "customer_churn": "Відтік клієнтів (12 міс.)",
        "revenue_churn": "Відтік виручки (12 міс.)",
        "active": "Активні клієнти",
        "lost": "Пішли",
        "won_back": "Повернули",
        "pages": "Сторінки",
        "generated": "Створено",
        "report": "Звіт для керівника",
        "partial": "неповний: дані по {date}",
        "none": "Звітів поки немає.",
        "status": {"normal": "норма", "warning": "увага", "critical": "критично"},
    },
}

_ICON = {"normal": "●", "warning": "▲", "critical": "■"}

_CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #1a1a1a;
  margin: 0 auto; max-width: 1140px; padding: 16px 24px; }
h1 { font-size: 1.5em; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 6px 10px; border-bottom: 1px solid #ccc; text-align: right; }
th:first-child, td:first-child, td.pages { text-align: left; }
th { background: #f0f0f0; }
.normal { color: #1b5e20; } .warning { color: #8a5a00; } .critical { color: #b00020; }
@page { size: A4 landscape; margin: 12mm; }
@media print { tr { break-inside: avoid; } a { color: inherit; text-decoration: none; } }
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


def _pct(value: Any) -> str:
    if isinstance(value, int | float) and value == value:  # not NaN
        return f"{100 * value:.1f} %"
    return "–"


def _count(value: Any) -> str:
    if isinstance(value, int | float) and value == value:
        return f"{int(value):,}".replace(",", "\u202f")
    return "–"


def _status(value: Any, labels: Mapping[str, str]) -> str:
    if not isinstance(value, str) or value not in _ICON:
        return ""
    return (
        f' <span class="{value}">{_ICON[value]}&nbsp;{html.escape(labels.get(value, value))}'
        "</span>"
    )


def _read_metrics(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def build_archive_index(out: Path, *, language: str = "en") -> str:
    """Return the HTML of ``OUT/index.html`` for the period folders currently in ``out``."""
    labels = _LABELS.get(language, _LABELS["en"])
    periods = sorted(
        (p for p in out.iterdir() if p.is_dir() and _PERIOD_DIR.match(p.name)),
        key=lambda p: p.name,
        reverse=True,
    ) if out.exists() else []
    rows = []
    for folder in periods:
        metrics = _read_metrics(folder)
        figures = headline(metrics)
        pages = []
        for page in sorted(folder.glob("*.html")):
            text = labels["report"] if page.name == "index.html" else page.stem.replace("_", " ")
            href = html.escape(f"{folder.name}/{page.name}", quote=True)
            pages.append(f'<a href="{href}">{html.escape(text)}</a>')
        period_cell = html.escape(folder.name)
        if (folder / "index.html").exists():
            period_cell = f'<a href="{html.escape(folder.name)}/index.html">{period_cell}</a>'
        if metrics.get("partial") is True:  # the month's data end before its last day
            note = labels["partial"].format(date=metrics.get("data_end", "?"))
            period_cell += f'<br><small class="partial">{html.escape(note)}</small>'
        rows.append(
            "<tr>"
            f"<td>{period_cell}</td>"
            f"<td>{_pct(figures['customer_churn'])}"
            f"{_status(figures['customer_status'], labels['status'])}</td>"
            f"<td>{_pct(figures['revenue_churn'])}"
            f"{_status(figures['revenue_status'], labels['status'])}</td>"
            f"<td>{_count(figures['active'])}</td>"
            f"<td>{_count(figures['lost'])}</td>"
            f"<td>{_count(figures['won_back'])}</td>"
            f'<td class="pages">{" · ".join(pages)}</td>'
            f"<td>{html.escape(str(metrics.get('generated_at', '–')))}</td>"
            "</tr>"
        )
    company = ""
    if periods:
        company = str(_read_metrics(periods[0]).get("company_name", "") or "")
    title = f"{company} — {labels['title']}" if company else labels["title"]
    head = "".join(
        f"<th>{html.escape(labels[k])}</th>"
        for k in (
            "period", "customer_churn", "revenue_churn", "active", "lost", "won_back",
            "pages", "generated",
        )
    )
    body = (
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        if rows
        else f"<p>{html.escape(labels['none'])}</p>"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n{body}\n</body>\n</html>\n"
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
