"""The transcript: what each side wrote in a conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .content import Content


class Author(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"


@dataclass(frozen=True)
class Message:
    id: str
    """The WhatsApp message id of the original."""
    conversation: str
    author: Author
    author_name: str
    content: Content
    at: datetime
