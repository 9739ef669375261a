"""The agents the config file names, brought in line with what storage knows of them."""

from __future__ import annotations

from atende.domain.agent import Agent

from .dispatch import dispatch
from .session import Session
from .settings import AgentProfile


def enroll(session: Session, profile: AgentProfile) -> Agent:
    """An agent storage has not seen yet: offline until they check in."""
    agent = Agent(profile.phone, profile.name, profile.departments, profile.capacity)
    session.uow.agents.add(agent)
    return agent


def sync_roster(session: Session) -> None:
    """Names, departments and capacities from the config, then dispatch (capacity may have grown)."""
    for profile in session.settings.agents:
        agent = session.uow.agents.get(profile.phone) or enroll(session, profile)
        agent.name = profile.name
        agent.departments = profile.departments
        agent.capacity = profile.capacity
    dispatch(session)
