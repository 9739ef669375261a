"""What passes between a customer and their agent, and how it is labelled.

The 🔔 that hands a customer over (with everything they wrote while waiting), every 💬 relayed
either way, and the ids that let a swipe-reply or a reaction on a copy find the original on
the other side. The agent reads all customers in one chat, so every relay names its customer.
"""

from __future__ import annotations

from atende.domain.agent import Agent
from atende.domain.contact import is_phone
from atende.domain.content import Contacts, Edited, Location, Media, Reaction, Revoked, Text
from atende.domain.conversation import Conversation
from atende.domain.message import Author, Message

from .arrivals import Inbound
from .outbound import Audience, LocationBody, MediaBody, ReactionBody, TextBody
from .pages import TEXT_LIMIT, paginate, split
from .session import Session
from .texts import Texts
from .texts.formatting import describe, phone, snippet
from .windows import customer_window_open, wait_for_customer, window_note

MEDIA_ON_ASSIGNMENT = 10
"""At most this many pieces of media written while waiting are re-sent after the 🔔, the first
ones (where the problem usually is); the 🔔 says how many more there were, never silently."""


def announce(session: Session, conversation: Conversation, agent: Agent) -> None:
    """🔔 to the agent: who the customer is, where from, how long they waited, and all they wrote.

    Everything in the transcript is shown, in order and whole: what does not fit in the 🔔 (one
    WhatsApp message) follows right after it, under one header per message, and a text longer
    than a message is split across them, never cut (docs/design.md §4).
    """
    texts = session.texts
    customer = conversation.customer
    head = [
        texts.assignment.format(
            code=conversation.code,
            first=customer.first_name,
            department=session.department_name(conversation.department),
            who=" · ".join(part for part in (customer.name, _number(session, customer.wa_id)) if part),
            wait=session.wait(conversation.waited(session.now)),
        )
    ]
    if note := window_note(session, conversation):
        head.append(note)
    if conversation.transferred_from:
        head.append(
            texts.assignment_transfer.format(
                department=session.department_name(conversation.transferred_from),
                agent=session.settings.agent_name(conversation.transferred_by),
            )
        )
    transcript = session.uow.messages.for_conversation(conversation.code)
    if transcript:
        head.append(texts.assignment_wrote)
    media = [m for m in transcript if m.author is Author.CUSTOMER and isinstance(m.content, Media)]
    resent = media[:MEDIA_ON_ASSIGNMENT]
    foot = []
    if len(media) > len(resent):
        foot.append(texts.assignment_media_left_out.format(limit=len(resent), count=len(media) - len(resent)))
    hint = texts.assignment_active_hint if agent.active == conversation.code else texts.assignment_background_hint
    foot.append(hint.format(first=customer.first_name, code=conversation.code))
    for page in _bell(texts, conversation, head, [_said(texts, m) for m in transcript], foot):
        session.tell_agent(agent, page, conversation)
    for message in resent:
        assert isinstance(message.content, Media)
        relay_media_to_agent(session, conversation, agent.phone, message.content, origin_id=message.id)


def _said(texts: Texts, message: Message) -> str:
    """One line of the transcript, the text whole (`›` for the customer, the agent's name else)."""
    who = "›" if message.author is Author.CUSTOMER else f"{message.author_name}:"
    return f"{who} {describe(texts, message.content).strip()}"


def _bell(texts: Texts, conversation: Conversation, head: list[str], said: list[str], foot: list[str]) -> list[str]:
    """The 🔔 and, when all that was said does not fit in it, the messages that follow it."""
    whole = "\n".join([*head, *said, *foot])
    if len(whole) <= TEXT_LIMIT:
        return [whole]
    first_name, code = conversation.customer.first_name, conversation.code

    def part(number: int, parts: int) -> str:
        return texts.assignment_part.format(first=first_name, code=code, part=number, parts=parts)

    # Room is measured with the widest numbers these lines could carry (never more pages than
    # characters), so the real ones fit.
    widest = len(whole)
    framing = len("\n".join([*head, texts.assignment_continues.format(count=widest), *foot]))
    shown, *rest = paginate(said, TEXT_LIMIT - framing, TEXT_LIMIT - len(part(widest, widest)))
    bell = "\n".join([*head, *shown, texts.assignment_continues.format(count=len(rest)), *foot])
    return [bell] + ["\n".join([part(n, len(rest)), *page]) for n, page in enumerate(rest, 1)]


def _number(session: Session, wa_id: str) -> str:
    """The customer's number as it is now (it may have changed), or "" for one known only by BSUID."""
    contact = session.uow.contacts.get(wa_id)
    number = contact.phone if contact is not None else (wa_id if is_phone(wa_id) else None)
    return phone(number) if number else ""


def relay_to_agent(session: Session, conversation: Conversation, inbound: Inbound) -> None:
    """💬 to the agent, always under this customer's header, quoting what they replied to."""
    assert conversation.agent is not None
    agent = conversation.agent
    content = inbound.content
    quoted = original_of(session, inbound.context_id)
    if isinstance(content, Reaction):
        target = original_of(session, content.message_id)
        if target is not None:
            session.tell_agent(agent, ReactionBody(target, content.emoji), conversation, origin_id=inbound.message_id)
            return
    if isinstance(content, Media):
        relay_media_to_agent(session, conversation, agent, content, origin_id=inbound.message_id, reply_to=quoted)
        return
    said = describe(session.texts, content)
    if isinstance(content, (Edited, Revoked)):
        # Name the message it changes: quote the agent's copy of it, and say what it said.
        copy = session.uow.outbox.copy_of(content.original_id, agent)
        quoted = copy.provider_id if copy else quoted
        said = _change(session, conversation, content) or said
    header = relay_header(session, conversation)
    # A text longer than one message goes in pieces, each under the header: split, never cut.
    for n, piece in enumerate(split(said, TEXT_LIMIT - len(header) - 1)):
        text = f"{header}\n{piece}"
        reply = quoted if n == 0 else None
        session.tell_agent(agent, text, conversation, origin_id=inbound.message_id, reply_to=reply, coalesce_key=header)


def _change(session: Session, conversation: Conversation, content: Edited | Revoked) -> str | None:
    """An edit or a deletion in words that quote the original, when the transcript has it."""
    original = next(
        (m for m in session.uow.messages.for_conversation(conversation.code) if m.id == content.original_id), None
    )
    if original is None:
        return None
    before = snippet(describe(session.texts, original.content), 60)
    if isinstance(content, Edited):
        return session.texts.edited_quoting.format(original=before, body=content.body)
    return session.texts.revoked_quoting.format(original=before)


def relay_from_agent(session: Session, agent: Agent, inbound: Inbound) -> None:
    """What the agent writes goes to the customer it addresses: the swiped one, else the active one."""
    content = inbound.content
    # A reaction names its message itself: it addresses that message's customer, like a swipe-reply;
    # an edit or a deletion names the agent's own message, whose copy went to one customer.
    reference = content.message_id if isinstance(content, Reaction) else inbound.context_id
    if isinstance(content, (Edited, Revoked)):
        copy = session.uow.outbox.copy_of(content.original_id)
        if copy is None or copy.audience is not Audience.CUSTOMER:
            return  # it never reached a customer (a command, a refused message): nothing to change
        reference = copy.provider_id
    conversation = _addressed(session, agent, reference)
    if conversation is None:
        return
    name = conversation.customer.display_name
    quoted = original_of(session, inbound.context_id)
    refused = session.texts.cannot_relay.format(code=conversation.code, name=name)
    match content:
        case Text(body=body):
            body_out: TextBody | MediaBody | LocationBody | ReactionBody = TextBody(body)
        case Media():
            body_out = MediaBody(content, caption=content.caption)
        case Location(latitude=lat, longitude=lon, name=place, address=address):
            body_out = LocationBody(lat, lon, place, address)
        case Contacts():
            body_out = TextBody(describe(session.texts, content))
        case Reaction(message_id=target, emoji=emoji):
            original = original_of(session, target)
            if original is None:
                session.tell_agent(agent, refused, conversation)
                return
            body_out = ReactionBody(original, emoji)
            quoted = None
        case Edited(body=body):
            # WhatsApp lets nobody edit the customer's copy: the correction goes as a reply to it.
            body_out = TextBody(session.texts.agent_edited.format(body=body))
            quoted = reference
        case Revoked():
            body_out = TextBody(session.texts.agent_revoked.format(agent=agent.name))
            quoted = reference
        case _:
            session.tell_agent(agent, refused, conversation)
            return
    window_open = customer_window_open(session, conversation.customer.wa_id)
    if not window_open and session.settings.customer_reopen_template is None:
        # WhatsApp would refuse it, and nothing can reach the customer: say so now, not later.
        closed = session.texts.customer_window_closed.format(code=conversation.code, name=name)
        session.tell_agent(agent, closed, conversation)
        return
    conversation.accept(session.now)
    conversation.touch(inbound.at)
    session.uow.messages.add(
        Message(inbound.message_id, conversation.code, Author.AGENT, agent.name, content, inbound.at)
    )
    # WhatsApp lets the agent write more than one Cloud API text holds: it goes in pieces, never cut.
    pieces = split(body_out.text, TEXT_LIMIT) if isinstance(body_out, TextBody) else [None]
    for n, piece in enumerate(pieces):
        relayed = session.tell_customer(
            conversation,
            body_out if piece is None else TextBody(piece),
            origin_id=inbound.message_id,
            reply_to=quoted if n == 0 else None,
        )
        if not window_open:
            wait_for_customer(session, conversation, agent.phone, relayed)


def relay_header(session: Session, conversation: Conversation) -> str:
    return session.texts.relay_header.format(first=conversation.customer.first_name, code=conversation.code)


def relay_media_to_agent(
    session: Session,
    conversation: Conversation,
    agent_phone: str,
    media: Media,
    *,
    origin_id: str,
    reply_to: str | None = None,
) -> None:
    """Media as media; the header goes in the caption where WhatsApp shows one, else just before."""
    header = relay_header(session, conversation)
    if media.kind.takes_caption:
        caption = f"{header}\n{media.caption}" if media.caption else header
        body = MediaBody(media, caption=caption)
    else:
        session.tell_agent(agent_phone, TextBody(header), conversation, origin_id=origin_id)
        body = MediaBody(media)
    session.tell_agent(agent_phone, body, conversation, origin_id=origin_id, reply_to=reply_to)


def original_of(session: Session, copy_id: str | None) -> str | None:
    """The message behind a relayed copy (the customer's, or the agent's): what a swipe-reply on
    the copy quotes and what a reaction to it lands on, on the other side."""
    if not copy_id:
        return None
    copy = session.uow.outbox.by_provider_id(copy_id)
    return copy.origin_id if copy is not None else None


def _addressed(session: Session, agent: Agent, context_id: str | None) -> Conversation | None:
    """The conversation a copy the agent replied to belongs to, else their active one; a ⚠️ if neither."""
    texts = session.texts
    if context_id:
        copy = session.uow.outbox.by_provider_id(context_id)
        if copy is not None and copy.conversation:
            conversation = session.uow.conversations.get(copy.conversation)
            if conversation is not None and conversation.served_by(agent.phone):
                return conversation
            if conversation is not None:
                gone = texts.conversation_gone.format(code=conversation.code, name=conversation.customer.display_name)
                session.tell_agent(agent, gone, conversation)
                return None
    conversation = session.uow.conversations.get(agent.active) if agent.active else None
    if conversation is not None and conversation.served_by(agent.phone):
        return conversation
    session.tell_agent(agent, texts.no_active)
    return None
