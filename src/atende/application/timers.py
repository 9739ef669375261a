"""What happens because time passes: idle conversations closed, offers that time out, reminders
to busy agents."""

from __future__ import annotations

from atende.domain.agent import Agent, PauseReason, Presence
from atende.domain.conversation import Conversation

from .dispatch import dispatch, release
from .idle import close_idle
from .session import Session
from .waiting_line import position_in_queue, waiting_summary


def tick(session: Session) -> None:
    """One pass of every timer, then a dispatch sweep as the safety net (ADR 0001)."""
    close_idle(session)
    expire_offers(session)
    dispatch(session)
    remind_busy_agents(session)


def expire_offers(session: Session) -> None:
    """An offer unanswered for `offer_timeout_seconds`: the customer keeps their place, the agent pauses."""
    timeout = session.settings.offer_timeout_seconds
    if timeout <= 0:
        return
    for conversation in session.uow.conversations.assigned():
        if not conversation.is_offer or conversation.assigned_at is None:
            continue
        if (session.now - conversation.assigned_at).total_seconds() < timeout:
            continue
        agent = session.uow.agents.get(conversation.offer_timed_out(session.now))
        assert agent is not None
        if agent.presence is Presence.AVAILABLE:
            agent.pause(PauseReason.MISSED_OFFER)
        release(session, agent, conversation)
        missed = session.texts.offer_missed.format(
            code=conversation.code, name=conversation.customer.display_name, timeout=session.wait(timeout)
        )
        session.tell_agent(agent, missed, conversation)
        position = position_in_queue(session, conversation)
        session.tell_customer(conversation, session.texts.back_in_queue.format(position=position))


def remind_busy_agents(session: Session) -> None:
    """⏳ every `queue_reminder_seconds` to checked-in agents with customers, while someone waits for them."""
    interval = session.settings.queue_reminder_seconds
    if interval <= 0:
        return
    waiting = session.uow.conversations.waiting()
    if not waiting:
        return
    loads = session.uow.conversations.loads()
    for agent in session.uow.agents.all():
        if agent.presence is not Presence.AVAILABLE or not loads[agent.phone]:
            continue
        line = [c for c in waiting if agent.serves(c.department or "")]
        if line and _reminder_due(session, agent, line, interval):
            session.tell_agent(agent, session.texts.reminder.format(parts=waiting_summary(session, line)))
            agent.reminded_at = session.now


def _reminder_due(session: Session, agent: Agent, line: list[Conversation], interval: int) -> bool:
    """Due `interval` after the later of the last reminder and the moment someone started waiting."""
    started = min(c.waiting_since or session.now for c in line)
    last = max(agent.reminded_at, started) if agent.reminded_at else started
    return (session.now - last).total_seconds() >= interval
