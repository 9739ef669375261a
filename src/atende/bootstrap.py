"""The composition root: real adapters wired into the application, built only when asked."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from atende.adapters.clock import SystemClock
from atende.adapters.database import connect
from atende.adapters.unit_of_work import SqlUnitOfWork
from atende.application.ports import Clock, UnitOfWork
from atende.application.service import Atende
from atende.application.settings import Settings


@dataclass
class Runtime:
    atende: Atende
    uow_factory: Callable[[], UnitOfWork]
    engine: Engine
    clock: Clock


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
