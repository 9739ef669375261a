"""Service figures and staffing advice from a day played on the fakes, checked figure by figure."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from atende.application.insight import period_of, service_report
from atende.application.reports import Period
from atende.application.staffing import StaffingRow, Target, staffing_advice
from tests.day import a_morning
from tests.unit.people import Agent, Customer
from tests.world import ANA, MONDAY_MORNING, World

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
MONDAY = Period(datetime(2026, 3, 2, tzinfo=SAO_PAULO), datetime(2026, 3, 3, tzinfo=SAO_PAULO))


def test_the_figures_of_a_morning(world: World) -> None:
    a_morning(world)
    with world.uow_factory() as uow:
        report = service_report(uow.reports, world.settings, period_of(world.clock.now(), world.settings.timezone))

    financeiro = report.departments[0]
    assert (financeiro.key, financeiro.name) == ("financeiro", "Financeiro")
    tally = financeiro.tally
    assert (tally.offered, tally.answered, tally.abandoned, tally.removed) == (3, 2, 1, 0)
    assert tally.asa_seconds == 120.0  # 0 s and 240 s
    assert tally.aht_seconds == 300.0
    assert tally.service_level == pytest.approx(1 / 3)  # Maria within 20 s, of Maria, João and Pedro
    assert (tally.ratings, tally.rating_average) == (2, 2.0)
    assert [d.key for d in report.departments] == ["financeiro", "suporte", "vendas", "trocas"]
    assert report.departments[1].tally.offered == 0 and report.departments[1].tally.asa_seconds is None
    assert report.total == tally
    [agent] = report.agents
    assert (agent.phone, agent.name, agent.tally.answered, agent.tally.aht_seconds) == (ANA, "Ana", 2, 300.0)
    assert report.hours[10].offered == 3 and report.hours[10].asa_seconds == 120.0
    assert sum(h.offered for h in report.hours) == 3


def test_one_department_and_a_stricter_threshold(world: World) -> None:
    a_morning(world)
    with world.uow_factory() as uow:
        report = service_report(uow.reports, world.settings, MONDAY, threshold_seconds=300, department="financeiro")
    assert [d.key for d in report.departments] == ["financeiro"]
    assert report.total.service_level == pytest.approx(2 / 3)  # João's 240 s are within 300 s now
    suporte = service_report(world.uow_factory().reports, world.settings, MONDAY, department="suporte")
    assert suporte.total.offered == 0 and suporte.agents == ()


def test_an_offer_that_lapsed_is_not_an_answer_and_its_wait_goes_on(
    world: World, ana: Agent, bruno: Agent, maria: Customer
) -> None:
    bruno.checks_in()
    maria.queues_for("financeiro")
    world.wait(180)  # Bruno never answers: back to the queue
    ana.checks_in()
    ana.says("Olá!")
    report = service_report(world.uow_factory().reports, world.settings, MONDAY)
    tally = report.departments[0].tally
    assert (tally.offered, tally.answered, tally.asa_seconds) == (1, 1, 180.0)
    assert [a.name for a in report.agents] == ["Ana"]


@pytest.mark.parametrize(
    ("days", "last_day", "start", "end"),
    [
        (1, None, datetime(2026, 3, 2, tzinfo=SAO_PAULO), datetime(2026, 3, 3, tzinfo=SAO_PAULO)),
        (7, None, datetime(2026, 2, 24, tzinfo=SAO_PAULO), datetime(2026, 3, 3, tzinfo=SAO_PAULO)),
        (1, date(2026, 2, 27), datetime(2026, 2, 27, tzinfo=SAO_PAULO), datetime(2026, 2, 28, tzinfo=SAO_PAULO)),
        (1, date(2026, 3, 9), datetime(2026, 3, 2, tzinfo=SAO_PAULO), datetime(2026, 3, 3, tzinfo=SAO_PAULO)),
    ],
)
def test_days_are_the_business_calendar_days(days: int, last_day: date | None, start: datetime, end: datetime) -> None:
    period = period_of(MONDAY_MORNING, "America/Sao_Paulo", days, last_day)
    assert (period.start, period.end) == (start, end)


def test_staffing_turns_the_measured_hour_into_agents(world: World) -> None:
    a_morning(world)
    with world.uow_factory() as uow:
        advice = staffing_advice(uow.reports, world.settings, MONDAY, Target.parse("80/20"), now=MONDAY.end)

    rows = {(r.department, r.weekday, r.hour): r for r in advice.rows}
    # 3 arrivals in Monday's 10:00 hour, 300 s each: 0.25 Erlang. One agent answers 76 % within 20 s,
    # two answer more than 80 %; Financeiro's agents hold one conversation at a time.
    assert rows["financeiro", 0, 10] == StaffingRow("financeiro", 0, 10, 3.0, 300.0, 2, 1.0)
    # Ana stayed checked in all day: every later hour is staffed without arrivals.
    assert rows["financeiro", 0, 15] == StaffingRow("financeiro", 0, 15, 0.0, 300.0, 0, 1.0)
    assert ("financeiro", 0, 9) not in rows, "nobody came, nobody was there"
    assert not [r for r in advice.rows if r.department == "suporte" and r.arrivals_per_hour]
    assert str(advice.target) == "80/20"


def test_staffing_shares_slots_out_by_the_departments_capacity(world: World, carla: Agent) -> None:
    """Trocas is Carla's alone, and she holds 3 chats at a time: Erlang C's slots are shared out by 3."""
    carla.checks_in()
    for n in range(12):  # one customer every 5 min from 10:00, each served for 4 min
        Customer(world, f"55119000100{n:02d}", f"Cliente {n}").queues_for("trocas")
        carla.says("Olá!")
        world.wait(240)
        carla.says("/fim")
        world.wait(60)
    with world.uow_factory() as uow:
        advice = staffing_advice(uow.reports, world.settings, MONDAY, Target(0.8, 20), now=MONDAY.end)
    [row] = [r for r in advice.rows if (r.department, r.hour) == ("trocas", 10)]
    # 12 an hour × 240 s = 0.8 Erlang: 2 slots answer 79 % within 20 s, 3 slots 95 %; one Carla holds 3.
    assert row == StaffingRow("trocas", 0, 10, 12.0, 240.0, 1, 1.0)


@pytest.mark.parametrize(
    ("text", "level", "seconds"), [("80/20", 0.8, 20), ("90%/30s", 0.9, 30), (" 95 / 15 ", 0.95, 15)]
)
def test_a_target_is_read_as_percent_over_seconds(text: str, level: float, seconds: float) -> None:
    assert Target.parse(text) == Target(level, seconds)


@pytest.mark.parametrize("text", ["80", "80/", "0/20", "100/20", "abc/20", "80-20"])
def test_a_wrong_target_says_what_it_should_look_like(text: str) -> None:
    with pytest.raises(ValueError, match=r"80/20|between 0 and 100"):
        Target.parse(text)


def test_the_hour_in_progress_counts_in_part(world: World) -> None:
    """Asked at 10:30, the 10:00 hour has been seen for half an hour: 3 arrivals are 6 an hour."""
    a_morning(world)
    half_past = MONDAY_MORNING + timedelta(minutes=30)
    with world.uow_factory() as uow:
        advice = staffing_advice(uow.reports, world.settings, MONDAY, Target(0.8, 20), now=half_past)
    rows = {(r.department, r.hour): r for r in advice.rows}
    assert rows["financeiro", 10].arrivals_per_hour == 6.0
    assert rows["financeiro", 10].agents_checked_in == 1.0
    assert ("financeiro", 11) not in rows, "not yet seen"


def test_a_conversation_the_idle_rule_closed_is_answered_but_has_no_handle_time(
    world: World, ana: Agent, maria: Customer, joao: Customer
) -> None:
    ana.checks_in()
    maria.queues_for("financeiro")
    ana.says("Olá, Maria!")
    world.wait(21 * 3600, step=600)  # both silent past [idle] assigned_hours: closed by atende
    joao.queues_for("financeiro")
    ana.says("Olá, João!")
    world.wait(300)
    ana.says("/fim")

    with world.uow_factory() as uow:
        report = service_report(uow.reports, world.settings, Period(MONDAY.start, MONDAY.end + timedelta(days=1)))
    tally = report.departments[0].tally
    assert (tally.offered, tally.answered, tally.handled) == (2, 2, 1)
    assert tally.aht_seconds == 300.0, "twenty silent hours are not handle time"
