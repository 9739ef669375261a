"""Conversations that never hang (docs/adr/0009-idle-rules.md), through the use cases on fakes.

A menu or a rating question nobody answers is forgotten, an assignment both sides left silent is
closed with a word to each, a queued customer is never dropped. Time moves by hours and days,
with the timer loop ticking hourly (`pass_hours`) or not at all (`skip_hours`: the customer's
next message meets the rule first) — the outcome must be the same either way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from atende.application.outbound import Delivery, TemplateBody, TextBody
from atende.domain.agent import Presence
from atende.domain.content import Choice
from atende.domain.conversation import CloseReason, Stage
from atende.domain.events import Closed, IdleClosed
from tests.unit.people import Agent, Customer
from tests.unit.scenes import serving
from tests.world import MARIA, World

HOUR = 3600
GREETING = "Olá, Maria! Você está falando com *Loja Exemplo*.\nCom qual setor você quer falar?"
REPROMPT_START = "Não entendi 🙂"
FRIDAY_AFTERNOON = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)
"""15:00 in São Paulo."""

Passing = Callable[[World, float], None]


def pass_hours(world: World, hours: float) -> None:
    """Time passes with the timer loop running, an hour at a time."""
    world.wait(hours * HOUR, step=HOUR)


def skip_hours(world: World, hours: float) -> None:
    """Time passes and no timer pass runs (the timers' process was down, or simply not yet)."""
    world.clock.advance(hours * HOUR)


BOTH_WAYS = pytest.mark.parametrize("passes", [pass_hours, skip_hours], ids=["timers ran", "no timer pass"])


def notice_to_agent(world: World, code: str, hours: int = 20, *, told: bool = True, waiting: int = 0) -> str:
    texts = world.atende.texts
    return texts.idle_closed_done.format(
        code=code,
        name="Maria Silva",
        hours=hours,
        customer=texts.idle_customer_told if told else texts.idle_customer_later,
        held=texts.idle_held_waiting.format(count=waiting) if waiting else "",
    )


def notice_to_customer(world: World, hours: int = 20) -> str:
    return world.atende.texts.idle_closed.format(hours=hours)


# --- a menu nobody answered ----------------------------------------------------------------------


@BOTH_WAYS
def test_a_menu_left_on_friday_is_forgotten_and_monday_greets_afresh(
    world: World, maria: Customer, passes: Passing
) -> None:
    world.clock.current = FRIDAY_AFTERNOON
    maria.says("oi")
    old = maria.code
    maria.reads()

    passes(world, 3 * 24)
    maria.says("Bom dia, alguém aí?")

    assert maria.reads()[0].startswith(GREETING), "a fresh greeting and menu, not a re-prompt"
    stale = world.store.conversations[old]
    assert (stale.stage, stale.close_reason) == (Stage.CLOSED, CloseReason.IDLE)
    assert maria.code != old and maria.conversation.stage is Stage.CHOOSING
    idle, closed = [e for e in world.store.events if e.code == old][-2:]
    assert isinstance(idle, IdleClosed) and (idle.stage, idle.department, idle.agent) == ("choosing", None, None)
    assert closed == Closed(old, idle.at, "idle")


def test_the_timer_pass_closes_a_forgotten_menu_silently(world: World, maria: Customer) -> None:
    maria.says("oi")
    maria.reads()

    pass_hours(world, 13)

    assert maria.conversation.close_reason is CloseReason.IDLE
    assert maria.reads() == [], "forgetting a menu is no news to anyone"


def test_within_the_limit_a_menu_answer_that_is_no_answer_is_re_prompted(world: World, maria: Customer) -> None:
    maria.says("oi")
    maria.reads()
    pass_hours(world, 11)

    maria.says("Bom dia, alguém aí?")

    assert maria.read().startswith(REPROMPT_START)
    assert maria.conversation.stage is Stage.CHOOSING


def test_each_answer_to_the_menu_restarts_its_clock(world: World, maria: Customer) -> None:
    maria.says("oi")
    pass_hours(world, 8)
    maria.says("hmm")  # re-prompted: the menu is asked again now
    pass_hours(world, 8)
    maria.reads()

    maria.says("2")

    assert maria.read().startswith("Você está na fila de *Suporte*")


@pytest.mark.config(menu_idle_hours=2)
def test_the_limit_is_the_configured_one(world: World, maria: Customer) -> None:
    maria.says("oi")
    maria.reads()
    pass_hours(world, 3)

    maria.says("2")

    assert maria.reads()[0].startswith(GREETING)


@pytest.mark.config(menu_idle_hours=0)
def test_at_zero_a_menu_is_never_forgotten(world: World, maria: Customer) -> None:
    maria.says("oi")
    maria.reads()
    pass_hours(world, 24 * 7)

    maria.says("Bom dia")

    assert maria.read().startswith(REPROMPT_START)


# --- a rating question nobody answered -----------------------------------------------------------


@BOTH_WAYS
def test_a_rating_ignored_for_hours_is_forgotten(world: World, ana: Agent, maria: Customer, passes: Passing) -> None:
    serving(ana, maria)
    ana.says("/fim")
    ended = maria.code
    maria.reads()

    passes(world, 13)
    maria.says(Choice("rate:3", "😀 Ótimo"))  # an old button, tapped the next day

    assert world.store.conversations[ended].rating is None
    assert world.store.conversations[ended].stage is Stage.CLOSED
    assert maria.reads()[0].startswith(GREETING)


def test_a_rating_within_the_limit_counts(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    ana.says("/fim")
    pass_hours(world, 11)

    maria.says(Choice("rate:2", "😐 Regular"))

    assert maria.conversation.rating == 2


# --- an assignment both sides left silent --------------------------------------------------------


@BOTH_WAYS
def test_an_assignment_silent_on_both_sides_is_closed_with_a_word_to_each(
    world: World, ana: Agent, maria: Customer, joao: Customer, passes: Passing
) -> None:
    code = serving(ana, maria)
    maria.says("Vou verificar e te aviso")
    joao.queues_for("financeiro")
    ana.reads()

    passes(world, 21)
    if passes is skip_hours:
        maria.says("Oi, voltei")  # her message meets the rule first

    assert notice_to_agent(world, code) in ana.reads()
    assert maria.reads()[0] == notice_to_customer(world)
    conversation = world.store.conversations[code]
    assert (conversation.stage, conversation.close_reason) == (Stage.CLOSED, CloseReason.IDLE)
    idle = next(e for e in world.store.events if isinstance(e, IdleClosed) and e.code == code)
    assert (idle.stage, idle.department, idle.agent) == ("assigned", "financeiro", ana.wa_id)
    assert joao.conversation.stage is Stage.ASSIGNED, "Ana's slot went to the next in line"
    assert joao.conversation.agent == ana.wa_id


def test_the_notices_name_who_and_what(world: World, ana: Agent, maria: Customer) -> None:
    code = serving(ana, maria)

    pass_hours(world, 21)

    assert ana.reads() == [
        f"🔔 #{code} · Maria Silva: encerrado depois de 20 h sem mensagens de nenhum dos lados. O cliente foi avisado."
    ]
    assert maria.reads() == [
        "Encerramos este atendimento depois de 20 h sem mensagens. Se ainda precisar de algo, é só escrever."
    ]
    assert ana.state.active is None and ana.state.presence is Presence.AVAILABLE


def test_it_closes_on_the_first_pass_after_the_limit_not_before(world: World, ana: Agent, maria: Customer) -> None:
    code = serving(ana, maria)

    pass_hours(world, 20)
    assert world.store.conversations[code].stage is Stage.ASSIGNED, "20 h exactly: not yet more than the limit"
    pass_hours(world, 1)
    assert world.store.conversations[code].stage is Stage.CLOSED


@pytest.mark.parametrize("who", ["customer", "agent"])
def test_a_message_either_way_restarts_the_clock(world: World, ana: Agent, maria: Customer, who: str) -> None:
    code = serving(ana, maria)
    pass_hours(world, 15)
    (maria if who == "customer" else ana).says("Ainda por aqui")

    pass_hours(world, 15)

    assert world.store.conversations[code].stage is Stage.ASSIGNED
    pass_hours(world, 6)
    assert world.store.conversations[code].stage is Stage.CLOSED


def test_commands_are_no_message_in_the_conversation(world: World, ana: Agent, maria: Customer) -> None:
    code = serving(ana, maria)
    pass_hours(world, 15)
    ana.says("/ativos")

    pass_hours(world, 6)

    assert world.store.conversations[code].close_reason is CloseReason.IDLE


def test_the_agents_next_conversation_becomes_active(
    world: World, carla: Agent, maria: Customer, joao: Customer
) -> None:
    first = serving(carla, maria, "suporte")
    pass_hours(world, 12)
    second = joao.queues_for("vendas")  # Carla (capacity 3) gets João too, and talks to him
    carla.says(f"/ir #{second}")
    carla.says("Olá, João!")
    carla.says(f"/ir #{first}")
    carla.reads()

    pass_hours(world, 9)

    assert carla.reads() == [notice_to_agent(world, first) + f" Ativo agora: *João* #{second}."]
    assert carla.state.active == second


@pytest.mark.config(assigned_idle_hours=30)
def test_an_agent_silent_too_finds_the_notice_behind_her_reopen_template(
    world: World, ana: Agent, maria: Customer
) -> None:
    code = serving(ana, maria)

    pass_hours(world, 31)

    assert [m.body for m in ana.received()][-1] == TemplateBody("atende_agente", "pt_BR", ("Ana",))
    assert maria.reads() == [], "Maria too has been silent for over a day: her notice waits for her"
    ana.reads()
    ana.says("Bom dia")
    assert ana.reads()[:1] == [notice_to_agent(world, code, 30, told=False)]
    assert maria.reads() == [], "what Ana wrote before seeing the notice reaches no one"


@pytest.mark.config(assigned_idle_hours=0)
def test_at_zero_an_assignment_is_never_closed_by_time(world: World, ana: Agent, maria: Customer) -> None:
    code = serving(ana, maria)

    pass_hours(world, 24 * 7)

    assert world.store.conversations[code].stage is Stage.ASSIGNED


# --- a queued customer is never dropped ----------------------------------------------------------


@BOTH_WAYS
def test_a_queued_customer_keeps_their_place_however_long_they_wait(
    world: World, maria: Customer, joao: Customer, passes: Passing
) -> None:
    maria.queues_for("financeiro")
    joao.queues_for("financeiro")
    first_in_line = maria.conversation.queued_at

    passes(world, 5 * 24)
    maria.says("Bom dia, alguém aí?")

    assert maria.conversation.stage is Stage.QUEUED and maria.conversation.queued_at == first_in_line
    assert maria.read() == "Você continua na fila de *Financeiro*, posição 1."
    assert not any(isinstance(e, IdleClosed) for e in world.store.events)


# --- the customer who never answered the template ------------------------------------------------


def friday_customer_answered_on_monday(world: World, ana: Agent, maria: Customer) -> str:
    """Maria waits from Friday 18:30; on Monday at 09:00 Ana answers, through the template."""
    world.clock.current = datetime(2026, 3, 6, 21, 30, tzinfo=UTC)
    code = maria.queues_for("financeiro", first="Preciso da segunda via do boleto")
    world.clock.current = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    ana.checks_in()
    ana.says("Bom dia, Maria! Segue a segunda via.")
    ana.says("O vencimento novo é dia 15.")
    ana.reads()
    maria.reads()
    return code


@pytest.mark.config(customer_reopen_template="atende_retorno")
def test_a_customer_who_never_answers_the_template_is_closed_and_nothing_is_lost(
    world: World, ana: Agent, maria: Customer
) -> None:
    code = friday_customer_answered_on_monday(world, ana, maria)

    pass_hours(world, 21)

    assert ana.reads() == [notice_to_agent(world, code, told=False, waiting=2)]
    assert maria.reads() == [], "her window is closed: WhatsApp would refuse the notice now"
    held = [m for m in world.store.outbox if m.to == MARIA and m.delivery is Delivery.HELD]
    assert [m.body for m in held] == [
        TextBody("Bom dia, Maria! Segue a segunda via."),
        TextBody("O vencimento novo é dia 15."),
        TextBody(notice_to_customer(world)),
    ]
    assert world.store.conversations[code].close_reason is CloseReason.IDLE

    pass_hours(world, 24 * 3)
    maria.says("Oi! Só vi agora")

    news = maria.reads()
    assert news[:3] == [
        "Bom dia, Maria! Segue a segunda via.",
        "O vencimento novo é dia 15.",
        notice_to_customer(world),
    ], "Ana's answer, then why nobody is there, then a fresh start"
    assert news[3].startswith(GREETING)
    assert [m.body for m in maria.received()].count(
        TemplateBody("atende_retorno", "pt_BR", ("Loja Exemplo", "Ana"))
    ) == 1
    assert not [m for m in world.store.outbox if m.to == MARIA and m.delivery is Delivery.HELD]


@pytest.mark.config(offer_timeout_seconds=0)  # Ana's refused words accept nothing: keep the offer hers
def test_without_a_template_the_silent_weekend_customer_is_closed_and_told_when_back(
    world: World, ana: Agent, maria: Customer
) -> None:
    code = friday_customer_answered_on_monday(world, ana, maria)  # Ana was warned: nothing was sent

    pass_hours(world, 21)
    assert ana.reads() == [notice_to_agent(world, code, told=False)]
    maria.says("Oi")

    assert maria.reads()[:2] == [notice_to_customer(world), GREETING + "\n[Financeiro]\n[Suporte]\n[Vendas]\n[Trocas]"]


# --- in English ----------------------------------------------------------------------------------


@pytest.mark.config(locale="en")
def test_the_idle_notices_in_english(world: World, ana: Agent, maria: Customer) -> None:
    code = serving(ana, maria)

    pass_hours(world, 21)

    assert ana.reads() == [
        f"🔔 #{code} · Maria Silva: closed after 20 h without messages from either side. The customer was told."
    ]
    assert maria.reads() == [
        "We closed this conversation after 20 h without messages. If you still need anything, just write."
    ]
