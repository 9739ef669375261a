"""Pydantic's validation errors as problems a person can act on, in the words of the file.

Each error becomes its key path, its line and a message such as
`unknown key "capcity"; did you mean "capacity"? (allowed here: …)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from atende.config.hours import HoursMistake
from atende.config.problems import KeyPath, Problem, did_you_mean, format_path
from atende.config.schema import Config

_OFF_AT_ZERO = {"offer_timeout_seconds", "queue_reminder_seconds", "menu_hours", "rating_hours", "assigned_hours"}


def _model_at(path: KeyPath) -> type[BaseModel] | None:
    """The model describing the table at `path` (list indexes skipped), to name its allowed keys."""
    model: type[BaseModel] = Config
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        annotation = field.annotation if field else None
        if get_origin(annotation) is list:
            annotation = get_args(annotation)[0]
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _sections() -> Iterator[tuple[str, type[BaseModel]]]:
    for name in Config.model_fields:
        model = _model_at((name,))
        if model is not None:
            yield name, model


def _toml(value: object) -> str:
    """A value written the way it looks in the file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def _unknown_key(path: KeyPath, value: object) -> str:
    key = str(path[-1])
    if isinstance(value, dict):
        what = f"table [{key}]" if len(path) == 1 else f'table "{key}"'
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        what = f"array of tables [[{key}]]"
    else:
        what = f'key "{key}"'
    model = _model_at(path[:-1])
    allowed = list(model.model_fields) if model else []
    message = f"unknown {what}{did_you_mean(key, allowed)}"
    homes = [name for name, section in _sections() if key in section.model_fields and section is not model]
    if homes and not message.endswith("?"):
        home = homes[0]
        brackets = f"[[{home}]]" if home in {"departments", "agents"} else f"[{home}]"
        message += f"; it belongs under {brackets}"
    if allowed:
        message += f" (allowed here: {', '.join(allowed)})"
    return message


def _explain(error: ErrorDetails, path: KeyPath) -> str:
    kind, value = error["type"], error.get("input")
    key = str(path[-1]) if path else ""
    context = error.get("ctx") or {}
    if kind == "missing":
        if len(path) == 1:
            return f"the [{key}] table is missing"
        return f"is required: add {key} = …"
    if kind == "extra_forbidden":
        return _unknown_key(path, value)
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        quoted = isinstance(value, str) and value.strip().lstrip("-").isdigit()
        return f"must be a whole number, got {_toml(value)}" + (": remove the quotes" if quoted else "")
    if kind == "bool_type":
        return f"must be true or false (no quotes), got {_toml(value)}"
    if kind == "string_type":
        hint = f': write {key} = "{value}"' if isinstance(value, int | float) and not isinstance(value, bool) else ""
        return f"must be text in quotes, got {_toml(value)}{hint}"
    if kind == "list_type":
        if len(path) == 1 and isinstance(value, dict):
            return f"write each entry as its own [[{key}]] table (double brackets)"
        return f'must be a list, e.g. {key} = ["financeiro"], got {_toml(value)}'
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        if len(path) == 1 and isinstance(value, list):
            return f"write [{key}] (single brackets): there is only one"
        return f"must be a table, got {_toml(value)}"
    if kind == "greater_than_equal":
        off = " (0 turns it off)" if key in _OFF_AT_ZERO else ""
        return f"must be {context.get('ge')} or more, got {_toml(value)}{off}"
    if kind in {"too_short", "string_too_short"}:
        return "must not be empty"
    cause = context.get("error")
    return str(cause) if cause is not None else error["msg"]


def problems_from(exc: ValidationError, locate: Callable[[KeyPath], int | None]) -> list[Problem]:
    """Each validation error as a problem at its key path (an `hours` entry's own key when known)."""
    problems = []
    for error in exc.errors():
        path: KeyPath = tuple(part for part in error["loc"] if part != "[key]")
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, HoursMistake):
            path = (*path, cause.key)
        problems.append(Problem(format_path(path), locate(path), _explain(error, path)))
    return problems
