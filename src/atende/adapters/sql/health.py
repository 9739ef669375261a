"""Can the database take a write right now? What `GET /healthz` asks, cheaply enough to be polled.

A `SELECT 1` answers while the database is write-locked, read-only, or (SQLite) while the file
atende holds open has been deleted or replaced — and every 200 the webhook gives then
acknowledges data that will not be there. So the probe writes: it inserts a row nobody reads
inside a transaction it rolls back, waiting for locks no longer than its budget; on SQLite it
first checks that the file at the database's path is still the one atende opened (writers check
it too: `engine._refuse_a_moved_file`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from atende.application.ports import StorageUnhealthy as Unhealthy

from .engine import FILE_IDENTITY, file_identity, writers_turns
from .turns import Turns

WRITE_WAIT_SECONDS = 1.0
"""How long the probe waits for another transaction's lock; under the webhook's health budget."""


def write_probe(engine: Engine, wait: float = WRITE_WAIT_SECONDS) -> Callable[[], None]:
    """A check that raises `Unhealthy` unless the database takes a write within `wait` seconds."""
    sqlite = engine.dialect.name == "sqlite"
    path = engine.url.database or ""

    def probe() -> None:
        try:
            connection = engine.raw_connection()
        except Exception as error:
            raise Unhealthy(f"database unreachable: {_first_line(error)}") from error
        try:
            if sqlite:
                _same_file(connection.info.get(FILE_IDENTITY), path)
                _sqlite_write_in_turn(connection, wait, writers_turns(engine))
            else:
                _server_write(connection, wait)
        except Unhealthy:
            raise
        except Exception as error:
            raise Unhealthy(f"database cannot take a write: {_first_line(error)}") from error
        finally:
            connection.close()

    return probe


def _same_file(opened: tuple[int, int] | None, path: str) -> None:
    if opened is not None and file_identity(path) != opened:
        raise Unhealthy(f"the database file atende holds open is no longer the file at {path} (deleted or replaced)")


def _probe_row() -> tuple[str, str]:
    return f"healthz-{uuid.uuid4().hex}", "healthz"


def _sqlite_write_in_turn(connection: Any, wait: float, turns: Turns | None) -> None:
    """The probe waits its turn among this process's writers (`Turns`), as they do: polling
    SQLite's lock instead, it would hardly ever find it free while they hand it on."""
    if turns is None:
        _sqlite_write(connection, wait)
        return
    started = time.monotonic()
    if not turns.acquire(wait):
        raise Unhealthy(f"database cannot take a write within {wait:.1f} s ({turns.waiting} writers waiting)")
    try:
        _sqlite_write(connection, max(0.0, wait - (time.monotonic() - started)))
    finally:
        turns.release()


def _sqlite_write(connection: Any, wait: float) -> None:
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout")
        usual = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        try:
            cursor.execute("BEGIN IMMEDIATE")
            try:
                cursor.execute("INSERT INTO leases (name, holder, until) VALUES (?, ?, '1970-01-01')", _probe_row())
            finally:
                cursor.execute("ROLLBACK")
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {int(usual)}")
    finally:
        cursor.close()


def _server_write(connection: Any, wait: float) -> None:
    milliseconds = int(wait * 1000)
    cursor = connection.cursor()
    try:
        cursor.execute(f"SET LOCAL lock_timeout = {milliseconds}")
        cursor.execute(f"SET LOCAL statement_timeout = {milliseconds}")
        cursor.execute("INSERT INTO leases (name, holder, until) VALUES (%s, %s, now())", _probe_row())
    finally:
        cursor.close()
        connection.rollback()


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
