"""Caches: the dataset cache between runs (cache) and each page built once per run (memo)."""
