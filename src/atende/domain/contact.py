"""A WhatsApp party as WhatsApp sees it: when they last wrote, which decides what may be sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .events import Event

WINDOW = timedelta(hours=24)
"""Free-form messages reach a person only within 24 h of their last message (agents too)."""

SAFETY_MARGIN = timedelta(minutes=10)
"""Treat the window as closed a little early: a send takes time, and clocks disagree."""


@dataclass(eq=False)
class Contact:
    wa_id: str
    last_inbound_at: datetime | None = None
    reopen_requested_at: datetime | None = None
    """When a template was last sent to reopen this person's window (agents only)."""
    version: int = 0
    events: list[Event] = field(default_factory=list, repr=False)

    def window_open(self, now: datetime) -> bool:
        return self.last_inbound_at is not None and now < self.last_inbound_at + WINDOW - SAFETY_MARGIN

    def wrote(self, at: datetime) -> None:
        """A message from this person (re)opens their window; out-of-order deliveries never shrink it."""
        if self.last_inbound_at is None or at > self.last_inbound_at:
            self.last_inbound_at = at
        self.reopen_requested_at = None

    def window_closed(self) -> None:
        """WhatsApp refused a send for a closed window: believe it over our own bookkeeping."""
        self.last_inbound_at = None

    def needs_reopening(self, now: datetime) -> bool:
        """One template per closed window: a second one would only annoy and cost money."""
        return self.reopen_requested_at is None or now >= self.reopen_requested_at + WINDOW
