"""Departments and their opening hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class OpeningHours:
    """Weekly opening hours in one time zone: weekday (0 = Monday) → list of (start, end)."""

    timezone: str
    week: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.timezone))
        now = local.time()
        return any(start <= now < end for start, end in self.week.get(local.weekday(), ()))


@dataclass(frozen=True)
class Department:
    key: str
    name: str
    description: str = ""
    hours: OpeningHours | None = None

    def is_open(self, moment: datetime) -> bool:
        return self.hours is None or self.hours.is_open(moment)
