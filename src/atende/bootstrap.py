"""The composition root: real adapters wired into the application, built only when asked."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from atende.adapters.clock import SystemClock
from atende.adapters.sql.engine import connect
from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.application.ports import Clock, UnitOfWork
from atende.application.settings import Settings
from atende.application.use_cases import Atende


@dataclass
class Runtime:
    atende: Atende
    uow_factory: Callable[[], UnitOfWork]
    engine: Engine
    clock: Clock

    def ping(self) -> None:
        """One `SELECT 1` round trip; raises when the database cannot be reached.

        It goes through a raw driver connection on purpose: a unit of work on SQLite begins
        with `BEGIN IMMEDIATE`, and a health check must not queue behind the write lock.
        """
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute("SELECT 1")
                cursor.fetchall()
            finally:
                cursor.close()
        finally:
            connection.close()

    def close(self) -> None:
        """Close every pooled connection (at shutdown)."""
        self.engine.dispose()


def build(
    settings: Settings,
    database_url: str,
    *,
    clock: Clock | None = None,
    rng: random.Random | None = None,
) -> Runtime:
    """Atende on a real database; nothing is opened before this is called."""
    engine = connect(database_url)

    def uow_factory() -> UnitOfWork:
        return SqlUnitOfWork(engine)

    chosen_clock = clock or SystemClock()
    return Runtime(Atende(settings, uow_factory, chosen_clock, rng), uow_factory, engine, chosen_clock)
