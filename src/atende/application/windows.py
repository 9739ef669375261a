"""WhatsApp's 24-hour windows: agents are WhatsApp users too, and go quiet for days.

Holding an agent's messages while their window is closed is part of sending (the session does
it); here, what reopens a window and what an agent may be told about a customer's.
"""

from __future__ import annotations

from datetime import datetime

from atende.domain.contact import Contact

from .outbound import Delivery
from .session import Session


def someone_wrote(session: Session, wa_id: str, at: datetime) -> Contact:
    """Any message opens its sender's window; an agent's also releases what waited for it."""
    contact = session.uow.contacts.get_or_add(wa_id)
    contact.wrote(at)
    if session.settings.is_agent(wa_id):
        for message in session.uow.outbox.held_for(wa_id):
            message.delivery = Delivery.PENDING
            message.not_before = None
            session.uow.outbox.save(message)
    return contact


def customer_window_open(session: Session, wa_id: str) -> bool:
    contact = session.uow.contacts.get(wa_id)
    return contact is None or contact.window_open(session.now)
