"""Ports: everything the use cases need from the outside world, as abstract classes."""

from __future__ import annotations

import abc
from collections.abc import Collection, Sequence
from datetime import datetime
from enum import Enum
from types import TracebackType
from typing import Self

from atende.domain.agent import Agent
from atende.domain.contact import Contact
from atende.domain.conversation import Conversation
from atende.domain.exceptions import ConcurrencyConflict
from atende.domain.repositories import (
    AgentRepository,
    ContactRepository,
    ConversationRepository,
    EventLog,
    MessageRepository,
)

from .arrivals import Arrival
from .outbound import Lane, Outgoing
from .reports import Reports


class StorageUnhealthy(Exception):
    """Storage cannot take a write now; the message says why (the health check's answer)."""


class Clock(abc.ABC):
    """The only source of time, so timers are tested without sleeping."""

    @abc.abstractmethod
    def now(self) -> datetime:
        """An aware datetime in UTC."""


class Outbox(abc.ABC):
    @abc.abstractmethod
    def add(self, message: Outgoing) -> None: ...

    @abc.abstractmethod
    def pending(self, limit: int, *, skip: Collection[str] = ()) -> Sequence[Outgoing]:
        """Messages to send (delivery PENDING), oldest first, whatever their `not_before`.

        Messages to the recipients in `skip` are left out: those the courier cannot send to now,
        whose backlog would otherwise fill the `limit` and hold up everyone else's messages.
        """

    @abc.abstractmethod
    def claim(self, holder: str, now: datetime, *, lanes: int, per_lane: int, seconds: float) -> Sequence[Lane]:
        """Claim up to `lanes` recipients with pending messages that may go at `now` (not paced
        or backing off, not claimed by another courier whose claim still lasts), oldest first.

        The claim is `holder`'s for `seconds`, timed by the database's clock where there is one, so
        that couriers on several hosts agree on when it lapses. Each lane comes with its pacing
        state and its first `per_lane` pending messages. Claims are taken when the call returns.
        """

    @abc.abstractmethod
    def release(self, holder: str, recipient: str, paced_until: datetime | None, ready_at: datetime | None) -> None:
        """At commit: store the lane's pacing state and when it may next be claimed (None: as soon
        as it has something pending), and free it — if `holder` still holds it."""

    @abc.abstractmethod
    def held_for(self, wa_id: str) -> Sequence[Outgoing]:
        """Messages waiting for the recipient's window to reopen, oldest first."""

    @abc.abstractmethod
    def released_unsent(self, wa_id: str) -> int:
        """How many messages that were held for this recipient's window are pending, not sent yet."""

    @abc.abstractmethod
    def save(self, message: Outgoing) -> None:
        """Record what became of a message: its delivery, a hold, a retry, a fold into one send."""

    @abc.abstractmethod
    def copy_of(self, origin_id: str, to: str | None = None) -> Outgoing | None:
        """The latest copy of message `origin_id` sent to `to` (to anyone, when None) that WhatsApp
        took (it has a WhatsApp id): what an edit or a deletion of the original names."""

    @abc.abstractmethod
    def by_provider_id(self, provider_id: str) -> Outgoing | None:
        """The message WhatsApp knows by this id: how a swipe-reply or reaction finds its subject."""


class Inbox(abc.ABC):
    @abc.abstractmethod
    def first_time(self, message_id: str) -> bool:
        """Record the message id; False when it was already handled (a re-delivery)."""


class StorageUnavailable(Exception):
    """Storage could not do its part now (locked, unreachable, out of resources): nothing is wrong
    with what it was asked, and the same step is worth trying again later, unchanged."""


class ArrivalState(Enum):
    PENDING = "pending"
    HANDLED = "handled"
    SET_ASIDE = "set aside"


class Intake(abc.ABC):
    """What the webhook received, stored before it answers 200, waiting to be handled."""

    @abc.abstractmethod
    def add(self, arrival: Arrival, received_at: datetime) -> bool:
        """Store it under its key; False when that key is already stored (a re-delivery)."""

    def add_all(self, arrivals: Sequence[Arrival], received_at: datetime) -> int:
        """Store each under its key; returns how many were new (`add` for each, in order, which
        storage may do in one statement)."""
        return sum(self.add(arrival, received_at) for arrival in arrivals)

    @abc.abstractmethod
    def ready(self, received_before: datetime, limit: int, now: datetime | None = None) -> Sequence[Arrival]:
        """Up to `limit` unhandled arrivals to handle now, in the order they happened (their own
        timestamps), so one sender's messages are handled in order even when delivered out of it.

        Per sender, only a run from its earliest unhandled arrival on: a sender whose earliest one
        was received after the cutoff, or waits for a retry after `now` (by default, the cutoff),
        is left out, and so is whatever that sender sent after it. Where storage has row locks,
        the senders handed out are claimed until this transaction ends: another worker's `ready`
        skips them and takes other senders' arrivals.
        """

    @abc.abstractmethod
    def done(self, key: str, error: str | None = None) -> bool:
        """Handled (or given up on, with the reason): never handed out again. False when it was
        marked already (another worker took the same arrival from `ready` and handled it first)."""

    @abc.abstractmethod
    def failed(self, key: str, error: str) -> int:
        """Handling it failed (not for storage's sake): count the attempt and keep the error;
        returns how many attempts have failed so far (0 when it is no longer pending)."""

    @abc.abstractmethod
    def postpone(self, key: str, until: datetime) -> None:
        """Not to be handed out again before `until` (nor anything its sender sent after it)."""

    @abc.abstractmethod
    def state(self, key: str) -> ArrivalState | None:
        """Where the arrival stored under `key` stands; None when nothing is stored under it."""

    @abc.abstractmethod
    def put_back(self, key: str | None = None) -> int:
        """Arrivals set aside become pending again, with fresh attempts: the one under `key`,
        or every one (None); returns how many."""


class Leases(abc.ABC):
    """Jobs that must run once per cluster (the timers) hold a lease that expires.

    Leases are timed by the storage's own clock, never by the asking process's: hosts whose
    clocks disagree must still agree on when a lease lapses (ADR 0013).
    """

    @abc.abstractmethod
    def acquire(self, name: str, holder: str, seconds: float) -> bool:
        """Take or extend the lease for `seconds` from the storage's now, if it is free, lapsed
        or already ours."""

    @abc.abstractmethod
    def release(self, name: str, holder: str) -> None:
        """Let our lease lapse now, so that another holder need not wait for it to run out."""


class Retention(abc.ABC):
    """Forgets what is done with, a batch at a time, so storage stays flat (ADR 0013).

    Each call deletes at most `limit` rows, oldest first, and says how many it deleted; what is
    still to do (arrivals not handled, set aside; messages pending, held or failed) is never
    touched, whatever its age.
    """

    @abc.abstractmethod
    def prune_intake(self, handled_before: datetime, limit: int) -> int:
        """Arrivals handled (not set aside) before the cutoff."""

    @abc.abstractmethod
    def prune_inbox(self, recorded_before: datetime, limit: int) -> int:
        """Handled-message keys recorded before the cutoff."""

    @abc.abstractmethod
    def prune_outbox(self, sent_before: datetime, limit: int) -> int:
        """Messages written before the cutoff that WhatsApp took (sent, delivered or read)."""

    def fold_line_moves(self) -> int:
        """Where storage counts the waiting line by its moves (joins and departures), fold them
        into one per department; returns how many fewer there are. Storage that counts the line
        otherwise has nothing to fold."""
        return 0


class UnitOfWork(abc.ABC):
    """One atomic step: commit is explicit; leaving the block without it rolls back."""

    conversations: ConversationRepository
    agents: AgentRepository
    messages: MessageRepository
    events: EventLog
    contacts: ContactRepository
    outbox: Outbox
    inbox: Inbox
    intake: Intake
    leases: Leases
    retention: Retention
    reports: Reports
    """Figures read apart from this unit of work's transaction (never under its write lock)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        """Record the domain events of every changed aggregate, then persist all of it at once."""
        self._collect_events()
        self._commit()

    def flush(self) -> None:
        """Write what changed so far inside this unit of work's transaction, so that what runs
        next in it reads it back (several arrivals in one transaction each see the ones before
        them as if those had committed); only `commit` makes it last."""
        self._collect_events()
        self._flush()

    def transient(self, error: BaseException) -> bool:
        """Whether `error` is storage's trouble (a lost race, a lock, a lost connection) rather
        than anything wrong with the step: the step is worth running again later, unchanged."""
        return isinstance(error, (ConcurrencyConflict, StorageUnavailable))

    def _collect_events(self) -> None:
        aggregates: list[Conversation | Agent | Contact] = [
            *self.conversations.seen.values(),
            *self.agents.seen.values(),
            *self.contacts.seen.values(),
        ]
        for aggregate in aggregates:
            for event in aggregate.events:
                self.events.add(event)
            aggregate.events.clear()

    @abc.abstractmethod
    def _commit(self) -> None:
        """Write tracked aggregates (with optimistic version checks) and everything added."""

    @abc.abstractmethod
    def _flush(self) -> None:
        """Write as `_commit` does without ending the transaction; start tracking afresh."""

    @abc.abstractmethod
    def rollback(self) -> None: ...


class AsyncWhatsAppGateway(abc.ABC):
    """The gateway for many sends at once: each awaits WhatsApp's answer without holding a thread."""

    @abc.abstractmethod
    async def send(self, message: Outgoing) -> str:
        """As `WhatsAppGateway.send`."""

    async def aclose(self) -> None:  # noqa: B027 - optional: most gateways hold nothing
        """Release connections (in the event loop that sent)."""


class WhatsAppGateway(abc.ABC):
    @abc.abstractmethod
    def send(self, message: Outgoing) -> str:
        """Send one message; returns the id WhatsApp gave it.

        Raises `SendError` with the kind of failure when it could not.
        """
