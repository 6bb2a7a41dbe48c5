"""HTML pieces every page shares: the output wrapper of one notebook cell, a section heading
with its anchor, a table of contents."""

from __future__ import annotations

from ..i18n import Translator
from ..present import display as d

__all__ = ["contents_html", "heading", "wrap"]


def wrap(*parts: str):
    """The HTML parts as one notebook output (:func:`retention_lib.present.display.html`)."""
    return d.html("".join(parts))


def heading(anchor: str, text: str) -> str:
    """A section heading ``<h2 id=anchor>`` (the table of contents links to it)."""
    return f'<div class="rl-report"><h2 id="{d.escape(anchor)}">{d.escape(text)}</h2></div>'


def contents_html(tr: Translator, sections, *, month: str) -> str:
    """A table of contents: one link per ``(anchor id, catalog key of the heading)``."""
    items = "".join(
        f'<li><a href="#{d.escape(a)}">{d.escape(tr.t(k, month=month))}</a></li>'
        for a, k in sections
    )
    return (
        f'<div class="rl-report"><nav class="rl-toc" aria-label="{d.escape(tr.t("toc.title"))}">'
        f'<p class="rl-toc-title">{d.escape(tr.t("toc.title"))}</p><ol>{items}</ol></nav></div>'
    )

