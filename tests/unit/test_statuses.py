"""What WhatsApp says about sent messages (docs/whatsapp.md §d and §i 3, 13).

Statuses only move a message forward; a read copy marks its original read on the other side
(blue ticks mean a human saw it); a failure is reported to the agent with a reason, except for
what nobody needs to hear about (read receipts, reactions, templates).
"""

from __future__ import annotations

import copy

import pytest

from atende.application.failures import Failure
from atende.application.outbound import Delivery, Outgoing, ReactionBody, ReadReceipt, TemplateBody
from atende.domain.content import Media, MediaKind, Reaction
from tests.unit.people import Agent, Customer
from tests.unit.scenes import serving
from tests.world import ANA, MARIA, World


def stored(world: World, provider_id: str) -> Outgoing:
    (message,) = [m for m in world.store.outbox if m.provider_id == provider_id]
    return message


def receipts_to(world: World, wa_id: str) -> list[ReadReceipt]:
    return [m.body for m in world.sent_to(wa_id) if isinstance(m.body, ReadReceipt)]


# --- progress -------------------------------------------------------------------------------


def test_statuses_move_a_message_forward(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    maria.says("Preciso do boleto")
    relayed = world.provider_id_of(ANA, "Preciso do boleto")
    assert stored(world, relayed).delivery is Delivery.SENT

    world.report(relayed, "delivered")
    assert stored(world, relayed).delivery is Delivery.DELIVERED

    world.report(relayed, "read")
    assert stored(world, relayed).delivery is Delivery.READ


def test_late_and_repeated_statuses_are_ignored(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    original = maria.says("Preciso do boleto")
    relayed = world.provider_id_of(ANA, "Preciso do boleto")
    world.report(relayed, "read")  # `delivered` may be skipped: read implies it

    for late in ("sent", "delivered", "read", "sent"):
        world.report(relayed, late)

    assert stored(world, relayed).delivery is Delivery.READ
    assert receipts_to(world, MARIA) == [ReadReceipt(original)]


def test_a_status_nobody_knows_of_is_ignored(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    maria.says("oi")
    ana.reads()
    maria.reads()
    outbox = copy.deepcopy(world.store.outbox)
    sent = len(world.gateway.sent)

    world.report("wamid.NOT-OURS", "read")
    world.report("wamid.NOT-OURS", "failed", Failure.UNREACHABLE, "Message undeliverable")
    world.report(world.provider_id_of(ANA, "oi"), "deleted")  # a status atende does not know

    assert world.store.outbox == outbox
    assert len(world.gateway.sent) == sent


# --- read receipts, passed on -----------------------------------------------------------------


def test_when_the_agent_reads_a_relayed_message_the_customers_original_is_marked_read(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    original = maria.says("Preciso do boleto")
    relayed = world.provider_id_of(ANA, "Preciso do boleto")
    maria.reads()

    world.report(relayed, "read")

    (receipt,) = maria.received()[-1:]
    assert receipt.body == ReadReceipt(original)
    assert len(maria.reads()) == 1
    assert receipts_to(world, ANA) == []


def test_when_the_customer_reads_the_agents_message_the_agents_original_is_marked_read(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    said = ana.says("Segue o boleto")
    relayed = world.provider_id_of(MARIA, "Segue o boleto")
    ana.reads()

    world.report(relayed, "read")

    assert [m.body for m in ana.received()[-1:]] == [ReadReceipt(said)]
    assert len(ana.reads()) == 1
    assert receipts_to(world, MARIA) == []


def test_a_played_voice_note_counts_as_read(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    said = ana.says(Media(MediaKind.AUDIO, "aud", voice=True))
    relayed = world.gateway.provider_ids[maria.received()[-1].id]

    world.report(relayed, "played")

    assert stored(world, relayed).delivery is Delivery.READ
    assert receipts_to(world, ANA) == [ReadReceipt(said)]


def test_reading_what_atende_itself_said_passes_nothing_on(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    notice = world.provider_id_of(ANA, "🔔")
    told = world.provider_id_of(MARIA, "vai te atender")

    world.report(notice, "read")
    world.report(told, "read")

    assert receipts_to(world, ANA) == receipts_to(world, MARIA) == []


# --- failures, reported ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        ((Failure.UNREACHABLE, 131026), "o número não pode receber mensagens no WhatsApp"),
        ((Failure.WINDOW_CLOSED, 131047), "a janela de 24 h fechou"),
        ((Failure.CONTENT_REFUSED, 131053), "o WhatsApp recusou o arquivo ou o tipo de mensagem"),
        ((Failure.PERMANENT, 135999), "erro 135999 do WhatsApp"),
        ((Failure.PERMANENT, None), "erro ? do WhatsApp"),
    ],
)
def test_an_agents_message_that_fails_is_reported_to_the_agent_with_the_reason(
    world: World, ana: Agent, maria: Customer, failure: tuple[Failure, int | None], reason: str
) -> None:
    kind, code = failure
    serving(ana, maria)
    ana.says("Segue o boleto")
    relayed = world.provider_id_of(MARIA, "Segue o boleto")
    ana.reads()
    maria.reads()

    world.report(relayed, "failed", kind, "as WhatsApp puts it", code)

    assert ana.reads() == [f"⚠️ {maria.tag} · Maria Silva: sua mensagem não foi entregue ({reason})."]
    assert maria.reads() == []
    failed = stored(world, relayed)
    assert (failed.delivery, failed.error_code, failed.error) == (Delivery.FAILED, code, "as WhatsApp puts it")


def test_a_failure_without_details_still_says_something(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    ana.says("Segue o boleto")
    relayed = world.provider_id_of(MARIA, "Segue o boleto")
    ana.reads()

    world.report(relayed, "failed")

    assert ana.reads() == [f"⚠️ {maria.tag} · Maria Silva: sua mensagem não foi entregue (erro ? do WhatsApp)."]


def test_a_failure_is_reported_once(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    ana.says("Segue o boleto")
    relayed = world.provider_id_of(MARIA, "Segue o boleto")
    ana.reads()

    world.report(relayed, "failed", Failure.UNREACHABLE, "Message undeliverable")
    world.report(relayed, "failed", Failure.UNREACHABLE, "Message undeliverable")
    world.report(relayed, "read")

    assert len(ana.reads()) == 1
    assert stored(world, relayed).delivery is Delivery.FAILED


def test_a_relay_that_fails_on_its_way_to_the_agent_is_reported_to_both_sides(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    maria.says(Media(MediaKind.DOCUMENT, "doc", filename="boleto.exe"))
    relayed = world.gateway.provider_ids[ana.received()[-1].id]
    ana.reads()

    world.report(relayed, "failed", Failure.CONTENT_REFUSED, "Media upload error")

    assert ana.reads() == [
        f"⚠️ {maria.tag} · Maria Silva: uma mensagem do cliente não chegou até você "
        "(o WhatsApp recusou o arquivo ou o tipo de mensagem). Veja /historico."
    ]
    assert maria.reads() == [
        "Sua última mensagem não chegou a quem te atende. Pode enviar de novo, de outro jeito (em texto, por exemplo)?"
    ]
    assert stored(world, relayed).delivery is Delivery.FAILED


def test_a_read_receipt_that_fails_stays_quiet(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    maria.says("Preciso do boleto")
    world.report(world.provider_id_of(ANA, "Preciso do boleto"), "read")
    (receipt,) = [m for m in maria.received() if isinstance(m.body, ReadReceipt)]
    ana.reads()
    maria.reads()

    world.report(world.gateway.provider_ids[receipt.id], "failed", Failure.PERMANENT, "Parameter value is not valid")

    assert ana.reads() == maria.reads() == []
    assert [m.delivery for m in world.store.outbox if m.id == receipt.id] == [Delivery.FAILED]


def test_a_reaction_that_fails_stays_quiet(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    maria.says("Paguei!")
    ana.says(Reaction(world.provider_id_of(ANA, "Paguei!"), "🎉"))
    (reaction,) = [m for m in maria.received() if isinstance(m.body, ReactionBody)]
    ana.reads()
    maria.reads()

    world.report(world.gateway.provider_ids[reaction.id], "failed", Failure.PERMANENT, "Parameter value is not valid")

    assert ana.reads() == maria.reads() == []


def test_a_template_that_fails_stays_quiet(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    world.clock.advance(24 * 3600)
    maria.says("oi")
    (template,) = [m for m in ana.received() if isinstance(m.body, TemplateBody)]
    ana.reads()
    maria.reads()

    world.report(world.gateway.provider_ids[template.id], "failed", Failure.PERMANENT, "Template is paused")

    assert ana.reads() == maria.reads() == []
    assert [m.delivery for m in world.store.outbox if m.id == template.id] == [Delivery.FAILED]
