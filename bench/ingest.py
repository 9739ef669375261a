"""Webhook ingest over real HTTP on 127.0.0.1: atende's app under uvicorn vs a raw HMAC-checking app.

Each server runs in its own process (`serve.py`, one uvicorn worker, uvloop + httptools), and
`wrk` loads it with pre-signed ~1 KB text notifications (`webhook.lua`): the client does exactly
the same work for every server, so the ratio is the server's. atende gets every message id at
most once (the pool is never reused: a run that exhausts it says so), the baseline cycles through
its pool since it stores nothing. After each run against atende, the rows in `intake` are
counted: every 200 must be a stored arrival.

Two load shapes, each against the same-shape baseline:
- saturated: ~1 KB texts on 64 connections as fast as they go (closed loop, so p50 ≈ connections
  / throughput): the ceiling;
- paced: 8 connections that pause after each answer, ~320 req/s offered, 1 notification in 4 a
  text and 3 statuses — Meta's sizing for a number at its default 80 messages/s (3× statuses +
  1× inbound, docs/whatsapp.md §g), the load at which its latency target (median ≤ 250 ms, < 1 % over
  1 s) matters. wrk is not an open-loop generator: slow answers lower the rate offered.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from common import (
    ACCESS_TOKEN,
    PHONE_NUMBER_ID,
    Databases,
    Row,
    Section,
    fmt_ms,
    fmt_rate,
    meta_mix,
    signed_notifications,
)

from atende.standin import GraphStandIn

HERE = Path(__file__).resolve().parent
LUA = HERE / "webhook.lua"
SERVER = HERE / "serve.py"
INSTALL_HINT = "wrk is not installed: `apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk` (macOS)"

SATURATED_CONNECTIONS = 64
PACED_CONNECTIONS = 8
PACED_RATE = 320
"""Requests per second offered in the paced runs (Meta: size for 3× outbound statuses + 1× inbound at 80 mps)."""
RAW_POOL = 5000
"""The baseline cycles through this many signed bodies."""


@dataclass(frozen=True)
class Budget:
    warmup: int
    saturated: int
    paced: int
    """wrk durations, whole seconds (wrk accepts nothing finer)."""


FULL = Budget(warmup=1, saturated=10, paced=8)
QUICK = Budget(warmup=1, saturated=2, paced=2)
TINY = Budget(warmup=0, saturated=1, paced=0)


@dataclass(frozen=True)
class WrkRun:
    requests: int
    seconds: float
    p50: float
    p90: float
    p99: float
    max: float
    errors: dict[str, int]
    exhausted: bool

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        """Responses that were not 2xx/3xx, and socket errors (timeouts included)."""
        return sum(self.errors.values())


class WrkError(RuntimeError):
    pass


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(
    url: str,
    pool: Path,
    *,
    seconds: int,
    connections: int,
    wrap: bool,
    delay_ms: int = 0,
) -> WrkRun:
    wrk = wrk_path()
    if wrk is None:
        raise WrkError(INSTALL_HINT)
    command = [
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        str(pool),
        "1" if wrap else "0",
        "1",
    ]
    env = {**os.environ, "BENCH_DELAY_MS": str(delay_ms)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=seconds + 60, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise WrkError(
            f"wrk did not run {LUA.name} (exit {done.returncode}); without its script wrk silently sends GETs. "
            f"stderr: {done.stderr.strip()[:300]}"
        )
    data = json.loads(line.removeprefix("BENCH "))
    if data["loaded"] == 0:
        raise WrkError(f"{LUA.name} loaded no requests from {pool}")
    errors = {k: int(data[k]) for k in ("connect", "read", "write", "status", "timeout")}
    return WrkRun(
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        p50=data["p50_us"] / 1e6,
        p90=data["p90_us"] / 1e6,
        p99=data["p99_us"] / 1e6,
        max=data["max_us"] / 1e6,
        errors=errors,
        exhausted=bool(data["exhausted"]),
    )


def write_pool(path: Path, prefix: str, count: int, *, mix: bool = False) -> Path:
    """`count` signed notifications for webhook.lua: texts only, or Meta's mix of texts and statuses."""
    notifications = meta_mix(prefix, count) if mix else signed_notifications(prefix, count)
    with path.open("w", encoding="ascii") as file:
        for signature, body in notifications:
            file.write(f"{signature}\t{body.decode('ascii')}\n")
    return path


class Server:
    """`serve.py KIND` in a child process, on a port it picked itself; stopped with SIGINT."""

    def __init__(self, kind: str, database_url: str = "", graph_url: str | None = None) -> None:
        command = [sys.executable, str(SERVER), kind, "--database", database_url]
        if graph_url:
            command += ["--graph", graph_url]
        self.kind = kind
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE)
        self._stderr: list[str] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()
        first = self.process.stdout.readline()
        if not first:
            self.stop()
            raise RuntimeError(f"serve.py {kind} did not start: {''.join(self._stderr)[-800:]}")
        info = json.loads(first)
        self.port = int(info["port"])
        self.loop = str(info["loop"])
        self.http = str(info["http"])
        self.store_threads = int(info["store_threads"])
        self._wait_healthy()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def _wait_healthy(self) -> None:
        import httpx

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve.py {self.kind} exited: {self.stderr[-800:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"serve.py {self.kind} not healthy within 20 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._drain.join(5)


@contextlib.contextmanager
def serving(kind: str, database_url: str = "", graph_url: str | None = None) -> Iterator[Server]:
    server = Server(kind, database_url, graph_url)
    try:
        yield server
    finally:
        server.stop()


def stored(path: Path) -> int:
    """Arrivals in `intake`, read beside the server (WAL lets a reader in while it writes)."""
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
        return int(connection.execute("SELECT count(*) FROM intake").fetchone()[0])


class Ingest:
    def __init__(self, databases: Databases, scratch: Path, budget: Budget) -> None:
        self.databases = databases
        self.scratch = scratch
        self.budget = budget
        self.paced = budget.paced > 0
        self.delay_ms = max(1, round(1000 * PACED_CONNECTIONS / PACED_RATE) - 2)
        """Pause per connection between requests (minus ~2 ms of round trip): ~PACED_RATE in all."""
        self.problems: list[str] = []
        self.notes: list[str] = []
        self._pools = 0
        self._rate_guess = 5000.0
        """req/s the next saturated atende run may reach: sizes its pool of unique notifications."""

    def _pool(self, count: int, mix: bool) -> Path:
        self._pools += 1
        path = self.scratch / f"pool-{self._pools:02d}.txt"
        return write_pool(path, f"B{self._pools:02d}X", count, mix=mix)

    def _atende_run(self, server: Server, db: Path, what: str, *, seconds: int, paced: bool = False) -> WrkRun:
        """A run that never repeats a message id; checks that every 200 is a stored arrival."""
        rate = PACED_RATE if paced else self._rate_guess
        pool = self._pool(max(2000, int(rate * seconds * 2.5)), mix=paced)
        before = stored(db)
        run = run_wrk(
            server.url,
            pool,
            seconds=seconds,
            connections=PACED_CONNECTIONS if paced else SATURATED_CONNECTIONS,
            wrap=False,
            delay_ms=self.delay_ms if paced else 0,
        )
        time.sleep(0.3)  # requests in flight when wrk stopped may still be committing
        after = stored(db)
        answered = run.requests - run.errors["status"]
        if after - before < answered:
            self.problems.append(f"{what}: {answered} answered 200 but only {after - before} stored")
        if run.exhausted:
            self.problems.append(f"{what}: the pool of unique notifications ran out; req/s is understated")
        if not paced:
            self._rate_guess = max(run.rate, 200.0)
        return run

    def measure(self) -> Section:
        budget = self.budget
        runs: dict[str, WrkRun] = {}
        with serving("raw") as raw:
            server_info = f"uvicorn 1 worker, loop={raw.loop}, http={raw.http}, no access log"
            texts, mix = self._pool(RAW_POOL, mix=False), self._pool(RAW_POOL, mix=True)
            if budget.warmup:
                run_wrk(raw.url, texts, seconds=budget.warmup, connections=SATURATED_CONNECTIONS, wrap=True)
            if self.paced:
                runs["raw paced"] = run_wrk(
                    raw.url, mix, seconds=budget.paced, connections=PACED_CONNECTIONS, wrap=True, delay_ms=self.delay_ms
                )
            runs["raw"] = run_wrk(
                raw.url, texts, seconds=budget.saturated, connections=SATURATED_CONNECTIONS, wrap=True
            )

        url, db = self.databases.fresh("ingest-edge")
        with serving("edge", url) as edge:
            if budget.warmup:
                self._atende_run(edge, db, "edge warm-up", seconds=budget.warmup)
            if self.paced:
                runs["edge paced"] = self._atende_run(edge, db, "edge paced", seconds=budget.paced, paced=True)
            runs["edge"] = self._atende_run(edge, db, "edge", seconds=budget.saturated)
            threads = edge.store_threads

        url, db = self.databases.fresh("ingest-served")
        graph = GraphStandIn(access_token=ACCESS_TOKEN, phone_number_id=PHONE_NUMBER_ID)
        with graph, serving("served", url, graph.url) as served:
            if budget.warmup:  # paced: a saturated run would leave the loops a backlog
                self._atende_run(served, db, "served warm-up", seconds=budget.warmup, paced=True)
            if self.paced:
                runs["served paced"] = self._atende_run(served, db, "served paced", seconds=budget.paced, paced=True)
                self.notes.append(
                    f"When the paced run ended, {unhandled(db):,} stored arrivals were still to be handled by the "
                    "intake loop (its 1 s reorder window alone holds back ~1 s worth)."
                )
            runs["served"] = self._atende_run(served, db, "served", seconds=budget.saturated)
            sent = len(graph.messages)

        for name, run in runs.items():
            if run.failed:
                self.problems.append(f"{name}: {run.failed} failed requests {run.errors}")
        self.notes.append(
            f"{server_info}; atende stores from {threads} thread{'s' if threads != 1 else ''} "
            "(`store_threads_for`, as `atende serve` picks for SQLite); wrk, 1 thread. "
            "Every 200 from atende was checked to be a stored intake row. "
            f"The served app sent {sent:,} messages to the Graph stand-in (a thread of this process) meanwhile."
        )
        return self._section(runs)

    def _section(self, runs: dict[str, WrkRun]) -> Section:
        section = Section(
            "Webhook ingest — HTTP on 127.0.0.1, wrk, signed notifications",
            columns=("conns", "req/s", "p50 ms", "p99 ms", "max ms", "requests"),
            ratio_label="req/s ÷ baseline",
        )

        def row(label: str, run: WrkRun, base: WrkRun | None, connections: int) -> Row:
            values = {
                "conns": str(connections),
                "req/s": fmt_rate(run.rate),
                "p50 ms": fmt_ms(run.p50),
                "p99 ms": fmt_ms(run.p99),
                "max ms": fmt_ms(run.max),
                "requests": f"{run.requests:,}",
            }
            return Row(label, values, None if base is None else run.rate / base.rate, baseline=base is None)

        raw = runs["raw"]
        section.rows += [
            row("saturated, ~1 KB texts — baseline: raw ASGI, body + HMAC → 200", raw, None, SATURATED_CONNECTIONS),
            row("  atende edge: HMAC, parse, accept → 200", runs["edge"], raw, SATURATED_CONNECTIONS),
            row("  atende as served: edge + intake/courier/timer loops", runs["served"], raw, SATURATED_CONNECTIONS),
        ]
        if self.paced:
            base = runs["raw paced"]
            section.rows += [
                row(f"paced ~{PACED_RATE} req/s, Meta mix — baseline", base, None, PACED_CONNECTIONS),
                row("  atende edge", runs["edge paced"], base, PACED_CONNECTIONS),
                row("  atende as served", runs["served paced"], base, PACED_CONNECTIONS),
            ]
            section.notes.append(
                f"Paced: each of {PACED_CONNECTIONS} connections pauses {self.delay_ms} ms after each answer, so "
                f"~{PACED_RATE} req/s are offered while answers are quick (fewer when they are slow); 1 in 4 "
                "notifications is a ~1 KB text, 3 are ~0.5 KB statuses: Meta's sizing for a number at 80 mps "
                "(docs/whatsapp.md §g), where its target applies: median ≤ 250 ms, < 1 % over 1 s."
            )
        section.notes += self.notes
        section.problems += self.problems
        return section


def unhandled(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
        return int(connection.execute("SELECT count(*) FROM intake WHERE done_at IS NULL").fetchone()[0])
