"""Arrivals: stored before the webhook answers 200, handled later, once each, in their sender's order.

Storing and handling are apart on purpose: the 200 must wait only for a durable write, and
Meta delivers one sender's messages out of order now and then, so handling waits a short
reorder window and then takes what is ready in timestamp order.

Handling goes in batches, many arrivals per transaction, each seeing the ones before it. Storage's
own trouble (a lock, a lost connection) leaves every arrival pending for the next pass; an
arrival that fails by itself rolls its batch back, is counted, retried later with backoff, and
set aside after `intake_attempts` failures. Its sender's later arrivals wait behind it meanwhile
(docs/adr/0014-intake-faults-and-batches.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .agent_commands import agent_writes
from .arrivals import Arrival, StatusReport
from .customer import customer_writes
from .identity import identify, number_changed
from .ports import ArrivalState, Clock
from .session import Session
from .statuses import record_status
from .windows import someone_wrote


def store(session: Session, arrivals: Sequence[Arrival], received_at: datetime | None = None) -> int:
    """Keep what a notification carried; returns how many were new (a re-delivery is not)."""
    return session.uow.intake.add_all(arrivals, received_at or session.now)


FIRST_RETRY_SECONDS = 2.0
"""The pause after an arrival's first failed attempt; it doubles with each further one."""

LONGEST_RETRY_SECONDS = 300.0


def ready(session: Session, limit: int) -> list[Arrival]:
    """Stored arrivals old enough that earlier ones Meta delivers late had time to arrive."""
    cutoff = session.now - timedelta(seconds=session.settings.reorder_window_seconds)
    return list(session.uow.intake.ready(cutoff, limit, now=session.now))


class ArrivalFailed(Exception):
    """One arrival of a batch failed by itself (not for storage's sake): the batch is undone,
    and the arrivals before it are handled again without it."""

    def __init__(self, arrival: Arrival, position: int, error: Exception) -> None:
        super().__init__(f"{arrival.key}: {error!r}")
        self.arrival = arrival
        self.position = position
        self.error = error


@dataclass(frozen=True)
class Batch:
    taken: int
    """Arrivals handed out to this batch."""
    handled: tuple[Arrival, ...]
    """Those handled here (not by another worker first)."""


def handle_batch(session: Session, limit: int, clock: Clock) -> Batch:
    """Up to `limit` ready arrivals in one transaction, in order, each on the clock's time and
    seeing what the ones before it changed. Raises `ArrivalFailed` for the first that fails by
    itself; storage's own trouble is raised as it is (nothing here is to blame)."""
    arrivals = ready(session, limit)
    handled: list[Arrival] = []
    for position, arrival in enumerate(arrivals):
        try:
            if handle_stored(replace(session, now=clock.now()), arrival):
                handled.append(arrival)
            session.uow.flush()
        except Exception as error:
            if session.uow.transient(error):
                raise
            raise ArrivalFailed(arrival, position, error) from error
    return Batch(len(arrivals), tuple(handled))


def note_failure(session: Session, arrival: Arrival, error: str) -> bool:
    """Count a failed attempt at handling `arrival`: retried later with backoff, or set aside with
    the reason after `intake_attempts` of them. True when it was set aside."""
    intake = session.uow.intake
    attempts = intake.failed(arrival.key, error)
    if attempts == 0:
        return False  # handled meanwhile, elsewhere
    if attempts >= session.settings.intake_attempts:
        intake.done(arrival.key, f"{error} (failed {attempts} times)")
        return True
    pause = min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), LONGEST_RETRY_SECONDS)
    intake.postpone(arrival.key, session.now + timedelta(seconds=pause))
    return False


def put_back(session: Session, key: str | None) -> tuple[int, ArrivalState | None]:
    """Arrivals set aside made pending again (one, or every one): how many, and — when `key`
    named none — where that key stands (None: nothing stored under it)."""
    count = session.uow.intake.put_back(key)
    if count or key is None:
        return count, ArrivalState.SET_ASIDE
    return 0, session.uow.intake.state(key)


def handle(session: Session, arrival: Arrival) -> bool:
    """One message or status through the use cases; False for a message already handled."""
    if isinstance(arrival, StatusReport):
        record_status(session, arrival)
        return True
    if not session.uow.inbox.first_time(arrival.message_id):
        return False
    arrival = identify(session, arrival)
    if number_changed(session, arrival):
        return True  # WhatsApp's notice, not something the person wrote: their window stays as it is
    released = someone_wrote(session, arrival.sender, arrival.at)
    profile = session.settings.agent(arrival.sender)
    if profile is not None:
        agent_writes(session, profile, arrival, released=released)
    else:
        customer_writes(session, arrival)
    return True


def handle_stored(session: Session, arrival: Arrival) -> bool:
    """A stored arrival, marked handled in the same transaction that handles it: a crash undoes both.

    False when another worker handled it first (both took it from `ready`): nothing is done again.
    """
    if not session.uow.intake.done(arrival.key):
        return False
    return handle(session, arrival)
