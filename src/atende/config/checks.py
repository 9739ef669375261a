"""Checks across the entries of `atende.toml`, which no single table can make on its own.

Duplicate department keys and phones, agents naming departments that do not exist (or twice),
departments that no agent serves, holidays that close nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from atende.config.problems import KeyPath, Problem, did_you_mean, format_path


def _tables(data: Mapping[str, Any], name: str) -> list[tuple[int, Mapping[str, Any]]]:
    entries = data.get(name)
    if not isinstance(entries, list):
        return []
    return [(index, entry) for index, entry in enumerate(entries) if isinstance(entry, dict)]


def cross_check(data: Mapping[str, Any], locate: Callable[[KeyPath], int | None]) -> list[Problem]:
    """What no single entry can know: duplicates, references between entries, coverage.

    It reads the raw data defensively so that it still reports while entries have other mistakes.
    """

    def problem(path: KeyPath, message: str, *, warning: bool = False) -> Problem:
        return Problem(format_path(path), locate(path), message, warning)

    def where(path: KeyPath) -> str:
        line = locate(path)
        return f"{format_path(path)}, line {line}" if line else format_path(path)

    problems: list[Problem] = []
    departments = _tables(data, "departments")
    if "departments" not in data or data["departments"] == []:
        problems.append(problem(("departments",), "at least one [[departments]] table is needed"))

    known: dict[str, KeyPath] = {}
    names: dict[str, str] = {}
    for index, department in departments:
        key = department.get("key")
        if not isinstance(key, str):
            continue
        if key in known:
            problems.append(
                problem(("departments", index, "key"), f'"{key}" is already the key of {where(known[key])}')
            )
        else:
            known[key] = ("departments", index, "key")
            if isinstance(department.get("name"), str):
                names[department["name"].strip().lower()] = key

    ids: dict[str, tuple[KeyPath, str]] = {}
    served: set[str] = set()
    for index, agent in _tables(data, "agents"):
        name = agent.get("name")
        for field, what in (("phone", "phone"), ("user_id", "user id")):
            value = agent.get(field)
            if not isinstance(value, str):
                continue
            if value in ids:
                first, owner = ids[value]
                problems.append(
                    problem(("agents", index, field), f'"{value}" is already {owner}\'s {what} ({where(first)})')
                )
            else:
                ids[value] = (("agents", index, field), name if isinstance(name, str) else "another agent")
        chosen = agent.get("departments")
        if not isinstance(chosen, list):
            continue
        seen: set[str] = set()
        for position, choice in enumerate(chosen):
            if not isinstance(choice, str):
                continue
            path: KeyPath = ("agents", index, "departments", position)
            if choice in seen:
                problems.append(problem(path, f'"{choice}" is listed twice'))
            elif choice not in known:
                hint = f'; did you mean "{names[choice.strip().lower()]}"?' if choice.strip().lower() in names else ""
                hint = hint or did_you_mean(choice, known)
                listing = ", ".join(known) or "none declared"
                problems.append(problem(path, f'unknown department "{choice}" (known: {listing}){hint}'))
            seen.add(choice)
        served |= seen

    problems.extend(_holidays_that_close_nothing(data, departments, problem))

    for key, path in known.items():
        if key not in served:
            problems.append(
                problem(
                    path[:2], f'no agent serves "{key}": customers who choose it will wait until one does', warning=True
                )
            )
    return problems


def _holidays_that_close_nothing(
    data: Mapping[str, Any],
    departments: list[tuple[int, Mapping[str, Any]]],
    problem: Callable[..., Problem],
) -> list[Problem]:
    """Holidays only close departments with opening hours: an always-open one stays open."""
    found: list[Problem] = []
    for index, department in departments:
        if department.get("holidays") and "hours" not in department:
            message = "holidays close only a department with hours; this one has none, so it is always open"
            found.append(problem(("departments", index, "holidays"), message, warning=True))
    business = data.get("business")
    if isinstance(business, dict) and business.get("holidays") and not any("hours" in d for _, d in departments):
        message = "no department has hours, so every department is always open and holidays close none"
        found.append(problem(("business", "holidays"), message, warning=True))
    return found
