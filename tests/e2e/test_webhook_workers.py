"""The loops beside the webhook: woken by arrivals, once per cluster where it matters, drained on stop.

Two apps on one database stand for two `--workers` (or two hosts): both handle arrivals and both
send (the courier claims per recipient, ADR 0015); only the holder of the timers lease runs the
timers, and the other takes over when the holder stops.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from atende.bootstrap import bootstrap
from atende.standin import GraphStandIn
from atende.webhook.background import TIMERS_LEASE, Intervals
from atende.webhook.lease_keeper import Lease
from tests.world import JOAO, MARIA, PEDRO, settings

from .webhook_kit import FAST, Harness, asgi_client, eventually, harness, lifespan, post, sent_to, text_from, until

SLOW_POLLS = Intervals(intake=30, courier=30, timers=30, lease_seconds=3.0, lease_retry=0.1, max_backoff=0.2)
"""Loops that would not look for work on their own for half a minute."""


@pytest.fixture
def worlds(database_url: str, graph: GraphStandIn, http: httpx.Client) -> Iterator[list[Harness]]:
    config = settings(reorder_window_seconds=0.02)
    pair = [harness(config, database_url, graph, http=http) for _ in range(2)]
    yield pair
    for world in pair:
        world.close()


def sends_recorded(world: Harness) -> int:
    with world.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM outbox WHERE provider_id IS NOT NULL")).scalar_one())


@pytest.mark.asyncio
async def test_two_workers_share_the_arrivals_and_the_sending_and_nothing_goes_twice(
    worlds: list[Harness], graph: GraphStandIn
) -> None:
    customers = [MARIA, JOAO, PEDRO]
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(asgi_client(world.app)) for world in worlds]
        await eventually(
            lambda: sum(w.webhook.background.timers_lease.held for w in worlds) == 1, what="one timers lease holder"
        )
        for round_ in range(3):
            for i, customer in enumerate(customers):
                await post(clients[(round_ + i) % 2], text_from(customer, f"mensagem {round_}", name=f"C{i}"))
        await eventually(worlds[0].settled, what="everything handled and sent")
        holders = [w.webhook.background.timers_lease.held for w in worlds]
        assert sorted(holders) == [False, True]
        assert sum(w.webhook.background.intake_loop.passes for w in worlds) > 0
    requests = graph.messages
    assert len({r.wamid for r in requests}) == len(requests) == sends_recorded(worlds[0])
    # Every send was made, and recorded, by exactly one of the two couriers.
    assert sum(w.webhook.background.courier.sent for w in worlds) == len(requests)
    for customer in customers:
        assert len(sent_to(graph, customer)) >= 2  # the menu, then a re-prompt (one a minute at most)


@pytest.mark.asyncio
async def test_the_timers_lease_passes_on_when_its_holder_stops(worlds: list[Harness], graph: GraphStandIn) -> None:
    first, second = worlds
    first_running = lifespan(first.app)
    await first_running.__aenter__()
    await eventually(lambda: first.webhook.background.timers_lease.held, what="the first worker's lease")
    async with asgi_client(second.app) as client:
        asked = second.webhook.background.timers_lease
        await eventually(lambda: asked.asked > 0, what="the second worker asking for the lease")
        assert not asked.held
        await first_running.__aexit__(None, None, None)
        # The first stopped cleanly and handed the lease over: no waiting for it to lapse.
        started = time.monotonic()
        await eventually(lambda: asked.held, what="the second worker holding the lease")
        assert time.monotonic() - started < FAST.lease_seconds / 3  # not a lapse: a handover
        await post(client, text_from(MARIA, "Oi"))
        await eventually(lambda: len(sent_to(graph, MARIA)) == 1, timeout=3, what="the menu, sent by the second")
        await eventually(lambda: second.webhook.background.courier.sent == 1, what="the send recorded by the second")


@pytest.mark.asyncio
async def test_arrivals_are_handled_promptly_without_polling(
    database_url: str, graph: GraphStandIn, http: httpx.Client
) -> None:
    world = harness(settings(reorder_window_seconds=0.05), database_url, graph, http=http, intervals=SLOW_POLLS)
    try:
        async with asgi_client(world.app) as client:
            await eventually(lambda: world.webhook.background.timers_lease.held, what="the timers lease")
            started = time.monotonic()
            await post(client, text_from(MARIA, "Oi"))
            await eventually(lambda: len(sent_to(graph, MARIA)) == 1, timeout=3, what="the menu")
            assert time.monotonic() - started < 1.0  # the reorder window, not a 30 s poll
    finally:
        world.close()


@pytest.mark.asyncio
async def test_stopping_leaves_unhandled_arrivals_stored_for_the_next_start(
    database_url: str, graph: GraphStandIn, http: httpx.Client
) -> None:
    patient = harness(settings(reorder_window_seconds=30), database_url, graph, http=http)
    async with asgi_client(patient.app) as client:
        assert (await post(client, text_from(MARIA, "Oi", message_id="wamid.KEPT"))).status_code == 200
    patient.close()  # stopped before the reorder window let it be handled
    assert sent_to(graph, MARIA) == []

    restarted = harness(settings(reorder_window_seconds=0.01), database_url, graph, http=http)
    try:
        async with lifespan(restarted.app):
            await eventually(lambda: len(sent_to(graph, MARIA)) == 1, what="the menu after the restart")
        assert restarted.intake() == [("wamid.KEPT", "message", True)]
    finally:
        restarted.close()


def test_a_lease_held_by_a_process_that_vanished_lapses(database_url: str) -> None:
    system = bootstrap(settings(), database_url=database_url)
    try:
        crashed = Lease(system.atende, TIMERS_LEASE, "host:1:dead", seconds=0.3)
        survivor = Lease(system.atende, TIMERS_LEASE, "host:2:alive", seconds=0.3)
        assert crashed.acquire() and crashed.held
        started = time.monotonic()
        assert not survivor.acquire()  # never released: the holder was killed
        until(survivor.acquire, timeout=3, what="the lease to lapse")
        assert time.monotonic() - started >= 0.25  # it lapsed: it was not handed over early
        assert survivor.held
        assert not crashed.acquire() and not crashed.held
    finally:
        system.close()


@pytest.mark.asyncio
async def test_the_timers_holder_prunes_what_is_past_retention(worlds: list[Harness]) -> None:
    """Retention runs beside the timers, under their lease: two workers, one pruning pass at a time."""
    long_ago = (datetime.now(UTC) - timedelta(days=60)).strftime("%Y-%m-%d %H:%M:%S")
    with worlds[0].engine.begin() as connection:
        connection.execute(
            text("INSERT INTO inbox (message_id, recorded_at) VALUES ('wamid.OLD', :at)"), {"at": long_ago}
        )
    async with AsyncExitStack() as stack:
        for world in worlds:
            await stack.enter_async_context(asgi_client(world.app))

        def pruned() -> bool:
            with worlds[0].engine.connect() as connection:
                left = connection.execute(text("SELECT count(*) FROM inbox WHERE message_id = 'wamid.OLD'"))
                return left.scalar() == 0

        await eventually(pruned, what="the 60-day-old inbox key pruned")
        assert sorted(w.webhook.background.timers_lease.held for w in worlds) == [False, True]
