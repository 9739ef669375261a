"""The conversation aggregate: one customer's request, from the menu to the rating."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from . import events
from .exceptions import InvalidTransition


class Stage(StrEnum):
    CHOOSING = "choosing"
    """Greeted, the department menu is open."""
    QUEUED = "queued"
    ASSIGNED = "assigned"
    RATING = "rating"
    """Ended by the agent, waiting for an optional rating."""
    CLOSED = "closed"


class CloseReason(StrEnum):
    ENDED = "ended"
    """Served and ended by the agent."""
    ABANDONED = "abandoned"
    """The customer left before being served."""
    REMOVED = "removed"
    """An agent took the customer out of the queue."""
    BECAME_AGENT = "became_agent"
    """The customer's number is now an agent's: a number is an agent everywhere, or a customer."""
    IDLE = "idle"
    """Nobody wrote for longer than the idle rules allow: a menu nobody answered, or a
    conversation both sides left silent (docs/adr/0009-idle-rules.md)."""


OPEN_STAGES = frozenset({Stage.CHOOSING, Stage.QUEUED, Stage.ASSIGNED, Stage.RATING})


@dataclass(frozen=True)
class Customer:
    wa_id: str
    name: str = ""

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.wa_id[-4:]

    @property
    def display_name(self) -> str:
        """The profile name, or the WhatsApp id of a customer who has none."""
        return self.name or self.wa_id


@dataclass(eq=False)
class Conversation:
    code: str
    customer: Customer
    opened_at: datetime
    stage: Stage = Stage.CHOOSING
    department: str | None = None
    queued_at: datetime | None = None
    """First time in any queue: the queue order, never reset by writing, requeueing or transfer."""
    waiting_since: datetime | None = None
    """When the customer entered the queue they are in now: the wait an agent is told about."""
    agent: str | None = None
    assigned_at: datetime | None = None
    accepted_at: datetime | None = None
    """When the agent first acted on the offer; None while it is still only an offer."""
    offer_reminded_at: datetime | None = None
    """When the agent, busy writing to others, was last reminded that this offer waits for her."""
    closed_at: datetime | None = None
    close_reason: CloseReason | None = None
    rating: int | None = None
    transferred_from: str | None = None
    transferred_by: str | None = None
    """Phone of the agent who transferred it: routing offers it to someone else first."""
    told_closed_hours: bool = False
    position_told_at: datetime | None = None
    reprompted_at: datetime | None = None
    """When the customer was last told the menu did not understand them (re-prompts are spaced)."""
    active_at: datetime | None = None
    """The last time anyone wrote in it or it changed hands: what the idle rules measure from.
    Left out, it is `opened_at`."""
    version: int = 0
    events: list[events.Event] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.active_at is None:
            self.active_at = self.opened_at

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def is_offer(self) -> bool:
        return self.stage is Stage.ASSIGNED and self.accepted_at is None

    @property
    def offer_since(self) -> datetime | None:
        """Since when the offer has waited for an answer: its making, or the agent's latest reminder."""
        if not self.is_offer or self.assigned_at is None:
            return None
        return max(self.assigned_at, self.offer_reminded_at or self.assigned_at)

    def offer_due(self, now: datetime, timeout: float) -> bool:
        """Whether the offer has waited `timeout` seconds for its agent (since made or last reminded)."""
        since = self.offer_since
        return since is not None and (now - since).total_seconds() >= timeout

    def served_by(self, agent: str) -> bool:
        """Whether this agent is serving the conversation now (an offer counts)."""
        return self.stage is Stage.ASSIGNED and self.agent == agent

    @property
    def last_active(self) -> datetime:
        return self.active_at or self.opened_at

    def quiet_for(self, now: datetime) -> float:
        """Seconds since anyone wrote in the conversation or it changed hands."""
        return max(0.0, (now - self.last_active).total_seconds())

    def touch(self, at: datetime) -> None:
        """Someone wrote in it (a message may arrive late: the clock never goes back)."""
        if self.active_at is None or at > self.active_at:
            self.active_at = at

    def waited(self, now: datetime) -> float:
        """Seconds in the current queue (or spent there before the assignment)."""
        if self.waiting_since is None:
            return 0.0
        end = self.assigned_at if self.stage is Stage.ASSIGNED and self.assigned_at else now
        return max(0.0, (end - self.waiting_since).total_seconds())

    def _require(self, *stages: Stage) -> None:
        if self.stage not in stages:
            wanted = ", ".join(stages)
            raise InvalidTransition(f"conversation {self.code} is {self.stage}, not {wanted}")

    def enqueue(self, department: str, now: datetime) -> None:
        self._require(Stage.CHOOSING)
        self.stage = Stage.QUEUED
        self.department = department
        self.queued_at = now
        self.waiting_since = now
        self.touch(now)
        self.events.append(events.EnteredQueue(self.code, now, department))

    def assign(self, agent: str, now: datetime) -> None:
        self._require(Stage.QUEUED)
        assert self.department is not None
        self.events.append(events.Assigned(self.code, now, self.department, agent, self.waited(now)))
        self.stage = Stage.ASSIGNED
        self.agent = agent
        self.assigned_at = now
        self.accepted_at = None
        self.touch(now)
        self.offer_reminded_at = None

    def accept(self, now: datetime) -> None:
        """The agent answered: the offer can no longer time out."""
        self._require(Stage.ASSIGNED)
        if self.accepted_at is None:
            self.accepted_at = now

    def offer_waits(self, now: datetime) -> None:
        """The agent is working on others: the offer stays with her, and its wait starts again."""
        if not self.is_offer:
            raise InvalidTransition(f"conversation {self.code} has no pending offer")
        self.offer_reminded_at = now

    def offer_timed_out(self, now: datetime) -> str:
        """Back to the queue keeping the place; returns the agent who missed it."""
        if not self.is_offer:
            raise InvalidTransition(f"conversation {self.code} has no pending offer")
        assert self.agent is not None and self.department is not None
        agent = self.agent
        self.events.append(events.OfferTimedOut(self.code, now, self.department, agent))
        self.stage = Stage.QUEUED
        self.agent = None
        self.assigned_at = None
        self.touch(now)
        self.offer_reminded_at = None
        return agent

    def transfer(self, department: str, by_agent: str, now: datetime) -> None:
        self._require(Stage.ASSIGNED)
        assert self.department is not None
        if department == self.department:
            raise InvalidTransition(f"conversation {self.code} is already in {department}")
        self.events.append(events.Transferred(self.code, now, self.department, department, by_agent))
        self.events.append(events.EnteredQueue(self.code, now, department))
        self.transferred_from = self.department
        self.transferred_by = by_agent
        self.department = department
        self.stage = Stage.QUEUED
        self.agent = None
        self.assigned_at = None
        self.accepted_at = None
        self.offer_reminded_at = None
        self.waiting_since = now
        self.touch(now)

    def move(self, department: str, by: str, now: datetime) -> None:
        """A supervisor moves a waiting customer to another department's queue.

        Like a transfer: the first enqueue time (the place in line) is kept, the wait in the new
        queue starts now, and the 🔔 will say where from and by whom.
        """
        self._require(Stage.QUEUED)
        assert self.department is not None
        if department == self.department:
            raise InvalidTransition(f"conversation {self.code} is already in {department}")
        self.events.append(events.Transferred(self.code, now, self.department, department, by))
        self.events.append(events.EnteredQueue(self.code, now, department))
        self.transferred_from = self.department
        self.transferred_by = by
        self.department = department
        self.waiting_since = now

    def leave(self, now: datetime) -> None:
        """The customer gave up, from the menu or from the queue."""
        self._require(Stage.CHOOSING, Stage.QUEUED)
        self.events.append(events.Abandoned(self.code, now, self.department, self.waited(now)))
        self._close(CloseReason.ABANDONED, now)

    def remove(self, by_agent: str, reason: str, now: datetime) -> None:
        self._require(Stage.QUEUED)
        assert self.department is not None
        self.events.append(events.Removed(self.code, now, self.department, by_agent, reason))
        self._close(CloseReason.REMOVED, now)

    def close_for_agent_number(self, now: datetime) -> None:
        """The config now lists the customer's number as an agent's: closed at whatever stage, so
        the agent is never offered their own conversation (no rating asked, nothing abandoned)."""
        if not self.is_open:
            raise InvalidTransition(f"conversation {self.code} is already closed")
        self._close(CloseReason.BECAME_AGENT, now)

    def close_idle(self, now: datetime) -> None:
        """Nobody wrote for too long: a menu nobody answered, or a conversation both sides left
        silent. Never a queued customer (docs/adr/0009-idle-rules.md): they keep their place."""
        self._require(Stage.CHOOSING, Stage.ASSIGNED)
        stage = self.stage
        self.events.append(
            events.IdleClosed(self.code, now, stage.value, self.department, self.agent, self.quiet_for(now))
        )
        self._close(CloseReason.IDLE, now)

    def end(self, now: datetime, *, ask_rating: bool) -> None:
        """The agent ended it; the customer may still rate it before it is fully closed."""
        self._require(Stage.ASSIGNED)
        self.accepted_at = self.accepted_at or now
        self._close(CloseReason.ENDED, now)
        self.touch(now)
        if ask_rating:
            self.stage = Stage.RATING

    def rate(self, score: int, now: datetime) -> None:
        self._require(Stage.RATING)
        self.rating = score
        self.stage = Stage.CLOSED
        self.events.append(events.Rated(self.code, now, score))

    def skip_rating(self) -> None:
        """The customer wrote something else instead: the rating is simply not given."""
        self._require(Stage.RATING)
        self.stage = Stage.CLOSED

    def _close(self, reason: CloseReason, now: datetime) -> None:
        self.stage = Stage.CLOSED
        self.close_reason = reason
        self.closed_at = now
        self.events.append(events.Closed(self.code, now, reason.value))
