"""Conversations that never hang: menus, ratings and assignments nobody writes in end by time.

The rules (docs/adr/0009-idle-rules.md), each measured from the conversation's last activity
(`Conversation.active_at`: someone wrote in it, or it changed hands) and each off at 0:

- a menu unanswered for `menu_idle_hours` is forgotten, silently: the next message greets afresh;
- a rating question ignored for `rating_idle_hours` is forgotten, silently;
- an assignment silent on both sides for `assigned_idle_hours` is closed, and both are told;
  what the agent wrote that waits for the customer's answer to the template keeps waiting (held
  words are never lost, as after `/fim`): it reaches the customer, followed by the notice, if they
  ever write again, and the agent is told how much still waits;
- a queued customer is never closed by time: they keep their place until served, until they
  leave, or until an agent removes them (and is told so).

They run in the timers pass, and again when a customer writes, so that what the customer gets
depends on the clock alone, not on whether a timer pass happened to come first.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from atende.domain.conversation import Conversation, Stage
from atende.domain.repositories import IDLE_STAGES

from .dispatch import release
from .outbound import Audience
from .session import Session
from .settings import Settings
from .windows import customer_window_open

log = logging.getLogger(__name__)


def idle_limit(settings: Settings, stage: Stage) -> timedelta | None:
    """How long a conversation at this stage may stay silent; None when no rule applies."""
    hours = {
        Stage.CHOOSING: settings.menu_idle_hours,
        Stage.RATING: settings.rating_idle_hours,
        Stage.ASSIGNED: settings.assigned_idle_hours,
    }.get(stage, 0)
    return timedelta(hours=hours) if hours > 0 else None


def is_idle(session: Session, conversation: Conversation) -> bool:
    """Silent for longer than its stage allows (strictly: the timers' query asks the same)."""
    limit = idle_limit(session.settings, conversation.stage)
    return limit is not None and conversation.last_active < session.now - limit


def close_idle(session: Session) -> int:
    """The timers' pass: every conversation past its idle limit ends; returns how many."""
    limits = [limit for stage in IDLE_STAGES if (limit := idle_limit(session.settings, stage))]
    if not limits:
        return 0
    ended = 0
    for conversation in session.uow.conversations.quiet(session.now - min(limits)):
        if is_idle(session, conversation):
            expire(session, conversation)
            ended += 1
    return ended


def expire(session: Session, conversation: Conversation) -> None:
    """End one idle conversation the way its stage's rule says (the caller dispatches after)."""
    match conversation.stage:
        case Stage.CHOOSING:
            conversation.close_idle(session.now)
        case Stage.RATING:
            conversation.skip_rating()
        case Stage.ASSIGNED:
            _close_assignment(session, conversation)
        case _:
            raise AssertionError(f"no idle rule for a {conversation.stage} conversation")


def _close_assignment(session: Session, conversation: Conversation) -> None:
    """Both sides told: the customer now or, if their window has closed, when they next write."""
    texts, hours = session.texts, session.settings.assigned_idle_hours
    agent = session.uow.agents.get(conversation.agent) if conversation.agent else None
    waiting = _held_words(session, conversation)
    conversation.close_idle(session.now)
    reachable = customer_window_open(session, conversation.customer.wa_id)
    session.tell_customer(conversation, texts.idle_closed.format(hours=hours), hold_if_closed=True)
    log.info(
        "#%s closed after %d h without messages%s%s",
        conversation.code,
        hours,
        "" if reachable else "; the customer's window is closed, the notice waits for their next message",
        f"; {waiting} message(s) of the agent still wait for the customer to write" if waiting else "",
    )
    if agent is None:
        return
    release(session, agent, conversation)
    notice = texts.idle_closed_done.format(
        code=conversation.code,
        name=conversation.customer.display_name,
        hours=hours,
        customer=texts.idle_customer_told if reachable else texts.idle_customer_later,
        held=texts.idle_held_waiting.format(count=waiting) if waiting else "",
    )
    active = session.uow.conversations.get(agent.active) if agent.active else None
    if active is not None:
        notice += texts.now_active.format(first=active.customer.first_name, code=active.code)
    session.tell_agent(agent, notice, conversation)


def _held_words(session: Session, conversation: Conversation) -> int:
    """How many of the agent's words wait behind the customer template (they go on waiting)."""
    return sum(
        1
        for message in session.uow.outbox.held_for(conversation.customer.wa_id)
        if message.conversation == conversation.code and message.audience is Audience.CUSTOMER
    )
