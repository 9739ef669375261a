"""Every sample notification in shared/wa/samples, signed and posted as Meta would post it.

Each top-level file is a case (globbed at test time): over real HTTP it must answer 200 —
never a 5xx — and store each of its messages and statuses exactly once, however often it is
posted. Then all of them go through the ASGI transport with the loops running, and every one
must be handled without the use cases setting anything aside.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from atende.standin import GraphStandIn
from atende.webhook.app import create_app
from tests.databases import fresh_database
from tests.integration.test_wa_samples import SAMPLE_FILES, SAMPLES
from tests.world import settings

from .webhook_kit import (
    APP_SECRET,
    Harness,
    ServerThread,
    Switch,
    asgi_client,
    eventually,
    harness,
    post,
    signed,
)


def expected_keys(document: dict[str, Any]) -> list[str]:
    """What the intake must hold for this notification: every message id, every (status id, status)."""
    keys = []
    for entry in document.get("entry", []):
        for change in entry.get("changes", []):
            value = change.get("value", {})
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            keys += [m["id"] for m in value.get("messages", [])]
            keys += [f"status:{s['id']}:{s['status']}" for s in value.get("statuses", [])]
    return keys


@pytest.fixture(scope="module")
def samples_world(tmp_path_factory: pytest.TempPathFactory, http: httpx.Client) -> Iterator[Harness]:
    """One database for every sample (some share message ids: stored once is still the rule)."""
    with fresh_database(tmp_path_factory.mktemp("samples")) as url, GraphStandIn() as graph:
        world = harness(settings(), url, graph, http=http)
        yield world
        world.close()


@pytest.fixture(scope="module")
def client(shared_server: tuple[ServerThread, Switch], samples_world: Harness) -> Iterator[httpx.Client]:
    server, switch = shared_server
    switch.target = samples_world.app
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client
    switch.target = None


def test_there_are_samples() -> None:
    assert len(SAMPLE_FILES) >= 50, SAMPLES


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=[p.stem for p in SAMPLE_FILES])
def test_each_sample_is_acknowledged_and_stored_once(client: httpx.Client, samples_world: Harness, path: Path) -> None:
    body = path.read_bytes()  # the bytes as they are: the signature covers them exactly
    keys = expected_keys(json.loads(body))
    for _ in range(2):  # Meta delivers at least once
        response = client.post("/webhook", content=body, headers=signed(body))
        assert response.status_code == 200, response.text
    stored = samples_world.stored_keys()
    for key in keys:
        assert stored.count(key) == 1, key


@pytest.mark.asyncio
async def test_the_reference_signature_vectors_verify(samples_world: Harness) -> None:
    """Meta's escaped-unicode body with the vector's own secret and header value, as given."""
    vectors = json.loads((SAMPLES / "signature" / "vectors.json").read_text())
    for vector in vectors:
        app = create_app(samples_world.webhook.store, app_secret=vector["app_secret"], verify_token="-")
        body = (SAMPLES / "signature" / vector["body_file"]).read_bytes()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            ok = await client.post(
                "/webhook", content=body, headers={vector["header"]: vector["expected_header_value"]}
            )
            wrong = await client.post("/webhook", content=body, headers=signed(body, secret=APP_SECRET))
        assert (ok.status_code, wrong.status_code) == (200, 401), vector["body_file"]


@pytest.mark.asyncio
async def test_every_sample_is_handled_with_the_loops_running(
    database_url: str, graph: GraphStandIn, http: httpx.Client
) -> None:
    world = harness(settings(reorder_window_seconds=0.01), database_url, graph, http=http)
    async with asgi_client(world.app) as client:
        for path in SAMPLE_FILES:
            response = await post(client, path.read_bytes())
            assert response.status_code == 200, path.name
        await eventually(lambda: all(done for _, _, done in world.intake()), timeout=20, what="every arrival handled")
    with world.engine.connect() as connection:
        errors = connection.execute(text("SELECT key, error FROM intake WHERE error IS NOT NULL")).all()
    world.close()
    assert errors == []
