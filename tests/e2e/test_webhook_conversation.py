"""Whole conversations through the production path: signed webhooks in, Graph API requests out.

atende runs behind a real uvicorn on 127.0.0.1 (lifespan and loops started by uvicorn), on a
migrated SQLite file, and sends to a Graph API stand-in over HTTP. Each step posts what a
phone would make Meta post, then waits (polling, briefly) for the requests atende makes.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from atende.standin import GraphStandIn
from tests.world import ANA, JOAO, MARIA, settings

from .webhook_kit import (
    Harness,
    Phones,
    eventually,
    harness,
    http_client,
    image_from,
    list_reply_from,
    post,
    text_from,
)

REMINDER_SECONDS = 1


@pytest.fixture
def world(database_url: str, graph: GraphStandIn, http: httpx.Client) -> Iterator[Harness]:
    config = settings(reorder_window_seconds=0.05, queue_reminder_seconds=REMINDER_SECONDS)
    h = harness(config, database_url, graph, http=http)
    yield h
    h.close()


@pytest_asyncio.fixture
async def client(world: Harness) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(world.app) as client:
        yield client


@pytest.mark.asyncio
async def test_a_signed_conversation_end_to_end(client: httpx.AsyncClient, graph: GraphStandIn) -> None:
    phones = Phones(graph)

    # The agent checks in from WhatsApp.
    assert (await post(client, text_from(ANA, "/entrar", name="Ana"))).status_code == 200
    assert (await phones.text(ANA)).startswith("✅")

    # Maria writes: greeting and the department menu (a list: four departments).
    await post(client, text_from(MARIA, "Oi", name="Maria Silva"))
    [menu] = await phones.next(MARIA)
    assert menu.type == "interactive" and menu.json["interactive"]["type"] == "list"
    assert menu.to == "+" + MARIA  # with the "+": never misrouted by a country-code guess
    rows = menu.json["interactive"]["action"]["sections"][0]["rows"]
    assert rows[0] == {"id": "dept:financeiro", "title": "Financeiro", "description": rows[0]["description"]}

    # She picks Financeiro; Ana is free: 🔔 to Ana, Maria is told who serves her.
    await post(client, list_reply_from(MARIA, "dept:financeiro", "Financeiro", context_id=menu.wamid))
    assignment = await phones.text(ANA)
    assert assignment.startswith("🔔") and "Maria" in assignment and "Financeiro" in assignment
    assert "Ana" in await phones.text(MARIA)

    # Relay both ways.
    await post(client, text_from(MARIA, "Preciso da segunda via do boleto"))
    relayed = await phones.text(ANA)
    assert relayed.startswith("💬 *Maria*") and relayed.endswith("Preciso da segunda via do boleto")
    await post(client, text_from(ANA, "Claro, Maria! Já te envio."))
    assert "Claro, Maria! Já te envio." in await phones.text(MARIA)

    # João arrives while Ana is busy: menu, choice, queued; what he writes is kept.
    await post(client, text_from(JOAO, "Boa tarde", name="João Souza"))
    await phones.next(JOAO)
    await post(client, text_from(JOAO, "1"))  # a typed number works as well as the list
    queued = await phones.text(JOAO)
    assert "Financeiro" in queued and "1" in queued
    await post(client, text_from(JOAO, "É sobre a devolução do pedido 4471"))

    # The busy agent is reminded that someone waits.
    reminder = await phones.text(ANA, timeout=REMINDER_SECONDS + 5)
    assert reminder.startswith("⏳") and "Financeiro" in reminder

    # /fim: Maria's conversation ends, João is assigned with what he wrote while waiting.
    await post(client, text_from(ANA, "/fim"))
    texts = [r.text or "" for r in await phones.next(ANA, 2)]
    assert texts[0].startswith("✅")
    assert texts[1].startswith("🔔") and "João" in texts[1]
    assert "devolução do pedido 4471" in texts[1]
    closing = [r.text or "" for r in await phones.next(MARIA, 2)]
    assert any("encerrado" in text for text in closing)

    # Nothing went out twice, nothing failed.
    wamids = [r.wamid for r in graph.messages]
    assert len(wamids) == len(set(wamids))
    assert all(r.accepted for r in graph.requests if r.is_message)


@pytest.mark.asyncio
async def test_a_notification_delivered_twice_is_relayed_once(
    client: httpx.AsyncClient, graph: GraphStandIn, world: Harness
) -> None:
    phones = Phones(graph)
    await serving_maria(client, phones)
    twice = text_from(MARIA, "Mensagem importante", message_id="wamid.ONCE")
    await post(client, twice)
    assert (await phones.text(ANA)).endswith("Mensagem importante")
    await post(client, twice)  # Meta's redelivery, after the first was handled
    await eventually(world.settled, what="the redelivery to be handled")
    assert phones.quiet(ANA)


@pytest.mark.asyncio
async def test_an_image_reaches_the_agent_as_an_image(client: httpx.AsyncClient, graph: GraphStandIn) -> None:
    phones = Phones(graph)
    await serving_maria(client, phones)
    photo = graph.add_media(b"\xff\xd8\xff\xe0 a photo of the invoice", "image/jpeg")
    await post(client, image_from(MARIA, photo, "o boleto"))
    [request] = await phones.next(ANA)
    assert request.type == "image"
    image = request.json["image"]
    assert image["id"] == photo
    assert image["caption"].startswith("💬 *Maria*") and image["caption"].endswith("o boleto")


@pytest.mark.asyncio
async def test_a_refused_media_id_is_uploaded_again(client: httpx.AsyncClient, graph: GraphStandIn) -> None:
    phones = Phones(graph)
    await serving_maria(client, phones)
    photo = graph.add_media(b"\xff\xd8\xff\xe0 a photo", "image/jpeg")
    graph.fail_next(code=131053, to=ANA)
    await post(client, image_from(MARIA, photo))
    [request] = await phones.next(ANA)
    assert request.type == "image"
    fresh = request.json["image"]["id"]
    assert fresh != photo
    stored = graph.media(fresh)
    assert stored is not None and stored.data == b"\xff\xd8\xff\xe0 a photo"


@pytest.mark.asyncio
async def test_one_senders_messages_are_handled_in_timestamp_order(
    database_url: str, graph: GraphStandIn, http: httpx.Client
) -> None:
    """Meta delivers the second message first; within the reorder window the first still comes first."""
    world = harness(settings(reorder_window_seconds=0.5), database_url, graph, http=http)
    phones = Phones(graph)
    now = int(time.time())
    try:
        async with http_client(world.app) as client:
            await post(client, text_from(JOAO, "1", at=now + 1))  # "1": department 1, once the menu is out
            await post(client, text_from(JOAO, "Oi", name="João", at=now))
            [menu, answer] = await phones.next(JOAO, 2)
    finally:
        world.close()
    assert menu.type == "interactive"  # "Oi" was handled first: it started the conversation
    assert "Financeiro" in (answer.text or "")  # then "1" chose a department (not a re-prompt)


async def serving_maria(client: httpx.AsyncClient, phones: Phones) -> None:
    """Ana checked in and talking with Maria; everyone's inbox read."""
    await post(client, text_from(ANA, "/entrar", name="Ana"))
    await phones.next(ANA)
    await post(client, text_from(MARIA, "Oi", name="Maria Silva"))
    await phones.next(MARIA)
    await post(client, list_reply_from(MARIA, "dept:financeiro", "Financeiro"))
    await phones.next(ANA)
    await phones.next(MARIA)
