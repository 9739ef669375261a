"""What atende sends: outbound WhatsApp messages as plain values, kept in the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from atende.domain.content import Media


@dataclass(frozen=True)
class Option:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class TextBody:
    text: str


@dataclass(frozen=True)
class MenuBody:
    """A choice among options: the gateway shows buttons (≤ 3) or a list, and numbers in text."""

    text: str
    button: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class MediaBody:
    media: Media
    caption: str = ""


@dataclass(frozen=True)
class ReactionBody:
    message_id: str
    emoji: str


@dataclass(frozen=True)
class LocationBody:
    latitude: float
    longitude: float
    name: str = ""
    address: str = ""


@dataclass(frozen=True)
class ReadReceipt:
    message_id: str


@dataclass(frozen=True)
class TemplateBody:
    """An approved template: the only thing WhatsApp delivers outside a person's 24 h window."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()


Body = TextBody | MenuBody | MediaBody | ReactionBody | LocationBody | ReadReceipt | TemplateBody


class Audience(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"


class Delivery(StrEnum):
    PENDING = "pending"
    HELD = "held"
    """Waiting for the recipient's 24 h window to reopen: an agent who has not written for a day,
    or a customer an agent answers days later; released when that person writes."""
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"

    @property
    def rank(self) -> int:
        """Statuses only move forward: a late `delivered` never undoes a `read`."""
        return _RANKS[self]


_RANKS = {
    Delivery.PENDING: 0,
    Delivery.HELD: 0,
    Delivery.SENT: 1,
    Delivery.DELIVERED: 2,
    Delivery.READ: 3,
    Delivery.FAILED: 4,
}


@dataclass
class Outgoing:
    """One message in the outbox, written in the same transaction as the change that causes it."""

    id: str
    to: str
    audience: Audience
    body: Body
    created_at: datetime
    conversation: str | None = None
    origin_id: str | None = None
    """The message this one copies (a relay), so replies and reactions find their way back."""
    reply_to: str | None = None
    """A message to quote, shown above this one."""
    delivery: Delivery = Delivery.PENDING
    provider_id: str | None = None
    attempts: int = 0
    error: str | None = None
    error_code: int | None = None
    not_before: datetime | None = None
    """A retry waits until then (backoff after an error)."""
    coalesce_key: str | None = None
    """Consecutive pending texts to one recipient with the same key may go out as one message."""
    held_at: datetime | None = None
    """When it was first held for a closed window; kept after its release, so that what an agent
    has not been shown yet is known (nothing she writes before is relayed to a customer)."""


@dataclass
class Lane:
    """One recipient's line in the outbox, claimed by one courier at a time.

    Whoever holds the claim alone sends to that recipient, so their messages leave in order;
    the pacing state travels with the lane (stored beside it), not with any one process.
    """

    recipient: str
    paced_until: datetime | None
    """The pair limit's state: the theoretical time of the next send (GCRA), None when unpaced."""
    messages: list[Outgoing]
    """Their pending messages, oldest first (the first few: a claim never loads a whole backlog)."""
