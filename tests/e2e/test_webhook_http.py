"""The webhook's HTTP contract (docs/design.md §3), through httpx's ASGI transport and a real uvicorn.

Each test runs on both: the ASGI transport shows the app's own behaviour in one event loop,
uvicorn on 127.0.0.1 shows it over real sockets with the server's own lifespan handling.
Every test builds a fresh app on a fresh migrated SQLite file and a Graph stand-in.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager

import httpx
import pytest
import pytest_asyncio

from atende.standin import GraphStandIn
from atende.webhook.asgi import ASGIApp
from tests.world import MARIA, settings

from .webhook_kit import (
    APP_SECRET,
    VERIFY_TOKEN,
    Harness,
    asgi_client,
    body_of,
    envelope,
    harness,
    message,
    post,
    signed,
    status,
    text_from,
)

ClientFactory = Callable[[ASGIApp], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture(params=["asgi", "uvicorn"])
def transport(request: pytest.FixtureRequest) -> ClientFactory:
    """httpx's ASGI transport (lifespan driven by hand), or the shared uvicorn over TCP."""
    if request.param == "asgi":
        return asgi_client
    server, switch = request.getfixturevalue("shared_server")
    return lambda app: switch.client(server, app)


@pytest.fixture
def world(database_url: str, graph: GraphStandIn, http: httpx.Client) -> Iterator[Harness]:
    h = harness(settings(reorder_window_seconds=0.05), database_url, graph, body_limit=64 * 1024, http=http)
    yield h
    h.close()


@pytest_asyncio.fixture
async def client(world: Harness, transport: ClientFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with transport(world.app) as client:
        yield client


# -- handshake ---------------------------------------------------------------------------------


def handshake(token: str, mode: str = "subscribe", challenge: str = "1158201444") -> dict[str, str]:
    return {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": challenge}


@pytest.mark.asyncio
async def test_the_handshake_echoes_the_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/webhook", params=handshake(VERIFY_TOKEN))
    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        handshake("wrong-token"),
        handshake(""),
        handshake(VERIFY_TOKEN, mode="unsubscribe"),
        {"hub.challenge": "1"},
        {},
    ],
    ids=["wrong-token", "empty-token", "wrong-mode", "no-token", "nothing"],
)
@pytest.mark.asyncio
async def test_a_handshake_without_the_right_token_is_forbidden(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    response = await client.get("/webhook", params=params)
    assert response.status_code == 403
    assert "1158201444" not in response.text


# -- signature ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_signed_notification_is_stored_before_the_200(client: httpx.AsyncClient, world: Harness) -> None:
    notification = text_from(MARIA, "Oi", message_id="wamid.SIGNED1")
    response = await post(client, notification)
    assert response.status_code == 200
    assert "wamid.SIGNED1" in world.stored_keys()  # stored when the 200 came, not some time later


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=" + "0" * 64, "sha1=abc", "sha256=zz", "wrong"],
    ids=["missing", "empty", "wrong-digest", "wrong-scheme", "not-hex", "garbage"],
)
@pytest.mark.asyncio
async def test_without_a_valid_signature_nothing_is_stored(
    client: httpx.AsyncClient, world: Harness, signature: str | None
) -> None:
    body = body_of(text_from(MARIA, "Oi"))
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["x-hub-signature-256"] = signature
    response = await client.post("/webhook", content=body, headers=headers)
    assert response.status_code == 401
    assert world.intake() == []


@pytest.mark.asyncio
async def test_a_signature_made_with_another_secret_is_refused(client: httpx.AsyncClient, world: Harness) -> None:
    body = body_of(text_from(MARIA, "Oi"))
    response = await client.post("/webhook", content=body, headers=signed(body, secret=APP_SECRET + "x"))
    assert response.status_code == 401
    assert world.intake() == []


@pytest.mark.asyncio
async def test_the_signature_covers_the_raw_bytes_not_the_json(client: httpx.AsyncClient, world: Harness) -> None:
    """Meta escapes non-ASCII; the same JSON written differently has another signature."""
    body = body_of(text_from(MARIA, "Olá, é urgente"))
    assert b"\\u00e1" in body
    rewritten = json.dumps(json.loads(body), ensure_ascii=False).encode()
    response = await client.post("/webhook", content=rewritten, headers=signed(body))
    assert response.status_code == 401
    assert (await client.post("/webhook", content=body, headers=signed(body))).status_code == 200


# -- bad input: 4xx or 200-and-ignore, never 5xx -----------------------------------------------


@pytest.mark.asyncio
async def test_a_body_over_the_cap_is_refused_with_413(client: httpx.AsyncClient, world: Harness) -> None:
    notification = text_from(MARIA, "x" * (70 * 1024))
    response = await post(client, notification)
    assert response.status_code == 413
    assert world.intake() == []


@pytest.mark.asyncio
async def test_a_streamed_body_over_the_cap_is_refused_while_reading(client: httpx.AsyncClient, world: Harness) -> None:
    """No Content-Length (chunked): the cap applies as the bytes come in."""

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"x" * 1024

    response = await client.post("/webhook", content=chunks(), headers={"x-hub-signature-256": "sha256=" + "0" * 64})
    assert response.status_code == 413
    assert world.intake() == []


@pytest.mark.parametrize("body", [b"{not json", b"", b"\xff\xfe\x00", b'{"object": "whatsapp_business_account",'])
@pytest.mark.asyncio
async def test_signed_bytes_that_are_not_json_get_400(client: httpx.AsyncClient, world: Harness, body: bytes) -> None:
    response = await client.post("/webhook", content=body, headers=signed(body))
    assert response.status_code == 400
    assert world.intake() == []


@pytest.mark.parametrize(
    "document",
    [
        [],
        "text",
        {"object": "page", "entry": []},
        {"object": "whatsapp_business_account"},
        {"object": "whatsapp_business_account", "entry": "nope"},
        {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "account_update"}]}]},
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": 3}]}]},
        {"object": "whatsapp_business_account", "entry": [None, 1, "x"]},
    ],
    ids=["list", "string", "page", "no-entry", "entry-not-list", "other-field", "bad-value", "junk-entries"],
)
@pytest.mark.asyncio
async def test_valid_json_of_another_shape_is_acknowledged_and_ignored(
    client: httpx.AsyncClient, world: Harness, document: object, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(document).encode()
    with caplog.at_level(logging.INFO, logger="atende"):
        response = await client.post("/webhook", content=body, headers=signed(body))
    assert response.status_code == 200
    assert world.intake() == []
    assert caplog.records, "ignored input leaves a log line"


@pytest.mark.asyncio
async def test_value_errors_are_logged_with_their_code(
    client: httpx.AsyncClient, world: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    notification = envelope()
    notification["entry"][0]["changes"][0]["value"]["errors"] = [
        {"code": 131035, "title": "Webhook not delivered", "message": "lost", "error_data": {"details": "retention"}}
    ]
    with caplog.at_level(logging.WARNING, logger="atende"):
        response = await post(client, notification)
    assert response.status_code == 200
    assert any("131035" in record.getMessage() for record in caplog.records)


@pytest.mark.asyncio
async def test_routes_and_methods(client: httpx.AsyncClient) -> None:
    assert (await client.get("/")).status_code == 404
    assert (await client.get("/webhook/extra")).status_code == 404
    response = await client.put("/webhook", content=b"{}")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert (await client.post("/healthz")).status_code == 405
    assert (await client.delete("/webhook")).status_code == 405


# -- storage -----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_notification_posted_twice_is_stored_once(client: httpx.AsyncClient, world: Harness) -> None:
    notification = text_from(MARIA, "Oi", message_id="wamid.TWICE")
    assert (await post(client, notification)).status_code == 200
    assert (await post(client, notification)).status_code == 200
    assert world.stored_keys().count("wamid.TWICE") == 1


@pytest.mark.asyncio
async def test_every_message_and_status_of_a_batch_is_stored(client: httpx.AsyncClient, world: Harness) -> None:
    notification = envelope(
        messages=[
            message(MARIA, "text", {"body": "um"}, message_id="wamid.B1"),
            message(MARIA, "text", {"body": "dois"}, message_id="wamid.B2"),
        ],
        statuses=status("wamid.OUT1", "delivered", MARIA)["entry"][0]["changes"][0]["value"]["statuses"],
    )
    assert (await post(client, notification)).status_code == 200
    assert {"wamid.B1", "wamid.B2", "status:wamid.OUT1:delivered"} <= set(world.stored_keys())


@pytest.mark.asyncio
async def test_the_health_check_round_trips_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")


@pytest.mark.asyncio
async def test_items_for_another_business_number_are_ignored(
    database_url: str, graph: GraphStandIn, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """One Meta app can serve several numbers; answering another number's customers from ours is wrong."""
    world = harness(settings(), database_url, graph, http=http, phone_number_id="106540352242922")
    ours = text_from(MARIA, "Oi", message_id="wamid.OURS")
    theirs = envelope([message(MARIA, "text", {"body": "Oi"}, message_id="wamid.THEIRS")], phone_number_id="999")
    try:
        async with asgi_client(world.app) as client:
            with caplog.at_level(logging.WARNING, logger="atende"):
                assert (await post(client, theirs)).status_code == 200
            assert (await post(client, ours)).status_code == 200
        assert world.stored_keys() == ["wamid.OURS"]
    finally:
        world.close()
    assert "WHATSAPP_PHONE_NUMBER_ID" in caplog.text


@pytest.mark.asyncio
async def test_a_large_batch_is_read_whole(
    database_url: str, graph: GraphStandIn, http: httpx.Client, transport: ClientFactory
) -> None:
    """Meta batches up to 1000 updates (3 MB): every one is stored, the big body parsed off the event loop."""
    world = harness(settings(reorder_window_seconds=0.05), database_url, graph, http=http)
    messages = [message(f"55119{n:08d}", "text", {"body": "é" * 300}, message_id=f"wamid.BIG{n}") for n in range(400)]
    body = body_of(envelope(messages))
    assert len(body) > 512 * 1024
    try:
        async with transport(world.app) as client:
            assert (await post(client, body)).status_code == 200
        assert len(world.stored_keys()) == 400
    finally:
        world.close()
