"""What the HTTP edge asks of atende: store these arrivals, is the database there, and wake up.

Storage is synchronous (SQLAlchemy), so every call runs in a thread pool of its own: the event
loop keeps reading requests while one is being stored, and the background loops (which use the
default pool) can never starve the webhook of threads, nor the webhook the loops.

Stores are *group-committed*: notifications that arrive while a transaction is being written
wait and go together in the next one, so under load one commit acknowledges many requests
(a commit, not the data, is what costs). Every request is still answered only after the
transaction holding its arrivals has committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from atende.application.arrivals import Arrival
from atende.application.ports import StorageUnhealthy
from atende.application.use_cases import Atende

from .logs import describe

log = logging.getLogger(__name__)

THREADS = 8
"""Concurrent stores; SQLite serialises writers anyway, PostgreSQL's default pool holds 5 + 10."""

Waiting = tuple[Sequence[Arrival], "asyncio.Future[int]"]
"""One request's arrivals, and how to answer it once they are stored (or could not be)."""

MAX_GROUP = 200
"""Notifications stored by one transaction at most: bounded latency for the first of them."""

HEALTH_TIMEOUT_SECONDS = 2.0
"""A database that cannot take a write within this long is reported unhealthy."""


class ArrivalStore:
    """Stores arrivals durably before the webhook answers, checks the database for `/healthz`.

    `ping` is a cheap write probe that raises when the database cannot take a write (its
    message is the reason `/healthz` gives);
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
        self._max_writers = threads
        self._writing = 0
        self._writers_running: set[asyncio.Task[None]] = set()
        self._waiting: list[Waiting] = []
        self._pinging: asyncio.Future[str | None] | None = None

    async def accept(self, arrivals: Sequence[Arrival]) -> int:
        """Store them durably; returns how many of the group's arrivals were new. Raises when
        storage fails, and only after nothing of this request can have been kept."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[int] = loop.create_future()
        self._waiting.append((arrivals, done))
        if self._writing < self._max_writers:
            self._writing += 1
            writer = loop.create_task(self._write_groups())
            self._writers_running.add(writer)  # a task nobody holds may be collected mid-write
            writer.add_done_callback(self._writers_running.discard)
        stored = await done
        if self.on_accepted is not None:
            self.on_accepted()
        return stored

    async def _write_groups(self) -> None:
        """Take whatever waits, store it in one transaction, answer everyone in it; repeat."""
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                group, self._waiting = self._waiting[:MAX_GROUP], self._waiting[MAX_GROUP:]
                await self._write(loop, group)
        finally:
            self._writing -= 1

    async def _write(self, loop: asyncio.AbstractEventLoop, group: list[Waiting]) -> None:
        arrivals = [arrival for request, _ in group for arrival in request]
        try:
            stored = await loop.run_in_executor(self._executor, self.atende.accept, arrivals)
        except Exception as error:
            if len(group) > 1:
                # One bad notification must not cost the others their 200: store each alone.
                for one in group:
                    await self._write(loop, [one])
                return
            _settle(group, error=error)
            return
        _settle(group, stored=stored)

    async def unhealthy(self) -> str | None:
        """Why the database cannot take a write now, or None when it can (within `health_timeout`).

        A probe stuck on a dead server holds a thread until the driver gives up, so at most one
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
            return f"database did not answer within {self.health_timeout:.1f} s"

    async def healthy(self) -> bool:
        return await self.unhealthy() is None

    def _check(self) -> str | None:
        try:
            self._ping()
        except Exception as error:
            # A probe's own reason (`Unhealthy`) reads as it is; anything else names its type.
            reason = str(error) if isinstance(error, StorageUnhealthy) else describe(error)
            log.warning("database unhealthy: %s", reason)
            return reason
        return None

    def close(self) -> None:
        """Let stores in flight finish, then release the threads."""
        self._executor.shutdown(wait=True)


def _settle(
    group: list[Waiting],
    *,
    stored: int = 0,
    error: BaseException | None = None,
) -> None:
    for _, done in group:
        if done.done():
            continue  # the request went away (client disconnected); nothing to tell it
        if error is None:
            done.set_result(stored)
        else:
            done.set_exception(error)
