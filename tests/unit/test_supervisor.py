"""Supervisors on WhatsApp: /painel, /relatorio, and moving or removing anyone who waits.

A supervisor is an agent entry with `supervisor = true`; Sofia here serves no department. The
commands are refused with a ⚠️ to an agent without the flag, and are plain text from a customer.
"""

from __future__ import annotations

import pytest

from atende.application.settings import AgentProfile
from atende.application.supervisor import fit
from atende.domain.events import EnteredQueue, Transferred
from tests.day import a_morning
from tests.unit.people import Agent, Customer
from tests.world import ANA, BRUNO, CARLA, JOAO, MARIA, PEDRO, World, settings

SOFIA = "5511900000009"
ROSTER = (
    AgentProfile(ANA, "Ana", ("financeiro",)),
    AgentProfile(BRUNO, "Bruno", ("financeiro", "suporte")),
    AgentProfile(CARLA, "Carla", ("suporte", "vendas", "trocas"), capacity=3),
    AgentProfile(SOFIA, "Sofia", (), supervisor=True),
)


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    marker = request.node.get_closest_marker("config")
    return World(settings(agents=ROSTER, **(marker.kwargs if marker else {})))


@pytest.fixture
def sofia(world: World) -> Agent:
    return Agent(world, SOFIA, "Sofia")


def test_the_panel_shows_every_line_and_every_agent_now(world: World, sofia: Agent) -> None:
    ana, carla = Agent(world, ANA), Agent(world, CARLA)
    maria, joao, pedro = Customer(world, MARIA), Customer(world, JOAO), Customer(world, PEDRO)
    ana.checks_in()
    carla.checks_in()
    carla.says("/pausa")
    maria.queues_for("financeiro")  # Ana takes her at once
    ana.says("Olá!")
    joao.queues_for("financeiro")
    world.wait(120)
    pedro.queues_for("financeiro")
    world.wait(30)

    sofia.says("/painel")

    assert sofia.read() == (
        "📋 *Painel* · 10:02\n"
        "*Financeiro*: 2 aguardando · mais antigo 2 min\n"
        "*Suporte*: ninguém aguardando\n"
        "*Vendas*: ninguém aguardando\n"
        "*Trocas*: ninguém aguardando\n"
        "\n"
        "👥 *Atendentes*\n"
        "Ana: 🔴 ocupado(a) · 1/1\n"
        "Carla: ⏸️ em pausa · 0/3\n"
        "Bruno: ⚫ fora · 0/1"
    )
    assert "Sofia" not in sofia.last_text().text, "a supervisor who serves no department is not on the floor"


@pytest.mark.config(locale="en")
def test_the_dashboard_in_english(world: World, sofia: Agent, bruno: Agent) -> None:
    bruno.checks_in()
    sofia.says("/dashboard")
    assert sofia.read().splitlines()[:2] == ["📋 *Dashboard* · 10:00", "*Financeiro*: nobody waiting"]
    assert sofia.last_text().text.endswith("Bruno: 🟢 available · 0/1\nAna: ⚫ offline · 0/1\nCarla: ⚫ offline · 0/3")


def test_the_report_is_the_days_figures_compact(world: World, sofia: Agent) -> None:
    a_morning(world)

    sofia.says("/relatorio")

    assert sofia.read() == (
        "📋 *Relatório* · hoje até 10:10\n"
        "*Financeiro*: 3 recebidos · 2 atendidos · 1 desistências\n"
        "   TME 2 min · TMA 5 min · NS 33% em 20 s · nota 2,0/3 (2)\n"
        "\n"
        "👥 *Por atendente*\n"
        "Ana: 2 atendimentos · TMA 5 min · nota 2,0/3 (2)"
    )


@pytest.mark.config(locale="en")
def test_a_report_of_several_days_names_them_and_totals_departments(world: World, sofia: Agent) -> None:
    ana, carla, maria, joao = Agent(world, ANA), Agent(world, CARLA), Customer(world, MARIA), Customer(world, JOAO)
    ana.checks_in()
    carla.checks_in()
    maria.queues_for("financeiro")
    joao.queues_for("vendas")
    world.wait(86400, step=3600)  # a day later: both offers lapsed, the agents are paused

    sofia.says("/report 7")

    assert sofia.read() == (
        "📋 *Report* · last 7 days, since 25/02\n"
        "*Financeiro*: 1 offered · 0 answered · 0 abandoned\n"
        "   ASA — · AHT — · SL — within 20 s · rating —\n"
        "*Vendas*: 1 offered · 0 answered · 0 abandoned\n"
        "   ASA — · AHT — · SL — within 20 s · rating —\n"
        "*Total*: 2 offered · 0 answered · 0 abandoned\n"
        "   ASA — · AHT — · SL — within 20 s · rating —"
    ), "offers that lapsed are not answers, and nobody gave up"


def test_a_report_of_a_quiet_period_says_so(world: World, sofia: Agent) -> None:
    sofia.says("/relatorio 30")
    assert sofia.read() == "📋 *Relatório* · últimos 30 dias, desde 01/02\nNenhum cliente nesse período."


@pytest.mark.parametrize("command", ["/painel", "/relatorio", "/dashboard", "/report 7"])
def test_an_agent_without_the_flag_is_refused(world: World, ana: Agent, command: str) -> None:
    ana.says(command)
    assert ana.read().startswith("⚠️ /")
    assert "supervisor = true" in ana.last_text().text


@pytest.mark.parametrize("command", ["/painel", "/relatorio"])
def test_a_customer_typing_a_supervisor_command_gets_no_panel(world: World, maria: Customer, command: str) -> None:
    maria.says(command)
    [greeting] = maria.reads()
    assert greeting.startswith("Olá, Maria!") and "📋" not in greeting
    assert world.store.messages[-1].content.body == command  # kept as what she wrote  # type: ignore[attr-defined]


def test_a_malformed_report_gets_its_usage(world: World, sofia: Agent) -> None:
    sofia.says("/relatorio ontem")
    assert sofia.read() == "⚠️ Use /relatorio (hoje) ou /relatorio N (os últimos N dias, até 366)."


def test_help_shows_the_supervisor_commands_to_supervisors_only(world: World, sofia: Agent, ana: Agent) -> None:
    sofia.says("/ajuda")
    ana.says("/ajuda")
    assert "📋 *Supervisão*\n/painel" in sofia.read()
    assert "/painel" not in ana.read()


def test_a_supervisor_queue_is_every_department_and_she_removes_anyone_by_code(
    world: World, sofia: Agent, maria: Customer, joao: Customer
) -> None:
    maria.queues_for("financeiro")
    joao.queues_for("vendas")

    sofia.says("/fila")
    assert sofia.read().splitlines() == [
        "📋 *Fila* · Financeiro, Suporte, Vendas, Trocas",
        f"1. Maria Silva {maria.tag} · Financeiro · 0 s — “oi”",
        f"2. João Souza {joao.tag} · Vendas · 0 s — “oi”",
    ]
    sofia.says(f"/remover {joao.tag} duplicado")
    assert sofia.read() == f"✅ {joao.tag} · João Souza removido da fila. O cliente foi avisado."
    assert joao.reads() == ["Seu atendimento foi encerrado pela equipe. Motivo: duplicado"]


def test_a_supervisor_moves_a_waiting_customer_keeping_her_place(
    world: World, sofia: Agent, carla: Agent, maria: Customer, joao: Customer
) -> None:
    joao.queues_for("suporte")
    world.wait(60)
    maria.queues_for("financeiro")  # nobody serves Financeiro now

    sofia.says(f"/transferir {maria.tag} suporte")

    assert sofia.read() == f"✅ {maria.tag} · Maria Silva passou para a fila de Suporte. O cliente foi avisado."
    assert maria.reads() == [
        "Você foi transferido para *Suporte*.",
        "Você está na fila de *Suporte*, posição 2.\n"
        "Pode escrever à vontade: quem te atender verá tudo. Para sair da fila, envie *sair*.",
    ]
    assert maria.events()[-2:] == [
        Transferred(maria.code, world.clock.now(), "financeiro", "suporte", SOFIA),
        EnteredQueue(maria.code, world.clock.now(), "suporte"),
    ]
    carla.says("/entrar")
    bell = next(t for t in carla.reads() if t.startswith("🔔") and "João" in t)
    assert "esperou 1 min" in bell, "João arrived first and is served first"
    carla.reads()
    bells = [t for t in world.texts(CARLA) if t.startswith("🔔")]
    assert any("↪️ Transferido de Financeiro por Sofia" in t for t in bells)


def test_an_agent_moves_only_her_own_conversation_by_code(
    world: World, ana: Agent, maria: Customer, joao: Customer
) -> None:
    ana.checks_in()
    maria.queues_for("financeiro")
    ana.says("Olá!")
    joao.queues_for("financeiro")

    ana.reads()
    ana.says(f"/transferir {joao.tag} suporte")
    assert ana.read().startswith("⚠️ /transferir #CÓD é um comando de supervisão")
    assert joao.conversation.department == "financeiro"

    ana.says(f"/transferir {maria.tag} suporte")
    assert ana.reads()[0] == f"✅ {maria.tag} · Maria Silva transferido para Suporte."
    assert maria.conversation.department == "suporte"


def test_moving_to_an_unknown_or_the_same_department_is_refused(world: World, sofia: Agent, maria: Customer) -> None:
    maria.queues_for("financeiro")
    sofia.says(f"/transferir {maria.tag} rh")
    assert sofia.read().startswith("⚠️ Setor desconhecido: rh.")
    sofia.says(f"/transferir {maria.tag} financeiro")
    assert sofia.read() == f"⚠️ {maria.tag} · Maria Silva já está em Financeiro."


def test_a_supervisor_who_serves_no_department_is_never_offered_anyone(
    world: World, sofia: Agent, maria: Customer
) -> None:
    sofia.checks_in()
    maria.queues_for("financeiro")
    sofia.says("/proximo")
    assert sofia.reads() == ["✅ Ninguém aguardando agora."]
    assert maria.conversation.agent is None


def test_a_long_listing_is_cut_to_one_message() -> None:
    lines = ["📋 *Painel*"] + [f"Atendente {n}: 🟢 disponível · 0/1" for n in range(400)]
    text = fit(lines, "… e mais {count}")
    assert len(text) <= 4096
    assert text.startswith("📋 *Painel*\nAtendente 0")
    kept = text.count("\n")
    assert text.endswith(f"… e mais {len(lines) - kept}")
    assert fit(lines[:3], "… e mais {count}") == "\n".join(lines[:3])


@pytest.mark.parametrize("who", [MARIA, JOAO, PEDRO])
def test_customers_are_never_supervisors(world: World, who: str) -> None:
    assert not world.settings.is_supervisor(who)
    assert world.settings.is_supervisor(SOFIA)
