"""Conversations that never hang, through the production path (docs/adr/0009-idle-rules.md).

atende runs behind its webhook on a migrated SQLite file, its loops running (the timers loop
closes what went quiet); the Graph stand-in enforces 24 h windows as Meta does. One manual clock
moves by hours and days for atende and the stand-in alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from atende.adapters.clock import ManualClock
from atende.application.settings import Settings
from atende.domain.department import Holidays, OpeningHours
from atende.standin import GraphStandIn
from tests.world import ANA, DEPARTMENTS, JOAO, MARIA, settings

from .test_webhook_windows import Meta, refused
from .webhook_kit import Harness, Phones, asgi_client, eventually, harness

FRIDAY_AFTERNOON = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)
"""15:00 in São Paulo."""
FRIDAY_EVENING = datetime(2026, 3, 6, 21, 30, tzinfo=UTC)
MONDAY_NINE = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
GREETING = "Olá, Maria! Você está falando com *Loja Exemplo*.\nCom qual setor você quer falar?"
NOTICE = "Encerramos este atendimento depois de 20 h sem mensagens. Se ainda precisar de algo, é só escrever."


def config(**changes: object) -> Settings:
    return settings(reorder_window_seconds=0, **changes)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(FRIDAY_AFTERNOON)


@pytest.fixture
def world(
    request: pytest.FixtureRequest, database_url: str, graph: GraphStandIn, http: httpx.Client, clock: ManualClock
) -> Iterator[Harness]:
    """The settings of the test's `config` marker, if any, else the defaults (idle rules included)."""
    graph.enforce_windows(clock.now)
    marker = request.node.get_closest_marker("config")
    h = harness(config(**(marker.kwargs if marker else {})), database_url, graph, http=http, clock=clock)
    yield h
    h.close()


@pytest_asyncio.fixture
async def meta(world: Harness, graph: GraphStandIn, clock: ManualClock) -> AsyncIterator[Meta]:
    async with asgi_client(world.app) as client:
        yield Meta(client, graph, clock)


def stage_and_reason(world: Harness, wa_id: str) -> list[tuple[str, str | None]]:
    query = text("SELECT stage, close_reason FROM conversations WHERE customer_wa_id = :w ORDER BY opened_at")
    with world.engine.connect() as connection:
        return [(row.stage, row.close_reason) for row in connection.execute(query, {"w": wa_id})]


def code_of(world: Harness, wa_id: str) -> str:
    query = text("SELECT code FROM conversations WHERE customer_wa_id = :w ORDER BY opened_at DESC")
    with world.engine.connect() as connection:
        return str(connection.execute(query, {"w": wa_id}).scalars().first())


@pytest.mark.asyncio
async def test_a_menu_left_on_friday_is_forgotten_and_monday_greets_afresh(
    meta: Meta, graph: GraphStandIn, clock: ManualClock, world: Harness
) -> None:
    phones = Phones(graph)
    await meta.text(MARIA, "oi", name="Maria Silva")
    [menu] = await phones.next(MARIA)
    assert (menu.text or "").startswith(GREETING)

    clock.current += timedelta(days=3)
    await meta.text(MARIA, "Bom dia, alguém aí?", name="Maria Silva")

    [again] = await phones.next(MARIA)
    assert again.type == "interactive" and (again.text or "").startswith(GREETING), "a fresh menu, no re-prompt"
    assert stage_and_reason(world, MARIA) == [("closed", "idle"), ("choosing", None)]


@pytest.mark.asyncio
async def test_an_assignment_silent_on_both_sides_is_closed_with_a_notice_to_each(
    meta: Meta, graph: GraphStandIn, clock: ManualClock, world: Harness
) -> None:
    phones = Phones(graph)
    await meta.text(ANA, "/entrar", name="Ana")
    await phones.next(ANA)
    await meta.text(MARIA, "Oi", name="Maria Silva")
    [menu] = await phones.next(MARIA)
    await meta.chooses(MARIA, "financeiro", menu.wamid)
    await phones.next(ANA)
    await meta.text(ANA, "Olá, Maria! Já verifico.", name="Ana")
    await phones.next(MARIA, 2)
    await meta.text(JOAO, "Bom dia", name="João Souza")
    [joao_menu] = await phones.next(JOAO)
    await meta.chooses(JOAO, "financeiro", joao_menu.wamid)
    await phones.next(JOAO)
    code = code_of(world, MARIA)

    clock.current += timedelta(hours=21)  # the timers loop notices on its next pass

    assert await phones.text(MARIA) == NOTICE
    notice, assignment = [r.text or "" for r in await phones.next(ANA, 2)]
    assert notice == (
        f"🔔 #{code} · Maria Silva: encerrado depois de 20 h sem mensagens de nenhum dos lados. O cliente foi avisado."
    )
    assert assignment.startswith("🔔 *Novo atendimento* · *João*"), "her slot went to the next in line"
    assert stage_and_reason(world, MARIA) == [("closed", "idle")]
    assert refused(graph, MARIA) == refused(graph, ANA) == []


@pytest.mark.asyncio
@pytest.mark.config(customer_reopen_template="atende_retorno")
async def test_a_customer_who_never_answers_the_template_is_closed_and_nothing_is_lost(
    meta: Meta, graph: GraphStandIn, clock: ManualClock, world: Harness
) -> None:
    phones = Phones(graph)
    clock.current = FRIDAY_EVENING
    await meta.text(MARIA, "Preciso da segunda via do boleto", name="Maria Silva")
    [menu] = await phones.next(MARIA)
    await meta.chooses(MARIA, "financeiro", menu.wamid)
    await phones.next(MARIA)
    clock.current = MONDAY_NINE
    await meta.text(ANA, "/entrar", name="Ana")
    await phones.next(ANA, 2)
    await meta.text(ANA, "Bom dia, Maria! Segue a segunda via.", name="Ana")
    [template] = await phones.next(MARIA)
    assert template.type == "template"
    await phones.next(ANA)  # ⏳ her words wait for Maria's answer
    code = code_of(world, MARIA)

    clock.current += timedelta(hours=21)

    notice = await phones.text(ANA)
    assert notice.startswith(f"🔔 #{code} · Maria Silva: encerrado depois de 20 h sem mensagens")
    assert "verá o aviso quando escrever de novo" in notice and "1 mensagem(ns) sua(s) ainda esperam" in notice
    await eventually(world.settled, what="the close to be handled")
    assert phones.quiet(MARIA) and refused(graph, MARIA) == [], "nothing was sent into her closed window"

    clock.current += timedelta(days=2)
    await meta.text(MARIA, "Oi! Só vi agora", name="Maria Silva")

    held, told, greeted = await phones.next(MARIA, 3)
    assert (held.text, told.text) == ("Bom dia, Maria! Segue a segunda via.", NOTICE)
    assert (greeted.text or "").startswith(GREETING)
    assert stage_and_reason(world, MARIA) == [("closed", "idle"), ("choosing", None)]


@pytest.mark.asyncio
async def test_a_queued_customer_is_never_closed_by_time(
    meta: Meta, graph: GraphStandIn, clock: ManualClock, world: Harness
) -> None:
    phones = Phones(graph)
    await meta.text(MARIA, "Oi", name="Maria Silva")
    [menu] = await phones.next(MARIA)
    await meta.chooses(MARIA, "financeiro", menu.wamid)
    await phones.next(MARIA)

    clock.current += timedelta(days=5)
    await meta.text(MARIA, "Bom dia, alguém aí?", name="Maria Silva")

    assert await phones.text(MARIA) == "Você continua na fila de *Financeiro*, posição 1."
    assert stage_and_reason(world, MARIA) == [("queued", None)]


CARNIVAL_HOURS = OpeningHours(
    "America/Sao_Paulo",
    dict.fromkeys(range(5), ((time(8), time(18)),)),
    Holidays(frozenset({date(2026, 2, 16), date(2026, 2, 17)})),
)


@pytest.mark.asyncio
@pytest.mark.config(departments=(replace(DEPARTMENTS[0], hours=CARNIVAL_HOURS), *DEPARTMENTS[1:]))
async def test_the_closed_notice_names_the_next_opening_after_the_weekend_and_the_holidays(
    meta: Meta, graph: GraphStandIn, clock: ManualClock
) -> None:
    phones = Phones(graph)
    clock.current = datetime(2026, 2, 13, 21, 30, tzinfo=UTC)  # the Friday before Carnival, 18:30
    await meta.text(MARIA, "Oi", name="Maria Silva")
    [menu] = await phones.next(MARIA)
    await meta.chooses(MARIA, "financeiro", menu.wamid)

    closed, queued = [r.text or "" for r in await phones.next(MARIA, 2)]

    assert closed == (
        "Agora estamos fora do horário de atendimento de *Financeiro*. Voltamos quarta-feira às 08:00. "
        "Sua mensagem fica na fila e responderemos assim que voltarmos."
    )
    assert queued.startswith("Você está na fila de *Financeiro*, posição 1.")


@pytest.mark.asyncio
@pytest.mark.config(text_overrides={"greeting_named": "Oi, {name}! Aqui é a {business}. Qual setor?"})
async def test_the_deployments_own_words_go_out_through_the_graph_api(meta: Meta, graph: GraphStandIn) -> None:
    phones = Phones(graph)

    await meta.text(MARIA, "oi", name="Maria Silva")

    [menu] = await phones.next(MARIA)
    assert (menu.text or "").startswith("Oi, Maria! Aqui é a Loja Exemplo. Qual setor?")
