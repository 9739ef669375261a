"""SQLite writers in one process take turns in the order they asked (adapters/sql/turns.py).

SQLite's own lock makes a waiting writer poll; a thread that commits and begins again at once
would win the lock back before it. These show the turn goes to whoever waited first, and that
a turn is never lost (a failed BEGIN, a rollback, a give-up on timeout).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from atende.adapters.sql.engine import connect, read_only, writers_turns
from atende.adapters.sql.health import write_probe
from atende.adapters.sql.schema import upgrade
from atende.adapters.sql.turns import Turns
from atende.application.ports import StorageUnhealthy as Unhealthy


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.001)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = connect(f"sqlite:///{tmp_path / 'turns.db'}")
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE log (who TEXT)"))
        connection.commit()
    yield engine
    engine.dispose()


def test_a_writer_that_begins_again_at_once_waits_behind_one_already_waiting(engine: Engine) -> None:
    turns = writers_turns(engine)
    assert turns is not None
    mine = engine.connect()
    mine.execute(text("INSERT INTO log VALUES ('first')"))  # begins: the turn is mine

    def other() -> None:
        with engine.connect() as connection:
            connection.execute(text("INSERT INTO log VALUES ('waiting')"))
            connection.commit()

    waiting = threading.Thread(target=other)
    waiting.start()
    wait_for(lambda: turns.waiting == 1, "the other writer to queue")
    mine.commit()
    mine.execute(text("INSERT INTO log VALUES ('again')"))  # SQLite alone would let this win
    mine.commit()
    mine.close()
    waiting.join(timeout=10)
    with engine.connect() as connection:
        order = list(connection.scalars(text("SELECT who FROM log ORDER BY rowid")))
    assert order == ["first", "waiting", "again"]
    assert turns.waiting == 0


def test_a_rolled_back_or_failed_transaction_gives_its_turn_back(engine: Engine) -> None:
    turns = writers_turns(engine)
    assert turns is not None
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO log VALUES ('undone')"))
        connection.rollback()
        with pytest.raises(Exception, match="no such table"):
            connection.execute(text("INSERT INTO nowhere VALUES (1)"))
        connection.rollback()
        connection.execute(text("INSERT INTO log VALUES ('kept')"))  # not stuck behind a lost turn
    # Closed mid-transaction: the pool rolls it back, and the turn goes with it.
    assert turns.acquire(timeout=0)
    turns.release()


def test_readers_take_no_turn(engine: Engine) -> None:
    turns = writers_turns(engine)
    assert turns is not None
    with engine.connect() as writer:
        writer.execute(text("INSERT INTO log VALUES ('writing')"))
        with read_only(engine.connect()) as reader:
            assert list(reader.scalars(text("SELECT who FROM log"))) == []  # not blocked, not queued
        writer.commit()


def test_turns_go_first_come_first_served_and_a_give_up_leaves_the_line_intact() -> None:
    turns = Turns()
    assert turns.acquire(timeout=0)
    order: list[str] = []

    def wants(name: str) -> None:
        assert turns.acquire(timeout=10)
        order.append(name)
        turns.release()

    assert not turns.acquire(timeout=0.01), "held: a give-up returns False"
    first = threading.Thread(target=wants, args=("first",))
    first.start()
    wait_for(lambda: turns.waiting == 1, "first in line")
    second = threading.Thread(target=wants, args=("second",))
    second.start()
    wait_for(lambda: turns.waiting == 2, "second in line")
    turns.release()
    first.join(timeout=10)
    second.join(timeout=10)
    assert order == ["first", "second"]
    assert turns.acquire(timeout=0), "free again once everyone had a turn"
    turns.release()


def test_sqlite_has_turns_and_a_server_has_none(engine: Engine) -> None:
    assert isinstance(writers_turns(engine), Turns)
    server = connect("postgresql+psycopg://nobody@127.0.0.1:9/nothing")  # never connected
    assert writers_turns(server) is None


def test_the_health_probe_waits_its_turn_among_the_writers(tmp_path: Path) -> None:
    """Polling SQLite's lock, the probe would hardly ever find it free while this process's
    writers hand it on; in line, it writes as soon as the writer before it is done."""
    url = f"sqlite:///{tmp_path / 'probe.db'}"
    upgrade(url)
    engine = connect(url)
    try:
        turns = writers_turns(engine)
        assert turns is not None
        holder = engine.connect()
        holder.execute(text("INSERT INTO leases (name, holder, until) VALUES ('x', 'me', '1970-01-01')"))
        with pytest.raises(Unhealthy, match=r"cannot take a write within 0\.1 s \(0 writers waiting\)"):
            write_probe(engine, wait=0.1)()
        outcome: list[BaseException | None] = []

        def probing() -> None:
            try:
                write_probe(engine, wait=10)()
                outcome.append(None)
            except BaseException as error:
                outcome.append(error)

        probe = threading.Thread(target=probing)
        probe.start()
        wait_for(lambda: turns.waiting == 1, "the probe to queue")
        holder.commit()
        holder.close()
        probe.join(timeout=10)
        assert outcome == [None]
        assert turns.acquire(timeout=0), "the probe gave its turn back"
        turns.release()
    finally:
        engine.dispose()
