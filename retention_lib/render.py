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
from pathlib import Path
from typing import Any

from ._quick_import import import_jsonschema_quickly

import_jsonschema_quickly()  # before nbformat/nbconvert import jsonschema (saves ~1.6 s)

import nbformat  # noqa: E402
from nbconvert import HTMLExporter  # noqa: E402
from nbconvert.preprocessors import Preprocessor  # noqa: E402

__all__ = [
    "DirectorOutputPreprocessor",
    "RenderError",
    "TEMPLATE_DIR",
    "TEMPLATE_NAME",
    "external_references",
    "render_html",
]

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "retention_html"

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
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    external = external_references(body)
    if external:
        raise RenderError(
            "the rendered page still references network resources: " + "; ".join(external[:5])
        )
    return body
