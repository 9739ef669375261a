"""A scenario: who writes what, when time passes, and what must arrive — as plain values.

Read from a TOML file by `scenario_file`; played by the player; judged on the chats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

DEFAULT_START = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
"""A Monday, 10:00 in São Paulo: inside any sensible opening hours, and the same on every run."""

MEDIA_KINDS = ("image", "audio", "voice", "video", "document", "sticker")


class ScenarioError(Exception):
    """A scenario that cannot be played as written; `problems` lists every mistake found."""

    def __init__(self, source: Path, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"


# What a person does: one of these per writing step.


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Choose:
    """A tap on a menu row or button, found by its title, its key or its number."""

    option: str


@dataclass(frozen=True)
class SendMedia:
    kind: str
    caption: str = ""
    filename: str = ""


@dataclass(frozen=True)
class ShareLocation:
    latitude: float
    longitude: float
    name: str = ""
    address: str = ""


@dataclass(frozen=True)
class ShareContact:
    name: str
    phone: str


@dataclass(frozen=True)
class React:
    emoji: str
    on: str
    """Text of the received message to react to (the latest one containing it)."""


Action = Say | Choose | SendMedia | ShareLocation | ShareContact | React


@dataclass(frozen=True)
class Write:
    """Someone writes to the business number."""

    role: Role
    who: str
    action: Action
    reply_to: str | None = None
    phone: str | None = None
    profile_name: str | None = None
    user_id: str | None = None
    """A business-scoped user id (BSUID): with no phone, Meta names this customer only by it."""
    target_id: str | None = None
    """The exact message replied to, tapped or reacted to (picked on screen); files use text instead."""


@dataclass(frozen=True)
class Wait:
    seconds: float


@dataclass(frozen=True)
class Expectation:
    """`window` received a message containing `contains` (or, negated, did not)."""

    window: str
    contains: str | None
    """None only when negated: the window received nothing at all."""
    negated: bool = False
    count: int | None = None
    """Exactly this many matching messages, instead of at least one."""
    line: int | None = None


@dataclass(frozen=True)
class Step:
    number: int
    event: Write | Wait
    expect: tuple[Expectation, ...] = ()
    note: str = ""
    line: int | None = None

    @property
    def where(self) -> str:
        return f"step {self.number}" + (f" (line {self.line})" if self.line else "")


@dataclass(frozen=True)
class Scenario:
    source: Path
    title: str
    config: Path | dict[str, Any]
    """A config file, already resolved against the scenario's folder, or an inline table."""
    steps: tuple[Step, ...]
    final: tuple[Expectation, ...] = ()
    start: datetime = DEFAULT_START
    seed: int = 0
    tick_seconds: float = 5.0
    description: str = ""
    config_line: int | None = None

    def windows(self) -> list[str]:
        """Every window an expectation names, in order of appearance."""
        named = [e.window for s in self.steps for e in s.expect] + [e.window for e in self.final]
        return list(dict.fromkeys(named))
