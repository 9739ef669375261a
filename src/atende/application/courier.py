"""The courier: sends the outbox in order per recipient, paced, coalesced, retried with backoff.

Work is shared by recipient: a pass claims the lanes (recipients) that may be sent to now, and
whoever holds a lane's claim alone sends to that person, so several processes — and within one,
many sends at once — share the outbox while each person's messages stay in order. Pacing state
lives with the lane in storage, not in a process. Outcomes are recorded in batches (group
commit), and a lane sends its next message only once its previous outcome is committed: a crash
repeats at most the one send per recipient that WhatsApp accepted in the instant before atende
could record it (docs/design.md §7, ADR 0015).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol, TypeVar

from .failures import Failure, SendError
from .outbound import Audience, Delivery, Lane, Outgoing, TextBody
from .pages import TEXT_LIMIT
from .ports import AsyncWhatsAppGateway, Clock, WhatsAppGateway
from .session import Session
from .statuses import fail
from .telemetry import NoTelemetry, Telemetry

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
"""Retryable failures in a row before a message is given up on and reported."""

CLAIM_SECONDS = 60.0
"""How long a lane stays a courier's: far longer than a pass, short enough to recover from a crash."""

PER_LANE = 50
"""Pending messages loaded per claimed lane (enough to coalesce a customer's burst)."""

CONCURRENCY = 32
"""Sends in flight at once in one courier (one per lane at most)."""

RECORD_RETRIES = (0.05, 0.25, 1.0)
"""Pauses before recording a batch of outcomes again after a database failure."""

T = TypeVar("T")


class Step(Protocol):
    """Runs a function as one atomic use case and returns its result (`Atende.run`)."""

    def __call__(self, use_case: Callable[[Session], T], /) -> T: ...


@dataclass(frozen=True)
class Pacing:
    """WhatsApp's pair limit per recipient: a burst, then one message per `interval` seconds.

    A token bucket kept as one instant (GCRA): `paced_until` is when the next send would be due
    were sends spread evenly; a send is allowed while that is at most `burst - 1` intervals ahead.
    The instant is stored with the lane, so whichever courier claims it next paces alike.
    """

    burst: float = 10
    interval: float = 6.0

    @property
    def unpaced(self) -> bool:
        return self.burst == float("inf")

    def allows(self, paced_until: datetime | None, now: datetime) -> bool:
        if self.unpaced or paced_until is None:
            return True
        return (paced_until - now).total_seconds() <= self._tolerance + 1e-6

    def spent(self, paced_until: datetime | None, now: datetime) -> datetime | None:
        """The state after one send at `now` (unpaced keeps none)."""
        if self.unpaced:
            return paced_until
        return max(paced_until or now, now) + timedelta(seconds=self.interval)

    def ready_at(self, paced_until: datetime | None) -> datetime | None:
        """When the next send is allowed (None: now)."""
        if self.unpaced or paced_until is None:
            return None
        return paced_until - timedelta(seconds=self._tolerance)

    @property
    def _tolerance(self) -> float:
        return max(0.0, self.burst - 1) * self.interval


def backoff(attempts: int, error: SendError) -> timedelta:
    """How long before trying again: never sooner than the provider asked (`retry_after`);
    4ˣ seconds after a rate limit, as Meta recommends; doubling (capped) for anything else."""
    pause = min(4**attempts, 900) if error.failure is Failure.RATE_LIMITED else min(2**attempts, 300)
    return timedelta(seconds=max(pause, error.retry_after or 0))


@dataclass
class _Sent:
    carrier: Outgoing
    folded: list[Outgoing]
    attempts: int
    provider_id: str


@dataclass
class _Failed:
    carrier: Outgoing
    folded: list[Outgoing]
    attempts: int
    error: SendError
    at: datetime
    """When the send was tried: the backoff counts from then, not from when it was recorded."""


@dataclass(frozen=True)
class _Release:
    holder: str
    recipient: str
    paced_until: datetime | None
    ready_at: datetime | None


Outcome = _Sent | _Failed | _Release


class _Inline(AsyncWhatsAppGateway):
    """A blocking gateway called in turn (tests, the simulator's capturing gateway): deterministic."""

    def __init__(self, gateway: WhatsAppGateway) -> None:
        self.gateway = gateway

    async def send(self, message: Outgoing) -> str:
        return self.gateway.send(message)


class Courier:
    """Claims lanes, sends to each in order (many lanes at once), records outcomes in batches.

    `deliver` is synchronous, for loops that run it in a thread: the sends of a pass run in the
    courier's own event loop, where an async gateway keeps its connection pool between passes.
    """

    def __init__(
        self,
        step: Step,
        gateway: WhatsAppGateway | AsyncWhatsAppGateway,
        clock: Clock,
        pacing: Pacing | None = None,
        telemetry: Telemetry | None = None,
        *,
        holder: str | None = None,
        concurrency: int = CONCURRENCY,
        claim_seconds: float = CLAIM_SECONDS,
        record_retries: tuple[float, ...] = RECORD_RETRIES,
    ) -> None:
        self.step = step
        self.gateway: AsyncWhatsAppGateway = _Inline(gateway) if isinstance(gateway, WhatsAppGateway) else gateway
        self.clock = clock
        self.pacing = pacing or Pacing()
        self.telemetry = telemetry or NoTelemetry()
        self.holder = holder or f"courier:{uuid.uuid4().hex[:12]}"
        self.concurrency = concurrency
        self.claim_seconds = claim_seconds
        self.record_retries = record_retries
        self._runner: asyncio.Runner | None = None
        self.sent = 0
        """Messages this courier saw WhatsApp take (folded ones included), for tests and logs."""

    def deliver(self, limit: int = 200) -> int:
        """One pass over up to `limit` lanes; returns how many messages left the outbox (sent or given up).

        Recipients who cannot be sent anything now (paced, or backing off) are not claimed: their
        backlog never fills the pass and holds up everyone else's messages.
        """
        if isinstance(self.gateway, _Inline):
            # A blocking gateway keeps nothing between passes: a loop of the pass's own, closed after.
            with asyncio.Runner() as runner:
                return runner.run(self.pass_(limit))
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(self.pass_(limit))

    def close(self) -> None:
        """Close the gateway's connections and the courier's event loop (safe to call twice)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            try:
                runner.run(self.gateway.aclose())
            finally:
                runner.close()

    async def pass_(self, limit: int = 200) -> int:
        """One pass, in the running event loop (the database steps go to threads)."""
        claimed_at = time.monotonic()
        lanes, addresses = await self._db(lambda session: _claim(session, self.holder, limit, self.claim_seconds))
        if not lanes:
            return 0
        # A lane is worked on only while its claim surely lasts: a courier that stalls stops sending
        # before anyone else may take the lane over.
        deadline = claimed_at + self.claim_seconds * 2 / 3
        sending = asyncio.Semaphore(self.concurrency)
        async with _Recorder(self) as recorder:
            results = await asyncio.gather(
                *(self._work(lane, addresses.get(lane.recipient), recorder, sending, deadline) for lane in lanes),
                return_exceptions=True,  # every lane finishes (and is released) before the pass ends
            )
        done = 0
        for result in results:
            if isinstance(result, BaseException):
                raise result
            done += result
        return done

    async def _work(
        self,
        lane: Lane,
        address: str | None,
        recorder: _Recorder,
        sending: asyncio.Semaphore,
        deadline: float,
    ) -> int:
        """Send to one recipient, in order, one message in flight, until nothing more may go now."""
        messages = lane.messages
        paced_until = lane.paced_until
        backing_off: datetime | None = None
        done = 0
        try:
            while messages and time.monotonic() < deadline:
                head = messages[0]
                now = self.clock.now()
                if head.not_before is not None and head.not_before > now:
                    backing_off = head.not_before
                    break  # backing off: nothing after it may overtake it
                if not self.pacing.allows(paced_until, now):
                    break  # later messages wait here and will be coalesced
                group = _coalescible(messages)
                messages = [m for m in messages if all(m is not g for g in group)]
                paced_until = self.pacing.spent(paced_until, now)
                carrier, folded = _fold(group)
                attempts = carrier.attempts + 1
                async with sending:
                    outcome = await self._send(carrier, address, folded, attempts)
                await recorder.record(outcome)
                if isinstance(outcome, _Failed):
                    if carrier.delivery is Delivery.PENDING:
                        backing_off = carrier.not_before
                    break
                done += len(group)
        finally:
            ready_at = max(
                (when for when in (self.pacing.ready_at(paced_until), backing_off) if when is not None), default=None
            )
            await recorder.record(_Release(self.holder, lane.recipient, paced_until, ready_at))
        return done

    async def _send(self, message: Outgoing, address: str | None, folded: list[Outgoing], attempts: int) -> Outcome:
        tried_at = self.clock.now()
        try:
            provider_id = await self.gateway.send(message if address is None else replace(message, to=address))
        except SendError as error:
            return _Failed(message, folded, attempts, error, tried_at)
        return _Sent(message, folded, attempts, provider_id)

    async def _db(self, use_case: Callable[[Session], T]) -> T:
        if isinstance(self.gateway, _Inline):
            return self.step(use_case)  # nothing else runs meanwhile: sends are made in turn anyway
        return await asyncio.to_thread(self.step, use_case)


class _Recorder:
    """Group commit: the outcomes that pile up while one batch is written go together in the next.

    Each `record` returns once its outcome is committed. A batch that fails is written again
    after a pause (a locked or unreachable database is not the outcomes' fault), then one outcome
    at a time, so that one bad outcome cannot cost the others theirs. It writes for the length of
    a pass (`async with`), and on the way out drains what is queued.
    """

    def __init__(self, courier: Courier) -> None:
        self._courier = courier
        self._queue: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> _Recorder:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._stopping = True
        self._wake.set()
        if exc[0] is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            return
        await self._task

    async def record(self, outcome: Outcome) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((outcome, future))
        self._wake.set()
        await future

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._queue = self._queue, []
            if batch:
                await self._write(batch)
            elif self._stopping:
                return

    async def _write(self, batch: list[tuple[Outcome, asyncio.Future[None]]]) -> None:
        outcomes = [outcome for outcome, _ in batch]
        for pause in (*self._courier.record_retries, None):
            try:
                await self._courier._db(lambda session: _record(session, outcomes))
            except Exception as error:
                if pause is None:
                    break
                log.warning("could not record %d send outcome(s), again in %.2f s: %s", len(batch), pause, error)
                await asyncio.sleep(pause)
            else:
                self._counted(outcomes)
                for _, future in batch:
                    future.set_result(None)
                return
        for outcome, future in batch:  # one at a time: only what cannot be written fails
            try:
                await self._courier._db(partial(_record, outcomes=[outcome]))
            except Exception as error:
                future.set_exception(error)
            else:
                self._counted([outcome])
                future.set_result(None)

    def _counted(self, outcomes: Iterable[Outcome]) -> None:
        courier = self._courier
        for outcome in outcomes:
            if isinstance(outcome, _Sent):
                courier.sent += 1 + len(outcome.folded)
                courier.telemetry.sent(outcome.carrier, 1 + len(outcome.folded))
            elif isinstance(outcome, _Failed):
                courier.telemetry.send_failed(outcome.error.failure)


def _claim(session: Session, holder: str, limit: int, seconds: float) -> tuple[list[Lane], dict[str, str]]:
    """The lanes to send to, and where to: the outbox names people by their key, which outlives
    their number (a number change moves their messages to the new one, held ones included)."""
    lanes = list(session.uow.outbox.claim(holder, session.now, lanes=limit, per_lane=PER_LANE, seconds=seconds))
    return lanes, session.uow.contacts.addresses({lane.recipient for lane in lanes})


def _record(session: Session, outcomes: list[Outcome]) -> None:
    """What became of a batch of sends, in one transaction (each outcome mutates its own message)."""
    outbox = session.uow.outbox
    for outcome in outcomes:
        if isinstance(outcome, _Release):
            outbox.release(outcome.holder, outcome.recipient, outcome.paced_until, outcome.ready_at)
            continue
        message = outcome.carrier
        for member in outcome.folded:
            member.delivery = Delivery.SENT
            member.error = f"merged into {message.id}"
            outbox.save(member)
        if isinstance(outcome, _Sent):
            message.delivery = Delivery.SENT
            message.provider_id = outcome.provider_id
            message.attempts = outcome.attempts
            outbox.save(message)
        else:
            _failed(session, message, outcome.error, outcome.attempts, outcome.at)


def _failed(session: Session, message: Outgoing, error: SendError, attempts: int, at: datetime) -> None:
    message.attempts = attempts
    if error.retryable and message.attempts < MAX_ATTEMPTS:
        message.error = str(error)
        message.error_code = error.code
        message.not_before = at + backoff(message.attempts, error)
        session.uow.outbox.save(message)
        log.info("send %s will be retried (attempt %d): %s", message.id, message.attempts, error)
        return
    fail(session, message, error.failure, str(error), error.code)


def _fold(group: list[Outgoing]) -> tuple[Outgoing, list[Outgoing]]:
    """Turn a coalescible run into one message holding exactly what will be sent.

    The latest member carries it: a read receipt passed on for it then marks the customer's
    earlier messages read too (docs/whatsapp.md §e). The others are recorded as merged with the
    send's outcome; whatever later happens to the carrier (a retry, a hold for a closed window)
    happens to all of them.
    """
    if len(group) == 1:
        return group[0], []
    *within, carrier = group
    carrier.body = _merged(group)
    # What waited for a closed window still has to reach its agent before she may relay again.
    carrier.held_at = next((m.held_at for m in group if m.held_at), None)
    return carrier, within


def _coalescible(messages: list[Outgoing]) -> list[Outgoing]:
    """The head plus that customer's later texts that can share its header.

    Other customers' messages keep their places and are skipped over, so a busy agent gets
    each customer's backlog as one message instead of one per turn of an interleaved chat.
    The customer's own order is never changed: anything else of theirs (media, a quoted
    relay, a retry) ends the run.
    """
    head = messages[0]
    group = [head]
    if head.coalesce_key is None or head.audience is not Audience.AGENT or head.reply_to:
        return group
    size = len(_text(head))
    for follower in messages[1:]:
        if follower.conversation != head.conversation:
            continue
        if follower.coalesce_key != head.coalesce_key or follower.reply_to or follower.not_before:
            break
        size += len(_text(follower)) - len(head.coalesce_key)
        if size > TEXT_LIMIT:
            break
        group.append(follower)
    return group


def _merged(group: list[Outgoing]) -> TextBody:
    """The shared header once, then each text in order."""
    key = group[0].coalesce_key or ""
    return TextBody("\n".join([key] + [_text(m).removeprefix(key).lstrip("\n") for m in group]))


def _text(message: Outgoing) -> str:
    return message.body.text if isinstance(message.body, TextBody) else ""
