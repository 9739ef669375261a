"""The use cases on a real database: a whole conversation, and the same chats as on the in-memory fakes."""

from __future__ import annotations

from collections.abc import Callable

from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.domain.content import Choice, Media, MediaKind, Reaction
from atende.domain.conversation import CloseReason, Stage
from tests.world import ANA, BRUNO, JOAO, MARIA, World

UowFactory = Callable[[], SqlUnitOfWork]
PEOPLE = (MARIA, JOAO, ANA, BRUNO)


def play(world: World) -> dict[str, str]:
    """Two customers, two agents: menu, queue, 🔔, relays both ways (with a swipe-reply), /fim, rating."""
    world.write(MARIA, "Oi, bom dia", name="Maria Silva")
    world.write(MARIA, "1", name="Maria Silva")
    world.write(MARIA, "Preciso da segunda via do boleto", name="Maria Silva")
    world.write(JOAO, "boa tarde", name="João Souza")
    world.write(JOAO, Choice("dept:financeiro", "Financeiro"), name="João Souza")
    world.write(ANA, "/entrar", name="Ana")
    world.write(BRUNO, "/entrar", name="Bruno")
    world.clock.advance(30)
    world.write(MARIA, Media(MediaKind.IMAGE, "media-1", "image/jpeg", "o boleto"), name="Maria Silva")
    world.write(ANA, "Claro, Maria! Já envio.", name="Ana")
    thanks = world.write(MARIA, "Obrigada", name="Maria Silva")
    world.write(BRUNO, "Olá João, em que posso ajudar?", name="Bruno")
    world.write(JOAO, Reaction(world.provider_id_of(JOAO, "em que posso"), "👍"), name="João Souza")
    world.write(ANA, "/fila", name="Ana")
    maria_said = world.provider_id_of(ANA, "Obrigada")
    welcome = world.write(ANA, "De nada!", name="Ana", reply_to=maria_said)
    world.write(ANA, "/fim", name="Ana")
    world.write(MARIA, Choice("rate:3", "😀 Ótimo"), name="Maria Silva")
    world.write(BRUNO, "/fim", name="Bruno")
    world.write(JOAO, "esqueci uma coisa", name="João Souza")
    world.wait(400)
    return {"thanks": thanks, "welcome": welcome}


def test_a_whole_conversation_on_the_database(uow_factory: UowFactory) -> None:
    world = World(uow_factory=uow_factory)
    ids = play(world)

    maria = world.texts(MARIA)
    assert "Maria" in maria[0] and "[Financeiro]" in maria[0], "greeted by name, with the menu"
    assert any("fila de *Financeiro*" in t for t in maria)
    assert any("*Ana* vai te atender agora." in t for t in maria)
    assert "Claro, Maria! Já envio." in maria
    assert any(t.startswith("Atendimento encerrado") for t in maria)
    assert maria[-1] == "Obrigado pela avaliação!"

    ana = world.texts(ANA)
    bell = next(t for t in ana if t.startswith("🔔 *Novo atendimento*"))
    assert "Maria Silva" in bell and "segunda via do boleto" in bell, "the agent sees what was written while waiting"
    assert any(t.startswith("<image media-1> 💬 *Maria*") for t in ana), "media relayed as media, header as caption"
    assert any(t.startswith("💬 *Maria*") and t.endswith("Obrigada") for t in ana)
    quoted = [m for m in world.sent_to(MARIA) if m.reply_to]
    assert [(m.origin_id, m.reply_to) for m in quoted] == [(ids["welcome"], ids["thanks"])], (
        "the agent's swipe-reply quotes the customer's own message"
    )
    joao_reaction = [t for t in world.texts(BRUNO) if t.startswith("<reaction 👍")]
    assert len(joao_reaction) == 1, "the customer's reaction reached the agent's own message"

    with uow_factory() as uow:
        done = uow.conversations.recent(10)
        by_customer = {c.customer.wa_id: c for c in done}
        rated = by_customer[MARIA]
        assert (rated.stage, rated.close_reason, rated.rating) == (Stage.CLOSED, CloseReason.ENDED, 3)
        kinds = [e.name for e in uow.events.for_conversation(rated.code)]
        assert kinds == ["EnteredQueue", "Assigned", "Closed", "Rated"]
        assert [m.author_name for m in uow.messages.for_conversation(rated.code)][:2] == ["Maria Silva"] * 2
        assert uow.outbox.pending(10) == [], "everything was delivered"
        # João wrote again after the rating prompt: the old one closed, a new one opened.
        joao = [c for c in done if c.customer.wa_id == JOAO]
        assert sorted(c.stage for c in joao) == sorted([Stage.CLOSED, Stage.CHOOSING])


def test_the_database_and_the_fakes_tell_everyone_the_same(uow_factory: UowFactory) -> None:
    on_database, on_fakes = World(uow_factory=uow_factory), World()
    play(on_database)
    play(on_fakes)
    for person in PEOPLE:
        assert on_database.texts(person) == on_fakes.texts(person), person
    assert sum(len(on_database.texts(p)) for p in PEOPLE) >= 25
