"""Service figures as people read them: per department, per agent, in total and hour by hour.

`atende stats` and a supervisor's `/relatorio` show the same report, built here from the
storage's aggregates (`Reports`); what each figure means is defined in `reports`. Days are the
business's own: "today" starts at midnight in its time zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .reports import HourRow, Period, Reports, Tally
from .settings import Settings

DEFAULT_THRESHOLD_SECONDS = 20.0
"""Service level is measured at this wait unless asked otherwise (the 80/20 of contact centres)."""


@dataclass(frozen=True)
class DepartmentFigures:
    key: str
    name: str
    tally: Tally


@dataclass(frozen=True)
class AgentFigures:
    phone: str
    name: str
    tally: Tally


@dataclass(frozen=True)
class HourFigures:
    """One hour of the day (the business's clock), summed over the period's days."""

    hour: int
    offered: int
    answered: int
    wait_seconds: float

    @property
    def asa_seconds(self) -> float | None:
        return self.wait_seconds / self.answered if self.answered else None


@dataclass(frozen=True)
class ServiceReport:
    period: Period
    days: int
    threshold_seconds: float
    departments: tuple[DepartmentFigures, ...]
    total: Tally
    agents: tuple[AgentFigures, ...]
    hours: tuple[HourFigures, ...]
    """All 24 hours of the day, in order."""


def period_of(now: datetime, timezone: str, days: int = 1, last_day: date | None = None) -> Period:
    """`days` whole days of the business's calendar, ending with `last_day` (default and at most
    today, whose figures are then those so far)."""
    if days < 1:
        raise ValueError("a report covers at least one day")
    zone = ZoneInfo(timezone)
    last = min(last_day or now.astimezone(zone).date(), now.astimezone(zone).date())
    start = datetime.combine(last - timedelta(days=days - 1), time(), zone)
    return Period(start, datetime.combine(last + timedelta(days=1), time(), zone))


def service_report(
    reports: Reports,
    settings: Settings,
    period: Period,
    *,
    days: int = 1,
    threshold_seconds: float = DEFAULT_THRESHOLD_SECONDS,
    department: str | None = None,
) -> ServiceReport:
    """Every department of the config (and any the record still names), or just `department`."""
    by_department: dict[str, Tally] = defaultdict(Tally)
    by_agent: dict[str, Tally] = defaultdict(Tally)
    for row in reports.service(period, threshold_seconds):
        if department is not None and row.department != department:
            continue
        by_department[row.department] += row.tally
        if row.agent is not None:
            by_agent[row.agent] += row.tally
    keys = [d.key for d in settings.departments if department in (None, d.key)]
    keys += sorted(k for k in by_department if k not in keys)
    departments = tuple(DepartmentFigures(k, settings.department_name(k), by_department[k]) for k in keys)
    agents = tuple(
        sorted(
            (AgentFigures(phone, settings.agent_name(phone), tally) for phone, tally in by_agent.items()),
            key=lambda a: (-a.tally.answered, a.name),
        )
    )
    total = sum((d.tally for d in departments), Tally())
    hours = _by_hour_of_day(reports.hourly(period), settings.timezone, department)
    return ServiceReport(period, days, threshold_seconds, departments, total, agents, hours)


def _by_hour_of_day(rows: Iterable[HourRow], timezone: str, department: str | None) -> tuple[HourFigures, ...]:
    zone = ZoneInfo(timezone)
    sums: dict[int, tuple[int, int, float]] = defaultdict(lambda: (0, 0, 0.0))
    for row in rows:
        if department is not None and row.department != department:
            continue
        hour = row.hour.astimezone(zone).hour
        offered, answered, waited = sums[hour]
        sums[hour] = (offered + row.offered, answered + row.answered, waited + row.wait_seconds)
    return tuple(HourFigures(hour, *sums[hour]) for hour in range(24))
