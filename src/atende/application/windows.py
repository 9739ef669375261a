"""WhatsApp's 24-hour windows: anyone who has not written for a day gets only templates.

Agents are WhatsApp users too, and go quiet for days; customers write on Friday night and are
answered on Monday. Holding an agent's messages while her window is closed is part of sending
(the session does it); here, what reopens a window, and what waits for a customer's.
"""

from __future__ import annotations

from datetime import datetime

from atende.domain.conversation import Conversation

from .outbound import Delivery, Outgoing, TemplateBody
from .session import Session


def someone_wrote(session: Session, wa_id: str, at: datetime) -> int:
    """Any message opens its sender's window and releases, in order, what waited for it.

    Returns how many messages were released: an agent's message that released some was written
    before she could see them, and is not relayed to a customer (docs/design.md §6).
    """
    contact = session.uow.contacts.get_or_add(wa_id)
    was_open = contact.window_open(session.now)
    contact.wrote(at)
    if was_open:
        return 0  # nothing waits for an open window: only a closed one (or a 131047, which closes it) holds
    held = session.uow.outbox.held_for(wa_id)
    for message in held:
        message.delivery = Delivery.PENDING
        message.not_before = None
        session.uow.outbox.save(message)
    return len(held)


def customer_window_open(session: Session, wa_id: str) -> bool:
    contact = session.uow.contacts.get(wa_id)
    return contact is None or contact.window_open(session.now)


def still_arriving(session: Session, agent: str) -> bool:
    """Whether messages that waited for this agent were released but have not gone out yet."""
    return session.uow.outbox.released_unsent(agent) > 0


def wait_for_customer(session: Session, conversation: Conversation, agent: str | None, message: Outgoing) -> None:
    """An agent's words to a customer whose 24 h window has closed: kept until the customer
    answers, the customer template asks them to (once per closed window), and the agent is told
    at once. Only with `customer_reopen_template` configured (the caller checks)."""
    template = session.settings.customer_reopen_template
    assert template is not None
    session.hold(message)
    contact = session.uow.contacts.get_or_add(conversation.customer.wa_id)
    if not contact.needs_reopening(session.now):
        return
    contact.reopen_requested_at = session.now
    agent_name = session.settings.agent_name(agent) or session.settings.business_name
    parameters = (session.settings.business_name, agent_name)
    session.tell_customer(conversation, TemplateBody(template, session.settings.template_language, parameters))
    if agent is not None:
        waiting = session.texts.customer_window_waiting.format(
            code=conversation.code, name=conversation.customer.display_name
        )
        session.tell_agent(agent, waiting, conversation)


def window_note(session: Session, conversation: Conversation) -> str | None:
    """What the agent should know before writing to this customer: their window has closed, and
    what will happen to her words (the template, or nothing until the customer writes)."""
    if customer_window_open(session, conversation.customer.wa_id):
        return None
    texts = session.texts
    if session.settings.customer_reopen_template is None:
        return texts.assignment_window_closed
    return texts.assignment_window_template


def window_status(session: Session, conversation: Conversation) -> str:
    """The `/ativos` suffix for a customer whose window has closed ("" while it is open)."""
    wa_id = conversation.customer.wa_id
    if customer_window_open(session, wa_id):
        return ""
    texts = session.texts
    if session.settings.customer_reopen_template is None:
        return texts.active_window_closed
    held = len(session.uow.outbox.held_for(wa_id))
    return texts.active_window_held.format(count=held) if held else texts.active_window_template
