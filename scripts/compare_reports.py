"""Compare two built reports: metrics.json, every page's visible text and the call lists.

Usage::

    python scripts/compare_reports.py snapshot REPORT_PERIOD_DIR OUT.json
    python scripts/compare_reports.py diff BEFORE.json AFTER.json

``REPORT_PERIOD_DIR`` is one built month, e.g. ``reports/2026-10``. A snapshot holds what a
reader sees: ``metrics.json`` without the run's own facts (run date, durations, file hashes,
versions), the text of every HTML page (styles, scripts and inline images left out), and
every call list's rows (CSV as text, workbooks cell by cell). ``diff`` prints each
difference and exits 1 when there is one, 0 when the two reports read the same.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

# Keys of metrics.json that describe the run rather than the data: they differ run to run.
RUN_KEYS = ("sha256", "generated", "checked_on", "run_", "versions", "duration", "seconds",
            "source")


def _flat(obj, prefix=""):
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _flat(value, f"{prefix}{key}.")
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _flat(value, f"{prefix}{i}.")
    else:
        yield prefix[:-1], obj


def page_text(markup: str) -> str:
    """The visible text of one page, one line per block."""
    markup = re.sub(r"<style.*?</style>|<script.*?</script>|<img[^>]*>", "", markup, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n", text).strip()


def snapshot(period_dir: Path) -> dict:
    metrics = json.loads((period_dir / "metrics.json").read_text())
    out = {"metrics": {k: v for k, v in _flat(metrics) if not any(s in k for s in RUN_KEYS)},
           "pages": {}, "call_lists": {}}
    for page in sorted(period_dir.glob("*.html")):
        out["pages"][page.name] = page_text(page.read_text(encoding="utf-8"))
    for path in sorted((period_dir / "call_lists").glob("*")):
        if path.suffix == ".csv":
            out["call_lists"][path.name] = path.read_text(encoding="utf-8-sig")
        elif path.suffix == ".xlsx":
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True)
            out["call_lists"][path.name] = {
                sheet.title: [[str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
                for sheet in book.worksheets}
    return out


def diff(before: dict, after: dict) -> list[str]:
    found = []
    for part in ("metrics", "pages", "call_lists"):
        a, b = before[part], after[part]
        for key in sorted(set(a) | set(b)):
            if a.get(key, "<absent>") == b.get(key, "<absent>"):
                continue
            if part == "pages" and key in a and key in b:
                import difflib

                lines = difflib.unified_diff(a[key].splitlines(), b[key].splitlines(),
                                             lineterm="", n=0)
                found.append(f"page {key}:\n" + "\n".join(list(lines)[2:40]))
            else:
                found.append(f"{part} {key}: {str(a.get(key, '<absent>'))[:200]!r} -> "
                             f"{str(b.get(key, '<absent>'))[:200]!r}")
    return found


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "snapshot":
        Path(argv[2]).write_text(json.dumps(snapshot(Path(argv[1])), ensure_ascii=False,
                                            indent=1), encoding="utf-8")
        return 0
    if len(argv) == 3 and argv[0] == "diff":
        before, after = (json.loads(Path(p).read_text(encoding="utf-8")) for p in argv[1:])
        found = diff(before, after)
        for line in found:
            print(line)
        print(f"{len(found)} difference(s): {len(before['metrics'])} metrics, "
              f"{len(before['pages'])} pages, {len(before['call_lists'])} call lists compared")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
