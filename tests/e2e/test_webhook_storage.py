"""Storage going away and coming back, and the lifespan around the loops.

For the outage, the database is a SQLite file in its own directory; moving the directory away
(and dropping pooled connections) is the database becoming unreachable, moving it back is
recovery. The rest run on the engine under test.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
import pytest

from atende.standin import GraphStandIn
from atende.webhook.app import create_app
from atende.webhook.asgi import ASGIApp, Message
from atende.webhook.store import ArrivalStore
from tests.databases import sqlite_only
from tests.world import MARIA, settings

from .webhook_kit import (
    APP_SECRET,
    VERIFY_TOKEN,
    Harness,
    ServerThread,
    asgi_client,
    eventually,
    harness,
    lifespan,
    post,
    sent_to,
    text_from,
)

ClientFactory = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture(params=["asgi", "uvicorn"])
def transport(request: pytest.FixtureRequest) -> ClientFactory:
    if request.param == "asgi":
        return asgi_client
    server, switch = request.getfixturevalue("shared_server")
    return lambda app: switch.client(server, app)


class Outage:
    """The database directory, movable out of reach and back."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.away = folder.with_name(folder.name + "-away")

    def begin(self, world: Harness) -> None:
        self.folder.rename(self.away)
        world.system.drop_connections()  # pooled connections would keep the moved file open

    def end(self) -> None:
        self.away.rename(self.folder)


@pytest.fixture
def outage(tmp_path: Path, migrated_template: Path) -> Outage:
    folder = tmp_path / "db"
    folder.mkdir()
    shutil.copyfile(migrated_template, folder / "atende.db")
    return Outage(folder)


@pytest.fixture
def outage_world(outage: Outage, graph: GraphStandIn, http: httpx.Client) -> Iterator[Harness]:
    url = f"sqlite:///{outage.folder / 'atende.db'}"
    h = harness(settings(reorder_window_seconds=0.05), url, graph, http=http)
    yield h
    h.close()


@pytest.fixture
def world(database_url: str, graph: GraphStandIn, http: httpx.Client) -> Iterator[Harness]:
    h = harness(settings(reorder_window_seconds=0.05), database_url, graph, http=http)
    yield h
    h.close()


OUTAGE = "the outage is SQLite's file moved out of reach and back (a server outage is not simulated)"


@sqlite_only(OUTAGE)
@pytest.mark.asyncio
async def test_storage_down_answers_503_then_the_redelivery_is_accepted(
    outage_world: Harness, outage: Outage, transport: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    world = outage_world
    before = text_from(MARIA, "Oi", message_id="wamid.BEFORE")
    during = text_from(MARIA, "alguém aí?", message_id="wamid.DURING")
    async with transport(world.app) as client:
        assert (await post(client, before)).status_code == 200
        outage.begin(world)
        with caplog.at_level(logging.ERROR, logger="atende.webhook"):
            response = await post(client, during)
        assert response.status_code == 503  # Meta will deliver it again
        assert any("503" in r.getMessage() for r in caplog.records)
        assert "alguém" not in caplog.text  # what customers write stays out of the logs
        health = await client.get("/healthz")
        assert (health.status_code, health.text) == (
            503,
            "unhealthy: database unreachable: unable to open database file",
        )

        outage.end()
        assert (await post(client, during)).status_code == 200  # Meta's redelivery
        assert (await client.get("/healthz")).status_code == 200
        assert world.stored_keys() == ["wamid.BEFORE", "wamid.DURING"]


@sqlite_only(OUTAGE)
@pytest.mark.asyncio
async def test_the_loops_survive_an_outage_and_catch_up(
    outage_world: Harness, outage: Outage, graph: GraphStandIn
) -> None:
    world = outage_world
    async with asgi_client(world.app) as client:
        outage.begin(world)
        await eventually(lambda: world.webhook.background.intake_loop.failures > 0, what="a failing intake step")
        outage.end()
        assert (await post(client, text_from(MARIA, "Oi", name="Maria Silva"))).status_code == 200
        await eventually(lambda: len(sent_to(graph, MARIA)) == 1, what="the menu")
        assert "Maria" in (sent_to(graph, MARIA)[0].text or "")


# -- lifespan ----------------------------------------------------------------------------------


def broken_world(bare_database_url: str, graph: GraphStandIn, http: httpx.Client) -> Harness:
    """A database without atende's tables: `sync_roster` at startup fails."""
    return harness(settings(), bare_database_url, graph, http=http)


@pytest.mark.asyncio
async def test_a_failed_startup_is_reported_with_its_message(
    bare_database_url: str, graph: GraphStandIn, http: httpx.Client
) -> None:
    world = broken_world(bare_database_url, graph, http)
    with pytest.raises(RuntimeError, match=r"startup failed: \w+: .*(no such table|does not exist)"):
        async with lifespan(world.app):
            pass
    world.close()


def test_uvicorn_refuses_to_serve_when_startup_fails(
    bare_database_url: str, graph: GraphStandIn, http: httpx.Client
) -> None:
    world = broken_world(bare_database_url, graph, http)
    server = ServerThread(world.app)
    with pytest.raises(RuntimeError, match="uvicorn did not start"):
        server.start()
    server.thread.join(5)
    assert isinstance(server.error, SystemExit)
    server.socket.close()
    world.close()


@pytest.mark.asyncio
async def test_lifespan_starts_and_stops_the_loops(world: Harness) -> None:
    background = world.webhook.background
    async with lifespan(world.app) as sent:
        assert [m["type"] for m in sent] == ["lifespan.startup.complete"]
        await eventually(lambda: all(loop.passes > 0 for loop in background.loops), what="every loop's first pass")
        await eventually(lambda: background.timers_lease.held, what="the timers lease")
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert not background.timers_lease.held


@pytest.mark.asyncio
async def test_an_app_without_lifespan_work_still_speaks_the_protocol(world: Harness) -> None:
    service = ArrivalStore(world.system.atende, world.system.ping)
    app = create_app(service, app_secret=APP_SECRET, verify_token=VERIFY_TOKEN)
    async with lifespan(app) as sent:
        assert sent[-1]["type"] == "lifespan.startup.complete"
    service.close()


@pytest.mark.asyncio
async def test_unknown_connection_types_fail_loudly(world: Harness) -> None:
    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        raise AssertionError("nothing should be sent")

    with pytest.raises(RuntimeError, match="websocket"):
        await world.app({"type": "websocket", "path": "/webhook"}, receive, send)


def test_the_secrets_are_required_and_never_shown(world: Harness) -> None:
    with pytest.raises(ValueError, match="app secret"):
        create_app(world.webhook.store, app_secret="", verify_token=VERIFY_TOKEN)
    assert APP_SECRET not in repr(world.app) and VERIFY_TOKEN not in repr(world.app)
