"""Clocks: the real one, and one the simulator moves by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from atende.application.ports import Clock


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock(Clock):
    """Time that moves only when told: scenarios and demos skip minutes in an instant."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)
