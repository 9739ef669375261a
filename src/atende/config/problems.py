"""What a mistake in the configuration looks like once found: a key path, a line and a message.

Every other module of the package reports through these, so that `atende config check` prints
each mistake in the same shape (`atende.toml:12: agents[1].phone: …`) whatever found it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One mistake (or, with `warning`, one doubtful choice) at a key path such as `agents[1].phone`."""

    path: str
    line: int | None
    message: str
    warning: bool = False

    def render(self, file: str | None = None) -> str:
        """`atende.toml:12: agents[1].phone: message`, the shape editors and terminals link to."""
        parts: list[str] = []
        if file:
            parts.append(f"{file}:{self.line}" if self.line else file)
        if self.path:
            parts.append(self.path)
        if self.warning:
            parts.append("warning")
        parts.append(self.message)
        return ": ".join(parts)


class ConfigError(Exception):
    """The configuration cannot be used; `problems` says every reason at once, not just the first."""

    def __init__(
        self, problems: Sequence[Problem], *, file: str | None = None, warnings: Sequence[Problem] = ()
    ) -> None:
        self.problems = list(problems)
        self.warnings = list(warnings)
        self.file = file
        super().__init__("\n".join(p.render(file) for p in self.problems))


def format_path(path: KeyPath) -> str:
    """("agents", 1, "phone") → "agents[1].phone"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`; did you mean "x"?` for the closest choice (a different case first), or "" if none is close."""
    options = list(choices)
    lowered = {option.lower(): option for option in options}
    if word.lower() in lowered:
        return f'; did you mean "{lowered[word.lower()]}"?'
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""
