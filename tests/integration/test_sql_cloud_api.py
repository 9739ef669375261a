"""Contacts, intake, leases and held messages in SQL: they behave exactly as the in-memory fakes do.

Tests taking `any_uow` run twice, on the fakes (tests/fakes.py, what the application's unit
tests trust) and on the database, with the same expectations; the rest check what only a
database has: versions, concurrent writers, stored columns, indexes.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.engine import Engine

from atende.adapters.sql import codec
from atende.adapters.sql import tables as t
from atende.adapters.sql.engine import connect
from atende.adapters.sql.leases import SqlLeases
from atende.adapters.sql.statements import insert_new_in_savepoint
from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.application.arrivals import Inbound, StatusReport
from atende.application.failures import Failure
from atende.application.outbound import Audience, Delivery, Outgoing, TemplateBody, TextBody
from atende.application.ports import ArrivalState, UnitOfWork
from atende.domain.contact import Contact
from atende.domain.content import Text
from atende.domain.exceptions import ConcurrencyConflict
from tests.fakes import FakeUnitOfWork, Store

from . import samples
from .test_sql_repositories import assert_every_field_set, assert_same
from .workers import Race, race_for_leases

AnyUow = Callable[[], UnitOfWork]
SqlUow = Callable[[], SqlUnitOfWork]

AGENT = "5511900000001"
OTHER_AGENT = "5511900000002"

at = samples.at


@pytest.fixture(params=["fake", "sql"])
def any_uow(request: pytest.FixtureRequest) -> AnyUow:
    if request.param == "fake":
        store = Store()
        return lambda: FakeUnitOfWork(store)
    factory: SqlUow = request.getfixturevalue("uow_factory")
    return factory


def in_utc(uow: UnitOfWork, moment: datetime | None) -> bool:
    """The database hands instants back in UTC; the fakes keep whatever zone they were given."""
    return isinstance(uow, FakeUnitOfWork) or (moment is not None and moment.tzinfo is UTC)


# -- contacts ----------------------------------------------------------------------------------


def test_contact_round_trip(uow_factory: SqlUow, engine: Engine) -> None:
    original = samples.contact()
    with uow_factory() as uow:
        uow.contacts.add(original)
        uow.commit()
    assert original.version == 1
    with uow_factory() as uow:
        loaded = uow.contacts.get(original.wa_id)
        assert uow.contacts.get("5500000000000") is None
    assert loaded is not None
    assert_same(loaded, original)
    assert loaded.version == 1
    assert loaded.events == []
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(t.events)) == 0, "contacts have no events"


def test_contacts_are_tracked_and_added_once(any_uow: AnyUow) -> None:
    with any_uow() as uow:
        assert uow.contacts.get(AGENT) is None
        contact = uow.contacts.get_or_add(AGENT)
        assert uow.contacts.get(AGENT) is contact, "the tracked copy comes back"
        assert uow.contacts.get_or_add(AGENT) is contact
        contact.wrote(at(1))
        uow.commit()
    with any_uow() as uow:
        loaded = uow.contacts.get_or_add(AGENT)
        assert uow.contacts.get(AGENT) is loaded
        assert (loaded.last_inbound_at, loaded.reopen_requested_at, loaded.version) == (at(1), None, 1)
        assert in_utc(uow, loaded.last_inbound_at)
        loaded.reopen_requested_at = at(3)
        loaded.window_closed()
        uow.commit()
    with any_uow() as uow:
        again = uow.contacts.get(AGENT)
        assert again is not None
        assert (again.last_inbound_at, again.reopen_requested_at, again.version) == (None, at(3), 2)


def test_a_rolled_back_contact_is_forgotten(any_uow: AnyUow) -> None:
    with any_uow() as uow:
        uow.contacts.get_or_add(AGENT).wrote(at(1))
    with any_uow() as uow:
        assert uow.contacts.get(AGENT) is None


def contact_versions(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {row.wa_id: row.version for row in connection.execute(select(t.contacts.c.wa_id, t.contacts.c.version))}


def test_only_changed_contacts_are_rewritten(uow_factory: SqlUow, engine: Engine) -> None:
    with uow_factory() as uow:
        uow.contacts.add(samples.contact(AGENT))
        uow.contacts.add(samples.contact(OTHER_AGENT))
        uow.commit()
    with uow_factory() as uow:
        first, second = uow.contacts.get(AGENT), uow.contacts.get(OTHER_AGENT)
        assert first is not None and second is not None
        second.wrote(at(10))
        uow.commit()
    assert contact_versions(engine) == {AGENT: 1, OTHER_AGENT: 2}
    assert (first.version, second.version) == (1, 2), "entities carry the stored version"


def test_a_stale_contact_is_a_conflict_and_nothing_is_written(uow_factory: SqlUow, engine: Engine) -> None:
    with uow_factory() as uow:
        uow.contacts.add(samples.contact(AGENT))
        uow.commit()
    with uow_factory() as uow:
        contact = uow.contacts.get(AGENT)
        assert contact is not None
        # Another worker's commit after we read (simulated on our own connection, as SQLite locks).
        uow.connection().execute(update(t.contacts).where(t.contacts.c.wa_id == AGENT).values(version=5))
        contact.wrote(at(30))
        uow.outbox.add(samples.outgoing(1, samples.BODIES[0], conversation=None))
        with pytest.raises(ConcurrencyConflict):
            uow.commit()
    with uow_factory() as uow:
        unchanged = uow.contacts.get(AGENT)
        assert unchanged is not None and unchanged.last_inbound_at == at(1)
        assert uow.outbox.pending(10) == []


def test_two_workers_meeting_a_new_contact_conflict(uow_factory: SqlUow) -> None:
    """Both saw no row and both insert: the second one retries, and then finds the first's."""
    with uow_factory() as uow:
        contact = uow.contacts.get_or_add(AGENT)
        uow.connection().execute(insert(t.contacts).values(wa_id=AGENT, version=1))
        contact.wrote(at(1))
        with pytest.raises(ConcurrencyConflict):
            uow.commit()


def test_contacts_are_found_by_number_or_bsuid_now_and_by_key_as_history(any_uow: AnyUow) -> None:
    with any_uow() as uow:
        uow.contacts.add(samples.contact(AGENT))
        uow.contacts.add(Contact("BR.rita", phone=None, user_id="BR.rita"))
        uow.commit()
    with any_uow() as uow:
        agent = uow.contacts.get(AGENT)
        assert agent is not None
        assert uow.contacts.get(f"BR.{AGENT[::-1]}") is agent
        assert uow.contacts.named("", f"BR.{AGENT[::-1]}", AGENT) == [agent]
        rita = uow.contacts.get("BR.rita")
        assert rita is not None
        rita.link("5511955554444", "BR.rita")
        agent.changed_number("5511933332222")  # the key stays; the number moves
        uow.commit()
    with any_uow() as uow:
        moved = uow.contacts.get(AGENT)
        assert moved is not None and moved.phone == "5511933332222"
        assert uow.contacts.get("5511933332222") is moved
        assert uow.contacts.addresses({AGENT, "BR.rita", "5500000000000"}) == {
            AGENT: "5511933332222",
            "BR.rita": "5511955554444",
        }


def test_a_number_is_handed_from_one_contact_to_another_in_one_step(any_uow: AnyUow) -> None:
    """The contact giving the number up is written first: the unique constraint never sees it twice."""
    with any_uow() as uow:
        uow.contacts.add(Contact("5511911112222", phone="5511911112222"))
        uow.contacts.add(Contact("BR.maria", phone=None, user_id="BR.maria"))
        uow.commit()
    with any_uow() as uow:
        by_number, by_user = uow.contacts.get("5511911112222"), uow.contacts.get("BR.maria")
        assert by_number is not None and by_user is not None
        by_number.absorbed_into(by_user)
        uow.commit()
    with any_uow() as uow:
        assert uow.contacts.named("5511911112222", "BR.maria") == [uow.contacts.get("BR.maria")]
        old = uow.contacts.get("5511911112222")
        assert old is not None and old.wa_id == "BR.maria"


def test_one_number_never_names_two_contacts(any_uow: AnyUow) -> None:
    with any_uow() as uow:
        uow.contacts.add(Contact("5511911112222", phone="5511911112222"))
        uow.commit()
    with any_uow() as uow:
        uow.contacts.add(Contact("BR.someone", phone="5511911112222", user_id="BR.someone"))
        with pytest.raises(ConcurrencyConflict):
            uow.commit()


# -- intake ------------------------------------------------------------------------------------


def test_intake_keeps_each_key_once(any_uow: AnyUow) -> None:
    message, report = samples.inbound("wamid.a"), samples.status("wamid.out1", "delivered")
    with any_uow() as uow:
        assert uow.intake.add(message, at(0))
        assert not uow.intake.add(message, at(1)), "a re-delivery in the same notification"
        assert uow.intake.add(report, at(0))
        assert not uow.intake.add(StatusReport("wamid.out1", "delivered", at(9)), at(1)), "same message, status"
        assert uow.intake.add(samples.status("wamid.out1", "read"), at(0)), "another status is news"
        uow.commit()
    with any_uow() as uow:
        assert not uow.intake.add(message, at(5))
        assert not uow.intake.add(report, at(5))
        assert uow.intake.add(samples.inbound("wamid.b"), at(5))
        uow.commit()
    with any_uow() as uow:
        ready = uow.intake.ready(at(10), 10)
    assert [a.key for a in ready] == ["wamid.a", "status:wamid.out1:delivered", "status:wamid.out1:read", "wamid.b"]


def test_a_notifications_arrivals_are_stored_at_once_each_key_once(any_uow: AnyUow) -> None:
    """`add_all` is how the webhook stores a group: the same answers as `add` one by one."""
    message, report = samples.inbound("wamid.a"), samples.status("wamid.out1", "delivered")
    with any_uow() as uow:
        assert uow.intake.add(message, at(0))
        uow.commit()
    group = [
        samples.inbound("wamid.c", minute=3),
        message,  # stored before: a re-delivery
        report,
        StatusReport("wamid.out1", "delivered", at(9)),  # the same status twice in one group
        samples.inbound("wamid.b", minute=2),
    ]
    with any_uow() as uow:
        assert uow.intake.add_all(group, at(1)) == 3
        assert uow.intake.add_all([], at(1)) == 0
        uow.commit()
    with any_uow() as uow:
        assert uow.intake.add_all(group, at(2)) == 0, "Meta re-posting the whole group"
        ready = uow.intake.ready(at(10), 10)
    assert [a.key for a in ready] == ["wamid.a", "status:wamid.out1:delivered", "wamid.b", "wamid.c"]


def test_a_rolled_back_arrival_is_forgotten(any_uow: AnyUow) -> None:
    with any_uow() as uow:
        assert uow.intake.add(samples.inbound("wamid.a"), at(0))
    with any_uow() as uow:
        assert uow.intake.ready(at(10), 10) == []
        assert uow.intake.add(samples.inbound("wamid.a"), at(0))


def test_intake_hands_out_by_the_arrivals_own_time_then_by_storage_order(any_uow: AnyUow) -> None:
    """Meta delivers out of order; the reorder window lets the earlier one arrive before anything
    is handled, and a sender's arrival still inside it holds back what that sender sent later."""
    c, a, s, b = (
        samples.inbound("wamid.c", minute=3),
        samples.inbound("wamid.a", minute=1),
        samples.status("wamid.out1", "read", minute=1),  # same instant as a, stored after it
        samples.inbound("wamid.b", minute=2),
    )
    late = samples.inbound("wamid.early-but-late", minute=0)
    other = samples.inbound("wamid.other", minute=0.5, sender="5521912345678")
    with any_uow() as uow:
        for arrival in (c, a, s, b, other):
            uow.intake.add(arrival, at(4))
        uow.commit()
    with any_uow() as uow:
        ready = uow.intake.ready(at(5), 10)
        assert ready == [other, a, s, b, c], "whole arrivals, as they went in"
        assert all(in_utc(uow, arrival.at) for arrival in ready)
        assert uow.intake.ready(at(5), 3) == [other, a, s]
        assert uow.intake.ready(at(4), 10) == [other, a, s, b, c], "received at the cutoff is in"
        assert uow.intake.ready(at(3.99), 10) == []
        uow.intake.add(late, at(6))
        uow.commit()
    with any_uow() as uow:
        assert uow.intake.ready(at(5), 10) == [other, s], "Maria's wait behind her late one; the rest go"
        assert uow.intake.ready(at(6), 10) == [late, other, a, s, b, c]


def test_a_senders_arrivals_wait_behind_one_that_waits_for_a_retry(any_uow: AnyUow) -> None:
    first, second = samples.inbound("wamid.a", minute=1), samples.inbound("wamid.b", minute=2)
    other = samples.inbound("wamid.other", minute=3, sender="5521912345678")
    with any_uow() as uow:
        for arrival in (first, second, other):
            uow.intake.add(arrival, at(4))
        uow.commit()
    with any_uow() as uow:
        assert uow.intake.failed(first.key, "ValueError: x") == 1
        assert uow.intake.failed(first.key, "ValueError: y") == 2
        uow.intake.postpone(first.key, at(20))
        assert uow.intake.failed("wamid.never-stored", "ValueError: z") == 0
        uow.commit()
    with any_uow() as uow:
        assert uow.intake.ready(at(10), 10, now=at(19)) == [other]
        assert uow.intake.ready(at(10), 10, now=at(20)) == [first, second, other]
        assert uow.intake.state(first.key) is ArrivalState.PENDING
        assert uow.intake.state("wamid.never-stored") is None
        assert uow.intake.done(first.key, "ValueError: y (failed 2 times)")
        assert uow.intake.done(other.key)
        uow.commit()
    with any_uow() as uow:
        assert (uow.intake.state(first.key), uow.intake.state(other.key)) == (
            ArrivalState.SET_ASIDE,
            ArrivalState.HANDLED,
        )
        assert uow.intake.ready(at(10), 10, now=at(20)) == [second], "set aside: her later ones go on"
        assert uow.intake.put_back(other.key) == 0, "handled, not set aside"
        assert uow.intake.put_back(first.key) == 1
        uow.commit()
    with any_uow() as uow:
        assert uow.intake.ready(at(10), 10, now=at(0)) == [first, second], "fresh attempts, no pause"
        assert uow.intake.failed(first.key, "ValueError: again") == 1
        assert uow.intake.put_back() == 0


def test_done_arrivals_are_not_handed_out_again(any_uow: AnyUow) -> None:
    first, second, third = (samples.inbound(f"wamid.{n}", minute=n) for n in (1, 2, 3))
    with any_uow() as uow:
        for arrival in (first, second, third):
            uow.intake.add(arrival, at(0))
        uow.commit()
    with any_uow() as uow:
        assert uow.intake.done(first.key)
        assert uow.intake.done(third.key, "ValueError('poisoned')")
        uow.commit()
    with any_uow() as uow:
        assert not uow.intake.done(first.key), "marked already: another worker handled it"
        assert uow.intake.ready(at(10), 10) == [second]
        uow.intake.done(second.key)  # then rolled back
    with any_uow() as uow:
        assert uow.intake.ready(at(10), 10) == [second]
        with pytest.raises(LookupError):
            uow.intake.done("wamid.never-stored")
            uow.commit()


def test_a_sender_claimed_by_one_worker_is_skipped_by_another(uow_factory: SqlUow) -> None:
    """PostgreSQL: `ready` locks each handed-out sender's earliest arrival until the transaction
    ends; a second worker's `ready` skips that sender (and its later arrivals) and takes others."""
    first = uow_factory()
    if first.connection().dialect.name == "sqlite":
        first.close()
        pytest.skip("SQLite's write lock keeps a second worker out of the intake altogether")
    maria_1, maria_2 = samples.inbound("wamid.m1", minute=1), samples.inbound("wamid.m2", minute=2)
    joao = samples.inbound("wamid.j1", minute=3, sender="5521912345678")
    with uow_factory() as uow:
        for arrival in (maria_1, maria_2, joao):
            uow.intake.add(arrival, at(4))
        uow.commit()
    with first:
        assert first.intake.ready(at(10), 1) == [maria_1]
        with uow_factory() as second:
            assert second.intake.ready(at(10), 10) == [joao], "Maria is claimed: João's is next"
        first.intake.done(maria_1.key)
        first.commit()
    with uow_factory() as third:
        assert third.intake.ready(at(10), 10) == [maria_2, joao]


def test_a_head_handled_after_our_snapshot_began_is_a_lost_race(uow_factory: SqlUow) -> None:
    """PostgreSQL: claiming a sender whose earliest arrival another worker handled after our
    snapshot began fails as a lost race, so the batch runs again on fresh data (not a bad arrival)."""
    late = uow_factory()
    if late.connection().dialect.name == "sqlite":
        late.close()
        pytest.skip("SQLite runs one step at a time: the interleaving cannot happen")
    message = samples.inbound("wamid.a")
    with uow_factory() as uow:
        uow.intake.add(message, at(0))
        uow.commit()
    with late:
        late.intake.state("wamid.none")  # the late step's snapshot begins
        with uow_factory() as early:
            assert early.intake.ready(at(10), 10) == [message]
            early.intake.done(message.key)
            early.commit()
        with pytest.raises(ConcurrencyConflict):
            late.intake.ready(at(10), 10)


def test_intake_rows_keep_what_people_and_queries_need(uow_factory: SqlUow, engine: Engine) -> None:
    message, report = samples.inbound("wamid.a", minute=1), samples.status("wamid.out1", "failed", minute=2)
    with uow_factory() as uow:
        uow.intake.add(message, at(3))
        uow.intake.add(report, at(4))
        uow.commit()
    with uow_factory() as uow:
        uow.intake.done(message.key)
        uow.intake.done(report.key, "KeyError('x')")
        uow.commit()
    with engine.connect() as connection:
        rows = {row.key: row for row in connection.execute(select(t.intake).order_by(t.intake.c.seq))}
    assert list(rows) == ["wamid.a", "status:wamid.out1:failed"]
    stored, status = rows["wamid.a"], rows["status:wamid.out1:failed"]
    assert (stored.kind, stored.sender, stored.at, stored.received_at) == ("message", message.sender, at(1), at(3))
    assert (status.kind, status.sender, status.at, status.received_at) == ("status", report.recipient, at(2), at(4))
    assert stored.seq < status.seq
    assert (stored.error, status.error) == (None, "KeyError('x')")
    assert stored.done_at is not None and status.done_at is not None
    assert codec.arrival_from_dict(stored.payload) == message


# -- leases ------------------------------------------------------------------------------------


def test_a_lease_is_held_extended_and_taken_over(any_uow: AnyUow) -> None:
    with any_uow() as uow:
        assert uow.leases.acquire("courier", "A", 60), "free"
        uow.commit()
    with any_uow() as uow:
        assert not uow.leases.acquire("courier", "B", 60), "A holds it"
        assert uow.leases.acquire("courier", "A", 90), "A extends its own"
        assert uow.leases.acquire("timers", "B", 60), "another job, another lease"
        uow.commit()
    with any_uow() as uow:
        assert not uow.leases.acquire("courier", "B", 60), "still A's: it was extended"
        assert not uow.leases.acquire("timers", "A", 60)
        uow.leases.release("courier", "B")  # not B's to hand over: nothing changes
        uow.commit()
    with any_uow() as uow:
        assert not uow.leases.acquire("courier", "B", 60), "still A's: only its holder hands it over"
        uow.leases.release("courier", "A")
        uow.commit()
    with any_uow() as uow:
        assert uow.leases.acquire("courier", "B", 60), "handed over: free at once"
        uow.commit()
    with any_uow() as uow:
        assert not uow.leases.acquire("courier", "A", 60), "B's now"
        assert uow.leases.acquire("courier", "B", 60)


def test_a_lease_of_no_length_lapses_at_once(any_uow: AnyUow) -> None:
    with any_uow() as uow:
        assert uow.leases.acquire("courier", "A", 0)
        uow.commit()
    with any_uow() as uow:
        assert uow.leases.acquire("courier", "B", 60), "lapsed at its own `until`"


def test_a_rolled_back_lease_was_never_taken(any_uow: AnyUow) -> None:
    with any_uow() as uow:
        assert uow.leases.acquire("courier", "A", 60)
    with any_uow() as uow:
        assert uow.leases.acquire("courier", "B", 60)


def test_the_lease_row_says_who_and_until_when_by_the_database_clock(uow_factory: SqlUow, engine: Engine) -> None:
    before = datetime.now(UTC)  # the tests run beside the database: its clock is this host's
    with uow_factory() as uow:
        assert uow.leases.acquire("courier", "host-1:4242", 60)
        assert not uow.leases.acquire("courier", "host-2:77", 120)
        uow.commit()
    after = datetime.now(UTC)
    with engine.connect() as connection:
        rows = connection.execute(select(t.leases)).all()
    assert [(r.name, r.holder) for r in rows] == [("courier", "host-1:4242")]
    slack = timedelta(seconds=1)
    assert before + timedelta(seconds=60) - slack <= rows[0].until <= after + timedelta(seconds=60) + slack


def test_leases_on_an_engine_without_upsert(uow_factory: SqlUow) -> None:
    """The two-step fallback for other engines, run here on SQLite, gives the same answers."""
    with uow_factory() as uow:
        connection = uow.connection()
        if connection.dialect.name != "sqlite":
            pytest.skip("the fallback is exercised on SQLite; PostgreSQL has its upsert")

        def acquire(holder: str, until: float, now: float) -> bool:
            lease = t.leases.c
            ours_to_take = (lease.until <= at(now)) | (lease.holder == holder)
            return SqlLeases._acquire_in_two_steps(connection, "courier", holder, at(until), ours_to_take)

        assert acquire("A", 1, 0)
        assert not acquire("B", 2, 0.5)
        assert acquire("A", 1.5, 0.5)
        assert acquire("B", 3, 1.5)
        assert insert_new_in_savepoint(connection, t.inbox, {"message_id": "x"})
        assert not insert_new_in_savepoint(connection, t.inbox, {"message_id": "x"})


def test_a_row_written_after_our_snapshot_is_a_lost_race(uow_factory: SqlUow) -> None:
    """PostgreSQL: a lease or arrival stored by a step that began after ours makes ours run again."""
    late = uow_factory()
    if late.connection().dialect.name == "sqlite":
        late.close()
        pytest.skip("SQLite runs one step at a time: the interleaving cannot happen")
    message = samples.inbound("wamid.a")
    with late:
        late.intake.state("wamid.none")  # the late step's snapshot begins (a plain read, no claim)
        with uow_factory() as early:
            assert early.leases.acquire("courier", "early", 60)
            assert early.intake.add(message, at(0))
            early.commit()
        with pytest.raises(ConcurrencyConflict):
            late.leases.acquire("courier", "late", 60)
    with late:
        late.intake.state("wamid.none")
        with uow_factory() as early:
            early.intake.done(message.key)
            early.commit()
        with pytest.raises(ConcurrencyConflict):
            late.intake.done(message.key)
    with late:
        late.intake.state("wamid.none")
        with uow_factory() as early:
            assert early.intake.add(samples.inbound("wamid.b"), at(0))
            early.commit()
        with pytest.raises(ConcurrencyConflict):
            late.intake.add(samples.inbound("wamid.b"), at(0))
    with uow_factory() as again:  # run again, each answers from what is stored
        assert not again.leases.acquire("courier", "late", 60)
        assert not again.intake.add(message, at(0))


@pytest.mark.slow
def test_racing_processes_get_one_lease_each_exactly_once(database_url: str) -> None:
    """Four processes ask for the same leases at the same moment: each lease has one winner."""
    names = ("courier", "timers", "sweeper", "reports")
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(4)
    report = spawn.Queue()
    races = [Race(database_url, f"worker-{n}", names) for n in range(4)]
    racers = [spawn.Process(target=race_for_leases, args=(race, start, report)) for race in races]
    for process in racers:
        process.start()
    for process in racers:
        process.join(timeout=60)
        assert process.exitcode == 0, f"a racer failed (exit code {process.exitcode}); its traceback is above"
    won = dict(report.get(timeout=5) for _ in racers)
    winners = sorted(name for names_won in won.values() for name in names_won)
    assert winners == sorted(names), won
    engine = connect(database_url)
    try:
        with engine.connect() as connection:
            stored = {row.name: row.holder for row in connection.execute(select(t.leases))}
    finally:
        engine.dispose()
    assert stored == {name: holder for holder, names_won in won.items() for name in names_won}


# -- outbox ------------------------------------------------------------------------------------


def message(number: int, to: str, delivery: Delivery, **changes: object) -> Outgoing:
    values: dict[str, object] = {
        "id": f"out-{number}",
        "to": to,
        "audience": Audience.AGENT,
        "body": TextBody(f"💬 *Maria* #K7Q2\nmensagem {number}"),
        "created_at": at(number),
        "delivery": delivery,
    }
    values.update(changes)
    return Outgoing(**values)  # type: ignore[arg-type]


def every_field(number: int, to: str = AGENT) -> Outgoing:
    """A held message with every field away from its default."""
    return message(
        number,
        to,
        Delivery.HELD,
        conversation="K7Q2",
        origin_id=f"wamid.origin{number}",
        reply_to=f"wamid.quoted{number}",
        provider_id=f"wamid.old{number}",
        attempts=3,
        error="(#131047) Re-engagement message",
        error_code=131047,
        not_before=at(number + 0.25),
        coalesce_key="💬 *Maria* #K7Q2",
        held_at=at(number + 0.5),
    )


def test_held_messages_wait_per_recipient_in_order(any_uow: AnyUow) -> None:
    written = [
        every_field(1),
        message(2, AGENT, Delivery.PENDING),
        every_field(3, OTHER_AGENT),
        message(4, AGENT, Delivery.HELD),
        message(5, AGENT, Delivery.SENT, provider_id="wamid.out5"),
    ]
    assert_every_field_set(written[0])
    with any_uow() as uow:
        uow.agents.add(samples.agent())
        uow.conversations.add(samples.conversation())
        for outgoing in written:
            uow.outbox.add(outgoing)
        uow.commit()
    with any_uow() as uow:
        held = list(uow.outbox.held_for(AGENT))
        assert held == [written[0], written[3]]
        assert in_utc(uow, held[0].not_before)
        assert uow.outbox.held_for(OTHER_AGENT) == [written[2]]
        assert uow.outbox.held_for("5500000000000") == []
        assert [m.id for m in uow.outbox.pending(10)] == ["out-2"]
        for released in held:  # the agent wrote: their window is open again
            released.delivery = Delivery.PENDING
            released.not_before = None
            uow.outbox.save(released)
        uow.commit()
    with any_uow() as uow:
        assert uow.outbox.held_for(AGENT) == []
        pending = list(uow.outbox.pending(10))
        assert [m.id for m in pending] == ["out-1", "out-2", "out-4"], "oldest first, as added"
        assert pending[0].not_before is None and pending[0].error_code == 131047


def test_pending_leaves_out_the_recipients_the_courier_cannot_send_to_now(any_uow: AnyUow) -> None:
    """A busy agent's backlog must not fill the page and hold up everyone else's messages."""
    with any_uow() as uow:
        uow.agents.add(samples.agent())
        uow.conversations.add(samples.conversation())
        for number in range(1, 5):
            uow.outbox.add(message(number, AGENT, Delivery.PENDING))
        uow.outbox.add(message(5, OTHER_AGENT, Delivery.PENDING))
        uow.commit()
    with any_uow() as uow:
        assert [m.id for m in uow.outbox.pending(2)] == ["out-1", "out-2"]
        assert [m.id for m in uow.outbox.pending(2, skip={AGENT})] == ["out-5"]
        assert uow.outbox.pending(2, skip=[AGENT, OTHER_AGENT]) == []


def test_statuses_and_retry_state_are_saved(any_uow: AnyUow) -> None:
    with any_uow() as uow:
        for number in (1, 2, 3):
            uow.outbox.add(message(number, AGENT, Delivery.SENT, provider_id=f"wamid.out{number}"))
        uow.outbox.add(message(4, AGENT, Delivery.PENDING, coalesce_key="💬 *Maria* #K7Q2"))
        uow.commit()
    with any_uow() as uow:
        delivered, read, failed = (uow.outbox.by_provider_id(f"wamid.out{n}") for n in (1, 2, 3))
        retried = uow.outbox.pending(1)[0]
        assert delivered is not None and read is not None and failed is not None
        delivered.delivery = Delivery.DELIVERED
        read.delivery = Delivery.READ
        failed.delivery, failed.error_code, failed.error = Delivery.FAILED, 131026, "Undeliverable"
        retried.attempts, retried.error_code, retried.not_before = 1, 131056, at(9)
        retried.error = "(#131056) pair rate limit"
        for changed in (delivered, read, failed, retried):
            uow.outbox.save(changed)
        uow.commit()
    with any_uow() as uow:
        assert uow.outbox.by_provider_id("wamid.out1") == delivered
        assert uow.outbox.by_provider_id("wamid.out2") == read
        assert uow.outbox.by_provider_id("wamid.out3") == failed
        assert uow.outbox.pending(10) == [retried], "pending whatever its not_before"
        assert retried.coalesce_key == "💬 *Maria* #K7Q2"


# -- indexes (SQLite: the plan names the index) ------------------------------------------------


def plans(engine: Engine, use_case: Callable[[SqlUnitOfWork], object]) -> list[str]:
    """SQLite's plan for each statement the use case ran, as it ran them (same SQL, same values)."""
    ran: list[tuple[str, object]] = []

    def record(_conn: object, _cursor: object, statement: str, parameters: object, *_: object) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "DELETE")):
            ran.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with SqlUnitOfWork(engine) as uow:
            use_case(uow)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as connection:
        return [
            " | ".join(str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all())  # type: ignore[arg-type]
            for sql, params in ran
        ]


def test_the_new_queries_use_their_indexes(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's planner prefers a scan on tables this small")
    [ready] = plans(engine, lambda uow: uow.intake.ready(at(5), 10))
    assert "ix_intake_ready" in ready
    assert "TEMP B-TREE" not in ready, "the index gives the order"
    [held] = plans(engine, lambda uow: uow.outbox.held_for(AGENT))
    assert "ix_outbox_held" in held
    assert "TEMP B-TREE" not in held
    pruning = plans(engine, lambda uow: uow.retention.prune_intake(at(5), 10))
    assert any("ix_intake_done_at" in step for step in pruning), pruning
    pruning = plans(engine, lambda uow: uow.retention.prune_inbox(at(5), 10))
    assert any("ix_inbox_recorded_at" in step for step in pruning), pruning
    pruning = plans(engine, lambda uow: uow.retention.prune_outbox(at(5), 10))
    assert any("ix_outbox_taken_at (delivery=? AND created_at<?)" in step for step in pruning), pruning


# -- codec -------------------------------------------------------------------------------------


def test_arrivals_and_templates_survive_json() -> None:
    for arrival in samples.ARRIVALS:
        stored = json.loads(json.dumps(codec.arrival_to_dict(arrival)))
        assert codec.arrival_from_dict(stored) == arrival
    template = samples.BODIES[-1]
    assert isinstance(template, TemplateBody)
    assert codec.body_from_dict(json.loads(json.dumps(codec.body_to_dict(template)))) == template
    plain = Inbound("wamid.x", AGENT, "", at(0), Text("oi"))  # defaults round-trip too
    assert codec.arrival_from_dict(codec.arrival_to_dict(plain)) == plain
    bare = StatusReport("wamid.y", "sent", at(0))
    assert codec.arrival_from_dict(codec.arrival_to_dict(bare)) == bare


def test_a_failed_status_stored_before_kinds_existed_is_read_by_its_code() -> None:
    """Rows written by an earlier atende carry only WhatsApp's (code, detail): the adapter reads its meaning."""
    legacy = {
        "kind": "status",
        "provider_id": "wamid.z",
        "status": "failed",
        "at": at(0).isoformat(),
        "recipient": AGENT,
        "errors": [[131047, "Re-engagement message"], [131026, "Undeliverable"]],
    }
    report = codec.arrival_from_dict(legacy)
    assert isinstance(report, StatusReport)
    assert (report.failure, report.code, report.detail) == (Failure.WINDOW_CLOSED, 131047, "Re-engagement message")


def test_stored_tags_are_pinned() -> None:
    """Tags are on disk: renaming one would strand every stored row."""
    assert codec.arrival_to_dict(samples.inbound())["kind"] == "message"
    assert codec.arrival_to_dict(samples.status())["kind"] == "status"
    assert codec.body_to_dict(TemplateBody("t", "pt_BR"))["kind"] == "template"
    with pytest.raises(codec.CodecError, match="unknown arrival kind"):
        codec.arrival_from_dict({"kind": "reaction"})


def test_two_workers_linking_one_bsuid_to_two_contacts_conflict(uow_factory: SqlUow) -> None:
    """An update that would make one BSUID name two people is a lost race: the step runs again."""
    with uow_factory() as uow:
        uow.contacts.add(Contact(AGENT, phone=AGENT))
        uow.contacts.add(Contact(OTHER_AGENT, phone=OTHER_AGENT, user_id="BR.taken"))
        uow.commit()
    with uow_factory() as uow:
        contact = uow.contacts.get(AGENT)
        assert contact is not None
        contact.link("", "BR.taken")
        with pytest.raises(ConcurrencyConflict):
            uow.commit()
