"""The courier (docs/whatsapp.md §g–h and §i 6, 8): in order per recipient, paced,
coalescing one customer's burst under one header, backing off and finally reporting a failure.
"""

from __future__ import annotations

import pytest

from atende.application.arrivals import Inbound
from atende.application.courier import MAX_ATTEMPTS, Pacing
from atende.application.failures import Failure, SendError
from atende.application.outbound import Delivery, Outgoing, ReadReceipt, TextBody
from atende.domain.content import Media, MediaKind, Text
from tests.fakes import RecordingTelemetry
from tests.unit.people import Agent, Customer
from tests.unit.scenes import carla_with_maria_and_joao, serving
from tests.world import ANA, JOAO, MARIA, World

PAIR_LIMIT = 131056
TEMPORARY = 131000
UNDELIVERABLE = 131026
WINDOW_CLOSED = 131047


def paced(world: World, burst: float = 1, interval: float = 6.0) -> Pacing:
    """From now on the world's courier respects a per-recipient token bucket (a fresh one)."""
    pacing = Pacing(burst=burst, interval=interval)
    world.courier = world.atende.courier(world.gateway, pacing)
    return pacing


def later(world: World, seconds: float) -> None:
    """Time passes; the courier makes its passes (no timers: only sending is under test)."""
    world.clock.advance(seconds)
    world.flush()


def stored(world: World, wa_id: str, text: str) -> Outgoing:
    (message,) = [
        m for m in world.store.outbox if m.to == wa_id and isinstance(m.body, TextBody) and m.body.text.endswith(text)
    ]
    return message


def relays(customer: Customer, *said: str) -> str:
    return "\n".join((f"💬 *{customer.name.split()[0]}* {customer.tag}", *said))


# --- pacing and coalescing ------------------------------------------------------------------


def test_a_burst_from_one_customer_goes_out_coalesced_in_order_nothing_dropped(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    paced(world)
    said = ["oi", "é sobre o boleto", "venceu ontem", "pode mandar outro?", "obrigada"]

    for text in said:
        maria.says(text)
    assert ana.reads() == [relays(maria, "oi")]  # the rest wait for the pair limit

    later(world, 6)

    assert ana.reads() == [relays(maria, *said[1:])]
    assert not [m for m in world.store.outbox if m.to == ANA and m.delivery is Delivery.PENDING]


def test_pacing_spends_a_burst_then_one_message_per_interval(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    paced(world, burst=2, interval=6)
    ana.says("/ajuda")
    ana.says("/ativos")  # the burst is spent on these
    ana.reads()

    ana.says("/fila")
    assert ana.reads() == []
    later(world, 5)
    assert ana.reads() == []
    later(world, 1)
    assert [n[:1] for n in ana.reads()] == ["📋"]


def test_relays_from_two_customers_are_never_mixed_but_each_backlog_goes_out_whole(
    world: World, carla: Agent, maria: Customer, joao: Customer
) -> None:
    carla_with_maria_and_joao(world, carla, maria, joao)
    paced(world)

    maria.says("m1")
    maria.says("m2")
    maria.says("m3")
    joao.says("j1")
    joao.says("j2")
    maria.says("m4")
    for _ in range(4):
        later(world, 6)

    assert carla.reads() == [
        relays(maria, "m1"),
        relays(maria, "m2", "m3", "m4"),
        relays(joao, "j1", "j2"),
    ]


def test_a_reply_quoted_relay_is_not_merged(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    said = ana.says("Segue o boleto")
    paced(world)

    maria.says("oi")
    maria.says("mais uma coisa")
    maria.swipes("Segue o boleto", "não abriu")
    maria.says("tenta de novo")
    maria.says("por favor")
    for _ in range(3):
        later(world, 6)

    received = ana.received()[-4:]
    assert [m.body.text for m in received if isinstance(m.body, TextBody)] == [
        relays(maria, "oi"),
        relays(maria, "mais uma coisa"),
        relays(maria, "não abriu"),
        relays(maria, "tenta de novo", "por favor"),
    ]
    assert [m.reply_to for m in received] == [None, None, said, None]


def test_a_swipe_reply_to_a_coalesced_message_reaches_its_customer(
    world: World, carla: Agent, maria: Customer, joao: Customer
) -> None:
    carla_with_maria_and_joao(world, carla, maria, joao)  # Maria is Carla's active customer
    paced(world)
    joao.says("j1")
    joao.says("j2")
    joao.says("j3")
    maria.says("m1")
    later(world, 6)
    later(world, 6)
    assert carla.reads() == [relays(joao, "j1"), relays(joao, "j2", "j3"), relays(maria, "m1")]

    carla.swipes("j3", "Resposta para o João")

    assert joao.reads() == ["Resposta para o João"]
    assert maria.reads() == []


def test_reading_a_coalesced_message_marks_the_customers_latest_original_read(
    world: World, ana: Agent, maria: Customer
) -> None:
    """Marking a message read marks the earlier ones too (docs/whatsapp.md §e): the latest one must be named."""
    serving(ana, maria)
    paced(world)
    maria.says("um")
    maria.says("dois")
    latest = maria.says("três")
    later(world, 6)
    merged = world.provider_id_of(ANA, "três")

    world.report(merged, "read")

    assert [m.body for m in maria.received() if isinstance(m.body, ReadReceipt)] == [ReadReceipt(latest)]


# --- order per recipient, backoff ---------------------------------------------------------------


def test_while_the_head_backs_off_later_messages_to_that_person_wait_and_others_go_on(
    world: World, ana: Agent, bruno: Agent, maria: Customer, joao: Customer
) -> None:
    serving(ana, maria)
    serving(bruno, joao, "suporte")
    world.gateway.failing[ANA] = SendError("(#131056) pair rate limit", Failure.RATE_LIMITED, code=PAIR_LIMIT)

    maria.says("um")
    del world.gateway.failing[ANA]  # WhatsApp would take it now, but the backoff is not over
    maria.says("dois")
    joao.says("oi Bruno")

    assert bruno.reads() == [relays(joao, "oi Bruno")]
    assert ana.reads() == []
    later(world, 3)
    assert ana.reads() == []

    later(world, 1)

    assert ana.reads() == [relays(maria, "um", "dois")]


def arrives_unsent(world: World, sender: str, text: str) -> None:
    """`sender` writes and atende handles it, but no courier pass has run yet."""
    world.atende.receive(Inbound(f"wamid.quiet{len(world.store.outbox)}", sender, "", world.clock.now(), Text(text)))


def test_a_backlog_held_by_the_pair_limit_never_holds_up_anyone_else(
    world: World, ana: Agent, maria: Customer, joao: Customer
) -> None:
    """A pass loads a bounded number of messages: were a paced agent's backlog among them, it
    would crowd out every other recipient (the kill test saw customers wait minutes for a menu)."""
    serving(ana, maria)
    paced(world)
    for n in range(1, 6):
        maria.says(f"m{n}")
    assert ana.reads() == [relays(maria, "m1")]  # m2…m5 wait for the pair limit

    arrives_unsent(world, JOAO, "oi")
    assert world.courier.deliver(limit=3) == 1  # a pass smaller than Ana's backlog

    assert len(joao.reads()) == 1  # the menu
    assert ana.reads() == []
    later(world, 6)
    assert ana.reads() == [relays(maria, "m2", "m3", "m4", "m5")]


def test_a_backlog_behind_a_head_backing_off_never_holds_up_anyone_else(
    world: World, ana: Agent, maria: Customer, joao: Customer
) -> None:
    serving(ana, maria)
    world.gateway.failing[ANA] = SendError("(#131056) pair rate limit", Failure.RATE_LIMITED, code=PAIR_LIMIT)
    for n in range(1, 6):
        maria.says(f"m{n}")
    del world.gateway.failing[ANA]  # WhatsApp would take them now, but the backoff is not over

    arrives_unsent(world, JOAO, "oi")
    assert world.courier.deliver(limit=3) == 1

    assert len(joao.reads()) == 1
    assert ana.reads() == []
    later(world, 4)
    assert ana.reads() == [relays(maria, "m1", "m2", "m3", "m4", "m5")]


def test_messages_to_a_customer_keep_their_order_through_a_retry(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    world.gateway.failing[MARIA] = SendError("(#131000) Something went wrong", Failure.RETRYABLE, code=TEMPORARY)

    ana.says("primeira")
    ana.says("segunda")
    ana.says("terceira")
    assert maria.reads() == []
    del world.gateway.failing[MARIA]
    later(world, 2)

    assert maria.reads() == ["primeira", "segunda", "terceira"]
    assert stored(world, MARIA, "primeira").attempts == 2


@pytest.mark.parametrize(
    ("failure", "waits"),
    [(Failure.RATE_LIMITED, [4, 16, 64, 256, 900, 900, 900]), (Failure.RETRYABLE, [2, 4, 8, 16, 32, 64, 128])],
)
def test_retryable_errors_back_off_longer_each_time(
    world: World, ana: Agent, maria: Customer, failure: Failure, waits: list[int]
) -> None:
    serving(ana, maria)
    world.gateway.failing[MARIA] = SendError("retry me", failure)
    ana.says("Segue o boleto")

    seen: list[float] = []
    for _ in range(MAX_ATTEMPTS - 1):
        message = stored(world, MARIA, "Segue o boleto")
        assert message.delivery is Delivery.PENDING and message.not_before is not None
        seen.append((message.not_before - world.clock.now()).total_seconds())
        world.clock.advance(seen[-1] - 1)
        world.flush()
        assert stored(world, MARIA, "Segue o boleto").attempts == len(seen)  # not before its time
        later(world, 1)

    assert seen == waits


@pytest.mark.parametrize(("retry_after", "wait"), [(120, 120), (1, 4)])
def test_a_retry_waits_at_least_as_long_as_the_provider_asked(
    world: World, ana: Agent, maria: Customer, retry_after: float, wait: float
) -> None:
    serving(ana, maria)
    world.gateway.failing[MARIA] = SendError("slow down", Failure.RATE_LIMITED, retry_after=retry_after)
    ana.says("Segue o boleto")
    message = stored(world, MARIA, "Segue o boleto")
    assert message.not_before is not None
    assert (message.not_before - world.clock.now()).total_seconds() == wait

    del world.gateway.failing[MARIA]
    later(world, wait - 1)
    assert maria.reads() == []
    later(world, 1)
    assert maria.reads() == ["Segue o boleto"]


def test_a_retried_message_goes_out_once_the_error_clears(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    world.gateway.failing[MARIA] = SendError("(#131056)", Failure.RATE_LIMITED, code=PAIR_LIMIT)
    ana.says("Segue o boleto")
    later(world, 4)
    later(world, 16)

    del world.gateway.failing[MARIA]
    later(world, 64)

    assert maria.reads() == ["Segue o boleto"]
    message = stored(world, MARIA, "Segue o boleto")
    assert (message.delivery, message.attempts) == (Delivery.SENT, 4)
    assert ana.reads() == []


def test_after_max_attempts_the_message_fails_and_the_agent_is_told(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    world.gateway.failing[MARIA] = SendError("(#131000) Something went wrong", Failure.RETRYABLE, code=TEMPORARY)
    ana.says("Segue o boleto")

    later(world, 3600)
    for _ in range(MAX_ATTEMPTS):
        later(world, 300)

    message = stored(world, MARIA, "Segue o boleto")
    assert (message.delivery, message.attempts, message.error_code) == (Delivery.FAILED, MAX_ATTEMPTS, TEMPORARY)
    assert ana.reads() == [f"⚠️ {maria.tag} · Maria Silva: sua mensagem não foi entregue (erro 131000 do WhatsApp)."]
    assert maria.reads() == []


def test_a_non_retryable_error_fails_at_once_and_is_reported(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    world.gateway.failing[MARIA] = SendError("(#131026) Message undeliverable", Failure.UNREACHABLE, code=UNDELIVERABLE)

    ana.says("Segue o boleto")
    world.flush()  # the courier's next pass carries the ⚠️

    message = stored(world, MARIA, "Segue o boleto")
    assert (message.delivery, message.attempts) == (Delivery.FAILED, 1)
    assert ana.reads() == [
        f"⚠️ {maria.tag} · Maria Silva: sua mensagem não foi entregue (o número não pode receber mensagens no WhatsApp)."
    ]
    del world.gateway.failing[MARIA]
    later(world, 3600)
    assert maria.reads() == []


def test_a_relay_to_an_agent_that_keeps_failing_is_not_lost_silently(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    world.gateway.failing[ANA] = SendError("(#131053) Media upload error", Failure.CONTENT_REFUSED, code=131053)

    maria.says("olha o comprovante")
    del world.gateway.failing[ANA]
    later(world, 1)

    assert ana.reads() == [
        f"⚠️ {maria.tag} · Maria Silva: uma mensagem do cliente não chegou até você "
        "(o WhatsApp recusou o arquivo ou o tipo de mensagem). Veja /historico."
    ]
    assert stored(world, ANA, "olha o comprovante").delivery is Delivery.FAILED
    assert maria.reads()[-1].startswith("Sua última mensagem não chegou a quem te atende.")


def test_a_late_131047_on_a_coalesced_relay_holds_everything_it_carried(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    paced(world)
    maria.says("um")
    maria.says("dois")
    maria.says("três")
    later(world, 6)
    merged = world.provider_id_of(ANA, "três")
    ana.reads()

    world.report(merged, "failed", Failure.WINDOW_CLOSED, "Re-engagement message", WINDOW_CLOSED)
    later(world, 6)
    ana.reads()  # the template
    ana.says("/ativos")
    for _ in range(3):
        later(world, 6)

    assert ana.reads()[0] == relays(maria, "dois", "três")


def test_a_customers_own_order_survives_coalescing_around_their_media(
    world: World, carla: Agent, maria: Customer, joao: Customer
) -> None:
    carla_with_maria_and_joao(world, carla, maria, joao)
    paced(world)

    maria.says("m1")
    maria.says(Media(MediaKind.IMAGE, "media-1", "image/jpeg", caption="foto"))
    joao.says("j1")
    maria.says("m2")
    maria.says("m3")
    for _ in range(5):
        later(world, 6)

    received = carla.reads()
    assert received[0] == relays(maria, "m1")
    assert received[1].startswith("<image media-1>") and maria.code in received[1]
    assert received[2:] == [relays(joao, "j1"), relays(maria, "m2", "m3")]


# --- what the courier reports for metrics ------------------------------------------------------


def test_the_courier_reports_sends_relays_carried_and_failures_by_kind(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    telemetry = RecordingTelemetry()
    world.atende.telemetry = telemetry
    paced(world)
    for text in ("oi", "é sobre o boleto", "venceu ontem"):
        maria.says(text)
    later(world, 6)  # the last two go out as one message, carrying both relays
    world.gateway.failing[MARIA] = SendError("no WhatsApp", Failure.UNREACHABLE, code=UNDELIVERABLE)
    ana.says("Olá, Maria!")
    later(world, 6)

    assert [seen for seen in telemetry.seen if seen[0] == "handled"] == [("handled", "customer")] * 3 + [
        ("handled", "agent")
    ]
    assert [seen for seen in telemetry.seen if seen[0] != "handled"] == [
        ("sent", "agent:1:relay"),
        ("sent", "agent:2:relay"),
        ("failed", "unreachable"),
        ("sent", "agent:1:own"),  # the ⚠️ telling Ana her message did not reach Maria
    ]
