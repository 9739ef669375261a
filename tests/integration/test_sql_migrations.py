"""Migrations: an empty database is brought to exactly the schema the code describes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, select, text, update
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from atende.adapters.sql import tables
from atende.adapters.sql.engine import connect
from atende.adapters.sql.rows import (
    agent_to_row,
    arrival_to_row,
    conversation_to_row,
    event_to_row,
    message_to_row,
    outgoing_to_row,
)
from atende.adapters.sql.schema import UnknownRevision, pending, upgrade
from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.application.outbound import Audience, Delivery, Outgoing, TextBody
from atende.cli.db import app
from atende.domain.contact import Contact
from atende.domain.conversation import Stage
from atende.domain.exceptions import ConcurrencyConflict
from atende.domain.message import Author, Message
from tests.databases import downgrade

from . import samples

REVISIONS = ["0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011", "0012"]


def after(revision: str) -> list[str]:
    """The revisions still pending once `revision` is applied."""
    return REVISIONS[REVISIONS.index(revision) + 1 :]


def diffs(url: str) -> list[object]:
    engine = connect(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, tables.metadata))
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = connect(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_creates_every_table_and_pending_empties(bare_database_url: str) -> None:
    url = bare_database_url
    assert pending(url) == REVISIONS
    if url.startswith("sqlite"):
        assert not Path(url.removeprefix("sqlite:///")).exists(), "looking does not create the file"
    upgrade(url)
    assert table_names(url) == set(tables.metadata.tables) | {"alembic_version"}
    assert pending(url) == []
    upgrade(url)  # again: nothing to do, nothing breaks
    assert pending(url) == []


def test_an_empty_database_file_is_outdated(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    assert pending(f"sqlite:///{path}") == REVISIONS


def test_the_migrated_schema_matches_the_code(database_url: str, bare_database_url: str) -> None:
    assert diffs(database_url) == []
    assert len(diffs(bare_database_url)) >= len(tables.metadata.tables), "the comparison does see missing tables"


def test_a_revision_from_a_newer_atende_is_reported(database_url: str) -> None:
    engine = connect(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(UnknownRevision, match="9999"):
        pending(database_url)


def said(output: str) -> str:
    """Rich wraps lines at the terminal width: compare words, not line breaks."""
    return " ".join(output.split())


def test_atende_db_upgrade(bare_database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = bare_database_url
    monkeypatch.setenv("ATENDE_DATABASE_URL", url)
    runner = CliRunner()
    first = runner.invoke(app, ["upgrade"])
    assert first.exit_code == 0, first.output
    assert f"applied {len(REVISIONS)} migration(s): {', '.join(REVISIONS)}" in said(first.output)
    assert pending(url) == []
    second = runner.invoke(app, ["upgrade"])
    assert second.exit_code == 0, second.output
    assert "is up to date" in said(second.output)


def test_atende_db_upgrade_explains_an_unreachable_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATENDE_DATABASE_URL", "postgresql+psycopg://atende:secret@127.0.0.1:1/atende")
    result = CliRunner().invoke(app, ["upgrade"])
    assert result.exit_code == 1
    assert "cannot use the database" in said(result.output)
    assert "secret" not in result.output


# -- 0001 → 0002 --------------------------------------------------------------------------------

ADDED_TO_OUTBOX = {"error_code", "not_before", "coalesce_key"}
ADDED_BY_0003 = {"held_at"}
ADDED_BY_0004 = {"agents": {"last_wrote_at"}, "conversations": {"offer_reminded_at", "reprompted_at"}}
ADDED_BY_0005 = {"conversations": {"active_at"}}
NEW_TABLES = {"contacts", "intake", "leases"}
ADDED_BY_0006 = {"presence"}
ADDED_BY_0009 = {"outbox_lanes"}
ADDED_BY_0012 = {"line_moves"}


def as_0001_wrote(message: Outgoing) -> dict[str, Any]:
    """An outbox row as 0001's code wrote it: the same mapping, without the columns 0002 adds."""
    return {k: v for k, v in outgoing_to_row(message).items() if k not in ADDED_TO_OUTBOX | ADDED_BY_0003}


def before_0004(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row as code older than 0004 wrote it: without the columns 0004 (and 0005) add."""
    return {k: v for k, v in before_0005(table, row).items() if k not in ADDED_BY_0004.get(table, set())}


def before_0005(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row as code older than 0005 wrote it: without the columns 0005 adds."""
    return {k: v for k, v in row.items() if k not in ADDED_BY_0005.get(table, set())}


def fill_at_0001(connection: Connection) -> list[Outgoing]:
    """One row in every 0001 table, written through the same Core tables the code uses."""
    agent = before_0004("agents", agent_to_row(samples.agent()))
    conversation = before_0004("conversations", conversation_to_row(samples.conversation()))
    connection.execute(insert(tables.agents).values(**agent, version=3))
    connection.execute(insert(tables.conversations).values(**conversation, version=2))
    message = Message("wamid.in1", "K7Q2", Author.CUSTOMER, "Maria", samples.CONTENTS[0], samples.at(0))
    connection.execute(insert(tables.messages).values(**message_to_row(message)))
    connection.execute(insert(tables.events).values(**event_to_row(samples.EVENTS[0])))
    waiting = Outgoing("out-1", "5511987654321", Audience.CUSTOMER, samples.BODIES[1], samples.at(1), "K7Q2")
    sent = samples.sent(samples.outgoing(2, samples.BODIES[0]), "wamid.out2")
    sent.error_code, sent.not_before, sent.coalesce_key = None, None, None  # 0001 had none of these
    for outgoing in (waiting, sent):
        connection.execute(insert(tables.outbox).values(**as_0001_wrote(outgoing)))
    connection.execute(insert(tables.inbox).values(message_id="wamid.in1"))
    return [waiting, sent]


def row_counts(url: str, names: set[str]) -> dict[str, int]:
    engine = connect(url)
    try:
        with engine.connect() as connection:
            return {name: connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one() for name in names}
    finally:
        engine.dispose()


def test_0002_upgrades_a_database_in_use(bare_database_url: str) -> None:
    url = bare_database_url
    upgrade(url, "0001")
    assert pending(url) == after("0001")
    engine = connect(url)
    try:
        with engine.begin() as connection:
            waiting, sent = fill_at_0001(connection)
    finally:
        engine.dispose()
    old_tables = {"agents", "conversations", "messages", "events", "outbox", "inbox"}
    before = row_counts(url, old_tables)
    assert before == {**dict.fromkeys(old_tables, 1), "outbox": 2}

    upgrade(url)

    assert pending(url) == []
    assert diffs(url) == [], "the upgraded schema is exactly the one the code describes"
    assert row_counts(url, old_tables) == before
    assert row_counts(url, NEW_TABLES) == dict.fromkeys(NEW_TABLES, 0)
    engine = connect(url)
    try:
        with SqlUnitOfWork(engine) as uow:
            assert uow.outbox.pending(10) == [waiting], "old rows read back, new fields empty"
            assert uow.outbox.by_provider_id("wamid.out2") == sent
            conversation = uow.conversations.get("K7Q2")
            assert conversation is not None and conversation.version == 2
            assert not uow.inbox.first_time("wamid.in1")
            assert [m.id for m in uow.messages.for_conversation("K7Q2")] == ["wamid.in1"]
            # The new tables work beside the old data, in the same step.
            assert uow.intake.add(samples.inbound("wamid.in2"), samples.at(3))
            assert uow.leases.acquire("courier", "A", 60)
            uow.contacts.get_or_add("5511987654321").wrote(samples.at(3))
            conversation.position_told_at = samples.at(3)
            uow.commit()
        assert conversation.version == 3, "an old row's version check still holds"
        with SqlUnitOfWork(engine) as uow:
            assert [a.key for a in uow.intake.ready(samples.at(3), 10)] == ["wamid.in2"]
            contact = uow.contacts.get("5511987654321")
            assert contact is not None and contact.version == 1
    finally:
        engine.dispose()


def test_0002_downgrades_to_what_0001_can_read(bare_database_url: str) -> None:
    url = bare_database_url
    upgrade(url)
    states = [Delivery.PENDING, Delivery.HELD, Delivery.SENT, Delivery.DELIVERED, Delivery.READ, Delivery.FAILED]
    engine = connect(url)
    try:
        with SqlUnitOfWork(engine) as uow:
            for number, state in enumerate(states):
                message = samples.outgoing(number, samples.BODIES[0], conversation=None)
                message.delivery = state
                uow.outbox.add(message)
            uow.contacts.get_or_add("5511900000001")
            uow.commit()
    finally:
        engine.dispose()

    downgrade(url, "0001")

    assert pending(url) == after("0001")
    later = ADDED_BY_0006 | ADDED_BY_0009 | ADDED_BY_0012
    assert table_names(url) == set(tables.metadata.tables) - NEW_TABLES - later | {"alembic_version"}
    engine = connect(url)
    try:
        columns = {column["name"] for column in inspect(engine).get_columns("outbox")}
        with engine.connect() as connection:
            kept = connection.execute(select(tables.outbox.c.delivery).order_by(tables.outbox.c.seq)).scalars().all()
    finally:
        engine.dispose()
    assert not columns & ADDED_TO_OUTBOX
    assert kept == ["pending", "pending", "sent", "sent", "sent", "failed"]
    upgrade(url)
    assert diffs(url) == []


# -- 0002 → 0003 --------------------------------------------------------------------------------


def test_0003_names_existing_contacts_by_their_key_and_keeps_every_row(bare_database_url: str) -> None:
    url = bare_database_url
    upgrade(url, "0002")
    engine = connect(url)
    try:
        with engine.begin() as connection:
            for wa_id in ("5511900000001", "BR.13491208655302741918"):
                connection.execute(text("INSERT INTO contacts (wa_id, version) VALUES (:w, 1)"), {"w": wa_id})
            connection.execute(
                insert(tables.outbox).values(**as_0001_wrote(samples.outgoing(1, samples.BODIES[0], conversation=None)))
            )
    finally:
        engine.dispose()
    assert pending(url) == after("0002")

    upgrade(url)

    assert diffs(url) == []
    engine = connect(url)
    try:
        with SqlUnitOfWork(engine) as uow:
            agent, username = uow.contacts.get("5511900000001"), uow.contacts.get("BR.13491208655302741918")
            assert agent is not None and (agent.phone, agent.user_id, agent.version) == ("5511900000001", None, 1)
            assert username is not None and (username.phone, username.user_id) == (None, "BR.13491208655302741918")
            [waiting] = uow.outbox.pending(10)
            assert waiting.held_at is None
            uow.contacts.add(Contact("5511900000009", phone="5511900000001"))
            with pytest.raises(ConcurrencyConflict):
                uow.commit()  # the constraint holds on the upgraded table
    finally:
        engine.dispose()

    downgrade(url, "0002")
    assert pending(url) == after("0002")
    assert row_counts(url, {"contacts", "outbox"}) == {"contacts": 2, "outbox": 1}
    upgrade(url)
    assert diffs(url) == []


# -- 0003 → 0004 --------------------------------------------------------------------------------


def test_0004_upgrades_a_database_in_use_and_downgrades_back(bare_database_url: str) -> None:
    url = bare_database_url
    upgrade(url, "0003")
    engine = connect(url)
    try:
        with engine.begin() as connection:
            agent = before_0004("agents", agent_to_row(samples.agent()))
            conversation = before_0004("conversations", conversation_to_row(samples.conversation()))
            connection.execute(insert(tables.agents).values(**agent, version=3))
            connection.execute(insert(tables.conversations).values(**conversation, version=2))
    finally:
        engine.dispose()

    upgrade(url)

    assert pending(url) == []
    assert diffs(url) == []
    engine = connect(url)
    try:
        with SqlUnitOfWork(engine) as uow:
            stored_agent = uow.agents.get("5511900000001")
            stored = uow.conversations.get("K7Q2")
            assert stored_agent is not None and stored is not None
            assert (stored_agent.last_wrote_at, stored.offer_reminded_at, stored.reprompted_at) == (None, None, None)
            stored_agent.wrote(samples.at(9))
            stored.offer_reminded_at = samples.at(9)
            stored.reprompted_at = samples.at(10)
            uow.commit()
        with SqlUnitOfWork(engine) as uow:
            again, kept = uow.agents.get("5511900000001"), uow.conversations.get("K7Q2")
            assert again is not None and kept is not None
            assert (again.last_wrote_at, kept.offer_reminded_at, kept.reprompted_at) == (
                samples.at(9),
                samples.at(9),
                samples.at(10),
            )
            assert again.version == 4
    finally:
        engine.dispose()

    downgrade(url, "0003")

    assert pending(url) == after("0003")
    engine = connect(url)
    try:
        agent_columns = {column["name"] for column in inspect(engine).get_columns("agents")}
        conversation_columns = {column["name"] for column in inspect(engine).get_columns("conversations")}
        with engine.connect() as connection:
            codes = connection.execute(select(tables.conversations.c.code)).scalars().all()
    finally:
        engine.dispose()
    assert not agent_columns & ADDED_BY_0004["agents"]
    assert not conversation_columns & ADDED_BY_0004["conversations"]
    assert codes == ["K7Q2"]
    upgrade(url)
    assert diffs(url) == []


# -- 0004 → 0005 --------------------------------------------------------------------------------


def test_0005_dates_each_conversation_by_its_latest_activity(bare_database_url: str) -> None:
    """Silent for days before the upgrade: closed by the first idle pass after it; lively: not."""
    url = bare_database_url
    upgrade(url, "0004")
    menu = samples.conversation("MENU", "5511900000010", stage=Stage.CHOOSING, queued_at=None, waiting_since=None)
    menu.assigned_at = menu.closed_at = menu.agent = None
    talking = samples.conversation("TALK", "5511900000011", stage=Stage.ASSIGNED, closed_at=None, agent=None)
    engine = connect(url)
    try:
        with engine.begin() as connection:
            for conversation in (menu, talking):
                row = before_0005("conversations", conversation_to_row(conversation))
                connection.execute(insert(tables.conversations).values(**row, version=1))
            for minute in (30, 90):  # the transcript's newest message is later than any stage change
                said = samples.CONTENTS[0]
                message = Message(f"wamid.{minute}", "TALK", Author.CUSTOMER, "", said, samples.at(minute))
                connection.execute(insert(tables.messages).values(**message_to_row(message)))
    finally:
        engine.dispose()
    assert pending(url) == after("0004")

    upgrade(url)

    assert diffs(url) == []
    engine = connect(url)
    try:
        with SqlUnitOfWork(engine) as uow:
            stored_menu, stored_talk = uow.conversations.get("MENU"), uow.conversations.get("TALK")
            assert stored_menu is not None and stored_menu.active_at == samples.at(0), "only opened"
            assert stored_talk is not None and stored_talk.active_at == samples.at(90), "its latest message"
            assert [c.code for c in uow.conversations.quiet(samples.at(60))] == ["MENU"]
            assert [c.code for c in uow.conversations.quiet(samples.at(91))] == ["MENU", "TALK"]
    finally:
        engine.dispose()

    downgrade(url, "0004")
    assert pending(url) == after("0004")
    assert row_counts(url, {"conversations", "messages"}) == {"conversations": 2, "messages": 2}
    upgrade(url)
    assert diffs(url) == []


# -- 0005 → 0006 --------------------------------------------------------------------------------


def test_0006_adds_the_presence_record_beside_a_database_in_use(bare_database_url: str) -> None:
    url = bare_database_url
    upgrade(url, "0005")
    engine = connect(url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(tables.agents).values(**agent_to_row(samples.agent()), version=1))
            conversation = conversation_to_row(samples.conversation())
            connection.execute(insert(tables.conversations).values(**conversation, version=1))
            connection.execute(insert(tables.events).values(**event_to_row(samples.EVENTS[0])))
    finally:
        engine.dispose()
    assert pending(url) == after("0005")

    upgrade(url)

    assert diffs(url) == [], "the upgraded schema is exactly the one the code describes"
    assert row_counts(url, {"events", "agents", "presence"}) == {"events": 1, "agents": 1, "presence": 0}
    engine = connect(url)
    try:
        with SqlUnitOfWork(engine) as uow:
            agent = uow.agents.get("5511900000001")
            assert agent is not None
            agent.resume(samples.at(5))
            uow.commit()
    finally:
        engine.dispose()
    assert row_counts(url, {"presence"}) == {"presence": 1}

    downgrade(url, "0005")
    assert pending(url) == after("0005")
    assert "presence" not in table_names(url)
    assert row_counts(url, {"events", "agents"}) == {"events": 1, "agents": 1}
    upgrade(url)
    assert diffs(url) == []


# -- 0007 → 0009 --------------------------------------------------------------------------------


def test_0008_counts_attempts_on_the_intake_beside_a_database_in_use(bare_database_url: str) -> None:
    url = bare_database_url
    upgrade(url, "0007")
    handled, pending_one, set_aside = (samples.inbound(f"wamid.{n}", minute=n) for n in (1, 2, 3))
    engine = connect(url)
    try:
        with engine.begin() as connection:
            for arrival in (handled, pending_one, set_aside):
                connection.execute(insert(tables.intake).values(**arrival_to_row(arrival, samples.at(4))))
            connection.execute(
                update(tables.intake).where(tables.intake.c.key == handled.key).values(done_at=samples.at(5))
            )
            connection.execute(
                update(tables.intake)
                .where(tables.intake.c.key == set_aside.key)
                .values(done_at=samples.at(5), error="ValueError('x')")
            )
    finally:
        engine.dispose()
    assert pending(url) == after("0007")

    upgrade(url)

    assert diffs(url) == [], "the upgraded schema is exactly the one the code describes"
    engine = connect(url)
    try:
        with SqlUnitOfWork(engine) as uow:
            assert [a.key for a in uow.intake.ready(samples.at(10), 10)] == [pending_one.key]
            assert uow.intake.failed(pending_one.key, "KeyError: 'y'") == 1
            assert uow.intake.put_back(set_aside.key) == 1
            uow.commit()
    finally:
        engine.dispose()

    downgrade(url, "0007")
    assert pending(url) == after("0007")
    upgrade(url)
    assert diffs(url) == []


def test_0009_adds_outbox_lanes_and_what_was_pending_is_claimed_as_it_is(bare_database_url: str) -> None:
    url = bare_database_url
    upgrade(url, "0008")
    waiting = Outgoing("out-1", "5511987654321", Audience.CUSTOMER, TextBody("Oi"), samples.at(0))
    engine = connect(url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(tables.outbox).values(**outgoing_to_row(waiting)))
    finally:
        engine.dispose()
    assert pending(url) == after("0008")

    upgrade(url)

    assert diffs(url) == [], "the upgraded schema is exactly the one the code describes"
    engine = connect(url)
    try:
        with SqlUnitOfWork(engine) as uow:
            (lane,) = uow.outbox.claim("courier-1", samples.at(1), lanes=10, per_lane=10, seconds=60)
            uow.commit()
        assert (lane.recipient, [m.id for m in lane.messages]) == (waiting.to, ["out-1"])
    finally:
        engine.dispose()
    downgrade(url, "0008")
    assert "outbox_lanes" not in table_names(url)
    upgrade(url)
    assert diffs(url) == []
