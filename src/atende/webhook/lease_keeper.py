"""A lease held by this process, renewed in the background: whether its loop may run right now.

The lease itself is a row in the database (`atende.application.leases`); this keeps the
process's view of it, timed by the monotonic clock so that a wall-clock jump cannot extend it.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid

from atende.application.use_cases import Atende

log = logging.getLogger(__name__)


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
        self.asked = 0
        """How many times this process asked for the lease (taken, renewed or refused)."""

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
        taken = self.atende.take_lease(self.name, self.holder, self.seconds)
        self.asked += 1
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
        self.atende.release_lease(self.name, self.holder)
        log.info("lease %r released by %s", self.name, self.holder)
