"""What WhatsApp says about sent messages: progress, read receipts passed on, failures reported."""

from __future__ import annotations

import logging

from atende.domain.conversation import Conversation, Stage

from .arrivals import StatusReport
from .failures import Failure
from .outbound import (
    Audience,
    Delivery,
    Outgoing,
    ReactionBody,
    ReadReceipt,
    TemplateBody,
)
from .session import Session
from .windows import wait_for_customer

log = logging.getLogger(__name__)

_STATUSES = {
    "sent": Delivery.SENT,
    "delivered": Delivery.DELIVERED,
    "read": Delivery.READ,
    "played": Delivery.READ,
    "failed": Delivery.FAILED,
}


def record_status(session: Session, report: StatusReport) -> None:
    message = session.uow.outbox.by_provider_id(report.provider_id)
    status = _STATUSES.get(report.status)
    if message is None or status is None:
        log.info("status %s for a message atende does not know (%s)", report.status, report.provider_id[-8:])
        return
    if status is Delivery.FAILED:
        if message.delivery is not Delivery.FAILED:
            fail(session, message, report.failure or Failure.PERMANENT, report.detail or "failed", report.code)
        return
    if status.rank <= message.delivery.rank:
        return  # a late or repeated status: statuses only move forward
    message.delivery = status
    session.uow.outbox.save(message)
    if status is Delivery.READ:
        pass_read_receipt_on(session, message)


def pass_read_receipt_on(session: Session, copy: Outgoing) -> None:
    """Blue ticks mean a human saw it: a read copy marks its original read, on the other side."""
    if copy.origin_id is None or copy.conversation is None or not _is_relay(copy):
        return
    conversation = session.uow.conversations.get(copy.conversation)
    if conversation is None:
        return
    to = conversation.customer.wa_id if copy.audience is Audience.AGENT else conversation.agent
    if to:
        audience = Audience.CUSTOMER if copy.audience is Audience.AGENT else Audience.AGENT
        session.send(to, audience, ReadReceipt(copy.origin_id), conversation=conversation.code)


def fail(session: Session, message: Outgoing, failure: Failure, detail: str, code: int | None = None) -> None:
    """A message WhatsApp will not deliver: hold it for a reopened window, or tell someone.

    `code` is the provider's number for the error: recorded on the message and quoted to people.
    """
    message.error_code = code
    message.error = detail
    if failure is Failure.WINDOW_CLOSED and not isinstance(message.body, TemplateBody):
        # WhatsApp's word over our own bookkeeping: this person's window is closed.
        contact = session.uow.contacts.get_or_add(message.to)
        contact.window_closed()
        if message.audience is Audience.AGENT:
            session.hold(message)
            session.uow.outbox.save(message)
            session.ask_to_reopen(contact, message.to)
            return
        conversation = session.uow.conversations.get(message.conversation) if message.conversation else None
        if conversation is not None and message.origin_id and session.settings.customer_reopen_template:
            # An agent's words: they wait for the customer's answer to the template.
            wait_for_customer(session, conversation, conversation.agent, message)
            session.uow.outbox.save(message)
            return
    if isinstance(message.body, TemplateBody) and message.audience is Audience.CUSTOMER:
        _tell_agent_the_template_failed(session, message, failure, code)
    message.delivery = Delivery.FAILED
    session.uow.outbox.save(message)
    log.warning("message %s to ***%s failed (%s): %s %s", message.id, message.to[-4:], failure, code, detail)
    if not _is_relay(message) or message.conversation is None:
        return
    conversation = session.uow.conversations.get(message.conversation)
    if conversation is None or message.origin_id is None:
        return
    if message.audience is Audience.CUSTOMER:
        _tell_agent_it_did_not_reach_the_customer(session, conversation, failure, code)
    else:
        _tell_agent_a_relay_was_lost(session, conversation, message, reason(session, failure, code))


def _tell_agent_the_template_failed(session: Session, message: Outgoing, failure: Failure, code: int | None) -> None:
    """The customer template was refused (not approved, paused, wrong parameters): what the agent
    wrote keeps waiting, now for the customer to write on their own; she must know."""
    conversation = session.uow.conversations.get(message.conversation) if message.conversation else None
    if conversation is None or conversation.agent is None:
        return
    text = session.texts.customer_template_failed.format(
        code=conversation.code, name=_name(conversation), reason=reason(session, failure, code)
    )
    session.tell_agent(conversation.agent, text, conversation)


def _tell_agent_it_did_not_reach_the_customer(
    session: Session, conversation: Conversation, failure: Failure, code: int | None
) -> None:
    if conversation.agent is None:
        return
    text = session.texts.undelivered_to_customer.format(
        code=conversation.code, name=_name(conversation), reason=reason(session, failure, code)
    )
    session.tell_agent(conversation.agent, text, conversation)


def _tell_agent_a_relay_was_lost(session: Session, conversation: Conversation, message: Outgoing, why: str) -> None:
    """The copy failed, not necessarily the chat: a short ⚠️ often still gets through (a refused file).

    The customer, who believes they were heard, is asked to send it again another way.
    """
    text = session.texts.undelivered_to_you.format(code=conversation.code, name=_name(conversation), reason=why)
    session.tell_agent(message.to, text, conversation)
    if conversation.stage is Stage.ASSIGNED and conversation.agent == message.to:
        session.tell_customer(conversation, session.texts.agent_unreachable)


def reason(session: Session, failure: Failure, code: int | None) -> str:
    """Why, in words: the kind when the catalog explains it, else the provider's number."""
    explained = session.texts.failure_reasons.get(failure)
    return explained or session.texts.failure_other.format(code="?" if code is None else code)


def _is_relay(message: Outgoing) -> bool:
    return not isinstance(message.body, (ReadReceipt, ReactionBody, TemplateBody))


def _name(conversation: Conversation) -> str:
    return conversation.customer.display_name
