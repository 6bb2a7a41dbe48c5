"""Presentation: HTML display helpers and the charts of every page."""
