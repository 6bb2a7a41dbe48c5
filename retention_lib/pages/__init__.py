"""The report's pages: each builds one notebook's content from the analyses."""
