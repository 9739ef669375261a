"""The outbox on SQL: written in the transaction of the change that causes it, sent later, in order."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from atende.application.outbound import Delivery, Outgoing
from atende.application.ports import Outbox

from . import tables as t
from .rows import delivery_state, outgoing_from_row, outgoing_to_row
from .statements import ConnectionSource


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

    def released_unsent(self, wa_id: str) -> int:
        columns = t.outbox.c
        query = select(func.count()).where(
            columns.delivery == Delivery.PENDING.value,
            columns.recipient == wa_id,
            columns.held_at.is_not(None),
        )
        return int(self._connection().scalar(query) or 0)

    def save(self, message: Outgoing) -> None:
        self.saved[message.id] = message

    def copy_of(self, origin_id: str, to: str | None = None) -> Outgoing | None:
        columns = t.outbox.c
        query = select(t.outbox).where(columns.origin_id == origin_id, columns.provider_id.is_not(None))
        if to is not None:
            query = query.where(columns.recipient == to)
        query = query.order_by(columns.seq.desc()).limit(1)
        row = self._connection().execute(query).first()
        return outgoing_from_row(row) if row else None

    def by_provider_id(self, provider_id: str) -> Outgoing | None:
        query = select(t.outbox).where(t.outbox.c.provider_id == provider_id)
        row = self._connection().execute(query).first()
        return outgoing_from_row(row) if row else None

    def write(self, connection: Connection) -> None:
        if self.added:
            connection.execute(insert(t.outbox), [outgoing_to_row(m) for m in self.added])
        for message in self.saved.values():
            result = connection.execute(
                update(t.outbox).where(t.outbox.c.id == message.id).values(**delivery_state(message))
            )
            if result.rowcount != 1:
                raise LookupError(f"outbox message {message.id} is not stored")
