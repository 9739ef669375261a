"""Offers, what was written while waiting, and re-prompts, through the webhook on SQLite (issue 7).

Every message is posted to the real webhook app as the signed notification Meta would send,
stored in a migrated SQLite file, handled by the intake, and what atende says goes through its
Graph API client to the strict stand-in, which refuses anything the Cloud API would (a text over
4096 characters included). Time is a manual clock the driver moves, running the timer loop's
passes as `atende serve` would.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

import pytest

from atende.adapters.clock import ManualClock
from atende.application.arrivals import Inbound
from atende.application.customer import REPROMPT_SECONDS
from atende.application.pages import TEXT_LIMIT
from atende.application.settings import Settings
from atende.domain.agent import Agent as StoredAgent
from atende.domain.agent import Presence
from atende.domain.content import Choice, Content, Text
from atende.domain.conversation import Conversation, Stage
from atende.domain.message import Message
from atende.simulator.chat import Chats
from atende.simulator.webhook_driver import WebhookDriver
from atende.standin import GraphStandIn
from tests.databases import throwaway
from tests.world import ANA, CARLA, JOAO, MARIA, MONDAY_MORNING, PEDRO, settings

LUIZA = "5511911110005"
NAMES = {
    MARIA: "Maria Silva",
    JOAO: "João Souza",
    PEDRO: "Pedro Lima",
    LUIZA: "Luíza Prado",
    ANA: "Ana",
    CARLA: "Carla",
}


class Phones:
    """People writing to the business number through the webhook, and reading what reached them."""

    def __init__(self, driver: WebhookDriver, graph: GraphStandIn) -> None:
        self.driver = driver
        self.graph = graph
        self._ids = itertools.count(1)
        self._seen: dict[str, int] = {}

    def says(self, wa_id: str, content: Content | str, *, reply_to: str | None = None) -> None:
        body = Text(content) if isinstance(content, str) else content
        message_id = f"wamid.E2E{next(self._ids):06d}"
        self.driver.write(Inbound(message_id, wa_id, NAMES.get(wa_id, ""), self.driver.now(), body, reply_to))

    def queues(self, wa_id: str, department: str) -> None:
        self.says(wa_id, "oi")
        self.says(wa_id, Choice(f"dept:{department}", department.title()))

    def wait(self, seconds: float) -> None:
        self.driver.wait(seconds)

    def reads(self, wa_id: str) -> list[str]:
        """What reached this phone since it last looked."""
        texts = self.graph.texts_to(wa_id)
        start, self._seen[wa_id] = self._seen.get(wa_id, 0), len(texts)
        return texts[start:]

    def wamid_of(self, wa_id: str, contains: str) -> str:
        """The id of the latest message this phone received containing `contains` (to swipe-reply)."""
        found = [r.wamid for r in self.graph.requests_to(wa_id) if r.accepted and contains in (r.text or "")]
        assert found and found[-1], f"nothing with {contains!r} reached {wa_id}"
        return found[-1]

    def conversation(self, wa_id: str) -> Conversation:
        """The customer's open conversation, as stored."""
        found = self.driver.atende.run(lambda session: session.uow.conversations.open_for(wa_id))
        assert found is not None, f"{wa_id} has no open conversation"
        return found

    def agent(self, phone: str) -> StoredAgent:
        found = self.driver.atende.run(lambda session: session.uow.agents.get(phone))
        assert found is not None
        return found

    def transcript(self, code: str) -> list[Message]:
        return self.driver.atende.run(lambda session: session.uow.messages.for_conversation(code))


def phones_for(config: Settings, graph: GraphStandIn, seed: int = 0) -> Iterator[Phones]:
    clock = ManualClock(MONDAY_MORNING)
    with WebhookDriver.running(throwaway, config, clock, Chats(), rng=random.Random(seed), graph=graph) as driver:
        driver.start()
        yield Phones(driver, graph)


@pytest.fixture
def phones(graph: GraphStandIn) -> Iterator[Phones]:
    yield from phones_for(settings(), graph)


# -- offers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_offers_lapsing_in_one_tick_each_keep_their_own_place(graph: GraphStandIn, seed: int) -> None:
    for phones in phones_for(settings(), graph, seed):
        line = (MARIA, JOAO, PEDRO)
        for customer in line:
            phones.queues(customer, "vendas")
            phones.wait(20)
        phones.says(CARLA, "/entrar")  # capacity 3: all three offered at once
        phones.queues(LUIZA, "vendas")
        for customer in (*line, LUIZA):
            phones.reads(customer)

        phones.wait(180)

        told = [phones.reads(customer) for customer in line]
        assert told == [
            [f"Quem ia te atender não pôde responder agora. Você continua na fila, na mesma posição ({n})."]
            for n in (1, 2, 3)
        ]
        assert phones.reads(LUIZA) == []
        assert [phones.conversation(c).stage for c in (*line, LUIZA)] == [Stage.QUEUED] * 4
        assert phones.agent(CARLA).presence is Presence.PAUSED


def test_a_capacity_3_agent_who_is_talking_keeps_her_offers_and_answers_one_by_swiping_its_reminder(
    phones: Phones,
) -> None:
    phones.says(CARLA, "/entrar")
    phones.queues(MARIA, "suporte")
    phones.says(CARLA, "Olá, Maria!")
    phones.queues(JOAO, "vendas")
    phones.queues(PEDRO, "trocas")
    phones.reads(CARLA)
    for step in range(1, 5):
        phones.wait(55)
        phones.says(CARLA, f"Maria, passo {step}")  # busy with Maria, and writing

    reminders = [t for t in phones.reads(CARLA) if t.startswith("⏳")]
    joao, pedro = phones.conversation(JOAO), phones.conversation(PEDRO)
    assert [r.split(" espera")[0] for r in reminders] == [
        f"⏳ #{joao.code} · João Souza",
        f"⏳ #{pedro.code} · Pedro Lima",
    ]
    assert phones.agent(CARLA).presence is Presence.AVAILABLE
    assert (joao.agent, pedro.agent, joao.stage, pedro.stage) == (CARLA, CARLA, Stage.ASSIGNED, Stage.ASSIGNED)
    assert not any("não pôde responder" in t for c in (JOAO, PEDRO) for t in phones.reads(c))

    phones.says(CARLA, "Oi João, já te atendo!", reply_to=phones.wamid_of(CARLA, f"⏳ #{joao.code}"))

    assert phones.reads(JOAO) == ["Oi João, já te atendo!"]
    assert phones.conversation(JOAO).accepted_at is not None
    assert phones.reads(MARIA)[-1] == "Maria, passo 4"


# -- what was written while waiting --------------------------------------------------------------


def test_everything_written_while_waiting_reaches_the_agent_whole(phones: Phones, graph: GraphStandIn) -> None:
    phones.queues(MARIA, "financeiro")
    lines = ["Fui cobrado duas vezes no cartão, pedido 4512", *(f"linha {n}" for n in range(2, 16))]
    for line in lines:
        phones.says(MARIA, line)
    long_text = " ".join(f"palavra{n:04d}" for n in range(600))  # about 7,800 characters
    phones.says(MARIA, long_text)

    phones.says(ANA, "/entrar")

    texts = phones.reads(ANA)[1:]
    code = phones.conversation(MARIA).code
    assert [t.splitlines()[0] for t in texts[1:]] == [
        f"🔔 *Maria* #{code} · já escreveu (continuação {n}/{len(texts) - 1})" for n in range(1, len(texts))
    ]
    assert len(texts) == 2
    assert all(len(t) <= TEXT_LIMIT for t in texts)
    refused = [r for r in graph.requests_to(ANA) if not r.accepted]
    assert refused == [], "the strict stand-in took every part"
    bell = texts[0].splitlines()
    shown = bell[bell.index("Já escreveu:") + 1 : -2] + [line for t in texts[1:] for line in t.splitlines()[1:]]
    assert shown[: len(lines) + 1] == ["› oi", *(f"› {line}" for line in lines)]
    words = " ".join(shown[len(lines) + 1 :]).split()
    assert words == ["›", *long_text.split()]


# -- re-prompts ---------------------------------------------------------------------------------


def test_a_flood_of_menu_answers_costs_one_reprompt(phones: Phones, graph: GraphStandIn) -> None:
    phones.says(MARIA, "oi")
    phones.reads(MARIA)
    flood = [f"não sei {n}" for n in range(REPROMPT_SECONDS - 1)]  # one a second for a minute

    for text in flood:
        phones.says(MARIA, text)

    assert phones.reads(MARIA) == [
        "Não entendi 🙂 Responda com o número ou o nome do setor: 1 Financeiro · 2 Suporte · 3 Vendas · 4 Trocas"
    ]
    assert len(graph.requests_to(MARIA)) == 2, "the greeting and one re-prompt, nothing refused or retried"
    code = phones.conversation(MARIA).code
    assert [m.content for m in phones.transcript(code)] == [Text("oi"), *(Text(t) for t in flood)]

    phones.says(MARIA, "2")
    assert phones.reads(MARIA)[0].startswith("Você está na fila de *Suporte*, posição 1.")
