"""The work beside the webhook: handle what arrived, send the outbox, run the timers.

The intake loop and the courier run in every process: the intake's use cases are atomic and
idempotent, and the courier claims the outbox per recipient (ADR 0015), so every process sends,
each to its own recipients. The timers must run once per cluster, whatever the number of
`--workers` or hosts: they run only while their process holds a lease, renewed in the background
every third of its lifetime; a process that dies is replaced once its lease lapses (15 s, plus
up to a second until another notices), and a process that stops cleanly hands the lease over.

Stopping (lifespan shutdown, after uvicorn has stopped taking requests) lets each loop finish
the step in flight, then returns: what was not handled stays stored for the next start.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

from atende.application.courier import Pacing
from atende.application.ports import AsyncWhatsAppGateway, WhatsAppGateway
from atende.application.use_cases import Atende

from .lease_keeper import Lease, holder_id
from .logs import describe
from .loops import Loop

log = logging.getLogger(__name__)

TIMERS_LEASE = "timers"


@dataclass(frozen=True)
class Intervals:
    """How often each loop looks for work when nothing wakes it (seconds)."""

    intake: float = 0.2
    courier: float = 0.25
    timers: float = 5.0
    lease_seconds: float = 15.0
    """A lease's lifetime (renewed every third of it), and a courier's claim on a recipient's lane."""
    lease_retry: float = 1.0
    """How often a process without a lease asks for it (a lapsed lease is taken within this)."""
    max_backoff: float = 5.0
    """The longest pause after failing steps (it doubles from the loop's interval)."""
    retention: float = 60.0
    """How often the timers' holder prunes what is past retention (a few small batches each time)."""


INTAKE_PASS = 100
"""Arrivals an intake pass takes at most (in batches of `use_cases.INTAKE_BATCH`) before the loop goes round."""
COURIER_BATCH = 200
"""Recipients claimed per courier pass (each sends until paced, or its loaded messages are out)."""


class Background:
    """The intake processor, the courier and the timers of one process, with the timers' lease.

    `running()` starts them and, on the way out, stops them cleanly: each finishes its step
    in flight, then the lease is handed over.
    """

    def __init__(
        self,
        atende: Atende,
        gateway: WhatsAppGateway | AsyncWhatsAppGateway,
        *,
        intervals: Intervals | None = None,
        pacing: Pacing | None = None,
        holder: str | None = None,
    ) -> None:
        self.atende = atende
        self.intervals = intervals or Intervals()
        self.holder = holder or holder_id()
        seconds = self.intervals.lease_seconds
        self.timers_lease = Lease(atende, TIMERS_LEASE, self.holder, seconds)
        # A lane's claim lasts as long as a lease: a dead process's lanes are taken over as soon.
        courier = self.courier = atende.courier(gateway, pacing, holder=self.holder, claim_seconds=seconds)
        backoff = self.intervals.max_backoff
        self.courier_loop = Loop(
            "courier", lambda: courier.deliver(COURIER_BATCH), self.intervals.courier, max_backoff=backoff
        )
        self.timers_loop = Loop(
            "timers", self._tick, self.intervals.timers, lease=self.timers_lease, max_backoff=backoff
        )
        self.intake_loop = Loop(
            "intake",
            lambda: atende.process_intake(INTAKE_PASS),
            self.intervals.intake,
            after_work=self.courier_loop.wake,
            max_backoff=backoff,
        )
        self.loops = [self.intake_loop, self.courier_loop, self.timers_loop]
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self._intake_timer: asyncio.TimerHandle | None = None
        self._last_arrival = 0.0
        self._keeper_stopping = asyncio.Event()
        self._next_prune = 0.0  # time.monotonic(): the first timers pass prunes

    def _tick(self) -> int:
        self.atende.tick()
        self.courier_loop.wake()  # timers may have queued reminders or requeue notices
        if time.monotonic() >= self._next_prune:
            # Under the timers lease: once per cluster, like the timers themselves.
            self._next_prune = time.monotonic() + self.intervals.retention
            pruned = self.atende.prune()
            if pruned:
                log.info("pruned %d rows past retention", pruned)
        return 0

    def arrived(self) -> None:
        """Arrivals were stored: handle them once the reorder window has passed (event loop only).

        One timer at a time: when it fires and later arrivals came in meanwhile, it is set
        again for the latest of them, so a burst costs a handful of timers, not one each.
        """
        loop = self._event_loop
        if loop is None:
            return
        self._last_arrival = loop.time()
        if self._intake_timer is None:
            self._schedule_intake(self._last_arrival)

    def _schedule_intake(self, arrived_at: float) -> None:
        assert self._event_loop is not None
        window = self.atende.settings.reorder_window_seconds
        self._intake_timer = self._event_loop.call_at(arrived_at + window + 0.01, self._intake_due, arrived_at)

    def _intake_due(self, scheduled_for: float) -> None:
        self._intake_timer = None
        self.intake_loop.wake()
        if self._last_arrival > scheduled_for:
            self._schedule_intake(self._last_arrival)

    async def _keep_lease(self) -> None:
        """Renew the timers lease every third of its lifetime while held; ask for it every
        `lease_retry` while not.

        Asking often matters after a crash: the dead holder's lease lapses on its own, and the
        sooner someone notices, the sooner messages flow again.
        """
        renew_every = self.intervals.lease_seconds / 3
        pause = min(self.intervals.lease_retry, renew_every)
        lease = self.timers_lease
        while not self._keeper_stopping.is_set():
            if not lease.held or lease.age >= renew_every:
                try:
                    if await asyncio.to_thread(lease.acquire):
                        self.timers_loop.wake()
                except Exception as error:
                    log.warning("could not renew lease %r: %s", lease.name, describe(error))
            with suppress(TimeoutError):
                await asyncio.wait_for(self._keeper_stopping.wait(), pause)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self._event_loop = asyncio.get_running_loop()
        for loop in self.loops:
            loop.reset()
        self._keeper_stopping = asyncio.Event()
        keeper = asyncio.create_task(self._keep_lease(), name="atende-lease")
        tasks = [asyncio.create_task(loop.run(), name=f"atende-{loop.name}") for loop in self.loops]
        log.info("background loops started (%s)", self.holder)
        try:
            yield
        finally:
            if self._intake_timer is not None:
                self._intake_timer.cancel()
                self._intake_timer = None
            self._event_loop = None
            for loop in self.loops:
                loop.stop()
            # Stopped, not cancelled: a renewal in flight must land before the release, not after.
            self._keeper_stopping.set()
            await asyncio.gather(*tasks, keeper, return_exceptions=True)
            try:
                await asyncio.to_thread(self.courier.close)
            except Exception as error:
                log.warning("could not close the courier's connections: %s", describe(error))
            try:
                await asyncio.to_thread(self.timers_lease.release)
            except Exception as error:
                log.warning("could not release lease %r: %s", self.timers_lease.name, describe(error))
            log.info("background loops stopped")
