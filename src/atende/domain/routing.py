"""Queue-first routing: who waits in what order, and which agent gets whom (ADR 0001)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from .agent import Agent
from .conversation import Conversation, Stage

_EPOCH = datetime.min.replace(tzinfo=UTC)


def queue_order(conversation: Conversation) -> tuple[datetime, str]:
    """FIFO by first enqueue time; the code only breaks exact ties deterministically."""
    assert conversation.queued_at is not None
    return (conversation.queued_at, conversation.code)


def waiting_line(conversations: Iterable[Conversation]) -> list[Conversation]:
    return sorted((c for c in conversations if c.stage is Stage.QUEUED), key=queue_order)


def plan_assignments(
    waiting: Sequence[Conversation],
    agents: Sequence[Agent],
    loads: Mapping[str, int],
    now: datetime,
) -> list[tuple[Conversation, Agent]]:
    """Match waiting customers, oldest first, to available agents with a free slot.

    A customer is skipped only when no agent of their department is free, so one busy
    department never holds up another. The plan advances each chosen agent's idle time,
    so two customers go to two idle agents rather than both to the first.
    """
    free = {a.phone: a.capacity - loads.get(a.phone, 0) for a in agents if a.can_take(loads.get(a.phone, 0))}
    idle = {a.phone: a.idle_since for a in agents}
    plan: list[tuple[Conversation, Agent]] = []
    for conversation in waiting_line(waiting):
        department = conversation.department
        assert department is not None
        candidates = [a for a in agents if free.get(a.phone, 0) > 0 and a.serves(department)]
        # Whoever transferred the customer away goes last, so a transfer is not undone at once.
        chosen = min(
            candidates,
            key=lambda a: (a.phone == conversation.transferred_by, idle[a.phone] or _EPOCH, a.phone),
            default=None,
        )
        if chosen is None:
            continue
        plan.append((conversation, chosen))
        free[chosen.phone] -= 1
        idle[chosen.phone] = now
    return plan


def offer_lapses(offer: Conversation, agent: Agent) -> bool:
    """Whether an offer past its time goes back to the queue: only when its agent has been silent.

    An agent who wrote anything since the offer was made (or since she was last reminded of it),
    to any customer or as a command, is working, not absent: the offer waits for her. So a
    capacity-3 agent answering one customer first is never punished for it (ADR 0001).
    """
    since = offer.offer_since
    assert since is not None, f"#{offer.code} is not an offer"
    if agent.last_wrote_at is not None and agent.last_wrote_at == since == offer.offer_reminded_at:
        # A ⏳ comes from a timer pass, which never handles a message: a message stamped the same
        # instant was handled after it. (Only a clock that stands still between the two — a
        # simulation's — makes the instants equal; an offer made in the same instant as her
        # message may have been made by it, so that tie stays silent.)
        return False
    return not agent.wrote_since(since)
