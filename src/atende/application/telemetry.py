"""Telemetry: what happened in this process, counted where it happens, kept by whoever listens.

The use cases say that an arrival was handled, a message sent or a send failed; an adapter turns
that into metrics (Prometheus counters, added up across worker processes). Counts are made
after the step that did the work committed: a step rerun after a lost race counts once.
"""

from __future__ import annotations

import abc

from .failures import Failure
from .outbound import Outgoing


class Telemetry(abc.ABC):
    @abc.abstractmethod
    def handled(self, kind: str) -> None:
        """An arrival was handled: `customer` or `agent` (a message from them), or `status`."""

    @abc.abstractmethod
    def sent(self, message: Outgoing, carried: int = 1) -> None:
        """WhatsApp took `message`, which carried `carried` outbox messages (coalesced into one)."""

    @abc.abstractmethod
    def send_failed(self, failure: Failure) -> None:
        """A send failed (it may be retried; each attempt counts)."""


class NoTelemetry(Telemetry):
    """Nobody listens (tests, the simulator, the ops commands)."""

    def handled(self, kind: str) -> None:
        pass

    def sent(self, message: Outgoing, carried: int = 1) -> None:
        pass

    def send_failed(self, failure: Failure) -> None:
        pass
