"""Relaying both ways, and the rule of the agent's window (docs/design.md §5): marker first, subject named."""

from __future__ import annotations

import pytest

from atende.application.outbound import LocationBody, MediaBody, Outgoing, ReactionBody, TextBody
from atende.domain.content import (
    Contacts,
    Content,
    Edited,
    Location,
    Media,
    MediaKind,
    Order,
    Reaction,
    Revoked,
    SharedContact,
    Unsupported,
)
from tests.unit.people import Agent, Customer
from tests.unit.scenes import carla_with_maria_and_joao, serving
from tests.world import World

MARKERS = ("🔔", "💬", "⏳", "📋", "✅", "⚠️")


# --- customer → agent ------------------------------------------------------------------------


def test_customer_text_reaches_the_agent_under_the_customers_header(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)

    maria.says("Preciso da segunda via do boleto")

    assert ana.reads() == [f"💬 *Maria* {maria.tag}\nPreciso da segunda via do boleto"]


@pytest.mark.parametrize(
    ("content", "seen"),
    [
        (Location(-23.561, -46.656, "Loja", "Av. Paulista, 1000"),
         "[📍 localização] Loja · Av. Paulista, 1000 https://maps.google.com/?q=-23.561,-46.656"),
        (Contacts((SharedContact("José Lima", ("5511977776666",)),)), "[👤 contato] José Lima 5511977776666"),
        (Order("cat-1", 2, "quero estes"), "[🛒 pedido com 2 item(ns)] quero estes"),
        (Edited("wamid.x", "segunda via, por favor"), "✏️ editou uma mensagem: segunda via, por favor"),
        (Revoked("wamid.x"), "🗑️ apagou uma mensagem"),
        (Reaction("wamid.unknown", "👍"), "reagiu 👍"),
        (Unsupported("poll"), "❔ mensagem que o WhatsApp não repassa (poll)"),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, str) else "",
)  # fmt: skip
def test_every_kind_of_customer_message_is_described_to_the_agent(
    ana: Agent, maria: Customer, content: Content, seen: str
) -> None:
    serving(ana, maria)

    maria.says(content)

    assert ana.reads() == [f"💬 *Maria* {maria.tag}\n{seen}"]


@pytest.mark.parametrize(
    ("media", "seen"),
    [
        (Media(MediaKind.IMAGE, "img", caption="o boleto"), ["<image img> {header}\no boleto"]),
        (Media(MediaKind.VIDEO, "vid"), ["<video vid> {header}"]),
        (Media(MediaKind.DOCUMENT, "doc", filename="nf.pdf"), ["<document doc> {header}"]),
        (Media(MediaKind.AUDIO, "aud", voice=True), ["{header}", "<audio aud>"]),
        (Media(MediaKind.STICKER, "stk"), ["{header}", "<sticker stk>"]),
    ],
    ids=lambda value: value.kind.value if isinstance(value, Media) else "",
)
def test_media_is_relayed_as_media_with_the_header_as_caption_or_just_before(
    ana: Agent, maria: Customer, media: Media, seen: list[str]
) -> None:
    serving(ana, maria)

    maria.says(media)

    header = f"💬 *Maria* {maria.tag}"
    assert ana.reads() == [line.format(header=header) for line in seen]
    relayed = ana.received()[-1].body
    assert isinstance(relayed, MediaBody)
    assert relayed.media == media


def test_a_customers_swipe_reply_quotes_the_agents_own_message(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    original = ana.says("Qual o número do pedido?")

    maria.swipes("Qual o número do pedido?", "É o 4512")

    assert ana.reads() == [f"💬 *Maria* {maria.tag}\nÉ o 4512"]
    assert ana.received()[-1].reply_to == original


def test_a_customers_reaction_lands_on_the_agents_own_message(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    original = ana.says("Segue o boleto atualizado")
    copy = maria.world.provider_id_of(maria.wa_id, "Segue o boleto")

    maria.says(Reaction(copy, "🙏"))

    assert ana.received()[-1].body == ReactionBody(original, "🙏")


def test_the_assignment_notice_says_who_from_where_how_long_and_what_they_wrote(
    world: World, ana: Agent, maria: Customer
) -> None:
    maria.queues_for("financeiro", first="oi")
    maria.says("Preciso da segunda via do boleto")
    world.wait(180)

    ana.says("/entrar")

    assert ana.reads()[-1] == (
        f"🔔 *Novo atendimento* · *Maria* {maria.tag} · Financeiro\n"
        "👤 Maria Silva · +55 11 98765-4321 · esperou 3 min\n"
        "Já escreveu:\n"
        "› oi\n"
        "› Preciso da segunda via do boleto\n"
        "Tudo que você escrever vai para *Maria*. /fim encerra · /ajuda"
    )


# --- agent → customer ------------------------------------------------------------------------


def test_agent_text_reaches_the_customer_as_it_was_written(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)

    ana.says("Bom dia! *Já* verifico.")

    assert maria.reads() == ["Bom dia! *Já* verifico."]
    assert maria.conversation.accepted_at is not None


def test_agent_media_and_location_reach_the_customer(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    boleto = Media(MediaKind.DOCUMENT, "doc-9", "application/pdf", caption="boleto", filename="boleto.pdf")

    ana.says(boleto)
    ana.says(Location(-23.5, -46.6, "Loja Centro", "Rua A, 1"))

    media, place = maria.received()[-2:]
    assert media.body == MediaBody(boleto, caption="boleto")
    assert place.body == LocationBody(-23.5, -46.6, "Loja Centro", "Rua A, 1")
    assert ana.reads() == []


def test_agent_reaction_to_a_relayed_message_lands_on_the_customers_original(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    original = maria.says("Muito obrigada!")
    copy = ana.world.provider_id_of(ana.wa_id, "Muito obrigada!")

    ana.says(Reaction(copy, "❤️"))

    assert maria.received()[-1].body == ReactionBody(original, "❤️")


def test_agent_reaction_reaches_the_customer_it_was_about_not_the_active_one(
    world: World, carla: Agent, maria: Customer, joao: Customer
) -> None:
    carla_with_maria_and_joao(world, carla, maria, joao)
    original = joao.says("pedido 4512 chegou!")
    copy = world.provider_id_of(carla.wa_id, "pedido 4512")

    carla.says(Reaction(copy, "🎉"))

    assert joao.received()[-1].body == ReactionBody(original, "🎉")
    assert maria.reads() == []


def test_what_cannot_be_relayed_is_refused_naming_the_customer(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)

    ana.says(Unsupported("poll"))

    assert ana.read().splitlines()[0].startswith(f"⚠️ {maria.tag} · Maria Silva")
    assert maria.reads() == []


# --- the rule of the agent's window ------------------------------------------------------------


def first_line_for_the_agent(sent: list[Outgoing], index: int) -> str | None:
    """The line an agent reads first for `sent[index]`; None for a reaction (shown on their own message)."""
    message = sent[index]
    match message.body:
        case TextBody(text=text):
            return text.splitlines()[0]
        case MediaBody(caption=caption) if caption:
            return caption.splitlines()[0]
        case MediaBody():
            header = sent[index - 1]
            assert isinstance(header.body, TextBody), f"media without a header: {message}"
            assert header.conversation == message.conversation, f"header of another customer: {message}"
            assert header.body.text.startswith("💬") and "\n" not in header.body.text, header.body.text
            return header.body.text
        case ReactionBody():
            return None
    raise AssertionError(f"unexpected message to an agent: {message}")


def assert_the_agents_window_rule(world: World) -> set[str]:
    """Every agent-bound message starts with a marker; one about a customer names them (name, #code)
    in its first line. Returns the markers seen."""
    seen: set[str] = set()
    for profile in world.settings.agents:
        sent = world.sent_to(profile.phone)
        for index, message in enumerate(sent):
            line = first_line_for_the_agent(sent, index)
            if line is None:
                continue
            marker = next((m for m in MARKERS if line.startswith(m)), None)
            assert marker, f"no marker: {line!r}"
            seen.add(marker)
            if message.conversation:
                conversation = world.store.conversations[message.conversation]
                assert f"#{conversation.code}" in line, f"code missing: {line!r}"
                assert conversation.customer.first_name in line, f"name missing: {line!r}"
    return seen


def test_every_message_to_an_agent_carries_a_marker_and_names_its_customer(
    world: World, ana: Agent, bruno: Agent, carla: Agent, *, maria: Customer, joao: Customer, pedro: Customer
) -> None:
    bia = Customer(world, "5511955550000", "Bia Costa")
    nameless = Customer(world, "5511944443333", "")

    for agent in (ana, bruno, carla):
        agent.says("/entrar")
    ana.says("/ajuda")
    carla.says("e aí?")  # nobody active

    # Maria is served by Ana and sends everything WhatsApp has.
    maria.queues_for("financeiro")
    ana.says("Olá, Maria!")
    for content in (
        Media(MediaKind.IMAGE, "i1", caption="o boleto"),
        Media(MediaKind.IMAGE, "i2"),
        Media(MediaKind.AUDIO, "a1", voice=True),
        Media(MediaKind.STICKER, "s1"),
        Media(MediaKind.VIDEO, "v1"),
        Media(MediaKind.DOCUMENT, "d1", filename="nf.pdf"),
        Location(-23.5, -46.6),
        Contacts((SharedContact("José", ("5511977776666",)),)),
        Order("c", 1),
        Edited("wamid.x", "corrigido"),
        Revoked("wamid.x"),
        Unsupported("poll"),
    ):
        maria.says(content)
    ana.says("Segue")
    maria.says(Reaction(world.provider_id_of(maria.wa_id, "Segue"), "👍"))
    ana.says(Unsupported("poll"))
    ana.says(Reaction(world.provider_id_of(ana.wa_id, "o boleto"), "👀"))

    # João goes to Bruno, who never answers: the offer times out and Bruno is paused.
    world.wait(10)
    joao.queues_for("financeiro")
    world.wait(180)

    # Pedro is served by Carla, who looks around and transfers him to Financeiro.
    pedro.queues_for("suporte")
    carla.says("Oi Pedro")
    pedro.says(Media(MediaKind.AUDIO, "a2"))
    carla.says("/ativos")
    carla.says("/historico")
    carla.says("/transferir financeiro")
    carla.says("/transferir financeiro")  # nothing active any more

    # The queue grows; Ana, busy, is reminded and looks at it.
    world.wait(300)
    ana.says("/fila")
    ana.says("/fila suporte")
    ana.says("/proximo")
    ana.says("/fim")  # João is assigned to Ana, with everything he wrote
    ana.says(f"/ir #{joao.code}")
    ana.swipes("o boleto", "ainda aí?")  # Maria's conversation has ended
    ana.says("Olá João")
    bruno.says("/volto")  # Pedro comes to Bruno, transferred, with history
    bruno.says("Oi Pedro, sou do financeiro")
    bruno.says("/xyz")
    bruno.says("/puxar")
    bruno.says("/sair")

    # Carla, paused, pulls and removes people who wrote while waiting.
    carla.says("/pausa")
    bia.queues_for("vendas", first="quero um orçamento")
    bia.says(Media(MediaKind.STICKER, "s2"))
    bia.says(Media(MediaKind.IMAGE, "i3", caption="este modelo"))
    nameless.queues_for("trocas")
    carla.says("/fila")
    carla.says(f"/puxar #{bia.code}")
    carla.says("/remover 1 duplicado")
    carla.says("/remover 1")
    carla.says(f"/ir #{bia.code}")
    carla.says("/ativos")
    carla.says("/fim")
    carla.says("/historico")

    assert assert_the_agents_window_rule(world) == set(MARKERS)
    assert len(world.gateway.sent) > 60


def test_the_rule_catches_a_message_without_a_name(world: World, ana: Agent, maria: Customer) -> None:
    """The checker itself can fail: a header without the customer's name is caught."""
    serving(ana, maria)
    maria.says("oi")
    relayed = world.gateway.sent[-1]
    assert isinstance(relayed.body, TextBody)
    relayed.body = TextBody(relayed.body.text.replace("*Maria* ", ""))

    with pytest.raises(AssertionError, match="name missing"):
        assert_the_agents_window_rule(world)


def test_the_assignment_of_a_customer_without_a_profile_name_shows_the_phone_once(world: World, ana: Agent) -> None:
    nameless = Customer(world, "5511955554444", name="")
    ana.checks_in()

    nameless.queues_for("financeiro")

    notice = ana.reads()[-1].splitlines()
    assert notice[0].startswith("🔔") and "*4444*" in notice[0]
    assert notice[1].startswith("👤 +55 11 95555-4444 · esperou")
    assert notice[1].count("95555-4444") == 1
