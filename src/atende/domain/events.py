"""Domain events: every step of a conversation, kept so waits and service levels can be reported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Event:
    code: str
    at: datetime

    @property
    def name(self) -> str:
        return type(self).__name__


@dataclass(frozen=True)
class EnteredQueue(Event):
    department: str


@dataclass(frozen=True)
class Assigned(Event):
    department: str
    agent: str
    waited_seconds: float


@dataclass(frozen=True)
class OfferTimedOut(Event):
    department: str
    agent: str


@dataclass(frozen=True)
class Abandoned(Event):
    """The customer left the queue (or the menu) before anyone served them."""

    department: str | None
    waited_seconds: float


@dataclass(frozen=True)
class Removed(Event):
    department: str
    agent: str
    reason: str


@dataclass(frozen=True)
class Transferred(Event):
    from_department: str
    to_department: str
    agent: str


@dataclass(frozen=True)
class IdleClosed(Event):
    """Closed because nobody wrote for longer than the idle rules allow (a menu, or an assignment)."""

    stage: str
    """Where it stood: "choosing" (a menu nobody answered) or "assigned"."""
    department: str | None
    agent: str | None
    idle_seconds: float


@dataclass(frozen=True)
class Closed(Event):
    reason: str


@dataclass(frozen=True)
class Rated(Event):
    score: int


@dataclass(frozen=True)
class PresenceChanged(Event):
    """An agent checked in, paused, resumed or checked out: who was on duty when, for staffing.

    It concerns no conversation, so `code` is empty; `presence` is the state entered
    (`available`, `paused` or `offline`).
    """

    agent: str
    presence: str
