"""One use case's session: its unit of work, the time it runs at, and how it says things.

`Atende.run` opens one per transaction. Everything atende tells anyone goes through `send`,
which writes the outbox in the same transaction as the change that causes it (ADR 0002) and
holds what an agent whose 24 h window has closed cannot receive yet (a customer's closed window
is the relay's to handle: only an agent's words wait for it, see `windows`).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from atende.domain.agent import Agent
from atende.domain.contact import Contact
from atende.domain.conversation import Conversation

from .outbound import Audience, Body, Delivery, Outgoing, ReadReceipt, TemplateBody, TextBody
from .ports import UnitOfWork
from .settings import Settings
from .texts import Texts
from .texts.formatting import duration


def _uuid() -> str:
    return uuid.uuid4().hex


@dataclass
class Session:
    """What a use case works with; `now` is fixed for the whole transaction."""

    uow: UnitOfWork
    now: datetime
    settings: Settings
    texts: Texts
    rng: random.Random = field(default_factory=random.Random)
    new_id: Callable[[], str] = _uuid

    def send(
        self,
        to: str,
        audience: Audience,
        body: Body,
        *,
        conversation: str | None = None,
        origin_id: str | None = None,
        reply_to: str | None = None,
        coalesce_key: str | None = None,
        hold_if_closed: bool = False,
    ) -> Outgoing:
        message = Outgoing(
            id=self.new_id(),
            to=to,
            audience=audience,
            body=body,
            created_at=self.now,
            conversation=conversation,
            origin_id=origin_id,
            reply_to=reply_to,
            coalesce_key=coalesce_key,
        )
        if audience is Audience.AGENT:
            self._hold_until_reopened(message)
        elif origin_id is None:
            self._skip_into_a_closed_window(message, hold=hold_if_closed)
        self.uow.outbox.add(message)
        return message

    def _hold_until_reopened(self, message: Outgoing) -> None:
        """An agent whose 24 h window has closed gets the reopening template; the message waits for
        their reply. Templates and read receipts need no open window (a message is marked read
        within 30 days)."""
        if isinstance(message.body, (TemplateBody, ReadReceipt)):
            return
        contact = self.uow.contacts.get_or_add(message.to)
        if contact.window_open(self.now):
            return
        self.hold(message)
        self.ask_to_reopen(contact, message.to)

    def _skip_into_a_closed_window(self, message: Outgoing, *, hold: bool = False) -> None:
        """atende's own notices to a customer whose window has closed ("Ana vai te atender", on
        Monday, to the Friday-night customer) are not sent: WhatsApp would refuse them, and they
        would be stale by the time the customer writes again. Kept as failed, for the record.
        (An agent's words wait instead: `windows.wait_for_customer`.) A notice that is news
        whenever it arrives (`hold`: the conversation was closed meanwhile) waits for them."""
        if isinstance(message.body, (TemplateBody, ReadReceipt)):
            return
        contact = self.uow.contacts.get(message.to)
        if contact is not None and not contact.window_open(self.now):
            if hold:
                self.hold(message)
                return
            message.delivery = Delivery.FAILED
            message.error = "not sent: the recipient's 24 h window is closed"

    def hold(self, message: Outgoing) -> None:
        """Keep a message until its recipient writes again: WhatsApp would refuse it now."""
        message.delivery = Delivery.HELD
        message.held_at = message.held_at or self.now
        message.provider_id = None

    def ask_to_reopen(self, contact: Contact, agent: str) -> None:
        """The agent reopening template, once per closed window (agents are WhatsApp users too)."""
        if not contact.needs_reopening(self.now):
            return
        contact.reopen_requested_at = self.now
        template = TemplateBody(
            self.settings.agent_reopen_template,
            self.settings.template_language,
            (self.settings.agent_name(agent),),
        )
        self.send(agent, Audience.AGENT, template)

    def tell_customer(
        self,
        conversation: Conversation,
        body: Body | str,
        *,
        origin_id: str | None = None,
        reply_to: str | None = None,
        hold_if_closed: bool = False,
    ) -> Outgoing:
        payload = TextBody(body) if isinstance(body, str) else body
        return self.send(
            conversation.customer.wa_id,
            Audience.CUSTOMER,
            payload,
            conversation=conversation.code,
            origin_id=origin_id,
            reply_to=reply_to,
            hold_if_closed=hold_if_closed,
        )

    def tell_agent(
        self,
        agent: Agent | str,
        body: Body | str,
        conversation: Conversation | None = None,
        *,
        origin_id: str | None = None,
        reply_to: str | None = None,
        coalesce_key: str | None = None,
    ) -> Outgoing:
        phone = agent if isinstance(agent, str) else agent.phone
        payload = TextBody(body) if isinstance(body, str) else body
        code = conversation.code if conversation else None
        return self.send(
            phone,
            Audience.AGENT,
            payload,
            conversation=code,
            origin_id=origin_id,
            reply_to=reply_to,
            coalesce_key=coalesce_key,
        )

    def wait(self, seconds: float) -> str:
        """A duration as the locale says it (`3 min`)."""
        return duration(self.texts, seconds)

    def department_name(self, key: str | None) -> str:
        return self.settings.department_name(key)
