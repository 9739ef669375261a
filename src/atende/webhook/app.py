"""The webhook as a raw ASGI app: Meta's handshake, signed notifications, and a health check.

The order of checks on `POST /webhook` is what keeps it safe and cheap: the size cap before
reading, the signature before parsing, the parse before storage, and the 200 only after the
arrivals are durably stored (docs/design.md §3, §7). Bad input gets a 4xx or a logged 200 — never a
5xx, which would make Meta replay it for a week; only a storage failure answers 503, precisely
so that Meta does replay it.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable
from typing import Protocol
from urllib.parse import parse_qs

from atende.adapters.whatsapp import InvalidJson, MalformedNotification, parse_notification, verify_signature

from .asgi import ASGIApp, BodyTooLarge, ClientGone, Message, Receive, Scope, Send, header, read_body, respond
from .lifespan import Lifespan, run_lifespan
from .logs import describe
from .store import ArrivalStore
from .triage import arrivals_of

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4 * 1024 * 1024
"""Meta sends at most 3 MB; anything larger is not Meta."""

PARSE_INLINE_BYTES = 64 * 1024
"""Bodies up to this size are parsed on the event loop (well under a millisecond); larger in a thread."""

WEBHOOK = "/webhook"
HEALTHZ = "/healthz"
METRICS = "/metrics"
_ALLOWED = {WEBHOOK: ("GET", "POST"), HEALTHZ: ("GET",), METRICS: ("GET",)}


class Observer(Protocol):
    """Told of every answered request (for the latency histogram)."""

    def answered(self, route: str, method: str, status: int, seconds: float) -> None: ...


Scrape = Callable[[], tuple[bytes, str]]
"""The metrics exposition and its content type; it reads the database, so it runs in a thread."""


def create_app(
    store: ArrivalStore,
    *,
    app_secret: str,
    verify_token: str,
    body_limit: int = MAX_BODY_BYTES,
    lifespan: Lifespan | None = None,
    observer: Observer | None = None,
    scrape: Scrape | None = None,
) -> ASGIApp:
    """The ASGI callable. `lifespan` starts and stops whatever runs beside it (the loops);
    `observer` hears of every answered request, `scrape` answers `GET /metrics` (404 without it)."""
    if not app_secret or not verify_token:
        raise ValueError("the webhook needs the app secret and the verify token")
    return WebhookApp(
        store,
        app_secret=app_secret,
        verify_token=verify_token,
        body_limit=body_limit,
        lifespan=lifespan,
        observer=observer,
        scrape=scrape,
    )


class WebhookApp:
    def __init__(
        self,
        store: ArrivalStore,
        *,
        app_secret: str,
        verify_token: str,
        body_limit: int,
        lifespan: Lifespan | None,
        observer: Observer | None = None,
        scrape: Scrape | None = None,
    ) -> None:
        self.store = store
        self.body_limit = body_limit
        self.lifespan = lifespan
        self.observer = observer
        self.scrape = scrape
        self._app_secret = app_secret
        self._verify_token = verify_token

    def __repr__(self) -> str:  # never the secrets
        return f"WebhookApp(body_limit={self.body_limit})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await run_lifespan(self.lifespan, receive, send)
        else:
            raise RuntimeError(f"the webhook app does not handle {scope['type']!r} connections")

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.observer is None:
            await self._route(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._route(scope, receive, sending)
        finally:
            path = _route_path(scope)
            route = path if path in _ALLOWED else "other"  # a label per made-up path would never end
            self.observer.answered(route, scope["method"], status, time.perf_counter() - started)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = _route_path(scope)
        method = scope["method"]
        allowed = _ALLOWED.get(path)
        if allowed is None or (path == METRICS and self.scrape is None):
            await respond(send, 404, "not found")
        elif method not in allowed:
            await respond(send, 405, "method not allowed", headers=[(b"allow", ", ".join(allowed).encode())])
        elif path == HEALTHZ:
            await self._healthz(send)
        elif path == METRICS:
            await self._metrics(send)
        elif method == "GET":
            await self._handshake(scope, send)
        else:
            await self._notification(scope, receive, send)

    async def _handshake(self, scope: Scope, send: Send) -> None:
        """Meta's verification: echo `hub.challenge` when mode and token match, 403 otherwise."""
        query = parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
        mode = query.get("hub.mode", [""])[0]
        token = query.get("hub.verify_token", [""])[0]
        challenge = query.get("hub.challenge", [""])[0]
        if mode == "subscribe" and hmac.compare_digest(token.encode(), self._verify_token.encode()):
            log.info("webhook verification handshake answered")
            await respond(send, 200, challenge)
            return
        log.warning("webhook verification refused (mode %r, token %s)", mode[:20], "given" if token else "missing")
        await respond(send, 403, "forbidden")

    async def _notification(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _declared_length(scope) > self.body_limit:
            await respond(send, 413, "payload too large")
            return
        try:
            body = await read_body(receive, self.body_limit)
        except BodyTooLarge:
            await respond(send, 413, "payload too large")
            return
        except ClientGone:
            return  # nobody to answer; Meta retries what it did not see acknowledged
        if not verify_signature(self._app_secret, body, header(scope, b"x-hub-signature-256")):
            log.warning("webhook POST with a missing or wrong signature refused (%d bytes)", len(body))
            await respond(send, 401, "invalid signature")
            return
        try:
            if len(body) <= PARSE_INLINE_BYTES:
                notification = parse_notification(body)
            else:  # a batch of up to 1000 updates: validating it must not stall other requests
                notification = await asyncio.to_thread(parse_notification, body)
        except InvalidJson as error:
            log.warning("signed webhook POST is not JSON: %s", error.reason)
            await respond(send, 400, "invalid JSON")
            return
        except MalformedNotification as error:
            log.warning("signed webhook POST ignored, not a WhatsApp notification: %s", error.reason)
            await respond(send, 200)
            return
        sorted_out = arrivals_of(notification, self.store.phone_number_id)
        if sorted_out.arrivals:
            try:
                stored = await self.store.accept(sorted_out.arrivals)
            except Exception as error:
                log.error("could not store a notification, answering 503 so Meta retries: %s", describe(error))
                await respond(send, 503, "storage unavailable", headers=[(b"retry-after", b"5")])
                return
            log.debug("stored %d of %d arrival(s)", stored, len(sorted_out.arrivals))
        await respond(send, 200)

    async def _metrics(self, send: Send) -> None:
        assert self.scrape is not None
        try:
            body, content_type = await asyncio.to_thread(self.scrape)
        except Exception as error:
            log.error("could not read the figures for /metrics: %s", describe(error))
            await respond(send, 503, "metrics unavailable")
            return
        await respond(send, 200, body, content_type.replace("; charset=utf-8", ""))  # respond adds it

    async def _healthz(self, send: Send) -> None:
        reason = await self.store.unhealthy()
        if reason is None:
            await respond(send, 200, "ok")
        else:
            await respond(send, 503, f"unhealthy: {reason}")


def _route_path(scope: Scope) -> str:
    """The path below the mount point, should a proxy have set `root_path`."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    return path


def _declared_length(scope: Scope) -> int:
    """Content-Length as declared, so an oversized body is refused before any of it is read."""
    value = header(scope, b"content-length")
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0
