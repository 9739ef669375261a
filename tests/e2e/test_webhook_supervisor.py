"""A supervisor's /painel and /relatorio through the production path: signed webhooks in, Graph API out.

The same commands typed by a customer are just what she wrote (a greeting and the menu come back),
and an agent without `supervisor = true` gets a ⚠️.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from atende.application.settings import AgentProfile
from atende.standin import GraphStandIn
from tests.world import ANA, BRUNO, MARIA, settings

from .webhook_kit import Harness, Phones, asgi_client, harness, list_reply_from, post, text_from

SOFIA = "5511900000009"


@pytest.fixture
def world(database_url: str, graph: GraphStandIn, http: httpx.Client) -> Iterator[Harness]:
    roster = (
        AgentProfile(ANA, "Ana", ("financeiro",)),
        AgentProfile(BRUNO, "Bruno", ("financeiro", "suporte")),
        AgentProfile(SOFIA, "Sofia", (), supervisor=True),
    )
    h = harness(settings(agents=roster, reorder_window_seconds=0.02), database_url, graph, http=http)
    yield h
    h.close()


@pytest_asyncio.fixture
async def client(world: Harness) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(world.app) as client:
        yield client


@pytest.mark.asyncio
async def test_the_supervisor_reads_the_panel_and_the_report_on_whatsapp(
    client: httpx.AsyncClient, graph: GraphStandIn
) -> None:
    phones = Phones(graph)
    await post(client, text_from(ANA, "/entrar", name="Ana"))
    await phones.text(ANA)
    await post(client, text_from(MARIA, "Oi", name="Maria Silva"))
    await phones.next(MARIA)
    await post(client, list_reply_from(MARIA, "dept:financeiro", "Financeiro"))
    assert (await phones.text(ANA)).startswith("🔔")
    await phones.next(MARIA)

    await post(client, text_from(SOFIA, "/painel", name="Sofia"))
    panel = await phones.text(SOFIA)
    assert panel.startswith("📋 *Painel* · ")
    assert "*Financeiro*: ninguém aguardando" in panel
    assert "Ana: 🔴 ocupado(a) · 1/1" in panel and "Bruno: ⚫ fora · 0/1" in panel

    await post(client, text_from(ANA, "Olá, Maria!"))
    await phones.next(MARIA)
    await post(client, text_from(ANA, "/fim"))
    await phones.next(MARIA, count=2)  # the goodbye and the rating prompt
    await post(client, text_from(SOFIA, "/relatorio"))
    report = await phones.text(SOFIA)
    assert report.startswith("📋 *Relatório* · hoje até ")
    assert "*Financeiro*: 1 recebidos · 1 atendidos · 0 desistências" in report
    assert "NS 100% em 20 s" in report
    assert "Ana: 1 atendimentos" in report


@pytest.mark.asyncio
async def test_a_customer_typing_the_panel_command_gets_the_menu(
    client: httpx.AsyncClient, graph: GraphStandIn
) -> None:
    phones = Phones(graph)
    await post(client, text_from(MARIA, "/painel", name="Maria Silva"))
    [menu] = await phones.next(MARIA)
    assert menu.type == "interactive"
    assert "📋" not in str(menu.json)
    await post(client, list_reply_from(MARIA, "dept:financeiro", "Financeiro"))
    await phones.next(MARIA)
    await post(client, text_from(MARIA, "/relatorio"))
    await post(client, text_from(ANA, "/entrar", name="Ana"))
    _, bell = await phones.next(ANA, count=2)
    assert "› /painel" in (bell.text or "") and "› /relatorio" in (bell.text or ""), "kept as what she wrote"
    assert not any("📋" in (r.text or "") for r in graph.requests_to(MARIA))


@pytest.mark.asyncio
async def test_an_agent_without_the_flag_gets_a_warning(client: httpx.AsyncClient, graph: GraphStandIn) -> None:
    phones = Phones(graph)
    await post(client, text_from(BRUNO, "/painel", name="Bruno"))
    warning = await phones.text(BRUNO)
    assert warning.startswith("⚠️ /painel é um comando de supervisão")
