"""Caches, one mechanism per purpose: the loaded dataset between the runner and its kernels
(cache), each page built once per run (memo), set-ups kept per frame object inside a block
(frames), and the digests of the package's code every key includes (code).
"""
