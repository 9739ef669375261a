"""Who wrote: one person whatever WhatsApp calls them — a phone number, a BSUID, or both.

Meta names a user by number, by business-scoped user id (users with a username may come
without a number), or by both, and numbers change. Every arrival is resolved to one contact,
and its sender rewritten to that person's key, before anything else looks at it: windows,
conversations and the outbox all name people by their key (docs/adr/0007).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from atende.domain.contact import Contact, is_phone
from atende.domain.content import SystemNotice
from atende.domain.conversation import Stage

from .arrivals import Inbound
from .session import Session
from .settings import AgentProfile
from .texts.formatting import phone as shown

log = logging.getLogger(__name__)


def identify(session: Session, inbound: Inbound) -> Inbound:
    """The arrival with its sender as the key of the one contact it comes from (linked, or two
    contacts merged, when the message names a person both ways for the first time)."""
    number, user_id = _identifiers(inbound)
    found = session.uow.contacts.named(number, user_id)
    profile = session.settings.agent(number) or session.settings.agent(user_id)
    profile = profile or next((p for c in found if (p := session.settings.agent(c.wa_id))), None)
    contact = _one_person(session, found, number, user_id, profile)
    key = profile.phone if profile else contact.wa_id
    return inbound if key == inbound.sender else replace(inbound, sender=key)


def _identifiers(inbound: Inbound) -> tuple[str, str]:
    number = inbound.sender if is_phone(inbound.sender) else ""
    user_id = inbound.sender_user_id or ("" if number else inbound.sender)
    return number, user_id


def _one_person(
    session: Session, found: list[Contact], number: str, user_id: str, profile: AgentProfile | None
) -> Contact:
    by_number = next((c for c in found if number and c.phone == number), None)
    by_user = next((c for c in found if user_id and c.user_id == user_id), None)
    if by_number is not None and by_number is not by_user and user_id and by_number.user_id not in (None, user_id):
        by_number.forget_phone()  # the number came with another BSUID: someone else has it now
        by_number = None
    contact = by_user or by_number
    if by_number is not None and by_user is not None and by_number is not by_user:
        survivor, absorbed = _who_stays(session, by_number, by_user)
        absorbed.absorbed_into(survivor)
        log.info("contacts %s and %s are one person: linked", _masked(absorbed.wa_id), _masked(survivor.wa_id))
        contact = survivor
    if contact is None:
        contact = _first_seen(session, number, user_id, profile)
    contact.link(number, user_id)
    return contact


def _first_seen(session: Session, number: str, user_id: str, profile: AgentProfile | None) -> Contact:
    """A contact for someone no contact names yet: an agent's is keyed by her roster id."""
    contacts = session.uow.contacts
    if profile is not None and (known := contacts.get(profile.phone)) is not None:
        return known
    key = profile.phone if profile else _free_key(session, number or user_id)
    contact = Contact.first_seen(key, number, user_id)
    contacts.add(contact)
    return contact


def _who_stays(session: Session, by_number: Contact, by_user: Contact) -> tuple[Contact, Contact]:
    """The contact whose conversation is open goes on (a customer in the middle of a talk keeps
    it); otherwise the one known by number, which holds the longer history."""
    if session.uow.conversations.open_for(by_user.wa_id) and not session.uow.conversations.open_for(by_number.wa_id):
        return by_user, by_number
    return by_number, by_user


def _free_key(session: Session, base: str) -> str:
    """`base`, unless a past contact was keyed so (a number that changed hands): then `base~2`…"""
    key, n = base, 1
    while (taken := session.uow.contacts.get(key)) is not None and taken.wa_id == key:
        n += 1
        key = f"{base}~{n}"
    return key


def number_changed(session: Session, inbound: Inbound) -> bool:
    """WhatsApp's `user_changed_number` notice: the person now has another number. Their contact
    moves to it (an agent's too), and whoever needs to know is told. False for other notices."""
    content = inbound.content
    if not isinstance(content, SystemNotice) or not content.new_wa_id or not is_phone(content.new_wa_id):
        return False
    contacts = session.uow.contacts
    contact = contacts.get_or_add(inbound.sender)
    new = content.new_wa_id
    previous = contact.phone
    holder = contacts.get(new)
    if holder is not None and holder is not contact and holder.phone == new:
        holder.forget_phone()
    contact.changed_number(new)
    profile = session.settings.agent(inbound.sender)
    if profile is not None:
        log.warning(
            "agent %s changed number (***%s → ***%s): update [[agents]] phone in atende.toml",
            profile.name,
            (previous or "")[-4:],
            new[-4:],
        )
        session.tell_agent(profile.phone, session.texts.number_changed_agent.format(phone=shown(new)))
        return True
    conversation = session.uow.conversations.open_for(inbound.sender)
    if conversation is not None and conversation.stage is Stage.ASSIGNED and conversation.agent:
        text = session.texts.number_changed_customer.format(
            code=conversation.code, name=conversation.customer.display_name, phone=shown(new)
        )
        session.tell_agent(conversation.agent, text, conversation)
    return True


def _masked(wa_id: str) -> str:
    return "***" + wa_id[-4:]
