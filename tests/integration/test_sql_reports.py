"""The SQL aggregates are the reference figures: the same working day, on a database and on the fakes.

`tests.fakes.FakeReports` computes every figure in Python, one event at a time, straight from
the definitions in `atende.application.reports`; the database computes them with `GROUP BY` and
window functions. Played from the same seed, both worlds hold the same events, so every tally,
hour, presence span and live count must agree (times to the millisecond SQLite keeps).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import text

from atende.adapters.sql.engine import connect
from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.application.reports import HourRow, Period, Reports, ServiceRow, Tally
from atende.domain.content import Choice
from tests.day import working_day
from tests.fakes import FakeReports
from tests.world import ANA, JOAO, MARIA, MONDAY_MORNING, World

UowFactory = Callable[[], SqlUnitOfWork]


def tallies(rows: list[ServiceRow]) -> dict[tuple[str, str | None], Tally]:
    """Rows summed per (department, agent): storage may split one key over several rows."""
    summed: dict[tuple[str, str | None], Tally] = defaultdict(Tally)
    for row in rows:
        summed[row.department, row.agent] += row.tally
    return dict(summed)


def hours(rows: list[HourRow]) -> dict[tuple[str, object], tuple[float, ...]]:
    return {(r.department, r.hour): dataclasses.astuple(r)[2:] for r in rows}


def assert_same_tallies(got: dict[tuple[str, str | None], Tally], want: dict[tuple[str, str | None], Tally]) -> None:
    assert got.keys() == want.keys()
    for key, tally in want.items():
        assert dataclasses.astuple(got[key]) == pytest.approx(dataclasses.astuple(tally), abs=0.01), key


def sql_reports(uow_factory: UowFactory) -> Reports:
    with uow_factory() as uow:
        return uow.reports


@pytest.fixture(params=[3, 11, 42])
def day(request: pytest.FixtureRequest, uow_factory: UowFactory) -> tuple[World, World]:
    on_database, on_fakes = World(uow_factory=uow_factory), World()
    working_day(on_database, request.param, steps=240)
    working_day(on_fakes, request.param, steps=240)
    return on_database, on_fakes


def test_every_figure_on_the_database_is_the_reference_figure(
    day: tuple[World, World], uow_factory: UowFactory
) -> None:
    on_database, on_fakes = day
    assert on_database.clock.now() == on_fakes.clock.now()
    sql, reference = sql_reports(uow_factory), FakeReports(on_fakes.store)
    whole = Period(MONDAY_MORNING - timedelta(hours=1), on_fakes.clock.now() + timedelta(hours=1))
    middle = Period(MONDAY_MORNING + timedelta(minutes=20), MONDAY_MORNING + timedelta(minutes=70))

    for period in (whole, middle):
        for threshold in (0, 20, 300):
            assert_same_tallies(tallies(sql.service(period, threshold)), tallies(reference.service(period, threshold)))
        got, want = hours(sql.hourly(period)), hours(reference.hourly(period))
        assert got.keys() == want.keys()
        for key, values in want.items():
            assert got[key] == pytest.approx(values, abs=0.01), key
        assert sql.presence(period) == reference.presence(period)
    assert sql.live() == reference.live()
    span = reference.arrivals_span()
    assert span is not None and whole.start < span.start < span.end < whole.end
    assert sql.arrivals_span() == span

    total = sum(tallies(reference.service(whole, 20)).values(), Tally())
    # The day was varied enough for the comparison to mean something.
    assert total.offered >= 20 and total.answered >= 10 and total.handled >= 5
    assert total.left >= 1 and total.ratings >= 1
    assert total.answered_within < total.answered
    assert len(sql.presence(whole)) >= 4


def test_on_sqlite_figures_are_read_beside_a_writer_holding_the_lock(sqlite_url: str) -> None:
    """`atende stats` beside a busy `atende serve`: a writer holds SQLite's lock, the report still reads.

    (A reader that took the lock would wait the whole busy timeout, then fail.)
    """
    engine = connect(sqlite_url)
    try:
        world = World(uow_factory=lambda: SqlUnitOfWork(engine))
        working_day(world, 5, steps=40)
        with SqlUnitOfWork(engine) as writer:
            writer.connection().execute(text("UPDATE agents SET name = name"))  # BEGIN IMMEDIATE: the lock is held
            period = Period(MONDAY_MORNING, world.clock.now() + timedelta(hours=1))
            rows = writer.reports.service(period, 20)
            live = writer.reports.live()
            writer.rollback()
    finally:
        engine.dispose()
    assert sum(r.tally.offered for r in rows) > 0
    assert len(live.agents) == len(world.settings.agents)


def idle_then_served(world: World) -> None:
    """Ana and Maria fall silent past the idle rule; then João is served and ended, and rates."""
    world.write(ANA, "/entrar")
    world.write(MARIA, "oi", name="Maria Silva")
    world.write(MARIA, "1", name="Maria Silva")
    world.write(ANA, "Olá, Maria!")
    world.wait(21 * 3600, step=600)
    world.write(JOAO, "oi", name="João Souza")
    world.write(JOAO, "1", name="João Souza")
    world.write(ANA, "Olá, João!")
    world.wait(240)
    world.write(ANA, "/fim")
    world.write(JOAO, Choice("rate:2", "😐 Regular"), name="João Souza")


def test_an_idle_close_is_read_alike_on_the_database(uow_factory: UowFactory) -> None:
    on_database, on_fakes = World(uow_factory=uow_factory), World()
    idle_then_served(on_database)
    idle_then_served(on_fakes)
    period = Period(MONDAY_MORNING - timedelta(hours=1), on_fakes.clock.now() + timedelta(hours=1))

    got, want = (
        tallies(sql_reports(uow_factory).service(period, 20)),
        tallies(FakeReports(on_fakes.store).service(period, 20)),
    )

    assert_same_tallies(got, want)
    total = sum(want.values(), Tally())
    assert (total.answered, total.handled, total.handle_seconds, total.ratings) == (2, 1, 240.0, 1)
