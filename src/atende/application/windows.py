"""WhatsApp's 24-hour windows: agents are WhatsApp users too, and go quiet for days."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from atende.domain.contact import Contact

from .outbound import Audience, Delivery, Outgoing, ReadReceipt, TemplateBody

if TYPE_CHECKING:  # Context sends through this module: a runtime import would be circular.
    from .context import Context


def someone_wrote(ctx: Context, wa_id: str, at: datetime) -> Contact:
    """Any message opens its sender's window; an agent's also releases what waited for it."""
    contact = ctx.uow.contacts.get_or_add(wa_id)
    contact.wrote(at)
    if ctx.settings.is_agent(wa_id):
        for message in ctx.uow.outbox.held_for(wa_id):
            message.delivery = Delivery.PENDING
            message.not_before = None
            ctx.uow.outbox.save(message)
    return contact


def hold_until_reopened(ctx: Context, message: Outgoing) -> None:
    """An agent whose window has closed gets the reopening template; the message waits for their reply.

    Templates and read receipts need no open window (a message is marked read within 30 days)."""
    if message.audience is not Audience.AGENT or isinstance(message.body, (TemplateBody, ReadReceipt)):
        return
    contact = ctx.uow.contacts.get_or_add(message.to)
    if contact.window_open(ctx.now):
        return
    message.delivery = Delivery.HELD
    ask_to_reopen(ctx, contact)


def ask_to_reopen(ctx: Context, contact: Contact) -> None:
    if not contact.needs_reopening(ctx.now):
        return
    contact.reopen_requested_at = ctx.now
    template = TemplateBody(
        ctx.settings.agent_reopen_template,
        ctx.settings.template_language,
        (ctx.settings.agent_name(contact.wa_id),),
    )
    ctx.send(contact.wa_id, Audience.AGENT, template)


def customer_window_open(ctx: Context, wa_id: str) -> bool:
    contact = ctx.uow.contacts.get(wa_id)
    return contact is None or contact.window_open(ctx.now)
