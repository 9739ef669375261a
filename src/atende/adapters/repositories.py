"""SQL repositories: rows ⇄ domain dataclasses by explicit mapping (data mapper), over SQLAlchemy Core.

Aggregates (conversations, agents, contacts) are tracked with a snapshot of what was loaded, so
the unit of work writes only what changed and checks the version it read. Append-only records
(transcript, events, outbox) are buffered and written at commit, as the in-memory fakes do;
reads merge the buffer in wherever the fakes do, so both behave the same to a use case.
Where the answer depends on what other processes stored (inbox, intake, leases), the statement
runs at once and the database's constraints decide.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Column, Table, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import DBAPIError, IntegrityError

from atende.application.arrivals import Arrival, Inbound
from atende.application.outbound import Audience, Delivery, Outgoing
from atende.application.ports import Inbox, Intake, Leases, Outbox
from atende.domain.agent import Agent, PauseReason, Presence
from atende.domain.contact import Contact
from atende.domain.conversation import CloseReason, Conversation, Customer, Stage
from atende.domain.events import Event
from atende.domain.exceptions import ConcurrencyConflict
from atende.domain.message import Author, Message
from atende.domain.repositories import (
    AgentRepository,
    ContactRepository,
    ConversationRepository,
    EventLog,
    MessageRepository,
)

from . import codec
from . import tables as t
from .database import lost_a_race

ConnectionSource = Callable[[], Connection]
"""Repositories ask for the connection when they first need it: no lock is taken before that."""

Values = dict[str, Any]
Aggregate = TypeVar("Aggregate", Conversation, Agent, Contact)
Written = list[tuple[Conversation | Agent | Contact, int]]
"""Aggregates written at commit, with the version they will have once it succeeds."""


# -- row ⇄ entity ------------------------------------------------------------------------------


def conversation_to_row(conversation: Conversation) -> Values:
    """Every column but `version`, which only the unit of work moves."""
    return {
        "code": conversation.code,
        "customer_wa_id": conversation.customer.wa_id,
        "customer_name": conversation.customer.name,
        "opened_at": conversation.opened_at,
        "stage": conversation.stage.value,
        "department": conversation.department,
        "queued_at": conversation.queued_at,
        "waiting_since": conversation.waiting_since,
        "agent": conversation.agent,
        "assigned_at": conversation.assigned_at,
        "accepted_at": conversation.accepted_at,
        "closed_at": conversation.closed_at,
        "close_reason": conversation.close_reason.value if conversation.close_reason else None,
        "rating": conversation.rating,
        "transferred_from": conversation.transferred_from,
        "transferred_by": conversation.transferred_by,
        "told_closed_hours": conversation.told_closed_hours,
        "position_told_at": conversation.position_told_at,
    }


def conversation_from_row(row: Row[Any]) -> Conversation:
    return Conversation(
        code=row.code,
        customer=Customer(row.customer_wa_id, row.customer_name),
        opened_at=row.opened_at,
        stage=Stage(row.stage),
        department=row.department,
        queued_at=row.queued_at,
        waiting_since=row.waiting_since,
        agent=row.agent,
        assigned_at=row.assigned_at,
        accepted_at=row.accepted_at,
        closed_at=row.closed_at,
        close_reason=CloseReason(row.close_reason) if row.close_reason else None,
        rating=row.rating,
        transferred_from=row.transferred_from,
        transferred_by=row.transferred_by,
        told_closed_hours=bool(row.told_closed_hours),
        position_told_at=row.position_told_at,
        version=row.version,
    )


def agent_to_row(agent: Agent) -> Values:
    return {
        "phone": agent.phone,
        "name": agent.name,
        "departments": list(agent.departments),
        "capacity": agent.capacity,
        "presence": agent.presence.value,
        "pause_reason": agent.pause_reason.value if agent.pause_reason else None,
        "idle_since": agent.idle_since,
        "active": agent.active,
        "reminded_at": agent.reminded_at,
    }


def agent_from_row(row: Row[Any]) -> Agent:
    return Agent(
        phone=row.phone,
        name=row.name,
        departments=tuple(row.departments),
        capacity=row.capacity,
        presence=Presence(row.presence),
        pause_reason=PauseReason(row.pause_reason) if row.pause_reason else None,
        idle_since=row.idle_since,
        active=row.active,
        reminded_at=row.reminded_at,
        version=row.version,
    )


def contact_to_row(contact: Contact) -> Values:
    return {
        "wa_id": contact.wa_id,
        "last_inbound_at": contact.last_inbound_at,
        "reopen_requested_at": contact.reopen_requested_at,
    }


def contact_from_row(row: Row[Any]) -> Contact:
    return Contact(
        wa_id=row.wa_id,
        last_inbound_at=row.last_inbound_at,
        reopen_requested_at=row.reopen_requested_at,
        version=row.version,
    )


def message_to_row(message: Message) -> Values:
    return {
        "id": message.id,
        "conversation": message.conversation,
        "author": message.author.value,
        "author_name": message.author_name,
        "content": codec.content_to_dict(message.content),
        "at": message.at,
    }


def message_from_row(row: Row[Any]) -> Message:
    return Message(
        row.id,
        row.conversation,
        Author(row.author),
        row.author_name,
        codec.content_from_dict(row.content),
        row.at,
    )


def event_to_row(event: Event) -> Values:
    data = codec.event_to_dict(event)
    return {
        "code": event.code,
        "kind": data["kind"],
        "at": event.at,
        "department": data.get("department"),
        "agent": data.get("agent"),
        "data": data,
    }


def outgoing_to_row(message: Outgoing) -> Values:
    return {
        "id": message.id,
        "recipient": message.to,
        "audience": message.audience.value,
        "body": codec.body_to_dict(message.body),
        "created_at": message.created_at,
        "conversation": message.conversation,
        "origin_id": message.origin_id,
        "reply_to": message.reply_to,
        "coalesce_key": message.coalesce_key,
        **_delivery_state(message),
    }


def _delivery_state(message: Outgoing) -> Values:
    """The columns that sends, statuses and holds change; the rest of an outbox row never does."""
    return {
        "delivery": message.delivery.value,
        "provider_id": message.provider_id,
        "attempts": message.attempts,
        "error": message.error,
        "error_code": message.error_code,
        "not_before": message.not_before,
    }


def outgoing_from_row(row: Row[Any]) -> Outgoing:
    return Outgoing(
        id=row.id,
        to=row.recipient,
        audience=Audience(row.audience),
        body=codec.body_from_dict(row.body),
        created_at=row.created_at,
        conversation=row.conversation,
        origin_id=row.origin_id,
        reply_to=row.reply_to,
        delivery=Delivery(row.delivery),
        provider_id=row.provider_id,
        attempts=row.attempts,
        error=row.error,
        error_code=row.error_code,
        not_before=row.not_before,
        coalesce_key=row.coalesce_key,
    )


def arrival_to_row(arrival: Arrival, received_at: datetime) -> Values:
    payload = codec.arrival_to_dict(arrival)
    return {
        "key": arrival.key,
        "kind": payload["kind"],
        # Whose message it is, or to whom the reported message went.
        "sender": arrival.sender if isinstance(arrival, Inbound) else arrival.recipient,
        "at": arrival.at,
        "received_at": received_at,
        "payload": payload,
    }


# -- aggregates --------------------------------------------------------------------------------


class _Versioned(Generic[Aggregate]):
    """Snapshots of loaded aggregates, and the optimistic write of those that changed."""

    def __init__(
        self,
        table: Table,
        key: str,
        to_row: Callable[[Aggregate], Values],
        from_row: Callable[[Row[Any]], Aggregate],
    ) -> None:
        self.table = table
        self.key = key
        self.to_row: Callable[[Aggregate], Values] = to_row
        self.from_row: Callable[[Row[Any]], Aggregate] = from_row
        self.loaded: dict[str, tuple[int, Values]] = {}
        self.added: list[Aggregate] = []

    def load(self, row: Row[Any]) -> Aggregate:
        entity = self.from_row(row)
        # The first load wins: it is the copy the repository tracks and hands out.
        self.loaded.setdefault(getattr(row, self.key), (entity.version, self.to_row(entity)))
        return entity

    def write(self, connection: Connection, tracked: Mapping[str, Aggregate]) -> Written:
        """UPDATE what changed (checking the version read), then INSERT what is new."""
        written: Written = []
        new = {id(entity) for entity in self.added}
        key_column = self.table.c[self.key]
        for key, entity in tracked.items():
            if id(entity) in new or key not in self.loaded:
                continue
            version, before = self.loaded[key]
            after = self.to_row(entity)
            if after == before:
                continue
            result = connection.execute(
                update(self.table)
                .where(key_column == key, self.table.c.version == version)
                .values(**after, version=version + 1)
            )
            if result.rowcount != 1:
                raise ConcurrencyConflict(f"{self.table.name} {key} changed since version {version}")
            written.append((entity, version + 1))
        for entity in self.added:
            try:
                connection.execute(insert(self.table).values(**self.to_row(entity), version=entity.version + 1))
            except IntegrityError as error:
                raise ConcurrencyConflict(f"{self.table.name}: {error.orig}") from error
            written.append((entity, entity.version + 1))
        return written


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
        return next(iter(self._select(t.conversations.c.code == code)), None)

    def _open_for(self, wa_id: str) -> Conversation | None:
        columns = t.conversations.c
        # Written as the open-customer index's own predicate, so the index serves it.
        found = self._select(columns.customer_wa_id == wa_id, t.OPEN)
        return max(found, key=lambda c: c.opened_at, default=None)

    def _waiting(self, department: str | None) -> Sequence[Conversation]:
        columns = t.conversations.c
        where = [columns.stage == Stage.QUEUED.value]
        if department is not None:
            where.append(columns.department == department)
        return self._select(*where, order_by=(columns.queued_at, columns.code))

    def _assigned(self) -> Sequence[Conversation]:
        return self._select(t.conversations.c.stage == Stage.ASSIGNED.value)

    def _select(self, *where: Any, order_by: Iterable[Any] = ()) -> list[Conversation]:
        query = select(t.conversations).where(*where).order_by(*order_by)
        return [self._rows.load(row) for row in self._connection().execute(query)]

    def write(self, connection: Connection) -> Written:
        return self._rows.write(connection, self.seen)


class SqlContactRepository(ContactRepository):
    """Windows race like agents do (two messages from one person at once): versioned the same way."""

    def __init__(self, connection: ConnectionSource) -> None:
        super().__init__()
        self._connection = connection
        self._rows = _Versioned(t.contacts, "wa_id", contact_to_row, contact_from_row)

    def _add(self, contact: Contact) -> None:
        self._rows.added.append(contact)

    def _get(self, wa_id: str) -> Contact | None:
        row = self._connection().execute(select(t.contacts).where(t.contacts.c.wa_id == wa_id)).first()
        return None if row is None else self._rows.load(row)

    def write(self, connection: Connection) -> Written:
        return self._rows.write(connection, self.seen)


class SqlAgentRepository(AgentRepository):
    def __init__(self, connection: ConnectionSource) -> None:
        super().__init__()
        self._connection = connection
        self._rows = _Versioned(t.agents, "phone", agent_to_row, agent_from_row)

    def _add(self, agent: Agent) -> None:
        self._rows.added.append(agent)

    def _get(self, phone: str) -> Agent | None:
        return next(iter(self._select(t.agents.c.phone == phone)), None)

    def _all(self) -> Sequence[Agent]:
        return self._select()

    def _select(self, *where: Any) -> list[Agent]:
        query = select(t.agents).where(*where).order_by(t.agents.c.phone)
        return [self._rows.load(row) for row in self._connection().execute(query)]

    def write(self, connection: Connection) -> Written:
        return self._rows.write(connection, self.seen)


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
        if self.added:
            connection.execute(insert(t.events), [event_to_row(e) for e in self.added])


class SqlOutbox(Outbox):
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection
        self.added: list[Outgoing] = []
        self.saved: dict[str, Outgoing] = {}

    def add(self, message: Outgoing) -> None:
        self.added.append(message)

    def pending(self, limit: int, *, skip: Collection[str] = ()) -> Sequence[Outgoing]:
        columns = t.outbox.c
        query = select(t.outbox).where(columns.delivery == Delivery.PENDING.value)
        if skip:
            query = query.where(columns.recipient.not_in(sorted(skip)))
        query = query.order_by(columns.seq).limit(limit)
        return [outgoing_from_row(row) for row in self._connection().execute(query)]

    def held_for(self, wa_id: str) -> Sequence[Outgoing]:
        columns = t.outbox.c
        query = (
            select(t.outbox)
            .where(columns.delivery == Delivery.HELD.value, columns.recipient == wa_id)
            .order_by(columns.seq)
        )
        return [outgoing_from_row(row) for row in self._connection().execute(query)]

    def save(self, message: Outgoing) -> None:
        self.saved[message.id] = message

    def by_provider_id(self, provider_id: str) -> Outgoing | None:
        query = select(t.outbox).where(t.outbox.c.provider_id == provider_id)
        row = self._connection().execute(query).first()
        return outgoing_from_row(row) if row else None

    def write(self, connection: Connection) -> None:
        if self.added:
            connection.execute(insert(t.outbox), [outgoing_to_row(m) for m in self.added])
        for message in self.saved.values():
            result = connection.execute(
                update(t.outbox).where(t.outbox.c.id == message.id).values(**_delivery_state(message))
            )
            if result.rowcount != 1:
                raise LookupError(f"outbox message {message.id} is not stored")


class SqlInbox(Inbox):
    """Written at once, not at commit: the answer depends on what the database already holds."""

    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def first_time(self, message_id: str) -> bool:
        return _insert_new(self._connection(), t.inbox, {"message_id": message_id}, t.inbox.c.message_id)


class SqlIntake(Intake):
    """Stored at once, not at commit, like the inbox: the unique key drops re-deliveries."""

    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def add(self, arrival: Arrival, received_at: datetime) -> bool:
        return _insert_new(self._connection(), t.intake, arrival_to_row(arrival, received_at), t.intake.c.key)

    def ready(self, received_before: datetime, limit: int) -> Sequence[Arrival]:
        columns = t.intake.c
        query = (
            select(columns.payload)
            # WAITING as the ready index's own predicate, so the index serves it.
            .where(t.WAITING, columns.received_at <= received_before)
            .order_by(columns.at, columns.seq)
            .limit(limit)
        )
        return [codec.arrival_from_dict(payload) for payload in self._connection().scalars(query)]

    def done(self, key: str, error: str | None = None) -> None:
        """Written at once: on PostgreSQL the row lock makes a second worker handling the same
        arrival wait for the first and then retry (it lost a race), instead of both going ahead."""
        statement = update(t.intake).where(t.intake.c.key == key).values(done_at=func.current_timestamp(), error=error)
        result = _racing(f"arrival {key}", lambda: self._connection().execute(statement))
        if result.rowcount != 1:
            raise LookupError(f"arrival {key} is not stored")


class SqlLeases(Leases):
    """One statement decides, so two workers asking at once can never both get the lease.

    On PostgreSQL the loser of a simultaneous first acquisition waits for the winner's commit,
    then gets ConcurrencyConflict (REPEATABLE READ); asked again, it answers False.
    """

    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def acquire(self, name: str, holder: str, until: datetime, now: datetime) -> bool:
        connection = self._connection()
        leases = t.leases
        # Free when it lapsed (at `until` itself too, as the in-memory fake has it), or ours.
        ours_to_take = or_(leases.c.until <= now, leases.c.holder == holder)
        match connection.dialect.name:
            case "sqlite":
                statement: Any = sqlite.insert(leases)
            case "postgresql":
                statement = postgresql.insert(leases)
            case _:
                return self._acquire_in_two_steps(connection, name, holder, until, ours_to_take)
        statement = statement.values(name=name, holder=holder, until=until)
        upsert = statement.on_conflict_do_update(
            index_elements=[leases.c["name"]],
            set_={"holder": statement.excluded.holder, "until": statement.excluded.until},
            where=ours_to_take,
        ).returning(leases.c.holder)
        # No row back: the lease exists, is held by someone else and has not lapsed.
        row = _racing(f"lease {name}", lambda: connection.execute(upsert).first())
        return row is not None and row.holder == holder

    @staticmethod
    def _acquire_in_two_steps(connection: Connection, name: str, holder: str, until: datetime, free: Any) -> bool:
        """Any other engine: insert in a savepoint, else take it over only where it is ours to take."""
        if _insert_new(connection, t.leases, {"name": name, "holder": holder, "until": until}, t.leases.c["name"]):
            return True
        taken = connection.execute(
            update(t.leases).where(t.leases.c["name"] == name, free).values(holder=holder, until=until)
        )
        return taken.rowcount == 1


# -- shared statements -------------------------------------------------------------------------

Result = TypeVar("Result")


def _racing(what: str, statement: Callable[[], Result]) -> Result:
    """Run a statement whose row another transaction may be writing at the same moment.

    PostgreSQL at REPEATABLE READ aborts the later one (it cannot see the winner's row in its
    snapshot); that is a lost race, and the use case runs again on a fresh snapshot.
    """
    try:
        return statement()
    except DBAPIError as error:
        if lost_a_race(error):
            raise ConcurrencyConflict(f"{what} written concurrently") from error
        raise


def _insert_new(connection: Connection, table: Table, values: Values, key: Column[Any]) -> bool:
    """INSERT unless a row with this key exists; True when this call stored it."""
    match connection.dialect.name:
        case "sqlite":
            statement: Any = sqlite.insert(table).on_conflict_do_nothing(index_elements=[key])
        case "postgresql":
            statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=[key])
        case _:
            return _insert_new_in_savepoint(connection, table, values)
    # RETURNING rather than rowcount: drivers disagree on the rowcount of a skipped insert.
    recorded = statement.values(**values).returning(key)
    return _racing(f"{table.name} {values[key.name]}", lambda: connection.execute(recorded).first() is not None)


def _insert_new_in_savepoint(connection: Connection, table: Table, values: Values) -> bool:
    """Any other engine: the duplicate fails inside a savepoint, which keeps the transaction."""
    try:
        with connection.begin_nested():
            connection.execute(insert(table).values(**values))
    except IntegrityError:
        return False
    return True
