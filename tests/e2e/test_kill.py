"""The kill test: `atende serve` SIGKILLed in the middle of traffic, restarted on the same database.

What runs: a Graph API stand-in in this process (a real HTTP server on 127.0.0.1 that records
every request), and the installed `atende serve` in a subprocess with docs/design.md §2's environment,
on a SQLite file migrated by `atende db upgrade`. Two agents check in; four customers write,
choose a department and keep writing numbered messages (every text carries a unique token such
as `c03-m007`) while the agents, once assigned, answer (`a1-r004`). Several httpx clients post
concurrently, each notification signed over its exact bytes, as Meta does.

After a random number of acknowledged posts the server is SIGKILLed. The traffic goes on for a
moment (those posts fail: not acknowledged), then `atende serve` starts again on the same
database and port. Every post that was not acknowledged is delivered again, in each sender's
order, and some acknowledged ones are delivered a second time — both as Meta does. The test
waits until everything arrived has been handled and the outbox is empty, then checks:

- nothing acknowledged is lost: every notification ever answered 200 is in the intake, handled
  (without error);
- every customer was assigned, and each customer token reached an agent in exactly one request
  (a 💬 relay, possibly coalesced with others, or the 🔔 transcript of what they wrote before);
  each agent token reached a customer in exactly one request;
- nothing was sent twice: no two accepted sends with the same recipient and the same body.

The one allowance (docs/design.md §7, ADR 0015) is explicit, not a loosening of the checks above.
A send that the stand-in accepted while atende was waiting for the answer, when the process died,
cannot be recorded by atende: no API closes that window. Such a send is recognised by its wamid:
the stand-in accepted it, but no outbox row holds it as its `provider_id`. The courier sends to
many recipients at once but to each only once its previous send is recorded, so the test allows
at most one of them per recipient, and only the killed process's very last send to that
recipient. It is left out of the exactly-once counts — its message is sent again after the
restart, and *that* copy must be there, exactly once — and it is printed, so a run that used the
allowance says so. Odd seeds kill the process precisely while a send waits for the stand-in's
answer (it answers `LATENCY` after recording), so the allowance is exercised on purpose, not only
by chance.

The traffic is sized for the courier's pacing (per recipient a burst of 10, then one message
every 6 s, the pacer's state kept with each recipient's lane in the database) so that each agent's relays
fit in a burst or two: more would only make the test wait for the pacer, not test more.

Run it (5 seeds, 20–26 s each; up to 15 s of it is the restarted process waiting out the dead
one's claims on the lanes it was sending to): `.venv/bin/pytest tests/e2e/test_kill.py -v -s`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from atende.adapters.sql.engine import connect
from atende.standin import GraphStandIn, RecordedRequest

from .webhook_kit import APP_SECRET, VERIFY_TOKEN, body_of, from_person, message, signed

pytestmark = pytest.mark.slow

ATENDE = Path(sys.executable).with_name("atende")
PHONE_NUMBER_ID = "106540352242922"
ACCESS_TOKEN = "kill-test-token"

AGENTS = {"5511900000001": "Ana", "5511900000002": "Bruno"}
CUSTOMERS = 4
TEXTS_PER_CUSTOMER = 4
REPLIES_PER_AGENT = 4
DEPARTMENTS = ("financeiro", "suporte")
CLIENTS = 4
"""Concurrent httpx clients the senders are spread over."""

LATENCY = 0.03
"""Seconds the stand-in waits between recording a send and answering it: the window a kill can hit."""
DOWNTIME = 0.4
"""How long senders keep posting (and failing) after the kill before waiting for the restart."""
META_DUPLICATES = 8
"""Acknowledged notifications delivered once more after the restart, as Meta sometimes does."""
SETTLE_TIMEOUT = 60.0

CONFIG = f"""\
[business]
name = "Loja Kill"

[[departments]]
key = "{DEPARTMENTS[0]}"
name = "Financeiro"

[[departments]]
key = "{DEPARTMENTS[1]}"
name = "Suporte"

[[agents]]
name = "Ana"
phone = "5511900000001"
departments = ["financeiro", "suporte"]
capacity = 2

[[agents]]
name = "Bruno"
phone = "5511900000002"
departments = ["suporte", "financeiro"]
capacity = 2

[timers]
queue_reminder_seconds = 0
offer_timeout_seconds = 0

[service]
rating = false
history_lines = 30
"""
"""Room for every customer at once (2 × 2 ≥ 4) and no timers, so every conversation is assigned."""

CUSTOMER_TOKEN = re.compile(r"\bc\d{2}-m\d{3}\b")
AGENT_TOKEN = re.compile(r"\ba\d-r\d{3}\b")

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def digits(wa_id: str | None) -> str:
    return (wa_id or "").removeprefix("+")


# -- the server process -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`atende serve` in a subprocess of its own session, so that it (and anything it forks) can be killed."""

    def __init__(self, env: dict[str, str], port: int, logs: Path) -> None:
        self.env = env
        self.port = port
        self.logs = logs
        self.url = f"http://127.0.0.1:{port}"
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []

    @property
    def process(self) -> subprocess.Popen[bytes]:
        return self.started[-1][0]

    def start(self) -> None:
        log = self.logs / f"serve-{len(self.started) + 1}.log"
        with log.open("wb") as out:  # the child keeps its own descriptor
            process = subprocess.Popen(
                [str(ATENDE), "serve", "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append((process, log))
        deadline = time.monotonic() + 30
        with httpx.Client(trust_env=False, timeout=1) as client:
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"atende serve exited with {process.returncode}:\n{self.tail()}")
                try:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"atende serve did not answer /healthz within 30 s:\n{self.tail()}")
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no lifespan shutdown, no lease handed over, nothing flushed."""
        process = self.process
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; the exit code."""
        process = self.process
        process.send_signal(signal.SIGTERM)
        return process.wait(30)

    def cleanup(self) -> None:
        """Whatever happened to the test, no process it started survives it."""
        for process, _ in self.started:
            if process.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def tail(self, lines: int = 40) -> str:
        parts = []
        for n, (_, log) in enumerate(self.started, 1):
            text = log.read_text(encoding="utf-8", errors="replace").splitlines()
            parts.append(f"--- serve-{n}.log (last {lines} lines) ---\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)

    def log_text(self) -> str:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace") for _, log in self.started)


@pytest.fixture
def standin() -> Iterator[GraphStandIn]:
    with GraphStandIn(access_token=ACCESS_TOKEN, phone_number_id=PHONE_NUMBER_ID, latency=LATENCY) as graph:
        yield graph


@pytest.fixture
def server(tmp_path: Path, standin: GraphStandIn, bare_database_url: str) -> Iterator[Server]:
    """A configured, migrated deployment; not started (the test starts it, kills it, starts it again)."""
    config = tmp_path / "atende.toml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ATENDE_", "WHATSAPP_")) and key.upper() not in _PROXY_VARIABLES
    }
    env.update(
        {
            "ATENDE_CONFIG": str(config),
            "ATENDE_DATABASE_URL": bare_database_url,  # `atende db upgrade` below migrates it
            "WHATSAPP_GRAPH_URL": standin.url,
            "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        }
    )
    upgrade = subprocess.run(
        [str(ATENDE), "db", "upgrade"], check=False, env=env, capture_output=True, text=True, timeout=60
    )
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    served = Server(env, free_port(), tmp_path)
    try:
        yield served
    finally:
        served.cleanup()


# -- the database, read from outside -------------------------------------------------------------


class Database:
    """The database atende writes, read by the test (never written)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        engine = connect(self.url)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(sql))]
        finally:
            engine.dispose()

    def backlog(self) -> tuple[int, int]:
        """(arrivals not handled yet, messages not sent yet: pending or held)."""
        [(waiting,)] = self.query("SELECT count(*) FROM intake WHERE done_at IS NULL")
        [(unsent,)] = self.query("SELECT count(*) FROM outbox WHERE delivery IN ('pending', 'held')")
        return int(waiting), int(unsent)


# -- the traffic ----------------------------------------------------------------------------------

_ids = itertools.count(1)


@dataclass
class Post:
    """One notification, built once: a re-delivery posts the very same bytes, as Meta does."""

    sender: str
    name: str
    kind: str
    content: dict[str, Any]
    message_id: str = field(default_factory=lambda: f"wamid.KILL{os.getpid()}x{next(_ids):06d}")
    acknowledged: bool = False
    answers: list[str] = field(default_factory=list)
    _body: bytes = b""

    @property
    def body(self) -> bytes:
        if not self._body:  # the timestamp is the moment it was first sent
            item = message(self.sender, self.kind, self.content, message_id=self.message_id)
            self._body = body_of(from_person(self.sender, self.name, item))
        return self._body


def text_post(sender: str, name: str, text: str) -> Post:
    return Post(sender, name, "text", {"body": text})


def choice_post(sender: str, name: str, department: str) -> Post:
    reply = {"id": f"dept:{department}", "title": department.capitalize()}
    return Post(sender, name, "interactive", {"type": "button_reply", "button_reply": reply})


@dataclass
class Sender:
    """A customer or an agent: posts its script in order; what fails is delivered again, in order, after the restart."""

    phone: str
    name: str
    script: list[Post]
    client: httpx.AsyncClient
    ready: Callable[[], Awaitable[None]] | None = None
    """Awaited before the first post (an agent answers only once a customer was assigned)."""


class Traffic:
    def __init__(self, server: Server, graph: GraphStandIn, rng: random.Random) -> None:
        self.server = server
        self.graph = graph
        self.rng = rng
        self.posts: list[Post] = []
        self.acknowledged = 0
        self.killed = asyncio.Event()
        self.restarted = asyncio.Event()
        self.kill_time = 0.0
        self.failed_during_downtime = 0

    async def send(self, client: httpx.AsyncClient, post: Post) -> bool:
        body = post.body
        try:
            response = await client.post("/webhook", content=body, headers=signed(body))
        except httpx.TransportError as error:
            post.answers.append(type(error).__name__)
            return False
        post.answers.append(str(response.status_code))
        if response.status_code != 200:
            return False
        if not post.acknowledged:
            post.acknowledged = True
            self.acknowledged += 1
        return True

    async def deliver_until_acknowledged(self, client: httpx.AsyncClient, post: Post) -> None:
        """Meta's retries: again and again until a 200 (a stale keep-alive connection may fail once)."""
        for _ in range(100):
            if await self.send(client, post):
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"{post.message_id} was never acknowledged: {post.answers}")

    async def gate(self) -> None:
        """Senders keep posting for DOWNTIME after the kill (and fail), then wait for the restart."""
        if self.killed.is_set() and not self.restarted.is_set():
            remaining = self.kill_time + DOWNTIME - time.monotonic()
            if remaining <= 0:
                await self.restarted.wait()

    async def play(self, sender: Sender, pause: tuple[float, float]) -> None:
        unacknowledged: list[Post] = []
        if sender.ready is not None:
            await sender.ready()
        for post in sender.script:
            await self.gate()
            if unacknowledged and self.restarted.is_set():
                for old in unacknowledged:
                    await self.deliver_until_acknowledged(sender.client, old)
                unacknowledged.clear()
            self.posts.append(post)
            if not await self.send(sender.client, post):
                unacknowledged.append(post)
                if self.killed.is_set() and not self.restarted.is_set():
                    self.failed_during_downtime += 1
            await asyncio.sleep(self.rng.uniform(*pause))
        if unacknowledged:
            await self.restarted.wait()
            for old in unacknowledged:
                await self.deliver_until_acknowledged(sender.client, old)

    def message_requests(self) -> int:
        return sum(r.is_message for r in self.graph.requests)


@dataclass
class KillReport:
    at_acknowledged: int
    in_flight_mode: bool
    requests_before_restart: int
    """Stand-in requests recorded before the restart: indexes below it were sent by the killed process."""
    backlog: tuple[int, int]
    """(arrivals not handled, messages not sent) the dead process left behind."""


async def kill_and_restart(
    traffic: Traffic, db: Database, *, after: int, in_flight: bool, clients: list[httpx.AsyncClient]
) -> KillReport:
    """SIGKILL once `after` posts were acknowledged (and, `in_flight`, while a send awaits its answer); restart."""
    rng = traffic.rng
    while traffic.acknowledged < after:
        await asyncio.sleep(0.002)
    if in_flight:
        # Wait for the 1st to 4th next send to reach the stand-in (a later one is likely in the
        # middle of a courier pass): it answers LATENCY later, and the process dies in between —
        # after Meta accepted the message, before atende could know.
        target = traffic.message_requests() + rng.randint(1, 4)
        await asyncio.to_thread(traffic.graph.wait_for, lambda rs: sum(r.is_message for r in rs) >= target, 5.0)
    traffic.server.kill()
    traffic.kill_time = time.monotonic()
    traffic.killed.set()
    backlog = db.backlog()
    await asyncio.sleep(DOWNTIME)
    # Counted only now: a request whose bytes were on their way at the kill is still recorded.
    report = KillReport(after, in_flight, len(traffic.graph.requests), backlog)
    await asyncio.to_thread(traffic.server.start)
    traffic.restarted.set()
    # Meta delivers some notifications more than once, acknowledged ones included.
    acknowledged = [p for p in traffic.posts if p.acknowledged]
    for post in rng.sample(acknowledged, min(META_DUPLICATES, len(acknowledged))):
        await traffic.deliver_until_acknowledged(rng.choice(clients), post)
    return report


# -- reading what the stand-in received -----------------------------------------------------------


def tokens(request: RecordedRequest, pattern: re.Pattern[str]) -> list[str]:
    return pattern.findall(request.text or "")


def is_assignment(request: RecordedRequest) -> bool:
    return (request.text or "").startswith("🔔")


async def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


# -- the test -------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("seed", range(5))
async def test_sigkill_mid_traffic_loses_nothing_acknowledged_and_relays_nothing_twice(
    seed: int, server: Server, standin: GraphStandIn, tmp_path: Path
) -> None:
    rng = random.Random(seed)
    db = Database(server.env["ATENDE_DATABASE_URL"])
    in_flight = seed % 2 == 1
    # From early (menus going out) to late (relays and answers), with some jitter within each.
    moment = 0.45 + 0.45 * seed / 4 + rng.uniform(-0.04, 0.04)
    started = time.monotonic()
    server.start()
    traffic = Traffic(server, standin, rng)
    clients = [httpx.AsyncClient(base_url=server.url, timeout=10, trust_env=False) for _ in range(CLIENTS)]
    try:
        report = await run_traffic(traffic, db, clients, moment=moment, in_flight=in_flight)
        posted = time.monotonic() - started
        await until(lambda: db.backlog() == (0, 0), SETTLE_TIMEOUT, "the intake and the outbox to drain")
        drained = time.monotonic() - started
        assert server.stop() in (0, -signal.SIGTERM), server.tail()
    except BaseException:
        print(server.tail())
        raise
    finally:
        for client in clients:
            await client.aclose()
    elapsed = time.monotonic() - started
    window = check(traffic, db, standin, report, server)
    print(
        f"\nseed {seed}: killed after {report.at_acknowledged} acknowledged posts"
        f" ({'during a send' if in_flight else 'at a random moment'}), left behind {report.backlog[0]} arrival(s)"
        f" and {report.backlog[1]} unsent message(s); {traffic.failed_during_downtime} post(s) failed while down;"
        f" {len(traffic.posts)} notifications, {len(standin.messages)} sends; {elapsed:.1f} s"
        f" (killed at {traffic.kill_time - started:.1f} s, traffic done at {posted:.1f} s, drained at {drained:.1f} s)"
        + (f"; docs/design.md §7 window used by {window[0]}" if window else "")
    )


async def run_traffic(
    traffic: Traffic, db: Database, clients: list[httpx.AsyncClient], *, moment: float, in_flight: bool
) -> KillReport:
    """Agents check in, then everyone writes; the server is killed once `moment` of the posts were acknowledged."""
    graph = traffic.graph
    # Agents check in first (signed `/entrar`), and are told so.
    for n, (phone, name) in enumerate(AGENTS.items()):
        post = text_post(phone, name, "/entrar")
        traffic.posts.append(post)
        await traffic.deliver_until_acknowledged(clients[n % CLIENTS], post)
    await until(
        lambda: all(any((t or "").startswith("✅") for t in graph.texts_to(phone)) for phone in AGENTS),
        10,
        "both agents to be checked in",
    )

    senders: list[Sender] = []
    for i in range(CUSTOMERS):
        phone, name = f"55119876500{i:02d}", f"Cliente{i:02d}"
        script = [text_post(phone, name, f"c{i:02d}-m000 olá, preciso de ajuda")]
        script.append(choice_post(phone, name, DEPARTMENTS[i % len(DEPARTMENTS)]))
        script += [text_post(phone, name, f"c{i:02d}-m{n:03d} mensagem {n}") for n in range(1, TEXTS_PER_CUSTOMER + 1)]
        senders.append(Sender(phone, name, script, clients[i % CLIENTS]))
    for j, (phone, name) in enumerate(AGENTS.items(), 1):
        script = [text_post(phone, name, f"a{j}-r{n:03d} resposta {n}") for n in range(1, REPLIES_PER_AGENT + 1)]
        senders.append(Sender(phone, name, script, clients[(CUSTOMERS + j) % CLIENTS], ready=assigned(db, phone)))

    total = sum(len(s.script) for s in senders)
    after = round(total * moment)
    killer = asyncio.create_task(kill_and_restart(traffic, db, after=after, in_flight=in_flight, clients=clients))
    players = [traffic.play(s, (0.25, 0.6) if s.phone not in AGENTS else (0.2, 0.5)) for s in senders]
    await asyncio.gather(*players, killer)
    return killer.result()


def assigned(db: Database, agent: str) -> Callable[[], Awaitable[None]]:
    """An agent answers once atende has given them a customer.

    Read from the database rather than from the 🔔: after a restart the 🔔 waits for the courier's
    lease (up to 15 s), and the agent's answers are better sent while it waits, as traffic.
    """

    async def wait() -> None:
        sql = f"SELECT count(*) FROM conversations WHERE agent = '{agent}' AND stage = 'assigned'"
        await until(lambda: db.query(sql)[0][0] > 0, 40, f"a customer for {agent}")

    return wait


def check(traffic: Traffic, db: Database, graph: GraphStandIn, report: KillReport, server: Server) -> list[str]:
    """Every check of the module docstring; returns the sends that used docs/design.md §7's allowance, as text."""
    assert sum(report.backlog) > 0, "the kill found nothing in flight: it did not test anything"

    # Nothing acknowledged is lost: every notification answered 200 is stored and was handled.
    intake = {key: (done, error) for key, done, error in db.query("SELECT key, done_at, error FROM intake")}
    for post in traffic.posts:
        assert post.acknowledged, f"{post.message_id} never acknowledged: {post.answers}"
        assert post.message_id in intake, f"acknowledged {post.message_id} is not in the intake"
        done, error = intake[post.message_id]
        assert done is not None and error is None, f"{post.message_id}: handled={done!r}, error={error!r}"

    outbox = db.query("SELECT id, recipient, delivery, provider_id, error FROM outbox")
    assert not [row for row in outbox if row[2] in ("failed", "pending", "held")], outbox
    recorded = {row[3] for row in outbox if row[3]}
    sends = [(i, r) for i, r in enumerate(graph.requests) if r.is_message]
    accepted = [(i, r) for i, r in sends if r.accepted]
    refused = [r for _, r in sends if not r.accepted]
    assert not refused, [(r.status, r.response) for r in refused]

    # docs/design.md §7's one exception: a send the stand-in accepted that atende never recorded,
    # at most one per recipient (ADR 0015: one send in flight per recipient).
    unrecorded = [(i, r) for i, r in accepted if r.type != "read" and r.wamid not in recorded]
    per_recipient = Counter(digits(r.to) for _, r in unrecorded)
    assert all(n == 1 for n in per_recipient.values()), f"accepted but never recorded, per recipient: {per_recipient}"
    for i, request in unrecorded:
        last = max(j for j, r in sends if j < report.requests_before_restart and r.to == request.to)
        assert i == last, (
            f"send #{i} to {request.to} was accepted but never recorded, and it is not the killed process's"
            f" last send to them (#{last}): {request.text!r}"
        )
    counted = [r for i, r in accepted if (i, r) not in unrecorded]
    for _, request in unrecorded:  # the message itself was sent again after the restart, once
        if not tokens(request, CUSTOMER_TOKEN) + tokens(request, AGENT_TOKEN):  # relays: counted below
            again = [r for r in counted if r.to == request.to and r.json == request.json]
            assert len(again) == 1, f"the send in flight at the kill was sent {len(again)} time(s) after it"

    # Nothing sent twice: the same body to the same person, twice.
    same = Counter((digits(r.to), json.dumps(r.json, sort_keys=True)) for r in counted)
    twice = [key for key, n in same.items() if n > 1]
    assert not twice, f"sent twice: {twice}"

    # Every customer was assigned; each of their texts reached an agent in exactly one request.
    customers = {p.sender for p in traffic.posts if p.sender not in AGENTS}
    names = {p.sender: p.name for p in traffic.posts}
    for customer in customers:
        header = f"*{names[customer]}*"
        assert any(is_assignment(r) and header in (r.text or "") for r in counted), f"{customer} was never assigned"
    written = Counter(
        t for p in traffic.posts if p.sender not in AGENTS for t in CUSTOMER_TOKEN.findall(p.content.get("body", ""))
    )
    relayed = Counter(t for r in counted if digits(r.to) in AGENTS for t in tokens(r, CUSTOMER_TOKEN))
    assert set(written) == set(relayed), f"never relayed: {sorted(set(written) - set(relayed))}"
    assert all(n == 1 for n in relayed.values()), f"relayed more than once: {[t for t, n in relayed.items() if n > 1]}"
    assert not [r for r in counted if digits(r.to) not in AGENTS and tokens(r, CUSTOMER_TOKEN)]

    answered = Counter(
        t for p in traffic.posts if p.sender in AGENTS for t in AGENT_TOKEN.findall(p.content.get("body", ""))
    )
    delivered = Counter(t for r in counted if digits(r.to) not in AGENTS for t in tokens(r, AGENT_TOKEN))
    assert set(answered) == set(delivered), f"agent texts never relayed: {sorted(set(answered) - set(delivered))}"
    assert all(n == 1 for n in delivered.values()), (
        f"agent texts relayed twice: {[t for t, n in delivered.items() if n > 1]}"
    )

    assert "Traceback" not in server.log_text(), server.tail(200)
    return [f"#{i} to {request.to}: {request.text!r}" for i, request in unrecorded]
