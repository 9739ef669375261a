"""Everything a customer wrote while waiting reaches the agent on assignment (docs/design.md §4).

The 🔔 carries what fits in one WhatsApp message; the rest follows right after it, in order,
under one header per message; a text longer than a message is split, never cut; media beyond
what is re-sent is counted in the 🔔, never dropped silently.
"""

from __future__ import annotations

import pytest

from atende.application.outbound import MediaBody, TextBody
from atende.application.pages import TEXT_LIMIT
from atende.application.relay import MEDIA_ON_ASSIGNMENT
from atende.domain.content import Media, MediaKind
from tests.unit.people import Agent, Customer
from tests.unit.scenes import serving
from tests.world import World

PROBLEM = "Fui cobrado duas vezes no cartão pela compra 4512, no dia 3"


def lines_after_the_header(texts: list[str]) -> list[str]:
    """The transcript lines of the 🔔 and of what follows it, without headers and footers."""
    bell, *more = texts
    body = bell.splitlines()
    start = body.index("Já escreveu:") + 1
    end = next(i for i, line in enumerate(body) if line.startswith("⤵️")) if more else -1
    shown = body[start:end]
    for message in more:
        shown += message.splitlines()[1:]
    return shown


@pytest.mark.config(history_lines=10)
def test_fifteen_lines_written_while_waiting_are_all_shown_first_line_first(
    world: World, ana: Agent, maria: Customer
) -> None:
    maria.queues_for("financeiro", first="oi")
    maria.says(PROBLEM)  # the line that states the problem, which used to be cut
    for n in range(2, 16):
        maria.says(f"linha {n}")
    world.wait(300)

    ana.says("/entrar")

    [bell] = [t for t in ana.reads() if t.startswith("🔔")]
    said = bell.splitlines()[3:-1]
    assert said == ["› oi", f"› {PROBLEM}", *(f"› linha {n}" for n in range(2, 16))]


def test_what_does_not_fit_in_the_bell_follows_right_after_it_in_order(
    world: World, ana: Agent, maria: Customer
) -> None:
    maria.queues_for("financeiro", first="oi")
    written = [f"{n:03d} " + "mensagem longa escrita enquanto esperava " * 4 for n in range(60)]
    for text in written:
        maria.says(text)

    ana.says("/entrar")

    texts = ana.reads()[1:]  # about 10,000 characters in all
    assert len(texts) == 3
    assert all(len(t) <= TEXT_LIMIT for t in texts)
    bell = texts[0].splitlines()
    assert bell[0].startswith(f"🔔 *Novo atendimento* · *Maria* {maria.tag}")
    assert bell[-2:] == [
        "⤵️ Continua em mais 2 mensagem(ns), logo abaixo.",
        "Tudo que você escrever vai para *Maria*. /fim encerra · /ajuda",
    ]
    assert [t.splitlines()[0] for t in texts[1:]] == [
        f"🔔 *Maria* {maria.tag} · já escreveu (continuação {n}/2)" for n in (1, 2)
    ]
    assert lines_after_the_header(texts) == ["› oi", *(f"› {text.strip()}" for text in written)]
    assert [m.conversation for m in ana.received()[-3:]] == [maria.code] * 3, "a swipe on any answers Maria"


def test_a_text_longer_than_a_message_is_split_across_messages_not_cut(
    world: World, ana: Agent, maria: Customer
) -> None:
    maria.queues_for("financeiro", first="oi")
    words = [f"palavra{n:05d}" for n in range(1200)]  # about 16,000 characters
    maria.says(" ".join(words))

    ana.says("/entrar")

    texts = ana.reads()[1:]
    assert len(texts) >= 4
    assert all(len(t) <= TEXT_LIMIT for t in texts)
    shown = " ".join(lines_after_the_header(texts)).split()
    assert shown == ["›", "oi", "›", *words]


def test_media_beyond_the_ones_sent_again_is_counted_in_the_bell(world: World, ana: Agent, maria: Customer) -> None:
    maria.queues_for("financeiro", first="oi")
    photos = [Media(MediaKind.IMAGE, f"img-{n}", "image/jpeg", caption=f"foto {n}") for n in range(1, 13)]
    for photo in photos:
        maria.says(photo)

    ana.says("/entrar")

    bell, *rest = ana.received()[1:]
    assert isinstance(bell.body, TextBody)
    lines = bell.body.text.splitlines()
    assert [line for line in lines if line.startswith("› ")] == [
        "› oi",
        *(f"› [📷 imagem] foto {n}" for n in range(1, 13)),
    ]
    assert lines[-2] == (
        f"📎 Seguem abaixo os {MEDIA_ON_ASSIGNMENT} primeiros arquivos; 2 outro(s) não foram reenviados "
        "(estão na lista acima). Peça ao cliente se precisar deles."
    )
    resent = [m.body.media for m in rest if isinstance(m.body, MediaBody)]
    assert resent == photos[:MEDIA_ON_ASSIGNMENT], "the first ones, in order"


def test_a_long_text_while_talking_is_relayed_in_pieces_under_the_header(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    words = [f"palavra{n:05d}" for n in range(700)]  # about 9,000 characters

    maria.says(" ".join(words))

    texts = ana.reads()
    header = f"💬 *Maria* {maria.tag}"
    assert len(texts) == 3
    assert all(len(t) <= TEXT_LIMIT and t.splitlines()[0] == header for t in texts)
    assert " ".join(" ".join(t.splitlines()[1:]) for t in texts).split() == words


@pytest.mark.config(locale="en")
def test_the_continuation_speaks_english_too(world: World, ana: Agent, maria: Customer) -> None:
    maria.queues_for("financeiro", first="hi")
    maria.says("x " * 3000)

    ana.says("/entrar")

    bell, more = ana.reads()[1:]
    assert "⤵️ Continued in 1 more message(s), right below." in bell.splitlines()
    assert more.splitlines()[0] == f"🔔 *Maria* {maria.tag} · already wrote (continued 1/1)"


def test_an_agents_text_longer_than_a_message_reaches_the_customer_in_pieces(ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    maria.reads()
    words = [f"passo{n:04d}" for n in range(900)]  # about 9,000 characters: WhatsApp lets an agent send it

    ana.says(" ".join(words))

    texts = maria.reads()
    assert len(texts) == 3
    assert all(len(t) <= TEXT_LIMIT for t in texts)
    assert " ".join(texts).split() == words
