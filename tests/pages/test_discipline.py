"""Tests of retention_lib.pages.discipline: the contact-discipline report glue on a small sample."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import json
import shutil

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


def test_executive_block_one_call(folders):
    html = discipline_executive.executive_block(load_dataset(folders["full"]),
                                                period="2026-10").data
    assert "Contact discipline" in html and "contact_discipline.html" in html


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


class TestCallListTasksByHand:
    """call_list_tasks on a hand-made report: two managers, a plan row each kind, four
    customers to save and three to win back."""

    @pytest.fixture
    def report(self, full):
        as_of = pd.Timestamp("2026-10-31")
        plan = pd.DataFrame({
            "manager": ["m", "m", "m"], "customer_id": ["c1", "c1", "L1"],
            "name": ["C One", "C One", "L One"], "tier": ["VIP", "VIP", "lost"],
            "action": ["call", "meeting", "keep in touch"],
            "due_by": pd.to_datetime(["2026-11-02", "2026-11-13", "2026-11-03"]),
            "days_overdue": [5, 0, 0],
            "last_done": pd.to_datetime(["2026-10-19", "2026-10-14", None]),
            "every_days": pd.array([7, 30, 365], dtype="Int64"),
            "status": ["overdue", "due", "never"], "value": [1000.0, 1000.0, 500.0],
            "priority": [1, 1, 1],
        })
        plan.attrs = {"period_end": pd.Timestamp("2026-11-30"), "spread_days": 10}
        at_risk = pd.DataFrame({
            "name": ["S1", "S2", "S3", "S4"], "manager": ["m", "n", "m", "m"],
            "tier": ["A", "VIP", "B", "C"], "revenue_12m": [900.0, 800.0, 300.0, 100.0],
            "value_at_risk": [450.0, 400.0, 150.0, 50.0],
            "marker_facts": [[{"marker": "overdue", "days": 40, "interval": 14}], [], [], []],
            "last_purchase": pd.to_datetime(["2026-09-01"] * 4),
        }, index=pd.Index(["s1", "s2", "s3", "s4"], name="customer_id"))
        queue = pd.DataFrame({
            "name": ["W1", "W2", "W3"], "manager": ["m", "m", "n"],
            "lost_revenue": [2000.0, 600.0, 100.0], "score": [0.5, 0.5, 1.0],
            "expected_revenue": [1000.0, 300.0, 100.0],
            "reason_category": ["price", "service", "unknown"],
            "lost_on": pd.to_datetime(["2026-05-01", "2026-06-01", "2026-10-01"]),
            "last_contact": pd.to_datetime([None, "2026-01-10", None]),
        }, index=pd.Index(["w1", "L1", "w3"], name="customer_id"))
        return dataclasses.replace(full, as_of=as_of, plan=plan, never=None,
                                   at_risk=at_risk, queue=queue)

    def test_priorities_marks_and_working_days(self, report, monkeypatch):
        monkeypatch.setattr(discipline_calllists, "DIRECTOR_TOP", 2)
        t = discipline_calllists.call_list_tasks(report)
        got = [(r.manager, r.task, r.priority, r.director_target, r.due_by.strftime("%m-%d"))
               for r in t.itertuples()]
        # save for m: three targets, ranks 1, 3, 4, over 10 of November's working days:
        # k * 10 // 3 = 0, 3, 6 -> Mon 11-02, Thu 11-05, Tue 11-10; win back for m: ranks
        # 1, 2 over all 21 working days: k * 21 // 2 = 0, 10 -> 11-02, Mon 11-16; n has one
        # of each on 11-02. Director's mark: rank <= 2
        assert got == [
            ("m", "call", 1, False, "11-02"),
            ("m", "meeting", 1, False, "11-13"),
            ("m", "keep in touch", 1, False, "11-03"),
            ("m", "save", 1, True, "11-02"),
            ("m", "save", 3, False, "11-05"),
            ("m", "save", 4, False, "11-10"),
            ("m", "win back", 1, True, "11-02"),
            ("m", "win back", 2, True, "11-16"),
            ("n", "save", 2, True, "11-02"),
            ("n", "win back", 3, False, "11-02"),
        ]

    def test_columns_value_markers_reason_action(self, report):
        tasks = discipline_calllists.call_list_tasks(report)
        assert tuple(tasks.columns) == discipline_calllists.TASK_COLUMNS
        t = tasks.set_index(["task", "customer_id"])
        tr = report.tr
        save = t.loc[("save", "s1")]
        assert (save["value"], save["value_at_risk"]) == (900.0, 450.0)
        assert save["risk_markers"] == "no purchase for 40 days (usually every 14 days)"
        win = t.loc[("win back", "w1")]
        assert (win["value"], win["chance"], win["expected_revenue"]) == (2000.0, 0.5, 1000.0)
        assert win["exit_reason"] == tr.label("reason", "price")
        assert win["action"] == f"{tr.t('action.price')} {tr.t('action.any')}"
        # the lost customer L1 is in the win-back list: the keep-in-touch row says so
        assert t.loc[("keep in touch", "L1"), "action"] == tr.t(
            "lists.action.keep_in_touch_winback")
        assert t.loc[("call", "c1"), "action"] == "Call first: 5 days past the 7-day rhythm."


class TestExecutiveActions:
    """discipline_executive.executive_actions on hand-made tables (three managers)."""

    @pytest.fixture
    def report(self, full):
        fit = pd.DataFrame({"churn_rate": [0.05, 0.30, 0.25], "lost": [1, 6, 5],
                            "customers": [20, 20, 20], "flagged": [False, True, True]},
                           index=["m1", "m2", "m3"])
        fit.attrs = {"company_rate": 0.10}
        ok = pd.DataFrame({  # in worst_overdue order: VIP first, then money at stake
            "name": ["K1", "K3", "K2"], "tier": ["VIP", "A", "A"],
            "manager": ["m1", "m2", "m2"], "days_overdue": [10, 20, 100],
            "value": [1000.0, 300.0, 50.0], "status": ["overdue"] * 3,
        }, index=["k1", "k3", "k2"])
        return dataclasses.replace(full, fit=fit, overdue_key=ok)

    @pytest.fixture
    def at_risk(self):
        return pd.DataFrame({"name": ["S1", "S2", "S3"], "manager": ["m1", "m3", "m3"],
                             "value_at_risk": [500.0, 400.0, 200.0]}, index=["s1", "s2", "s3"])

    @pytest.fixture
    def queue(self):
        return pd.DataFrame({"name": ["W1", "W2", "W3"], "manager": ["m3", "m1", "m1"],
                             "expected_revenue": [100.0, 60.0, 50.0]},
                            index=["w1", "w2", "w3"])

    def test_hand_computed(self, report, at_risk, queue):
        acts = discipline_executive.executive_actions(report, at_risk=at_risk, queue=queue, top=2,
                                            max_actions=6)
        got = [(a["kind"], a["owner"], a["customers"], a["count"], a["money"]) for a in acts]
        assert got == [
            # flagged m2 (30 %) before m3 (25 %); m2 has nobody at risk, m3 has S2 and S3
            ("review_manager", "director", [], 0, 0.0),
            ("review_manager", "director", ["S2", "S3"], 2, 600.0),
            # money at stake: m1 1000 x 10 = 10,000; m2 300 x 20 + 50 x 100 = 11,000 -> m2,
            # their customers in the overdue-key order, money = 12-month revenue 300 + 50
            ("overdue_key", "m2", ["K3", "K2"], 2, 350.0),
            # top 2 to save: S1 (m1, 500), S2 (m3, 400) -> m1
            ("save", "m1", ["S1"], 1, 500.0),
            # top 2 to win back: W1 (m3, 100), W2 (m1, 60) -> m3
            ("win_back", "m3", ["W1"], 1, 100.0),
            # the director: every target, 3 + 3 customers of 2 managers
            ("call_lists", "director", [], 6, 1100.0 + 210.0),
        ]
        assert acts[0]["manager"] == "m2" and acts[0]["rate"] == 0.30
        assert acts[2]["total"] == 3 and acts[2]["vip"] == 0
        assert (acts[5]["save"], acts[5]["winback"], acts[5]["managers"]) == (3, 3, 2)

    def test_at_most_five(self, report, at_risk, queue):
        acts = discipline_executive.executive_actions(report, at_risk=at_risk, queue=queue, top=2)
        assert [a["kind"] for a in acts] == ["review_manager", "review_manager",
                                             "overdue_key", "save", "win_back"]

    def test_nothing_to_do(self, report):
        quiet = dataclasses.replace(report, fit=report.fit.assign(flagged=False),
                                    overdue_key=report.overdue_key.iloc[:0])
        assert discipline_executive.executive_actions(quiet, at_risk=None, queue=None) == []


class TestActionsWithoutManagers:
    """A file without a manager column: the director owns the actions, never a person
    called "unassigned"; the call-list sentence says there is one list for the company."""

    @staticmethod
    def _report(manager: str):
        from types import SimpleNamespace

        at_risk = pd.DataFrame({"name": ["a", "b", "c"], "manager": [manager] * 3,
                                "value_at_risk": [300.0, 200.0, 100.0]})
        queue = pd.DataFrame({"name": ["x", "y"], "manager": [manager] * 2,
                              "expected_revenue": [50.0, 25.0]})
        return SimpleNamespace(fit=None, overdue_key=None, at_risk=at_risk, queue=queue)

    def test_unassigned_customers_are_the_directors(self):
        from retention_lib.pages.discipline_executive import executive_actions

        acts = executive_actions(self._report("unassigned"))
        assert [(a["kind"], a["owner"]) for a in acts] == [
            ("save", "director"), ("win_back", "director"), ("call_lists", "director")]
        save, win_back, lists = acts
        assert save["customers"] == ["a", "b", "c"] and save["money"] == 600.0
        assert win_back["money"] == 75.0
        assert lists["managers"] == 0 and lists["money"] == 675.0

    def test_a_named_manager_owns_them(self):
        from retention_lib.pages.discipline_executive import executive_actions

        acts = executive_actions(self._report("Anna"))
        assert [a["owner"] for a in acts] == ["Anna", "Anna", "director"]
        assert acts[-1]["managers"] == 1

    @pytest.mark.parametrize(("lang", "text"), [
        ("en", "in one list for the whole company (no account managers in the data)"),
        ("ru", "один список на всю компанию (менеджеров в данных нет)"),
        ("uk", "один список на всю компанію (менеджерів у даних немає)"),
    ])
    def test_call_list_sentence(self, lang, text):
        from retention_lib.i18n import get_translator

        tr = get_translator(lang)
        sentence = tr.t("lists.exec.call_lists", save=3, save_money="600", winback=2,
                        winback_money="75", managers=0)
        assert text in sentence
        assert "across 2 managers" in get_translator("en").t(
            "lists.exec.call_lists", save=3, save_money="600", winback=2, winback_money="75",
            managers=2)
