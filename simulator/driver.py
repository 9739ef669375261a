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

from atende.application.arrivals import Inbound
from atende.application.courier import Pacing


def unpaced() -> Pacing:
    """Simulated time jumps: pacing recipients by it would only hold messages back."""
    return Pacing(burst=math.inf)


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
