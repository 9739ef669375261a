"""Departments and their opening hours (weekly hours, and the holidays they are closed on)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

HORIZON_DAYS = 400
"""How far ahead the next opening is looked for: a year of holidays, and a week more."""


@dataclass(frozen=True)
class Holidays:
    """Days a department with opening hours stays closed: dates, and dates that recur every year."""

    dates: frozenset[date] = frozenset()
    yearly: frozenset[tuple[int, int]] = frozenset()
    """(month, day): closed on that day every year (Christmas, New Year)."""

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and (day in self.dates or (day.month, day.day) in self.yearly)

    def __bool__(self) -> bool:
        return bool(self.dates or self.yearly)

    def __or__(self, other: Holidays) -> Holidays:
        return Holidays(self.dates | other.dates, self.yearly | other.yearly)


@dataclass(frozen=True)
class OpeningHours:
    """Weekly opening hours in one time zone: weekday (0 = Monday) → list of (start, end).

    An end of `time.max` stands for midnight. A holiday closes the whole calendar day, local time.
    """

    timezone: str
    week: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holidays: Holidays = field(default_factory=Holidays)

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.timezone))
        if local.date() in self.holidays:
            return False
        now = local.time()
        return any(start <= now < end for start, end in self.week.get(local.weekday(), ()))

    def next_opening(self, moment: datetime) -> datetime | None:
        """The first moment from `moment` on when the department is open (in its own time zone), or
        None when it never opens within `HORIZON_DAYS` (hours that are all holidays)."""
        zone = ZoneInfo(self.timezone)
        local = moment.astimezone(zone)
        if self.is_open(moment):
            return local
        for offset in range(HORIZON_DAYS):
            day = local.date() + timedelta(days=offset)
            if day in self.holidays:
                continue
            for start, _ in self.week.get(day.weekday(), ()):
                opening = datetime.combine(day, start, tzinfo=zone)
                if opening >= local:
                    return opening
        return None


@dataclass(frozen=True)
class Department:
    key: str
    name: str
    description: str = ""
    hours: OpeningHours | None = None

    def is_open(self, moment: datetime) -> bool:
        return self.hours is None or self.hours.is_open(moment)

    def next_opening(self, moment: datetime) -> datetime | None:
        """When the department opens again (`moment` itself while it is open)."""
        return self.hours.next_opening(moment) if self.hours is not None else moment
