"""The courier's claims per recipient, on a real database (SQLite, or PostgreSQL when configured).

Several couriers share the outbox by recipient: a lane (recipient) is one courier's at a time,
its pacing state is stored with it, and a crash between a send and its record repeats at most
the one send per recipient that was in flight (ADR 0015).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from atende.adapters.clock import ManualClock
from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.application.courier import Courier, Pacing
from atende.application.outbound import Audience, Delivery, Outgoing, TextBody
from atende.application.session import Session
from atende.application.use_cases import Atende
from tests.fakes import FakeGateway
from tests.world import MONDAY_MORNING, settings

RECIPIENTS = [f"55119000100{n:02d}" for n in range(6)]


def fill(atende: Atende, per_recipient: int) -> None:
    """Customer-bound texts (never coalesced), `r<k>-m<n>`, written in one interleaved stream."""

    def write(session: Session) -> None:
        for n in range(per_recipient):
            for k, to in enumerate(RECIPIENTS):
                text = f"r{k}-m{n}"
                session.uow.outbox.add(Outgoing(text, to, Audience.CUSTOMER, TextBody(text), session.now))

    atende.run(write)


def system(uow_factory: Callable[[], SqlUnitOfWork]) -> tuple[Atende, ManualClock]:
    clock = ManualClock(MONDAY_MORNING)
    return Atende(settings(), uow_factory, clock), clock


def texts(gateway: FakeGateway, to: str) -> list[str]:
    return [m.body.text for m in gateway.to(to) if isinstance(m.body, TextBody)]


def test_a_lane_is_one_couriers_until_released(uow_factory: Callable[[], SqlUnitOfWork]) -> None:
    atende, clock = system(uow_factory)
    fill(atende, 2)
    now = clock.now()

    with uow_factory() as uow:
        first = uow.outbox.claim("A", now, lanes=4, per_lane=10, seconds=60)
        uow.commit()
    with uow_factory() as uow:
        second = uow.outbox.claim("B", now, lanes=10, per_lane=1, seconds=60)
        uow.commit()
    with uow_factory() as uow:
        assert uow.outbox.claim("C", now, lanes=10, per_lane=10, seconds=60) == []

    assert [lane.recipient for lane in first] == RECIPIENTS[:4]  # oldest first
    assert [lane.recipient for lane in second] == RECIPIENTS[4:]
    assert [m.id for m in first[0].messages] == ["r0-m0", "r0-m1"]
    assert [m.id for m in second[0].messages] == ["r4-m0"]  # per_lane: never the whole backlog

    with uow_factory() as uow:
        uow.outbox.release("B", RECIPIENTS[0], None, None)  # not B's: nothing happens
        uow.outbox.release("A", RECIPIENTS[1], None, now + timedelta(seconds=6))
        uow.commit()
    with uow_factory() as uow:
        assert uow.outbox.claim("C", now, lanes=10, per_lane=1, seconds=60) == []
    with uow_factory() as uow:
        (lane,) = uow.outbox.claim("C", now + timedelta(seconds=6), lanes=10, per_lane=1, seconds=60)
        uow.commit()
    assert lane.recipient == RECIPIENTS[1]


def test_two_couriers_share_the_outbox_and_each_recipient_gets_everything_once_in_order(
    uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    atende, _ = system(uow_factory)
    fill(atende, 5)
    gateway = FakeGateway()
    couriers = [Courier(atende.run, gateway, atende.clock, Pacing(burst=math.inf), holder=h) for h in "AB"]

    rounds = 0
    while any([courier.deliver(limit=2) for courier in couriers]):  # noqa: C419 - every courier, each round
        rounds += 1

    assert rounds > 1 and all(courier.sent > 0 for courier in couriers)
    for k, to in enumerate(RECIPIENTS):
        assert texts(gateway, to) == [f"r{k}-m{n}" for n in range(5)]
    with uow_factory() as uow:
        assert uow.outbox.pending(100) == []


def test_the_pair_limit_holds_whichever_courier_sends(uow_factory: Callable[[], SqlUnitOfWork]) -> None:
    """Pacing lives with the lane: a second courier (another process) does not start a fresh burst."""
    atende, clock = system(uow_factory)
    fill(atende, 3)
    gateway = FakeGateway()
    pacing = Pacing(burst=2, interval=6)
    first, second = (Courier(atende.run, gateway, clock, pacing, holder=h) for h in "AB")

    first.deliver()
    second.deliver()
    assert texts(gateway, RECIPIENTS[0]) == ["r0-m0", "r0-m1"]  # the burst, then the lane is paced

    clock.advance(5)
    assert second.deliver() == 0
    clock.advance(1)
    assert second.deliver() == len(RECIPIENTS)
    assert texts(gateway, RECIPIENTS[0]) == ["r0-m0", "r0-m1", "r0-m2"]


class DatabaseGone(Exception):
    pass


def test_a_crash_between_sends_and_their_record_repeats_at_most_one_send_per_recipient(
    uow_factory: Callable[[], SqlUnitOfWork],
) -> None:
    """The courier dies after WhatsApp took its sends, before any was recorded (the database went
    away, then the process): its claims lapse, another courier sends again what was in flight —
    one message per recipient, never more, since a lane sends its next only once the last is recorded."""
    atende, clock = system(uow_factory)
    fill(atende, 4)
    gateway = FakeGateway()
    calls = 0

    def dies_after_claiming(use_case: Callable[[Session], object]) -> object:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise DatabaseGone("the record never lands")
        return atende.run(use_case)

    doomed = Courier(
        dies_after_claiming, gateway, clock, Pacing(burst=math.inf), holder="doomed", claim_seconds=1, record_retries=()
    )
    try:
        doomed.deliver()
    except DatabaseGone:
        pass
    else:
        raise AssertionError("the doomed courier's pass should have failed")
    in_flight = len(gateway.sent)
    assert in_flight == len(RECIPIENTS)  # one per lane, each waiting for its record

    survivor = Courier(atende.run, gateway, clock, Pacing(burst=math.inf), holder="survivor")
    assert survivor.deliver() == 0, "the dead courier's claims still hold"
    clock.advance(1)
    deadline = time.monotonic() + 5  # PostgreSQL times claims by its own clock: real time must pass
    while not survivor.deliver():
        assert time.monotonic() < deadline, "the dead courier's claims never lapsed"
        time.sleep(0.05)
    while survivor.deliver():
        pass

    for k, to in enumerate(RECIPIENTS):
        received = texts(gateway, to)
        assert received == [f"r{k}-m0", f"r{k}-m0", f"r{k}-m1", f"r{k}-m2", f"r{k}-m3"]
    repeated = Counter(m.id for m in gateway.sent)
    assert sorted(n for n in repeated.values() if n > 1) == [2] * len(RECIPIENTS)
    with uow_factory() as uow:
        assert all(m.delivery is not Delivery.PENDING for m in uow.outbox.held_for(RECIPIENTS[0]))
        assert uow.outbox.pending(100) == []


def test_a_courier_that_may_have_lost_its_claim_sends_nothing_more(uow_factory: Callable[[], SqlUnitOfWork]) -> None:
    """A courier stalled past two thirds of its claim stops before anyone else may take the lane."""
    atende, clock = system(uow_factory)
    fill(atende, 1)
    gateway = FakeGateway()
    stalled = Courier(atende.run, gateway, clock, Pacing(burst=math.inf), holder="stalled", claim_seconds=0)

    assert stalled.deliver() == 0
    assert gateway.sent == []
    fresh = Courier(atende.run, gateway, clock, Pacing(burst=math.inf), holder="fresh")
    assert fresh.deliver() == len(RECIPIENTS)  # released at once: nothing waits for a lapse
