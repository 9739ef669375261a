"""Load shapes wrk cannot make, on `http1`: a paced open loop, and Meta's at-least-once delivery.

- `paced`: notifications at a fixed rate (say 1,000/s) over a pool of keep-alive connections;
  each request's latency is counted from the moment it was due, so a slow answer also counts
  for the requests that had to wait behind it (no coordinated omission). The rate achieved and
  the late starts are reported, so a client that could not keep up is visible.
- `deliver`: Meta's side of the fault run. Each notification is posted at its time and posted
  again until it gets a 200 (backoff 0.5 s doubling to 5 s; a request that takes 20 s is given
  up and retried, as Meta's own timeout does); a share of them is posted twice on purpose, some
  time apart. Returns which were acknowledged and when.
"""

from __future__ import annotations

import asyncio
import random
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from busy import Note
from http1 import Connection, HttpError, request_bytes

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None  # type: ignore[assignment]


def _raw(url: str, note: Note) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": note.signature}
    return host, port, request_bytes(host, port, parts.path or "/", note.body, headers)


def _run(coroutine):  # type: ignore[no-untyped-def]
    """Run on uvloop (asyncio without it); Ctrl-C stops the whole bench afterwards, as before."""
    try:
        if uvloop is not None:
            return uvloop.run(coroutine)
        return asyncio.run(coroutine)
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.default_int_handler)


@dataclass
class PacedRun:
    offered: int
    answered: int
    seconds: float
    latencies: list[float]
    late_starts: int
    """Requests that started more than 10 ms after they were due (every connection was busy)."""
    errors: dict[str, int]
    acked: set[str] = field(default_factory=set)

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0


def paced(url: str, notes: Sequence[Note], rate: float, connections: int = 64) -> PacedRun:
    return _run(_paced(url, notes, rate, connections))  # type: ignore[no-any-return]


async def _paced(url: str, notes: Sequence[Note], rate: float, connections: int) -> PacedRun:
    prepared = [_raw(url, note) for note in notes]
    host, port = prepared[0][0], prepared[0][1]
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(Connection(host, port))
    latencies: list[float] = []
    errors: dict[str, int] = {}
    acked: set[str] = set()
    late = 0

    async def one(index: int, due: float) -> None:
        nonlocal late
        connection = await idle.get()
        if time.perf_counter() - due > 0.010:
            late += 1
        try:
            status, _ = await connection.send(prepared[index][2], timeout=30)
        except HttpError as error:
            errors[type(error.__cause__).__name__] = errors.get(type(error.__cause__).__name__, 0) + 1
        else:
            latencies.append(time.perf_counter() - due)
            if status == 200:
                acked.add(notes[index].message_id)
            else:
                errors[f"HTTP {status}"] = errors.get(f"HTTP {status}", 0) + 1
        finally:
            idle.put_nowait(connection)

    start = time.perf_counter()
    tasks = []
    for index in range(len(prepared)):
        due = start + index / rate
        pause = due - time.perf_counter()
        if pause > 0:
            await asyncio.sleep(pause)
        tasks.append(asyncio.create_task(one(index, due)))
    await asyncio.gather(*tasks)
    seconds = time.perf_counter() - start
    while not idle.empty():
        idle.get_nowait().close()
    return PacedRun(len(prepared), len(latencies), seconds, latencies, late, errors, acked)


@dataclass
class Delivery:
    acked: dict[str, float]
    """message id → wall-clock time of its first 200."""
    posts: int
    retries: int
    duplicates_sent: int
    unacked: list[str]
    errors: dict[str, int]


def deliver(
    urls: Sequence[str],
    notes: Sequence[Note],
    rate: float,
    *,
    duplicate_share: float = 0.0,
    connections: int = 32,
    deadline: float = 120.0,
    seed: int = 5,
) -> Delivery:
    """Post `notes` in order at `rate`, each until a 200 (or `deadline` s after the start)."""
    return _run(_deliver(urls, notes, rate, duplicate_share, connections, deadline, seed))  # type: ignore[no-any-return]


async def _deliver(  # noqa: PLR0915, PLR0917 (one closure-heavy loop)
    urls: Sequence[str],
    notes: Sequence[Note],
    rate: float,
    duplicate_share: float,
    connections: int,
    deadline: float,
    seed: int,
) -> Delivery:
    rng = random.Random(seed)
    targets = [_raw(url, notes[0])[:2] for url in urls]
    pools: list[asyncio.Queue[Connection]] = []
    for host, port in targets:
        pool: asyncio.Queue[Connection] = asyncio.Queue()
        for _ in range(max(1, connections // len(targets))):
            pool.put_nowait(Connection(host, port))
        pools.append(pool)
    acked: dict[str, float] = {}
    errors: dict[str, int] = {}
    counts = {"posts": 0, "retries": 0, "duplicates": 0}
    start = time.monotonic()
    end = start + deadline

    async def post(note: Note, turn: int) -> bool:
        pool = pools[turn % len(pools)]
        host, port = targets[turn % len(targets)]
        raw = _raw(f"http://{host}:{port}{urlsplit(urls[0]).path}", note)[2]
        connection = await pool.get()
        counts["posts"] += 1
        try:
            status, _ = await connection.send(raw, timeout=20)
        except HttpError as error:
            name = type(error.__cause__).__name__
            errors[name] = errors.get(name, 0) + 1
            return False
        finally:
            pool.put_nowait(connection)
        if status != 200:
            errors[f"HTTP {status}"] = errors.get(f"HTTP {status}", 0) + 1
            return False
        acked.setdefault(note.message_id, time.time())
        return True

    async def until_acked(note: Note, turn: int) -> None:
        pause = 0.5
        while not await post(note, turn):
            if time.monotonic() + pause > end:
                return
            counts["retries"] += 1
            turn += 1  # try the next server, as a load balancer would
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)

    async def twice(note: Note, turn: int, after: float) -> None:
        await asyncio.sleep(after)
        counts["duplicates"] += 1
        await until_acked(note, turn + 1)

    tasks = []
    for index, note in enumerate(notes):
        due = start + index / rate
        pause = due - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        tasks.append(asyncio.create_task(until_acked(note, index)))
        if rng.random() < duplicate_share:
            tasks.append(asyncio.create_task(twice(note, index, rng.uniform(0.05, 3.0))))
    await asyncio.gather(*tasks)
    for pool in pools:
        while not pool.empty():
            pool.get_nowait().close()
    unacked = [n.message_id for n in notes if n.message_id not in acked]
    return Delivery(acked, counts["posts"], counts["retries"], counts["duplicates"], unacked, errors)
