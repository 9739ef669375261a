"""The outbox on SQL: written in the transaction of the change that causes it, sent later, in order."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, literal, or_, select, update
from sqlalchemy.engine import Connection

from atende.application.outbound import Delivery, Lane, Outgoing
from atende.application.ports import Outbox

from . import tables as t
from .rows import delivery_state, outgoing_from_row, outgoing_to_row
from .statements import ConnectionSource, insert_all_new, racing

# Built once: a statement built per call costs several times what the database takes to run it.
_BY_PROVIDER_ID = select(t.outbox).where(t.outbox.c.provider_id == bindparam("b_provider_id"))
_RELEASED_UNSENT = select(func.count()).where(
    t.outbox.c.delivery == Delivery.PENDING.value,
    t.outbox.c.recipient == bindparam("b_recipient"),
    t.outbox.c.held_at.is_not(None),
)
_SAVE = update(t.outbox).where(t.outbox.c.id == bindparam("b_id"))
_RELEASE = update(t.lanes).where(
    t.lanes.c.recipient == bindparam("b_recipient"), t.lanes.c.claimed_by == bindparam("b_holder")
)


class SqlOutbox(Outbox):
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection
        self.added: list[Outgoing] = []
        self.saved: dict[str, Outgoing] = {}
        self.released: dict[str, dict[str, Any]] = {}

    def add(self, message: Outgoing) -> None:
        self.added.append(message)

    def pending(self, limit: int, *, skip: Collection[str] = ()) -> Sequence[Outgoing]:
        columns = t.outbox.c
        query = select(t.outbox).where(columns.delivery == Delivery.PENDING.value)
        if skip:
            query = query.where(columns.recipient.not_in(sorted(skip)))
        query = query.order_by(columns.seq).limit(limit)
        return [outgoing_from_row(row) for row in self._connection().execute(query)]

    def claim(self, holder: str, now: datetime, *, lanes: int, per_lane: int, seconds: float) -> Sequence[Lane]:
        """Three statements: the recipients with something to send whose lane is free (read from the
        pending rows, oldest first), their lane rows made if new, then the claim itself — one UPDATE
        that re-checks each lane is free, skipping (on PostgreSQL) lanes another courier is claiming
        at this very moment (`FOR UPDATE SKIP LOCKED`). On SQLite the single writer serializes claims.
        """
        connection = self._connection()
        postgres = connection.dialect.name == "postgresql"
        # Claims lapse by the database's clock where the database is a server shared by hosts.
        clock: Any = func.now() if postgres else literal(now, t.lanes.c.claimed_until.type)
        o, lane = t.outbox.c, t.lanes.c
        unclaimed = or_(lane.claimed_until.is_(None), lane.claimed_until <= clock)
        ready = or_(lane.ready_at.is_(None), lane.ready_at <= now)
        wanted = (
            select(o.recipient)
            .select_from(t.outbox.outerjoin(t.lanes, lane.recipient == o.recipient))
            .where(o.delivery == Delivery.PENDING.value, or_(lane.recipient.is_(None), and_(ready, unclaimed)))
            .group_by(o.recipient)
            .order_by(func.min(o.seq))
            .limit(lanes)
        )
        recipients = list(connection.scalars(wanted))
        if not recipients:
            return []
        insert_all_new(connection, t.lanes, [{"recipient": r} for r in recipients], lane.recipient)
        free = (
            select(lane.recipient)
            .where(lane.recipient.in_(recipients), unclaimed, ready)
            .with_for_update(skip_locked=True)
        )
        until: Any = clock + timedelta(seconds=seconds) if postgres else now + timedelta(seconds=seconds)
        take = (
            update(t.lanes)
            .where(lane.recipient.in_(free.scalar_subquery()))
            .values(claimed_by=holder, claimed_until=until)
            .returning(lane.recipient, lane.paced_until)
        )
        claimed = {row.recipient: row.paced_until for row in racing("outbox lanes", lambda: connection.execute(take))}
        if not claimed:
            return []
        number = func.row_number().over(partition_by=o.recipient, order_by=o.seq).label("number")
        rows = (
            select(t.outbox, number)
            .where(o.delivery == Delivery.PENDING.value, o.recipient.in_(sorted(claimed)))
            .subquery()
        )
        query = select(rows).where(rows.c.number <= per_lane).order_by(rows.c.seq)
        messages: dict[str, list[Outgoing]] = {r: [] for r in recipients if r in claimed}
        for row in connection.execute(query):
            messages[row.recipient].append(outgoing_from_row(row))
        return [Lane(r, claimed[r], line) for r, line in messages.items()]

    def release(self, holder: str, recipient: str, paced_until: datetime | None, ready_at: datetime | None) -> None:
        self.released[recipient] = {"holder": holder, "paced_until": paced_until, "ready_at": ready_at}

    def held_for(self, wa_id: str) -> Sequence[Outgoing]:
        columns = t.outbox.c
        query = (
            select(t.outbox)
            .where(columns.delivery == Delivery.HELD.value, columns.recipient == wa_id)
            .order_by(columns.seq)
        )
        return [outgoing_from_row(row) for row in self._connection().execute(query)]

    def released_unsent(self, wa_id: str) -> int:
        return int(self._connection().scalar(_RELEASED_UNSENT, {"b_recipient": wa_id}) or 0)

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
        row = self._connection().execute(_BY_PROVIDER_ID, {"b_provider_id": provider_id}).first()
        return outgoing_from_row(row) if row else None

    def flushed(self) -> None:
        """What was buffered is written: nothing to write again at the next flush or commit."""
        self.added = []
        self.saved = {}
        self.released = {}

    def write(self, connection: Connection) -> None:
        if self.added:
            connection.execute(insert(t.outbox), [outgoing_to_row(m) for m in self.added])
        for message in self.saved.values():
            result = connection.execute(_SAVE, {**delivery_state(message), "b_id": message.id})
            if result.rowcount != 1:
                raise LookupError(f"outbox message {message.id} is not stored")
        for recipient in sorted(self.released):  # one order everywhere: no deadlock between couriers
            state = self.released[recipient]
            connection.execute(
                _RELEASE,
                {
                    "b_recipient": recipient,
                    "b_holder": state["holder"],
                    "paced_until": state["paced_until"],
                    "ready_at": state["ready_at"],
                    "claimed_by": None,
                    "claimed_until": None,
                },
            )
