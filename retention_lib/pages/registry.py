"""The pages of the report, one entry per notebook: the one call that builds each page.

Each notebook's setup cell and the report runner build a page through :func:`build`, so the
call (the builder and how its arguments come from the dataset, the period and the settings)
is written once, here.  With the runner's cache active (:mod:`retention_lib.caching.memo`)
the kernel's call therefore has the key of the runner's call and reads the page the runner
built instead of building it again.  A notebook's setup cell::

    settings = context.notebook_settings(config_path, company_name=company_name,
                                         language=language)
    dataset = load_dataset(data_dir, config=settings)
    period = context.resolve_period(dataset, period)
    page = registry.build("clv", dataset, period=period, settings=settings)

The language of a page is ``settings.language`` (the notebook's ``language`` parameter,
applied by :func:`~retention_lib.pages.context.notebook_settings`).  The runner also calls
:func:`share_derived` after building a page: it stores in the run cache what other pages
derive from that one (the executive report's contact-discipline block is the full
contact-discipline report without its funnel), so that is not built again either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import Any

from ..config import Settings

__all__ = ["PAGES", "PageEntry", "build", "share_derived"]


@dataclass(frozen=True)
class PageEntry:
    """One notebook's page.

    Attributes
    ----------
    notebook
        The notebook's name (``notebooks/<notebook>.ipynb``).
    build
        ``build(dataset, period, settings)``: the page object the notebook's cells show.
    share
        ``share(page, dataset, period, settings)``: store in the run cache the results
        other pages derive from this page (``None``: nothing to share).
    """

    notebook: str
    build: Callable[[Any, str, Settings], Any]
    share: Callable[[Any, Any, str, Settings], Any] | None = None


# Each page's module is imported when that page is built, not when the registry is: a
# notebook's kernel imports the registry and needs one page, and importing all five (the
# diagnostics and CLV pages bring lifetimes and scipy) cost its start ~0.1-0.2 s more
# (paired runs of the CLV notebook's imports). The builders are looked up when called, so
# a test may replace one in its module.


def _page(name: str) -> ModuleType:
    return import_module(f"{__package__}.{name}")


def _monthly_report(dataset, period: str, settings: Settings):
    return _page("monthly").build_monthly(dataset, period=period, settings=settings)


def _customer_base(dataset, period: str, settings: Settings):
    return _page("customer_base").build_customer_base(dataset, period=period, settings=settings)


def _churn_diagnostics(dataset, period: str, settings: Settings):
    return _page("diagnostics").build_diagnostics(dataset, period=period, settings=settings,
                                                  lang=settings.language)


def _contact_discipline(dataset, period: str, settings: Settings):
    return _page("discipline").build_contact_discipline(
        dataset, period=period, settings=settings, lang=settings.language)


def _executive_contact_block(full, dataset, period: str, settings: Settings):
    return _page("discipline").seed_executive_report(
        full, dataset, period=period, settings=settings, lang=settings.language)


def _clv(dataset, period: str, settings: Settings):
    return _page("clv_report").build_clv_page(dataset, period=period, settings=settings)


#: Every notebook's entry, by notebook name.
PAGES: dict[str, PageEntry] = {
    entry.notebook: entry
    for entry in (
        PageEntry("monthly_report", _monthly_report),
        PageEntry("customer_base", _customer_base),
        PageEntry("churn_diagnostics", _churn_diagnostics),
        PageEntry("contact_discipline", _contact_discipline, share=_executive_contact_block),
        PageEntry("clv", _clv),
    )
}


def _entry(notebook: str) -> PageEntry:
    try:
        return PAGES[notebook]
    except KeyError:
        raise KeyError(f"no page for notebook {notebook!r}; known: "
                       f"{', '.join(PAGES)}") from None


def build(notebook: str, dataset, *, period: str, settings: Settings) -> Any:
    """The page of ``notebook`` for ``period`` (``YYYY-MM``, already resolved:
    :func:`~retention_lib.pages.context.resolve_period`), in ``settings.language``.

    ``dataset`` is a loaded :class:`~retention_lib.data.io.Dataset`; ``settings`` are the
    notebook's (:func:`~retention_lib.pages.context.notebook_settings`).  Raises
    ``KeyError`` naming the known notebooks for an unknown one.
    """
    return _entry(notebook).build(dataset, period, settings)


def share_derived(notebook: str, page: Any, dataset, *, period: str, settings: Settings) -> None:
    """Store in the run cache what other pages derive from ``page`` (the result of
    :func:`build` with the same arguments); nothing for most pages."""
    share = _entry(notebook).share
    if share is not None:
        share(page, dataset, period, settings)
