"""Ports: everything the use cases need from the outside world, as abstract classes."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

from atende.domain.agent import Agent
from atende.domain.conversation import Conversation
from atende.domain.repositories import (
    AgentRepository,
    ConversationRepository,
    EventLog,
    MessageRepository,
)

from .outbound import Outgoing


class Clock(abc.ABC):
    """The only source of time, so timers are tested without sleeping."""

    @abc.abstractmethod
    def now(self) -> datetime:
        """An aware datetime in UTC."""


class Outbox(abc.ABC):
    @abc.abstractmethod
    def add(self, message: Outgoing) -> None: ...

    @abc.abstractmethod
    def pending(self, limit: int) -> Sequence[Outgoing]:
        """Oldest unsent messages first."""

    @abc.abstractmethod
    def save(self, message: Outgoing) -> None:
        """Record the outcome of a send attempt."""

    @abc.abstractmethod
    def by_provider_id(self, provider_id: str) -> Outgoing | None:
        """The message WhatsApp knows by this id: how a swipe-reply or reaction finds its subject."""


class Inbox(abc.ABC):
    @abc.abstractmethod
    def first_time(self, message_id: str) -> bool:
        """Record the message id; False when it was already handled (a re-delivery)."""


class UnitOfWork(abc.ABC):
    """One atomic step: commit is explicit; leaving the block without it rolls back."""

    conversations: ConversationRepository
    agents: AgentRepository
    messages: MessageRepository
    events: EventLog
    outbox: Outbox
    inbox: Inbox

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
        aggregates: list[Conversation | Agent] = [*self.conversations.seen.values(), *self.agents.seen.values()]
        for aggregate in aggregates:
            for event in aggregate.events:
                self.events.add(event)
            aggregate.events.clear()
        self._commit()

    @abc.abstractmethod
    def _commit(self) -> None:
        """Write tracked aggregates (with optimistic version checks) and everything added."""

    @abc.abstractmethod
    def rollback(self) -> None: ...


class SendError(Exception):
    """A send the gateway could not complete; `retryable` says whether trying again may help."""

    def __init__(self, message: str, *, code: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class WhatsAppGateway(abc.ABC):
    @abc.abstractmethod
    def send(self, message: Outgoing) -> str:
        """Send one message; returns the id WhatsApp gave it, raises SendError."""
