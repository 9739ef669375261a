"""The loops beside the webhook: handle what arrived, send the outbox, run the timers.

Each loop calls one synchronous use case at a time in a thread (`asyncio.to_thread`), so the
event loop stays free for requests. A failing step is logged and retried after a short
backoff; nothing a loop does can take the process down.

The intake loop runs in every process (its use cases are atomic and idempotent). The courier
and the timers must run once per cluster, whatever the number of `--workers` or hosts: each
runs only while its process holds a lease, renewed in the background every third of its
lifetime; a process that dies is replaced once its lease lapses (15 s, plus up to a second
until another notices), and a process that stops cleanly hands the lease over at once.

Stopping (lifespan shutdown, after uvicorn has stopped taking requests) lets each loop finish
the step in flight, then returns: what was not handled stays stored for the next start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta

from atende.application.outbound import Outgoing
from atende.application.ports import SendError, WhatsAppGateway
from atende.application.session import Session
from atende.application.use_cases import Atende

from .logs import describe, from_database

log = logging.getLogger(__name__)

COURIER_LEASE = "courier"
TIMERS_LEASE = "timers"


@dataclass(frozen=True)
class Intervals:
    """How often each loop looks for work when nothing wakes it (seconds)."""

    intake: float = 0.2
    courier: float = 0.25
    timers: float = 5.0
    lease_seconds: float = 15.0
    """A lease's lifetime; it is renewed every third of it."""
    lease_retry: float = 1.0
    """How often a process without a lease asks for it (a lapsed lease is taken within this)."""
    max_backoff: float = 5.0
    """The longest pause after failing steps (it doubles from the loop's interval)."""


INTAKE_BATCH = 100
COURIER_BATCH = 25
"""Messages per courier pass: small, so a pass (and so a shutdown) never waits on many sends."""


def holder_id() -> str:
    """Who holds a lease: readable in the database, unique even across restarts of one pid."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    """A named lease kept alive in the background; `held` says whether steps may run now."""

    def __init__(self, atende: Atende, name: str, holder: str, seconds: float) -> None:
        self.atende = atende
        self.name = name
        self.holder = holder
        self.seconds = seconds
        self._valid_until = 0.0  # time.monotonic() reading
        self._renewed_at = 0.0

    @property
    def age(self) -> float:
        """Seconds since the lease was last taken or renewed."""
        return time.monotonic() - self._renewed_at

    @property
    def held(self) -> bool:
        # A margin of a third: a step never starts on a lease about to lapse unrenewed.
        return time.monotonic() < self._valid_until - self.seconds / 3

    def acquire(self) -> bool:
        """Take or renew the lease (sync: call it in a thread)."""
        started = time.monotonic()
        taken = False

        def use_case(session: Session) -> None:
            nonlocal taken
            taken = session.uow.leases.acquire(
                self.name, self.holder, session.now + timedelta(seconds=self.seconds), session.now
            )

        self.atende.run(use_case)
        was_held = self.held
        self._valid_until = started + self.seconds if taken else 0.0
        if taken:
            self._renewed_at = started
        if taken and not was_held:
            log.info("lease %r taken by %s", self.name, self.holder)
        elif was_held and not taken:
            log.warning("lease %r lost by %s", self.name, self.holder)
        return taken

    def release(self) -> None:
        """Hand the lease over now instead of letting it run out (sync)."""
        if self._valid_until == 0.0:
            return
        self._valid_until = 0.0

        def use_case(session: Session) -> None:
            session.uow.leases.acquire(self.name, self.holder, session.now, session.now)

        self.atende.run(use_case)
        log.info("lease %r released by %s", self.name, self.holder)


class Fenced(WhatsAppGateway):
    """A gateway that sends only while this process holds the courier lease.

    The lease is renewed in the background, but a process can stall (a long pause, a database
    that stops answering): `held` turns false a third of a lifetime before anyone else may take
    the lease over, and from then on a pass still under way sends nothing more. The refused
    message stays pending, with a short backoff, for whoever holds the lease next.
    """

    def __init__(self, gateway: WhatsAppGateway, lease: Lease) -> None:
        self.gateway = gateway
        self.lease = lease

    def send(self, message: Outgoing) -> str:
        if not self.lease.held:
            raise SendError(f"the {self.lease.name!r} lease is no longer held here", retryable=True)
        return self.gateway.send(message)


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


class Workers:
    """The intake processor, the courier and the timers of one process, with their leases.

    `running()` starts them and, on the way out, stops them cleanly: each finishes its step
    in flight, then the leases are handed over.
    """

    def __init__(
        self,
        atende: Atende,
        gateway: WhatsAppGateway,
        *,
        intervals: Intervals | None = None,
        holder: str | None = None,
    ) -> None:
        self.atende = atende
        self.intervals = intervals or Intervals()
        self.holder = holder or holder_id()
        seconds = self.intervals.lease_seconds
        self.leases = [
            Lease(atende, COURIER_LEASE, self.holder, seconds),
            Lease(atende, TIMERS_LEASE, self.holder, seconds),
        ]
        courier = self.courier = atende.courier(Fenced(gateway, self.leases[0]))
        backoff = self.intervals.max_backoff
        self.courier_loop = Loop(
            "courier",
            lambda: courier.deliver(COURIER_BATCH),
            self.intervals.courier,
            lease=self.leases[0],
            max_backoff=backoff,
        )
        self.timers_loop = Loop("timers", self._tick, self.intervals.timers, lease=self.leases[1], max_backoff=backoff)
        self.intake_loop = Loop(
            "intake",
            lambda: atende.process_intake(INTAKE_BATCH),
            self.intervals.intake,
            after_work=self.courier_loop.wake,
            max_backoff=backoff,
        )
        self.loops = [self.intake_loop, self.courier_loop, self.timers_loop]
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self._intake_timer: asyncio.TimerHandle | None = None
        self._last_arrival = 0.0
        self._keeper_stopping = asyncio.Event()

    def _tick(self) -> int:
        self.atende.tick()
        self.courier_loop.wake()  # timers may have queued reminders or requeue notices
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

    async def _keep_leases(self) -> None:
        """Renew held leases every third of their lifetime; ask for the others every `lease_retry`.

        Asking often matters after a crash: the dead holder's lease lapses on its own, and the
        sooner someone notices, the sooner messages flow again.
        """
        renew_every = self.intervals.lease_seconds / 3
        pause = min(self.intervals.lease_retry, renew_every)
        while not self._keeper_stopping.is_set():
            for lease in self.leases:
                if lease.held and lease.age < renew_every:
                    continue
                try:
                    taken = await asyncio.to_thread(lease.acquire)
                except Exception as error:
                    log.warning("could not renew lease %r: %s", lease.name, describe(error))
                    continue
                if taken:
                    (self.courier_loop if lease.name == COURIER_LEASE else self.timers_loop).wake()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._keeper_stopping.wait(), pause)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self._event_loop = asyncio.get_running_loop()
        for loop in self.loops:
            loop.reset()
        self._keeper_stopping = asyncio.Event()
        keeper = asyncio.create_task(self._keep_leases(), name="atende-leases")
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
            for lease in self.leases:
                try:
                    await asyncio.to_thread(lease.release)
                except Exception as error:
                    log.warning("could not release lease %r: %s", lease.name, describe(error))
            log.info("background loops stopped")
