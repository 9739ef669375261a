"""Every field and every kind survives a trip through the database, and comes back as it went in."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, get_args

import pytest

from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.application.arrivals import Arrival
from atende.application.outbound import Body, Delivery
from atende.domain.content import Content
from atende.domain.conversation import Stage
from atende.domain.events import Assigned, Event
from atende.domain.message import Author, Message

from . import samples

UowFactory = Callable[[], SqlUnitOfWork]


def assert_every_field_set(value: Any) -> None:
    """A field left at its default would round-trip even if the mapping forgot it."""
    for field in dataclasses.fields(value):
        if field.name in {"events", "version"}:
            continue
        if field.default is not dataclasses.MISSING:
            assert getattr(value, field.name) != field.default, f"{type(value).__name__}.{field.name}"


def assert_same(loaded: Any, original: Any) -> None:
    for field in dataclasses.fields(original):
        if field.name in {"events", "version"}:
            continue
        got, want = getattr(loaded, field.name), getattr(original, field.name)
        assert got == want, field.name
        if isinstance(want, datetime):
            assert got.tzinfo is UTC, f"{field.name} came back as {got!r}"


def test_samples_cover_every_kind() -> None:
    assert {type(c) for c in samples.CONTENTS} == set(get_args(Content))
    assert {type(b) for b in samples.BODIES} == set(get_args(Body))
    assert {type(e) for e in samples.EVENTS} == set(Event.__subclasses__())
    assert {type(a) for a in samples.ARRIVALS} == set(get_args(Arrival))
    for value in [
        samples.conversation(),
        samples.agent(),
        samples.contact(),
        *samples.ARRIVALS,
        *samples.CONTENTS,
        *samples.BODIES,
        *samples.EVENTS,
    ]:
        assert_every_field_set(value)


def test_agent_round_trip(uow_factory: UowFactory) -> None:
    original = samples.agent()
    with uow_factory() as uow:
        uow.agents.add(original)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.agents.get(original.phone)
        assert uow.agents.get("5500000000000") is None
    assert loaded is not None
    assert_same(loaded, original)
    assert loaded.version == original.version == 1


def test_conversation_round_trip(uow_factory: UowFactory) -> None:
    original = samples.conversation()
    with uow_factory() as uow:
        uow.agents.add(samples.agent())
        uow.conversations.add(original)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.conversations.get(original.code)
        assert uow.conversations.get("ZZZZ") is None
        assert uow.conversations.code_taken(original.code)
        assert not uow.conversations.code_taken("ZZZZ")
    assert loaded is not None
    assert_same(loaded, original)
    assert loaded.version == original.version == 1


def test_conversation_queries(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.agents.add(samples.agent(active=None))
        for conversation in [
            samples.queued("BBBB", "551100000002", "financeiro", 5),
            samples.queued("AAAA", "551100000001", "financeiro", 9),
            samples.queued("CCCC", "551100000003", "suporte", 1),
            samples.conversation("DDDD", "551100000004", stage=Stage.ASSIGNED, opened_at=samples.at(30)),
            samples.conversation("EEEE", "551100000005", stage=Stage.CLOSED),
        ]:
            uow.conversations.add(conversation)
        uow.commit()
    with uow_factory() as uow:
        assert [c.code for c in uow.conversations.waiting()] == ["CCCC", "BBBB", "AAAA"]
        assert [c.code for c in uow.conversations.waiting("financeiro")] == ["BBBB", "AAAA"]
        assert [c.code for c in uow.conversations.assigned()] == ["DDDD"]
        assert [c.code for c in uow.conversations.assigned_to("5511900000001")] == ["DDDD"]
        found = uow.conversations.open_for("551100000002")
        assert found is not None and found.code == "BBBB"
        assert uow.conversations.open_for("551100000005") is None
        assert [c.code for c in uow.conversations.recent(3)] == ["DDDD", "AAAA", "BBBB"]


def test_every_content_kind_through_the_transcript(uow_factory: UowFactory) -> None:
    written = [
        Message(f"wamid.in{i}", "K7Q2", Author.CUSTOMER if i % 2 else Author.AGENT, "Maria", content, samples.at(i))
        for i, content in enumerate(samples.CONTENTS)
    ]
    with uow_factory() as uow:
        uow.agents.add(samples.agent())
        uow.conversations.add(samples.conversation())
        for message in written:
            uow.messages.add(message)
        # Not committed yet, and already part of what the use case sees.
        assert uow.messages.for_conversation("K7Q2") == written
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.messages.for_conversation("K7Q2")
        assert loaded == written
        assert all(m.at.tzinfo is UTC for m in loaded)
        assert uow.messages.for_conversation("K7Q2", limit=3) == written[-3:]
        assert uow.messages.for_conversation("ZZZZ") == []
        extra = Message("wamid.extra", "K7Q2", Author.CUSTOMER, "Maria", samples.CONTENTS[0], samples.at(99))
        uow.messages.add(extra)
        assert uow.messages.for_conversation("K7Q2", limit=2) == [written[-1], extra]


def test_every_body_kind_through_the_outbox(uow_factory: UowFactory) -> None:
    written = [samples.outgoing(i, body) for i, body in enumerate(samples.BODIES)]
    written.append(samples.outgoing(len(written), samples.BODIES[0], conversation=None))
    with uow_factory() as uow:
        uow.agents.add(samples.agent())
        uow.conversations.add(samples.conversation())
        for message in written:
            uow.outbox.add(message)
        uow.commit()
    with uow_factory() as uow:
        pending = list(uow.outbox.pending(100))
        assert pending == written  # every field, in the order they were added
        assert all(m.created_at.tzinfo is UTC for m in pending)
        assert uow.outbox.pending(2) == written[:2]
        uow.outbox.save(samples.sent(pending[1], "wamid.out1"))
        uow.commit()
    with uow_factory() as uow:
        assert [m.id for m in uow.outbox.pending(100)] == [m.id for m in written if m.id != written[1].id]
        found = uow.outbox.by_provider_id("wamid.out1")
        assert found is not None
        assert (found.delivery, found.provider_id, found.attempts, found.error) == (
            Delivery.SENT,
            "wamid.out1",
            2,
            "rate limited once",
        )
        assert found.body == written[1].body
        assert uow.outbox.by_provider_id("wamid.nope") is None


def test_saving_a_message_added_in_the_same_unit_of_work(uow_factory: UowFactory) -> None:
    message = samples.outgoing(1, samples.BODIES[0], conversation=None)
    with uow_factory() as uow:
        uow.outbox.add(message)
        uow.outbox.save(samples.sent(message, "wamid.out7"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.outbox.pending(10) == []
        assert uow.outbox.by_provider_id("wamid.out7") == message


def test_every_event_kind_through_the_log(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.agents.add(samples.agent())
        uow.conversations.add(samples.conversation())
        uow.conversations.add(samples.conversation("OTHR", "5511000000009"))
        for event in samples.EVENTS:
            uow.events.add(event)
        uow.events.add(Assigned("OTHR", samples.at(20), "financeiro", "5511900000001", 30.0))
        uow.events.add(Assigned("OTHR", samples.at(21), "suporte", "5511900000001", 99.0))
        assert uow.events.for_conversation("K7Q2") == samples.STEPS  # before the commit too
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.events.for_conversation("K7Q2")
        assert loaded == samples.STEPS
        assert all(e.at.tzinfo is UTC for e in loaded)
        assert uow.events.recent_waits("financeiro", 10) == [30.0, 60.5]  # newest first
        assert uow.events.recent_waits("financeiro", 1) == [30.0]
        assert uow.events.recent_waits("vendas", 10) == []
        since = uow.events.since(samples.at(7).astimezone(UTC))
        assert [e.name for e in since] == ["Closed", "Rated", "IdleClosed", "IdleClosed", "Assigned", "Assigned"]


def test_the_inbox_says_first_time_once(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        assert uow.inbox.first_time("wamid.1")
        assert not uow.inbox.first_time("wamid.1")
        assert uow.inbox.first_time("wamid.2")
        uow.commit()
    with uow_factory() as uow:
        assert not uow.inbox.first_time("wamid.1")
        assert uow.inbox.first_time("wamid.3")  # then rolled back: never recorded
        # The duplicate did not break the transaction: it can still write and commit.
        uow.agents.add(samples.agent())
        uow.commit()
    with uow_factory() as uow:
        assert uow.inbox.first_time("wamid.4")
        assert uow.agents.get(samples.agent().phone) is not None
    with uow_factory() as uow:
        assert uow.inbox.first_time("wamid.4"), "a rolled-back first time is forgotten"


def test_naive_datetimes_are_refused(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        uow.agents.add(samples.agent(idle_since=datetime(2026, 1, 1, 12, 0)))
        with pytest.raises(Exception, match="naive datetime"):
            uow.commit()
