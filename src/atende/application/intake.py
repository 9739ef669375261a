"""Arrivals: stored before the webhook answers 200, handled later, once each, in their sender's order.

Storing and handling are apart on purpose: the 200 must wait only for a durable write, and
Meta delivers one sender's messages out of order now and then, so handling waits a short
reorder window and then takes what is ready in timestamp order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from .agent_commands import agent_writes
from .arrivals import Arrival, StatusReport
from .customer import customer_writes
from .identity import identify, number_changed
from .session import Session
from .statuses import record_status
from .windows import someone_wrote


def store(session: Session, arrivals: Sequence[Arrival], received_at: datetime | None = None) -> int:
    """Keep what a notification carried; returns how many were new (a re-delivery is not)."""
    return sum(session.uow.intake.add(arrival, received_at or session.now) for arrival in arrivals)


def ready(session: Session, limit: int) -> list[Arrival]:
    """Stored arrivals old enough that earlier ones Meta delivers late had time to arrive."""
    cutoff = session.now - timedelta(seconds=session.settings.reorder_window_seconds)
    return list(session.uow.intake.ready(cutoff, limit))


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


def handle_stored(session: Session, arrival: Arrival) -> None:
    """A stored arrival, marked handled in the same transaction that handles it: a crash undoes both."""
    session.uow.intake.done(arrival.key)
    handle(session, arrival)


def set_aside(session: Session, arrival: Arrival, error: str) -> None:
    """An arrival whose handling failed for good: never handed out again, the reason kept."""
    session.uow.intake.done(arrival.key, error)
