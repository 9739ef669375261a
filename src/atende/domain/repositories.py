"""Repository ports: how the domain's aggregates are found and kept, with no storage in sight.

Aggregates handed out by a repository are tracked by the unit of work that owns it: changes
made to them are persisted when that unit of work commits, and discarded otherwise.
"""

from __future__ import annotations

import abc
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from .agent import Agent
from .contact import Contact
from .conversation import Conversation, Stage
from .events import Event
from .message import Message
from .routing import queue_order, waiting_line

_EPOCH = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LinePart:
    """One department's share of the waiting line, as aggregates: what reminders and summaries
    need, without reading the line (issue 9: flat from 10 to 100k waiting)."""

    department: str
    count: int
    first: tuple[datetime, str]
    """The queue order key of the department's first customer: parts are told in this order."""
    earliest_wait: datetime | None
    """The earliest `waiting_since` in the department (None if no one has one)."""

    def joined(self, other: LinePart) -> LinePart:
        waits = [w for w in (self.earliest_wait, other.earliest_wait) if w is not None]
        return LinePart(
            self.department, self.count + other.count, min(self.first, other.first), min(waits, default=None)
        )


IDLE_STAGES = frozenset({Stage.CHOOSING, Stage.ASSIGNED, Stage.RATING})
"""Where a conversation can hang on nobody's answer; a queued customer waits for the business."""


class ConversationRepository(abc.ABC):
    def __init__(self) -> None:
        self.seen: dict[str, Conversation] = {}
        self._loaded: set[str] = set()
        """Whole sets already read in this unit of work ("waiting", "assigned").

        Storage does not change under a unit of work (one SQLite write transaction, one
        PostgreSQL snapshot), and every match is then tracked in `seen`: asking again needs no
        query — a timer pass used to read the assigned set three times and the line twice.
        """

    def add(self, conversation: Conversation) -> None:
        self._add(conversation)
        self.seen[conversation.code] = conversation

    def get(self, code: str) -> Conversation | None:
        if code in self.seen:
            return self.seen[code]
        return self._track(self._get(code))

    def open_for(self, wa_id: str) -> Conversation | None:
        """The customer's conversation that has not closed yet, if any."""
        stored = self._open_for(wa_id)
        found = self._merge([stored] if stored else [])
        return next((c for c in found if c.is_open and c.customer.wa_id == wa_id), None)

    def waiting(self, department: str | None = None) -> list[Conversation]:
        """Customers in the queue (of one department, or all), in queue order."""
        found = self._merge(self._once("waiting", department, self._waiting))
        return waiting_line(c for c in found if department in (None, c.department))

    def ahead_of(self, conversation: Conversation) -> int:
        """How many wait in her department ahead of her in queue order (her place is this + 1).

        Counted in storage for those this unit of work has not touched, and on the live objects
        for those it has, so the answer is the one `waiting()` would give.
        """
        department = conversation.department
        assert department is not None and conversation.queued_at is not None
        key = queue_order(conversation)
        live = [c for c in self.seen.values() if c.stage is Stage.QUEUED and c.department == department]
        mine = sum(1 for c in live if queue_order(c) < key)
        if "waiting" in self._loaded:
            return mine
        return mine + self._count_ahead(department, key, set(self.seen))

    def line_parts(self) -> list[LinePart]:
        """Per department: how many wait, who is first, the earliest wait; in queue order of the
        departments' first customers (the order `waiting()` would name them in)."""
        untouched = () if "waiting" in self._loaded else self._line_parts(set(self.seen))
        parts = {p.department: p for p in untouched}
        for c in self.seen.values():
            if c.stage is not Stage.QUEUED or c.department is None:
                continue
            part = LinePart(c.department, 1, queue_order(c), c.waiting_since)
            parts[c.department] = parts[c.department].joined(part) if c.department in parts else part
        return sorted(parts.values(), key=lambda p: p.first)

    def assigned_to(self, agent: str) -> list[Conversation]:
        """The agent's conversations in progress, oldest assignment first (only hers are read)."""
        found = self._merge(self._once("assigned", agent, self._assigned))
        return _by_assignment(c for c in found if c.stage is Stage.ASSIGNED and c.agent == agent)

    def loads(self) -> Counter[str]:
        """Conversations in progress per agent phone: what capacity is measured against.

        Counted in storage for those this unit of work has not touched, and on the live objects
        for those it has (as `ahead_of`): dispatch asks on every move, and reading 2,000
        assigned conversations to count them made every later flush compare them all.
        """
        live = Counter(c.agent for c in self.seen.values() if c.stage is Stage.ASSIGNED and c.agent)
        if "assigned" in self._loaded:
            return live
        return Counter(self._loads(set(self.seen))) + live

    def assigned(self) -> list[Conversation]:
        """Every conversation with an agent, oldest assignment first."""
        found = self._merge(self._once("assigned", None, self._assigned))
        return _by_assignment(c for c in found if c.stage is Stage.ASSIGNED)

    def quiet(self, before: datetime) -> list[Conversation]:
        """Menus, assignments and rating questions in which nothing happened since `before`, the
        quietest first: what the idle rules look at (never the queue, whose customers wait)."""
        found = self._merge(self._quiet(before))
        return sorted(
            (c for c in found if c.stage in IDLE_STAGES and c.last_active < before),
            key=lambda c: (c.last_active, c.code),
        )

    def _once(
        self,
        name: str,
        part: str | None,
        query: Callable[[str | None], Sequence[Conversation]],
    ) -> Sequence[Conversation]:
        """Query storage unless the whole set was read already; a part (a department's line, an
        agent's conversations) never counts as whole."""
        if name in self._loaded:
            return ()
        if part is None:
            self._loaded.add(name)
        return query(part)

    def _merge(self, stored: Iterable[Conversation]) -> list[Conversation]:
        """Stored matches plus what this unit of work changed but has not written yet.

        Queries run against storage, which does not see uncommitted changes: merging the
        tracked objects in (and letting callers filter on live state) keeps answers true.
        """
        for conversation in stored:
            self.seen.setdefault(conversation.code, conversation)
        return list(self.seen.values())

    def _track(self, conversation: Conversation | None) -> Conversation | None:
        return None if conversation is None else self.seen.setdefault(conversation.code, conversation)

    @abc.abstractmethod
    def code_taken(self, code: str) -> bool: ...

    @abc.abstractmethod
    def recent(self, limit: int) -> Sequence[Conversation]:
        """The latest conversations, newest first, for ops views (not tracked)."""

    @abc.abstractmethod
    def _add(self, conversation: Conversation) -> None: ...

    @abc.abstractmethod
    def _get(self, code: str) -> Conversation | None: ...

    @abc.abstractmethod
    def _open_for(self, wa_id: str) -> Conversation | None: ...

    @abc.abstractmethod
    def _waiting(self, department: str | None) -> Sequence[Conversation]: ...

    @abc.abstractmethod
    def _assigned(self, agent: str | None) -> Sequence[Conversation]:
        """Stored conversations in progress (of one agent, or all)."""

    @abc.abstractmethod
    def _loads(self, excluding: Collection[str]) -> Mapping[str, int]:
        """Stored conversations in progress per agent, but for the codes `excluding`."""

    @abc.abstractmethod
    def _count_ahead(self, department: str, key: tuple[datetime, str], excluding: Collection[str]) -> int:
        """Stored queued conversations of `department` before `key` in queue order, but for `excluding`."""

    @abc.abstractmethod
    def _line_parts(self, excluding: Collection[str]) -> Sequence[LinePart]:
        """The stored line's parts per department (in any order), but for the codes `excluding`."""

    @abc.abstractmethod
    def _quiet(self, before: datetime) -> Sequence[Conversation]:
        """Stored conversations in one of `IDLE_STAGES` whose `active_at` is before `before`."""


def _by_assignment(conversations: Iterable[Conversation]) -> list[Conversation]:
    return sorted(conversations, key=lambda c: (c.assigned_at or _EPOCH, c.code))


class AgentRepository(abc.ABC):
    def __init__(self) -> None:
        self.seen: dict[str, Agent] = {}

    def add(self, agent: Agent) -> None:
        self._add(agent)
        self.seen[agent.phone] = agent

    def get(self, phone: str) -> Agent | None:
        if phone in self.seen:
            return self.seen[phone]
        agent = self._get(phone)
        return None if agent is None else self.seen.setdefault(agent.phone, agent)

    def all(self) -> list[Agent]:
        return [self.seen.setdefault(a.phone, a) for a in self._all()]

    @abc.abstractmethod
    def _add(self, agent: Agent) -> None: ...

    @abc.abstractmethod
    def _get(self, phone: str) -> Agent | None: ...

    @abc.abstractmethod
    def _all(self) -> Sequence[Agent]: ...


class ContactRepository(abc.ABC):
    """Contacts by key, and by what WhatsApp calls them now (a phone number or a BSUID).

    Lookups run on the tracked contacts merged with storage, like the conversations': a
    number handed from one contact to another in this unit of work is found where it is now.
    """

    def __init__(self) -> None:
        self.seen: dict[str, Contact] = {}
        self._asked: set[str] = set()
        """Ids already looked up in storage in this unit of work: storage does not change under
        it, and every match is tracked, so asking again needs no query."""

    def add(self, contact: Contact) -> None:
        self._add(contact)
        self.seen[contact.wa_id] = contact

    def get(self, wa_id: str) -> Contact | None:
        """The person WhatsApp names `wa_id` now, else the contact keyed `wa_id` (a past name)."""
        candidates = self._merge([wa_id])
        named = next((c for c in candidates if c.names(wa_id)), None)
        return named or next((c for c in candidates if c.wa_id == wa_id), None)

    def get_or_add(self, wa_id: str) -> Contact:
        contact = self.get(wa_id)
        if contact is None:
            contact = Contact.first_seen(wa_id)
            self.add(contact)
        return contact

    def named(self, *ids: str) -> list[Contact]:
        """The contacts WhatsApp names by any of these ids now (at most one per id), in that order."""
        candidates = self._merge([i for i in ids if i])
        found: list[Contact] = []
        for wa_id in ids:
            contact = next((c for c in candidates if c.names(wa_id)), None)
            if contact is not None and contact not in found:
                found.append(contact)
        return found

    def addresses(self, keys: Collection[str]) -> dict[str, str]:
        """Where messages keyed to these people go now, for those whose address is not their key
        (a number that changed, a BSUID-first customer whose number became known)."""
        moved: dict[str, str] = {}
        if not keys:
            return moved
        self._merge(list(keys))
        for key in keys:
            contact = self.get(key)
            if contact is not None and contact.address != key:
                moved[key] = contact.address
        return moved

    def _merge(self, ids: list[str]) -> list[Contact]:
        """Stored matches plus what this unit of work changed but has not written yet."""
        new = [i for i in dict.fromkeys(ids) if i not in self._asked]
        if new:
            for contact in self._matching(new):
                self.seen.setdefault(contact.wa_id, contact)
            self._asked.update(new)
        return list(self.seen.values())

    @abc.abstractmethod
    def _add(self, contact: Contact) -> None: ...

    @abc.abstractmethod
    def _matching(self, ids: Sequence[str]) -> Sequence[Contact]:
        """Stored contacts whose key, phone or user id is one of `ids`."""


class MessageRepository(abc.ABC):
    """The transcript: append-only."""

    @abc.abstractmethod
    def add(self, message: Message) -> None: ...

    @abc.abstractmethod
    def for_conversation(self, code: str, limit: int | None = None) -> list[Message]:
        """Messages in the order they were written; with a limit, the latest ones."""


class EventLog(abc.ABC):
    """Append-only record of every step, for waits, abandonment and service level."""

    @abc.abstractmethod
    def add(self, event: Event) -> None: ...

    @abc.abstractmethod
    def for_conversation(self, code: str) -> list[Event]: ...

    @abc.abstractmethod
    def recent_waits(self, department: str, limit: int) -> list[float]:
        """Seconds waited by the latest customers assigned in the department, newest first."""

    @abc.abstractmethod
    def since(self, moment: datetime) -> list[Event]: ...
