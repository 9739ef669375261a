"""Staffing advice: measured traffic turned into the agents each hour of the week needs (Erlang C).

For every department and hour of the week (the business's clock): the arrival rate measured
over the period (arrivals ÷ the hours of that kind observed: from the first day anything was
recorded until now), the handle time measured
then (the department's average where that hour has none), the agents Erlang C asks for at the
target — chat concurrency included, as slots shared out among agents — and, beside it, how many
of the department's agents were checked in then, on average. The model and its limits:
docs/adr/0011.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from statistics import fmean
from zoneinfo import ZoneInfo

from .erlang import agents_needed
from .reports import HourRow, Period, PresenceSpan, Reports
from .settings import Settings

DEFAULT_DAYS = 28
"""Four weeks: each hour of the week seen four times, enough to average out one odd day."""

Slot = tuple[int, int]
"""(weekday, hour) on the business's clock; Monday is 0."""

_TARGET = re.compile(r"^\s*(\d{1,3}(?:\.\d+)?)\s*%?\s*/\s*(\d+(?:\.\d+)?)\s*s?\s*$")


@dataclass(frozen=True)
class Target:
    service_level: float
    """A fraction, 0–1."""
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Target:
        """`80/20`: 80 % answered within 20 s (`80%/20s` works too)."""
        found = _TARGET.match(text)
        if found is None:
            raise ValueError(f"{text!r} is not a target like 80/20 (80 % answered within 20 s)")
        percent, seconds = float(found.group(1)), float(found.group(2))
        if not 0 < percent < 100:
            raise ValueError(f"the service level must be between 0 and 100 %, not {percent:g}")
        return cls(percent / 100, seconds)

    def __str__(self) -> str:
        return f"{self.service_level * 100:g}/{self.seconds:g}"


@dataclass(frozen=True)
class StaffingRow:
    department: str
    weekday: int
    hour: int
    arrivals_per_hour: float
    aht_seconds: float | None
    """None where no conversation of the department has ended yet: nothing to base advice on."""
    agents_needed: int | None
    agents_checked_in: float
    """The department's agents checked in (paused ones too: a break is part of a shift), on average
    over the hours of that kind observed."""


@dataclass(frozen=True)
class StaffingAdvice:
    target: Target
    period: Period
    """What was observed: the asked period, from its first day with anything recorded, until now."""
    rows: tuple[StaffingRow, ...]


def staffing_advice(
    reports: Reports,
    settings: Settings,
    period: Period,
    target: Target,
    *,
    now: datetime,
    department: str | None = None,
) -> StaffingAdvice:
    """What was observed runs from the first day anything was recorded (weeks before atende was
    installed are not weeks without customers) until `now` (tonight has not been seen yet)."""
    zone = ZoneInfo(settings.timezone)
    hourly = [r for r in reports.hourly(period) if department in (None, r.department)]
    spans = reports.presence(period)
    first = min([r.hour for r in hourly] + [s.start for s in spans], default=period.start)
    first_day = datetime.combine(first.astimezone(zone).date(), time(), zone)
    observed = Period(max(period.start, first_day), min(period.end, now))
    seen = _hours_observed(observed, zone)
    keys = [d.key for d in settings.departments if department in (None, d.key)]
    keys += sorted({r.department for r in hourly} - set(keys))
    rows: list[StaffingRow] = []
    for key in keys:
        mine = [r for r in hourly if r.department == key]
        serving = [a for a in settings.agents if key in a.departments]
        capacity = fmean(a.capacity for a in serving) if serving else 1.0
        on_duty = _agent_hours(spans, {a.phone for a in serving}, observed, zone)
        rows.extend(_department_rows(key, mine, on_duty, seen, zone=zone, target=target, capacity=capacity))
    return StaffingAdvice(target, observed, tuple(rows))


def _department_rows(
    key: str,
    hourly: list[HourRow],
    on_duty: dict[Slot, float],
    seen: dict[Slot, float],
    *,
    zone: ZoneInfo,
    target: Target,
    capacity: float,
) -> list[StaffingRow]:
    arrivals: dict[Slot, int] = defaultdict(int)
    handling: dict[Slot, tuple[int, float]] = defaultdict(lambda: (0, 0.0))
    for row in hourly:
        slot = _slot(row.hour, zone)
        arrivals[slot] += row.offered
        handled, seconds = handling[slot]
        handling[slot] = (handled + row.handled, seconds + row.handle_seconds)
    handled_total = sum(h for h, _ in handling.values())
    overall = sum(s for _, s in handling.values()) / handled_total if handled_total else None
    rows = []
    for slot in sorted(set(arrivals) | set(on_duty)):
        hours = seen.get(slot, 0.0)
        if hours <= 0:
            continue
        rate = arrivals[slot] / hours
        handled, seconds = handling[slot]
        aht = seconds / handled if handled else overall
        if rate == 0:
            needed: int | None = 0
        elif aht is None or aht <= 0:
            needed = None
        else:
            needed = agents_needed(rate, aht, target.service_level, target.seconds, capacity)
        rows.append(
            StaffingRow(
                key,
                slot[0],
                slot[1],
                round(rate, 2),
                None if aht is None else round(aht, 1),
                needed,
                round(on_duty.get(slot, 0.0) / 3600 / hours, 2),
            )
        )
    return rows


def _slot(moment: datetime, zone: ZoneInfo) -> Slot:
    local = moment.astimezone(zone)
    return local.weekday(), local.hour


def _hours(start: datetime, end: datetime) -> Iterable[tuple[datetime, float]]:
    """The hours (UTC, on the hour) that [start, end) touches, with the seconds of each it covers."""
    hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    while hour < end:
        following = hour + timedelta(hours=1)
        covered = (min(end, following) - max(start, hour)).total_seconds()
        if covered > 0:
            yield hour, covered
        hour = following


def _hours_observed(period: Period, zone: ZoneInfo) -> dict[Slot, float]:
    """How many hours of each kind the period held (the hour in progress counts in part)."""
    seen: dict[Slot, float] = defaultdict(float)
    for hour, covered in _hours(period.start, period.end):
        seen[_slot(hour, zone)] += covered / 3600
    return seen


def _agent_hours(spans: list[PresenceSpan], agents: set[str], period: Period, zone: ZoneInfo) -> dict[Slot, float]:
    """Seconds each hour of the week that these agents spent checked in, summed over agents.

    Hours are cut on UTC hours: exact for zones a whole number of hours from UTC (all of
    Brazil's), an approximation for the few a half or quarter hour off.
    """
    on_duty: dict[Slot, float] = defaultdict(float)
    for span in spans:
        if span.agent not in agents or span.presence == "offline":
            continue
        start, end = max(span.start, period.start), min(span.end or period.end, period.end)
        for hour, covered in _hours(start, end):
            on_duty[_slot(hour, zone)] += covered
    return on_duty
