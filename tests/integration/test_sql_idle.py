"""The idle rules on a real database: the timers' query finds what went quiet, and the chats match the fakes'."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.domain.content import Choice
from atende.domain.conversation import CloseReason, Stage
from tests.world import ANA, JOAO, MARIA, PEDRO, World, settings

UowFactory = Callable[[], SqlUnitOfWork]
HOUR = 3600
FRIDAY_AFTERNOON = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)


def play(world: World) -> None:
    """Friday: Maria leaves a menu open, João is served and both go quiet, Pedro rates nothing
    and waits in line; the weekend passes with the timer loop ticking hourly; Maria is back."""
    world.clock.current = FRIDAY_AFTERNOON
    world.write(ANA, "/entrar", name="Ana")
    world.write(MARIA, "oi", name="Maria Silva")
    world.write(JOAO, "boa tarde", name="João Souza")
    world.write(JOAO, Choice("dept:financeiro", "Financeiro"), name="João Souza")
    world.write(ANA, "Olá, João!", name="Ana")
    world.write(PEDRO, "oi", name="Pedro Lima")
    world.write(PEDRO, Choice("dept:financeiro", "Financeiro"), name="Pedro Lima")
    world.wait(3 * 24 * HOUR, step=HOUR)
    world.write(MARIA, "Bom dia, alguém aí?", name="Maria Silva")


def test_what_went_quiet_over_the_weekend_ends_on_the_database(uow_factory: UowFactory) -> None:
    world = World(settings(offer_timeout_seconds=0), uow_factory=uow_factory)

    play(world)

    assert world.texts(MARIA)[-1].startswith("Olá, Maria! Você está falando com *Loja Exemplo*")
    assert world.texts(JOAO)[-1].startswith("Encerramos este atendimento depois de 20 h sem mensagens")
    with uow_factory() as uow:
        by_customer: dict[str, list[tuple[Stage, CloseReason | None]]] = {}
        for conversation in sorted(uow.conversations.recent(10), key=lambda c: c.opened_at):
            by_customer.setdefault(conversation.customer.wa_id, []).append(
                (conversation.stage, conversation.close_reason)
            )
        assert by_customer[MARIA] == [(Stage.CLOSED, CloseReason.IDLE), (Stage.CHOOSING, None)]
        assert by_customer[JOAO] == [(Stage.CLOSED, CloseReason.IDLE)]
        # Pedro waited behind João, was served when João's conversation closed, and went quiet too.
        assert by_customer[PEDRO] == [(Stage.CLOSED, CloseReason.IDLE)]
        assert uow.conversations.quiet(world.clock.now()) == [], "nothing quiet before now: all of it ended"
        later = world.clock.now() + timedelta(seconds=1)
        assert [c.customer.wa_id for c in uow.conversations.quiet(later)] == [MARIA], "her new menu, just sent"
        joao = next(c for c in uow.conversations.recent(10) if c.customer.wa_id == JOAO)
        kinds = [e.name for e in uow.events.for_conversation(joao.code)]
        assert kinds == ["EnteredQueue", "Assigned", "IdleClosed", "Closed"]


def test_the_database_and_the_fakes_close_the_same_conversations(uow_factory: UowFactory) -> None:
    config = settings(offer_timeout_seconds=0)
    on_database, on_fakes = World(config, uow_factory=uow_factory), World(config)
    play(on_database)
    play(on_fakes)
    for person in (MARIA, JOAO, PEDRO, ANA):
        assert on_database.texts(person) == on_fakes.texts(person), person
