"""Settings defaults and YAML overrides."""

from __future__ import annotations

import pytest

from retention_lib.config import (
    DEFAULT_SETTINGS,
    CadenceRule,
    ConfigError,
    load_settings,
)


class TestDefaults:
    def test_design_defaults(self):
        s = DEFAULT_SETTINGS
        assert (s.churn_normal_max, s.churn_critical_min) == (0.10, 0.20)
        assert (s.tier_a_share, s.tier_b_share) == (0.80, 0.95)
        assert s.lapse_days == 365
        assert s.cadence["VIP"] == CadenceRule(call_days=7, meeting_days=30)
        assert s.cadence["A"] == CadenceRule(call_days=14, meeting_days=90)
        assert s.cadence["B"] == CadenceRule(call_days=30)
        assert s.cadence["C"] == CadenceRule(call_days=182)
        assert s.cadence["lost"] == CadenceRule(call_days=365)


class TestYaml:
    def test_overrides(self, tmp_path):
        p = tmp_path / "c.yaml"
        p.write_text(
            "company_name: ТОВ Приклад\nlanguage: uk\nlapse_days: 180\n"
            "churn_thresholds: {normal_max: 0.05, critical_min: 0.15}\n"
            "tiers: {a_share: 0.7, vip_ids: [7, C1]}\n"
            "cadence: {B: {call_days: 60}}\n"
            "columns: {transactions: {Client: customer_id}}\n"
            "csv: {sep: ';', decimal: ','}\n",
            encoding="utf-8",
        )
        s = load_settings(p)
        assert s.company_name == "ТОВ Приклад" and s.language == "uk"
        assert s.lapse_days == 180
        assert (s.churn_normal_max, s.churn_critical_min) == (0.05, 0.15)
        assert s.tier_a_share == 0.7 and s.vip_ids == ("7", "C1")
        assert s.cadence["B"] == CadenceRule(call_days=60)
        assert s.cadence["VIP"] == CadenceRule(call_days=7, meeting_days=30)  # untouched
        assert s.columns == {"transactions": {"Client": "customer_id"}}
        assert (s.csv.sep, s.csv.decimal) == (";", ",")

    @pytest.mark.parametrize(
        "text, needle",
        [
            ("colour: red\n", "unknown key(s) ['colour']"),
            ("tiers: {a_shar: 0.7}\n", "unknown key(s) ['a_shar'] under 'tiers'"),
            ("language: de\n", "choose one of ['en', 'ru', 'uk']"),
            ("churn_thresholds: {normal_max: 0.3}\n", "normal_max < critical_min"),
            ("cadence: {B: {calls: 3}}\n", "cadence.B"),
            (": : :\n", "not valid YAML"),
        ],
        ids=["unknown-top", "unknown-tier-key", "language", "thresholds", "cadence-key", "yaml"],
    )
    def test_bad_config_names_the_problem(self, tmp_path, text, needle):
        p = tmp_path / "bad.yaml"
        p.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as exc:
            load_settings(p)
        assert needle in str(exc.value)
        if needle != "not valid YAML":
            assert str(p) in str(exc.value)

    def test_missing_file(self, tmp_path):
        with pytest.raises(ConfigError, match="config file not found"):
            load_settings(tmp_path / "nope.yaml")
