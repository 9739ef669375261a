"""What happens because time passes: ⏳ reminders, offers that time out, and who gets the next customer."""

from __future__ import annotations

import pytest

from atende.domain.agent import PauseReason, Presence
from atende.domain.conversation import Stage
from atende.domain.events import OfferTimedOut
from tests.unit.people import Agent, Customer
from tests.unit.scenes import carla_with_maria_and_joao, serving
from tests.world import CARLA, JOAO, MARIA, PEDRO, World, render

LUIZA = "5511911110005"

# --- ⏳ reminders to busy agents ----------------------------------------------------------------


def test_a_busy_agent_is_reminded_every_interval_while_someone_waits(
    world: World, ana: Agent, maria: Customer, joao: Customer
) -> None:
    serving(ana, maria)
    joao.queues_for("financeiro")

    world.wait(295)
    assert ana.reads() == []
    world.wait(5)
    assert ana.reads() == ["⏳ 1 aguardando em Financeiro (mais antigo: 5 min) · /fila"]
    world.wait(295)
    assert ana.reads() == []
    world.wait(5)
    assert ana.reads() == ["⏳ 1 aguardando em Financeiro (mais antigo: 10 min) · /fila"]

    joao.says("sair")
    world.wait(900)
    assert ana.reads() == []


def test_no_reminder_while_the_queue_is_empty(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)

    world.wait(1200)

    assert ana.reads() == []


def test_the_reminder_counts_every_department_of_the_agent(
    world: World, bruno: Agent, maria: Customer, joao: Customer, pedro: Customer
) -> None:
    serving(bruno, maria)
    joao.queues_for("suporte")
    world.wait(60)
    pedro.queues_for("financeiro")

    world.wait(240)

    assert bruno.reads() == [
        "⏳ 1 aguardando em Suporte (mais antigo: 5 min) · 1 aguardando em Financeiro (mais antigo: 4 min) · /fila"
    ]


def test_paused_agents_are_not_reminded(
    world: World, ana: Agent, bruno: Agent, *, maria: Customer, joao: Customer, pedro: Customer
) -> None:
    serving(ana, maria)
    serving(bruno, joao)
    bruno.says("/pausa")
    bruno.reads()
    pedro.queues_for("financeiro")

    world.wait(600)

    assert len(ana.reads()) == 2
    assert bruno.reads() == []


def test_offline_agents_and_agents_of_other_departments_are_not_reminded(
    world: World, ana: Agent, bruno: Agent, carla: Agent, *, maria: Customer, joao: Customer, pedro: Customer
) -> None:
    serving(ana, maria)
    serving(carla, joao, "suporte")  # Carla is busy too, but not with Financeiro
    pedro.queues_for("financeiro")  # Bruno (Financeiro) stays offline

    world.wait(300)

    assert ana.reads() == ["⏳ 1 aguardando em Financeiro (mais antigo: 5 min) · /fila"]
    assert carla.reads() == []
    assert bruno.reads() == []


@pytest.mark.config(queue_reminder_seconds=0)
def test_reminders_can_be_turned_off(world: World, ana: Agent, maria: Customer, joao: Customer) -> None:
    serving(ana, maria)
    joao.queues_for("financeiro")

    world.wait(1200)

    assert ana.reads() == []


# --- offers ------------------------------------------------------------------------------------


def test_an_unanswered_offer_goes_back_to_the_queue_keeping_the_place(
    world: World, ana: Agent, bruno: Agent, maria: Customer, joao: Customer
) -> None:
    ana.checks_in()
    maria.queues_for("financeiro")  # offered to Ana, who does not answer
    offered_at = world.clock.now()
    world.wait(10)
    joao.queues_for("financeiro")
    ana.reads()

    world.wait(165)
    assert ana.reads() == []
    world.wait(5)

    assert ana.reads() == [
        f"⚠️ {maria.tag} · Maria Silva: sem resposta em 3 min. O cliente voltou para a fila "
        "e você foi pausado. /volto para receber novos clientes."
    ]
    assert maria.reads() == [
        "Quem ia te atender não pôde responder agora. Você continua na fila, na mesma posição (1)."
    ]
    assert (ana.presence, ana.state.pause_reason, ana.state.active) == (Presence.PAUSED, PauseReason.MISSED_OFFER, None)
    assert maria.conversation.stage is Stage.QUEUED
    assert maria.events()[-1] == OfferTimedOut(maria.code, world.clock.now(), "financeiro", ana.wa_id)
    assert world.clock.now() == offered_at.replace(minute=3)

    bruno.says("/entrar")  # Maria is still ahead of João
    notice = bruno.reads()[-1]
    assert notice.startswith("🔔") and maria.tag in notice.splitlines()[0]
    assert "esperou 3 min" in notice
    assert joao.conversation.stage is Stage.QUEUED


def test_an_agent_who_missed_an_offer_resumes_and_is_offered_again(world: World, ana: Agent, maria: Customer) -> None:
    ana.checks_in()
    maria.queues_for("financeiro")
    world.wait(180)
    ana.reads()

    ana.says("/volto")

    resumed, notice = ana.reads()
    assert resumed == "✅ De volta: você recebe novos clientes."
    assert maria.tag in notice.splitlines()[0]


@pytest.mark.parametrize("action", ["Olá, Maria!", "/fim"])
def test_an_answered_offer_never_times_out(world: World, ana: Agent, maria: Customer, action: str) -> None:
    ana.checks_in()
    maria.queues_for("financeiro")
    world.wait(170)

    ana.says(action)
    ana.reads()
    world.wait(600)

    assert ana.reads() == []
    assert ana.presence is Presence.AVAILABLE
    assert not any(isinstance(e, OfferTimedOut) for e in world.store.events)


@pytest.mark.config(offer_timeout_seconds=0)
def test_offer_timeout_zero_turns_offers_off(world: World, ana: Agent, maria: Customer) -> None:
    ana.checks_in()
    maria.queues_for("financeiro")
    ana.reads()

    world.wait(3600)

    assert ana.reads() == []
    assert ana.presence is Presence.AVAILABLE
    assert maria.conversation.agent == ana.wa_id


def test_a_background_offer_times_out_without_touching_the_active_conversation(
    world: World, carla: Agent, maria: Customer, joao: Customer
) -> None:
    serving(carla, maria, "suporte")
    joao.queues_for("vendas")  # offered in the background
    carla.reads()

    world.wait(180)

    assert carla.reads()[0].startswith(f"⚠️ {joao.tag} · João Souza: sem resposta")
    assert (carla.presence, carla.state.active) == (Presence.PAUSED, maria.code)
    carla.says("Ainda estou aqui, Maria")
    assert maria.reads() == ["Ainda estou aqui, Maria"]


# --- who gets the next customer ----------------------------------------------------------------


def test_the_agent_who_checked_in_first_gets_the_first_customer(
    world: World, ana: Agent, bruno: Agent, maria: Customer
) -> None:
    bruno.checks_in()
    world.wait(10)
    ana.checks_in()

    maria.queues_for("financeiro")

    assert maria.conversation.agent == bruno.wa_id


@pytest.mark.parametrize(("first_free", "expected"), [("ana", "ana"), ("bruno", "bruno")])
def test_the_longest_idle_agent_gets_the_next_customer(
    world: World, ana: Agent, bruno: Agent, *, maria: Customer, joao: Customer, pedro: Customer,
    first_free: str, expected: str,
) -> None:  # fmt: skip
    agents = {"ana": ana, "bruno": bruno}
    ana.checks_in()
    bruno.checks_in()
    serving(ana, maria)
    world.wait(10)
    serving(bruno, joao)
    world.wait(10)

    early, late = agents[first_free], agents["bruno" if first_free == "ana" else "ana"]
    early.says("/fim")  # free since now
    world.wait(120)
    late.says("Já termino")
    late.says("/fim")  # free since just now
    world.wait(60)

    pedro.queues_for("financeiro")

    assert pedro.conversation.agent == agents[expected].wa_id


# --- offers that lapse together ----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_offers_lapsing_in_the_same_tick_each_keep_their_own_place(seed: int) -> None:
    """Three customers offered at one instant, who had queued at different moments: whatever order
    their codes sort in, each hears their own place, and the customer behind them keeps theirs."""
    world = World(seed=seed)
    carla = Agent(world, CARLA)
    line = [Customer(world, wa_id) for wa_id in (MARIA, JOAO, PEDRO)]
    for customer in line:
        customer.queues_for("vendas")
        world.clock.advance(20)
    carla.checks_in()  # capacity 3: all three are offered to her at once
    luiza = Customer(world, LUIZA, "Luíza Prado")
    luiza.queues_for("vendas")
    assert [c.conversation.stage for c in line] == [Stage.ASSIGNED] * 3
    for customer in line:
        customer.reads()

    world.wait(180)

    told = [customer.reads() for customer in line]
    assert told == [
        [f"Quem ia te atender não pôde responder agora. Você continua na fila, na mesma posição ({place})."]
        for place in (1, 2, 3)
    ]
    assert luiza.reads() == []
    carla.reads()
    carla.says("/fila")
    rows = carla.read().splitlines()[1:]
    assert [row.split(" · ")[0] for row in rows] == [
        f"{place}. {customer.name} {customer.tag}" for place, customer in enumerate([*line, luiza], 1)
    ]


# --- a working agent keeps her offers ----------------------------------------------------------


def test_a_capacity_3_agent_answering_one_customer_keeps_her_other_offers(
    world: World, carla: Agent, maria: Customer, joao: Customer, pedro: Customer
) -> None:
    carla_with_maria_and_joao(world, carla, maria, joao)  # João offered in the background
    world.wait(30)
    pedro.queues_for("trocas")  # offered too
    carla.reads()
    for step in range(1, 5):
        world.wait(55)
        carla.says(f"Maria, passo {step}")  # she is busy with Maria, and writing
        world.wait(5)

    assert carla.reads() == [
        f"⏳ {joao.tag} · João Souza espera sua resposta há 3 min. Deslize esta mensagem para responder, "
        f"ou /ir {joao.tag}.",
        f"⏳ {pedro.tag} · Pedro Lima espera sua resposta há 3 min. Deslize esta mensagem para responder, "
        f"ou /ir {pedro.tag}.",
    ]
    assert (carla.presence, carla.state.pause_reason) == (Presence.AVAILABLE, None)
    assert (joao.conversation.agent, pedro.conversation.agent) == (carla.wa_id, carla.wa_id)
    assert joao.reads() == [] and pedro.reads() == []
    assert not any(isinstance(e, OfferTimedOut) for e in world.store.events)

    carla.swipes(f"⏳ {joao.tag}", "Oi João, já te atendo!")  # a swipe on the ⏳ answers João

    assert joao.reads() == ["Oi João, já te atendo!"]
    assert joao.conversation.accepted_at is not None
    assert maria.reads() == [f"Maria, passo {n}" for n in (1, 2, 3, 4)]


def test_a_working_agent_is_reminded_every_offer_timeout_while_the_offer_waits(
    world: World, carla: Agent, maria: Customer, joao: Customer
) -> None:
    carla_with_maria_and_joao(world, carla, maria, joao)
    offered = world.clock.now()

    reminded = []
    for _ in range(7):
        world.wait(60)
        reminded += [(world.clock.now() - offered).total_seconds() for t in carla.reads() if t.startswith("⏳")]
        carla.says("/fila")  # a command is writing too: she is at her phone

    assert reminded == [180, 360]
    reminders = [m for m in carla.received() if render(m).startswith("⏳")]
    assert [render(m).split(" espera")[0] for m in reminders] == [f"⏳ {joao.tag} · João Souza"] * 2
    assert [m.conversation for m in reminders] == [joao.code] * 2, "a swipe-reply on a ⏳ reaches João"
    assert render(reminders[1]).split("há ")[1].startswith("6 min")
    assert carla.presence is Presence.AVAILABLE


def test_offers_of_an_agent_who_goes_silent_lapse_one_timeout_after_her_last_reminder(
    world: World, carla: Agent, maria: Customer, joao: Customer
) -> None:
    carla_with_maria_and_joao(world, carla, maria, joao)
    world.wait(100)
    carla.says("Maria, só um instante")
    world.wait(80)  # João's offer is 3 min old: Carla wrote since, so it stays with her
    assert carla.reads()[-1].startswith(f"⏳ {joao.tag}")

    world.wait(175)  # silent ever since the reminder
    assert carla.reads() == []
    world.wait(5)

    assert carla.reads() == [
        f"⚠️ {joao.tag} · João Souza: sem resposta em 3 min. O cliente voltou para a fila "
        "e você foi pausado. /volto para receber novos clientes."
    ]
    assert joao.reads()[-1].endswith("na mesma posição (1).")
    assert (carla.presence, carla.state.pause_reason, carla.state.active) == (
        Presence.PAUSED,
        PauseReason.MISSED_OFFER,
        maria.code,
    )


def test_writing_before_the_offer_is_not_working_on_it(world: World, ana: Agent, maria: Customer) -> None:
    ana.checks_in()
    ana.says("/fila")
    maria.queues_for("financeiro")  # offered after Ana last wrote

    world.wait(180)

    assert ana.presence is Presence.PAUSED
    assert maria.conversation.stage is Stage.QUEUED
