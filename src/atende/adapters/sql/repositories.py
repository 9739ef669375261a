"""SQL repositories for the aggregates (conversations, agents, contacts), the transcript and the events.

Aggregates are tracked with a snapshot of what was loaded, so the unit of work writes only
what changed and checks the version it read. Append-only records (transcript, events) are
buffered and written at commit, as the in-memory fakes do; reads merge the buffer in wherever
the fakes do, so both behave the same to a use case.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy import Executable, Table, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from atende.domain.agent import Agent
from atende.domain.contact import Contact
from atende.domain.conversation import Conversation, Stage
from atende.domain.events import Event, PresenceChanged
from atende.domain.exceptions import ConcurrencyConflict
from atende.domain.message import Message
from atende.domain.repositories import (
    IDLE_STAGES,
    AgentRepository,
    ContactRepository,
    ConversationRepository,
    EventLog,
    LinePart,
    MessageRepository,
)

from . import codec
from . import tables as t
from .rows import (
    Values,
    agent_from_row,
    agent_to_row,
    contact_from_row,
    contact_to_row,
    conversation_from_row,
    conversation_to_row,
    event_to_row,
    message_from_row,
    message_to_row,
    presence_to_row,
)
from .statements import ConnectionSource

Aggregate = TypeVar("Aggregate", Conversation, Agent, Contact)
Written = list[tuple[Conversation | Agent | Contact, int]]
"""Aggregates written at commit, with the version they will have once it succeeds."""


class _Versioned(Generic[Aggregate]):
    """Snapshots of loaded aggregates, and the optimistic write of those that changed."""

    def __init__(
        self,
        table: Table,
        key: str,
        to_row: Callable[[Aggregate], Values],
        from_row: Callable[[Row[Any]], Aggregate],
    ) -> None:
        self.table: Table = table
        self.key: str = key
        self.to_row: Callable[[Aggregate], Values] = to_row
        self.from_row: Callable[[Row[Any]], Aggregate] = from_row
        self.loaded: dict[str, tuple[int, Values]] = {}
        self.added: list[Aggregate] = []
        self._update, self._insert = _writes(table, key)

    def load(self, row: Row[Any]) -> Aggregate:
        entity = self.from_row(row)
        # The first load wins: it is the copy the repository tracks and hands out.
        self.loaded.setdefault(getattr(row, self.key), (entity.version, self.to_row(entity)))
        return entity

    def write(self, connection: Connection, tracked: Mapping[str, Aggregate]) -> Written:
        """UPDATE what changed (checking the version read), then INSERT what is new."""
        written: Written = []
        new = {id(entity) for entity in self.added}
        for key, entity in tracked.items():
            if id(entity) in new or key not in self.loaded:
                continue
            version, before = self.loaded[key]
            after = self.to_row(entity)
            if after == before:
                continue
            try:
                result = connection.execute(
                    self._update, {**after, "version": version + 1, "b_key": key, "b_version": version}
                )
            except IntegrityError as error:  # another worker linked the same number or BSUID first
                raise ConcurrencyConflict(f"{self.table.name} {key}: {error.orig}") from error
            if result.rowcount != 1:
                raise ConcurrencyConflict(f"{self.table.name} {key} changed since version {version}")
            written.append((entity, version + 1))
        for entity in self.added:
            try:
                connection.execute(self._insert, {**self.to_row(entity), "version": entity.version + 1})
            except IntegrityError as error:
                raise ConcurrencyConflict(f"{self.table.name}: {error.orig}") from error
            written.append((entity, entity.version + 1))
        return written

    def written(self, tracked: Mapping[str, Aggregate], stored: Written) -> None:
        """After a flush: what was written is what this transaction now holds, at its new version
        (the next flush compares against it); the tracked objects stay tracked."""
        ids = {id(entity): version for entity, version in stored}
        for key, entity in tracked.items():
            if id(entity) in ids:
                self.loaded[key] = (ids[id(entity)], self.to_row(entity))
        self.added = []


# Built once: the lookups every arrival makes (a statement built per call costs more than running it).
_CONVERSATION = select(t.conversations).where(t.conversations.c.code == bindparam("b_code"))
# Written as the open-customer index's own predicate, so the index serves it.
_OPEN_FOR = select(t.conversations).where(t.conversations.c.customer_wa_id == bindparam("b_wa_id"), t.OPEN)
_CONTACTS = select(t.contacts).where(
    or_(
        t.contacts.c.wa_id.in_(bindparam("b_ids", expanding=True)),
        t.contacts.c.phone.in_(bindparam("b_ids", expanding=True)),
        t.contacts.c.user_id.in_(bindparam("b_ids", expanding=True)),
    )
)
_AGENT = select(t.agents).where(t.agents.c.phone == bindparam("b_phone"))


@cache
def _writes(table: Table, key: str) -> tuple[Executable, Executable]:
    """A table's versioned UPDATE and its INSERT, built once: building one per row costs more than running it."""
    versioned = update(table).where(table.c[key] == bindparam("b_key"), table.c.version == bindparam("b_version"))
    return versioned, insert(table)


_MOVE = insert(t.line_moves)


class SqlConversationRepository(ConversationRepository):
    def __init__(self, connection: ConnectionSource) -> None:
        super().__init__()
        self._connection = connection
        self._rows = _Versioned(t.conversations, "code", conversation_to_row, conversation_from_row)

    def code_taken(self, code: str) -> bool:
        if code in self.seen:
            return True
        return bool(self._connection().scalar(select(exists().where(t.conversations.c.code == code))))

    def recent(self, limit: int) -> Sequence[Conversation]:
        columns = t.conversations.c
        query = select(t.conversations).order_by(columns.opened_at.desc(), columns.code).limit(limit)
        return [conversation_from_row(row) for row in self._connection().execute(query)]

    def _add(self, conversation: Conversation) -> None:
        self._rows.added.append(conversation)

    def _get(self, code: str) -> Conversation | None:
        return next(iter(self._load(_CONVERSATION, {"b_code": code})), None)

    def _open_for(self, wa_id: str) -> Conversation | None:
        found = self._load(_OPEN_FOR, {"b_wa_id": wa_id})
        return max(found, key=lambda c: c.opened_at, default=None)

    def _waiting(self, department: str | None) -> Sequence[Conversation]:
        columns = t.conversations.c
        where = [columns.stage == Stage.QUEUED.value]
        if department is not None:
            where.append(columns.department == department)
        return self._select(*where, order_by=(columns.queued_at, columns.code))

    def _assigned(self, agent: str | None) -> Sequence[Conversation]:
        columns = t.conversations.c
        where = [columns.stage == Stage.ASSIGNED.value]
        if agent is not None:
            where.append(columns.agent == agent)
        return self._select(*where)

    def _loads(self, excluding: Collection[str]) -> Mapping[str, int]:
        # Counted over the index, then less the excluded rows as this unit of work holds them.
        columns = t.conversations.c
        query = select(columns.agent, func.count()).where(columns.stage == Stage.ASSIGNED.value)
        query = query.where(columns.agent.is_not(None)).group_by(columns.agent)
        loads = Counter({agent: int(count) for agent, count in self._connection().execute(query)})
        in_hand = self._held(excluding)
        loads.subtract(row["agent"] for row in in_hand if row["stage"] == Stage.ASSIGNED.value and row["agent"])
        return loads

    def _count_ahead(self, department: str, key: tuple[datetime, str], excluding: Collection[str]) -> int:
        # The line's length (its moves) less those at or behind her: a new customer is at the
        # tail, so that range of the line index is short whatever the length. Then less the
        # excluded rows ahead. Two counts rather than one OR, so each is a range of the line index.
        columns = t.conversations.c
        queued_at, code = key
        at_or_behind = (
            (columns.queued_at > queued_at,),
            (columns.queued_at == queued_at, columns.code >= code),
        )
        line = (columns.stage == Stage.QUEUED.value, columns.department == department)
        connection = self._connection()
        behind = sum(int(connection.scalar(select(func.count()).where(*line, *where)) or 0) for where in at_or_behind)
        ahead = self._lengths([department]).get(department, 0) - behind
        held = [(row["queued_at"], row["code"]) for row in self._held_in_line(excluding, department)]
        return max(0, ahead - sum(1 for found in held if found < key))

    def _lengths(self, departments: Collection[str] | None = None) -> dict[str, int]:
        """Stored line length per department (of these, or all that have one): the sum of its moves."""
        moves = t.line_moves.c
        query = select(moves.department, func.sum(moves.delta)).group_by(moves.department)
        if departments is not None:
            query = query.where(moves.department.in_(sorted(departments)))
        return {department: int(n) for department, n in self._connection().execute(query) if n}

    def _line_parts(self, excluding: Collection[str]) -> Sequence[LinePart]:
        # Lengths from the moves; the first and the earliest wait one step down an index each
        # (a single MIN per query, which SQLite reads from the index's end) — or, past the rows
        # this unit of work holds, as many steps as it holds rows there.
        parts = []
        for department, length in self._lengths().items():
            held = self._held_in_line(excluding, department)
            count = length - len(held)
            if count <= 0:
                continue
            codes = {row["code"] for row in held}
            first, earliest = self._first_and_earliest(department, codes)
            if first is None:
                continue  # the moves say someone waits, the line says nobody: the next fold recounts
            parts.append(LinePart(department, count, first, earliest))
        return parts

    def _first_and_earliest(
        self, department: str, passing: Collection[str]
    ) -> tuple[tuple[datetime, str] | None, datetime | None]:
        """The stored line's first (queue order) and earliest wait in `department`, but for `passing`."""
        columns = t.conversations.c
        line = (columns.stage == Stage.QUEUED.value, columns.department == department)
        connection = self._connection()
        if not passing:
            first_at = connection.scalar(select(func.min(columns.queued_at)).where(*line))
            if first_at is None:
                return None, None
            # The first customer's code: one step down the line index (only ties on the time are read).
            code = connection.scalar(select(func.min(columns.code)).where(*line, columns.queued_at == first_at))
            earliest = connection.scalar(select(func.min(columns.waiting_since)).where(*line))
            return (first_at, str(code)), earliest
        steps = len(passing) + 1
        in_order = select(columns.queued_at, columns.code).where(*line).order_by(columns.queued_at, columns.code)
        first = next(
            ((at, code) for at, code in connection.execute(in_order.limit(steps)) if code not in passing), None
        )
        by_wait = (
            select(columns.waiting_since, columns.code)
            .where(*line, columns.waiting_since.is_not(None))
            .order_by(columns.waiting_since)
        )
        earliest = next((at for at, code in connection.execute(by_wait.limit(steps)) if code not in passing), None)
        return first, earliest

    def _held(self, codes: Collection[str]) -> list[Values]:
        """What storage holds for these tracked codes, as this unit of work read or last wrote
        it: no query (they may be the whole line, past any statement's parameter limit)."""
        loaded = self._rows.loaded
        return [loaded[code][1] for code in codes if code in loaded]

    def _held_in_line(self, codes: Collection[str], department: str) -> list[Values]:
        return [row for row in self._held(codes) if _line_of(row) == department]

    def _quiet(self, before: datetime) -> Sequence[Conversation]:
        columns = t.conversations.c
        stages = sorted(stage.value for stage in IDLE_STAGES)
        return self._select(columns.stage.in_(stages), columns.active_at < before)

    def _select(self, *where: Any, order_by: Iterable[Any] = ()) -> list[Conversation]:
        return self._load(select(t.conversations).where(*where).order_by(*order_by))

    def _load(self, query: Executable, parameters: Mapping[str, Any] | None = None) -> list[Conversation]:
        return [self._rows.load(row) for row in self._connection().execute(query, parameters)]

    def write(self, connection: Connection) -> Written:
        moves = self._line_moves()
        written = self._rows.write(connection, self.seen)
        if moves:
            connection.execute(_MOVE, [{"department": d, "delta": n} for d, n in sorted(moves.items())])
        return written

    def _line_moves(self) -> Counter[str]:
        """Per department, customers who joined its line less those who left it, since what
        storage holds (the rows as loaded, or as last written)."""
        moves: Counter[str] = Counter()
        for code, conversation in self.seen.items():
            stored = self._rows.loaded.get(code)
            was = _line_of(stored[1]) if stored else None
            now = conversation.department if conversation.stage is Stage.QUEUED else None
            if was != now:
                if was is not None:
                    moves[was] -= 1
                if now is not None:
                    moves[now] += 1
        return Counter({department: n for department, n in moves.items() if n})

    def flushed(self, stored: Written) -> None:
        self._rows.written(self.seen, stored)


def _line_of(row: Values) -> str | None:
    """The department whose line a stored row waits in, if it waits."""
    return row["department"] if row["stage"] == Stage.QUEUED.value else None


class SqlContactRepository(ContactRepository):
    """Windows race like agents do (two messages from one person at once): versioned the same way."""

    def __init__(self, connection: ConnectionSource) -> None:
        super().__init__()
        self._connection = connection
        self._rows = _Versioned(t.contacts, "wa_id", contact_to_row, contact_from_row)

    def _add(self, contact: Contact) -> None:
        self._rows.added.append(contact)

    def _matching(self, ids: Sequence[str]) -> Sequence[Contact]:
        return [self._rows.load(row) for row in self._connection().execute(_CONTACTS, {"b_ids": list(ids)})]

    def write(self, connection: Connection) -> Written:
        """Contacts that give up a number or a BSUID are written first: the one taking it over
        would otherwise break the unique constraint for the length of a statement."""
        return self._rows.write(connection, dict(sorted(self.seen.items(), key=lambda item: not self._releases(item))))

    def flushed(self, stored: Written) -> None:
        self._rows.written(self.seen, stored)

    def _releases(self, item: tuple[str, Contact]) -> bool:
        key, contact = item
        before = self._rows.loaded.get(key)
        if before is None:
            return False
        after = contact_to_row(contact)
        return any(before[1].get(name) and after[name] != before[1][name] for name in ("phone", "user_id"))


class SqlAgentRepository(AgentRepository):
    def __init__(self, connection: ConnectionSource) -> None:
        super().__init__()
        self._connection = connection
        self._rows = _Versioned(t.agents, "phone", agent_to_row, agent_from_row)

    def _add(self, agent: Agent) -> None:
        self._rows.added.append(agent)

    def _get(self, phone: str) -> Agent | None:
        row = self._connection().execute(_AGENT, {"b_phone": phone}).first()
        return None if row is None else self._rows.load(row)

    def _all(self) -> Sequence[Agent]:
        return self._select()

    def _select(self, *where: Any) -> list[Agent]:
        query = select(t.agents).where(*where).order_by(t.agents.c.phone)
        return [self._rows.load(row) for row in self._connection().execute(query)]

    def write(self, connection: Connection) -> Written:
        return self._rows.write(connection, self.seen)

    def flushed(self, stored: Written) -> None:
        self._rows.written(self.seen, stored)


# -- append-only records -----------------------------------------------------------------------


class SqlMessageRepository(MessageRepository):
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection
        self.added: list[Message] = []

    def add(self, message: Message) -> None:
        self.added.append(message)

    def for_conversation(self, code: str, limit: int | None = None) -> list[Message]:
        columns = t.messages.c
        query = select(t.messages).where(columns.conversation == code).order_by(columns.seq.desc())
        if limit:
            query = query.limit(limit)
        stored = [message_from_row(row) for row in self._connection().execute(query)][::-1]
        mine = [*stored, *(m for m in self.added if m.conversation == code)]
        return mine[-limit:] if limit else mine

    def write(self, connection: Connection) -> None:
        if self.added:
            connection.execute(insert(t.messages), [message_to_row(m) for m in self.added])


class SqlEventLog(EventLog):
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection
        self.added: list[Event] = []

    def add(self, event: Event) -> None:
        self.added.append(event)

    def for_conversation(self, code: str) -> list[Event]:
        stored = self._select(t.events.c.code == code)
        return [*stored, *(e for e in self.added if e.code == code)]

    def recent_waits(self, department: str, limit: int) -> list[float]:
        columns = t.events.c
        query = (
            select(columns.data)
            .where(columns.kind == "assigned", columns.department == department)
            .order_by(columns.seq.desc())
            .limit(limit)
        )
        return [float(data["waited_seconds"]) for data in self._connection().scalars(query)]

    def since(self, moment: datetime) -> list[Event]:
        return self._select(t.events.c.at >= moment)

    def _select(self, *where: Any) -> list[Event]:
        query = select(t.events.c.data).where(*where).order_by(t.events.c.seq)
        return [codec.event_from_dict(data) for data in self._connection().scalars(query)]

    def write(self, connection: Connection) -> None:
        """Conversations' steps go to `events`; agents' presence changes to `presence`."""
        changes = [e for e in self.added if isinstance(e, PresenceChanged)]
        steps = [e for e in self.added if not isinstance(e, PresenceChanged)]
        if steps:
            connection.execute(insert(t.events), [event_to_row(e) for e in steps])
        if changes:
            connection.execute(insert(t.presence), [presence_to_row(c) for c in changes])
