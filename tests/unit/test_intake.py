"""The intake (docs/design.md §7, docs/whatsapp.md §i 1–3): what a webhook carried is stored before
the 200, once per key, then handled after a short reorder window in the order it happened; one
arrival that cannot be handled is set aside with its error instead of blocking the rest.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import partial

import pytest

from atende.application import intake
from atende.application.arrivals import Arrival, Inbound, StatusReport
from atende.application.outbound import Delivery, ReadReceipt
from atende.application.ports import StorageUnavailable
from atende.application.use_cases import Atende
from atende.domain.content import Text
from tests.fakes import FakeInbox, FakeUnitOfWork, RecordingTelemetry, Store
from tests.unit.people import Agent, Customer
from tests.unit.scenes import serving
from tests.world import JOAO, MARIA, World


def from_maria(world: World, message_id: str, text: str, at: datetime | None = None) -> Inbound:
    return Inbound(message_id, MARIA, "Maria Silva", at or world.clock.now(), Text(text))


def waiting(world: World) -> list[str]:
    return [key for key, (_, _, outcome) in world.store.intake.items() if outcome is None]


def outcomes(world: World) -> dict[str, str | None]:
    return {key: outcome for key, (_, _, outcome) in world.store.intake.items()}


def process(world: World) -> int:
    handled = world.atende.process_intake()
    world.flush()
    return handled


# --- accept: stored once per key ----------------------------------------------------------------


def test_a_redelivered_message_stores_nothing_new(world: World) -> None:
    first = from_maria(world, "wamid.A", "oi")

    assert world.atende.accept([first]) == 1
    assert world.atende.accept([first]) == 0
    assert world.atende.accept([from_maria(world, "wamid.A", "oi"), from_maria(world, "wamid.B", "olá")]) == 1

    assert sorted(world.store.intake) == ["wamid.A", "wamid.B"]
    assert world.gateway.sent == []  # nothing is handled while accepting


def test_statuses_are_stored_once_per_message_and_status(world: World) -> None:
    now = world.clock.now()
    sent = StatusReport("wamid.out1", "sent", now, MARIA)
    delivered = StatusReport("wamid.out1", "delivered", now, MARIA)
    other = StatusReport("wamid.out2", "sent", now, MARIA)

    stored = world.atende.accept([sent, delivered, sent, other])
    again = world.atende.accept([delivered])

    assert (stored, again) == (3, 0)
    assert sorted(world.store.intake) == [
        "status:wamid.out1:delivered",
        "status:wamid.out1:sent",
        "status:wamid.out2:sent",
    ]


def test_a_message_redelivered_after_it_was_handled_is_not_handled_again(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    message = from_maria(world, "wamid.A", "Preciso do boleto")
    world.atende.accept([message])
    world.clock.advance(1)
    process(world)
    assert ana.reads() == [f"💬 *Maria* {maria.tag}\nPreciso do boleto"]

    assert world.atende.accept([message]) == 0  # Meta retries for days
    world.store.intake.clear()  # and handled intake rows may be pruned by then: the inbox still knows
    assert world.atende.accept([message]) == 1
    world.clock.advance(1)
    process(world)

    assert ana.reads() == []
    assert [m.id for m in world.store.messages].count("wamid.A") == 1


# --- process: after the reorder window, in the order it happened -------------------------------


def test_nothing_is_handled_before_the_reorder_window_has_passed(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    world.atende.accept([from_maria(world, "wamid.A", "oi")])

    world.clock.advance(world.settings.reorder_window_seconds / 2)
    assert process(world) == 0
    assert ana.reads() == []
    assert waiting(world) == ["wamid.A"]

    world.clock.advance(world.settings.reorder_window_seconds / 2)
    assert process(world) == 1
    assert ana.reads() == [f"💬 *Maria* {maria.tag}\noi"]
    assert waiting(world) == []
    assert process(world) == 0


def test_one_senders_messages_are_handled_in_their_own_order_even_when_delivered_out_of_it(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    start = world.clock.now()
    first = from_maria(world, "wamid.A", "primeiro", start + timedelta(seconds=1))
    second = from_maria(world, "wamid.B", "segundo", start + timedelta(seconds=2))
    third = from_maria(world, "wamid.C", "terceiro", start + timedelta(seconds=3))
    world.clock.advance(3)

    world.atende.accept([third, second])  # Meta delivers concurrently, out of order
    world.clock.advance(0.5)
    world.atende.accept([first])
    world.clock.advance(world.settings.reorder_window_seconds)
    process(world)

    assert ana.reads() == [f"💬 *Maria* {maria.tag}\nprimeiro\nsegundo\nterceiro"]
    transcript = [m.id for m in world.store.messages if m.conversation == maria.code]
    assert transcript[-3:] == ["wamid.A", "wamid.B", "wamid.C"]


def test_a_status_waits_in_the_intake_like_a_message(world: World, ana: Agent, maria: Customer) -> None:
    serving(ana, maria)
    original = maria.says("Preciso do boleto")
    relayed = world.provider_id_of(ana.wa_id, "Preciso do boleto")
    maria.reads()
    read = StatusReport(relayed, "read", world.clock.now(), ana.wa_id)

    world.atende.accept([read, read])
    world.clock.advance(1)
    process(world)

    assert [m.delivery for m in world.store.outbox if m.provider_id == relayed] == [Delivery.READ]
    assert [m.body for m in maria.received()[-1:]] == [ReadReceipt(original)]
    assert len(maria.reads()) == 1


# --- a poisoned arrival is set aside -----------------------------------------------------------


class InboxThatChokesOn(FakeInbox):
    def __init__(self, store: Store, poison: str) -> None:
        super().__init__(store)
        self.poison = poison

    def first_time(self, message_id: str) -> bool:
        if message_id == self.poison:
            raise ValueError(f"cannot read {message_id}")
        return super().first_time(message_id)


class UnitOfWorkThatChokesOn(FakeUnitOfWork):
    """The fake database, failing on one message as a corrupt row or a bug in a use case would."""

    def __init__(self, store: Store, poison: str) -> None:
        self.poison = poison
        super().__init__(store)
        self.inbox = InboxThatChokesOn(store, poison)

    def _reset(self) -> None:
        super()._reset()
        self.inbox = InboxThatChokesOn(self.store, self.poison)


def test_a_poisoned_arrival_is_tried_again_then_set_aside_and_its_sender_goes_on(
    world: World, ana: Agent, maria: Customer
) -> None:
    """Maria's second message fails every time. It is retried with backoff while her third waits
    behind it (her conversation stays in order); João is not held up at all. After
    `intake_attempts` failures it is set aside with the reason, and her third goes through."""
    serving(ana, maria)
    world.atende.uow_factory = lambda: UnitOfWorkThatChokesOn(world.store, "wamid.B")
    start = world.clock.now()
    arrivals: list[Arrival] = [
        from_maria(world, key, text, start + timedelta(seconds=n))
        for n, (key, text) in enumerate([("wamid.A", "um"), ("wamid.B", "dois"), ("wamid.C", "três")], 1)
    ]
    arrivals.append(Inbound("wamid.J", JOAO, "João Souza", start + timedelta(seconds=2), Text("boa tarde")))
    world.clock.advance(3)
    world.atende.accept(arrivals)
    world.clock.advance(1)

    assert process(world) == 3  # A and João's handled, B failed; C waits behind B
    assert ana.reads() == [f"💬 *Maria* {maria.tag}\num"]
    assert len(world.new(JOAO)) == 1, "João is greeted: another sender is not held up"
    assert outcomes(world) == {"wamid.A": "", "wamid.B": None, "wamid.C": None, "wamid.J": ""}

    attempts = world.settings.intake_attempts
    for attempt in range(1, attempts):
        pause = intake.FIRST_RETRY_SECONDS * 2 ** (attempt - 1)
        world.clock.advance(pause - 0.5)
        assert process(world) == 0, "not before its pause has passed"
        world.clock.advance(0.5)
        if attempt < attempts - 1:
            assert process(world) == 1
            assert ana.reads() == [] and waiting(world) == ["wamid.B", "wamid.C"]
    assert process(world) == 2, "the last attempt fails: B is set aside, C goes through"

    reason = outcomes(world)["wamid.B"]
    assert reason == f"ValueError: cannot read wamid.B (failed {attempts} times)"
    assert ana.reads() == [f"💬 *Maria* {maria.tag}\ntrês"]
    assert waiting(world) == []
    world.clock.advance(3600)
    assert process(world) == 0  # set aside for good: never handed out again by itself


def test_storages_trouble_leaves_every_arrival_pending_and_counts_no_attempt(
    world: World, ana: Agent, maria: Customer
) -> None:
    serving(ana, maria)
    world.atende.accept([from_maria(world, "wamid.A", "um"), from_maria(world, "wamid.B", "dois")])
    world.clock.advance(2)
    world.store.broken["inbox.first_time"] = StorageUnavailable("database is locked")

    for _ in range(world.settings.intake_attempts + 1):
        with pytest.raises(StorageUnavailable):
            process(world)

    assert waiting(world) == ["wamid.A", "wamid.B"]
    assert world.store.intake_tries == {}, "no attempt counted: nothing was wrong with the arrivals"
    del world.store.broken["inbox.first_time"]
    assert process(world) == 2
    assert ana.reads() == [f"💬 *Maria* {maria.tag}\num\ndois"]
    assert outcomes(world) == {"wamid.A": "", "wamid.B": ""}


def test_a_batch_undone_by_a_poisoned_arrival_is_handled_again_without_it(
    world: World, ana: Agent, maria: Customer
) -> None:
    """The arrivals handled before the poisoned one in its batch are rolled back with it, then
    handled again, once: nothing of theirs is lost or doubled."""
    serving(ana, maria)
    world.atende.uow_factory = lambda: UnitOfWorkThatChokesOn(world.store, "wamid.P")
    start = world.clock.now()
    arrivals: list[Arrival] = [from_maria(world, f"wamid.{n}", f"m{n}", start + timedelta(seconds=n)) for n in range(5)]
    arrivals.append(Inbound("wamid.P", JOAO, "João Souza", start + timedelta(seconds=2.5), Text("oi")))
    world.clock.advance(6)
    world.atende.accept(arrivals)
    world.clock.advance(1)

    assert process(world) == 6

    assert ana.reads() == [f"💬 *Maria* {maria.tag}\nm0\nm1\nm2\nm3\nm4"]
    transcript = [m.id for m in world.store.messages if m.conversation == maria.code]
    assert transcript[-5:] == [f"wamid.{n}" for n in range(5)]
    assert waiting(world) == ["wamid.P"]


# --- two workers took the same arrival ---------------------------------------------------------


def test_an_arrival_two_workers_took_is_handled_and_counted_once(world: World, maria: Customer) -> None:
    """Both intake loops read the same ready arrival; the one that marks it second does nothing."""
    telemetry = RecordingTelemetry()
    other = Atende(world.settings, world.uow_factory, world.clock, random.Random(1), telemetry=telemetry)
    world.atende.telemetry = telemetry
    report = StatusReport("wamid.out1", "read", world.clock.now(), MARIA)
    world.atende.accept([from_maria(world, "wamid.A", "oi"), report])
    world.clock.advance(2)
    taken = world.atende.run(lambda session: intake.ready(session, 10))

    handled_here = [world.atende.run(partial(intake.handle_stored, arrival=a)) for a in taken]
    handled_there = [other.run(partial(intake.handle_stored, arrival=a)) for a in taken]
    world.flush()

    assert (handled_here, handled_there) == ([True, True], [False, False])
    assert len(maria.reads()) == 1, "one greeting, not two"
    assert world.atende.process_intake() == 0
    assert telemetry.seen == []  # counted by process_intake only, which found nothing left


def test_process_intake_counts_what_it_handled_by_kind(world: World, ana: Agent, maria: Customer) -> None:
    telemetry = RecordingTelemetry()
    world.atende.telemetry = telemetry
    world.atende.accept(
        [
            from_maria(world, "wamid.A", "oi"),
            Inbound("wamid.B", ana.wa_id, "Ana", world.clock.now(), Text("/entrar")),
            StatusReport("wamid.out1", "read", world.clock.now(), MARIA),
        ]
    )
    world.clock.advance(2)
    assert process(world) == 3
    assert sorted(telemetry.seen) == [("handled", "agent"), ("handled", "customer"), ("handled", "status")]
