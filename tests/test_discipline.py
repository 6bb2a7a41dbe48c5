"""Tests of retention_lib.discipline: the contact-discipline report glue on a small sample."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from retention_lib import discipline
from retention_lib.io import load_dataset


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    from retention_lib.sample import write_sample

    full = tmp_path_factory.mktemp("full")
    write_sample(full, customers=150)
    bare = tmp_path_factory.mktemp("bare")
    shutil.copy(full / "transactions.csv", bare / "transactions.csv")
    return {"full": full, "bare": bare}


@pytest.fixture(scope="module")
def full(folders):
    return discipline.build_contact_discipline(load_dataset(folders["full"]), period="2026-10")


@pytest.fixture(scope="module")
def bare(folders):
    return discipline.build_contact_discipline(load_dataset(folders["bare"]), period="2026-10")


SECTIONS = [name for name in discipline.__all__ if name.startswith("section_")]


class TestFull:
    def test_metrics_consistent_and_json(self, full):
        m = discipline.discipline_metrics(full)
        json.dumps(m, ensure_ascii=False)
        per = m["by_manager"].values()
        # managers add up to the whole book (unassigned included)
        assert sum(v["customers"] for v in per) == m["overall"]["customers"]
        assert sum(v["overdue"] for v in per) == m["overall"]["overdue"]
        assert m["overall"]["customers"] == len(full.compliance)
        assert m["flagged_managers"] == full.flagged

    @pytest.mark.parametrize("name", SECTIONS)
    def test_sections_render(self, full, name):
        html = getattr(discipline, name)(full).data
        assert "class=\"rl-off\"" not in html  # nothing switched off: every table present
        assert "<script" not in html

    def test_call_lists(self, full, tmp_path):
        written = discipline.write_report_call_lists(full, tmp_path)
        assert set(written) == set(full.plan["manager"].astype(str))
        rows = 0
        for path in written.values():
            assert path.read_bytes().startswith(b"\xef\xbb\xbf")
            with path.open(encoding="utf-8-sig", newline="") as fh:
                data = list(csv.reader(fh))
            assert data[0][:3] == ["manager", "tier", "customer_id"]
            rows += len(data) - 1
        assert rows == len(full.plan)

    def test_executive_section_links(self, full):
        html = discipline.executive_section(full)
        assert 'href="contact_discipline.html"' in html


class TestWithoutContacts:
    def test_sections_off(self, bare):
        assert bare.compliance is None
        assert bare.sections_off["cadence compliance"] == "contacts"
        assert bare.sections_off["manager fit"] == "customers"
        assert discipline.discipline_metrics(bare) is None
        html = discipline.section_compliance_by_manager(bare).data
        assert "needs the <code>contacts</code> table" in html

    def test_funnel_still_shown(self, bare):
        assert bare.funnel_counts["reached"].iloc[0] == len(bare.stages)
        assert "<img" in discipline.section_funnel(bare).data

    def test_no_call_lists(self, bare, tmp_path):
        assert discipline.write_report_call_lists(bare, tmp_path / "cl") == {}


def test_executive_block_one_call(folders):
    html = discipline.executive_block(load_dataset(folders["full"]), period="2026-10").data
    assert "Contact discipline" in html and "contact_discipline.html" in html
