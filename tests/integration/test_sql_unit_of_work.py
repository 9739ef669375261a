"""The SQL unit of work: atomic commits, real rollbacks, and optimistic versions."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.engine import Engine

from atende.adapters.sql import tables
from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.application.dispatch import dispatch
from atende.application.session import Session
from atende.application.settings import AgentProfile
from atende.application.texts import texts_for
from atende.domain.agent import Presence
from atende.domain.conversation import Stage
from atende.domain.events import EnteredQueue
from atende.domain.exceptions import ConcurrencyConflict
from atende.domain.message import Author, Message
from tests.world import settings as world_settings

from . import samples

UowFactory = Callable[[], SqlUnitOfWork]
CODE = "K7Q2"


def stored_versions(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(select(tables.conversations.c.code, tables.conversations.c.version))
        return {row.code: row.version for row in rows}


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
            for name in ("agents", "conversations", "messages", "events", "outbox", "inbox")
        }


def add_everything(uow: SqlUnitOfWork) -> None:
    """One of each: an aggregate of both kinds and a row in every append-only table."""
    uow.agents.add(samples.agent(active=None))
    conversation = samples.queued(CODE, "5511987654321", "financeiro", 0)
    uow.conversations.add(conversation)
    conversation.events.append(EnteredQueue(CODE, samples.at(0), "financeiro"))
    uow.messages.add(Message("wamid.1", CODE, Author.CUSTOMER, "Maria", samples.CONTENTS[0], samples.at(0)))
    uow.outbox.add(samples.outgoing(1, samples.BODIES[0]))
    assert uow.inbox.first_time("wamid.1")


def test_commit_persists_everything(uow_factory: UowFactory, engine: Engine) -> None:
    with uow_factory() as uow:
        add_everything(uow)
        uow.commit()
    assert counts(engine) == dict.fromkeys(("agents", "conversations", "messages", "events", "outbox", "inbox"), 1)


def test_leaving_without_commit_rolls_back(uow_factory: UowFactory, engine: Engine) -> None:
    with uow_factory() as uow:
        add_everything(uow)
    assert set(counts(engine).values()) == {0}


def test_an_exception_rolls_back(uow_factory: UowFactory, engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="boom"), uow_factory() as uow:
        add_everything(uow)
        raise RuntimeError("boom")
    assert set(counts(engine).values()) == {0}


def test_a_failing_commit_writes_nothing(uow_factory: UowFactory, engine: Engine) -> None:
    with uow_factory() as uow:
        add_everything(uow)
        uow.agents.add(samples.agent(phone="5511900000009", idle_since=samples.at(0).replace(tzinfo=None)))
        with pytest.raises(Exception, match="naive datetime"):
            uow.commit()
    assert set(counts(engine).values()) == {0}


def test_only_changed_aggregates_are_rewritten(uow_factory: UowFactory, engine: Engine) -> None:
    with uow_factory() as uow:
        uow.agents.add(samples.agent(active=None))
        for minute, code in enumerate(["AAAA", "BBBB", "CCCC"]):
            uow.conversations.add(samples.queued(code, f"55119000000{minute}", "financeiro", minute))
        uow.commit()
    assert stored_versions(engine) == {"AAAA": 1, "BBBB": 1, "CCCC": 1}

    with uow_factory() as uow:
        line = uow.conversations.waiting()  # all three loaded and tracked
        agent = uow.agents.get(samples.agent().phone)
        assert agent is not None
        line[1].assign(agent.phone, samples.at(10))
        uow.commit()
    assert stored_versions(engine) == {"AAAA": 1, "BBBB": 2, "CCCC": 1}
    assert [c.version for c in line] == [1, 2, 1], "entities carry the stored version"
    assert agent.version == 1

    with uow_factory() as uow:
        assigned = uow.conversations.get("BBBB")
        assert assigned is not None and assigned.stage is Stage.ASSIGNED and assigned.version == 2


def test_a_stale_version_is_a_conflict(uow_factory: UowFactory, engine: Engine) -> None:
    with uow_factory() as uow:
        uow.conversations.add(samples.queued(CODE, "5511987654321", "financeiro", 0))
        uow.commit()
    with uow_factory() as uow:
        conversation = uow.conversations.get(CODE)
        assert conversation is not None
        # Another worker commits a change after we read (possible on PostgreSQL; on SQLite
        # the lock forbids it, so it is simulated on our own connection).
        uow.connection().execute(
            update(tables.conversations).where(tables.conversations.c.code == CODE).values(version=2)
        )
        conversation.leave(samples.at(5))
        with pytest.raises(ConcurrencyConflict):
            uow.commit()
    with uow_factory() as uow:
        unchanged = uow.conversations.get(CODE)
        assert unchanged is not None and unchanged.stage is Stage.QUEUED and unchanged.version == 1


def test_inserting_a_taken_code_is_a_conflict(uow_factory: UowFactory, engine: Engine) -> None:
    with uow_factory() as uow:
        uow.conversations.add(samples.queued(CODE, "5511987654321", "financeiro", 0))
        uow.commit()
    with uow_factory() as uow:
        uow.conversations.add(samples.queued(CODE, "5521912345678", "suporte", 1))
        uow.outbox.add(samples.outgoing(1, samples.BODIES[0]))
        with pytest.raises(ConcurrencyConflict):
            uow.commit()
    assert counts(engine)["outbox"] == 0


def test_a_second_open_conversation_for_a_customer_is_a_conflict(uow_factory: UowFactory) -> None:
    """Two workers greeting the same new customer at once: one wins, the other retries."""
    with uow_factory() as uow:
        uow.conversations.add(samples.queued("AAAA", "5511987654321", "financeiro", 0))
        uow.commit()
    with uow_factory() as uow:
        uow.conversations.add(samples.queued("BBBB", "5511987654321", "suporte", 1))
        with pytest.raises(ConcurrencyConflict):
            uow.commit()
    with uow_factory() as uow:
        first = uow.conversations.get("AAAA")
        assert first is not None
        first.leave(samples.at(2))  # closed: the customer may start another one, in the same step
        uow.conversations.add(samples.queued("BBBB", "5511987654321", "suporte", 3))
        uow.commit()
    with uow_factory() as uow:
        again = uow.conversations.open_for("5511987654321")
        assert again is not None and again.code == "BBBB"


def test_the_unit_of_work_can_go_on_after_a_commit(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.conversations.add(samples.queued(CODE, "5511987654321", "financeiro", 0))
        uow.commit()
        assert uow.conversations.seen == {}, "a commit starts afresh, like the fakes"
        conversation = uow.conversations.get(CODE)
        assert conversation is not None
        conversation.leave(samples.at(1))
        uow.commit()
        assert conversation.version == 2


# -- SQLite specifics ---------------------------------------------------------------------------


def test_sqlite_connections_are_tuned(sqlite_url: str) -> None:
    from atende.adapters.sql.engine import connect

    engine = connect(sqlite_url)
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar_one() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar_one() == 1
            assert pragma("PRAGMA busy_timeout").scalar_one() == 30_000
    finally:
        engine.dispose()


def test_a_sqlite_transaction_holds_the_write_lock_from_its_first_read(sqlite_url: str) -> None:
    """BEGIN IMMEDIATE: once a use case has read, nobody else writes until it ends."""
    from atende.adapters.sql.engine import connect

    engine = connect(sqlite_url)
    path = sqlite_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        with SqlUnitOfWork(engine) as uow:
            other.execute("INSERT INTO inbox (message_id) VALUES ('before')")  # nothing read yet: no lock
            uow.conversations.waiting()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("INSERT INTO inbox (message_id) VALUES ('during')")
        other.execute("INSERT INTO inbox (message_id) VALUES ('after')")
    finally:
        other.close()
        engine.dispose()


def test_a_reading_unit_of_work_never_takes_the_write_lock_nor_commits(engine: Engine) -> None:
    """Ops views read in a reading unit of work: beside a writer on SQLite, READ ONLY on PostgreSQL."""
    with SqlUnitOfWork(engine) as writer, SqlUnitOfWork(engine, reading=True) as reader:
        writer.inbox.first_time("held")  # the writer has begun (SQLite: BEGIN IMMEDIATE, the lock)
        assert reader.conversations.waiting() == []  # would wait for the lock if it took it
        if engine.dialect.name == "postgresql":
            assert reader.connection().execute(text("SHOW transaction_read_only")).scalar_one() == "on"
        with pytest.raises(RuntimeError, match="cannot commit"):
            reader.commit()
        writer.commit()


# -- PostgreSQL specifics -----------------------------------------------------------------------


def test_a_step_decides_on_one_snapshot(uow_factory: UowFactory, engine: Engine) -> None:
    """A dispatch that read the queue before a concurrent assignment must not overload the agent.

    Under READ COMMITTED, the later reads of the agent (fresh) and of the agent's conversations
    (merged with the stale copies already tracked) would disagree, the agent would get a second
    customer and the version check would pass. One snapshot per step turns that into a conflict.
    """
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one step at a time: the interleaving cannot happen")
    bruno = samples.agent("5511900000002", presence=Presence.AVAILABLE, pause_reason=None, active=None, capacity=1)
    with uow_factory() as uow:
        uow.agents.add(bruno)
        uow.conversations.add(samples.queued("OLDR", "551100000001", "financeiro", 0))
        uow.conversations.add(samples.queued("NEWR", "551100000002", "financeiro", 1))
        uow.commit()
    config = world_settings(agents=(AgentProfile(bruno.phone, bruno.name, bruno.departments, 1),))
    late = uow_factory()
    with late:
        late.conversations.waiting()  # the late step starts: both customers are waiting
        with uow_factory() as early:  # meanwhile another worker hands NEWR to Bruno
            newer = early.conversations.get("NEWR")
            agent = early.agents.get(bruno.phone)
            assert newer is not None and agent is not None
            newer.assign(agent.phone, samples.at(2))
            agent.receive(newer.code, samples.at(2))
            early.commit()
        dispatch(Session(late, samples.at(3), config, texts_for(config.locale)))
        with pytest.raises(ConcurrencyConflict):
            late.commit()
    with uow_factory() as uow:
        assert [c.code for c in uow.conversations.assigned_to(bruno.phone)] == ["NEWR"]
