"""The SQL unit of work: one database transaction per use case, optimistic on aggregates."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from atende.application.ports import UnitOfWork
from atende.domain.exceptions import ConcurrencyConflict

from . import faults
from .engine import lost_a_race, read_only
from .intake import SqlInbox, SqlIntake
from .leases import SqlLeases
from .outbox import SqlOutbox
from .reports import SqlReports
from .repositories import (
    SqlAgentRepository,
    SqlContactRepository,
    SqlConversationRepository,
    SqlEventLog,
    SqlMessageRepository,
    Written,
)
from .retention import SqlRetention


class SqlUnitOfWork(UnitOfWork):
    """Opens its connection lazily and begins a transaction on the first statement.

    Lazy matters: `deliver_pending` holds a unit of work open across an HTTP send, and on
    SQLite a begun transaction holds the database's write lock. Nothing is begun until the
    first query, so a unit of work that only records a send result locks for its commit alone.
    """

    conversations: SqlConversationRepository
    agents: SqlAgentRepository
    messages: SqlMessageRepository
    events: SqlEventLog
    contacts: SqlContactRepository
    outbox: SqlOutbox
    inbox: SqlInbox
    intake: SqlIntake
    leases: SqlLeases
    retention: SqlRetention
    reports: SqlReports

    def __init__(self, engine: Engine, *, reading: bool = False) -> None:
        self.engine = engine
        self.reading = reading
        """Only reads: a deferred transaction on SQLite (never the write lock), READ ONLY on
        PostgreSQL; committing it is a mistake and raises."""
        self._connection: Connection | None = None
        self.reports = SqlReports(engine)
        self._fresh()

    def connection(self) -> Connection:
        if self._connection is None:
            connection = self.engine.connect()
            self._connection = read_only(connection) if self.reading else connection
        return self._connection

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self.close()

    def _commit(self) -> None:
        if self.reading:
            raise RuntimeError("a reading unit of work cannot commit: open a writing one")
        connection = self.connection()
        try:
            written = self._write(connection)
            connection.commit()
        except DBAPIError as error:
            connection.rollback()
            if lost_a_race(error):
                raise ConcurrencyConflict(f"the database aborted the transaction: {error.orig}") from error
            raise
        except BaseException:
            connection.rollback()
            raise
        self._written(written)

    def _flush(self) -> None:
        """Aggregates stay tracked (with what is now stored as their loaded state), and so do the
        sets already read: the transaction sees nothing but its own writes, which they hold.
        Only the buffers of appended rows start empty."""
        stored = self._write(self.connection())
        for aggregate, version in stored:
            aggregate.version = version
        for repository in (self.agents, self.conversations, self.contacts):
            repository.flushed(stored)
        self.messages.added = []
        self.events.added = []
        self.outbox.flushed()

    def transient(self, error: BaseException) -> bool:
        return faults.transient(error)

    def _write(self, connection: Connection) -> Written:
        try:
            # Agents before conversations (which refer to them), aggregates before the records
            # that refer to conversations; updates before inserts inside each repository.
            written = [
                *self.agents.write(connection),
                *self.conversations.write(connection),
                *self.contacts.write(connection),
            ]
            self.messages.write(connection)
            self.events.write(connection)
            self.outbox.write(connection)
        except DBAPIError as error:
            if lost_a_race(error):
                raise ConcurrencyConflict(f"the database aborted the transaction: {error.orig}") from error
            raise
        return written

    def _written(self, written: Written) -> None:
        """The aggregates now stored carry their new versions; tracking starts afresh."""
        for aggregate, version in written:
            aggregate.version = version
        self._fresh()

    def rollback(self) -> None:
        if self._connection is not None:
            self._connection.rollback()
        self._fresh()

    def close(self) -> None:
        """Give the connection back to the pool; the unit of work may be entered again."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _fresh(self) -> None:
        """New repositories: nothing tracked, nothing buffered, as after a commit or rollback."""
        source = self.connection
        self.conversations = SqlConversationRepository(source)
        self.agents = SqlAgentRepository(source)
        self.messages = SqlMessageRepository(source)
        self.events = SqlEventLog(source)
        self.contacts = SqlContactRepository(source)
        self.outbox = SqlOutbox(source)
        self.inbox = SqlInbox(source)
        self.intake = SqlIntake(source)
        self.leases = SqlLeases(source)
        self.retention = SqlRetention(source)
