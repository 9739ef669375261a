"""What reaches atende: one WhatsApp message from someone, already parsed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from atende.domain.content import Content


@dataclass(frozen=True)
class Inbound:
    message_id: str
    sender: str
    """The sender's WhatsApp id: the phone number, or the business-scoped user id."""
    sender_name: str
    at: datetime
    content: Content
    context_id: str | None = None
    """The id of the message this one replies to (a swipe-reply), if any."""
