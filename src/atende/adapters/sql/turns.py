"""Writers of one SQLite file in one process take turns, in the order they asked.

SQLite has one write lock, and a writer that finds it taken polls for it: its busy handler
sleeps 1, 2, 5 … up to 100 ms between tries. A thread that commits and begins again at once
(the intake working through a backlog, batch after batch) therefore nearly always wins the
lock back before a waiting thread wakes up to try: under load the webhook's store waited
seconds for its turn while the intake and the courier took theirs back to back.

Inside one process the waiting can be fair instead: a writer that finds another writing
queues here and is handed the turn the moment the one before it commits or rolls back. Other
processes on the same file still meet SQLite's own lock and busy timeout, as before.
"""

from __future__ import annotations

import threading
from collections import deque


class Turns:
    """A lock handed to the longest waiter on release (first come, first served).

    `acquire` gives up after `timeout` seconds and returns False; the caller then goes on
    without its turn and meets SQLite's own lock (whose busy timeout decides), so a turn that
    is never given back costs time, never correctness.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Lock] = deque()

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        if turn.acquire(timeout=timeout):
            return True  # handed over by `release`: the turn is ours
        with self._mutex:
            if turn in self._waiting:
                self._waiting.remove(turn)
                return False
        # Handed over in the instant we gave up: take it, or nobody ever gives it back.
        turn.acquire()
        return True

    def release(self) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().release()  # still held: by the next in line now
            else:
                self._held = False

    @property
    def waiting(self) -> int:
        """How many writers wait for their turn now."""
        return len(self._waiting)
