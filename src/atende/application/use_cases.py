"""The application's front door: each call is one use case in one transaction."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from atende.domain.exceptions import ConcurrencyConflict

from .agent_commands import agent_writes, enroll
from .arrivals import Arrival, Inbound, StatusReport
from .courier import Courier, Pacing
from .customer import customer_writes
from .dispatch import dispatch
from .ports import Clock, UnitOfWork, WhatsAppGateway
from .session import Session
from .settings import Settings
from .statuses import record_status
from .texts import texts_for
from .timers import tick
from .windows import someone_wrote

log = logging.getLogger(__name__)

ATTEMPTS = 8
"""Tries of a use case that lost an optimistic-concurrency race before giving up."""

RETRY_PAUSE_SECONDS = 0.005
"""The random pause before retry n is at most this times 2ⁿ⁻¹ (about 0.6 s in all, at worst)."""

UseCase = Callable[[Session], None]


class Atende:
    """Runs use cases atomically, retrying the whole step when another worker won a race."""

    def __init__(
        self,
        settings: Settings,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.uow_factory = uow_factory
        self.clock = clock
        self.rng = rng or random.Random()
        self.texts = texts_for(settings.locale)

    def receive(self, inbound: Inbound) -> bool:
        """Handle one inbound message exactly once; False when it was a re-delivery."""
        handled = True

        def use_case(session: Session) -> None:
            nonlocal handled
            handled = self._handle(session, inbound)

        self.run(use_case)
        return handled

    def _handle(self, session: Session, arrival: Arrival) -> bool:
        if isinstance(arrival, StatusReport):
            record_status(session, arrival)
            return True
        if not session.uow.inbox.first_time(arrival.message_id):
            return False
        someone_wrote(session, arrival.sender, arrival.at)
        profile = self.settings.agent(arrival.sender)
        if profile is not None:
            agent_writes(session, profile, arrival)
        else:
            customer_writes(session, arrival)
        return True

    def record_status(self, report: StatusReport) -> None:
        self.run(lambda session: record_status(session, report))

    def accept(self, arrivals: Sequence[Arrival], received_at: datetime | None = None) -> int:
        """Store what a webhook notification carried, in one transaction, before anyone answers 200.

        Raises whatever storage raises: the caller must then answer 5xx so that Meta retries.
        """
        stored = 0

        def use_case(session: Session) -> None:
            nonlocal stored
            stored = sum(session.uow.intake.add(a, received_at or session.now) for a in arrivals)

        self.run(use_case)
        return stored

    def process_intake(self, limit: int = 100) -> int:
        """Handle stored arrivals old enough that Meta's late, earlier ones had time to arrive."""
        ready: list[Arrival] = []

        def load(session: Session) -> None:
            cutoff = session.now - timedelta(seconds=self.settings.reorder_window_seconds)
            ready.extend(session.uow.intake.ready(cutoff, limit))

        self.run(load)
        for arrival in ready:
            try:
                self.run(self._handled_once(arrival))
            except Exception as error:  # one poisoned arrival must not block everyone after it
                log.exception("could not handle %s; set aside", arrival.key)
                self.run(self._set_aside(arrival, repr(error)))
        return len(ready)

    def _handled_once(self, arrival: Arrival) -> UseCase:
        def use_case(session: Session) -> None:
            session.uow.intake.done(arrival.key)
            self._handle(session, arrival)

        return use_case

    @staticmethod
    def _set_aside(arrival: Arrival, error: str) -> UseCase:
        def use_case(session: Session) -> None:
            session.uow.intake.done(arrival.key, error)

        return use_case

    def courier(self, gateway: WhatsAppGateway, pacing: Pacing | None = None) -> Courier:
        return Courier(self.run, gateway, self.clock, pacing)

    def tick(self) -> None:
        """Timers and the dispatch sweep; call it every few seconds."""
        self.run(tick)

    def sync_roster(self) -> None:
        """Bring stored agents in line with the config file, then dispatch (capacity may have grown)."""

        def use_case(session: Session) -> None:
            for profile in self.settings.agents:
                agent = session.uow.agents.get(profile.phone) or enroll(session, profile)
                agent.name = profile.name
                agent.departments = profile.departments
                agent.capacity = profile.capacity
            dispatch(session)

        self.run(use_case)

    def run(self, use_case: UseCase) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            with self.uow_factory() as uow:
                session = Session(uow, self.clock.now(), self.settings, self.texts, self.rng)
                try:
                    # A conflict may surface while the step runs (a database that aborts a
                    # transaction early), not only at commit: either way, run it again.
                    use_case(session)
                    uow.commit()
                    return
                except ConcurrencyConflict:
                    if attempt == ATTEMPTS:
                        raise
                    log.info("concurrent change, retrying (attempt %d)", attempt)
            # Jittered backoff, so that workers that collided do not collide again in lockstep.
            time.sleep(random.uniform(0, RETRY_PAUSE_SECONDS * 2 ** (attempt - 1)))
