"""The agent: a person who serves customers from their own WhatsApp chat with the company."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from .events import Event, PresenceChanged
from .exceptions import InvalidTransition


class Presence(StrEnum):
    OFFLINE = "offline"
    AVAILABLE = "available"
    PAUSED = "paused"


class PauseReason(StrEnum):
    BY_AGENT = "by_agent"
    MISSED_OFFER = "missed_offer"


class Status(StrEnum):
    """What ops see: presence plus load."""

    OFFLINE = "offline"
    AVAILABLE = "available"
    BUSY = "busy"
    PAUSED = "paused"


def status_of(presence: Presence, load: int, capacity: int) -> Status:
    """What ops see of an agent with this presence, carrying `load` of `capacity` conversations."""
    if presence is Presence.AVAILABLE:
        return Status.BUSY if load >= capacity else Status.AVAILABLE
    return Status(presence.value)


@dataclass(eq=False)
class Agent:
    phone: str
    name: str
    departments: tuple[str, ...]
    capacity: int = 1
    presence: Presence = Presence.OFFLINE
    pause_reason: PauseReason | None = None
    idle_since: datetime | None = None
    """When the agent last checked in, resumed, got a customer or let one go: routing prefers the oldest.

    Letting go counts so that "longest idle" means idle: an agent who just finished a long
    conversation is not preferred over one who has been free since long before."""
    active: str | None = None
    """Code of the conversation that the agent's plain text goes to."""
    reminded_at: datetime | None = None
    last_wrote_at: datetime | None = None
    """When the agent last wrote anything, to a customer or a command: an agent who writes is
    working, so her offers wait for her instead of lapsing (ADR 0001)."""
    version: int = 0
    events: list[Event] = field(default_factory=list, repr=False)

    def serves(self, department: str) -> bool:
        return department in self.departments

    def can_take(self, load: int) -> bool:
        """Whether routing may hand this agent one more conversation."""
        return self.presence is Presence.AVAILABLE and load < self.capacity

    def status(self, load: int) -> Status:
        return status_of(self.presence, load, self.capacity)

    def check_in(self, now: datetime) -> None:
        if self.presence is not Presence.AVAILABLE:
            self._enter(Presence.AVAILABLE, now)
            self.pause_reason = None
            self.idle_since = now

    def check_out(self, load: int, now: datetime) -> None:
        if load:
            raise InvalidTransition("an agent with open conversations cannot check out")
        self._enter(Presence.OFFLINE, now)
        self.pause_reason = None
        self.active = None

    def pause(self, now: datetime, reason: PauseReason = PauseReason.BY_AGENT) -> None:
        if self.presence is Presence.OFFLINE:
            raise InvalidTransition("an offline agent cannot pause")
        self._enter(Presence.PAUSED, now)
        self.pause_reason = reason

    def resume(self, now: datetime) -> None:
        if self.presence is Presence.OFFLINE:
            raise InvalidTransition("an offline agent must check in, not resume")
        if self.presence is Presence.PAUSED:
            self._enter(Presence.AVAILABLE, now)
            self.pause_reason = None
            self.idle_since = now

    def _enter(self, presence: Presence, now: datetime) -> None:
        """Change presence, recording the change (staffing compares who was on duty with the need)."""
        if presence is not self.presence:
            self.events.append(PresenceChanged("", now, self.phone, presence.value))
        self.presence = presence

    def receive(self, code: str, now: datetime) -> None:
        """A conversation was handed to this agent; it becomes active only if none is."""
        self.idle_since = now
        if self.active is None:
            self.active = code

    def let_go(self, code: str, remaining: list[str], now: datetime) -> None:
        """A conversation left this agent; the oldest remaining one becomes active."""
        self.idle_since = now
        if self.active == code:
            self.active = remaining[0] if remaining else None

    def switch_to(self, code: str) -> None:
        self.active = code

    def wrote(self, at: datetime) -> None:
        """A message from the agent reached atende at `at`; an older stamp never moves it back."""
        if self.last_wrote_at is None or at > self.last_wrote_at:
            self.last_wrote_at = at

    def wrote_since(self, moment: datetime) -> bool:
        return self.last_wrote_at is not None and self.last_wrote_at > moment
