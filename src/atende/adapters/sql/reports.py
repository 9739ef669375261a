"""Figures in SQL: service tallies, hourly arrivals, presence spans and the live state, as aggregates.

Each report is a few `GROUP BY` statements over the event record, run in the database: window
functions (`LAG`/`LEAD` over one conversation's steps, in `seq` order) tell an answered
assignment from a lapsed offer and find where an agent's part ended, without reading every
event into Python. The same statements run on SQLite (3.25+) and PostgreSQL; the two differ
only in how a timestamp becomes seconds (`epoch`).

A report reads in its own read-only transaction (`engine.read_only`): on SQLite it never takes
the write lock, so `atende stats` runs beside `atende serve` without making it wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Float, Integer, and_, case, func, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from atende.application.reports import (
    AgentLoad,
    HourRow,
    Live,
    Period,
    PresenceSpan,
    Reports,
    ServiceRow,
    StoredArrival,
    Tally,
    WaitingLine,
)
from atende.domain.conversation import Stage

from . import tables as t
from .engine import read_only

KINDS = (
    "entered_queue", "assigned", "offer_timed_out", "abandoned", "removed", "transferred", "idle_closed", "closed",
)  # fmt: skip
"""The steps whose order says what happened to a customer (ratings are read apart)."""

PART_ENDS = ("closed", "transferred")
"""What ends an agent's part with a handle time; an idle close (both sides silent for hours) ends
none: its length is silence, not work."""

WAITING_STEPS = ("entered_queue", "offer_timed_out")
"""Steps after which the customer is in a queue: a `closed` right after one closed them waiting."""


class epoch(FunctionElement[float]):
    """Seconds since 1970 of a timestamp column, as a float, on either engine."""

    type = Float()
    inherit_cache = True


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    # Timestamps are stored as naive UTC text; julianday keeps their milliseconds, and rounding
    # to them undoes its binary fraction (13:00:00 would otherwise floor into the hour before).
    return f"ROUND((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0, 3)"


@compiles(epoch, "postgresql")
def _epoch_postgresql(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS DOUBLE PRECISION)"


class hour_index(FunctionElement[int]):
    """Whole hours since 1970 of a number of seconds since 1970."""

    type = Integer()
    inherit_cache = True


@compiles(hour_index, "sqlite")
def _hour_sqlite(element: hour_index, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) / 3600 AS INTEGER)"  # positive: truncation floors


@compiles(hour_index, "postgresql")
def _hour_postgresql(element: hour_index, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(floor(({compiler.process(element.clauses, **kw)}) / 3600) AS BIGINT)"


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _total(condition: ColumnElement[bool], value: ColumnElement[float]) -> ColumnElement[float]:
    return func.coalesce(func.sum(case((condition, value), else_=0.0)), 0.0)


def _steps(start: datetime) -> Any:
    """Each step from `start` on, with its neighbours in its conversation (a CTE)."""
    e = t.events.c
    by_conversation: dict[str, Any] = {"partition_by": e.code, "order_by": e.seq}
    seconds = epoch(e.at)
    return (
        select(
            e.code,
            e.kind,
            e.at,
            seconds.label("at_seconds"),
            e.department,
            e.agent,
            e.data["waited_seconds"].as_float().label("waited"),
            func.lag(e.kind).over(**by_conversation).label("prev_kind"),
            func.lag(e.department).over(**by_conversation).label("prev_department"),
            func.lead(e.kind).over(**by_conversation).label("next_kind"),
            func.lead(seconds).over(**by_conversation).label("next_seconds"),
        )
        .where(e.at >= start, e.kind.in_(KINDS))
        .cte("steps")
    )


class _Outcomes:
    """The conditions that classify a step, over the steps CTE."""

    def __init__(self, steps: Any) -> None:
        s = steps.c
        self.entered = s.kind == "entered_queue"
        self.answered = and_(s.kind == "assigned", or_(s.next_kind.is_(None), s.next_kind != "offer_timed_out"))
        self.ended = and_(self.answered, s.next_kind.in_(PART_ENDS))
        self.handle = s.next_seconds - s.at_seconds
        self.left = and_(s.kind == "abandoned", s.department.is_not(None))
        self.closed_waiting = and_(s.kind == "closed", s.prev_kind.in_(WAITING_STEPS))
        self.removed = s.kind == "removed"


class SqlReports(Reports):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self._engine.connect() as connection:
            reader = read_only(connection)
            with reader.begin():
                yield reader

    def service(self, period: Period, threshold_seconds: float) -> list[ServiceRow]:
        steps = _steps(period.start)
        s = steps.c
        o = _Outcomes(steps)
        department = case((s.kind == "closed", s.prev_department), else_=s.department).label("department")
        agent = case((o.answered, s.agent), else_=None).label("agent")
        query = (
            select(
                department,
                agent,
                _count(o.entered),
                _count(o.answered),
                _count(and_(o.answered, s.waited <= threshold_seconds)),
                _total(o.answered, s.waited),
                _count(o.left),
                _count(o.closed_waiting),
                _count(o.removed),
                _count(o.ended),
                _total(o.ended, o.handle),
            )
            .where(s.at < period.end, or_(o.entered, o.answered, o.left, o.closed_waiting, o.removed))
            .group_by(department, agent)
        )
        e, c = t.events.c, t.conversations.c
        ratings = (
            select(c.department, c.agent, func.count(), func.sum(e.data["score"].as_integer()))
            .select_from(t.events.join(t.conversations, e.code == c.code))
            .where(e.kind == "rated", e.at >= period.start, e.at < period.end, c.department.is_not(None))
            .group_by(c.department, c.agent)
        )
        rows: list[ServiceRow] = []
        with self._reading() as connection:
            for key, who, *sums in connection.execute(query):
                if key is None:
                    continue  # a step whose queue began before the period
                tally = Tally(
                    offered=int(sums[0]),
                    answered=int(sums[1]),
                    answered_within=int(sums[2]),
                    wait_seconds=float(sums[3]),
                    left=int(sums[4]),
                    closed_waiting=int(sums[5]),
                    removed=int(sums[6]),
                    handled=int(sums[7]),
                    handle_seconds=float(sums[8]),
                )
                rows.append(ServiceRow(key, who, tally))
            for key, who, count, points in connection.execute(ratings):
                rows.append(ServiceRow(key, who, Tally(ratings=int(count), rating_points=int(points or 0))))
        return rows

    def hourly(self, period: Period) -> list[HourRow]:
        steps = _steps(period.start)
        s = steps.c
        o = _Outcomes(steps)
        hour = hour_index(s.at_seconds).label("hour")
        query = (
            select(
                s.department,
                hour,
                _count(o.entered),
                _count(o.answered),
                _total(o.answered, s.waited),
                _count(o.ended),
                _total(o.ended, o.handle),
            )
            .where(s.at < period.end, or_(o.entered, o.answered))
            .group_by(s.department, hour)
            .order_by(s.department, hour)
        )
        with self._reading() as connection:
            return [
                HourRow(
                    department,
                    _EPOCH + timedelta(hours=int(index)),
                    int(offered),
                    int(answered),
                    float(waited),
                    int(handled),
                    float(handling),
                )
                for department, index, offered, answered, waited, handled, handling in connection.execute(query)
            ]

    def presence(self, period: Period) -> list[PresenceSpan]:
        p = t.presence.c
        until = func.lead(p.at, type_=t.UtcDateTime()).over(partition_by=p.agent, order_by=p.seq)
        spans = select(p.agent, p.presence, p.at, until.label("until"), p.seq).cte("spans")
        query = (
            select(spans.c.agent, spans.c.presence, spans.c.at, spans.c.until)
            .where(spans.c.at < period.end, or_(spans.c.until.is_(None), spans.c.until > period.start))
            .order_by(spans.c.agent, spans.c.seq)
        )
        with self._reading() as connection:
            return [PresenceSpan(*row) for row in connection.execute(query)]

    def arrivals_span(self) -> Period | None:
        e = t.events.c
        query = select(func.min(e.at), func.max(e.at)).where(e.kind == "entered_queue")
        with self._reading() as connection:
            first, last = connection.execute(query).one()
        return None if first is None else Period(first, last)

    def live(self) -> Live:
        c, a, o, i = t.conversations.c, t.agents.c, t.outbox.c, t.intake.c
        lines = (
            select(c.department, func.count(), func.min(c.waiting_since))
            .where(c.stage == Stage.QUEUED.value)
            .group_by(c.department)
            .order_by(c.department)  # PostgreSQL's hash aggregate hands groups back in any order
        )
        loads = (
            select(c.agent, func.count().label("load"))
            .where(c.stage == Stage.ASSIGNED.value)
            .group_by(c.agent)
            .subquery()
        )
        agents = (
            select(a.phone, a.presence, a.capacity, func.coalesce(loads.c.load, 0))
            .select_from(t.agents.outerjoin(loads, loads.c.agent == a.phone))
            .order_by(a.phone)
        )
        pending = select(func.count(), func.min(o.created_at)).where(o.delivery == "pending")
        held = select(func.count()).where(o.delivery == "held")
        waiting = select(func.count(), func.min(i.received_at)).where(t.WAITING)
        set_aside = select(func.count()).select_from(t.intake).where(t.SET_ASIDE)
        with self._reading() as connection:
            found_lines = tuple(WaitingLine(key, int(n), since) for key, n, since in connection.execute(lines) if key)
            found_agents = tuple(AgentLoad(*row) for row in connection.execute(agents))
            outbox_pending, outbox_oldest = connection.execute(pending).one()
            intake_waiting, intake_oldest = connection.execute(waiting).one()
            return Live(
                lines=found_lines,
                agents=found_agents,
                outbox_pending=int(outbox_pending),
                outbox_oldest=outbox_oldest,
                outbox_held=int(connection.scalar(held) or 0),
                intake_waiting=int(intake_waiting),
                intake_oldest=intake_oldest,
                intake_set_aside=int(connection.scalar(set_aside) or 0),
            )

    def stored_arrivals(self, *, set_aside: bool, limit: int) -> list[StoredArrival]:
        i = t.intake.c
        query = select(
            i.key, i.kind, i.sender, i.at, i.received_at, i.attempts, i.retry_at, i.error, i.last_error, i.done_at
        )
        # Set aside: by the partial index, in the order they came; pending: in the order they go.
        query = query.where(t.SET_ASIDE).order_by(i.seq) if set_aside else query.where(t.WAITING).order_by(i.at, i.seq)
        with self._reading() as connection:
            return [
                StoredArrival(
                    key=row.key,
                    kind=row.kind,
                    sender=row.sender,
                    at=row.at,
                    received_at=row.received_at,
                    attempts=int(row.attempts),
                    retry_at=row.retry_at,
                    error=row.error or row.last_error,
                    set_aside_at=row.done_at if set_aside else None,
                )
                for row in connection.execute(query.limit(limit))
            ]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
