"""The report's pages: each builds one notebook's content from the analyses; the runner and
the notebooks find a page's one build call in :mod:`retention_lib.pages.registry`."""
