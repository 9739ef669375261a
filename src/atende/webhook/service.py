"""What the HTTP edge asks of atende: store these arrivals, is the database there, and wake up.

Storage is synchronous (SQLAlchemy), so every call runs in a thread pool of its own: the event
loop keeps reading requests while one is being stored, and the background loops (which use the
default pool) can never starve the webhook of threads, nor the webhook the loops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from atende.application.inbound import Arrival
from atende.application.service import Atende

from .logs import describe

log = logging.getLogger(__name__)

THREADS = 8
"""Concurrent stores; SQLite serialises writers anyway, PostgreSQL's default pool holds 5 + 10."""

HEALTH_TIMEOUT_SECONDS = 2.0
"""A database that takes longer than this to answer `SELECT 1` is reported unhealthy."""


class WebhookService:
    """Stores arrivals durably before the webhook answers, checks the database for `/healthz`.

    `ping` is a cheap round trip to the database that raises when it is unreachable;
    `on_accepted` is told (on the event loop) each time arrivals were stored, so the intake
    loop can handle them as soon as the reorder window allows instead of at its next poll.
    `phone_number_id`, when set, is the only business number whose items are stored.
    """

    def __init__(
        self,
        atende: Atende,
        ping: Callable[[], None],
        *,
        phone_number_id: str | None = None,
        on_accepted: Callable[[], None] | None = None,
        threads: int = THREADS,
        health_timeout: float = HEALTH_TIMEOUT_SECONDS,
    ) -> None:
        self.atende = atende
        self.phone_number_id = phone_number_id
        self.on_accepted = on_accepted
        self.health_timeout = health_timeout
        self._ping = ping
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="atende-webhook")
        self._pinging: asyncio.Future[bool] | None = None

    async def accept(self, arrivals: Sequence[Arrival]) -> int:
        """Store them in one transaction; returns how many were new. Raises when storage fails."""
        loop = asyncio.get_running_loop()
        stored = await loop.run_in_executor(self._executor, self.atende.accept, arrivals)
        if self.on_accepted is not None:
            self.on_accepted()
        return stored

    async def healthy(self) -> bool:
        """Whether the database answered within `health_timeout`.

        A ping stuck on a dead server holds a thread until the driver gives up, so at most one
        is in flight: concurrent health checks share it rather than pile up threads behind it.
        """
        loop = asyncio.get_running_loop()
        pinging = self._pinging
        if pinging is None or pinging.done() or pinging.get_loop() is not loop:
            pinging = self._pinging = loop.run_in_executor(self._executor, self._check)
        try:
            return await asyncio.wait_for(asyncio.shield(pinging), self.health_timeout)
        except TimeoutError:
            log.warning("database did not answer within %.1f s", self.health_timeout)
            return False

    def _check(self) -> bool:
        try:
            self._ping()
        except Exception as error:
            log.warning("database unreachable: %s", describe(error))
            return False
        return True

    def close(self) -> None:
        """Let stores in flight finish, then release the threads."""
        self._executor.shutdown(wait=True)
