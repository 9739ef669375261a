"""Identity through the production path: signed notifications shaped as Meta sends them (usernames
and BSUIDs, `user_changed_number`, edits and deletions), a migrated SQLite file, the Graph stand-in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from atende.application.settings import AgentProfile
from atende.standin import GraphStandIn
from tests.world import ANA, MARIA, PEDRO, settings

from .webhook_kit import (
    Harness,
    Phones,
    asgi_client,
    envelope,
    eventually,
    harness,
    list_reply_from,
    message,
    post,
    text_from,
    wamid,
)

RITA = "BR.4f1c0a9e7b2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f"
MARIA_NEW = "5511911112222"
ANA_BSUID = "BR.99887766554433221100"


def by_username(user_id: str, name: str, kind: str, content: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A message from a user Meta names only by BSUID (wa/samples/msg_text_username_bsuid.json)."""
    item = message("", kind, content, **kwargs)
    item["from_user_id"] = user_id
    contact = {
        "profile": {"name": name, "username": "@" + name.split(maxsplit=1)[0].lower()},
        "wa_id": "",
        "user_id": user_id,
    }
    return envelope([item], contacts=[contact])


def with_both(sender: str, user_id: str, name: str, body: str) -> dict[str, Any]:
    """A message naming its sender both ways: the number in `from`, the BSUID beside it."""
    item = message(sender, "text", {"body": body})
    item["from_user_id"] = user_id
    return envelope([item], contacts=[{"profile": {"name": name}, "wa_id": sender, "user_id": user_id}])


def system_from(sender: str, new: str) -> dict[str, Any]:
    """wa/samples/msg_system_user_changed_number.json: sent from the old number, naming the new one."""
    content = {"body": f"User A changed from {sender} to {new}", "wa_id": new, "type": "user_changed_number"}
    return envelope([message(sender, "system", content)])


def changed(sender: str, kind: str, original: str, body: str = "") -> dict[str, Any]:
    content: dict[str, Any] = {"original_message_id": original}
    if kind == "edit":
        content["message"] = {"type": "text", "text": {"body": body}}
    return envelope([message(sender, kind, content)], contacts=[{"profile": {"name": sender}, "wa_id": sender}])


def run(database_url: str, graph: GraphStandIn, http: httpx.Client, **changes: object) -> Harness:
    return harness(settings(reorder_window_seconds=0.05, **changes), database_url, graph, http=http)


@pytest.fixture
def world(database_url: str, graph: GraphStandIn, http: httpx.Client) -> Iterator[Harness]:
    h = run(database_url, graph, http)
    yield h
    h.close()


@pytest_asyncio.fixture
async def client(world: Harness) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(world.app) as client:
        yield client


async def served(client: httpx.AsyncClient, phones: Phones, customer: str, name: str) -> None:
    """Ana checked in, serving `customer` (a number) who chose Financeiro; everything read."""
    await post(client, text_from(ANA, "/entrar", name="Ana"))
    await phones.next(ANA)
    await post(client, text_from(customer, "oi", name=name))
    [menu] = await phones.next(customer)
    await post(client, list_reply_from(customer, "dept:financeiro", "Financeiro", context_id=menu.wamid))
    await phones.next(ANA)
    await phones.next(customer)


@pytest.mark.asyncio
async def test_a_customer_known_only_by_username_is_served_at_her_bsuid(
    client: httpx.AsyncClient, graph: GraphStandIn
) -> None:
    phones = Phones(graph)
    await post(client, text_from(ANA, "/entrar", name="Ana"))
    await phones.next(ANA)

    await post(client, by_username(RITA, "Rita Lopes", "text", {"body": "Vocês entregam no sábado?"}))
    [menu] = await phones.next(RITA)
    choice = {"type": "list_reply", "list_reply": {"id": "dept:financeiro", "title": "Financeiro"}}
    await post(client, by_username(RITA, "Rita Lopes", "interactive", choice, context_id=menu.wamid))
    assignment = await phones.text(ANA)
    await post(client, text_from(ANA, "Entregamos, sim!"))

    assert menu.to == RITA, "a BSUID goes in `to` as it is, without a +"
    assert assignment.startswith("🔔") and "Rita Lopes · esperou" in assignment and "user." not in assignment
    await eventually(lambda: graph.texts_to(RITA)[-1:] == ["Entregamos, sim!"], what="the answer at her BSUID")


@pytest.mark.asyncio
async def test_a_customer_named_by_number_then_both_then_bsuid_only_stays_in_one_conversation(
    client: httpx.AsyncClient, graph: GraphStandIn, world: Harness
) -> None:
    phones = Phones(graph)
    await served(client, phones, MARIA, "Maria Silva")

    await post(client, with_both(MARIA, RITA, "Maria Silva", "agora com usuário"))
    first = await phones.text(ANA)
    await post(client, by_username(RITA, "Maria Silva", "text", {"body": "só pelo usuário"}))
    second = await phones.text(ANA)

    assert first.splitlines()[0] == second.splitlines()[0], "the same 💬 header: one conversation"
    with world.engine.connect() as connection:
        conversations = connection.execute(text("SELECT count(*) FROM conversations")).scalar_one()
        contacts = connection.execute(
            text("SELECT wa_id, phone, user_id FROM contacts WHERE user_id = :u"), {"u": RITA}
        )
        assert [tuple(row) for row in contacts] == [(MARIA, MARIA, RITA)]
    assert conversations == 1


@pytest.mark.asyncio
async def test_a_number_change_moves_the_customer_and_tells_her_agent(
    client: httpx.AsyncClient, graph: GraphStandIn
) -> None:
    phones = Phones(graph)
    await served(client, phones, MARIA, "Maria Silva")

    await post(client, system_from(MARIA, MARIA_NEW))
    told = await phones.text(ANA)
    await post(client, text_from(ANA, "Anotado, Maria!"))

    assert told.startswith("🔔") and "mudou de número" in told and "+55 11 91111-2222" in told
    await eventually(lambda: graph.texts_to(MARIA_NEW) == ["Anotado, Maria!"], what="the answer at the new number")
    await post(client, text_from(MARIA_NEW, "Obrigada", name="Maria Silva"))
    relayed = await phones.text(ANA)
    code = told.split()[1]  # "🔔 #K7Q2 · Maria Silva mudou de número…"
    assert relayed.splitlines()[0] == f"💬 *Maria* {code}", "the same conversation, from the new number"


@pytest.mark.asyncio
async def test_edits_and_deletions_name_the_message_they_change(client: httpx.AsyncClient, graph: GraphStandIn) -> None:
    phones = Phones(graph)
    await served(client, phones, MARIA, "Maria Silva")
    original = wamid()
    await post(client, envelope([message(MARIA, "text", {"body": "O boleto de março"}, message_id=original)]))
    [copy] = await phones.next(ANA)
    agent_said = wamid()
    await post(client, envelope([message(ANA, "text", {"body": "Valor: R$ 150"}, message_id=agent_said)]))
    [her_copy] = await phones.next(MARIA)

    await post(client, changed(MARIA, "edit", original, "O boleto de abril"))
    [edit] = await phones.next(ANA)
    await post(client, changed(MARIA, "revoke", original))
    [deletion] = await phones.next(ANA)
    await post(client, changed(ANA, "edit", agent_said, "Valor: R$ 105"))
    [correction] = await phones.next(MARIA)

    assert edit.json["context"] == {"message_id": copy.wamid}
    assert (edit.text or "").endswith("✏️ editou “O boleto de março”: O boleto de abril")
    assert deletion.json["context"] == {"message_id": copy.wamid}
    assert (deletion.text or "").endswith("🗑️ apagou “O boleto de março”")
    assert correction.json["context"] == {"message_id": her_copy.wamid}
    assert correction.text == "✏️ Correção: Valor: R$ 105"


@pytest.mark.asyncio
async def test_an_agent_configured_by_bsuid_is_recognised(
    database_url: str, graph: GraphStandIn, http: httpx.Client
) -> None:
    agents = (AgentProfile(ANA_BSUID, "Ana", ("financeiro",), user_id=ANA_BSUID),)
    world = run(database_url, graph, http, agents=agents)
    try:
        async with asgi_client(world.app) as client:
            phones = Phones(graph)
            await post(client, with_both(ANA, ANA_BSUID, "Ana", "/entrar"))
            checked_in = await phones.text(ANA)
            assert checked_in.startswith("✅ Você entrou"), "recognised by her BSUID, answered at her number"
    finally:
        world.close()


@pytest.mark.asyncio
async def test_a_customer_added_to_the_roster_is_closed_politely_at_startup(
    database_url: str, graph: GraphStandIn, http: httpx.Client
) -> None:
    first = run(database_url, graph, http)
    try:
        async with asgi_client(first.app) as client:
            phones = Phones(graph)
            await served(client, phones, PEDRO, "Pedro Lima")
    finally:
        first.close()
    base = settings()
    roster = replace(base, agents=(*base.agents, AgentProfile(PEDRO, "Pedro", ("suporte",)))).agents

    second = run(database_url, graph, http, agents=roster)
    try:
        async with asgi_client(second.app) as client:
            phones = Phones(graph)
            phones.seen = {PEDRO: len(graph.texts_to(PEDRO)), ANA: len(graph.texts_to(ANA))}
            closed = await phones.text(PEDRO)
            ana_told = await phones.text(ANA)
            await post(client, text_from(PEDRO, "/entrar", name="Pedro"))
            pedro_in = await phones.text(PEDRO)
    finally:
        second.close()

    assert closed.startswith("Este número agora é de um atendente")
    assert ana_told.startswith("🔔") and "Pedro Lima" in ana_told and "encerrado" in ana_told
    assert pedro_in.startswith("✅ Você entrou")


@pytest.mark.asyncio
async def test_an_agent_who_changes_number_is_still_herself_at_the_new_one(
    client: httpx.AsyncClient, graph: GraphStandIn
) -> None:
    ana_new = "5511933332222"
    phones = Phones(graph)
    await served(client, phones, MARIA, "Maria Silva")

    await post(client, system_from(ANA, ana_new))
    told = (await phones.next(ana_new))[0].text or ""
    await post(client, text_from(MARIA, "Alô?", name="Maria Silva"))
    relayed = (await phones.next(ana_new))[0].text or ""
    await post(client, text_from(ana_new, "Estou aqui, Maria", name="Ana"))

    assert told.startswith("✅") and "+55 11 93333-2222" in told
    assert relayed.endswith("Alô?")
    await eventually(lambda: graph.texts_to(MARIA)[-1:] == ["Estou aqui, Maria"], what="her answer, as Ana")
