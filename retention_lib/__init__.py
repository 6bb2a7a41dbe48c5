"""retention_lib: customer-retention analytics for monthly reports."""

from .config import DEFAULT_SETTINGS, CadenceRule, ConfigError, Settings, load_settings

__version__ = "0.1.0"

__all__ = [
    "CadenceRule",
    "ConfigError",
    "DEFAULT_SETTINGS",
    "Settings",
    "load_settings",
]
