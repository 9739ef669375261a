"""Retention on SQL: delete old rows a bounded batch at a time, each batch found through an index.

`DELETE … WHERE key IN (SELECT key … ORDER BY <time> LIMIT n)` works alike on SQLite and
PostgreSQL, and a batch holds SQLite's write lock for milliseconds, never for a whole backlog.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, delete, func, insert, select

from atende.application.outbound import Delivery
from atende.application.ports import Retention
from atende.domain.conversation import Stage

from . import tables as t
from .statements import ConnectionSource, racing

log = logging.getLogger(__name__)

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
        """Each department's moves become one row: its line's length, recounted from the line.

        Recounted rather than summed, so a count that ever drifted (a row written around the
        repository) is put right within one pass; it reads the line index once a pass, off the
        paths that answer people. Only the moves this transaction sees are replaced: one a
        concurrent writer commits later stays, and is folded next time (its conversation is not
        in the line this transaction counted either).
        """
        connection = self._connection()
        moves, line = t.line_moves.c, t.conversations.c
        kept = select(moves.department, func.sum(moves.delta), func.count(), func.max(moves.seq))
        stored = {
            d: (int(total), rows, last) for d, total, rows, last in connection.execute(kept.group_by(moves.department))
        }
        counted = select(line.department, func.count()).where(
            line.stage == Stage.QUEUED.value, line.department.is_not(None)
        )
        lengths = {d: int(n) for d, n in connection.execute(counted.group_by(line.department))}
        folded = 0
        for department in sorted(stored.keys() | lengths.keys()):
            total, rows, last = stored.get(department, (0, 0, None))
            length = lengths.get(department, 0)
            if total == length and rows == (1 if length else 0):
                continue  # folded already
            if total != length:
                log.warning(
                    "the line of %s counted %d by its moves and %d in fact: recounted", department, total, length
                )
            if last is not None:
                replaced = delete(t.line_moves).where(moves.department == department, moves.seq <= last)
                racing("folding the line's moves", lambda: connection.execute(replaced))  # noqa: B023 (called at once)
            if length:
                connection.execute(insert(t.line_moves).values(department=department, delta=length))
            folded += max(0, rows - (1 if length else 0))
        return folded

    def _delete(
        self, table: Table, key: Column[Any], age: Column[Any], condition: ColumnElement[bool], limit: int
    ) -> int:
        oldest = select(key).where(condition).order_by(age).limit(limit)
        connection = self._connection()
        done = racing(f"pruning {table.name}", lambda: connection.execute(delete(table).where(key.in_(oldest))))
        return int(done.rowcount)
