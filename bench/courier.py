"""The courier alone: how fast a filled outbox drains to a Graph API sink on loopback.

    .venv/bin/python bench/courier.py                        # SQLite, 1 courier
    .venv/bin/python bench/courier.py --latency 0.05         # the sink answers 50 ms later, as Meta might
    .venv/bin/python bench/courier.py --postgres URL         # plus PostgreSQL, 1 and 2 processes
    .venv/bin/python bench/courier.py --profile              # cProfile of the SQLite drain, top entries

What it measures: `messages` outbox rows (texts to customers, `per_recipient` each, so none is
coalesced and each is one send, all within the pair limit's burst), written in one transaction,
then sent by courier passes as `atende serve`'s loop runs them, until none is pending: sends/s,
from the first pass to the last record. The sink (bench/courier_sink.py, raw ASGI on uvicorn in a process
of its own) answers like the Graph API and counts duplicates and per-recipient order, which the
run checks. Baseline in the same run: the sink fed by bare httpx.AsyncClients, 32 requests in
flight (the most any courier could reach against this sink on this machine).

It does not measure the webhook or the use cases (bench/ingest.py, and issue 9's load bench, do).
The same script runs against an older revision (`PYTHONPATH=<old tree>/src`): a courier without
`AsyncGraphApiGateway` is given the blocking Graph client, as that revision's `atende serve` did.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from atende.adapters.sql.schema import upgrade
from atende.application.courier import Pacing
from atende.application.outbound import Audience, Outgoing, TextBody
from atende.application.session import Session
from atende.bootstrap import bootstrap
from atende.webhook.background import COURIER_BATCH

sys.path.insert(0, str(Path(__file__).parent))
from common import ACCESS_TOKEN, PHONE_NUMBER_ID, shop
from stack import free_port

CONCURRENCY = 32


class Sink:
    """bench/courier_sink.py in a process of its own."""

    def __init__(self, latency: float = 0.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        sink = Path(__file__).parent / "courier_sink.py"
        command = [sys.executable, str(sink), str(self.port), str(latency)]
        self.process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{self.url}/stats").raise_for_status()
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stats(self, reset: bool = False) -> dict[str, Any]:
        answer: dict[str, Any] = httpx.get(f"{self.url}/stats", params={"reset": int(reset)}).json()
        return answer

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def bare(sink: Sink, count: int) -> float:
    """Requests/s from bare httpx.AsyncClients, CONCURRENCY in flight over pools of 2 connections
    taken in turn (as the courier's gateway does): the sink's ceiling here."""

    async def run() -> float:
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
        clients = [httpx.AsyncClient(limits=limits) for _ in range(CONCURRENCY // 2)]
        turns = itertools.cycle(clients)
        url = f"{sink.url}/v24.0/{PHONE_NUMBER_ID}/messages"
        queue = list(range(count))

        async def worker() -> None:
            while queue:
                n = queue.pop()
                body = {"messaging_product": "whatsapp", "to": f"bare{n % 500}", "type": "text"}
                body["text"] = {"body": f"b{n}"}
                (await next(turns).post(url, json=body)).raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        rate = count / (time.perf_counter() - started)
        for client in clients:
            await client.aclose()
        return rate

    rate = asyncio.run(run())
    sink.stats(reset=True)
    return rate


def fill(url: str, messages: int, per_recipient: int) -> None:
    system = bootstrap(shop(), database_url=url)

    def write(session: Session) -> None:
        for n in range(per_recipient):
            for k in range(messages // per_recipient):
                text = f"r{k:05d}-m{n:02d}"
                to = f"5511955{k:06d}"
                session.uow.outbox.add(Outgoing(text, to, Audience.CUSTOMER, TextBody(text), session.now))

    system.atende.run(write)
    system.close()


def courier_for(system: Any, sink: Sink, holder: str) -> tuple[Any, str]:
    try:
        from atende.adapters.whatsapp.async_graph import AsyncGraphApiGateway
    except ImportError:  # an older revision: one send at a time, on the blocking client
        from atende.adapters.whatsapp.graph import GraphApiGateway

        return system.atende.courier(GraphApiGateway(sink.url, PHONE_NUMBER_ID, ACCESS_TOKEN), Pacing()), "blocking"
    gateway = AsyncGraphApiGateway(sink.url, PHONE_NUMBER_ID, ACCESS_TOKEN)
    return system.atende.courier(gateway, Pacing(), holder=holder), "async"


def profiled_drain(url: str, sink_url: str, holder: str) -> tuple[int, float, float]:
    """`drain` under cProfile; prints where the time went (by own time)."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    result = profile.runcall(drain, url, sink_url, holder)
    pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    return result


def drain(url: str, sink_url: str, holder: str, start: Any = None) -> tuple[int, float, float]:
    """Courier passes until nothing is pending: (messages sent, first pass, last pass) in perf time."""
    sink = Sink.__new__(Sink)
    sink.url = sink_url
    system = bootstrap(shop(), database_url=url)
    courier, _ = courier_for(system, sink, holder)
    if start is not None:
        start.wait()
    began = time.perf_counter()
    sent = 0
    while True:
        done = courier.deliver(COURIER_BATCH)
        sent += done
        if not done:
            with system.uow_factory() as uow:
                if not uow.outbox.pending(1):
                    break
    ended = time.perf_counter()
    if hasattr(courier, "close"):
        courier.close()
    system.close()
    return sent, began, ended


def _drain_in_child(url: str, sink_url: str, holder: str, start: Any, results: Any) -> None:
    results.put(drain(url, sink_url, holder, start))


def variant(
    url: str, sink: Sink, messages: int, per_recipient: int, processes: int, *, profile: bool = False
) -> dict[str, Any]:
    upgrade(url)
    fill(url, messages, per_recipient)
    if processes == 1:
        sent, began, ended = (profiled_drain if profile else drain)(url, sink.url, "bench-1")
        results = [(sent, began, ended)]
    else:
        spawn = multiprocessing.get_context("spawn")
        start, queue = spawn.Event(), spawn.Queue()
        workers = [
            spawn.Process(target=_drain_in_child, args=(url, sink.url, f"bench-{i}", start, queue))
            for i in range(processes)
        ]
        for worker in workers:
            worker.start()
        time.sleep(2)  # let every child import and connect before the start
        start.set()
        results = [queue.get(timeout=600) for _ in workers]
        for worker in workers:
            worker.join(30)
    began = min(r[1] for r in results)
    ended = max(r[2] for r in results)
    stats = sink.stats(reset=True)
    return {
        "sent": sum(r[0] for r in results),
        "per_process": [r[0] for r in results],
        "rate": messages / (ended - began),
        "received": stats["received"],
        "duplicates": stats["duplicates"],
        "out_of_order": stats["out_of_order"],
    }


def wipe(url: str) -> None:
    from sqlalchemy import text

    from atende.adapters.sql.engine import connect

    engine = connect(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=6000)
    parser.add_argument("--per-recipient", type=int, default=10, help="≤ the pair limit's burst (10)")
    parser.add_argument("--postgres", help="a PostgreSQL URL to wipe and use for the PostgreSQL variants")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the sink takes to answer each send")
    parser.add_argument("--profile", action="store_true", help="profile the SQLite drain (printed to stderr)")
    args = parser.parse_args(argv)
    sink = Sink(args.latency)
    rows: list[tuple[str, dict[str, Any]]] = []
    try:
        ceiling = bare(sink, args.messages)
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/courier.db"
            row = variant(url, sink, args.messages, args.per_recipient, 1, profile=args.profile)
            rows.append(("SQLite, 1 process", row))
        if args.postgres:
            for processes in (1, 2):
                wipe(args.postgres)
                name = f"PostgreSQL, {processes} process{'es' if processes > 1 else ''}"
                rows.append((name, variant(args.postgres, sink, args.messages, args.per_recipient, processes)))
    finally:
        sink.close()
    probe = bootstrap(shop(), database_url="sqlite://")
    kind = courier_for(probe, sink, "probe")[1]
    probe.close()
    print(
        f"courier: {kind} gateway · {args.messages} messages, {args.per_recipient} per recipient"
        f" · sink latency {args.latency * 1000:.0f} ms"
    )
    print("| measured | sends/s | ÷ bare | sent per process | received | duplicates | out of order |")
    print("|---|---:|---:|---|---:|---:|---:|")
    print(f"| baseline: bare httpx.AsyncClients, {CONCURRENCY} in flight | {ceiling:,.0f} | 1 | | | | |")
    failed = False
    for name, row in rows:
        print(
            f"| {name} | {row['rate']:,.0f} | {row['rate'] / ceiling:.3f}× | {row['per_process']} | {row['received']}"
            f" | {row['duplicates']} | {row['out_of_order']} |"
        )
        failed |= row["received"] != args.messages or row["duplicates"] or row["out_of_order"]
    print(json.dumps({"ceiling": ceiling, "rows": dict(rows)}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
