"""The courier: sends the outbox in order per recipient, paced, coalesced, retried with backoff.

Each send is its own transaction, so a crash repeats at most the one send that WhatsApp
accepted in the instant before atende could record it (docs/design.md §7).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from .failures import Failure, SendError
from .outbound import Audience, Delivery, Outgoing, TextBody
from .pages import TEXT_LIMIT
from .ports import Clock, WhatsAppGateway
from .session import Session
from .statuses import fail
from .telemetry import NoTelemetry, Telemetry

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
"""Retryable failures in a row before a message is given up on and reported."""

T = TypeVar("T")


class Step(Protocol):
    """Runs a function as one atomic use case and returns its result (`Atende.run`)."""

    def __call__(self, use_case: Callable[[Session], T], /) -> T: ...


@dataclass
class Pacing:
    """A token bucket per recipient, under WhatsApp's pair limit (a burst, then one per 6 s)."""

    burst: float = 10
    interval: float = 6.0
    _buckets: dict[str, tuple[float, datetime]] = field(default_factory=dict)

    def ready(self, wa_id: str, now: datetime) -> bool:
        return self._tokens(wa_id, now) >= 1

    def exhausted(self, now: datetime) -> set[str]:
        """The recipients who cannot be sent a message now (and forgets those back at a full burst)."""
        for wa_id in [w for w in self._buckets if self._tokens(w, now) >= self.burst]:
            del self._buckets[wa_id]
        return {wa_id for wa_id in self._buckets if not self.ready(wa_id, now)}

    def spend(self, wa_id: str, now: datetime) -> None:
        self._buckets[wa_id] = (self._tokens(wa_id, now) - 1, now)

    def _tokens(self, wa_id: str, now: datetime) -> float:
        tokens, since = self._buckets.get(wa_id, (self.burst, now))
        refill = max(0.0, (now - since).total_seconds()) / self.interval
        return min(self.burst, tokens + refill)


def backoff(attempts: int, error: SendError) -> timedelta:
    """How long before trying again: never sooner than the provider asked (`retry_after`);
    4ˣ seconds after a rate limit, as Meta recommends; doubling (capped) for anything else."""
    pause = min(4**attempts, 900) if error.failure is Failure.RATE_LIMITED else min(2**attempts, 300)
    return timedelta(seconds=max(pause, error.retry_after or 0))


class Courier:
    """Sends what is ready; pacing state is per process, which is why one worker holds the lease."""

    def __init__(
        self,
        step: Step,
        gateway: WhatsAppGateway,
        clock: Clock,
        pacing: Pacing | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.step = step
        self.gateway = gateway
        self.clock = clock
        self.pacing = pacing or Pacing()
        self.telemetry = telemetry or NoTelemetry()
        self._backing_off: dict[str, datetime] = {}
        """Recipient → when the message at the head of their line may be tried again."""
        self._addresses: dict[str, str] = {}
        """Recipient key → where WhatsApp delivers to them now, when that is not the key."""

    def deliver(self, limit: int = 200) -> int:
        """One pass over the outbox; returns how many messages left it (sent or given up).

        Recipients who cannot be sent anything now (paced, or backing off) are left out of the
        pass: their backlog must not fill the `limit` and hold up everyone else's messages.
        """
        skip = self._waiting(self.clock.now())
        batch, self._addresses = self.step(lambda session: _pending(session, limit, skip))
        done = 0
        for messages in _by_recipient(batch).values():
            done += self._deliver_to_one(messages)
        return done

    def _deliver_to_one(self, messages: list[Outgoing]) -> int:
        done = 0
        while messages:
            head = messages[0]
            now = self.clock.now()
            if head.not_before is not None and head.not_before > now:
                self._backing_off[head.to] = head.not_before
                break  # backing off: nothing after it may overtake it
            if not self.pacing.ready(head.to, now):
                break  # later messages wait here and will be coalesced
            group = _coalescible(messages)
            messages = [m for m in messages if all(m is not g for g in group)]
            self.pacing.spend(head.to, now)
            message = self._fold(group) if len(group) > 1 else head
            if not self._send(message, carried=len(group)):
                break
            done += len(group)
        return done

    def _waiting(self, now: datetime) -> set[str]:
        self._backing_off = {wa_id: until for wa_id, until in self._backing_off.items() if until > now}
        return self.pacing.exhausted(now) | set(self._backing_off)

    def _fold(self, group: list[Outgoing]) -> Outgoing:
        """Turn a coalescible run into one outbox row holding exactly what will be sent.

        The latest member carries it: a read receipt passed on for it then marks the customer's
        earlier messages read too (docs/whatsapp.md §e). The others are marked merged; whatever later
        happens to the carrier (a retry, a hold for a closed window) happens to all of them.
        """
        *within, carrier = group
        carrier.body = _merged(group)
        # What waited for a closed window still has to reach its agent before she may relay again.
        carrier.held_at = next((m.held_at for m in group if m.held_at), None)

        def record(session: Session) -> None:
            session.uow.outbox.save(carrier)
            for member in within:
                member.delivery = Delivery.SENT
                member.error = f"merged into {carrier.id}"
                session.uow.outbox.save(member)

        self.step(record)
        return carrier

    def _send(self, message: Outgoing, carried: int = 1) -> bool:
        # Counted once, outside the step: a step rerun after a concurrency conflict must not count twice.
        attempts = message.attempts + 1
        address = self._addresses.get(message.to)
        try:
            provider_id = self.gateway.send(message if address is None else replace(message, to=address))
        except SendError as error:
            failure = error
            self.step(lambda session: _failed(session, message, failure, attempts))
            self.telemetry.send_failed(error.failure)
            return False

        def record(session: Session) -> None:
            message.delivery = Delivery.SENT
            message.provider_id = provider_id
            message.attempts = attempts
            session.uow.outbox.save(message)

        self.step(record)
        self.telemetry.sent(message, carried)
        return True


def _pending(session: Session, limit: int, skip: set[str]) -> tuple[list[Outgoing], dict[str, str]]:
    """What to send, and where to: the outbox names people by their key, which outlives their
    number (a number change moves their messages to the new one, held ones included)."""
    batch = list(session.uow.outbox.pending(limit, skip=skip))
    return batch, session.uow.contacts.addresses({m.to for m in batch})


def _failed(session: Session, message: Outgoing, error: SendError, attempts: int) -> None:
    message.attempts = attempts
    if error.retryable and message.attempts < MAX_ATTEMPTS:
        message.error = str(error)
        message.error_code = error.code
        message.not_before = session.now + backoff(message.attempts, error)
        session.uow.outbox.save(message)
        log.info("send %s will be retried (attempt %d): %s", message.id, message.attempts, error)
        return
    fail(session, message, error.failure, str(error), error.code)


def _by_recipient(batch: Iterable[Outgoing]) -> dict[str, list[Outgoing]]:
    groups: dict[str, list[Outgoing]] = {}
    for message in batch:
        groups.setdefault(message.to, []).append(message)
    return groups


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
