"""Fixtures shared by the page tests: the 150-customer sample as a folder, as a loaded
dataset, and its contact-discipline report (built once per test module that uses them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retention_lib.data.io import load_dataset
from retention_lib.pages import discipline


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory) -> Path:
    from retention_lib.data.sample import write_sample

    out = tmp_path_factory.mktemp("clv_sample")
    write_sample(out, customers=150)
    return out


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    from retention_lib.data.sample import write_sample

    full = tmp_path_factory.mktemp("full")
    write_sample(full, customers=150)
    bare = tmp_path_factory.mktemp("bare")
    shutil.copy(full / "transactions.csv", bare / "transactions.csv")
    return {"full": full, "bare": bare}


@pytest.fixture(scope="module")
def full(folders):
    return discipline.build_contact_discipline(load_dataset(folders["full"]), period="2026-10")


@pytest.fixture(scope="module")
def sample_dataset():
    from retention_lib.data.sample import generate_sample

    return load_dataset(generate_sample(customers=150), as_of="2026-11-22")
