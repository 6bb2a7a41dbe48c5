"""Tests of the contact-discipline settings (``contact_discipline:`` YAML section)."""

from __future__ import annotations

import pytest

from retention_lib.config import (
    DEFAULT_SETTINGS,
    ConfigError,
    Settings,
    load_settings,
)
from retention_lib.config import settings_from_mapping as from_mapping


class TestDefaults:
    def test_defaults_match_the_issue(self):
        s = DEFAULT_SETTINGS
        assert s.cadence_due_soon_days == 7
        assert s.cadence_scale_by_cycle is False
        assert s.cadence_cycle_bounds == (0.5, 2.0)
        assert s.meeting_counts_as_call is False
        assert s.funnel_regular_months == 6
        assert s.funnel_expansion_factor == 1.5
        assert s.key_tiers == ("VIP", "A")
        assert s.manager_fit_alpha == 0.05

    def test_analysis_defaults_agree_with_settings(self):
        import inspect

        from retention_lib.analysis import cadence, funnel, managers

        def default(func, name):
            return inspect.signature(func).parameters[name].default

        assert default(cadence.compliance_table, "due_soon_days") == 7
        assert default(cadence.compliance_table, "cycle_bounds") == (0.5, 2.0)
        assert default(funnel.funnel_stages, "regular_months") == 6
        assert default(funnel.funnel_stages, "expansion_factor") == 1.5
        assert tuple(default(funnel.funnel_stages, "key_tiers")) == ("VIP", "A")
        assert default(managers.manager_fit, "alpha") == 0.05


class TestYaml:
    def test_full_section(self, tmp_path):
        path = tmp_path / "c.yaml"
        path.write_text(
            "contact_discipline:\n"
            "  due_soon_days: 3\n"
            "  scale_by_cycle: true\n"
            "  cycle_bounds: [0.25, 4]\n"
            "  meeting_counts_as_call: true\n"
            "  regular_months: 9\n"
            "  expansion_factor: 2\n"
            "  key_tiers: [VIP]\n"
            "  manager_fit_alpha: 0.01\n",
            encoding="utf-8",
        )
        s = load_settings(path)
        assert (s.cadence_due_soon_days, s.cadence_scale_by_cycle, s.cadence_cycle_bounds,
                s.meeting_counts_as_call, s.funnel_regular_months, s.funnel_expansion_factor,
                s.key_tiers, s.manager_fit_alpha) == (
            3, True, (0.25, 4.0), True, 9, 2.0, ("VIP",), 0.01)
        # other settings untouched
        assert s.cadence == DEFAULT_SETTINGS.cadence

    def test_partial_section_keeps_other_defaults(self):
        s = from_mapping({"contact_discipline": {"due_soon_days": 0}})
        assert s.cadence_due_soon_days == 0
        assert s.key_tiers == ("VIP", "A") and s.manager_fit_alpha == 0.05

    def test_unknown_key_lists_allowed(self):
        with pytest.raises(ConfigError, match=r"due_son_days.*allowed:.*due_soon_days"):
            from_mapping({"contact_discipline": {"due_son_days": 3}})

    @pytest.mark.parametrize(
        ("key", "value", "message"),
        [
            ("due_soon_days", -1, "due_soon_days must be >= 0"),
            ("due_soon_days", 2.5, "due_soon_days must be a whole number"),
            ("scale_by_cycle", "yes please", "scale_by_cycle must be true or false"),
            ("meeting_counts_as_call", 1, "meeting_counts_as_call must be true or false"),
            ("cycle_bounds", [1.5, 2.0], r"0 < lo <= 1 <= hi"),
            ("cycle_bounds", [0.5], "list of two numbers"),
            ("regular_months", 13, "between 1 and 12"),
            ("regular_months", 0, "between 1 and 12"),
            ("expansion_factor", 1.0, "greater than 1"),
            ("key_tiers", ["VIP", "Gold"], r"non-empty list of \['VIP', 'A', 'B', 'C'\]"),
            ("key_tiers", [], "non-empty list"),
            ("key_tiers", "VIP", "must be a list of tiers"),
            ("manager_fit_alpha", 1.5, "between 0 and 1"),
            ("manager_fit_alpha", 0, "between 0 and 1"),
        ],
        ids=["due-negative", "due-float", "scale-string", "meeting-int", "bounds-order",
             "bounds-length", "regular-13", "regular-0", "factor-1", "tier-unknown",
             "tiers-empty", "tiers-string", "alpha-big", "alpha-zero"],
    )
    def test_invalid_values_name_the_key(self, key, value, message):
        with pytest.raises(ConfigError, match=message) as err:
            from_mapping({"contact_discipline": {key: value}}, source="my.yaml")
        assert "my.yaml" in str(err.value)
        assert f"contact_discipline.{key}" in str(err.value)

    def test_direct_construction_is_validated_too(self):
        with pytest.raises(ConfigError, match="manager_fit_alpha"):
            Settings(manager_fit_alpha=2.0)
        with pytest.raises(ConfigError, match="cycle_bounds"):
            DEFAULT_SETTINGS.replace(cadence_cycle_bounds=(0.0, 2.0))
