"""Immediate dispatch: the moment a customer and a free agent can meet, they do (ADR 0001)."""

from __future__ import annotations

from statistics import fmean

from atende.domain.agent import Agent
from atende.domain.content import Media
from atende.domain.conversation import Conversation
from atende.domain.message import Author
from atende.domain.routing import plan_assignments

from .context import Context
from .outbound import MediaBody, TextBody
from .wording import describe, phone, snippet

RECENT_WAITS = 20
"""How many recent assignments the wait estimate averages over."""

MEDIA_ON_ASSIGNMENT = 5
"""At most this many pieces of media written while waiting are re-sent with the 🔔."""


def dispatch(ctx: Context) -> None:
    """Assign every waiting customer for whom an agent of their department has a free slot."""
    agents = ctx.uow.agents.all()
    loads = ctx.loads()
    if not any(agent.can_take(loads[agent.phone]) for agent in agents):
        return  # the usual case under load: nobody free, so the waiting line need not be read
    waiting = ctx.uow.conversations.waiting()
    for conversation, agent in plan_assignments(waiting, agents, loads, ctx.now):
        hand_over(ctx, conversation, agent)


def hand_over(ctx: Context, conversation: Conversation, agent: Agent) -> None:
    """Offer the conversation to the agent: 🔔 to them, a word to the customer."""
    conversation.assign(agent.phone, ctx.now)
    agent.receive(conversation.code, ctx.now)
    announce(ctx, conversation, agent)
    ctx.tell_customer(conversation, ctx.texts.being_served.format(agent=agent.name))


def release(ctx: Context, agent: Agent, conversation: Conversation) -> None:
    """The conversation left the agent (ended, transferred, timed out): their oldest other one becomes active."""
    remaining = [c.code for c in ctx.uow.conversations.assigned_to(agent.phone)]
    agent.let_go(conversation.code, remaining, ctx.now)


def announce(ctx: Context, conversation: Conversation, agent: Agent) -> None:
    texts = ctx.texts
    customer = conversation.customer
    lines = [
        texts.assignment.format(
            code=conversation.code,
            first=customer.first_name,
            department=ctx.department_name(conversation.department),
            who=" · ".join(part for part in (customer.name, phone(customer.wa_id)) if part),
            wait=ctx.wait(conversation.waited(ctx.now)),
        )
    ]
    if conversation.transferred_from:
        lines.append(
            texts.assignment_transfer.format(
                department=ctx.department_name(conversation.transferred_from),
                agent=ctx.settings.agent_name(conversation.transferred_by),
            )
        )
    transcript = ctx.uow.messages.for_conversation(conversation.code, ctx.settings.history_lines)
    if transcript:
        lines.append(texts.assignment_wrote)
        for message in transcript:
            said = snippet(describe(texts, message.content), 200)
            who = "›" if message.author is Author.CUSTOMER else f"{message.author_name}:"
            lines.append(f"{who} {said}")
    hint = texts.assignment_active_hint if agent.active == conversation.code else texts.assignment_background_hint
    lines.append(hint.format(first=customer.first_name, code=conversation.code))
    ctx.tell_agent(agent, "\n".join(lines), conversation)
    media = [m for m in transcript if m.author is Author.CUSTOMER and isinstance(m.content, Media)]
    for message in media[-MEDIA_ON_ASSIGNMENT:]:
        assert isinstance(message.content, Media)
        relay_media_to_agent(ctx, conversation, agent.phone, message.content, origin_id=message.id)


def original_of(ctx: Context, copy_id: str | None) -> str | None:
    """The message behind a relayed copy (the customer's, or the agent's): what a swipe-reply on
    the copy quotes and what a reaction to it lands on, on the other side."""
    if not copy_id:
        return None
    copy = ctx.uow.outbox.by_provider_id(copy_id)
    return copy.origin_id if copy is not None else None


def relay_header(ctx: Context, conversation: Conversation) -> str:
    return ctx.texts.relay_header.format(first=conversation.customer.first_name, code=conversation.code)


def relay_media_to_agent(
    ctx: Context,
    conversation: Conversation,
    agent_phone: str,
    media: Media,
    *,
    origin_id: str,
    reply_to: str | None = None,
) -> None:
    """Media as media; the header goes in the caption where WhatsApp shows one, else just before."""
    header = relay_header(ctx, conversation)
    if media.kind.takes_caption:
        caption = f"{header}\n{media.caption}" if media.caption else header
        body = MediaBody(media, caption=caption)
    else:
        ctx.tell_agent(agent_phone, TextBody(header), conversation, origin_id=origin_id)
        body = MediaBody(media)
    ctx.tell_agent(agent_phone, body, conversation, origin_id=origin_id, reply_to=reply_to)


def position_in_queue(ctx: Context, conversation: Conversation) -> int:
    line = ctx.uow.conversations.waiting(conversation.department)
    return next((i for i, c in enumerate(line, 1) if c.code == conversation.code), len(line))


def estimated_wait(ctx: Context, department: str) -> float | None:
    """A moving average of the latest waits in the department; None until there are any."""
    waits = ctx.uow.events.recent_waits(department, RECENT_WAITS)
    return fmean(waits) if waits else None


def queue_status(ctx: Context, conversation: Conversation) -> dict[str, str | int]:
    """Fields for the customer's position messages: department, position and estimate."""
    assert conversation.department is not None
    estimate = estimated_wait(ctx, conversation.department)
    return {
        "department": ctx.department_name(conversation.department),
        "position": position_in_queue(ctx, conversation),
        "estimate": ctx.texts.estimate.format(wait=ctx.wait(estimate)) if estimate else "",
    }


def waiting_summary(ctx: Context, line: list[Conversation]) -> str:
    """`2 aguardando em Financeiro (mais antigo: 4 min)`, one part per department."""
    parts = []
    for key in dict.fromkeys(c.department for c in line):
        mine = [c for c in line if c.department == key]
        oldest = max(c.waited(ctx.now) for c in mine)
        parts.append(
            ctx.texts.reminder_part.format(
                count=len(mine), department=ctx.department_name(key), oldest=ctx.wait(oldest)
            )
        )
    return " · ".join(parts)
