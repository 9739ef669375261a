"""Engines: one function that knows how each database must be opened for atende's use cases."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from .turns import Turns

BUSY_TIMEOUT_SECONDS = 30
"""How long a writer waits for another process's transaction before giving up."""

READ_ONLY = "atende_read_only"
"""Execution option of a connection that only reads (reports): on SQLite it begins a deferred
transaction, a snapshot that never takes the write lock (WAL lets it read beside the writer)."""

FILE_IDENTITY = "atende_file_identity"
"""Connection-record key: the (device, inode) of the SQLite file the engine first opened."""

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
"""Serialization failure and deadlock: the transaction lost a race and may simply run again."""


def connect(url: str | URL) -> Engine:
    """An engine for `url`; nothing is opened until the first unit of work asks for a connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(parsed)
    return _server(parsed)


def _server(url: URL) -> Engine:
    """PostgreSQL (or another server) at REPEATABLE READ.

    Optimistic version checks are only sound if a use case decides on one consistent view:
    under READ COMMITTED each statement sees a newer snapshot, so a step could read an agent
    as of after a concurrent assignment but the agent's conversations as of before it, and
    overload the agent without touching anything that a version check would catch. With one
    snapshot per transaction, every change to an agent's load rewrites the agent row, and two
    steps that do so concurrently collide (serialization failure → retried).
    """
    return create_engine(url, pool_pre_ping=True, isolation_level="REPEATABLE READ")


def lost_a_race(error: DBAPIError) -> bool:
    """Whether the database aborted the transaction only because a concurrent one won."""
    return getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def _sqlite(url: URL) -> Engine:
    """SQLite tuned so that processes sharing one file run use cases one at a time.

    WAL lets readers go on while one process writes. `BEGIN IMMEDIATE` takes the write lock
    when a transaction starts rather than at its first write, so a transaction that read a
    waiting line can never lose a race to upgrade its lock: others wait (up to the busy
    timeout) instead of failing with "database is locked". pysqlite's own transaction
    handling would issue a deferred BEGIN behind our back, so it is switched off. Readers
    (connections with the `READ_ONLY` option) begin deferred: they never wait for writers, nor
    make them wait. Writers in this process take turns in the order they asked (`Turns`)
    rather than each polling SQLite's lock.
    """
    engine = create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
    )

    path = url.database or ""
    on_disk = path not in ("", ":memory:") and not path.startswith("file:")
    opened: list[tuple[int, int] | None] = []

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()
        if on_disk:
            # The file atende opened first is the database: a connection opened later on a file
            # that replaced it is refused too (a pool mixing the two would split the data).
            if not opened:
                opened.append(file_identity(path))
            record.info[FILE_IDENTITY] = opened[0]

    in_turn = _writers_take_turns(engine)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return

        def begin_writing() -> None:
            if on_disk:
                _refuse_a_moved_file(connection, path)
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        in_turn(connection, begin_writing)

    return engine


def _writers_take_turns(engine: Engine) -> Callable[[Connection, Callable[[], None]], None]:
    """Writers of this engine begin in turn (`Turns`) and end their turn once their transaction
    has ended: on commit or rollback (which the pool also issues for a connection given back
    mid-transaction), not when SQLAlchemy is about to end it. Returns how to begin in turn."""
    turns = _TURNS[engine] = Turns()
    holding: set[int] = set()
    """The driver connections (by id) whose transaction holds the turn."""

    def end_turn(connection: Any) -> None:
        # SQLAlchemy hands the dialect the pool's proxy; the begin event sees the driver's own.
        key = id(getattr(connection, "dbapi_connection", connection))
        if key in holding:
            holding.discard(key)
            turns.release()

    def in_turn(connection: Connection, begin: Callable[[], None]) -> None:
        driver_connection = connection.connection.dbapi_connection
        if turns.acquire(BUSY_TIMEOUT_SECONDS):
            holding.add(id(driver_connection))
        try:
            begin()
        except BaseException:
            end_turn(driver_connection)
            raise

    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(connection: Any) -> None:
        try:
            commit(connection)
        finally:
            end_turn(connection)

    def do_rollback(connection: Any) -> None:
        try:
            rollback(connection)
        finally:
            end_turn(connection)

    dialect.do_commit = do_commit  # type: ignore[method-assign,assignment]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign,assignment]
    return in_turn


_TURNS: WeakKeyDictionary[Engine, Turns] = WeakKeyDictionary()


def writers_turns(engine: Engine) -> Turns | None:
    """The turns this process's writers of a SQLite engine take (None for a server)."""
    return _TURNS.get(engine)


def _refuse_a_moved_file(connection: Connection, path: str) -> None:
    """Never write to a file that is no longer at the database's path (deleted, or replaced by a
    restore): what a write acknowledged there would be gone at the next start. One stat() a
    transaction; the unit of work fails like a database that cannot be reached."""
    opened = connection.connection.info.get(FILE_IDENTITY)
    if opened is not None and file_identity(path) != opened:
        moved = sqlite3.OperationalError(
            f"the database file at {path} is no longer the file atende opened (deleted or replaced): "
            "not writing to it; restart atende"
        )
        raise OperationalError("BEGIN IMMEDIATE", None, moved)


def file_identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of the file at `path`, None when nothing is there."""
    try:
        stat = Path(path).stat()
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def read_only(connection: Connection) -> Connection:
    """Mark a fresh connection as a reader, before its transaction begins."""
    if connection.dialect.name == "postgresql":
        return connection.execution_options(**{READ_ONLY: True, "postgresql_readonly": True})
    return connection.execution_options(**{READ_ONLY: True})
