"""Executed notebook → one self-contained, code-free HTML page for directors.

The page is rendered with nbconvert's :class:`~nbconvert.HTMLExporter` through the
``retention_html`` template (``retention_lib/templates/``), which extends JupyterLab's ``lab``
template but drops every external script nbconvert adds by default (require.js, MathJax,
mermaid, the widget manager), so the file opens offline and makes no request.  Before rendering,
:class:`DirectorOutputPreprocessor` removes what a director must never see: code (``--no-input``),
prompts, stderr streams (that is where Python warnings go), error outputs and tracebacks.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ._quick_import import import_jsonschema_quickly

import_jsonschema_quickly()  # before nbformat/nbconvert import jsonschema (saves ~1.6 s)

import nbformat  # noqa: E402
from nbconvert import HTMLExporter  # noqa: E402
from nbconvert.preprocessors import Preprocessor  # noqa: E402

from ..i18n import get_translator  # noqa: E402

__all__ = [
    "ARCHIVE_HREF",
    "DirectorOutputPreprocessor",
    "EXECUTIVE_PAGE",
    "PageLink",
    "RenderError",
    "TEMPLATE_DIR",
    "TEMPLATE_NAME",
    "external_references",
    "page_href",
    "page_label",
    "page_links",
    "render_html",
]

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"
TEMPLATE_NAME = "retention_html"

#: The notebook whose page is the folder's ``index.html``.
EXECUTIVE_PAGE = "monthly_report"
#: From a page in ``OUT/<period>/`` to the archive page ``OUT/index.html``.
ARCHIVE_HREF = "../index.html"


class PageLink(NamedTuple):
    """One entry of a page's navigation bar."""

    name: str  #: notebook name (``customer_base``)
    label: str  #: the page's name in the report's language
    href: str  #: relative link from a sibling page (``customer_base.html``)


def page_href(name: str) -> str:
    """File name of the page of notebook ``name`` (the executive page is ``index.html``)."""
    return "index.html" if name == EXECUTIVE_PAGE else f"{name}.html"


def page_label(name: str, *, language: str = "en") -> str:
    """The page's name in ``language`` (catalog ``navigation.pages.<name>``).

    A notebook the catalog does not know (a user's own) is named after its file:
    ``my_notebook`` → ``my notebook``.
    """
    tr = get_translator(language)
    key = f"navigation.pages.{name}"
    return tr.t(key) if tr.has(key) else name.replace("_", " ")


def page_links(names: Sequence[str], *, language: str = "en") -> list[PageLink]:
    """The navigation entries of a report folder: the executive page first, then ``names``
    in the given order (duplicates dropped)."""
    ordered = [n for n in dict.fromkeys(names) if n == EXECUTIVE_PAGE]
    ordered += [n for n in dict.fromkeys(names) if n != EXECUTIVE_PAGE]
    return [PageLink(n, page_label(n, language=language), page_href(n)) for n in ordered]

_WARNING_TEXT = re.compile(r"\b[A-Za-z]*Warning:")
_EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe|source|embed|object)\b[^>]*?\b(?:src|href|data)\s*=\s*["']?"""
    r"""\s*(?:https?:)?//""",
    re.IGNORECASE,
)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


class RenderError(RuntimeError):
    """The rendered page would not be self-contained (names the offending reference)."""


class DirectorOutputPreprocessor(Preprocessor):
    """Remove outputs a director must not see.

    Dropped per code cell: ``stream`` outputs on ``stderr`` (warnings, logging), ``error``
    outputs (tracebacks), and ``stdout`` streams that consist of a Python warning line
    (``...Warning: ...``, printed by libraries that bypass :mod:`warnings`).  Execute results
    keep their data but lose their execution count, so no ``Out[n]`` can appear.
    """

    def preprocess_cell(self, cell, resources, index):  # noqa: D102 (nbconvert API)
        if cell.cell_type != "code":
            return cell, resources
        kept = []
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "error":
                continue
            if kind == "stream":
                if output.get("name") == "stderr":
                    continue
                if _WARNING_TEXT.search(output.get("text", "")):
                    continue
            if kind == "execute_result":
                output["execution_count"] = None
            kept.append(output)
        cell["outputs"] = kept
        cell["execution_count"] = None
        return cell, resources


def external_references(html: str) -> list[str]:
    """Return the tags of ``html`` that would load something from the network.

    Looks for ``src``/``href``/``data`` attributes of script, link, img, iframe, source, embed
    and object tags pointing at ``http:``, ``https:`` or protocol-relative ``//`` URLs, and for
    CSS ``@import`` of such URLs.  Ordinary ``<a href="https://...">`` links are allowed (a click
    is the reader's choice, not a page load).
    """
    found = [m.group(0) for m in _EXTERNAL.finditer(html)]
    found += [m.group(0) for m in _CSS_IMPORT.finditer(html)]
    return found


def render_html(
    notebook: nbformat.NotebookNode | str | Path,
    *,
    title: str,
    language: str = "en",
    nav: Sequence[PageLink] = (),
    current: str | None = None,
    archive_href: str | None = ARCHIVE_HREF,
) -> str:
    """Render an executed notebook as one self-contained HTML page without code.

    Parameters
    ----------
    notebook
        The executed notebook (node or path to an ``.ipynb``); not modified.
    title
        Text of the page's ``<title>`` (escaped by the template), e.g. company and period.
    language
        BCP 47 code for ``<html lang=...>``: ``en``, ``ru`` or ``uk``.
    nav
        The pages of the report folder (:func:`page_links`): shown as a navigation bar at
        the top of the page (not in print), ``current`` (a notebook name) marked as this page.
    archive_href
        Link to the archive of all reports, first in the bar (``None``: no link).

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    RenderError
        When the page would still reference a network resource.
    """
    if isinstance(notebook, str | Path):
        nb = nbformat.read(str(notebook), as_version=4)
    else:
        nb = copy.deepcopy(notebook)
    nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        language_code=language,
    )
    exporter.register_preprocessor(DirectorOutputPreprocessor(), enabled=True)
    resources: dict[str, Any] = {"metadata": {"name": title}}
    if nav or archive_href:
        tr = get_translator(language)
        resources["rl_nav"] = {
            "label": tr.t("navigation.label"),
            "archive": tr.t("navigation.archive") if archive_href else "",
            "archive_href": archive_href or "",
            "pages": [(link.label, link.href, link.name == current) for link in nav],
        }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    external = external_references(body)
    if external:
        raise RenderError(
            "the rendered page still references network resources: " + "; ".join(external[:5])
        )
    return body
