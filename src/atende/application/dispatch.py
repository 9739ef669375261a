"""Immediate dispatch: the moment a customer and a free agent can meet, they do (ADR 0001)."""

from __future__ import annotations

from atende.domain.agent import Agent
from atende.domain.conversation import Conversation
from atende.domain.routing import plan_assignments

from .relay import announce
from .session import Session


def dispatch(session: Session) -> None:
    """Assign every waiting customer for whom an agent of their department has a free slot."""
    agents = session.uow.agents.all()
    loads = session.uow.conversations.loads()
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
