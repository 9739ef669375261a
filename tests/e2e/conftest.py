"""Fixtures for the webhook tests: a migrated database (as in integration), a Graph stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from atende.standin import GraphStandIn
from tests.integration.conftest import bare_database_url, database_url, migrated_template, sqlite_url

from .webhook_kit import ServerThread, Switch, serving

__all__ = [
    "bare_database_url",
    "database_url",
    "graph",
    "http",
    "migrated_template",
    "shared_server",
    "sqlite_url",
    "standin",
]


@pytest.fixture(scope="module")
def standin() -> Iterator[GraphStandIn]:
    """Per module, not per session: other modules check that no stand-in thread outlives them."""
    with GraphStandIn() as running:
        yield running


@pytest.fixture
def graph(standin: GraphStandIn) -> GraphStandIn:
    """The session's Graph stand-in with nothing recorded: stopping a server costs more than a test."""
    standin.clear()
    return standin


@pytest.fixture(scope="session")
def shared_server() -> Iterator[tuple[ServerThread, Switch]]:
    """One real uvicorn for the tests of the HTTP edge; each plugs its own app in."""
    switch = Switch()
    with serving(switch) as server:
        yield server, switch


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """One pool for the Graph API client of every test (a new client's TLS context costs ~20 ms)."""
    with httpx.Client(timeout=5.0) as client:
        yield client
