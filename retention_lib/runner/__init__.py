"""The monthly run: build the pages, execute and render the notebooks, publish atomically,
keep the archive.
"""
