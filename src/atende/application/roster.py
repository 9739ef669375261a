"""The agents the config file names, brought in line with what storage knows of them."""

from __future__ import annotations

from atende.domain.agent import Agent
from atende.domain.conversation import Conversation, Stage

from .dispatch import dispatch, release
from .session import Session
from .settings import AgentProfile


def enroll(session: Session, profile: AgentProfile) -> Agent:
    """An agent storage has not seen yet: offline until they check in."""
    agent = Agent(profile.phone, profile.name, profile.departments, profile.capacity)
    session.uow.agents.add(agent)
    return agent


def sync_roster(session: Session) -> None:
    """Names, departments and capacities from the config, then dispatch (capacity may have grown).

    A number the config now lists as an agent's that is also a customer with an open
    conversation: that conversation is closed politely first (docs/adr/0007).
    """
    for profile in session.settings.agents:
        for conversation in _as_customer(session, profile):
            close_for_agent_number(session, conversation)
        agent = session.uow.agents.get(profile.phone) or enroll(session, profile)
        agent.name = profile.name
        agent.departments = profile.departments
        agent.capacity = profile.capacity
    dispatch(session)


def _as_customer(session: Session, profile: AgentProfile) -> list[Conversation]:
    """The agent's open conversations as a customer, under any name WhatsApp gave them."""
    ids = [profile.phone, profile.user_id]
    keys = dict.fromkeys([*ids, *(c.wa_id for c in session.uow.contacts.named(*ids))])
    found = (session.uow.conversations.open_for(key) for key in keys if key)
    return [c for c in found if c is not None]


def close_for_agent_number(session: Session, conversation: Conversation) -> None:
    """Closed with a word to the person (now an agent) and to the agent who was serving them."""
    serving = (
        session.uow.agents.get(conversation.agent)
        if conversation.stage is Stage.ASSIGNED and conversation.agent
        else None
    )
    conversation.close_for_agent_number(session.now)
    texts = session.texts
    session.tell_customer(conversation, texts.became_agent.format(business=session.settings.business_name))
    if serving is not None:
        release(session, serving, conversation)
        done = texts.became_agent_done.format(code=conversation.code, name=conversation.customer.display_name)
        session.tell_agent(serving, done, conversation)
