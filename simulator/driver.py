"""How the player reaches atende: a narrow interface, so one scenario can run over several paths.

The direct driver calls the application service in-process, the way the webhook's worker
does after parsing a notification. The webhook driver (webhook_driver.py, the default) posts
signed Cloud API JSON to the ASGI app and catches outbound requests on a local Graph API
stand-in; it turns the same `Inbound` values into JSON and the requests it catches into the
same chat bubbles, so one scenario judges both paths alike.
"""

from __future__ import annotations

import abc
import math
from datetime import datetime

from atende.adapters.clock import ManualClock
from atende.application.arrivals import Inbound
from atende.application.courier import Pacing
from atende.application.use_cases import Atende

from .channel import CapturingChannel
from .chat import Chats


class Driver(abc.ABC):
    """Everything the player needs from a running atende, and nothing more."""

    @abc.abstractmethod
    def start(self) -> None:
        """Bring atende up as `atende serve` would (agents from the config enrolled)."""

    @abc.abstractmethod
    def now(self) -> datetime:
        """Simulated time: what an inbound message is stamped with."""

    @abc.abstractmethod
    def write(self, message: Inbound) -> None:
        """One person's message reaches the business number; returns once atende's answers are delivered."""

    @abc.abstractmethod
    def wait(self, seconds: float) -> None:
        """Time passes with the timers running; returns once whatever they caused is delivered."""


class DirectDriver(Driver):
    """Calls `Atende` in-process and sends its outbox through a capturing channel."""

    def __init__(self, atende: Atende, clock: ManualClock, chats: Chats, tick_seconds: float = 5.0) -> None:
        self.atende = atende
        self.clock = clock
        self.channel = CapturingChannel(chats, clock)
        # Simulated time jumps: pacing by the wall clock would only hold messages back.
        self.courier = atende.courier(self.channel, Pacing(burst=math.inf))
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
