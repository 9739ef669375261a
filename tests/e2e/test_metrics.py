"""`GET /metrics` through the ASGI app: Prometheus text, with what storage holds and what the process did.

A conversation goes through the production path (signed webhooks in, Graph stand-in out), one
send fails; the scrape then shows the queue, the agents by state, the relays both ways, the
failure by kind, the backlogs and the request latency histogram.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families

from atende.standin import GraphStandIn
from tests.world import ANA, JOAO, MARIA, settings

from .webhook_kit import Harness, Phones, asgi_client, eventually, harness, list_reply_from, post, text_from

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(exposition: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[name, frozenset(labels.items())]


@pytest.fixture
def world(database_url: str, graph: GraphStandIn, http: httpx.Client) -> Iterator[Harness]:
    h = harness(settings(reorder_window_seconds=0.02), database_url, graph, http=http)
    yield h
    h.close()


@pytest_asyncio.fixture
async def client(world: Harness) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(world.app) as client:
        yield client


@pytest.mark.asyncio
async def test_a_scrape_shows_queues_agents_relays_failures_and_latency(
    client: httpx.AsyncClient, world: Harness, graph: GraphStandIn
) -> None:
    phones = Phones(graph)
    posts = [
        text_from(ANA, "/entrar", name="Ana"),
        text_from(MARIA, "Oi", name="Maria Silva"),
        list_reply_from(MARIA, "dept:financeiro", "Financeiro"),
        text_from(MARIA, "Preciso da segunda via"),
        text_from(ANA, "Claro, Maria!"),
    ]
    for notification in posts:
        assert (await post(client, notification)).status_code == 200
        await eventually(world.settled, what="handled and sent")
    graph.fail_next(1, code=131026, to=JOAO)  # João's menu cannot be delivered
    await post(client, text_from(JOAO, "Oi", name="João Souza"))
    await post(client, list_reply_from(JOAO, "dept:financeiro", "Financeiro"))
    await eventually(world.settled, what="handled and sent")
    assert (await phones.next(MARIA, count=3))[-1].text == "Claro, Maria!"
    await client.get("/nowhere")

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = parse(response.text)
    assert value(samples, "atende_waiting", department="financeiro") == 1  # João: Ana is busy with Maria
    assert value(samples, "atende_waiting", department="suporte") == 0
    assert value(samples, "atende_oldest_wait_seconds", department="financeiro") >= 0
    assert value(samples, "atende_oldest_wait_seconds", department="suporte") == 0
    assert value(samples, "atende_agents", state="busy") == 1
    assert value(samples, "atende_agents", state="offline") == 2
    assert value(samples, "atende_agents", state="available") == 0
    assert value(samples, "atende_conversations_in_progress") == 1
    assert value(samples, "atende_relays_total", direction="in") == 1
    assert value(samples, "atende_relays_total", direction="out") == 1
    assert value(samples, "atende_arrivals_handled_total", kind="customer") == 5
    assert value(samples, "atende_arrivals_handled_total", kind="agent") == 2
    assert value(samples, "atende_send_failures_total", kind="unreachable") == 1
    assert value(samples, "atende_send_failures_total", kind="rate_limited") == 0
    assert value(samples, "atende_messages_sent_total", audience="agent") >= 3
    assert value(samples, "atende_outbox_pending") == 0
    assert value(samples, "atende_outbox_lag_seconds") == 0
    assert value(samples, "atende_intake_backlog") == 0
    assert value(samples, "atende_intake_set_aside") == 0
    webhook = {"route": "/webhook", "method": "POST", "status": "200"}
    assert value(samples, "atende_http_request_duration_seconds_count", **webhook) == 7
    assert value(samples, "atende_http_request_duration_seconds_bucket", **webhook, le="+Inf") == 7
    assert value(samples, "atende_http_request_duration_seconds_count", route="other", method="GET", status="404") == 1


@pytest.mark.asyncio
async def test_a_backlog_shows_before_the_loops_catch_up(
    database_url: str, graph: GraphStandIn, http: httpx.Client
) -> None:
    """Arrivals stored but not handled yet (a long reorder window) are the intake backlog, with their age."""
    patient = harness(settings(reorder_window_seconds=30), database_url, graph, http=http)
    try:
        async with asgi_client(patient.app) as client:
            await post(client, text_from(MARIA, "Oi"))
            await post(client, text_from(JOAO, "Oi"))
            samples = parse((await client.get("/metrics")).text)
    finally:
        patient.close()
    assert value(samples, "atende_intake_backlog") == 2
    assert value(samples, "atende_intake_lag_seconds") >= 0
    assert value(samples, "atende_arrivals_handled_total", kind="customer") == 0
