"""Every step leaves an event, with its time (docs/design.md §4): waits, abandonment and service level."""

from __future__ import annotations

from datetime import datetime, timedelta

from atende.domain.events import (
    Abandoned,
    Assigned,
    Closed,
    EnteredQueue,
    Event,
    OfferTimedOut,
    PresenceChanged,
    Rated,
    Removed,
    Transferred,
)
from tests.unit.people import Agent, Customer
from tests.world import ANA, BRUNO, CARLA, World


def at(world: World, start: datetime) -> float:
    """Seconds since `start`, on the test clock."""
    return (world.clock.now() - start).total_seconds()


def timeline(events: list[Event], start: datetime) -> list[tuple[float, Event]]:
    return [((e.at - start).total_seconds(), e) for e in events]


def test_a_served_transferred_and_rated_conversation_leaves_every_step(
    world: World, ana: Agent, bruno: Agent, carla: Agent, maria: Customer
) -> None:
    t0 = world.clock.now()

    def t(seconds: float) -> datetime:
        return t0 + timedelta(seconds=seconds)

    maria.queues_for("financeiro")
    code = maria.code
    world.wait(60)
    bruno.says("/entrar")  # offered to Bruno, who lets it time out
    world.wait(180)
    ana.says("/entrar")  # Ana takes it and answers
    ana.says("Olá!")
    world.wait(120)
    ana.says("/transferir suporte")
    world.wait(30)
    carla.says("/entrar")
    carla.says("Oi, Maria")
    world.wait(300)
    carla.says("/fim")
    world.wait(20)
    maria.says("😀 Ótimo")

    assert timeline(maria.events(), t0) == timeline(
        [
            EnteredQueue(code, t(0), "financeiro"),
            Assigned(code, t(60), "financeiro", BRUNO, 60.0),
            OfferTimedOut(code, t(240), "financeiro", BRUNO),
            Assigned(code, t(240), "financeiro", ANA, 240.0),
            Transferred(code, t(360), "financeiro", "suporte", ANA),
            EnteredQueue(code, t(360), "suporte"),
            Assigned(code, t(390), "suporte", CARLA, 30.0),
            Closed(code, t(690), "ended"),
            Rated(code, t(710), 3),
        ],
        t0,
    )


def test_abandonment_and_removal_leave_their_events(
    world: World, ana: Agent, maria: Customer, joao: Customer, pedro: Customer
) -> None:
    ana.checks_in()
    ana.says("/pausa")
    t0 = world.clock.now()
    maria.says("oi")
    world.wait(15)
    maria.says("sair")  # from the menu
    joao.queues_for("suporte")
    world.wait(45)
    joao.says("sair")  # from the queue
    pedro.queues_for("financeiro")
    world.wait(30)
    ana.says("/remover 1 duplicado")

    assert [e for e in world.store.events if isinstance(e, Abandoned | Removed)] == [
        Abandoned(maria.conversations[0].code, t0 + timedelta(seconds=15), None, 0.0),  # never queued
        Abandoned(joao.code, t0 + timedelta(seconds=60), "suporte", 45.0),
        Removed(pedro.code, t0 + timedelta(seconds=90), "financeiro", ANA, "duplicado"),
    ]
    closed = [(e.code, e.reason) for e in world.store.events if isinstance(e, Closed)]
    assert closed == [
        (maria.conversations[0].code, "abandoned"),
        (joao.code, "abandoned"),
        (pedro.code, "removed"),
    ]


def test_events_are_recorded_in_time_order(world: World, ana: Agent, maria: Customer, joao: Customer) -> None:
    ana.checks_in()
    maria.queues_for("financeiro")
    ana.says("Olá")
    world.wait(30)
    joao.queues_for("financeiro")
    world.wait(400)
    ana.says("/fim")
    world.wait(10)
    ana.says("/fim")

    moments = [e.at for e in world.store.events]
    assert moments == sorted(moments)
    assert [e.name for e in world.store.events] == [
        "PresenceChanged", "EnteredQueue", "Assigned", "EnteredQueue", "Closed", "Assigned", "Closed",
    ]  # fmt: skip
    waited = [e.waited_seconds for e in world.store.events if isinstance(e, Assigned)]
    assert waited == [0.0, 400.0]
    assert at(world, moments[1]) == 440


def test_presence_changes_are_recorded_for_staffing(world: World, ana: Agent, maria: Customer) -> None:
    t0 = world.clock.now()
    ana.says("/entrar")
    world.wait(60)
    ana.says("/pausa")
    world.wait(60)
    ana.says("/volto")
    maria.queues_for("financeiro")
    world.wait(180)  # Ana lets the offer lapse: paused by atende
    ana.says("/volto")
    ana.says("/fim")
    ana.says("/sair")

    presence = [e for e in world.store.events if isinstance(e, PresenceChanged)]
    changes = [((e.at - t0).total_seconds(), e.presence) for e in presence]
    assert changes == [
        (0, "available"),
        (60, "paused"),
        (120, "available"),
        (300, "paused"),
        (300, "available"),
        (300, "offline"),
    ]
    assert {e.agent for e in presence} == {ANA}
