"""Leases on SQL: one statement decides who holds a cluster-once job, timed by the database's clock.

Every host asks the one database what time it is, so hosts whose clocks disagree by minutes
still agree on when a lease lapses: the lease is as honest as that one clock, never as the
most skewed host's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from atende.application.ports import Leases

from . import tables as t
from .clock import database_now
from .statements import ConnectionSource, insert_new, racing


class SqlLeases(Leases):
    """One statement decides, so two workers asking at once can never both get the lease.

    On PostgreSQL the loser of a simultaneous first acquisition waits for the winner's commit,
    then gets ConcurrencyConflict (REPEATABLE READ); asked again, it answers False.
    """

    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def acquire(self, name: str, holder: str, seconds: float) -> bool:
        connection = self._connection()
        now = database_now(connection)
        until = now + timedelta(seconds=seconds)
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
        row = racing(f"lease {name}", lambda: connection.execute(upsert).first())
        return row is not None and row.holder == holder

    def release(self, name: str, holder: str) -> None:
        connection = self._connection()
        now = database_now(connection)
        leases = t.leases
        connection.execute(update(leases).where(leases.c["name"] == name, leases.c.holder == holder).values(until=now))

    @staticmethod
    def _acquire_in_two_steps(connection: Connection, name: str, holder: str, until: datetime, free: Any) -> bool:
        """Any other engine: insert in a savepoint, else take it over only where it is ours to take."""
        if insert_new(connection, t.leases, {"name": name, "holder": holder, "until": until}, t.leases.c["name"]):
            return True
        taken = connection.execute(
            update(t.leases).where(t.leases.c["name"] == name, free).values(holder=holder, until=until)
        )
        return taken.rowcount == 1
