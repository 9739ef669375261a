"""One background loop: a synchronous step run in a thread, again and again until stopped.

Each step calls use cases in a thread (`asyncio.to_thread`), so the event loop stays free for
requests. A failing step is logged and retried after a growing pause; nothing a loop does
can take the process down. A loop under a lease only runs while its process holds it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress

from .lease_keeper import Lease
from .logs import describe, from_database

log = logging.getLogger(__name__)


class Loop:
    """One background loop: a sync step run in a thread, again and again until stopped.

    `step` returns how much work it did; a loop that did some goes round again at once (there
    may be more), otherwise it naps for `interval` or until `wake()`.
    """

    def __init__(
        self,
        name: str,
        step: Callable[[], int],
        interval: float,
        *,
        lease: Lease | None = None,
        after_work: Callable[[], None] | None = None,
        max_backoff: float = 5.0,
    ) -> None:
        self.name = name
        self.step = step
        self.interval = interval
        self.lease = lease
        self.after_work = after_work
        self.max_backoff = max_backoff
        self.passes = 0
        self.failures = 0
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def reset(self) -> None:
        """Ready to run again (on a new event loop, after a stop)."""
        self._stopping = False
        self._wake = asyncio.Event()

    async def run(self) -> None:
        failures = 0
        while not self._stopping:
            if self.lease is not None and not self.lease.held:
                await self._nap(self.interval)
                continue
            try:
                done = await asyncio.to_thread(self.step)
            except Exception as error:
                failures += 1
                self.failures += 1
                pause = min(self.interval * 2**failures, self.max_backoff)
                log.error(
                    "%s step failed (%d in a row), next try in %.1f s: %s",
                    self.name,
                    failures,
                    pause,
                    describe(error),
                    exc_info=not from_database(error),  # a bug needs its traceback; SQL errors quote data
                )
                await self._nap(pause)
                continue
            failures = 0
            self.passes += 1
            if done and self.after_work is not None:
                self.after_work()
            if not done:
                await self._nap(self.interval)

    async def _nap(self, seconds: float) -> None:
        if self._stopping:
            return
        with suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()
