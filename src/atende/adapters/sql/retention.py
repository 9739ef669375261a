"""Retention on SQL: delete old rows a bounded batch at a time, each batch found through an index.

`DELETE … WHERE key IN (SELECT key … ORDER BY <time> LIMIT n)` works alike on SQLite and
PostgreSQL, and a batch holds SQLite's write lock for milliseconds, never for a whole backlog.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, delete, func, insert, select

from atende.application.outbound import Delivery
from atende.application.ports import Retention

from . import tables as t
from .statements import ConnectionSource, racing

TAKEN = (Delivery.SENT.value, Delivery.DELIVERED.value, Delivery.READ.value)
"""What WhatsApp accepted: nothing left to send or to retry."""


class SqlRetention(Retention):
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def prune_intake(self, handled_before: datetime, limit: int) -> int:
        c = t.intake.c
        return self._delete(t.intake, c.seq, c.done_at, t.HANDLED & (c.done_at < handled_before), limit)

    def prune_inbox(self, recorded_before: datetime, limit: int) -> int:
        c = t.inbox.c
        return self._delete(t.inbox, c.message_id, c.recorded_at, c.recorded_at < recorded_before, limit)

    def prune_outbox(self, sent_before: datetime, limit: int) -> int:
        c = t.outbox.c
        old_and_taken = c.delivery.in_(TAKEN) & (c.created_at < sent_before)
        return self._delete(t.outbox, c.seq, c.created_at, old_and_taken, limit)

    def fold_line_moves(self) -> int:
        connection = self._connection()
        moves = t.line_moves.c
        summed = select(moves.department, func.sum(moves.delta), func.count(), func.max(moves.seq))
        folded = 0
        for department, total, count, last in connection.execute(summed.group_by(moves.department)).all():
            if count < 2 and total:
                continue  # folded already
            # Only the rows summed here: one a concurrent writer commits later is summed next time.
            mine = (moves.department == department) & (moves.seq <= last)
            fold = delete(t.line_moves).where(mine)
            racing("folding the line's moves", lambda: connection.execute(fold))  # noqa: B023 (called at once)
            if total:
                connection.execute(insert(t.line_moves).values(department=department, delta=int(total)))
            folded += count - (1 if total else 0)
        return folded

    def _delete(
        self, table: Table, key: Column[Any], age: Column[Any], condition: ColumnElement[bool], limit: int
    ) -> int:
        oldest = select(key).where(condition).order_by(age).limit(limit)
        connection = self._connection()
        done = racing(f"pruning {table.name}", lambda: connection.execute(delete(table).where(key.in_(oldest))))
        return int(done.rowcount)
