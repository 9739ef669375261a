"""Every use case a controller can call, each run as one transaction.

`Atende` is what the webhook, its loops, the simulator and the ops commands hold: it opens a
unit of work per call, runs the use case in a `Session`, commits, and runs the whole step
again when another worker won an optimistic-concurrency race in between.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import TypeVar

from atende.domain.exceptions import ConcurrencyConflict

from . import intake, retention
from .arrivals import Arrival, Inbound, StatusReport
from .courier import CLAIM_SECONDS, Courier, Pacing
from .errors import describe
from .leases import release_lease, take_lease
from .ports import ArrivalState, AsyncWhatsAppGateway, Clock, UnitOfWork, WhatsAppGateway
from .reports import Live, StoredArrival
from .roster import sync_roster
from .session import Session
from .settings import Settings
from .statuses import record_status
from .telemetry import NoTelemetry, Telemetry
from .texts import texts_for
from .timers import tick

log = logging.getLogger(__name__)

ATTEMPTS = 8
"""Tries of a use case that lost an optimistic-concurrency race before giving up."""

RETRY_PAUSE_SECONDS = 0.005
"""The random pause before retry n is at most this times 2ⁿ⁻¹ (about 0.6 s in all, at worst)."""

INTAKE_BATCH = 50
"""Arrivals per intake transaction: one commit for many, yet short enough that the webhook's
own writes never wait long for SQLite's lock (docs/adr/0014-intake-faults-and-batches.md)."""

PRUNE_BATCHES = 20
"""Batches one pruning pass runs at most, so a large backlog is worked off over several passes."""

T = TypeVar("T")


class Atende:
    """Runs use cases atomically, retrying the whole step when another worker won a race."""

    def __init__(
        self,
        settings: Settings,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        rng: random.Random | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.settings = settings
        self.uow_factory = uow_factory
        self.clock = clock
        self.rng = rng or random.Random()
        self.texts = texts_for(settings.locale, settings.text_overrides)
        self.telemetry = telemetry or NoTelemetry()

    def receive(self, inbound: Inbound) -> bool:
        """Handle one inbound message exactly once; False when it was a re-delivery."""
        handled = self.run(lambda session: intake.handle(session, inbound))
        if handled:
            self.telemetry.handled(self._kind(inbound))
        return handled

    def record_status(self, report: StatusReport) -> None:
        self.run(lambda session: record_status(session, report))

    def accept(self, arrivals: Sequence[Arrival], received_at: datetime | None = None) -> int:
        """Store what a webhook notification carried, in one transaction, before anyone answers 200.

        Raises whatever storage raises: the caller must then answer 5xx so that Meta retries.
        """
        return self.run(lambda session: intake.store(session, arrivals, received_at))

    def process_intake(self, limit: int = 100, batch: int = INTAKE_BATCH) -> int:
        """Handle ready arrivals, `batch` to a transaction, until `limit` were taken or none is
        ready; returns how many were taken.

        Storage's own trouble (a lock held too long, a lost connection, races lost too often)
        is raised as it is, for the caller to back off: every arrival stays pending. An arrival
        that fails by itself costs only itself: its batch is rolled back, the failure counted
        (`intake.note_failure`), and the arrivals before it are handled again without it.
        """
        taken = 0
        size = batch
        while taken < limit:
            try:
                done = self.run(partial(intake.handle_batch, limit=min(size, limit - taken), clock=self.clock))
            except intake.ArrivalFailed as failed:
                self._failed(failed)
                taken += 1
                size = failed.position or batch  # the ones before it went well: alone first, then on
                continue
            for arrival in done.handled:  # not by another worker first, not a re-delivery
                self.telemetry.handled(self._kind(arrival))
            taken += done.taken
            size = batch
            if not done.taken:
                break
        return taken

    def _failed(self, failed: intake.ArrivalFailed) -> None:
        key, error = failed.arrival.key, failed.error
        reason = describe(error)
        # With the traceback: an arrival that fails by itself is a bug to find.
        if self.run(partial(intake.note_failure, arrival=failed.arrival, error=reason)):
            log.error(
                "arrival %s set aside after %d failed attempts: %s",
                key,
                self.settings.intake_attempts,
                reason,
                exc_info=error,
            )
        else:
            log.warning("could not handle arrival %s, will try again: %s", key, reason, exc_info=error)

    def put_back(self, key: str | None) -> tuple[int, ArrivalState | None]:
        """`atende intake retry`: arrivals set aside become pending again (one, or every one)."""
        return self.run(partial(intake.put_back, key=key))

    def stored_arrivals(self, *, set_aside: bool, limit: int = 1000) -> list[StoredArrival]:
        """`atende intake ls`: arrivals pending or set aside, read apart (never under a lock)."""
        with self.uow_factory() as uow:
            return uow.reports.stored_arrivals(set_aside=set_aside, limit=limit)

    def _kind(self, arrival: Arrival) -> str:
        if isinstance(arrival, StatusReport):
            return "status"
        return "agent" if self.settings.is_agent(arrival.sender) else "customer"

    def live(self) -> Live:
        """Queues, agents and backlogs as storage holds them now (read apart, never under a lock)."""
        with self.uow_factory() as uow:
            return uow.reports.live()

    def courier(
        self,
        gateway: WhatsAppGateway | AsyncWhatsAppGateway,
        pacing: Pacing | None = None,
        *,
        holder: str | None = None,
        claim_seconds: float = CLAIM_SECONDS,
    ) -> Courier:
        return Courier(
            self.run, gateway, self.clock, pacing, self.telemetry, holder=holder, claim_seconds=claim_seconds
        )

    def tick(self) -> None:
        """Timers and the dispatch sweep; call it every few seconds."""
        self.run(tick)

    def sync_roster(self) -> None:
        """Bring stored agents in line with the config file, then dispatch (capacity may have grown)."""
        self.run(sync_roster)

    def prune(self, batch: int = retention.BATCH, batches: int = PRUNE_BATCHES) -> int:
        """Forget what is done with and older than the retention period, a batch per transaction,
        until nothing is left or `batches` ran; returns how many rows went. Once per cluster."""
        pruned = 0
        for _ in range(batches):
            done = self.run(partial(retention.prune, batch=batch))
            pruned += done.total
            if not done.filled(batch):
                break
        return pruned

    def take_lease(self, name: str, holder: str, seconds: float) -> bool:
        return self.run(lambda session: take_lease(session, name, holder, seconds))

    def release_lease(self, name: str, holder: str) -> None:
        self.run(lambda session: release_lease(session, name, holder))

    def run(self, use_case: Callable[[Session], T]) -> T:
        """Run `use_case` in one transaction and return what it returned."""
        for attempt in range(1, ATTEMPTS + 1):
            with self.uow_factory() as uow:
                session = Session(uow, self.clock.now(), self.settings, self.texts, self.rng)
                try:
                    # A conflict may surface while the step runs (a database that aborts a
                    # transaction early), not only at commit: either way, run it again.
                    result = use_case(session)
                    uow.commit()
                    return result
                except ConcurrencyConflict:
                    if attempt == ATTEMPTS:
                        raise
                    log.info("concurrent change, retrying (attempt %d)", attempt)
            # Jittered backoff, so that workers that collided do not collide again in lockstep.
            time.sleep(random.uniform(0, RETRY_PAUSE_SECONDS * 2 ** (attempt - 1)))
        raise AssertionError("unreachable: the last attempt returns or raises")
