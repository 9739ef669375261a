"""WhatsApp's 24-hour windows through the production path, with the stand-in enforcing them as Meta does.

atende runs behind its webhook (lifespan and loops running) on a migrated SQLite file; the
Graph stand-in refuses free-form messages to anyone who has not written in the last 24 h.
Both count time on one manual clock, moved by hours and days (Friday 18:30 → Monday): the
loops tick on wall time, but every "now" atende and Meta use is the clock's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from atende.adapters.clock import ManualClock
from atende.standin import GraphStandIn
from tests.world import ANA, JOAO, MARIA, settings

from .webhook_kit import Harness, Phones, asgi_client, eventually, harness, list_reply_from, post, text_from

FRIDAY_EVENING = datetime(2026, 3, 6, 21, 30, tzinfo=UTC)
"""18:30 in São Paulo."""
MONDAY_NINE = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


class Meta:
    """Posts what people write, stamped with the manual clock, and lets the stand-in know they did."""

    def __init__(self, client: httpx.AsyncClient, graph: GraphStandIn, clock: ManualClock) -> None:
        self.client = client
        self.graph = graph
        self.clock = clock

    async def text(self, sender: str, body: str, name: str = "") -> None:
        await self._post(sender, text_from(sender, body, name=name, at=self._now()))

    async def chooses(self, sender: str, department: str, menu: str | None) -> None:
        title = department.capitalize()
        notification = list_reply_from(sender, f"dept:{department}", title, at=self._now(), context_id=menu)
        await self._post(sender, notification)

    async def _post(self, sender: str, notification: dict[str, Any]) -> None:
        self.graph.wrote(sender, self.clock.now())
        answer = await post(self.client, notification)
        assert answer.status_code == 200, answer.text

    def _now(self) -> int:
        return int(self.clock.now().timestamp())


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(FRIDAY_EVENING)


@pytest.fixture
def world(database_url: str, graph: GraphStandIn, http: httpx.Client, clock: ManualClock) -> Iterator[Harness]:
    graph.enforce_windows(clock.now)
    # Days pass with conversations left open on purpose: the idle rules are tested on their own
    # (test_webhook_idle.py), and would close them here.
    config = settings(reorder_window_seconds=0, customer_reopen_template="atende_retorno", assigned_idle_hours=0)
    h = harness(config, database_url, graph, http=http, clock=clock)
    yield h
    h.close()


@pytest_asyncio.fixture
async def meta(world: Harness, graph: GraphStandIn, clock: ManualClock) -> AsyncIterator[Meta]:
    async with asgi_client(world.app) as client:
        yield Meta(client, graph, clock)


def refused(graph: GraphStandIn, wa_id: str) -> list[str]:
    return [str((r.json or {}).get("type")) for r in graph.requests_to(wa_id) if not r.accepted]


@pytest.mark.asyncio
async def test_a_friday_night_customer_is_answered_on_monday_through_the_template(
    meta: Meta, graph: GraphStandIn, clock: ManualClock, world: Harness
) -> None:
    phones = Phones(graph)
    await meta.text(MARIA, "Preciso da segunda via do boleto", name="Maria Silva")
    [menu] = await phones.next(MARIA)
    await meta.chooses(MARIA, "financeiro", menu.wamid)
    assert "fila" in await phones.text(MARIA)

    clock.current = MONDAY_NINE
    await meta.text(ANA, "/entrar", name="Ana")
    checked_in, assignment = [r.text or "" for r in await phones.next(ANA, 2)]
    assert checked_in.startswith("✅")
    assert assignment.startswith("🔔") and "mais de 24 h" in assignment and "modelo de retomada" in assignment
    await eventually(world.settled, what="the assignment to be sent")
    assert graph.requests_to(MARIA)[2:] == [], "the automatic 'Ana vai te atender' is not sent into a closed window"

    await meta.text(ANA, "Bom dia, Maria! Segue a segunda via.", name="Ana")

    [template] = await phones.next(MARIA)
    assert template.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+" + MARIA,
        "type": "template",
        "template": {
            "name": "atende_retorno",
            "language": {"policy": "deterministic", "code": "pt_BR"},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": "Loja Exemplo"}, {"type": "text", "text": "Ana"}],
                }
            ],
        },
    }
    assert (await phones.text(ANA)).startswith(f"⏳ #{_code(world, MARIA)} · Maria Silva")
    await meta.text(ANA, "O novo vencimento é dia 15.", name="Ana")
    await eventually(world.settled, what="the second message to be held")
    assert phones.quiet(MARIA) and phones.quiet(ANA), "held behind the template: no second template, no second ⏳"

    clock.current += timedelta(hours=2)
    await meta.text(MARIA, "Oi! Pode mandar", name="Maria Silva")

    assert [r.text for r in await phones.next(MARIA, 2)] == [
        "Bom dia, Maria! Segue a segunda via.",
        "O novo vencimento é dia 15.",
    ]
    assert (await phones.text(ANA)).endswith("Oi! Pode mandar")
    assert refused(graph, MARIA) == [], "nothing was ever refused: what could not go waited, or was not sent"


@pytest.mark.asyncio
async def test_after_a_reopen_the_agents_answer_never_reaches_the_customer_she_has_not_seen(
    meta: Meta, graph: GraphStandIn, clock: ManualClock, world: Harness
) -> None:
    phones = Phones(graph)
    clock.current = MONDAY_NINE
    await meta.text(ANA, "/entrar", name="Ana")
    await phones.next(ANA)

    clock.current += timedelta(hours=25)  # Ana's window closes; João arrives and is offered to her
    await meta.text(JOAO, "Bom dia", name="João Souza")
    [menu] = await phones.next(JOAO)
    await meta.chooses(JOAO, "financeiro", menu.wamid)
    [reopen] = await phones.next(ANA)
    assert reopen.type == "template" and reopen.json["template"]["name"] == "atende_agente"
    assert refused(graph, ANA) == [], "the 🔔 waited: it was never sent into a closed window"

    await meta.text(ANA, "oi, voltei", name="Ana")

    assignment, welcome = [r.text or "" for r in await phones.next(ANA, 2)]
    assert assignment.startswith("🔔") and "João" in assignment
    assert welcome.startswith("✅") and "não foi enviado a nenhum cliente" in welcome
    await eventually(world.settled, what="everything to be handled")
    assert not any("voltei" in text for text in graph.texts_to(JOAO))

    await meta.text(ANA, "Bom dia, João! Em que posso ajudar?", name="Ana")

    answer = "Bom dia, João! Em que posso ajudar?"
    await eventually(lambda: graph.texts_to(JOAO)[-1:] == [answer], what="Ana's answer to reach João")


def _code(world: Harness, wa_id: str) -> str:
    query = text("SELECT code FROM conversations WHERE customer_wa_id = :wa_id ORDER BY opened_at DESC")
    with world.engine.connect() as connection:
        return str(connection.execute(query, {"wa_id": wa_id}).scalars().first())


async def weekend(meta: Meta, phones: Phones, clock: ManualClock) -> None:
    """Maria writes on Friday evening and waits in Financeiro; Monday 09:00, Ana checks in."""
    await meta.text(MARIA, "Preciso da segunda via do boleto", name="Maria Silva")
    [menu] = await phones.next(MARIA)
    await meta.chooses(MARIA, "financeiro", menu.wamid)
    await phones.next(MARIA)
    clock.current = MONDAY_NINE
    await meta.text(ANA, "/entrar", name="Ana")
    await phones.next(ANA, 2)


@pytest.mark.asyncio
async def test_without_the_customer_template_the_agent_is_warned_before_and_when_she_writes(
    database_url: str, graph: GraphStandIn, http: httpx.Client, clock: ManualClock
) -> None:
    graph.enforce_windows(clock.now)
    world = harness(settings(reorder_window_seconds=0), database_url, graph, http=http, clock=clock)
    try:
        async with asgi_client(world.app) as client:
            meta, phones = Meta(client, graph, clock), Phones(graph)
            await meta.text(MARIA, "Preciso da segunda via do boleto", name="Maria Silva")
            [menu] = await phones.next(MARIA)
            await meta.chooses(MARIA, "financeiro", menu.wamid)
            await phones.next(MARIA)
            clock.current = MONDAY_NINE
            await meta.text(ANA, "/entrar", name="Ana")
            _, assignment = [r.text or "" for r in await phones.next(ANA, 2)]
            await meta.text(ANA, "/ativos", name="Ana")
            listing = await phones.text(ANA)
            await meta.text(ANA, "Bom dia, Maria!", name="Ana")
            refusal = await phones.text(ANA)
            await eventually(world.settled, what="everything to be handled")
    finally:
        world.close()

    assert "⚠️ O cliente não escreve há mais de 24 h" in assignment
    assert listing.startswith("📋") and "⚠️ janela fechada: só depois que o cliente escrever" in listing
    assert refusal.startswith("⚠️ #") and "não foi enviada" in refusal
    assert [r.type for r in graph.requests_to(MARIA)][2:] == [], "no template, and nothing sent into the window"


@pytest.mark.asyncio
async def test_a_refused_customer_template_is_reported_and_the_words_wait_for_the_customer(
    meta: Meta, graph: GraphStandIn, clock: ManualClock
) -> None:
    phones = Phones(graph)
    await weekend(meta, phones, clock)
    graph.fail_next(code=132001, to=MARIA, details="template name does not exist in the translation")

    await meta.text(ANA, "Bom dia, Maria!", name="Ana")

    waiting, reported = [r.text or "" for r in await phones.next(ANA, 2)]
    assert waiting.startswith("⏳ #")
    assert reported.startswith("⚠️ #") and "recusou o modelo de retomada" in reported
    clock.current += timedelta(hours=5)
    await meta.text(MARIA, "Oi, alguém aí?", name="Maria Silva")
    await eventually(lambda: graph.texts_to(MARIA)[-1:] == ["Bom dia, Maria!"], what="the words after her message")


@pytest.mark.asyncio
async def test_a_131047_on_the_agents_words_holds_them_behind_the_template(
    meta: Meta, graph: GraphStandIn, clock: ManualClock, world: Harness
) -> None:
    """atende thinks Maria's window is open; Meta disagrees (the stand-in never saw her last message)."""
    phones = Phones(graph)
    clock.current = MONDAY_NINE
    await meta.text(ANA, "/entrar", name="Ana")
    await phones.next(ANA)
    await meta.text(MARIA, "Oi", name="Maria Silva")
    [menu] = await phones.next(MARIA)
    await meta.chooses(MARIA, "financeiro", menu.wamid)
    await phones.next(ANA)
    await meta.text(ANA, "Olá, Maria!", name="Ana")  # she takes the offer
    await eventually(lambda: graph.texts_to(MARIA)[-1:] == ["Olá, Maria!"], what="Ana's greeting")
    clock.current += timedelta(hours=23)
    answer = text_from(MARIA, "Ainda preciso", name="Maria Silva", at=int(clock.now().timestamp()))
    assert (await post(meta.client, answer)).status_code == 200  # Meta's view of her window is not told
    await phones.next(ANA)
    clock.current += timedelta(hours=2)  # 25 h after the last message the stand-in knows of

    await meta.text(ANA, "Segue o boleto", name="Ana")

    assert (await phones.text(ANA)).startswith("⏳ #")
    await eventually(lambda: graph.requests_to(MARIA)[-1].type == "template", what="the template after the 131047")
    assert refused(graph, MARIA) == ["text"]
    await meta.text(MARIA, "Oi", name="Maria Silva")
    await eventually(lambda: graph.texts_to(MARIA)[-1:] == ["Segue o boleto"], what="the held words")
    assert graph.texts_to(MARIA).count("Segue o boleto") == 1


@pytest.mark.asyncio
async def test_nothing_is_relayed_while_what_waited_is_still_on_its_way_to_the_agent(
    meta: Meta, graph: GraphStandIn, clock: ManualClock, world: Harness
) -> None:
    phones = Phones(graph)
    clock.current = MONDAY_NINE
    await meta.text(ANA, "/entrar", name="Ana")
    await phones.next(ANA)
    await meta.text(MARIA, "Oi", name="Maria Silva")
    [menu] = await phones.next(MARIA)
    await meta.chooses(MARIA, "financeiro", menu.wamid)
    await phones.next(ANA)
    await meta.text(ANA, "Olá, Maria!", name="Ana")
    await eventually(lambda: graph.texts_to(MARIA)[-1:] == ["Olá, Maria!"], what="Ana's greeting")
    clock.current += timedelta(hours=25)
    await meta.text(MARIA, "Alguém aí?", name="Maria Silva")
    [template] = await phones.next(ANA)
    assert template.type == "template"
    graph.fail_next(code=131056, to=ANA)  # the pair limit: what is released waits its turn

    await meta.text(ANA, "voltei", name="Ana")
    await meta.text(ANA, "Maria, já vejo isso", name="Ana")
    await eventually(lambda: all(done for _, _, done in world.intake()), what="both messages handled")
    await eventually(lambda: refused(graph, ANA) == ["text"], what="the released relay to meet the pair limit")
    clock.current += timedelta(minutes=1)  # the backoff has passed

    arrived = [r.text or "" for r in await phones.next(ANA, 3, timeout=10)]
    assert arrived[0].endswith("Alguém aí?")
    assert arrived[1].startswith("✅") and arrived[2].startswith("⚠️ Ainda estão chegando")
    await eventually(world.settled, what="everything to be handled")
    assert "Maria, já vejo isso" not in graph.texts_to(MARIA)
