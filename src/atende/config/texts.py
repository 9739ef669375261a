"""`[texts]` of atende.toml checked against the catalog: the deployment's own words, key by key.

An override replaces one sentence of the business's locale (docs/design.md §2). What could not
work is refused with its line: a key the catalog does not have, a placeholder the sentence is
not given, a brace `str.format` cannot read, an agent's message that drops its marker or the
customer it is about (§5: her code and one of her names). A placeholder left out of any other
sentence is only a warning: leaving out the wait estimate is a choice, though it may be a slip.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from atende.application.texts import LOCALES, Texts
from atende.application.texts.overrides import (
    FOLDED,
    MARKERS,
    SUBJECT_PLACEHOLDERS,
    Shape,
    catalog,
    placeholders,
    shape_of,
    speaks_to_agent,
)
from atende.config.problems import KeyPath, Problem, did_you_mean, format_path

WHERE_THE_KEYS_ARE = "`atende config texts` lists every key with its default"

Report = Callable[..., None]
"""Records a problem: (path, message, *, warning=False)."""


def _braces(names: set[str] | list[str]) -> str:
    return ", ".join(f"{{{name}}}" for name in sorted(names))


def _locale_texts(data: Mapping[str, Any]) -> Texts:
    """The catalog the overrides replace sentences of: the business's locale (pt-BR while it is wrong)."""
    business = data.get("business")
    locale = business.get("locale") if isinstance(business, dict) else None
    return LOCALES.get(locale, LOCALES["pt-BR"]) if isinstance(locale, str) else LOCALES["pt-BR"]


def check_texts(data: Mapping[str, Any], locate: Callable[[KeyPath], int | None]) -> list[Problem]:
    """Every problem of the `[texts]` table (none when it is absent, or not a table: the schema says so)."""
    table = data.get("texts")
    if not isinstance(table, dict):
        return []
    problems: list[Problem] = []

    def report(path: KeyPath, message: str, *, warning: bool = False) -> None:
        problems.append(Problem(format_path(path), locate(path), message, warning))

    known = catalog(_locale_texts(data))
    for key, value in table.items():
        path: KeyPath = ("texts", key)
        if key not in known:
            report(path, f'unknown text "{key}"{did_you_mean(key, known)} ({WHERE_THE_KEYS_ARE})')
            continue
        default = known[key]
        match shape_of(default):
            case Shape.TEXT:
                assert isinstance(default, str)
                _check_sentence(path, value, default, report)
            case Shape.LABELS:
                assert isinstance(default, dict)
                _check_labels(path, value, {str(label): text for label, text in default.items()}, report)
            case Shape.WORDS | Shape.OPTIONS:
                assert isinstance(default, tuple)
                _check_list(path, value, default, free_length=key in FOLDED, report=report)
    return problems


def _check_labels(path: KeyPath, value: object, default: dict[str, str], report: Report) -> None:
    if not isinstance(value, dict):
        example = next(iter(default))
        report(path, f'must be a table of its labels, e.g. [{format_path(path)}] {example} = "…"')
        return
    for label, sentence in value.items():
        if label not in default:
            listing = ", ".join(default)
            report((*path, label), f'unknown label "{label}"{did_you_mean(label, default)} (known: {listing})')
            continue
        _check_sentence((*path, label), sentence, default[label], report)


def _check_list(
    path: KeyPath, value: object, default: tuple[object, ...], *, free_length: bool, report: Report
) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        report(path, 'must be a list of texts in quotes, e.g. ["…", "…"]')
        return
    if free_length:
        if not value or not all(item.strip() for item in value):
            report(path, "must list at least one word, none of them empty")
        return
    if len(value) != len(default):
        report(path, f"must list exactly {len(default)} entries, as the catalog does; got {len(value)}")


def _check_sentence(path: KeyPath, value: object, default: str, report: Report) -> None:
    if not isinstance(value, str):
        report(path, 'must be text in quotes (""" … """ for several lines)')
        return
    try:
        used = placeholders(value)
    except ValueError as error:
        report(path, f"{error}; write {{{{ or }}}} for a brace itself")
        return
    given = placeholders(default)
    unknown = set(used) - set(given)
    if unknown:
        offered = f"this text is given {_braces(list(given))}" if given else "this text takes no placeholders"
        hint = did_you_mean(sorted(unknown)[0], given) if given else ""
        report(path, f"unknown placeholder {_braces(unknown)}: {offered}{hint}")
        return
    if speaks_to_agent(default):
        marker = next(m for m in MARKERS if default.startswith(m))
        if not value.startswith(marker):
            report(path, f"a message to an agent opens with its marker: start it with {marker} (docs/design.md §5)")
        needed = _subject_missing(set(given), set(used))
        if needed:
            report(path, f"a message to an agent names the customer it is about: keep {needed} (docs/design.md §5)")
            return
    missing = set(given) - set(used)
    if missing:
        report(path, f"leaves out {_braces(missing)}, which the catalog's text shows", warning=True)
    failure = _fill_in(value, given)
    if failure:
        report(path, f"cannot be filled in: {failure}")


def _subject_missing(given: set[str], used: set[str]) -> str:
    """What an agent's message must keep of its subject: the code (what `/ir #COD` takes) and
    at least one of the customer's names; "" when it keeps them."""
    needed: list[str] = []
    if "code" in given and "code" not in used:
        needed.append("{code}")
    names = sorted(given & (SUBJECT_PLACEHOLDERS - {"code"}))
    if names and not set(names) & used:
        needed.append(" or ".join(f"{{{name}}}" for name in names))
    return " and ".join(needed)


def _fill_in(sentence: str, given: Mapping[str, str]) -> str | None:
    """Why `sentence` cannot be formatted with values like the real ones, or None when it can.

    A placeholder the catalog formats with a spec (`{m:02d}`) is a number; the others are text —
    tried both ways, so a spec the override adds to a number is not refused.
    """
    errors: list[str] = []
    for samples in (
        {name: 0 if spec else "x" for name, spec in given.items()},
        dict.fromkeys(given, 0),
    ):
        try:
            sentence.format(**samples)
        except (ValueError, TypeError, KeyError, IndexError) as error:
            errors.append(str(error))
        else:
            return None
    return errors[0]
