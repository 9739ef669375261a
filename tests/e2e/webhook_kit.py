"""What the webhook tests share: Cloud API notifications, signing, lifespan, a real uvicorn.

Notifications are built the way Meta shapes them (docs/whatsapp.md §b, §c) and signed over the
exact bytes posted. The app runs either in the test's own event loop behind
`httpx.ASGITransport` (which never runs lifespan, so `lifespan()` drives it by hand) or in a
real uvicorn on 127.0.0.1 in a thread (`ServerThread`), which runs lifespan itself.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import uvicorn
from sqlalchemy import text
from sqlalchemy.engine import Engine

from atende.adapters.sql.engine import connect
from atende.adapters.whatsapp import sign
from atende.application.ports import Clock
from atende.application.settings import Settings
from atende.bootstrap import System, Webhook, WhatsAppAccess, bootstrap
from atende.standin import GraphStandIn, RecordedRequest
from atende.webhook.asgi import ASGIApp, Message, Receive, Scope, Send
from atende.webhook.background import Intervals

APP_SECRET = "test-app-secret-3f9a"
VERIFY_TOKEN = "test-verify-token-77c1"
BUSINESS_NUMBER = "15550783881"

FAST = Intervals(intake=0.02, courier=0.02, timers=0.1, lease_seconds=3.0, lease_retry=0.1, max_backoff=0.2)
"""Loop intervals for tests: every step within tens of milliseconds, nothing sleeps for long."""

_ids = itertools.count(1)


def wamid() -> str:
    return f"wamid.TEST{next(_ids):06d}{int(time.time() * 1000) % 100000:05d}"


# -- notifications -----------------------------------------------------------------------------


def envelope(
    messages: Sequence[dict[str, Any]] = (),
    statuses: Sequence[dict[str, Any]] = (),
    contacts: Sequence[dict[str, Any]] = (),
    phone_number_id: str = "106540352242922",
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": BUSINESS_NUMBER, "phone_number_id": phone_number_id},
    }
    if contacts:
        value["contacts"] = list(contacts)
    if messages:
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }


def message(
    sender: str,
    kind: str,
    content: dict[str, Any],
    *,
    at: int | None = None,
    message_id: str | None = None,
    context_id: str | None = None,
) -> dict[str, Any]:
    """One `messages[]` item; `at` is its Unix timestamp (now by default)."""
    payload: dict[str, Any] = {
        "from": sender,
        "id": message_id or wamid(),
        "timestamp": str(at if at is not None else int(time.time())),
        "type": kind,
        kind: content,
    }
    if context_id:
        payload["context"] = {"from": BUSINESS_NUMBER, "id": context_id}
    return payload


def from_person(sender: str, name: str, *messages: dict[str, Any]) -> dict[str, Any]:
    return envelope(messages, contacts=[{"profile": {"name": name}, "wa_id": sender}])


def text_from(sender: str, body: str, *, name: str = "", **kwargs: Any) -> dict[str, Any]:
    return from_person(sender, name or sender, message(sender, "text", {"body": body}, **kwargs))


def list_reply_from(sender: str, reply_id: str, title: str, *, name: str = "", **kwargs: Any) -> dict[str, Any]:
    content = {"type": "list_reply", "list_reply": {"id": reply_id, "title": title}}
    return from_person(sender, name or sender, message(sender, "interactive", content, **kwargs))


def image_from(sender: str, media_id: str, caption: str = "", *, name: str = "", **kwargs: Any) -> dict[str, Any]:
    content = {"id": media_id, "mime_type": "image/jpeg", "sha256": "x" * 44}
    if caption:
        content["caption"] = caption
    return from_person(sender, name or sender, message(sender, "image", content, **kwargs))


def status(provider_id: str, value: str, recipient: str, *, at: int | None = None) -> dict[str, Any]:
    return envelope(
        statuses=[
            {
                "id": provider_id,
                "status": value,
                "timestamp": str(at if at is not None else int(time.time())),
                "recipient_id": recipient,
            }
        ]
    )


def body_of(notification: dict[str, Any]) -> bytes:
    """Compact and ASCII-escaped, as Meta sends it (the signature covers exactly these bytes)."""
    return json.dumps(notification, separators=(",", ":")).encode()


def signed(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"content-type": "application/json", "x-hub-signature-256": sign(secret, body)}


async def post(client: httpx.AsyncClient, notification: dict[str, Any] | bytes) -> httpx.Response:
    body = notification if isinstance(notification, bytes) else body_of(notification)
    return await client.post("/webhook", content=body, headers=signed(body))


# -- the app on a real database ----------------------------------------------------------------


class Harness:
    """atende on a migrated SQLite file, sending to a Graph stand-in, behind the webhook app:
    the system `atende serve` builds, with test intervals and a shared HTTP pool."""

    def __init__(self, system: System, database_url: str, graph: GraphStandIn) -> None:
        self.system = system
        self.database_url = database_url
        self.graph = graph
        assert system.webhook is not None
        self.webhook: Webhook = system.webhook
        self._engine: Engine | None = None

    @property
    def app(self) -> ASGIApp:
        return self.webhook.app

    @property
    def engine(self) -> Engine:
        """An engine of the test's own, to look at the database as an operator would."""
        if self._engine is None:
            self._engine = connect(self.database_url)
        return self._engine

    def intake(self) -> list[tuple[str, str, bool]]:
        """(key, kind, handled) of every stored arrival, in the order stored."""
        with self.engine.connect() as connection:
            rows = connection.execute(text("SELECT key, kind, done_at FROM intake ORDER BY seq")).all()
        return [(row.key, row.kind, row.done_at is not None) for row in rows]

    def stored_keys(self) -> list[str]:
        return [key for key, _, _ in self.intake()]

    def settled(self) -> bool:
        """Every arrival handled and nothing left to send."""
        with self.engine.connect() as connection:
            waiting = connection.execute(text("SELECT count(*) FROM intake WHERE done_at IS NULL")).scalar_one()
            unsent = connection.execute(text("SELECT count(*) FROM outbox WHERE delivery = 'pending'")).scalar_one()
        return bool(waiting == 0 and unsent == 0)

    def close(self) -> None:
        self.system.close()
        if self._engine is not None:
            self._engine.dispose()


def harness(
    settings: Settings,
    database_url: str,
    graph: GraphStandIn,
    *,
    intervals: Intervals = FAST,
    phone_number_id: str | None = None,
    body_limit: int | None = None,
    ping: Callable[[], None] | None = None,
    http: httpx.Client | None = None,
    clock: Clock | None = None,
) -> Harness:
    """`http` shares one connection pool across tests: building a client (its TLS context) is slow;
    `clock` lets a test move atende's time by hours and days (the loops still run on wall time)."""
    access = WhatsAppAccess(
        graph.url,
        phone_number_id or graph.phone_number_id,
        graph.access_token,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
        timeout=5.0,
    )
    extra: dict[str, Any] = {} if body_limit is None else {"body_limit": body_limit}
    system = bootstrap(
        settings,
        database_url=database_url,
        whatsapp=access,
        http_client=http,
        intervals=intervals,
        ping=ping,
        clock=clock,
        other_numbers=phone_number_id is None,  # the tests' notifications name several numbers
        **extra,
    )
    return Harness(system, database_url, graph)


# -- running the app ---------------------------------------------------------------------------


@asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[list[Message]]:
    """Run the app's lifespan in this event loop, as a server would; yields what the app sent."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    sent: list[Message] = []
    answered = asyncio.Event()

    async def receive() -> Message:
        return await inbox.get()

    async def send(message: Message) -> None:
        sent.append(message)
        answered.set()

    async def run() -> None:
        await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)

    task = asyncio.create_task(run())
    await inbox.put({"type": "lifespan.startup"})
    await asyncio.wait_for(answered.wait(), 10)
    answered.clear()
    if sent[-1]["type"] != "lifespan.startup.complete":
        await asyncio.wait_for(task, 10)
        raise RuntimeError(f"startup failed: {sent[-1].get('message')}")
    try:
        yield sent
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(task, 20)
        assert sent[-1]["type"] == "lifespan.shutdown.complete", sent[-1]


@asynccontextmanager
async def asgi_client(app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """The app in this event loop, lifespan included, behind httpx's ASGI transport."""
    async with lifespan(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


class ServerThread:
    """A real uvicorn on a free port of 127.0.0.1, in a thread; lifespan on, as in production."""

    def __init__(self, app: ASGIApp) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        config = uvicorn.Config(app, lifespan="on", log_level="warning", ws="none", timeout_graceful_shutdown=10)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name="uvicorn-test", daemon=True)
        self.error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.socket])
        except BaseException as error:  # SystemExit on a failed startup
            self.error = error

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError(f"uvicorn did not start: {self.error!r}")
            if time.monotonic() > deadline:
                raise TimeoutError("uvicorn did not start within 10 s")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(20)
        self.socket.close()
        assert not self.thread.is_alive(), "uvicorn did not stop"


@contextmanager
def serving(app: ASGIApp) -> Iterator[ServerThread]:
    server = ServerThread(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@asynccontextmanager
async def http_client(app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """The app on its own real uvicorn (lifespan run by uvicorn), reached over TCP."""
    with serving(app) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            yield client


class Switch:
    """An ASGI app that forwards HTTP to whichever app is plugged in: one uvicorn for many tests.

    Starting and stopping uvicorn costs ~0.2 s; tests of the HTTP edge share one server and
    plug in their own app. Its lifespan is a no-op: those tests do not need the loops.
    """

    def __init__(self) -> None:
        self.target: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        assert self.target is not None, "no app plugged into the shared server"
        await self.target(scope, receive, send)

    @asynccontextmanager
    async def client(self, server: ServerThread, app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
        self.target = app
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
                yield client
        finally:
            self.target = None


# -- waiting without sleeping long -------------------------------------------------------------


async def eventually(condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """Poll until `condition()` holds (the loops run in threads); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def until(condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """`eventually` for code outside an event loop."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def sent_to(graph: GraphStandIn, wa_id: str) -> list[RecordedRequest]:
    return [r for r in graph.requests_to(wa_id) if r.accepted]


class Phones:
    """Reads what each person received, as they would: only what is new since the last look."""

    def __init__(self, graph: GraphStandIn) -> None:
        self.graph = graph
        self.seen: dict[str, int] = {}

    async def next(self, wa_id: str, count: int = 1, timeout: float = 5.0) -> list[RecordedRequest]:
        start = self.seen.get(wa_id, 0)
        await eventually(
            lambda: len(sent_to(self.graph, wa_id)) >= start + count, timeout, f"{count} message(s) to {wa_id}"
        )
        self.seen[wa_id] = start + count
        return sent_to(self.graph, wa_id)[start : start + count]

    async def text(self, wa_id: str, timeout: float = 5.0) -> str:
        [request] = await self.next(wa_id, timeout=timeout)
        return request.text or ""

    def quiet(self, wa_id: str) -> bool:
        return len(sent_to(self.graph, wa_id)) == self.seen.get(wa_id, 0)
