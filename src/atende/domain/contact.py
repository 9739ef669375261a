"""A WhatsApp party as WhatsApp sees it: who they are, and when they last wrote.

One person is one contact whether Meta names them by phone number, by business-scoped user id
(BSUID: users with a username may come without a number) or by both; the two are linked as soon
as a message carries both. The contact's key is the id atende first knew them by, and stays:
conversations and the outbox refer to people by it. Where a message goes is `address`, which
follows a number change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .events import Event

WINDOW = timedelta(hours=24)
"""Free-form messages reach a person only within 24 h of their last message (agents too)."""

SAFETY_MARGIN = timedelta(minutes=10)
"""Treat the window as closed a little early: a send takes time, and clocks disagree."""


def is_phone(wa_id: str) -> bool:
    """A WhatsApp id that is a phone number (digits), as opposed to a BSUID (`BR.1234…`)."""
    return wa_id.isascii() and wa_id.isdigit()


@dataclass(eq=False)
class Contact:
    wa_id: str
    """The key: the id atende first knew this person by (a phone number or a BSUID); never changes."""
    last_inbound_at: datetime | None = None
    reopen_requested_at: datetime | None = None
    """When a template was last sent to reopen this person's window (agent or customer)."""
    version: int = 0
    phone: str | None = None
    """Their phone number now, when known (digits); unique among contacts."""
    user_id: str | None = None
    """Their business-scoped user id, when Meta sent one; unique among contacts."""
    events: list[Event] = field(default_factory=list, repr=False)

    @classmethod
    def first_seen(cls, wa_id: str, phone: str = "", user_id: str = "") -> Contact:
        """Someone atende meets for the first time, keyed `wa_id`; named by it unless told more."""
        if not phone and not user_id:
            phone, user_id = (wa_id, "") if is_phone(wa_id) else ("", wa_id)
        return cls(wa_id, phone=phone or None, user_id=user_id or None)

    @property
    def address(self) -> str:
        """Where WhatsApp delivers to this person now: their number, else their BSUID."""
        return self.phone or self.user_id or self.wa_id

    def names(self, wa_id: str) -> bool:
        """Whether WhatsApp names this person `wa_id` now (the key alone is history)."""
        return bool(wa_id) and wa_id in (self.phone, self.user_id)

    def link(self, phone: str, user_id: str) -> None:
        """What a message said about who sent it: a BSUID is for good; the number is the latest
        one seen with it (Meta sends the number only now and then, and numbers change)."""
        if user_id:
            self.user_id = user_id
        if phone:
            self.phone = phone

    def changed_number(self, phone: str) -> None:
        """WhatsApp said so (`user_changed_number`): messages go to the new number from now on."""
        self.phone = phone

    def absorbed_into(self, other: Contact) -> None:
        """Two contacts turned out to be one person: this one hands over its identifiers and its
        window, and stays only as the key of its past conversations."""
        if self.last_inbound_at and (other.last_inbound_at is None or self.last_inbound_at > other.last_inbound_at):
            other.last_inbound_at = self.last_inbound_at
        phone, user_id = self.phone, self.user_id
        self.phone = self.user_id = None
        other.link(phone or "", user_id or "")

    def forget_phone(self) -> None:
        """Their old number now belongs to someone else."""
        self.phone = None

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
