"""What happens because time passes: offers that time out and reminders to busy agents."""

from __future__ import annotations

from atende.domain.agent import Agent, PauseReason, Presence
from atende.domain.conversation import Conversation

from .context import Context
from .dispatch import dispatch, position_in_queue, release, waiting_summary


def tick(ctx: Context) -> None:
    """One pass of every timer, then a dispatch sweep as the safety net (ADR 0001)."""
    expire_offers(ctx)
    dispatch(ctx)
    remind_busy_agents(ctx)


def expire_offers(ctx: Context) -> None:
    """An offer unanswered for `offer_timeout_seconds`: the customer keeps their place, the agent pauses."""
    timeout = ctx.settings.offer_timeout_seconds
    if timeout <= 0:
        return
    for conversation in ctx.uow.conversations.assigned():
        if not conversation.is_offer or conversation.assigned_at is None:
            continue
        if (ctx.now - conversation.assigned_at).total_seconds() < timeout:
            continue
        agent = ctx.uow.agents.get(conversation.offer_timed_out(ctx.now))
        assert agent is not None
        if agent.presence is Presence.AVAILABLE:
            agent.pause(PauseReason.MISSED_OFFER)
        release(ctx, agent, conversation)
        missed = ctx.texts.offer_missed.format(
            code=conversation.code, name=conversation.customer.display_name, timeout=ctx.wait(timeout)
        )
        ctx.tell_agent(agent, missed, conversation)
        position = position_in_queue(ctx, conversation)
        ctx.tell_customer(conversation, ctx.texts.back_in_queue.format(position=position))


def remind_busy_agents(ctx: Context) -> None:
    """⏳ every `queue_reminder_seconds` to checked-in agents with customers, while someone waits for them."""
    interval = ctx.settings.queue_reminder_seconds
    if interval <= 0:
        return
    waiting = ctx.uow.conversations.waiting()
    if not waiting:
        return
    loads = ctx.loads()
    for agent in ctx.uow.agents.all():
        if agent.presence is not Presence.AVAILABLE or not loads[agent.phone]:
            continue
        line = [c for c in waiting if agent.serves(c.department or "")]
        if line and _reminder_due(ctx, agent, line, interval):
            ctx.tell_agent(agent, ctx.texts.reminder.format(parts=waiting_summary(ctx, line)))
            agent.reminded_at = ctx.now


def _reminder_due(ctx: Context, agent: Agent, line: list[Conversation], interval: int) -> bool:
    """Due `interval` after the later of the last reminder and the moment someone started waiting."""
    started = min(c.waiting_since or ctx.now for c in line)
    last = max(agent.reminded_at, started) if agent.reminded_at else started
    return (ctx.now - last).total_seconds() >= interval
