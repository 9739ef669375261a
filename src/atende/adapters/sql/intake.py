"""Inbox and intake on SQL: what arrived, stored before the 200, and which message ids were handled.

Both are written at once, not at commit: the answer depends on what the database already holds
(a re-delivery), and its unique keys decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update

from atende.application.arrivals import Arrival
from atende.application.ports import Inbox, Intake

from . import codec
from . import tables as t
from .rows import arrival_to_row
from .statements import ConnectionSource, insert_new, racing


class SqlInbox(Inbox):
    """Written at once, not at commit: the answer depends on what the database already holds."""

    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def first_time(self, message_id: str) -> bool:
        return insert_new(self._connection(), t.inbox, {"message_id": message_id}, t.inbox.c.message_id)


class SqlIntake(Intake):
    """Stored at once, not at commit, like the inbox: the unique key drops re-deliveries."""

    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def add(self, arrival: Arrival, received_at: datetime) -> bool:
        return insert_new(self._connection(), t.intake, arrival_to_row(arrival, received_at), t.intake.c.key)

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

    def done(self, key: str, error: str | None = None) -> bool:
        """Written at once: on PostgreSQL the row lock makes a second worker handling the same
        arrival wait for the first and then retry (it lost a race), instead of both going ahead;
        the retry, like a second worker on SQLite, then finds it done already."""
        columns = t.intake.c
        statement = (
            update(t.intake)
            .where(columns.key == key, columns.done_at.is_(None))
            .values(done_at=func.current_timestamp(), error=error)
        )
        result = racing(f"arrival {key}", lambda: self._connection().execute(statement))
        if result.rowcount == 1:
            return True
        if self._connection().scalar(select(func.count()).where(columns.key == key)):
            return False
        raise LookupError(f"arrival {key} is not stored")
