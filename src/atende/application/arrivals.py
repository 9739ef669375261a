"""What reaches atende: one WhatsApp message from someone, already parsed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from atende.domain.content import Content

from .failures import Failure


@dataclass(frozen=True)
class Inbound:
    message_id: str
    sender: str
    """The sender's WhatsApp id: the phone number, or the business-scoped user id (BSUID) of a
    user Meta names only by it. Once identified, the key of that person's contact."""
    sender_name: str
    at: datetime
    content: Content
    context_id: str | None = None
    """The id of the message this one replies to (a swipe-reply), if any."""
    sender_user_id: str = ""
    """The sender's BSUID when Meta sent one (with or without the number): what links the two."""

    @property
    def key(self) -> str:
        return self.message_id


@dataclass(frozen=True)
class StatusReport:
    """WhatsApp's word on a message atende sent: sent, delivered, read, failed (or played)."""

    provider_id: str
    status: str
    at: datetime
    recipient: str = ""
    failure: Failure | None = None
    """For a `failed` status, what kind of failure (None when WhatsApp said nothing more)."""
    detail: str = ""
    """WhatsApp's description of the failure, for people."""
    code: int | None = None
    """WhatsApp's number for it, kept for the record (never decided on)."""

    @property
    def key(self) -> str:
        """Meta repeats statuses too: one id per message and status keeps them idempotent."""
        return f"status:{self.provider_id}:{self.status}"


Arrival = Inbound | StatusReport
"""Anything a webhook notification carries that atende acts upon."""
