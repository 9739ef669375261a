"""`load_config`: read `atende.toml`, parse and validate it, and report every problem at once.

Reading and TOML syntax mistakes are explained here; the line of each key comes from
`toml_lines`, the messages for invalid values from `explain`, the cross-entry checks from `checks`,
the `[texts]` overrides' from `texts`.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from pydantic import ValidationError

from atende.config.checks import cross_check
from atende.config.environment import DEFAULT_CONFIG_PATH
from atende.config.explain import problems_from
from atende.config.problems import ConfigError, Problem
from atende.config.schema import Config
from atende.config.texts import check_texts
from atende.config.toml_lines import TomlLocator

EXAMPLE_CONFIG = "examples/atende.toml"

_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


def _syntax_problem(exc: tomllib.TOMLDecodeError, text: str) -> Problem:
    """tomllib's message and line, with a hint for the usual slips."""
    raw = str(exc)
    found = _TOML_POSITION.search(raw)
    message = raw[: found.start()] if found else raw
    line = int(found.group(1)) if found and found.group(1) else text.count("\n") + 1
    column = f" (column {found.group(2)})" if found and found.group(2) else ""
    declared = re.fullmatch(r"Cannot declare \((.*)\) twice", message)
    if message == "Invalid value":
        message = 'invalid value: text needs quotes (name = "Loja Exemplo"), times too ("08:00-18:00")'
    elif message == "Cannot overwrite a value":
        message = "this key is already set above in the same table"
    elif declared:
        table = ".".join(part.strip(" '\"") for part in declared.group(1).split(",") if part.strip())
        message = f"[{table}] is declared twice; use [[{table}]] for a list of entries"
    else:
        message = message[:1].lower() + message[1:]
    return Problem("", line, f"TOML syntax: {message}{column}")


def _missing_file(file: Path) -> Problem:
    return Problem(
        "",
        None,
        f"config file not found (looked for {file.absolute()}; ATENDE_CONFIG chooses the file, "
        f"default {DEFAULT_CONFIG_PATH}). Start from the example: cp {EXAMPLE_CONFIG} atende.toml",
    )


def _read(file: Path, label: str) -> str:
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ConfigError([_missing_file(file)], file=label) from None
    except OSError as exc:
        raise ConfigError([Problem("", None, f"cannot read the config file: {exc.strerror}")], file=label) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError([Problem("", line, "the file is not UTF-8 text; save it as UTF-8")], file=label) from None


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate `atende.toml`; every mistake at once in a `ConfigError`, never a traceback."""
    file = Path(path)
    label = str(file)
    text = _read(file, label)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_syntax_problem(exc, text)], file=label) from None
    locate = TomlLocator(text).line_of
    problems: list[Problem] = []
    config: Config | None = None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from(exc, locate))
    problems.extend(cross_check(data, locate))
    problems.extend(check_texts(data, locate))
    errors = sorted((p for p in problems if not p.warning), key=lambda p: (p.line or 0, p.path))
    warnings = sorted((p for p in problems if p.warning), key=lambda p: (p.line or 0, p.path))
    if errors or config is None:
        raise ConfigError(errors, file=label, warnings=warnings)
    config._warnings = tuple(warnings)
    return config
