"""Who is who: the friendly names of a scenario bound to WhatsApp numbers.

Scenario authors think in people ("Maria", "Ana"), atende thinks in WhatsApp ids. Agents come
from the config (looked up by name, so a scenario never repeats their numbers); customers get a
number the first time they appear, unless the scenario gives one. Mistakes here (an agent the
config does not have, a window nobody owns) are found before anything is played.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass

from atende.application.settings import Settings

from .scenario import Role, Scenario, ScenarioError, Write

FIRST_CUSTOMER_PHONE = 5511980000001
"""Invented numbers for customers, in a São Paulo mobile range, counted up from here."""


@dataclass(frozen=True)
class Person:
    name: str
    """The friendly name: the window's title and how steps and expectations refer to them."""
    phone: str
    role: Role
    profile_name: str
    """The WhatsApp profile name sent with their messages."""
    user_id: str = ""
    """Their business-scoped user id (BSUID), sent with their messages; for someone with no
    phone, it is also what `phone` holds: the id their chat is known by."""


class People:
    """Everyone in a scenario, in order of appearance: customers, then the config's agents."""

    def __init__(self, people: list[Person]) -> None:
        self._by_name = {p.name: p for p in people}
        self._by_phone = {p.phone: p for p in people}

    def __getitem__(self, name: str) -> Person:
        return self._by_name[name]

    def __iter__(self) -> Iterator[Person]:
        return iter(self._by_name.values())

    def get(self, name: str) -> Person | None:
        return self._by_name.get(name)

    def by_phone(self, phone: str) -> Person | None:
        return self._by_phone.get(phone)

    def add(self, person: Person) -> None:
        """Someone new joins (a customer window opened in the simulator)."""
        if person.name in self._by_name or person.phone in self._by_phone:
            raise ValueError(f"{person.name} ({person.phone}) is already here")
        self._by_name[person.name] = person
        self._by_phone[person.phone] = person

    def remove(self, name: str) -> Person:
        person = self._by_name.pop(name)
        del self._by_phone[person.phone]
        return person

    def new_customer(self, name: str, profile_name: str | None = None) -> Person:
        """A customer with the next free invented number."""
        taken = set(self._by_phone)
        candidate = FIRST_CUSTOMER_PHONE
        while str(candidate) in taken:
            candidate += 1
        person = Person(name, str(candidate), Role.CUSTOMER, profile_name or name)
        self.add(person)
        return person

    def of_role(self, role: Role) -> list[Person]:
        return [p for p in self if p.role is role]


def people_for(scenario: Scenario, settings: Settings) -> People:
    """Bind every name in the scenario to a number; raises ScenarioError listing every mismatch."""
    problems: list[str] = []
    agents = {a.name: Person(a.name, a.phone, Role.AGENT, a.name, a.user_id) for a in settings.agents}
    agent_phones = {a.phone for a in settings.agents}
    customers: dict[str, Person] = {}
    declared: dict[str, str] = {}
    for step in scenario.steps:
        event = step.event
        if not isinstance(event, Write):
            continue
        if event.role is Role.AGENT:
            if event.who not in agents:
                problems.append(
                    f"{step.where}: no agent named {event.who!r} in the config{_suggest(event.who, agents)}"
                )
            continue
        if event.who in agents:
            problems.append(
                f"{step.where}: {event.who!r} is an agent in the config; pick another name for the customer"
            )
            continue
        known = customers.get(event.who)
        if known is None:
            profile = event.profile_name or event.who
            customers[event.who] = Person(event.who, event.phone or "", Role.CUSTOMER, profile, event.user_id or "")
            declared[event.who] = step.where
            continue
        if event.user_id and event.user_id != known.user_id:
            problems.append(f"{step.where}: {event.who} already has user_id {known.user_id!r} ({declared[event.who]})")
        if event.phone and known.phone and event.phone != known.phone:
            problems.append(f"{step.where}: {event.who} already has phone {known.phone} ({declared[event.who]})")
        if event.profile_name is not None and event.profile_name != known.profile_name:
            problems.append(
                f"{step.where}: {event.who} is already named {known.profile_name!r} ({declared[event.who]})"
            )
    phones = _assign_phones(customers, agent_phones, problems)
    people = [Person(c.name, phones[c.name], c.role, c.profile_name, c.user_id) for c in customers.values()] + list(
        agents.values()
    )
    windows = {p.name for p in people}
    for name in scenario.windows():
        if name not in windows:
            problems.append(f"expectation about window {name!r}, but nobody has that name{_suggest(name, windows)}")
    if problems:
        raise ScenarioError(scenario.source, problems)
    return People(people)


def _assign_phones(customers: dict[str, Person], agent_phones: set[str], problems: list[str]) -> dict[str, str]:
    taken = set(agent_phones)
    phones: dict[str, str] = {}
    for person in customers.values():
        if not person.phone:
            continue
        if person.phone in agent_phones:
            problems.append(f"{person.name}'s phone {person.phone} belongs to an agent in the config")
        elif person.phone in taken:
            problems.append(f"{person.name}'s phone {person.phone} is already another customer's")
        taken.add(person.phone)
        phones[person.name] = person.phone
    for person in customers.values():
        if not person.phone and person.user_id:
            phones[person.name] = person.user_id  # known only by username: the BSUID is their id
    candidate = FIRST_CUSTOMER_PHONE
    for person in customers.values():
        if person.name in phones:
            continue
        while str(candidate) in taken:
            candidate += 1
        phones[person.name] = str(candidate)
        taken.add(str(candidate))
    return phones


def _suggest(name: str, known: dict[str, Person] | set[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (known: {', '.join(sorted(known))})" if known else ""
