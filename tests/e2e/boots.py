"""Boots for the scenario player on the in-memory fakes, through the same composition root."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from atende.application.settings import Settings
from atende.bootstrap import System, bootstrap
from atende.simulator.boot import Boot

from ..fakes import FakeUnitOfWork, Store


def in_memory(store: Store | None = None) -> Boot:
    """atende on the in-memory fakes: a fresh store for each run unless one is given (to look into,
    or to break)."""

    def boot(settings: Settings, **wiring: Any) -> AbstractContextManager[System]:
        shared = store if store is not None else Store()
        return bootstrap(settings, uow_factory=lambda: FakeUnitOfWork(shared), **wiring)

    return boot
