"""What happens because time passes: idle conversations closed, offers that time out, reminders
to busy agents."""

from __future__ import annotations

from atende.domain.agent import Agent, PauseReason, Presence
from atende.domain.conversation import Conversation
from atende.domain.repositories import LinePart
from atende.domain.routing import offer_lapses

from .dispatch import dispatch, release
from .idle import close_idle
from .session import Session
from .waiting_line import line_for, position_in_queue, waiting_summary


def tick(session: Session) -> None:
    """One pass of every timer, then a dispatch sweep as the safety net (ADR 0001)."""
    close_idle(session)
    review_offers(session)
    dispatch(session)
    remind_busy_agents(session)


def review_offers(session: Session) -> None:
    """Offers unanswered for `offer_timeout_seconds`: a silent agent's go back to the queue and she
    is paused; a working agent keeps hers and is reminded who waits for her (ADR 0001)."""
    timeout = session.settings.offer_timeout_seconds
    if timeout <= 0:
        return
    lapsed: list[Conversation] = []
    for offer in session.uow.conversations.assigned():
        if not offer.offer_due(session.now, timeout):
            continue
        agent = session.uow.agents.get(offer.agent or "")
        assert agent is not None
        if offer_lapses(offer, agent):
            take_back(session, agent, offer)
            lapsed.append(offer)
        else:
            keep_waiting(session, agent, offer)
    # Only once every lapsed customer is back in line is a place worth telling: told inside the
    # loop, the first ones would count a line the later ones had not yet rejoined.
    for conversation in lapsed:
        position = position_in_queue(session, conversation)
        session.tell_customer(conversation, session.texts.back_in_queue.format(position=position))


def take_back(session: Session, agent: Agent, offer: Conversation) -> None:
    """The customer returns to the queue keeping their place; the silent agent is paused and told why."""
    offer.offer_timed_out(session.now)
    if agent.presence is Presence.AVAILABLE:
        agent.pause(session.now, PauseReason.MISSED_OFFER)
    release(session, agent, offer)
    missed = session.texts.offer_missed.format(
        code=offer.code,
        name=offer.customer.display_name,
        timeout=session.wait(session.settings.offer_timeout_seconds),
    )
    session.tell_agent(agent, missed, offer)


def keep_waiting(session: Session, agent: Agent, offer: Conversation) -> None:
    """⏳ naming the customer who waits; a swipe-reply on it answers them (it carries their code)."""
    assert offer.assigned_at is not None
    offer.offer_waits(session.now)
    reminder = session.texts.offer_waiting.format(
        code=offer.code,
        name=offer.customer.display_name,
        wait=session.wait((session.now - offer.assigned_at).total_seconds()),
    )
    session.tell_agent(agent, reminder, offer)


def remind_busy_agents(session: Session) -> None:
    """⏳ every `queue_reminder_seconds` to checked-in agents with customers, while someone waits for them."""
    interval = session.settings.queue_reminder_seconds
    if interval <= 0:
        return
    loads = session.uow.conversations.loads()
    busy = [a for a in session.uow.agents.all() if a.presence is Presence.AVAILABLE and loads[a.phone]]
    if not busy:
        return
    # Aggregates per department, read once for every agent: the line itself is never loaded.
    waiting = line_for(session, {d for a in busy for d in a.departments})
    for agent in busy:
        line = [p for p in waiting if agent.serves(p.department)]
        if line and _reminder_due(session, agent, line, interval):
            session.tell_agent(agent, session.texts.reminder.format(parts=waiting_summary(session, line)))
            agent.reminded_at = session.now


def _reminder_due(session: Session, agent: Agent, line: list[LinePart], interval: int) -> bool:
    """Due `interval` after the later of the last reminder and the moment someone started waiting."""
    started = min(p.earliest_wait or session.now for p in line)
    last = max(agent.reminded_at, started) if agent.reminded_at else started
    return (session.now - last).total_seconds() >= interval
