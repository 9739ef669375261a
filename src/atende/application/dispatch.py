"""Immediate dispatch: the moment a customer and a free agent can meet, they do (ADR 0001)."""

from __future__ import annotations

from statistics import fmean

from atende.domain.agent import Agent
from atende.domain.content import Media
from atende.domain.conversation import Conversation
from atende.domain.message import Author
from atende.domain.routing import plan_assignments

from .outbound import MediaBody, TextBody
from .session import Session
from .texts.formatting import describe, phone, snippet

RECENT_WAITS = 20
"""How many recent assignments the wait estimate averages over."""

MEDIA_ON_ASSIGNMENT = 5
"""At most this many pieces of media written while waiting are re-sent with the 🔔."""


def dispatch(session: Session) -> None:
    """Assign every waiting customer for whom an agent of their department has a free slot."""
    agents = session.uow.agents.all()
    loads = session.loads()
    if not any(agent.can_take(loads[agent.phone]) for agent in agents):
        return  # the usual case under load: nobody free, so the waiting line need not be read
    waiting = session.uow.conversations.waiting()
    for conversation, agent in plan_assignments(waiting, agents, loads, session.now):
        hand_over(session, conversation, agent)


def hand_over(session: Session, conversation: Conversation, agent: Agent) -> None:
    """Offer the conversation to the agent: 🔔 to them, a word to the customer."""
    conversation.assign(agent.phone, session.now)
    agent.receive(conversation.code, session.now)
    announce(session, conversation, agent)
    session.tell_customer(conversation, session.texts.being_served.format(agent=agent.name))


def release(session: Session, agent: Agent, conversation: Conversation) -> None:
    """The conversation left the agent (ended, transferred, timed out): their oldest other one becomes active."""
    remaining = [c.code for c in session.uow.conversations.assigned_to(agent.phone)]
    agent.let_go(conversation.code, remaining, session.now)


def announce(session: Session, conversation: Conversation, agent: Agent) -> None:
    texts = session.texts
    customer = conversation.customer
    lines = [
        texts.assignment.format(
            code=conversation.code,
            first=customer.first_name,
            department=session.department_name(conversation.department),
            who=" · ".join(part for part in (customer.name, phone(customer.wa_id)) if part),
            wait=session.wait(conversation.waited(session.now)),
        )
    ]
    if conversation.transferred_from:
        lines.append(
            texts.assignment_transfer.format(
                department=session.department_name(conversation.transferred_from),
                agent=session.settings.agent_name(conversation.transferred_by),
            )
        )
    transcript = session.uow.messages.for_conversation(conversation.code, session.settings.history_lines)
    if transcript:
        lines.append(texts.assignment_wrote)
        for message in transcript:
            said = snippet(describe(texts, message.content), 200)
            who = "›" if message.author is Author.CUSTOMER else f"{message.author_name}:"
            lines.append(f"{who} {said}")
    hint = texts.assignment_active_hint if agent.active == conversation.code else texts.assignment_background_hint
    lines.append(hint.format(first=customer.first_name, code=conversation.code))
    session.tell_agent(agent, "\n".join(lines), conversation)
    media = [m for m in transcript if m.author is Author.CUSTOMER and isinstance(m.content, Media)]
    for message in media[-MEDIA_ON_ASSIGNMENT:]:
        assert isinstance(message.content, Media)
        relay_media_to_agent(session, conversation, agent.phone, message.content, origin_id=message.id)


def original_of(session: Session, copy_id: str | None) -> str | None:
    """The message behind a relayed copy (the customer's, or the agent's): what a swipe-reply on
    the copy quotes and what a reaction to it lands on, on the other side."""
    if not copy_id:
        return None
    copy = session.uow.outbox.by_provider_id(copy_id)
    return copy.origin_id if copy is not None else None


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


def position_in_queue(session: Session, conversation: Conversation) -> int:
    line = session.uow.conversations.waiting(conversation.department)
    return next((i for i, c in enumerate(line, 1) if c.code == conversation.code), len(line))


def estimated_wait(session: Session, department: str) -> float | None:
    """A moving average of the latest waits in the department; None until there are any."""
    waits = session.uow.events.recent_waits(department, RECENT_WAITS)
    return fmean(waits) if waits else None


def queue_status(session: Session, conversation: Conversation) -> dict[str, str | int]:
    """Fields for the customer's position messages: department, position and estimate."""
    assert conversation.department is not None
    estimate = estimated_wait(session, conversation.department)
    return {
        "department": session.department_name(conversation.department),
        "position": position_in_queue(session, conversation),
        "estimate": session.texts.estimate.format(wait=session.wait(estimate)) if estimate else "",
    }


def waiting_summary(session: Session, line: list[Conversation]) -> str:
    """`2 aguardando em Financeiro (mais antigo: 4 min)`, one part per department."""
    parts = []
    for key in dict.fromkeys(c.department for c in line):
        mine = [c for c in line if c.department == key]
        oldest = max(c.waited(session.now) for c in mine)
        parts.append(
            session.texts.reminder_part.format(
                count=len(mine), department=session.department_name(key), oldest=session.wait(oldest)
            )
        )
    return " · ".join(parts)
