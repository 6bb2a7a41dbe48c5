"""Tests of retention_lib.pages.discipline: the contact-discipline report glue on a small sample."""

from __future__ import annotations

import csv
import datetime
import json

import pandas as pd
import pytest

from retention_lib.data.io import load_dataset
from retention_lib.pages import (
    discipline,
    discipline_calllists,
    discipline_executive,
    discipline_sections,
)


@pytest.fixture(scope="module")
def bare(folders):
    return discipline.build_contact_discipline(load_dataset(folders["bare"]), period="2026-10")


SECTIONS = [name for name in discipline_sections.__all__ if name.startswith("section_")]


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
        html = getattr(discipline_sections, name)(full).data
        assert "class=\"rl-off\"" not in html  # nothing switched off: every table present
        assert "<script" not in html

    def test_call_lists(self, full, tmp_path):
        written = discipline_calllists.write_report_call_lists(full, tmp_path)
        assert set(written) == set(full.plan["manager"].astype(str))
        rows = 0
        for path in written.values():
            assert path.suffix == ".xlsx" and path.with_suffix(".csv").exists()
            raw = path.with_suffix(".csv").read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf")
            with path.with_suffix(".csv").open(encoding="utf-8-sig", newline="") as fh:
                data = list(csv.reader(fh))  # English: comma-separated
            assert data[0][:3] == ["Task", "Priority", "Director's list"]
            rows += len(data) - 1
        assert rows == len(full.plan)  # no save / win-back targets attached

    def test_workbooks_with_targets(self, folders, full, tmp_path):
        import openpyxl

        from retention_lib.i18n import get_translator
        from retention_lib.pages.diagnostics import build_diagnostics

        ds = load_dataset(folders["full"])
        diag = build_diagnostics(ds, period="2026-10", lang="en")
        report = discipline.with_targets(full, diag)
        written = discipline_calllists.write_report_call_lists(report, tmp_path)
        tr = get_translator("en")
        titles = [tr.t(f"lists.sheet.{discipline_calllists.cadence_key(k)}")
                  for k in discipline_calllists.TASKS]
        start, end = pd.Timestamp("2026-11-01"), pd.Timestamp("2026-11-30")
        seen = {k: 0 for k in discipline_calllists.TASKS}
        save_priorities, winback_priorities = [], []
        for path in written.values():
            book = openpyxl.load_workbook(path)
            assert book.sheetnames == titles
            for kind, ws in zip(discipline_calllists.TASKS, book.worksheets, strict=True):
                header = [c.value for c in ws[1]]
                cols = discipline_calllists.SHEET_COLUMNS[kind]
                assert header == [discipline_calllists.call_list_headers(tr, kind)[c] for c in cols]
                assert ws.freeze_panes == "A2"
                rows = list(ws.iter_rows(min_row=2, values_only=True))
                seen[kind] += len(rows)
                due = [r[cols.index("due_by")] for r in rows]
                # real date cells, on working days of the month after the report month
                assert all(isinstance(x, datetime.datetime) for x in due)
                assert all(x.weekday() < 5 and start <= pd.Timestamp(x) <= end for x in due)
                prio = [r[0] for r in rows]
                if kind == "save":
                    save_priorities += prio
                    marks = [r[1] for r in rows]
                    assert marks == ["★ director's list" if p <= 15 else None for p in prio]
                elif kind == "win back":
                    winback_priorities += prio
                else:  # per manager: 1..n
                    assert sorted(prio) == list(range(1, len(prio) + 1))
                if kind in ("save", "win back"):  # the director's order first, in time too
                    order = sorted(range(len(rows)), key=lambda i: prio[i])
                    assert [due[i] for i in order] == sorted(due)
        # every save and win-back target of the company is in exactly one workbook
        assert sorted(save_priorities) == list(range(1, len(diag.at_risk) + 1))
        assert sorted(winback_priorities) == list(range(1, len(diag.queue) + 1))
        plan_kinds = full.plan["action"].value_counts()
        assert seen["call"] == plan_kinds.get("call", 0)
        assert seen["meeting"] == plan_kinds.get("meeting", 0)
        assert seen["keep in touch"] == plan_kinds.get("keep in touch", 0)

    def test_plan_section_agrees_with_compliance(self, full):
        html = discipline_sections.section_contact_plan(full).data
        comp = full.compliance
        for manager, n in comp.loc[comp["status"] == "overdue", "manager"].value_counts().items():
            tasks = full.plan.loc[(full.plan["manager"] == manager)
                                  & full.plan["status"].isin(["overdue", "never"])
                                  & (full.plan["action"] != "keep in touch")]
            assert tasks["customer_id"].nunique() == n
        assert "Overdue customers" in html and ".xlsx file in the call-list folder" in html

    def test_executive_section_links(self, full):
        html = discipline_executive.executive_section(full)
        assert 'href="contact_discipline.html"' in html


class TestWithoutContacts:
    def test_sections_off(self, bare):
        assert bare.compliance is None
        assert bare.sections_off["compliance"] == "contacts"
        assert bare.sections_off["manager_fit"] == "customers"
        assert discipline.discipline_metrics(bare) is None
        html = discipline_sections.section_compliance_by_manager(bare).data
        assert "needs the <code>contacts</code> table" in html

    def test_funnel_still_shown(self, bare):
        assert bare.funnel_counts["reached"].iloc[0] == len(bare.stages)
        assert "<img" in discipline_sections.section_funnel(bare).data

    def test_no_call_lists(self, bare, tmp_path):
        assert discipline_calllists.write_report_call_lists(bare, tmp_path / "cl") == {}


@pytest.fixture(scope="module")
def dataset(folders):
    return load_dataset(folders["full"])


class TestSettingsAreRead:
    """The contact-discipline knobs of Settings reach the analyses (same result as calling
    the analysis directly with the value)."""

    def test_key_tiers_select_the_overdue_list(self, dataset):
        s = dataset.settings.replace(key_tiers=("VIP",))
        r = discipline.build_contact_discipline(dataset, period="2026-10", settings=s,
                                                with_funnel=False)
        assert set(r.overdue_key["tier"]) == {"VIP"}
        # the same rows as the VIP rows of the default (VIP, A) list
        full = discipline.build_contact_discipline(dataset, period="2026-10",
                                                   with_funnel=False)
        vip = full.overdue_key.loc[full.overdue_key["tier"] == "VIP"]
        assert list(r.overdue_key.index) == list(vip.index)

    def test_alpha_controls_the_flag(self, dataset):
        base = discipline.build_contact_discipline(dataset, period="2026-10",
                                                   with_funnel=False)
        assert base.fit.attrs["alpha"] == 0.05
        # the smallest p-value: with alpha at or below it nobody is flagged
        p_min = float(base.fit["p_value"].min())
        s = dataset.settings.replace(manager_fit_alpha=p_min)
        r = discipline.build_contact_discipline(dataset, period="2026-10", settings=s,
                                                with_funnel=False)
        assert r.flagged == []

    @pytest.mark.parametrize(
        ("field", "value"),
        [("cadence_due_soon_days", 0), ("meeting_counts_as_call", True),
         ("cadence_scale_by_cycle", True)],
        ids=["due-soon", "meeting-as-call", "cycle-scaling"],
    )
    def test_compliance_options(self, dataset, field, value):
        from retention_lib.analysis import cadence, cadence_intervals

        s = dataset.settings.replace(**{field: value})
        r = discipline.build_contact_discipline(dataset, period="2026-10", settings=s,
                                                with_funnel=False)
        d0 = discipline.build_contact_discipline(dataset, period="2026-10",
                                                 with_funnel=False)
        assert not r.compliance.equals(d0.compliance)  # the option changed something
        book = d0.compliance[["name", "tier", "manager"]]
        kw = {"due_soon_days": 0} if field == "cadence_due_soon_days" else {}
        if field == "meeting_counts_as_call":
            kw["meeting_counts_as_call"] = True
        if field == "cadence_scale_by_cycle":
            kw["cycle"] = cadence_intervals.purchase_cycle(dataset.transactions, as_of=r.as_of)
        # recompute directly: same statuses as the report
        contacts = dataset.contacts.loc[dataset.contacts["date"] <= r.as_of]
        first = dataset.transactions.loc[dataset.transactions["amount"] > 0].groupby(
            dataset.transactions["customer_id"].astype(str))["date"].min()
        book = book.assign(first_purchase=first.reindex(book.index).to_numpy())
        direct = cadence.compliance_table(contacts, book=book, as_of=r.as_of, **kw)
        assert (direct["status"].reindex(r.compliance.index) == r.compliance["status"]).all()

    def test_funnel_options(self, dataset):
        s = dataset.settings.replace(funnel_regular_months=12, funnel_expansion_factor=3.0)
        r = discipline.build_contact_discipline(dataset, period="2026-10", settings=s)
        d0 = discipline.build_contact_discipline(dataset, period="2026-10")
        # stricter "regular" and "expanded": never more customers at those stages or beyond
        assert (r.funnel_counts["reached"] <= d0.funnel_counts["reached"]).all()
        assert r.funnel_counts.loc["regular", "reached"] < d0.funnel_counts.loc[
            "regular", "reached"]
        assert r.funnel_counts.loc["key account", "reached"] == d0.funnel_counts.loc[
            "key account", "reached"]


class TestDatasetLevel:
    def test_metrics_section_equals_report_metrics(self, folders, full):
        ds = load_dataset(folders["full"])
        m = discipline.discipline_metrics_section(ds, period="2026-10", settings=ds.settings)
        assert m == discipline.discipline_metrics(full)

    def test_metrics_section_none_without_contacts(self, folders):
        ds = load_dataset(folders["bare"])
        assert discipline.discipline_metrics_section(ds, period="2026-10",
                                                     settings=ds.settings) is None

    def test_write_call_lists_for(self, folders, full, tmp_path):
        ds = load_dataset(folders["full"])
        written = discipline_calllists.write_call_lists_for(
            ds, period="2026-10", settings=ds.settings, out_dir=tmp_path, lang="uk")
        assert set(written) >= set(full.plan["manager"].astype(str))
        path = next(iter(written.values())).with_suffix(".csv")
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh, delimiter=";"))  # Ukrainian: semicolons
        assert header[:2] == ["Завдання", "Пріоритет"]
