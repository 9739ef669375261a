"""atende's configuration: the environment (secrets, URLs) and the file `atende.toml` (the business).

Both are validated before anything runs. A mistake is reported once, with the key path and the
line it is on, instead of turning up later as odd behaviour in production. The result is the
plain `atende.application.settings.Settings` that the use cases consume. Variable names and the
documented toml keys are the external contract (docs/design.md §2).

One module per concern:

- `problems`: `Problem`, `ConfigError` and key paths, the shape every mistake is reported in;
- `environment`: the environment variables (the one module that reads the process environment);
- `toml_lines`: the line of each key in the TOML text, since tomllib keeps none;
- `hours`: opening hours and holidays, read from the file and described for people;
- `fields`: the validated value types (phone, key, locale, time zone, template names, hours);
- `schema`: the pydantic models of the file and `Config.to_settings()`;
- `explain`: pydantic's validation errors turned into problems with friendly messages;
- `checks`: the checks across entries (duplicates, unknown departments, coverage, holidays);
- `texts`: the `[texts]` overrides checked against the catalog;
- `loading`: `load_config`, reading the file and explaining TOML syntax mistakes.
"""

from __future__ import annotations

from atende.config.environment import (
    DEFAULT_CONFIG_PATH,
    DEFAULT_DATABASE_URL,
    DEFAULT_GRAPH_URL,
    SERVE_VARIABLES,
    Environment,
    config_path,
    load_environment,
    mask_url,
)
from atende.config.hours import describe_holidays, describe_hours, parse_hours
from atende.config.loading import load_config
from atende.config.problems import ConfigError, Problem, format_path
from atende.config.schema import (
    AgentConfig,
    BusinessConfig,
    Config,
    DepartmentConfig,
    IdleConfig,
    IntakeConfig,
    ServiceConfig,
    StorageConfig,
    TimersConfig,
    WhatsAppConfig,
)
from atende.config.toml_lines import TomlLocator

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "DEFAULT_DATABASE_URL",
    "DEFAULT_GRAPH_URL",
    "SERVE_VARIABLES",
    "AgentConfig",
    "BusinessConfig",
    "Config",
    "ConfigError",
    "DepartmentConfig",
    "Environment",
    "IdleConfig",
    "IntakeConfig",
    "Problem",
    "ServiceConfig",
    "StorageConfig",
    "TimersConfig",
    "TomlLocator",
    "WhatsAppConfig",
    "config_path",
    "describe_holidays",
    "describe_hours",
    "format_path",
    "load_config",
    "load_environment",
    "mask_url",
    "parse_hours",
]
