"""Nothing acknowledged is lost when the database fails under the intake (docs/adr/0014-intake-faults-and-batches.md).

A write lock held by another process past the busy timeout, a lock PostgreSQL gives up waiting
for: the database's trouble, not the arrival's. What the webhook acknowledged stays pending and
is handled once the database answers again; only an arrival that fails by itself is set aside.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine, make_url

from atende.adapters.sql import tables as t
from atende.adapters.sql.engine import connect
from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.application.arrivals import Inbound, StatusReport
from atende.application.ports import UnitOfWork
from atende.domain.content import Text
from tests.world import ANA, JOAO, MARIA, World

SHORT_WAIT_MS = 200
"""How long the intake's connections wait for a lock here, instead of 30 s."""


@pytest.fixture
def impatient_engine(database_url: str) -> Iterator[Engine]:
    """atende's engine, except that it gives up waiting for a lock after `SHORT_WAIT_MS`."""
    engine = connect(database_url)

    @event.listens_for(engine, "connect")
    def _impatient(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute(f"PRAGMA busy_timeout = {SHORT_WAIT_MS}")
        else:
            cursor.execute(f"SET lock_timeout = {SHORT_WAIT_MS}")
            dbapi_connection.commit()
        cursor.close()

    yield engine
    engine.dispose()


@contextmanager
def write_lock(database_url: str) -> Iterator[None]:
    """Another process holds the database's write lock (SQLite), or the intake table's (PostgreSQL)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(url.database or "", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.rollback()
            holder.close()
        return
    engine = connect(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("LOCK TABLE intake IN EXCLUSIVE MODE"))
            yield
            connection.rollback()
    finally:
        engine.dispose()


class HeldUpUnitOfWork(SqlUnitOfWork):
    """A unit of work during which someone else takes the write lock, and lets go as it ends —
    the moment a long transaction elsewhere finally commits."""

    def __init__(self, engine: Engine, database_url: str) -> None:
        super().__init__(engine)
        self._lock = write_lock(database_url)

    def __enter__(self) -> HeldUpUnitOfWork:
        self._lock.__enter__()
        return self

    def __exit__(self, *args: Any) -> None:
        try:
            super().__exit__(*args)
        finally:
            self._lock.__exit__(None, None, None)


class LockedDuring:
    """Units of work for the intake; the `nth` one is held up by another process's lock."""

    def __init__(self, engine: Engine, database_url: str, nth: int) -> None:
        self.engine, self.database_url, self.nth = engine, database_url, nth
        self.opened = 0

    def __call__(self) -> UnitOfWork:
        self.opened += 1
        if self.opened == self.nth:
            return HeldUpUnitOfWork(self.engine, self.database_url)
        return SqlUnitOfWork(self.engine)


def stored_outcomes(engine: Engine) -> dict[str, tuple[bool, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(select(t.intake.c.key, t.intake.c.done_at, t.intake.c.error))
        return {key: (done_at is not None, error) for key, done_at, error in rows}


def attempt(step: Callable[[], object]) -> BaseException | None:
    try:
        step()
    except Exception as error:
        return error
    return None


@pytest.mark.parametrize("nth", [1, 2, 3])
def test_a_lock_held_past_the_busy_timeout_sets_nothing_aside(
    impatient_engine: Engine, database_url: str, nth: int
) -> None:
    """Whichever step of the intake the lock lands on, the arrivals wait for the database, then
    each is handled once; none is set aside as if it were a bad message."""
    world = World(uow_factory=lambda: SqlUnitOfWork(impatient_engine))
    now = world.clock.now()
    arrivals = [
        Inbound("wamid.a", MARIA, "Maria Silva", now, Text("oi")),
        Inbound("wamid.b", JOAO, "João Souza", now + timedelta(seconds=1), Text("boa tarde")),
        Inbound("wamid.c", ANA, "Ana", now + timedelta(seconds=2), Text("/entrar")),
        StatusReport("wamid.out-unknown", "read", now + timedelta(seconds=3), MARIA),
    ]
    assert world.atende.accept(arrivals) == 4
    world.clock.advance(5)

    locked = LockedDuring(impatient_engine, database_url, nth)
    world.atende.uow_factory = locked
    attempt(world.atende.process_intake)  # the database's trouble may surface; nothing may be lost

    assert not any(error for _, error in stored_outcomes(impatient_engine).values()), "nothing set aside"
    world.atende.uow_factory = lambda: SqlUnitOfWork(impatient_engine)
    world.atende.process_intake()
    world.flush()

    assert stored_outcomes(impatient_engine) == {a.key: (True, None) for a in arrivals}
    assert len(world.texts(MARIA)) == 1 and len(world.texts(JOAO)) == 1, "each greeted once, with the menu"
    assert any("✅" in t for t in world.texts(ANA)), "Ana checked in"
