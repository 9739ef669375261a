"""The deployment's own words: catalog sentences replaced, key by key, from `[texts]` of atende.toml.

`atende config check` (atende.config.texts) refuses what could not work — a key the catalog does
not have, a placeholder the sentence is not given, an agent's message without its marker —
before anything runs. Here: the shape of each key, the placeholders of a sentence, and how
checked overrides take the catalog's place.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import fields, replace
from enum import StrEnum
from typing import Any

from atende.domain.spelling import fold_answer

from .catalog import Texts

TextOverride = str | tuple[str, ...] | Mapping[str, str]
"""A sentence; a list of words (or of rating titles); or some labels of a table, by their key."""

MARKERS = ("🔔", "💬", "⏳", "📋", "✅", "⚠️")
"""What an agent's message opens with (docs/design.md §5): an override keeps it."""

SUBJECT_PLACEHOLDERS = frozenset({"code", "name", "first"})
"""Who an agent's message is about: an override of an agent's message keeps the code and a name."""

FOLDED = frozenset({"leave_words"})
"""Lists compared with what people type, so kept folded (lower case, no accents)."""


class Shape(StrEnum):
    TEXT = "text"
    """One sentence."""
    WORDS = "words"
    """A list of words or names (leave words, weekdays, months)."""
    LABELS = "labels"
    """A table of sentences by key (media labels, command usages, failure reasons)."""
    OPTIONS = "options"
    """Rating options: their titles, in order; the scores stay."""


def shape_of(value: object) -> Shape:
    if isinstance(value, str):
        return Shape.TEXT
    if isinstance(value, dict):
        return Shape.LABELS
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return Shape.OPTIONS
    return Shape.WORDS


def catalog(texts: Texts) -> dict[str, object]:
    """Every key of the catalog and what the locale says for it."""
    return {field.name: getattr(texts, field.name) for field in fields(texts)}


def placeholders(sentence: str) -> dict[str, str]:
    """Each named placeholder of a sentence → its format spec (`{m:02d}` → "02d").

    Raises ValueError for what `str.format` cannot fill in by name: a lone brace, `{}` or `{0}`,
    `{name.attribute}` or `{name[index]}`.
    """
    found: dict[str, str] = {}
    for _, name, spec, _ in string.Formatter().parse(sentence):
        if name is None:
            continue
        if not name or name.isdigit():
            raise ValueError("placeholders are named, e.g. {name}: a bare {} or {0} is filled by nothing")
        if not name.isidentifier():
            raise ValueError(f"{{{name}}}: write a placeholder as a plain {{word}}, without . or [ ]")
        found[name] = spec or ""
    return found


def speaks_to_agent(sentence: str) -> bool:
    """A whole message to an agent: it opens with its marker."""
    return sentence.startswith(MARKERS)


def apply_overrides(texts: Texts, overrides: Mapping[str, TextOverride]) -> Texts:
    """The catalog with the checked overrides in place; a table's keys left out keep the catalog's."""
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        default = getattr(texts, key)
        match shape_of(default):
            case Shape.TEXT:
                changes[key] = value
            case Shape.LABELS:
                assert isinstance(value, Mapping)
                merged = dict(default)
                for label, sentence in value.items():
                    # Keep the catalog's own key (an enum for failure reasons): equal as text.
                    merged[next(k for k in default if k == label)] = sentence
                changes[key] = merged
            case Shape.WORDS:
                words = tuple(value)
                changes[key] = tuple(fold_answer(w) for w in words) if key in FOLDED else words
            case Shape.OPTIONS:
                changes[key] = tuple((score, title) for (score, _), title in zip(default, value, strict=True))
    return replace(texts, **changes)
