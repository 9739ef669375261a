"""The customer's side of docs/design.md §4: menu, queue, waiting, leaving, rating, starting again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest

from atende.application.arrivals import Inbound
from atende.application.outbound import Delivery, MenuBody, TextBody
from atende.domain.content import (
    Choice,
    Contacts,
    Edited,
    Location,
    Media,
    MediaKind,
    Reaction,
    Revoked,
    SharedContact,
    SystemNotice,
    Text,
    Unsupported,
)
from atende.domain.conversation import CloseReason, Stage
from atende.domain.department import Department, Holidays, OpeningHours
from atende.domain.events import Abandoned, Assigned, Closed, Rated
from tests.unit.people import Agent, Customer
from tests.world import DEPARTMENTS, World, render

QUEUED_TAIL = "\nPode escrever à vontade: quem te atender verá tudo. Para sair da fila, envie *sair*."
MENU_OPTIONS = "\n[Financeiro]\n[Suporte]\n[Vendas]\n[Trocas]"
GREETING_MARIA = "Olá, Maria! Você está falando com *Loja Exemplo*.\nCom qual setor você quer falar?" + MENU_OPTIONS
REPROMPT = "Não entendi 🙂 Responda com o número ou o nome do setor: 1 Financeiro · 2 Suporte · 3 Vendas · 4 Trocas"
RATING_PROMPT = "Como foi o seu atendimento?\n[😀 Ótimo]\n[😐 Regular]\n[😞 Ruim]"


def queued(department: str, position: int, estimate: str = "") -> str:
    return f"Você está na fila de *{department}*, posição {position}.{estimate}{QUEUED_TAIL}"


def served_and_ended(ana: Agent, maria: Customer) -> str:
    """Ana serves Maria and ends the conversation; returns its code."""
    ana.checks_in()
    code = maria.queues_for("financeiro")
    ana.says("Pronto, segunda via enviada.")
    ana.says("/fim")
    ana.reads()
    return code


# --- greeting and menu ---------------------------------------------------------------------


def test_the_first_message_greets_by_name_and_offers_every_department(maria: Customer) -> None:
    maria.says("oi")

    [menu] = maria.received()
    assert isinstance(menu.body, MenuBody)
    assert menu.body.text == "Olá, Maria! Você está falando com *Loja Exemplo*.\nCom qual setor você quer falar?"
    assert menu.body.button == "Ver setores"
    assert [(o.id, o.title, o.description) for o in menu.body.options] == [
        ("dept:financeiro", "Financeiro", "Boletos, pagamentos e notas fiscais"),
        ("dept:suporte", "Suporte", "Problemas com produtos"),
        ("dept:vendas", "Vendas", "Orçamentos e pedidos"),
        ("dept:trocas", "Trocas", "Trocas e devoluções"),
    ]
    assert maria.conversation.stage is Stage.CHOOSING


def test_a_customer_without_a_profile_name_is_greeted_without_one(world: World) -> None:
    someone = Customer(world, "5511955554444", name="")
    someone.says("bom dia")

    assert someone.reads() == [
        "Olá! Você está falando com *Loja Exemplo*.\nCom qual setor você quer falar?" + MENU_OPTIONS
    ]


@pytest.mark.parametrize(
    "answer",
    [
        Choice("dept:suporte", "Suporte"),
        "2",
        " 2 ",
        "suporte",
        "SUPORTE",
        "Suporte!",
    ],
)
def test_maria_chooses_suporte_by_list_row_number_or_name(maria: Customer, answer: Choice | str) -> None:
    maria.says("oi")
    maria.reads()

    maria.says(answer)

    assert maria.reads() == [queued("Suporte", 1)]
    assert maria.conversation.stage is Stage.QUEUED
    assert maria.conversation.department == "suporte"


@pytest.mark.config(
    departments=(Department("cobranca", "Cobrança"), Department("credito", "Crédito e Análise")),
)
@pytest.mark.parametrize(
    ("answer", "department"),
    [
        ("cobranca", "cobranca"),
        ("COBRANÇA", "cobranca"),
        ("credito e analise", "credito"),
        ("Crédito", "credito"),
        ("análise", None),
    ],
)
def test_department_names_match_without_case_or_accents(maria: Customer, answer: str, department: str | None) -> None:
    maria.says("oi")
    maria.reads()

    maria.says(answer)

    assert maria.conversation.department == department
    if department is None:
        assert maria.reads() == [
            "Não entendi 🙂 Responda com o número ou o nome do setor: 1 Cobrança · 2 Crédito e Análise"
        ]


@pytest.mark.parametrize("nonsense", ["quero falar com alguém", "0", "5", "/fila", "🙂"])
def test_an_invalid_answer_gets_a_short_reprompt_not_the_whole_menu(maria: Customer, nonsense: str) -> None:
    maria.says("oi")
    maria.reads()

    maria.says(nonsense)

    assert maria.reads() == [REPROMPT]
    assert isinstance(maria.received()[-1].body, TextBody)
    assert maria.conversation.stage is Stage.CHOOSING

    maria.says("3")
    assert maria.reads() == [queued("Vendas", 1)]


def test_a_flood_of_menu_answers_costs_one_reprompt_and_keeps_every_word(world: World, maria: Customer) -> None:
    maria.says("oi")
    maria.reads()

    for n in range(1000):
        maria.says(f"blá {n}")

    assert maria.reads() == [REPROMPT]
    assert [m.id for m in world.store.outbox if render(m) == REPROMPT] == [maria.received()[-1].id]
    kept = [m.content for m in world.store.messages if m.conversation == maria.code]
    assert kept == [Text("oi"), *(Text(f"blá {n}") for n in range(1000))]
    assert maria.conversation.stage is Stage.CHOOSING

    maria.says("2")
    assert maria.reads() == [queued("Suporte", 1)]


def test_a_flood_arriving_faster_than_the_courier_sends_queues_one_reprompt(world: World, maria: Customer) -> None:
    maria.says("oi")
    maria.reads()

    for n in range(50):  # handled before the courier runs even once
        world.atende.receive(Inbound(f"wamid.flood{n}", maria.wa_id, maria.name, world.clock.now(), Text(f"hã {n}")))

    pending = [m for m in world.store.outbox if m.to == maria.wa_id and m.delivery is Delivery.PENDING]
    assert [render(m) for m in pending] == [REPROMPT]


def test_a_customer_still_lost_a_minute_later_is_reprompted_again(world: World, maria: Customer) -> None:
    maria.says("oi")
    maria.says("quero falar com alguém")
    maria.reads()
    world.wait(55)

    maria.says("alguém?")
    assert maria.reads() == []
    world.wait(5)
    maria.says("atendente")

    assert maria.reads() == [REPROMPT]


def test_a_tap_on_a_stale_menu_button_starts_straight_in_that_queue(maria: Customer) -> None:
    maria.says("oi")
    maria.says("sair")
    earlier = maria.code
    maria.reads()

    maria.chooses("vendas")  # on the menu of the conversation she left

    assert maria.reads() == [queued("Vendas", 1)]
    assert maria.code != earlier
    assert maria.conversation.department == "vendas"


def test_a_stale_button_of_a_department_that_no_longer_exists_shows_the_menu(maria: Customer) -> None:
    maria.says(Choice("dept:ouvidoria", "Ouvidoria"))

    assert maria.reads() == [GREETING_MARIA]


@pytest.mark.config(departments=(DEPARTMENTS[0],))
def test_a_single_department_skips_the_menu(maria: Customer, ana: Agent) -> None:
    maria.says("oi, preciso da segunda via")

    assert maria.reads() == [queued("Financeiro", 1)]

    ana.says("/entrar")
    notice = ana.reads()[-1]
    assert notice.startswith("🔔")
    assert "› oi, preciso da segunda via" in notice.splitlines()


# --- waiting in the queue ------------------------------------------------------------------


def test_position_and_an_estimate_once_there_is_a_history_of_waits(
    world: World, ana: Agent, maria: Customer, joao: Customer, pedro: Customer
) -> None:
    ana.checks_in()
    maria.queues_for("financeiro")  # served at once: waited 0 s
    ana.says("Olá, Maria!")

    joao.says("oi")
    joao.chooses("financeiro")
    assert joao.reads()[-1] == queued("Financeiro", 1)  # no estimate from a single 0 s wait

    world.wait(5)  # one clock reading apart: FIFO needs a "first"
    pedro.says("oi")
    pedro.chooses("financeiro")
    assert pedro.reads()[-1] == queued("Financeiro", 2)

    world.wait(240)
    ana.says("/fim")  # João is served after 4 min: the average is now 2 min
    ana.says("Olá, João!")

    bia = Customer(world, "5511955550000", "Bia Costa")
    bia.says("oi")
    bia.chooses("financeiro")
    assert bia.reads()[-1] == queued("Financeiro", 2, " Espera estimada: 2 min.")


@pytest.mark.parametrize("word", ["sair", "Sair", "SAIR!", "cancelar"])
def test_sair_from_the_menu_leaves(world: World, maria: Customer, word: str) -> None:
    maria.says("oi")
    maria.reads()
    world.wait(20)

    maria.says(word)

    assert maria.reads() == ["Tudo bem! Quando precisar, é só escrever."]
    assert maria.conversation.stage is Stage.CLOSED
    assert maria.conversation.close_reason is CloseReason.ABANDONED
    assert [(type(e), e.at) for e in maria.events()] == [(Abandoned, world.clock.now()), (Closed, world.clock.now())]
    abandoned = maria.events()[0]
    assert isinstance(abandoned, Abandoned)
    assert abandoned.department is None


def test_sair_from_the_queue_leaves_it(world: World, maria: Customer, ana: Agent) -> None:
    maria.queues_for("financeiro")
    world.wait(60)

    maria.says("sair")

    assert maria.reads() == ["Você saiu da fila. Quando precisar, é só escrever."]
    assert maria.conversation.close_reason is CloseReason.ABANDONED
    abandoned = maria.events()[1]
    assert abandoned == Abandoned(maria.code, world.clock.now(), "financeiro", 60.0)

    ana.says("/entrar")
    assert ana.reads() == ["✅ Você entrou e está disponível. Ninguém aguardando em Financeiro."]


def test_what_is_written_while_queued_is_shown_on_assignment_with_media_as_media(maria: Customer, ana: Agent) -> None:
    maria.says("oi")
    maria.chooses("financeiro")
    maria.says("meu boleto venceu")
    maria.says(Media(MediaKind.IMAGE, "img-1", "image/jpeg", caption="foto do boleto"))
    maria.says(Media(MediaKind.AUDIO, "aud-1", "audio/ogg", voice=True))
    maria.says(Media(MediaKind.STICKER, "stk-1", "image/webp"))
    maria.says(Media(MediaKind.DOCUMENT, "doc-1", "application/pdf", filename="boleto.pdf"))

    ana.says("/entrar")

    checked_in, notice, *media = ana.reads()
    assert checked_in.startswith("✅ Você entrou")
    assert notice.startswith("🔔")
    assert notice.splitlines()[2:-1] == [
        "Já escreveu:",
        "› oi",
        "› meu boleto venceu",
        "› [📷 imagem] foto do boleto",
        "› [🎤 áudio]",
        "› [🏷️ figurinha]",
        "› [📄 documento] boleto.pdf",
    ]
    header = f"💬 *Maria* {maria.tag}"
    assert media == [
        f"<image img-1> {header}\nfoto do boleto",
        header,
        "<audio aud-1>",
        header,
        "<sticker stk-1>",
        f"<document doc-1> {header}",
    ]


def test_writing_while_queued_never_changes_the_order(
    world: World, ana: Agent, bruno: Agent, *, maria: Customer, joao: Customer, pedro: Customer
) -> None:
    joao.queues_for("financeiro", first="primeiro!")
    world.wait(30)
    maria.queues_for("financeiro", first="segunda")
    world.wait(30)
    for attempt in range(3):
        joao.says(f"alguém? {attempt}")
        maria.says(f"alô? {attempt}")
        world.wait(40)
    pedro.queues_for("financeiro", first="terceiro")
    maria.says("ainda aqui")

    bruno.says("/fila")
    assert bruno.read().splitlines() == [
        "📋 *Fila* · Financeiro, Suporte",
        f"1. João Souza {joao.tag} · Financeiro · 3 min — “primeiro!”",
        f"2. Maria Silva {maria.tag} · Financeiro · 2 min — “segunda”",
        f"3. Pedro Lima {pedro.tag} · Financeiro · 0 s — “terceiro”",
    ]

    ana.checks_in()
    for _ in range(3):
        ana.says("Olá!")
        ana.says("/fim")
    served = [e.code for e in world.store.events if isinstance(e, Assigned)]
    assert served == [joao.code, maria.code, pedro.code]


def test_the_position_reminder_to_a_queued_customer_is_throttled(world: World, maria: Customer) -> None:
    maria.queues_for("financeiro")

    world.wait(60)
    maria.says("alô?")
    assert maria.reads() == []

    world.wait(60)
    maria.says("alguém aí?")
    assert maria.reads() == ["Você continua na fila de *Financeiro*, posição 1."]

    world.wait(10)
    maria.says("?")
    assert maria.reads() == []


# --- business hours --------------------------------------------------------------------------

OPENS_AT_11 = OpeningHours("America/Sao_Paulo", {day: ((time(11), time(18)),) for day in range(5)})
"""The test clock says Monday 10:00 in São Paulo: closed."""
OPEN_MORNINGS = OpeningHours("America/Sao_Paulo", {day: ((time(8), time(12)),) for day in range(5)})


@pytest.mark.config(
    departments=(replace(DEPARTMENTS[0], hours=OPENS_AT_11), replace(DEPARTMENTS[1], hours=OPEN_MORNINGS))
)
def test_outside_business_hours_the_customer_is_told_once(world: World, maria: Customer, joao: Customer) -> None:
    closed = (
        "Agora estamos fora do horário de atendimento de *Financeiro*. Voltamos hoje às 11:00. "
        "Sua mensagem fica na fila e responderemos assim que voltarmos."
    )
    maria.says("oi")
    maria.reads()
    maria.chooses("financeiro")
    assert maria.reads() == [closed, queued("Financeiro", 1)]

    for _ in range(3):
        world.wait(150)
        maria.says("alguém?")
        assert maria.reads() == ["Você continua na fila de *Financeiro*, posição 1."]

    joao.says("oi")
    joao.reads()
    joao.chooses("suporte")  # open now
    assert joao.reads() == [queued("Suporte", 1)]


CARNIVAL = Holidays(frozenset({date(2026, 2, 16), date(2026, 2, 17)}))
"""Carnival Monday and Tuesday, 2026."""
WEEKDAYS_8_TO_18 = OpeningHours("America/Sao_Paulo", dict.fromkeys(range(5), ((time(8), time(18)),)), CARNIVAL)
FRIDAY_BEFORE_CARNIVAL = datetime(2026, 2, 13, 21, 30, tzinfo=UTC)
"""18:30 in São Paulo: closed, and Monday and Tuesday are holidays."""


def told_when_closed(world: World, maria: Customer, moment: datetime) -> str:
    world.clock.current = moment
    maria.says("oi")
    maria.reads()
    maria.chooses("financeiro")
    return maria.reads()[0]


@pytest.mark.config(departments=(replace(DEPARTMENTS[0], hours=WEEKDAYS_8_TO_18), *DEPARTMENTS[1:]))
def test_the_closed_notice_names_the_next_opening_across_a_weekend_and_holidays(world: World, maria: Customer) -> None:
    closed = told_when_closed(world, maria, FRIDAY_BEFORE_CARNIVAL)

    assert closed == (
        "Agora estamos fora do horário de atendimento de *Financeiro*. Voltamos quarta-feira às 08:00. "
        "Sua mensagem fica na fila e responderemos assim que voltarmos."
    )


@pytest.mark.parametrize(
    ("moment", "when"),
    [
        (datetime(2026, 3, 6, 21, 30, tzinfo=UTC), "segunda-feira às 08:00"),  # Friday 18:30
        (datetime(2026, 3, 3, 9, 0, tzinfo=UTC), "hoje às 08:00"),  # Tuesday 06:00
        (datetime(2026, 3, 2, 22, 0, tzinfo=UTC), "amanhã às 08:00"),  # Monday 19:00
        (datetime(2026, 3, 7, 13, 0, tzinfo=UTC), "segunda-feira às 08:00"),  # Saturday 10:00
    ],
)
@pytest.mark.config(departments=(replace(DEPARTMENTS[0], hours=WEEKDAYS_8_TO_18), *DEPARTMENTS[1:]))
def test_the_next_opening_is_said_as_people_say_it(world: World, maria: Customer, moment: datetime, when: str) -> None:
    assert f"Voltamos {when}." in told_when_closed(world, maria, moment)


@pytest.mark.config(
    locale="en",
    departments=(replace(DEPARTMENTS[0], hours=WEEKDAYS_8_TO_18), *DEPARTMENTS[1:]),
)
def test_the_next_opening_in_english(world: World, maria: Customer) -> None:
    assert told_when_closed(world, maria, FRIDAY_BEFORE_CARNIVAL) == (
        "*Financeiro* is closed right now. We are back on Wednesday at 08:00. "
        "Your message stays in the queue and we will answer as soon as we are back."
    )


@pytest.mark.config(departments=(replace(DEPARTMENTS[0], hours=OPENS_AT_11), *DEPARTMENTS[1:]))
def test_outside_business_hours_an_agent_on_duty_serves_without_the_closed_notice(ana: Agent, maria: Customer) -> None:
    ana.checks_in()
    maria.says("oi")
    maria.reads()

    maria.chooses("financeiro")

    assert maria.reads() == ["*Ana* vai te atender agora."]


# --- rating and starting again ---------------------------------------------------------------


def test_after_fim_the_customer_rates_with_a_button(world: World, ana: Agent, maria: Customer) -> None:
    code = served_and_ended(ana, maria)
    assert maria.reads()[-2:] == ["Atendimento encerrado. Obrigado por falar com *Loja Exemplo*!", RATING_PROMPT]
    prompt = maria.received()[-1].body
    assert isinstance(prompt, MenuBody)
    assert [o.id for o in prompt.options] == ["rate:3", "rate:2", "rate:1"]

    maria.says(Choice("rate:3", "😀 Ótimo"))

    assert maria.reads() == ["Obrigado pela avaliação!"]
    conversation = world.store.conversations[code]
    assert (conversation.stage, conversation.rating) == (Stage.CLOSED, 3)
    assert maria.events()[-1] == Rated(code, world.clock.now(), 3)


@pytest.mark.parametrize(("typed", "score"), [("😐 Regular", 2), ("regular", 2), ("Ruim", 1), ("ótimo!", 3)])
def test_a_typed_rating_title_counts(world: World, ana: Agent, maria: Customer, typed: str, score: int) -> None:
    code = served_and_ended(ana, maria)
    maria.reads()

    maria.says(typed)

    assert maria.reads() == ["Obrigado pela avaliação!"]
    assert world.store.conversations[code].rating == score


@pytest.mark.parametrize("ignored", ["e o meu reembolso?", Choice("rate:x", "???"), Choice("rate:9", "9")])
def test_a_customer_who_ignores_the_rating_is_simply_served_again(
    world: World, ana: Agent, maria: Customer, ignored: str | Choice
) -> None:
    code = served_and_ended(ana, maria)
    maria.reads()

    maria.says(ignored)

    assert maria.reads() == [GREETING_MARIA]
    ended = world.store.conversations[code]
    assert (ended.stage, ended.rating, ended.close_reason) == (Stage.CLOSED, None, CloseReason.ENDED)
    assert maria.code != code
    assert maria.conversation.stage is Stage.CHOOSING
    assert not any(isinstance(e, Rated) for e in world.store.events)


def test_a_reaction_to_the_goodbye_does_not_cost_the_rating(world: World, ana: Agent, maria: Customer) -> None:
    code = served_and_ended(ana, maria)
    goodbye = world.provider_id_of(maria.wa_id, "Atendimento encerrado")
    maria.reads()

    maria.says(Reaction(goodbye, "❤️"))
    assert maria.reads() == []

    maria.says(Choice("rate:3", "😀 Ótimo"))
    assert maria.reads() == ["Obrigado pela avaliação!"]
    assert world.store.conversations[code].rating == 3


@pytest.mark.config(rating=False)
def test_without_rating_the_end_closes_and_writing_again_starts_a_new_conversation(
    world: World, ana: Agent, maria: Customer
) -> None:
    code = served_and_ended(ana, maria)
    assert maria.reads()[-1] == "Atendimento encerrado. Obrigado por falar com *Loja Exemplo*!"
    assert world.store.conversations[code].stage is Stage.CLOSED

    maria.says("oi de novo")

    assert maria.reads() == [GREETING_MARIA]
    assert maria.code != code
    assert [c.stage for c in maria.conversations] == [Stage.CLOSED, Stage.CHOOSING]


def test_writing_after_rating_starts_a_new_conversation_with_a_new_code(ana: Agent, maria: Customer) -> None:
    code = served_and_ended(ana, maria)
    maria.says(Choice("rate:2", "😐 Regular"))
    maria.reads()

    maria.says("esqueci de perguntar uma coisa")

    assert maria.reads() == [GREETING_MARIA]
    assert maria.code != code


# --- whatever WhatsApp delivers --------------------------------------------------------------

UNSUPPORTED_ANSWER = (
    "Desculpe, não conseguimos receber esse tipo de mensagem. Pode mandar em texto, foto, áudio ou documento?"
)


def test_an_unsupported_first_message_is_answered_politely_then_the_menu(maria: Customer) -> None:
    maria.says(Unsupported("poll"))

    assert maria.reads() == [UNSUPPORTED_ANSWER, GREETING_MARIA]


def test_unsupported_while_queued_is_answered_and_kept_for_the_agent(maria: Customer, ana: Agent) -> None:
    maria.queues_for("financeiro")

    maria.says(Unsupported("view_once"))

    assert maria.reads() == [UNSUPPORTED_ANSWER]
    ana.says("/entrar")
    assert "› ❔ mensagem que o WhatsApp não repassa (view_once)" in ana.reads()[-1].splitlines()


def test_unsupported_while_served_is_answered_and_the_agent_told(maria: Customer, ana: Agent) -> None:
    ana.checks_in()
    maria.queues_for("financeiro")
    ana.reads()

    maria.says(Unsupported("poll"))

    assert maria.reads() == [UNSUPPORTED_ANSWER]
    assert ana.reads() == [f"💬 *Maria* {maria.tag}\n❔ mensagem que o WhatsApp não repassa (poll)"]


@pytest.mark.parametrize(
    "content",
    [
        Reaction("wamid.long-ago", "👍"),
        Reaction("wamid.long-ago", ""),
        Edited("wamid.long-ago", "corrigindo"),
        Revoked("wamid.long-ago"),
        SystemNotice("User identity changed"),  # customer_identity_changed (a number change: test_identity)
    ],
)
def test_reactions_edits_and_deletions_with_nothing_open_do_nothing(
    ana: Agent, maria: Customer, content: Reaction | Edited | Revoked | SystemNotice
) -> None:
    maria.says(content)
    assert maria.reads() == []
    assert maria.conversations == []

    served_and_ended(ana, maria)
    maria.says(Choice("rate:3", "😀 Ótimo"))
    maria.reads()

    maria.says(content)  # long after: about the finished conversation

    assert maria.reads() == []
    assert [c.stage for c in maria.conversations] == [Stage.CLOSED]
    assert ana.reads() == []


EVERY_KIND = [
    Text("texto"),
    Media(MediaKind.IMAGE, "m1", caption="legenda"),
    Media(MediaKind.AUDIO, "m2"),
    Media(MediaKind.VIDEO, "m3"),
    Media(MediaKind.DOCUMENT, "m4", filename="nota.pdf"),
    Media(MediaKind.STICKER, "m5"),
    Location(-23.55, -46.63, "Loja", "Av. Paulista"),
    Contacts((SharedContact("José", ("5511977776666",)),)),
    Choice("qualquer", "Qualquer"),
    Reaction("wamid.nowhere", "❤️"),
    Edited("wamid.nowhere", "novo texto"),
    Revoked("wamid.nowhere"),
    SystemNotice("mudou de número"),
    Unsupported("unknown"),
]


@pytest.mark.parametrize("stage", ["choosing", "queued", "served", "rating"])
@pytest.mark.parametrize("content", EVERY_KIND, ids=lambda c: type(c).__name__)
def test_every_kind_of_message_at_every_stage_is_handled(
    world: World, ana: Agent, maria: Customer, stage: str, content: object
) -> None:
    ana.checks_in()
    if stage == "choosing":
        maria.says("oi")
    elif stage == "queued":
        ana.says("/pausa")
        maria.queues_for("financeiro")
    elif stage == "served":
        maria.queues_for("financeiro")
    else:
        served_and_ended(ana, maria)
    before = maria.conversation.stage

    maria.says(content)  # type: ignore[arg-type]

    assert maria.conversation.stage in {before, Stage.CHOOSING, Stage.QUEUED}
    assert world.store.inbox >= {world.last_inbound_id}


def test_a_redelivered_message_is_handled_once(world: World, maria: Customer) -> None:
    inbound = Inbound("wamid.dup", maria.wa_id, maria.name, world.clock.now(), Text("oi"))

    assert world.redeliver(inbound) is True
    assert world.redeliver(inbound) is False

    assert maria.reads() == [GREETING_MARIA]
    assert len(world.store.conversations) == 1
    assert [m.content for m in world.store.messages] == [Text("oi")]


def test_a_redelivered_fim_does_not_end_the_next_conversation(
    world: World, ana: Agent, maria: Customer, joao: Customer
) -> None:
    ana.checks_in()
    maria.queues_for("financeiro")
    joao.queues_for("financeiro")
    fim = Inbound("wamid.fim", ana.wa_id, ana.name, world.clock.now(), Text("/fim"))
    assert world.redeliver(fim) is True  # Maria's ends, João is assigned to Ana
    ana.reads()

    assert world.redeliver(fim) is False

    assert ana.reads() == []
    assert joao.conversation.stage is Stage.ASSIGNED


def test_a_redelivered_choice_does_not_queue_twice(world: World, maria: Customer, joao: Customer) -> None:
    maria.says("oi")
    maria.chooses("financeiro")
    again = Inbound(world.last_inbound_id, maria.wa_id, maria.name, world.clock.now(), Choice("dept:financeiro", "F"))
    maria.reads()

    assert world.redeliver(again) is False

    assert maria.reads() == []
    joao.says("oi")
    joao.chooses("financeiro")
    assert joao.reads()[-1] == queued("Financeiro", 2)


def test_a_customer_typing_a_command_is_just_text(ana: Agent, maria: Customer) -> None:
    ana.checks_in()
    maria.queues_for("financeiro")
    ana.reads()

    maria.says("/fila")
    maria.says("/entrar")

    assert ana.reads() == [f"💬 *Maria* {maria.tag}\n/fila", f"💬 *Maria* {maria.tag}\n/entrar"]
    assert ana.state.active == maria.code
