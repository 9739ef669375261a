"""The agent's side of docs/design.md §5: every command, in pt-BR and its English alias."""

from __future__ import annotations

import pytest

from atende.domain.agent import PauseReason, Presence
from atende.domain.conversation import CloseReason, Stage
from atende.domain.events import Removed, Transferred
from tests.unit.people import Agent, Customer
from tests.unit.scenes import carla_with_maria_and_joao, paused_with_a_queue, serving
from tests.world import World

NO_ACTIVE = (
    "⚠️ Nenhum atendimento ativo: sua mensagem não foi enviada. "
    "/proximo atende o próximo da fila · /ativos lista os seus."
)
DEPARTMENT_KEYS = "financeiro, suporte, vendas, trocas"


# --- /ajuda ------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/ajuda", "/help", "/AJUDA", "/Help "])
def test_help_lists_the_commands(ana: Agent, command: str) -> None:
    ana.says(command)

    answer = ana.read()
    assert answer.startswith("📋 *Comandos*")
    for name in ("/entrar", "/sair", "/pausa", "/volto", "/fila", "/proximo", "/puxar", "/remover",
                 "/fim", "/transferir", "/ativos", "/ir", "/historico"):  # fmt: skip
        assert name in answer


# --- /entrar · /sair ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/entrar", "/login", "/Entrar", "/LOGIN"])
def test_an_agent_checks_in(ana: Agent, command: str) -> None:
    agents_start = ana.presence
    assert agents_start is Presence.OFFLINE

    ana.says(command)

    assert ana.read() == "✅ Você entrou e está disponível. Ninguém aguardando em Financeiro."
    assert ana.presence is Presence.AVAILABLE

    ana.says(command)
    assert ana.read() == "✅ Você já está disponível. Ninguém aguardando em Financeiro."


def test_checking_in_takes_the_head_of_the_queue(world: World, ana: Agent, maria: Customer) -> None:
    maria.queues_for("financeiro")
    world.wait(60)

    ana.says("/entrar")

    checked_in, notice = ana.reads()
    assert checked_in == "✅ Você entrou e está disponível. 1 aguardando em Financeiro (mais antigo: 1 min) · /fila"
    assert notice.startswith("🔔") and maria.tag in notice.splitlines()[0]
    assert maria.reads() == ["*Ana* vai te atender agora."]


@pytest.mark.parametrize("command", ["/sair", "/logout", "/Sair"])
def test_an_agent_checks_out_and_gets_nobody(ana: Agent, maria: Customer, command: str) -> None:
    ana.checks_in()

    ana.says(command)

    assert ana.read() == "✅ Você saiu. Bom descanso!"
    assert ana.presence is Presence.OFFLINE
    maria.queues_for("financeiro")
    assert maria.conversation.stage is Stage.QUEUED
    assert ana.reads() == []


def test_checking_out_is_refused_while_holding_a_conversation(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)

    ana.says("/sair")

    assert ana.read() == ("⚠️ Você ainda tem 1 atendimento(s) aberto(s). Encerre com /fim ou transfira antes de sair.")
    assert ana.presence is Presence.AVAILABLE
    assert maria.conversation.stage is Stage.ASSIGNED

    ana.says("/fim")
    ana.says("/logout")
    assert ana.reads()[-1] == "✅ Você saiu. Bom descanso!"


# --- /pausa · /volto ---------------------------------------------------------------------------


@pytest.mark.parametrize(("pause", "resume"), [("/pausa", "/volto"), ("/pause", "/resume"), ("/PAUSA", "/Volto")])
def test_a_paused_agent_gets_nobody_new_and_resuming_dispatches(
    ana: Agent, maria: Customer, pause: str, resume: str
) -> None:
    ana.checks_in()

    ana.says(pause)
    assert ana.read() == (
        "✅ Pausado: você não recebe novos clientes e continua com 0 atendimento(s). /volto para voltar."
    )
    assert (ana.presence, ana.state.pause_reason) == (Presence.PAUSED, PauseReason.BY_AGENT)

    maria.queues_for("financeiro")
    assert ana.reads() == []
    assert maria.conversation.stage is Stage.QUEUED

    ana.says(resume)
    resumed, notice = ana.reads()
    assert resumed == "✅ De volta: você recebe novos clientes."
    assert notice.startswith("🔔") and maria.tag in notice
    assert maria.conversation.agent == ana.wa_id


def test_a_paused_agent_keeps_talking_to_their_customers(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)

    ana.says("/pausa")
    assert "continua com 1 atendimento(s)" in ana.read()

    ana.says("Só um instante")
    maria.says("ok")
    assert maria.reads() == ["Só um instante"]
    assert ana.reads() == [f"💬 *Maria* {maria.tag}\nok"]


@pytest.mark.parametrize("command", ["/pausa", "/volto", "/proximo", "/puxar 1"])
def test_an_offline_agent_is_told_to_check_in_first(ana: Agent, command: str) -> None:
    ana.says(command)

    assert ana.read() == "⚠️ Você está offline. Envie /entrar para começar."
    assert ana.presence is Presence.OFFLINE


# --- /fila -------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/fila", "/queue", "/Fila"])
def test_the_queue_lists_position_name_code_wait_and_first_message(
    world: World, ana: Agent, maria: Customer, *, joao: Customer, pedro: Customer, command: str
) -> None:
    serving(ana, maria)
    joao.queues_for("financeiro", first="Preciso da segunda via do boleto de março, por favor, com urgência")
    world.wait(60)
    pedro.queues_for("financeiro", first="oi")
    world.wait(60)

    ana.says(command)

    assert ana.read().splitlines() == [
        "📋 *Fila* · Financeiro",
        f"1. João Souza {joao.tag} · Financeiro · 2 min — “Preciso da segunda via do boleto de março, por fa…”",
        f"2. Pedro Lima {pedro.tag} · Financeiro · 1 min — “oi”",
    ]


@pytest.mark.parametrize("command", ["/fila suporte", "/queue Suporte", "/fila SUPORTE", "/fila 2"])
def test_the_queue_of_one_department(world: World, ana: Agent, maria: Customer, joao: Customer, command: str) -> None:
    maria.queues_for("financeiro")
    joao.queues_for("suporte", first="a impressora não liga")

    ana.says(command)

    assert ana.read().splitlines() == [
        "📋 *Fila* · Suporte",
        f"• João Souza {joao.tag} · Suporte · 0 s — “a impressora não liga”",  # not Ana's to pull by number
    ]


def test_an_agent_of_two_departments_sees_one_line_in_arrival_order(
    world: World, bruno: Agent, maria: Customer, joao: Customer
) -> None:
    joao.queues_for("suporte")
    world.wait(10)
    maria.queues_for("financeiro")

    bruno.says("/fila")

    assert bruno.read().splitlines() == [
        "📋 *Fila* · Financeiro, Suporte",
        f"1. João Souza {joao.tag} · Suporte · 10 s — “oi”",
        f"2. Maria Silva {maria.tag} · Financeiro · 0 s — “oi”",
    ]


def test_an_empty_queue_and_an_unknown_department(ana: Agent) -> None:
    ana.says("/fila")
    assert ana.read() == "📋 Ninguém aguardando em Financeiro."

    ana.says("/fila rh")
    assert ana.read() == f"⚠️ Setor desconhecido: rh. Setores: {DEPARTMENT_KEYS}"


# --- /proximo · /puxar -------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/proximo", "/next", "/Próximo", "/PRÓXIMO", "/próximo"])
def test_next_takes_the_head_of_the_queue_even_while_paused(
    world: World, ana: Agent, maria: Customer, joao: Customer, command: str
) -> None:
    paused_with_a_queue(world, ana, maria, joao)

    ana.says(command)

    notice = ana.read()
    assert notice.startswith("🔔") and maria.tag in notice.splitlines()[0]
    assert maria.conversation.agent == ana.wa_id
    assert joao.conversation.stage is Stage.QUEUED
    assert maria.reads() == ["*Ana* vai te atender agora."]


def test_next_with_nobody_waiting(ana: Agent) -> None:
    ana.checks_in()

    ana.says("/proximo")

    assert ana.read() == "✅ Ninguém aguardando agora."


def test_next_at_capacity_is_refused(world: World, ana: Agent, maria: Customer, joao: Customer) -> None:
    serving(ana, maria)
    joao.queues_for("financeiro")

    ana.says("/next")

    assert ana.read() == "⚠️ Você já está com 1 atendimento(s), o seu limite. Encerre um com /fim antes."
    assert joao.conversation.stage is Stage.QUEUED


@pytest.mark.parametrize("command", ["/puxar 2", "/take 2", "/puxar #{code}", "/take {code}", "/Puxar {lower}"])
def test_take_a_specific_customer_by_position_or_code(
    world: World, ana: Agent, maria: Customer, joao: Customer, command: str
) -> None:
    paused_with_a_queue(world, ana, maria, joao)

    ana.says(command.format(code=joao.code, lower=joao.code.lower()))

    notice = ana.read()
    assert notice.startswith("🔔") and joao.tag in notice.splitlines()[0]
    assert joao.conversation.agent == ana.wa_id
    assert maria.conversation.stage is Stage.QUEUED


@pytest.mark.parametrize(("command", "shown"), [("/puxar 3", "3"), ("/puxar #ZZZZ", "#ZZZZ")])
def test_take_someone_who_is_not_in_the_queue(
    world: World, ana: Agent, maria: Customer, *, joao: Customer, command: str, shown: str
) -> None:
    paused_with_a_queue(world, ana, maria, joao)

    ana.says(command)

    assert ana.read() == f"⚠️ Não encontrei {shown} na fila. /fila mostra quem aguarda."


def test_take_only_from_ones_own_departments(world: World, ana: Agent, joao: Customer) -> None:
    ana.checks_in()
    joao.queues_for("suporte")

    ana.says(f"/puxar {joao.tag}")

    assert ana.read() == f"⚠️ Não encontrei {joao.tag} na fila. /fila mostra quem aguarda."
    assert joao.conversation.stage is Stage.QUEUED


# --- /remover ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/remover 1 {reason}", "/remove #{code} {reason}", "/Remover {code} {reason}"])
def test_remove_tells_the_customer_with_the_reason(
    world: World, ana: Agent, maria: Customer, joao: Customer, command: str
) -> None:
    paused_with_a_queue(world, ana, maria, joao)

    ana.says(command.format(code=maria.code, reason="assunto resolvido por e-mail"))

    assert maria.reads() == ["Seu atendimento foi encerrado pela equipe. Motivo: assunto resolvido por e-mail"]
    assert ana.read() == f"✅ {maria.tag} · Maria Silva removido da fila. O cliente foi avisado."
    assert maria.conversation.close_reason is CloseReason.REMOVED
    assert maria.events()[-2] == Removed(maria.code, world.clock.now(), "financeiro", ana.wa_id,
                                         "assunto resolvido por e-mail")  # fmt: skip
    assert [c.code for c in world.store.conversations.values() if c.stage is Stage.QUEUED] == [joao.code]


def test_remove_without_a_reason(world: World, ana: Agent, maria: Customer) -> None:
    paused_with_a_queue(world, ana, maria)

    ana.says("/remover 1")

    assert maria.reads() == ["Seu atendimento foi encerrado pela equipe."]
    maria.says("oi?")
    assert maria.reads()[0].startswith("Olá, Maria!")  # a new conversation


def test_remove_someone_who_is_not_there(ana: Agent) -> None:
    ana.checks_in()

    ana.says("/remover 1 spam")

    assert ana.read() == "⚠️ Não encontrei 1 na fila. /fila mostra quem aguarda."


# --- /fim --------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/fim", "/end", "/FIM", "/fim #{code}", "/end {code}"])
def test_end_closes_the_conversation_and_the_next_customer_is_assigned(
    world: World, ana: Agent, maria: Customer, joao: Customer, command: str
) -> None:
    serving(ana, maria)
    joao.queues_for("financeiro")

    ana.says(command.format(code=maria.code))

    ended, notice = ana.reads()
    assert ended == f"✅ {maria.tag} · Maria Silva encerrado."
    assert notice.startswith("🔔") and joao.tag in notice.splitlines()[0]
    assert maria.reads()[0] == "Atendimento encerrado. Obrigado por falar com *Loja Exemplo*!"
    assert maria.conversation.stage is Stage.RATING
    assert joao.conversation.agent == ana.wa_id
    assert ana.state.active == joao.code


def test_end_with_nothing_active(ana: Agent) -> None:
    ana.checks_in()

    ana.says("/fim")

    assert ana.read() == NO_ACTIVE


def test_end_of_a_conversation_that_is_not_yours(ana: Agent, bruno: Agent, maria: Customer) -> None:
    serving(ana, maria)
    bruno.checks_in()

    bruno.says(f"/fim {maria.tag}")

    assert bruno.read() == f"⚠️ {maria.tag} não é um atendimento aberto seu. /ativos lista os seus."
    assert maria.conversation.stage is Stage.ASSIGNED


# --- /transferir -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", ["/transferir suporte", "/transfer Suporte", "/TRANSFERIR SUPORTE", "/transferir 2"]
)
def test_transfer_moves_the_customer_with_history(
    world: World, ana: Agent, carla: Agent, maria: Customer, command: str
) -> None:
    serving(ana, maria)
    maria.says("na verdade meu produto veio quebrado")
    ana.says("Vou te passar para o suporte")
    world.wait(30)
    carla.checks_in()
    ana.reads()
    maria.reads()

    ana.says(command)

    assert ana.read() == f"✅ {maria.tag} · Maria Silva transferido para Suporte."
    assert maria.reads() == [
        "Você foi transferido para *Suporte*.",
        "*Carla* vai te atender agora.",
    ]
    notice = carla.read().splitlines()
    assert notice[0].startswith("🔔") and maria.tag in notice[0] and "Suporte" in notice[0]
    assert notice[2:] == [
        "↪️ Transferido de Financeiro por Ana",
        "Já escreveu:",
        "› oi",
        "Ana: Olá, Maria!",
        "› na verdade meu produto veio quebrado",
        "Ana: Vou te passar para o suporte",
        "Tudo que você escrever vai para *Maria*. /fim encerra · /ajuda",
    ]
    conversation = maria.conversation
    assert (conversation.department, conversation.agent) == ("suporte", carla.wa_id)
    assert Transferred(maria.code, world.clock.now(), "financeiro", "suporte", ana.wa_id) in world.store.events
    assert ana.state.active is None


def test_a_transfer_waits_in_the_new_queue_when_nobody_is_free(
    world: World, ana: Agent, maria: Customer, joao: Customer
) -> None:
    serving(ana, maria)
    joao.queues_for("financeiro")

    ana.says("/transferir vendas")

    ended, notice = ana.reads()
    assert ended == f"✅ {maria.tag} · Maria Silva transferido para Vendas."
    assert joao.tag in notice.splitlines()[0]
    assert maria.reads() == [
        "Você foi transferido para *Vendas*.",
        "Você está na fila de *Vendas*, posição 1.\n"
        "Pode escrever à vontade: quem te atender verá tudo. Para sair da fila, envie *sair*.",
    ]
    assert maria.conversation.stage is Stage.QUEUED


def test_a_transfer_goes_to_a_colleague_before_coming_back(bruno: Agent, carla: Agent, maria: Customer) -> None:
    """Bruno serves both departments: the customer he moves to Suporte goes to Carla, not back to him."""
    serving(bruno, maria)
    carla.checks_in()

    bruno.says("/transferir suporte")

    assert maria.conversation.agent == carla.wa_id
    assert any(line.startswith("🔔") for line in carla.reads())


def test_a_transfer_comes_back_when_nobody_else_is_free(bruno: Agent, maria: Customer) -> None:
    """Preferring a colleague never leaves the customer waiting while the only free agent is idle."""
    serving(bruno, maria)

    bruno.says("/transferir suporte")

    assert maria.conversation.agent == bruno.wa_id
    assert maria.conversation.department == "suporte"


def test_transfer_to_the_same_department_is_refused(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)

    ana.says("/transferir Financeiro")

    assert ana.read() == f"⚠️ {maria.tag} · Maria Silva já está em Financeiro."
    assert maria.conversation.agent == ana.wa_id
    assert maria.reads() == []


def test_transfer_to_an_unknown_department(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)

    ana.says("/transferir rh")

    assert ana.read() == f"⚠️ Setor desconhecido: rh. Setores: {DEPARTMENT_KEYS}"
    assert maria.conversation.agent == ana.wa_id


def test_transfer_with_nothing_active(ana: Agent) -> None:
    ana.checks_in()

    ana.says("/transferir suporte")

    assert ana.read() == NO_ACTIVE


def test_fila_for_one_department_numbers_customers_as_puxar_counts_them(
    world: World, bruno: Agent, maria: Customer, joao: Customer
) -> None:
    """Bruno serves Financeiro and Suporte: `/puxar 2` must take whom `/fila financeiro` shows as 2."""
    bruno.checks_in()
    bruno.says("/pausa")
    maria.queues_for("suporte")
    world.wait(10)
    joao.queues_for("financeiro")
    bruno.reads()

    bruno.says("/fila financeiro")
    listing = bruno.read().splitlines()
    assert listing[1].startswith(f"2. João Souza #{joao.code}")

    bruno.says("/puxar 2")
    assert joao.conversation.agent == bruno.wa_id


def test_a_customer_pulled_explicitly_is_not_an_offer_that_times_out(
    world: World, bruno: Agent, maria: Customer
) -> None:
    bruno.checks_in()
    bruno.says("/pausa")
    maria.queues_for("financeiro")
    bruno.says("/proximo")
    bruno.reads()

    world.wait(600)

    assert maria.conversation.agent == bruno.wa_id
    assert not any("sem resposta" in m for m in bruno.reads())


# --- /ativos · /ir -----------------------------------------------------------------------------


@pytest.mark.parametrize(("listing", "switch"), [("/ativos", "/ir #{code}"), ("/list", "/switch {code}")])
def test_list_marks_the_active_one_and_switch_changes_it(
    world: World, carla: Agent, maria: Customer, *, joao: Customer, listing: str, switch: str
) -> None:
    carla_with_maria_and_joao(world, carla, maria, joao)

    carla.says(listing)
    assert carla.read().splitlines() == [
        "📋 *Seus atendimentos*",
        f"▶ {maria.tag} · Maria Silva · Suporte · há 1 min",
        f"• {joao.tag} · João Souza · Vendas · há 0 s",
    ]

    carla.says(switch.format(code=joao.code))
    assert carla.read() == f"✅ Agora com *João* {joao.tag}: tudo que você escrever vai para ele(a)."

    carla.says("Oi João, em que posso ajudar?")
    assert joao.reads() == ["Oi João, em que posso ajudar?"]
    assert maria.reads() == []

    carla.says(listing)
    assert [line[0] for line in carla.read().splitlines()[1:]] == ["•", "▶"]


def test_the_background_assignment_says_how_to_answer(
    world: World, carla: Agent, maria: Customer, joao: Customer
) -> None:
    carla.checks_in()
    maria.queues_for("suporte")
    carla.reads()

    joao.queues_for("vendas")

    notice = carla.read().splitlines()
    assert notice[-1] == f"Responda deslizando uma mensagem de *João* ou use /ir {joao.tag}."
    assert carla.state.active == maria.code


def test_list_with_nothing_and_switch_to_someone_elses(ana: Agent, carla: Agent, maria: Customer) -> None:
    serving(ana, maria)
    carla.checks_in()

    carla.says("/ativos")
    assert carla.read() == "📋 Você não tem atendimentos abertos."

    carla.says(f"/ir {maria.tag}")
    assert carla.read() == f"⚠️ {maria.tag} não é um atendimento aberto seu. /ativos lista os seus."


def test_ending_the_active_one_makes_the_oldest_remaining_active(
    world: World, carla: Agent, maria: Customer, joao: Customer
) -> None:
    carla_with_maria_and_joao(world, carla, maria, joao)

    carla.says("/fim")

    assert carla.read() == f"✅ {maria.tag} · Maria Silva encerrado. Ativo agora: *João* {joao.tag}."
    carla.says("Oi João")
    assert joao.reads() == ["Oi João"]


# --- /historico --------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/historico", "/history", "/Histórico"])
def test_history_shows_the_latest_messages_of_the_active_conversation(
    world: World, ana: Agent, maria: Customer, command: str
) -> None:
    serving(ana, maria)
    world.wait(60)
    maria.says("preciso da segunda via")
    ana.says("Enviada!")

    ana.says(command)

    assert ana.reads()[-1].splitlines() == [
        f"📋 *Histórico* {maria.tag} · Maria Silva",
        "[10:00] Maria Silva: oi",
        "[10:00] Você: Olá, Maria!",
        "[10:01] Maria Silva: preciso da segunda via",
        "[10:01] Você: Enviada!",
    ]


@pytest.mark.config(history_lines=2)
def test_history_is_limited_to_the_latest_lines(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    maria.says("um")
    maria.says("dois")

    ana.says("/historico")

    assert ana.reads()[-1].splitlines()[1:] == ["[10:00] Maria Silva: um", "[10:00] Maria Silva: dois"]


def test_history_of_a_conversation_with_no_messages_yet(ana: Agent, maria: Customer) -> None:
    ana.checks_in()
    maria.chooses("financeiro")  # a stale menu tap: nothing written yet
    ana.reads()

    ana.says("/historico")

    assert ana.read() == f"📋 {maria.tag} · Maria Silva: nenhuma mensagem ainda."


# --- text that is not a command ----------------------------------------------------------------


def test_plain_text_goes_to_the_active_customer(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)

    ana.says("Bom dia! Em que posso ajudar?")

    assert maria.reads() == ["Bom dia! Em que posso ajudar?"]
    assert ana.reads() == []


def test_plain_text_with_nobody_active_is_refused_with_what_to_do(world: World, ana: Agent, maria: Customer) -> None:
    ana.checks_in()

    ana.says("alguém aí?")

    assert ana.read() == NO_ACTIVE
    assert all(m.to == ana.wa_id for m in world.gateway.sent)


def test_a_swipe_reply_addresses_that_messages_customer_not_the_active_one(
    world: World, carla: Agent, maria: Customer, joao: Customer
) -> None:
    carla_with_maria_and_joao(world, carla, maria, joao)
    original = joao.says("e o meu pedido?")

    carla.swipes(f"*João* {joao.tag}\ne o meu pedido?", "Já vou verificar, João")

    assert joao.reads() == ["Já vou verificar, João"]
    assert joao.received()[-1].reply_to == original  # quoted on João's side
    assert maria.reads() == []
    assert carla.state.active == maria.code  # a swipe does not switch

    carla.says("E você, Maria?")
    assert maria.reads() == ["E você, Maria?"]


def test_a_swipe_reply_to_the_assignment_notice_addresses_that_customer(
    world: World, carla: Agent, maria: Customer, joao: Customer
) -> None:
    carla_with_maria_and_joao(world, carla, maria, joao)

    carla.swipes(f"/ir {joao.tag}", "Olá João, já te atendo")

    assert joao.reads() == ["Olá João, já te atendo"]
    assert maria.reads() == []


def test_a_swipe_reply_to_a_finished_conversation_is_not_sent(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    maria.says("obrigada!")
    ana.says("/fim")
    maria.says("😀 Ótimo")
    maria.reads()
    ana.reads()

    ana.swipes("obrigada!", "De nada!")

    assert ana.read() == f"⚠️ {maria.tag} · Maria Silva já foi encerrado: sua mensagem não foi enviada."
    assert maria.reads() == []


# --- mistakes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("/xyz", "⚠️ Comando desconhecido: /xyz. /ajuda lista os comandos."),
        ("/Fechar agora", "⚠️ Comando desconhecido: /Fechar. /ajuda lista os comandos."),
        ("/puxar", "⚠️ Use /puxar N (posição na /fila) ou /puxar #CÓD."),
        ("/take 0", "⚠️ Use /puxar N (posição na /fila) ou /puxar #CÓD."),
        ("/puxar maria", "⚠️ Use /puxar N (posição na /fila) ou /puxar #CÓD."),
        ("/remover", "⚠️ Use /remover N ou /remover #CÓD, e um motivo se quiser."),
        ("/remove -1 spam", "⚠️ Use /remover N ou /remover #CÓD, e um motivo se quiser."),
        ("/transferir", f"⚠️ Use /transferir SETOR. Setores: {DEPARTMENT_KEYS}"),
        ("/ir", "⚠️ Use /ir #CÓD. /ativos lista os seus atendimentos."),
        ("/switch 12345", "⚠️ Use /ir #CÓD. /ativos lista os seus atendimentos."),
        ("/fim agora!", "⚠️ Use /fim, ou /fim #CÓD para encerrar outro atendimento seu."),
    ],
)
def test_unknown_and_malformed_commands_get_a_warning_with_usage(
    ana: Agent, maria: Customer, typed: str, answer: str
) -> None:
    serving(ana, maria)

    ana.says(typed)

    assert ana.read() == answer
    assert maria.reads() == []
    assert maria.conversation.stage is Stage.ASSIGNED


def test_an_agents_number_is_an_agent_everywhere(world: World, ana: Agent) -> None:
    ana.says("oi")  # not a customer: no menu

    assert ana.read() == NO_ACTIVE
    assert world.store.conversations == {}
