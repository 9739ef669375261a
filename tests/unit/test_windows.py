"""WhatsApp's 24 h windows (docs/design.md §6, docs/whatsapp.md §g and §i 4–5).

Agents are WhatsApp users too: one who has not written for a day gets the reopening template,
once, and what is meant for them waits until they write. An agent writing to a customer whose
window has closed is told so, and nothing is sent that WhatsApp would refuse.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from atende.application.arrivals import Inbound
from atende.application.courier import Pacing
from atende.application.failures import Failure, SendError
from atende.application.outbound import Delivery, Outgoing, ReadReceipt, TemplateBody, TextBody
from atende.domain.contact import Contact
from atende.domain.content import Reaction, Text
from tests.fakes import FakeGateway
from tests.unit.people import Agent, Customer
from tests.unit.scenes import serving
from tests.world import ANA, JOAO, MARIA, World

pytestmark = pytest.mark.config(assigned_idle_hours=0)
"""Days pass in these tests with conversations left open on purpose: the idle rules, which would
close them, are tested on their own (test_idle.py)."""

DAY = timedelta(hours=24).total_seconds()
WINDOW_CLOSED = 131047


class MetaWindows(FakeGateway):
    """A gateway that refuses free-form messages to people whose window WhatsApp considers closed."""

    def __init__(self) -> None:
        super().__init__()
        self.closed: set[str] = set()

    def send(self, message: Outgoing) -> str:
        if message.to in self.closed and not isinstance(message.body, (TemplateBody, ReadReceipt)):
            raise SendError("(#131047) Re-engagement message", Failure.WINDOW_CLOSED, code=WINDOW_CLOSED)
        return super().send(message)


def meta_enforces_windows(world: World) -> MetaWindows:
    gateway = MetaWindows()
    world.gateway = gateway
    world.courier = world.atende.courier(gateway, Pacing(burst=math.inf))
    return gateway


def held_for(world: World, wa_id: str) -> list[str]:
    return [_text(m) for m in world.store.outbox if m.to == wa_id and m.delivery is Delivery.HELD]


def templates_to(world: World, wa_id: str) -> list[TemplateBody]:
    return [m.body for m in world.sent_to(wa_id) if isinstance(m.body, TemplateBody)]


def _text(message: Outgoing) -> str:
    assert isinstance(message.body, TextBody), message.body
    return message.body.text


def reopening(world: World, name: str) -> TemplateBody:
    return TemplateBody(world.settings.agent_reopen_template, world.settings.template_language, (name,))


# --- the agent's window ---------------------------------------------------------------------


def test_an_agent_silent_for_a_day_gets_one_template_and_the_relay_waits(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    world.clock.advance(DAY)

    maria.says("Ainda preciso do boleto")

    assert [m.body for m in ana.received()[-1:]] == [TemplateBody("atende_agente", "pt_BR", ("Ana",))]
    assert len(ana.reads()) == 1  # the template, and nothing else
    assert held_for(world, ANA) == [f"💬 *Maria* {maria.tag}\nAinda preciso do boleto"]


def test_within_the_day_nothing_waits(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    world.clock.advance(DAY - 3600)

    maria.says("Ainda preciso do boleto")

    assert ana.reads() == [f"💬 *Maria* {maria.tag}\nAinda preciso do boleto"]
    assert templates_to(world, ANA) == []


@pytest.mark.config(agent_reopen_template="reabrir_janela", template_language="en_US")
def test_the_template_is_the_configured_one_and_names_the_agent(world: World, carla: Agent, maria: Customer) -> None:
    serving(carla, maria, "suporte")
    world.clock.advance(DAY)

    maria.says("oi")

    assert templates_to(world, carla.wa_id) == [TemplateBody("reabrir_janela", "en_US", ("Carla",))]


def test_a_second_relay_while_closed_sends_no_second_template(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    world.clock.advance(DAY)

    maria.says("um")
    world.clock.advance(600)
    maria.says("dois")
    world.clock.advance(3600)
    maria.says("três")

    assert templates_to(world, ANA) == [reopening(world, "Ana")]
    assert held_for(world, ANA) == [f"💬 *Maria* {maria.tag}\n{said}" for said in ("um", "dois", "três")]


def test_a_day_later_still_silent_the_template_is_sent_again(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    world.clock.advance(DAY)
    maria.says("um")
    world.clock.advance(DAY)

    maria.says("dois")

    assert templates_to(world, ANA) == [reopening(world, "Ana")] * 2
    assert len(held_for(world, ANA)) == 2


def test_when_the_agent_writes_what_waited_goes_out_in_order(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    world.clock.advance(DAY)
    maria.says("um")
    maria.says("dois")
    ana.reads()

    ana.says("Oi Maria, voltei")

    assert ana.reads() == [f"💬 *Maria* {maria.tag}\num\ndois", world.atende.texts.back_from_reopen]
    assert maria.reads() == [], "written before she saw what waited: not relayed"
    assert held_for(world, ANA) == []
    assert templates_to(world, ANA) == [reopening(world, "Ana")]

    ana.says("Oi Maria, vi agora: já te ajudo")

    assert maria.reads() == ["Oi Maria, vi agora: já te ajudo"]


def test_an_assignment_waits_too_and_comes_before_the_answer_to_the_agents_command(
    world: World, ana: Agent, maria: Customer
) -> None:
    ana.checks_in()
    world.clock.advance(DAY)

    maria.queues_for("financeiro")

    assert templates_to(world, ANA) == [reopening(world, "Ana")]
    assert [line.splitlines()[0] for line in held_for(world, ANA)] == [
        f"🔔 *Novo atendimento* · *Maria* {maria.tag} · Financeiro"
    ]
    ana.reads()

    ana.says("/ativos")

    news = ana.reads()
    assert [n[:1] for n in news] == ["🔔", "📋"]
    assert maria.tag in news[0]


def test_after_the_agent_writes_nothing_more_waits(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    world.clock.advance(DAY)
    maria.says("um")
    ana.says("voltei")
    ana.reads()

    maria.says("dois")

    assert ana.reads() == [f"💬 *Maria* {maria.tag}\ndois"]
    assert templates_to(world, ANA) == [reopening(world, "Ana")]


def test_a_131047_failure_status_for_a_relay_holds_it_and_asks_to_reopen(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    maria.says("Preciso da segunda via")  # we think Ana's window is open; WhatsApp disagrees
    copy = world.provider_id_of(ANA, "segunda via")
    ana.reads()

    world.report(copy, "failed", Failure.WINDOW_CLOSED, "Re-engagement message", WINDOW_CLOSED)

    assert [m.body for m in ana.received()[-1:]] == [reopening(world, "Ana")]
    assert len(ana.reads()) == 1  # no ⚠️: the relay is not lost, it waits
    assert held_for(world, ANA) == [f"💬 *Maria* {maria.tag}\nPreciso da segunda via"]
    (stored,) = [m for m in world.store.outbox if m.to == ANA and m.delivery is Delivery.HELD]
    assert stored.provider_id is None and stored.error_code == WINDOW_CLOSED

    maria.says("Alô?")  # while it waits, later relays wait behind it, without a second template
    assert ana.reads() == []

    ana.says("/ativos")

    news = ana.reads()
    assert news[0] == f"💬 *Maria* {maria.tag}\nPreciso da segunda via\nAlô?"
    assert news[1].startswith("📋")
    assert templates_to(world, ANA) == [reopening(world, "Ana")]


def test_a_131047_send_error_for_a_relay_holds_it_and_asks_to_reopen(world: World, ana: Agent, maria: Customer) -> None:
    gateway = meta_enforces_windows(world)
    serving(ana, maria)
    gateway.closed.add(ANA)  # we think Ana's window is open; WhatsApp refuses on the spot

    maria.says("Preciso da segunda via")
    world.flush()  # the courier's next pass

    assert [m.body for m in ana.received()[-1:]] == [reopening(world, "Ana")]
    assert len(ana.reads()) == 1  # only the template: the relay waits, no ⚠️
    assert held_for(world, ANA) == [f"💬 *Maria* {maria.tag}\nPreciso da segunda via"]

    gateway.closed.discard(ANA)  # Ana writes, and WhatsApp opens her window
    ana.says("/ativos")

    news = ana.reads()
    assert news[0] == f"💬 *Maria* {maria.tag}\nPreciso da segunda via"
    assert templates_to(world, ANA) == [reopening(world, "Ana")]


def test_a_failing_template_is_not_held_and_not_retried_as_a_template_storm(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    world.clock.advance(DAY)
    maria.says("um")
    (template,) = [m for m in world.sent_to(ANA) if isinstance(m.body, TemplateBody)]

    world.report(world.gateway.provider_ids[template.id], "failed", Failure.PERMANENT, "Template name does not exist")
    maria.says("dois")

    assert templates_to(world, ANA) == [reopening(world, "Ana")]
    assert [m.delivery for m in world.store.outbox if m.id == template.id] == [Delivery.FAILED]
    assert len(held_for(world, ANA)) == 2


def test_a_read_receipt_for_an_agent_does_not_reopen_their_window(world: World, ana: Agent, maria: Customer) -> None:
    """Marking a message read is no message: WhatsApp takes it within 30 days, no template needed."""
    serving(ana, maria)
    said = ana.says("Segue o boleto")
    copy = world.provider_id_of(MARIA, "Segue o boleto")
    ana.reads()
    world.clock.advance(DAY + 3600)  # Maria opens the chat the next day

    world.report(copy, "read")

    assert [m.body for m in ana.received()[-1:]] == [ReadReceipt(said)]
    assert templates_to(world, ANA) == []
    assert held_for(world, ANA) == []


# --- the customer's window --------------------------------------------------------------------


@pytest.mark.parametrize("late", ["text", "reaction"])
def test_an_agent_writing_to_a_customer_whose_window_has_closed_is_warned_and_nothing_is_sent(
    world: World, ana: Agent, maria: Customer, late: str
) -> None:
    serving(ana, maria)
    maria.says("Obrigada, depois eu vejo")
    copy = world.provider_id_of(ANA, "depois eu vejo")
    ana.reads()
    world.clock.advance(DAY)
    sent_before = len(maria.received())

    if late == "text":
        ana.says("Conseguiu ver?")
    else:
        ana.says(Reaction(copy, "👍"))

    assert maria.received()[sent_before:] == []
    warning = world.atende.texts.customer_window_closed.format(code=maria.code, name="Maria Silva")
    assert ana.reads() == [warning]
    assert not [m for m in world.store.outbox if m.to == MARIA and m.delivery is Delivery.PENDING]


def test_once_the_customer_writes_again_the_agent_reaches_them(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    world.clock.advance(DAY)
    ana.says("Conseguiu ver?")
    ana.reads()

    maria.says("Oi, voltei")
    ana.says("Que bom!")

    assert maria.reads()[-1:] == ["Que bom!"]
    assert ana.reads() == [f"💬 *Maria* {maria.tag}\nOi, voltei"]


def test_a_131047_status_on_a_message_to_the_customer_closes_their_window(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    ana.says("Segue o boleto")
    copy = world.provider_id_of(MARIA, "Segue o boleto")
    ana.reads()

    world.report(copy, "failed", Failure.WINDOW_CLOSED, "Re-engagement message", WINDOW_CLOSED)
    ana.reads()
    ana.says("Recebeu?")

    assert maria.reads()[-1:] == ["Segue o boleto"]
    warning = world.atende.texts.customer_window_closed.format(code=maria.code, name="Maria Silva")
    assert ana.reads() == [warning]


# --- windows only grow ------------------------------------------------------------------------


def test_an_old_message_delivered_late_never_shrinks_a_window(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    start = world.clock.now()
    world.clock.advance(23 * 3600)
    ana.says("/ativos")  # Ana's window now lasts until start + 47 h
    world.redeliver(Inbound("wamid.late", ANA, "Ana", start + timedelta(hours=1), Text("/ajuda")))
    ana.reads()
    world.clock.advance(2 * 3600)  # start + 25 h: open by her latest message, closed by the late one

    maria.says("oi")

    assert ana.reads() == [f"💬 *Maria* {maria.tag}\noi"]
    assert templates_to(world, ANA) == []


def test_a_contact_keeps_the_latest_message_whatever_the_order() -> None:
    t0 = datetime(2026, 3, 2, 13, tzinfo=UTC)
    contact = Contact(ANA)

    contact.wrote(t0 + timedelta(hours=5))
    contact.wrote(t0)

    assert contact.last_inbound_at == t0 + timedelta(hours=5)
    assert contact.window_open(t0 + timedelta(hours=28))
    assert not contact.window_open(t0 + timedelta(hours=29))


# --- no cross-talk after the agent's window reopens ---------------------------------------------


def test_the_answer_to_the_reopen_template_never_reaches_the_customer_assigned_meanwhile(
    world: World, ana: Agent, joao: Customer
) -> None:
    """Ana went quiet for a day; João was assigned to her meanwhile. Her "oi, voltei" answers the
    template, not João, whom she has not seen yet: it releases the 🔔 and is not relayed."""
    ana.checks_in()
    world.clock.advance(DAY + 3600)
    joao.queues_for("financeiro")
    assert [m.body for m in ana.received()[-1:]] == [reopening(world, "Ana")]
    ana.reads()

    ana.says("oi, voltei")

    news = ana.reads()
    assert [n.splitlines()[0] for n in news] == [
        f"🔔 *Novo atendimento* · *João* {joao.tag} · Financeiro",
        world.atende.texts.back_from_reopen,
    ]
    assert "oi, voltei" not in "\n".join(world.texts(JOAO))
    assert [m.text for m in world.store.messages if m.author.value == "agent"] == []

    ana.says("Bom dia, João! Como posso ajudar?")

    assert joao.reads()[-1:] == ["Bom dia, João! Como posso ajudar?"]


def test_nothing_is_relayed_while_what_waited_is_still_on_its_way_to_the_agent(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    world.clock.advance(DAY)
    maria.says("Alguém aí?")
    ana.reads()
    world.gateway.failing[ANA] = SendError("(#131056) pair rate limit", Failure.RATE_LIMITED, code=131056)

    ana.says("voltei")  # releases Maria's message, which cannot leave yet
    ana.says("Maria, já vejo isso")
    ana.says("👍")

    assert maria.reads() == []
    assert world.store.outbox[-1].body == TextBody(world.atende.texts.still_arriving)
    del world.gateway.failing[ANA]
    world.wait(60)
    news = ana.reads()
    assert news[0] == f"💬 *Maria* {maria.tag}\nAlguém aí?"
    assert news[1:] == [world.atende.texts.back_from_reopen] + [world.atende.texts.still_arriving] * 2

    ana.says("Maria, agora sim: já vejo isso")

    assert maria.reads() == ["Maria, agora sim: já vejo isso"]


def test_a_coalesced_run_keeps_the_mark_of_what_waited(world: World, ana: Agent, maria: Customer) -> None:
    """Folded into one send with a newer relay, what waited must still reach Ana before she relays."""
    serving(ana, maria)
    world.clock.advance(DAY)
    maria.says("um")
    ana.reads()
    now = world.clock.now()
    # Both handled before the courier's next pass: "um" (released) and "dois" go out as one message.
    world.atende.receive(Inbound("wamid.back", ANA, "Ana", now, Text("voltei")))
    world.atende.receive(Inbound("wamid.dois", MARIA, "Maria Silva", now, Text("dois")))
    world.gateway.failing[ANA] = SendError("(#131056) pair rate limit", Failure.RATE_LIMITED, code=131056)
    world.flush()

    ana.says("Oi Maria")

    assert maria.reads() == []
    (carrier,) = [m for m in world.store.outbox if m.to == ANA and m.delivery is Delivery.PENDING and m.held_at]
    assert carrier.body == TextBody(f"💬 *Maria* {maria.tag}\num\ndois")
    assert world.store.outbox[-1].body == TextBody(world.atende.texts.still_arriving)


# --- the customer's window ----------------------------------------------------------------------

FRIDAY_EVENING = datetime(2026, 3, 6, 21, 30, tzinfo=UTC)
"""18:30 in São Paulo: the business has gone home."""
MONDAY_MORNING_NINE = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def weekend(world: World, customer: Customer) -> None:
    """The customer writes on Friday evening and waits in Financeiro; it is Monday, 09:00."""
    world.clock.current = FRIDAY_EVENING
    customer.queues_for("financeiro", first="Preciso da segunda via do boleto")
    world.clock.current = MONDAY_MORNING_NINE


def customer_template(world: World, agent_name: str = "Ana") -> TemplateBody:
    template = world.settings.customer_reopen_template
    assert template is not None
    return TemplateBody(template, world.settings.template_language, ("Loja Exemplo", agent_name))


@pytest.mark.config(customer_reopen_template="atende_retorno")
def test_a_weekend_customer_is_answered_on_monday_through_the_template(
    world: World, ana: Agent, maria: Customer
) -> None:
    weekend(world, maria)
    ana.says("/entrar")
    assignment = ana.reads()[-1]
    assert assignment.startswith(f"🔔 *Novo atendimento* · *Maria* {maria.tag}")
    assert world.atende.texts.assignment_window_template in assignment.splitlines()
    maria.reads()

    ana.says("Bom dia, Maria! Segue a segunda via.")

    assert [m.body for m in maria.received()[-1:]] == [customer_template(world)]
    waiting = world.atende.texts.customer_window_waiting.format(code=maria.code, name="Maria Silva")
    assert ana.reads() == [waiting]
    assert [_text(m) for m in world.store.outbox if m.to == MARIA and m.delivery is Delivery.HELD] == [
        "Bom dia, Maria! Segue a segunda via."
    ]

    ana.says("O vencimento novo é dia 15.")  # more words: held behind, no second template, no second ⏳

    assert ana.reads() == []
    maria.reads()
    world.clock.advance(3 * 3600)

    maria.says("Oi! Obrigada")

    assert maria.reads() == ["Bom dia, Maria! Segue a segunda via.", "O vencimento novo é dia 15."]
    assert ana.reads() == [f"💬 *Maria* {maria.tag}\nOi! Obrigada"]
    assert [m.body for m in maria.received()].count(customer_template(world)) == 1
    maria.says("Recebi")
    ana.says("Ótimo!")
    assert maria.reads() == ["Ótimo!"], "sent once: never again"


def test_automatic_notices_are_not_sent_into_a_closed_window(world: World, ana: Agent, maria: Customer) -> None:
    """ "Ana vai te atender agora", on Monday, to the Friday-night customer: WhatsApp would refuse it."""
    weekend(world, maria)
    maria.reads()

    ana.says("/entrar")

    assert maria.reads() == []
    (skipped,) = [m for m in world.store.outbox if m.to == MARIA and m.created_at == world.clock.now()]
    assert skipped.delivery is Delivery.FAILED and skipped.error is not None and "24 h" in skipped.error
    assert [n[:1] for n in ana.reads()] == ["✅", "🔔"], "no ⚠️ about a notice: only her own words are reported"


@pytest.mark.config(customer_reopen_template="atende_retorno")
def test_the_agent_sees_in_ativos_that_her_words_wait_for_the_customer(
    world: World, ana: Agent, maria: Customer
) -> None:
    weekend(world, maria)
    ana.checks_in()
    ana.says("/ativos")
    assert ana.reads()[-1].endswith(world.atende.texts.active_window_template)

    ana.says("Bom dia!")
    ana.says("Está aí?")
    ana.says("/ativos")

    assert ana.reads()[-1].endswith(world.atende.texts.active_window_held.format(count=2))


def test_without_the_template_the_agent_knows_before_writing(world: World, ana: Agent, maria: Customer) -> None:
    weekend(world, maria)

    ana.says("/entrar")
    assignment = ana.reads()[-1]
    ana.says("/ativos")

    assert world.atende.texts.assignment_window_closed in assignment.splitlines()
    assert ana.reads()[-1].endswith(world.atende.texts.active_window_closed)
    assert templates_to(world, MARIA) == []


def test_an_open_window_adds_nothing_to_the_assignment(world: World, ana: Agent, maria: Customer) -> None:
    ana.checks_in()
    maria.queues_for("financeiro")
    ana.says("/ativos")

    news = ana.reads()
    assert not any("24 h" in line for line in "\n".join(news).splitlines())


@pytest.mark.config(customer_reopen_template="atende_retorno")
def test_a_131047_on_the_agents_words_holds_them_behind_the_template(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    ana.says("Segue o boleto")  # we think Maria's window is open; WhatsApp disagrees
    copy = world.provider_id_of(MARIA, "Segue o boleto")
    maria.reads()

    world.report(copy, "failed", Failure.WINDOW_CLOSED, "Re-engagement message", WINDOW_CLOSED)

    assert [m.body for m in maria.received()[-1:]] == [customer_template(world)]
    assert ana.reads() == [world.atende.texts.customer_window_waiting.format(code=maria.code, name="Maria Silva")]
    assert [_text(m) for m in world.store.outbox if m.to == MARIA and m.delivery is Delivery.HELD] == ["Segue o boleto"]
    maria.reads()

    maria.says("oi")

    assert maria.reads() == ["Segue o boleto"]


@pytest.mark.config(customer_reopen_template="atende_retorno")
def test_a_refused_template_is_reported_and_the_words_still_wait(world: World, ana: Agent, maria: Customer) -> None:
    weekend(world, maria)
    ana.checks_in()
    ana.says("Bom dia!")
    (template,) = [m for m in world.sent_to(MARIA) if isinstance(m.body, TemplateBody)]
    ana.reads()

    world.report(
        world.gateway.provider_ids[template.id], "failed", Failure.PERMANENT, "Template does not exist", 132001
    )

    failed = world.atende.texts.customer_template_failed.format(
        code=maria.code, name="Maria Silva", reason=world.atende.texts.failure_other.format(code=132001)
    )
    assert ana.reads() == [failed]
    maria.reads()
    maria.says("Bom dia, alguém aí?")
    assert maria.reads() == ["Bom dia!"]


@pytest.mark.config(customer_reopen_template="atende_retorno")
def test_held_words_are_not_lost_when_the_conversation_ends_first(world: World, ana: Agent, maria: Customer) -> None:
    weekend(world, maria)
    ana.checks_in()
    ana.says("Bom dia! Resolvi o boleto, está no seu e-mail.")
    ana.says("/fim")
    maria.reads()
    world.clock.advance(2 * DAY)

    maria.says("Oi")

    news = maria.reads()
    assert news[0] == "Bom dia! Resolvi o boleto, está no seu e-mail."
    assert held_for(world, MARIA) == []
