"""`GET /healthz` is about *writing*: a database that cannot take a write is unhealthy (design §3).

Through the real ASGI app: another connection holding the write lock longer than the check's
budget, and (SQLite) the database file deleted or replaced while atende holds it open.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest

from atende.standin import GraphStandIn
from tests.world import MARIA, settings

from .webhook_kit import Harness, asgi_client, harness, post, text_from


@pytest.fixture
def world(database_url: str, graph: GraphStandIn, http: httpx.Client) -> Iterator[Harness]:
    h = harness(settings(), database_url, graph, http=http)
    yield h
    h.close()


@contextmanager
def write_locked(database_url: str) -> Iterator[None]:
    """Another client holds what a write needs, until the block ends."""
    if database_url.startswith("sqlite"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")  # SQLite's one write lock
            yield
            other.execute("ROLLBACK")
        return
    with psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql")) as other:
        # Every table a write could touch: what a long migration or a stuck transaction does.
        other.execute("LOCK TABLE leases, intake, inbox IN ACCESS EXCLUSIVE MODE")
        yield
        other.rollback()


@pytest.mark.asyncio
async def test_a_database_write_locked_past_the_budget_is_unhealthy_until_released(
    world: Harness, database_url: str
) -> None:
    async with asgi_client(world.app) as client:
        assert (await client.get("/healthz")).status_code == 200
        with write_locked(database_url):
            locked = await client.get("/healthz")
        assert locked.status_code == 503
        assert "cannot take a write" in locked.text or "did not answer" in locked.text, locked.text
        again = await client.get("/healthz")
        assert (again.status_code, again.text) == (200, "ok")


def sqlite_file(database_url: str) -> Path:
    if not database_url.startswith("sqlite"):
        pytest.skip("a database file is SQLite's; a PostgreSQL server keeps its own files")
    return Path(database_url.removeprefix("sqlite:///"))


@pytest.mark.asyncio
async def test_a_database_file_deleted_while_serving_is_unhealthy(world: Harness, database_url: str) -> None:
    path = sqlite_file(database_url)
    async with asgi_client(world.app) as client:
        assert (await post(client, text_from(MARIA, "Oi"))).status_code == 200  # the file is open
        assert (await client.get("/healthz")).status_code == 200
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        gone = await client.get("/healthz")
        assert gone.status_code == 503
        assert "no longer the file at" in gone.text, gone.text
        lost = await post(client, text_from(MARIA, "alguém aí?"))
        assert lost.status_code == 503, "never acknowledge what would be gone at the next start"


@pytest.mark.asyncio
async def test_a_database_file_replaced_while_serving_is_unhealthy(
    world: Harness, database_url: str, tmp_path: Path
) -> None:
    path = sqlite_file(database_url)
    async with asgi_client(world.app) as client:
        assert (await client.get("/healthz")).status_code == 200
        copy = tmp_path / "restored.db"
        shutil.copyfile(path, copy)
        copy.replace(path)  # a restore from backup under a running atende
        replaced = await client.get("/healthz")
        assert replaced.status_code == 503
        assert "no longer the file at" in replaced.text, replaced.text
        assert (await post(client, text_from(MARIA, "Oi"))).status_code == 503
