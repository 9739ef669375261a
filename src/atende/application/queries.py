"""Read models for the ops views: plain values, computed from the repositories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from atende.domain.conversation import Conversation
from atende.domain.events import Event
from atende.domain.message import Message

from .ports import UnitOfWork
from .settings import Settings


@dataclass(frozen=True)
class WaitingCustomer:
    position: int
    code: str
    name: str
    wa_id: str
    since: datetime
    waited_seconds: float


@dataclass(frozen=True)
class AgentView:
    name: str
    phone: str
    status: str
    load: int
    capacity: int
    departments: tuple[str, ...]
    active: str | None


@dataclass(frozen=True)
class DepartmentQueue:
    key: str
    name: str
    waiting: tuple[WaitingCustomer, ...]
    agents: tuple[AgentView, ...]


@dataclass(frozen=True)
class ConversationDetail:
    conversation: Conversation
    messages: tuple[Message, ...]
    events: tuple[Event, ...]


def agents_view(uow: UnitOfWork, settings: Settings) -> list[AgentView]:
    loads = uow.conversations.loads()
    roster = {a.phone for a in settings.agents}
    views = []
    for agent in uow.agents.all():
        if agent.phone not in roster:
            continue
        load = loads[agent.phone]
        views.append(
            AgentView(
                agent.name,
                agent.phone,
                agent.status(load).value,
                load,
                agent.capacity,
                agent.departments,
                agent.active,
            )
        )
    return views


def queue_view(
    uow: UnitOfWork, settings: Settings, now: datetime, department: str | None = None
) -> list[DepartmentQueue]:
    """Per department: who waits, since when, in which position, and its agents' status."""
    agents = agents_view(uow, settings)
    result = []
    for dept in settings.departments:
        if department is not None and dept.key != department:
            continue
        line = uow.conversations.waiting(dept.key)
        waiting = tuple(
            WaitingCustomer(
                position,
                c.code,
                c.customer.name,
                c.customer.wa_id,
                c.waiting_since or now,
                c.waited(now),
            )
            for position, c in enumerate(line, 1)
        )
        mine = tuple(a for a in agents if dept.key in a.departments)
        result.append(DepartmentQueue(dept.key, dept.name, waiting, mine))
    return result


def conversation_detail(uow: UnitOfWork, code: str) -> ConversationDetail | None:
    conversation = uow.conversations.get(code)
    if conversation is None:
        return None
    return ConversationDetail(
        conversation,
        tuple(uow.messages.for_conversation(code)),
        tuple(uow.events.for_conversation(code)),
    )
