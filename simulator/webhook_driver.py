"""The production path for scenarios: signed Cloud API notifications in, Graph API requests out.

Each thing a person does is posted to the real webhook app (signature, parsing, durable intake
and all) as the notification Meta would post, and atende sends through the real Graph API
client to a local stand-in that answers like Meta; what the stand-in accepted is what phones
show. Nothing of atende is replaced: only Meta and the phones are simulated.

The app runs behind httpx's ASGI transport in an event loop of the driver's own, and its
lifespan is not started, on purpose: the background loops would run their passes on
wall-clock timers, concurrently with the player, so what a step caused could land in the next
step. The driver runs those very passes itself, in a fixed order, on simulated time: after a
post it moves the manual clock past the reorder window (which is what makes stored arrivals
ready) and repeats intake, timers and courier until none of them has anything left to do.

The stand-in enforces WhatsApp's 24-hour windows on the simulated clock (the driver tells it who
wrote when), so a scenario that moves time by days meets them as production does.

Statuses close the loop as phones do: every accepted send is reported `sent` (and `delivered`,
reactions apart) with the next notification, and when someone writes, everything they had
received is reported `read` first, which is what sends blue ticks to the other side.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import secrets
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx

from atende.adapters.clock import ManualClock
from atende.adapters.whatsapp import StatusValue, sign
from atende.application import use_cases
from atende.application.arrivals import Inbound
from atende.application.settings import Settings
from atende.bootstrap import System, WhatsAppAccess
from atende.domain.content import Media
from atende.standin import GraphStandIn, RecordedRequest
from atende.webhook.app import WEBHOOK

from .boot import Boot
from .chat import Chats, Kind
from .cloud_api import (
    BusinessNumber,
    Status,
    Tap,
    encode,
    message_notification,
    read_receipt_target,
    received_bubble,
    recipient_of,
    status_notification,
    tap_for,
)
from .driver import Driver, unpaced

MAX_ROUNDS = 1000
"""Passes before a step is declared endless: atende keeps finding work, which is a bug."""

GRAPH_TIMEOUT_SECONDS = 5.0

LEASE_RENEWAL_SECONDS = 1.0
"""Wall time between lease renewals: a small fraction of a lease's lifetime (15 s by default)."""


MOMENT_SECONDS = 0.001
"""The least the clock moves between two posts: see `_past_reorder_window`."""


class WebhookRefused(RuntimeError):
    """The webhook did not answer 200 to a notification Meta could have sent: a bug to report."""


class WebhookDriver(Driver):
    """Drives atende through its webhook app and catches what it sends on a Graph API stand-in."""

    def __init__(
        self,
        system: System,
        access: WhatsAppAccess,
        clock: ManualClock,
        chats: Chats,
        graph: GraphStandIn,
        *,
        tick_seconds: float = 5.0,
    ) -> None:
        if system.webhook is None:
            raise ValueError("the webhook driver needs a system built with WhatsApp access")
        self.atende = system.atende
        self.webhook = system.webhook
        self.clock = clock
        self.chats = chats
        self.graph = graph
        self.tick_seconds = tick_seconds
        self.number = BusinessNumber(access.phone_number_id)
        self.app_secret = access.app_secret
        self._runner = asyncio.Runner()
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.webhook.app), base_url="http://atende.simulator"
        )
        graph.enforce_windows(clock.now)  # Meta's 24 h windows, counted on simulated time
        self._shown = len(graph.requests)
        """Stand-in requests already turned into bubbles (a shared stand-in may hold older ones)."""
        self._pending: list[Status] = []
        """Statuses Meta has yet to post: they go out with the next notification."""
        self._unread: dict[str, list[str]] = {}
        """Per phone, the wamids it received and has not opened yet."""
        self._taps: dict[str, Tap] = {}
        """Menu wamid → how a tap on it comes back."""
        self._leases_renewed = -math.inf
        self.posted: dict[str, dict[str, Any]] = {}
        """What a person wrote (by its wamid) → the notification posted for it, as Meta would."""
        self.captured: dict[str, RecordedRequest] = {}
        """What the business sent (by its wamid) → the Graph API request that carried it."""

    @staticmethod
    def access_to(graph: GraphStandIn) -> WhatsAppAccess:
        """The stand-in as atende's WhatsApp, with secrets fresh for each run: the signature
        check is exercised, never bypassed."""
        return WhatsAppAccess(
            graph.url,
            graph.phone_number_id,
            graph.access_token,
            app_secret=secrets.token_hex(16),
            verify_token=secrets.token_hex(16),
            timeout=GRAPH_TIMEOUT_SECONDS,
        )

    @classmethod
    @contextmanager
    def running(
        cls,
        boot: Boot,
        settings: Settings,
        clock: ManualClock,
        chats: Chats,
        *,
        rng: random.Random | None = None,
        tick_seconds: float = 5.0,
        graph: GraphStandIn | None = None,
    ) -> Iterator[WebhookDriver]:
        """atende booted for one run behind its webhook, with a stand-in of its own unless `graph`
        is given (left running)."""
        with ExitStack() as stack:
            standin = graph if graph is not None else stack.enter_context(GraphStandIn())
            access = cls.access_to(standin)
            system = stack.enter_context(boot(settings, clock=clock, rng=rng, whatsapp=access, pacing=unpaced()))
            driver = cls(system, access, clock, chats, standin, tick_seconds=tick_seconds)
            stack.callback(driver.close)
            yield driver

    def close(self) -> None:
        try:
            self._runner.run(self._client.aclose())
        finally:
            self._runner.close()

    # -- the Driver interface ---------------------------------------------------------------

    def start(self) -> None:
        # What the app's lifespan does on startup, before its loops would begin.
        self.atende.sync_roster()
        self._settle()

    def now(self) -> datetime:
        """Whole seconds: a notification carries Unix seconds, so this is what atende is told."""
        return self.clock.now().replace(microsecond=0)

    def write(self, message: Inbound) -> None:
        inbound, sha256 = self._with_uploaded_media(message)
        self._read_everything(inbound.sender, self.now())  # writing means the chat is open
        self.graph.wrote(inbound.sender, self.now())  # what opens their 24 h window at Meta
        self._post_statuses()
        tap = self._taps.get(inbound.context_id or "", Tap.LIST)
        notification = message_notification(inbound, self.number, tap=tap, sha256=sha256)
        self.posted[inbound.message_id] = notification
        self.post(notification)
        self.chats.mark_delivered(inbound.message_id)
        self._past_reorder_window()

    def read(self, phone: str) -> None:
        """The person opens their chat: what they had received is reported read, as phones do."""
        self._read_everything(phone, self.now())
        if self._pending:
            self._post_statuses()
            self._past_reorder_window()

    def _past_reorder_window(self) -> None:
        """Let the stored arrivals age past the reorder window (which makes them ready), and settle.

        The clock moves at least a millisecond even with no window (the live simulator's): a server
        never handles two messages in the same instant, and a clock that stood still would tie two
        customers queued one after the other, their places then decided by their codes."""
        self.clock.advance(max(MOMENT_SECONDS, math.ceil(self.atende.settings.reorder_window_seconds)))
        self._settle()

    def wait(self, seconds: float, *, tick_seconds: float | None = None) -> None:
        """Time passes; the timers run every `tick_seconds` of it (the scenario's, by default)."""
        tick = tick_seconds or self.tick_seconds
        remaining = seconds
        while remaining > 0:
            jump = min(tick, remaining)
            self._post_statuses()
            self.clock.advance(jump)
            remaining -= jump
            self._settle()

    # -- posting ----------------------------------------------------------------------------

    def signed(self, notification: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """The body and headers Meta would post for this notification."""
        body = encode(notification)
        return body, {"content-type": "application/json", "x-hub-signature-256": sign(self.app_secret, body)}

    def post(self, notification: dict[str, Any]) -> httpx.Response:
        """Post a notification, signed, to the webhook; anything but 200 is a bug (WebhookRefused)."""
        body, headers = self.signed(notification)
        response = self.send_raw(body, headers)
        if response.status_code != 200:
            raise WebhookRefused(f"the webhook answered {response.status_code}: {response.text[:200]}")
        return response

    def send_raw(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        """One POST to the webhook exactly as given (tests use it to post what Meta never would)."""
        return self._runner.run(self._client.post(WEBHOOK, content=body, headers=headers))

    def _post_statuses(self) -> None:
        if self._pending:
            statuses, self._pending = self._pending, []
            self.post(status_notification(statuses, self.number))

    def _with_uploaded_media(self, message: Inbound) -> tuple[Inbound, str]:
        """The message with its media stored on the stand-in, so its id is one atende can fetch."""
        media = message.content
        if not isinstance(media, Media):
            return message, ""
        data = f"simulated {media.kind.value} {message.message_id}".encode()
        media_id = self.graph.add_media(data, media.mime_type.split(";")[0].strip(), media.filename)
        stored = self.graph.media(media_id)
        sha256 = stored.sha256 if stored is not None else ""
        return replace(message, content=replace(media, media_id=media_id)), sha256

    # -- background work, on simulated time -------------------------------------------------

    def _settle(self) -> None:
        """Run the loops' passes until a round finds nothing to handle and nothing to send.

        An arrival whose use case raised is logged and retried (then set aside) by the intake, so that one bad
        message cannot block the others; in a scenario it is a bug, so it stops the run with its
        traceback, as it would on the direct path. What was sent before it is shown all the same.
        """
        background = self.webhook.background
        self._hold_leases()
        with _set_aside() as crashes:
            try:
                for _ in range(MAX_ROUNDS):
                    handled = background.intake_loop.step()
                    background.timers_loop.step()
                    sent = background.courier_loop.step()
                    if crashes or (not handled and not sent):
                        break
                else:
                    raise RuntimeError(f"atende still had work after {MAX_ROUNDS} rounds of intake, timers and courier")
            finally:
                self._show_sent()
        if crashes:
            raise crashes[0]

    def _hold_leases(self) -> None:
        """What the lease keeper does in the background: the timers only run under their lease.

        Renewed at most every `LEASE_RENEWAL_SECONDS` of wall time, well inside the lifetime,
        so a lease can never lapse in the middle of a step.
        """
        started = time.monotonic()
        if started - self._leases_renewed < LEASE_RENEWAL_SECONDS:
            return
        lease = self.webhook.background.timers_lease
        if not lease.acquire():
            raise RuntimeError(f"the {lease.name!r} lease is held by someone else")
        self._leases_renewed = started

    def _show_sent(self) -> None:
        requests = self.graph.requests
        fresh, self._shown = requests[self._shown :], len(requests)
        at = self.clock.now()
        for request in fresh:
            if request.is_message and request.accepted and isinstance(request.json, dict):
                self._show(request, at)

    def _show(self, request: RecordedRequest, at: datetime) -> None:
        payload = request.json
        target = read_receipt_target(payload)
        if target is not None:
            self.chats.mark_read(target)
            return
        wamid = request.wamid or ""
        phone = recipient_of(payload)
        self.captured[wamid] = request
        bubble = received_bubble(payload, wamid, at, self.chats.step)
        self.chats.add(phone, bubble)
        self._pending.append(Status(wamid, StatusValue.SENT, at, phone))
        if bubble.kind is Kind.REACTION:
            return  # a reaction is only ever reported sent (docs/whatsapp.md §d)
        self._pending.append(Status(wamid, StatusValue.DELIVERED, at, phone))
        self._unread.setdefault(phone, []).append(wamid)
        tap = tap_for(payload)
        if tap is not None:
            self._taps[wamid] = tap

    def _read_everything(self, phone: str, at: datetime) -> None:
        self._pending.extend(Status(wamid, StatusValue.READ, at, phone) for wamid in self._unread.pop(phone, ()))


class _Crashes(logging.Handler):
    """Collects the exceptions the intake logs when handling an arrival failed (to be retried)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.crashes: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.crashes.append(record.exc_info[1])


@contextmanager
def _set_aside() -> Iterator[list[BaseException]]:
    """The crashes of use cases run by the intake during the block (it logs them on this logger)."""
    logger = logging.getLogger(use_cases.__name__)
    handler = _Crashes()
    logger.addHandler(handler)
    try:
        yield handler.crashes
    finally:
        logger.removeHandler(handler)
