"""The direct path: atende called in-process, its outbox sent through a capturing gateway.

What the webhook's worker does after parsing a notification, without the webhook: quicker,
and a second opinion on every scenario (the two paths must agree).
"""

from __future__ import annotations

from datetime import datetime

from atende.adapters.clock import ManualClock
from atende.application.arrivals import Inbound
from atende.bootstrap import System

from .driver import Driver


class DirectDriver(Driver):
    """Calls `Atende` in-process; the system's gateway is a `CapturingGateway` that fills the chats."""

    def __init__(self, system: System, clock: ManualClock, tick_seconds: float = 5.0) -> None:
        self.atende = system.atende
        self.clock = clock
        self.courier = system.courier()
        self.tick_seconds = tick_seconds

    def start(self) -> None:
        self.atende.sync_roster()
        self._deliver()

    def now(self) -> datetime:
        return self.clock.now()

    def write(self, message: Inbound) -> None:
        self.atende.receive(message)
        self._deliver()

    def wait(self, seconds: float) -> None:
        remaining = seconds
        while remaining > 0:
            jump = min(self.tick_seconds, remaining)
            self.clock.advance(jump)
            remaining -= jump
            self.atende.tick()
            self._deliver()

    def _deliver(self) -> None:
        """Drain the outbox as the sender loop would; stops when nothing more can leave now."""
        while self.courier.deliver():
            pass
