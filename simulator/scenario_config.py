"""A scenario's business: its config file, or an inline `[config]` table, held to `config check`'s rules."""

from __future__ import annotations

import json
import tempfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from atende.application.settings import Settings
from atende.config import ConfigError, load_config

from .scenario import Scenario, ScenarioError


def scenario_settings(scenario: Scenario) -> Settings:
    """The scenario's config as validated settings; a bad config is a scenario error (exit 2).

    An inline `[config]` table goes through the same loader as a file (written out to a
    temporary file), so it is held to exactly the rules `atende config check` applies.
    """

    config = scenario.config
    where = f"config (line {scenario.config_line})" if scenario.config_line else "config"
    try:
        if isinstance(config, Path):
            if not config.is_file():
                raise ScenarioError(scenario.source, [f"{where}: no config file at {config}"])
            return load_config(config).to_settings()
        with tempfile.TemporaryDirectory(prefix="atende-simulate-") as folder:
            written = Path(folder) / "atende.toml"
            written.write_text(inline_toml(config), encoding="utf-8")
            return load_config(written).to_settings()
    except ConfigError as error:
        if isinstance(config, Path):
            problems = [f"{where}: {p.render(str(config))}" for p in error.problems]
        else:  # lines of the temporary file would mislead: name the key instead
            problems = [
                f"{where}: config.{p.path}: {p.message}" if p.path else f"{where}: {p.message}" for p in error.problems
            ]
        raise ScenarioError(scenario.source, problems) from None


def inline_toml(table: dict[str, Any]) -> str:
    """A parsed TOML table written back as TOML: one top-level key a line, inline tables below."""
    return "".join(f"{_key(k)} = {_value(v)}\n" for k, v in table.items())


def _key(key: str) -> str:
    return json.dumps(key, ensure_ascii=False)


def _value(value: object) -> str:
    match value:
        case bool():
            return "true" if value else "false"
        case int() | float() | str():
            return json.dumps(value, ensure_ascii=False)
        case dict():
            return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
        case list():
            return "[" + ", ".join(_value(v) for v in value) + "]"
        case datetime() | date() | time():
            return value.isoformat()
    raise ValueError(f"cannot write {value!r} as TOML")
