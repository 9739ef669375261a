"""Use-case throughput in-process: `Atende.receive` for a stream of customer messages on SQLite,
and the intake draining the same stream stored first (`Atende.process_intake`, in batches).

Each customer says hello (→ the menu), picks a department (→ queued, dispatched at once to a
checked-in agent, told so), then writes three messages that are relayed to that agent. Twenty
agents with enough capacity serve everyone, so every stream reaches the relay. Only `receive`
is timed: nothing delivers the outbox meanwhile (the courier's work is not in these numbers).

The baseline is the floor for durable storage on the same file settings (WAL, `busy_timeout`,
foreign keys, `BEGIN IMMEDIATE` … `COMMIT` per message, default `synchronous`): one plain
sqlite3 insert of a ~700-character message per transaction. Beside it, `Atende.accept` alone:
the webhook's own write (one arrival stored in the intake, in one transaction).
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from common import Databases, Row, Section, agent_phone, customer_phone, fmt_rate, fmt_us, median, shop

from atende.application.arrivals import Inbound
from atende.bootstrap import bootstrap
from atende.domain.content import Text

AGENTS = 20
RELAYED = 3
"""Messages each customer writes once an agent has them."""
BODY = "Oi, preciso de ajuda com o meu pedido 48213, ele ainda não chegou e o prazo já passou. " * 8
"""~700 characters: what the accept and insert rows store per message (plus ids and times)."""
WARM_UP = 2
"""Customers whose messages go first, untimed (first queries, SQLAlchemy's statement caches)."""


@dataclass(frozen=True)
class Budget:
    customers: int
    """Each sends 2 + RELAYED messages."""
    baseline_inserts: int
    accepts: int


FULL = Budget(customers=200, baseline_inserts=3000, accepts=2000)
QUICK = Budget(customers=40, baseline_inserts=1000, accepts=500)
TINY = Budget(customers=4, baseline_inserts=100, accepts=50)

STEPS = ("menu", "choice → queued → assigned", "relayed to agent")


def stream(customers: int, prefix: str = "UC", first: int = 0) -> list[tuple[str, Inbound]]:
    """(step, message) in the order they arrive: customers interleaved, each in their own order."""
    per_customer: list[list[tuple[str, Inbound]]] = []
    now = datetime.now(UTC)
    for c in range(first, first + customers):
        wa_id = customer_phone(c)
        name = f"Cliente {c}"
        said = [("menu", "Oi, bom dia"), ("choice → queued → assigned", "1")]
        said += [("relayed to agent", f"Mensagem {i} sobre o pedido {c}, ainda não chegou.") for i in range(RELAYED)]
        per_customer.append(
            [
                (step, Inbound(f"wamid.{prefix}{c:05d}{i}", wa_id, name, now, Text(body)))
                for i, (step, body) in enumerate(said)
            ]
        )
    # Ten customers at a time write in turns, as they would on a busy morning.
    ordered: list[tuple[str, Inbound]] = []
    for start in range(0, customers, 10):
        group = per_customer[start : start + 10]
        for turn in range(2 + RELAYED):
            ordered.extend(messages[turn] for messages in group)
    return ordered


def atende_receive(databases: Databases, budget: Budget) -> tuple[float, dict[str, list[float]], list[str]]:
    """Messages/s over the whole stream, per-step timings, and anything that went wrong."""
    capacity = -(-(budget.customers + WARM_UP) // AGENTS)  # everyone gets an agent
    url, path = databases.fresh("usecase")
    system = bootstrap(shop(AGENTS, capacity=capacity), database_url=url, rng=random.Random(7))
    problems: list[str] = []
    try:
        atende = system.atende
        atende.sync_roster()
        for a in range(AGENTS):  # every agent checks in (untimed)
            atende.receive(
                Inbound(f"wamid.IN{a:03d}", agent_phone(a), f"Agente {a}", datetime.now(UTC), Text("/entrar"))
            )
        for _step, inbound in stream(WARM_UP, prefix="WU", first=budget.customers):  # first queries, caches
            atende.receive(inbound)
        messages = stream(budget.customers)
        timings: dict[str, list[float]] = defaultdict(list)
        start = time.perf_counter()
        for step, inbound in messages:
            began = time.perf_counter()
            if not atende.receive(inbound):
                problems.append(f"use case: {inbound.message_id} was taken for a re-delivery")
            timings[step].append(time.perf_counter() - began)
        total = time.perf_counter() - start
        relayed = count_relays(path)
        if relayed != budget.customers * RELAYED:
            problems.append(f"use case: {relayed} relays to agents queued, {budget.customers * RELAYED} expected")
        return len(messages) / total, timings, problems
    finally:
        system.close()


def atende_intake(databases: Databases, budget: Budget) -> tuple[float, list[str]]:
    """Messages/s for `Atende.process_intake` over the same stream, stored first (as the webhook
    leaves it): how fast the intake loop drains a backlog, batches and all."""
    capacity = -(-(budget.customers + WARM_UP) // AGENTS)
    url, path = databases.fresh("intake")
    system = bootstrap(shop(AGENTS, capacity=capacity), database_url=url, rng=random.Random(7))
    problems: list[str] = []
    try:
        atende = system.atende
        atende.sync_roster()
        earlier = datetime.now(UTC) - timedelta(seconds=30)  # past the reorder window: all ready
        check_in = [
            Inbound(f"wamid.IN{a:03d}", agent_phone(a), f"Agente {a}", earlier, Text("/entrar")) for a in range(AGENTS)
        ]
        warm_up = [inbound for _step, inbound in stream(WARM_UP, prefix="WU", first=budget.customers)]
        atende.accept([*check_in, *warm_up], received_at=earlier)
        while atende.process_intake(1000):  # untimed: check-ins, first queries, caches
            pass
        messages = [inbound for _step, inbound in stream(budget.customers)]
        atende.accept(messages, received_at=earlier)
        start = time.perf_counter()
        handled = 0
        while taken := atende.process_intake(1000):
            handled += taken
        total = time.perf_counter() - start
        if handled != len(messages):
            problems.append(f"intake: {handled} arrivals taken, {len(messages)} stored")
        relayed = count_relays(path)
        if relayed != budget.customers * RELAYED:
            problems.append(f"intake: {relayed} relays to agents queued, {budget.customers * RELAYED} expected")
        return len(messages) / total, problems
    finally:
        system.close()


def count_relays(path: str) -> int:
    """Relays of this run's customers queued for agents, read straight from the file."""
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
        query = "SELECT count(*) FROM outbox WHERE recipient LIKE '55119%' AND origin_id LIKE 'wamid.UC%'"
        return int(connection.execute(query).fetchone()[0])


def atende_accept(databases: Databases, count: int) -> float:
    """Arrivals/s for `Atende.accept` of one arrival per call: what the webhook does before its 200."""
    url, _path = databases.fresh("accept")
    system = bootstrap(shop(AGENTS), database_url=url)
    try:
        now = datetime.now(UTC)
        arrivals = [
            Inbound(f"wamid.AC{i:06d}", customer_phone(i % 500), "Cliente", now, Text(BODY)) for i in range(count)
        ]
        for arrival in arrivals[:20]:  # warm-up
            system.atende.accept([arrival])
        start = time.perf_counter()
        for arrival in arrivals[20:]:
            system.atende.accept([arrival])
        return (count - 20) / (time.perf_counter() - start)
    finally:
        system.close()


def plain_inserts(databases: Databases, count: int) -> float:
    """Messages/s for one sqlite3 INSERT per transaction, with atende's connection settings."""
    path = databases.blank("baseline-inserts")
    with contextlib.closing(sqlite3.connect(path, timeout=30, isolation_level=None)) as connection:
        connection.execute("PRAGMA busy_timeout = 30000")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute(
            "CREATE TABLE messages (id TEXT PRIMARY KEY, sender TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL)"
        )
        now = datetime.now(UTC).isoformat()
        rows = [(f"wamid.PL{i:06d}", customer_phone(i % 500), now, BODY) for i in range(count)]
        for row in rows[:20]:  # warm-up
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO messages VALUES (?, ?, ?, ?)", row)
            connection.execute("COMMIT")
        start = time.perf_counter()
        for row in rows[20:]:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO messages VALUES (?, ?, ?, ?)", row)
            connection.execute("COMMIT")
        return (count - 20) / (time.perf_counter() - start)


def measure(databases: Databases, budget: Budget) -> Section:
    baseline = plain_inserts(databases, budget.baseline_inserts)
    accepts = atende_accept(databases, budget.accepts)
    rate, timings, problems = atende_receive(databases, budget)
    drained, intake_problems = atende_intake(databases, budget)
    problems += intake_problems
    section = Section(
        "Use-case throughput — in-process on SQLite (WAL), one transaction per message",
        columns=("msgs/s", "mean µs/msg", "p50 µs", "messages"),
        ratio_label="msgs/s ÷ baseline",
    )
    section.rows.append(
        Row(
            "baseline: sqlite3 INSERT, BEGIN IMMEDIATE … COMMIT",
            {
                "msgs/s": fmt_rate(baseline),
                "mean µs/msg": fmt_us(1 / baseline),
                "p50 µs": "",
                "messages": f"{budget.baseline_inserts - 20:,}",
            },
            baseline=True,
        )
    )
    section.rows.append(
        Row(
            "Atende.accept: store one ~1 KB arrival (the webhook's write)",
            {
                "msgs/s": fmt_rate(accepts),
                "mean µs/msg": fmt_us(1 / accepts),
                "p50 µs": "",
                "messages": f"{budget.accepts - 20:,}",
            },
            accepts / baseline,
        )
    )
    count = sum(len(t) for t in timings.values())
    section.rows.append(
        Row(
            "Atende.receive, whole stream",
            {"msgs/s": fmt_rate(rate), "mean µs/msg": fmt_us(1 / rate), "p50 µs": "", "messages": f"{count:,}"},
            rate / baseline,
        )
    )
    section.rows.append(
        Row(
            "Atende.process_intake, the same stream stored first",
            {"msgs/s": fmt_rate(drained), "mean µs/msg": fmt_us(1 / drained), "p50 µs": "", "messages": f"{count:,}"},
            drained / baseline,
        )
    )
    for step in STEPS:
        samples = timings.get(step, [])
        if not samples:
            continue
        mean = sum(samples) / len(samples)
        section.rows.append(
            Row(
                f"  … {step}",
                {
                    "msgs/s": fmt_rate(1 / mean),
                    "mean µs/msg": fmt_us(mean),
                    "p50 µs": fmt_us(median(samples)),
                    "messages": f"{len(samples):,}",
                },
                (1 / mean) / baseline,
            )
        )
    section.notes.append(
        f"{budget.customers} customers × (hello, choice, {RELAYED} relayed) among {AGENTS} checked-in agents; "
        "the outbox is left undelivered."
    )
    section.problems.extend(problems)
    return section
