"""Figures read from storage: the port that computes them there, and the values it answers with.

Service figures are aggregates over the event record, computed where the events are (SQL
`GROUP BY`, never every event loaded into Python); what they mean is defined here, once, for
every implementation (docs/adr/0011):

- **offered**: entries into a department's queue (`EnteredQueue`) — a customer transferred to
  another department is offered there too;
- **answered**: assignments that did not lapse (`Assigned` not followed by `OfferTimedOut`);
  an offer still pending counts, it is answered unless it lapses;
- **abandoned**: customers who left a queue by *sair* (`Abandoned` with a department) plus
  those closed by atende while they waited (a `Closed` right after entering a queue or after a
  lapsed offer — today only a number that became an agent's, since the idle rules never close
  a queued customer, ADR 0009; any future close of a waiting customer counts here too). Removals by an agent or
  supervisor are not abandonment: they are counted apart, as **removed**;
- **wait** of an answered customer: `Assigned.waited_seconds`, the time in that department's
  queue; **ASA** is its average over the answered;
- **handle time**: from the assignment to the end of that agent's part (`Closed` or
  `Transferred`); **AHT** is its average over the answered conversations whose part ended so.
  A conversation closed by the idle rule (both sides silent for hours, `IdleClosed`) is answered
  but has no handle time: its length is silence, not work;
- **service level** at a threshold T: answered within T ÷ (answered + abandoned), so that
  customers who gave up count against it;
- **rating**: `Rated` scores (1–3), credited to the conversation's last department and agent.

Readers never take the write lock: figures are read through their own read-only transaction,
on SQLite beside `atende serve` in another process (WAL), on PostgreSQL from a snapshot.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, fields
from datetime import datetime


@dataclass(frozen=True)
class Period:
    """[start, end), aware datetimes."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Tally:
    """Counts and sums that add up: a department's are the sum of its agents', the total the sum
    of the departments'. Averages and rates are derived, never added."""

    offered: int = 0
    answered: int = 0
    answered_within: int = 0
    """Answered after waiting at most the threshold."""
    wait_seconds: float = 0.0
    """Total wait of the answered."""
    left: int = 0
    """Left the queue by *sair*."""
    closed_waiting: int = 0
    """Closed by atende while waiting (a number that became an agent's; any close of a queued customer)."""
    removed: int = 0
    handled: int = 0
    """Answered conversations whose part with the agent ended, closed or transferred (the
    handle-time sample; an idle close is not one)."""
    handle_seconds: float = 0.0
    ratings: int = 0
    rating_points: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def abandoned(self) -> int:
        return self.left + self.closed_waiting

    @property
    def asa_seconds(self) -> float | None:
        """Average speed of answer (TME): the mean wait of the answered."""
        return self.wait_seconds / self.answered if self.answered else None

    @property
    def aht_seconds(self) -> float | None:
        """Average handle time (TMA)."""
        return self.handle_seconds / self.handled if self.handled else None

    @property
    def service_level(self) -> float | None:
        """Answered within the threshold, of those whose wait ended (answered or abandoned)."""
        finished = self.answered + self.abandoned
        return self.answered_within / finished if finished else None

    @property
    def rating_average(self) -> float | None:
        return self.rating_points / self.ratings if self.ratings else None


@dataclass(frozen=True)
class ServiceRow:
    """A tally of one department, and of one agent in it (None: what belongs to no agent —
    arrivals, abandonments, removals)."""

    department: str
    agent: str | None
    tally: Tally


@dataclass(frozen=True)
class HourRow:
    """One department's arrivals and answers in one hour (UTC), for charts and staffing."""

    department: str
    hour: datetime
    """The start of the hour, aware UTC."""
    offered: int
    answered: int
    wait_seconds: float
    handled: int
    handle_seconds: float


@dataclass(frozen=True)
class PresenceSpan:
    """An agent in one presence from `start` until `end` (None: still)."""

    agent: str
    presence: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class WaitingLine:
    department: str
    waiting: int
    oldest_since: datetime | None


@dataclass(frozen=True)
class AgentLoad:
    phone: str
    presence: str
    capacity: int
    load: int


@dataclass(frozen=True)
class Live:
    """What `/metrics` shows of storage now: queues, agents, what waits to be sent or handled."""

    lines: tuple[WaitingLine, ...]
    agents: tuple[AgentLoad, ...]
    outbox_pending: int
    outbox_oldest: datetime | None
    """When the oldest message still to send was written: the courier's lag."""
    outbox_held: int
    """Messages held for a closed 24 h window (not a backlog: they wait for a person)."""
    intake_waiting: int
    intake_oldest: datetime | None
    intake_set_aside: int


@dataclass(frozen=True)
class StoredArrival:
    """One stored notification that is not simply handled: pending, or set aside (`atende intake ls`)."""

    key: str
    kind: str
    """"message" or "status"."""
    sender: str
    """Who wrote it, or to whom the reported message went."""
    at: datetime
    """Its own timestamp (WhatsApp's)."""
    received_at: datetime
    attempts: int
    """Failed attempts at handling it (storage's own trouble is not counted)."""
    retry_at: datetime | None
    """Not handed out before then (after a failed attempt)."""
    error: str | None
    """The last failure; for one set aside, the reason it was."""
    set_aside_at: datetime | None


class Reports(abc.ABC):
    """Aggregates over what storage holds, read without blocking anyone who writes."""

    @abc.abstractmethod
    def service(self, period: Period, threshold_seconds: float) -> list[ServiceRow]:
        """Tallies per (department, agent) of what happened in the period (module docstring)."""

    @abc.abstractmethod
    def hourly(self, period: Period) -> list[HourRow]:
        """Per department and hour: arrivals, and the answers given then (by assignment time)."""

    @abc.abstractmethod
    def presence(self, period: Period) -> list[PresenceSpan]:
        """Every span of an agent's presence that overlaps the period (spans are not clipped)."""

    @abc.abstractmethod
    def live(self) -> Live: ...

    @abc.abstractmethod
    def stored_arrivals(self, *, set_aside: bool, limit: int) -> list[StoredArrival]:
        """Webhook notifications stored but not handled yet (or, `set_aside`, given up on), oldest first."""

    @abc.abstractmethod
    def arrivals_span(self) -> Period | None:
        """When the first and the last recorded arrival happened (`end` is the last one, not
        past it); None before anyone has queued. Lets an empty report say where to look."""
