"""Closed windows on a real database: what waits is kept whole, released once, and marked until sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.application.arrivals import Inbound
from atende.application.failures import Failure, SendError
from atende.application.outbound import Delivery, TemplateBody
from atende.domain.content import Choice, Text
from tests.world import ANA, MARIA, World, settings

UowFactory = Callable[[], SqlUnitOfWork]
DAY = timedelta(hours=24).total_seconds()


def test_a_folded_run_that_must_wait_again_keeps_every_line(uow_factory: UowFactory) -> None:
    """The courier folds a customer's run into its last row: on SQL too that row holds all of it,
    so a retry (or a hold) resends everything, and what waited stays marked until it is sent."""
    world = World(settings(assigned_idle_hours=0), uow_factory=uow_factory)  # a day of silence, kept open
    world.write(ANA, "/entrar", name="Ana")
    world.write(MARIA, "oi", name="Maria Silva")
    world.write(MARIA, Choice("dept:financeiro", "Financeiro"), name="Maria Silva")
    world.write(ANA, "Olá, Maria!", name="Ana")
    world.clock.advance(DAY)
    world.write(MARIA, "um", name="Maria Silva")  # held for Ana, who gets the template
    now = world.clock.now()
    world.atende.receive(Inbound("wamid.back", ANA, "Ana", now, Text("voltei")))
    world.atende.receive(Inbound("wamid.dois", MARIA, "Maria Silva", now, Text("dois")))
    world.gateway.failing[ANA] = SendError("(#131056) pair rate limit", Failure.RATE_LIMITED, code=131056)
    world.flush()  # "um" and "dois" folded into one send, which is refused for now

    world.write(ANA, "Maria, já vejo", name="Ana")
    assert "Maria, já vejo" not in world.texts(MARIA), "what waited has not reached Ana yet"
    del world.gateway.failing[ANA]
    world.wait(60)

    relays = [t for t in world.texts(ANA) if t.startswith("💬")]
    assert relays[-1].endswith("\num\ndois"), relays
    with uow_factory() as uow:
        assert uow.outbox.released_unsent(ANA) == 0
        assert uow.outbox.held_for(ANA) == []

    world.write(ANA, "Maria, agora sim", name="Ana")
    assert world.texts(MARIA)[-1] == "Maria, agora sim"


def test_words_for_a_closed_customer_window_wait_and_go_once(uow_factory: UowFactory) -> None:
    world = World(settings(customer_reopen_template="atende_retorno"), uow_factory=uow_factory)
    world.write(MARIA, "oi", name="Maria Silva")
    world.write(MARIA, Choice("dept:financeiro", "Financeiro"), name="Maria Silva")
    world.clock.advance(2 * DAY)
    world.write(ANA, "/entrar", name="Ana")
    world.write(ANA, "Bom dia, Maria!", name="Ana")
    world.write(ANA, "Segue o boleto.", name="Ana")

    with uow_factory() as uow:
        held = list(uow.outbox.held_for(MARIA))
    assert [m.delivery for m in held] == [Delivery.HELD, Delivery.HELD]
    assert all(m.held_at == world.clock.now() for m in held)
    assert [m.body for m in world.sent_to(MARIA) if isinstance(m.body, TemplateBody)] == [
        TemplateBody("atende_retorno", "pt_BR", ("Loja Exemplo", "Ana"))
    ]

    world.write(MARIA, "Oi!", name="Maria Silva")
    world.write(MARIA, "Recebi", name="Maria Silva")

    texts = world.texts(MARIA)
    assert texts.count("Bom dia, Maria!") == 1 and texts.count("Segue o boleto.") == 1
    assert texts.index("Bom dia, Maria!") < texts.index("Segue o boleto.")
    with uow_factory() as uow:
        assert uow.outbox.held_for(MARIA) == []
