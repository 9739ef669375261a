"""Dispatch at scale: one more enqueue with 10 / 1k / 10k / 100k customers already waiting, 20 agents.

The twenty agents are checked in and each busy with a customer (capacity 1), so whoever queues
stays in the line: the line's length is the only thing that changes between levels. Waiting
customers are spread over the four departments. Timed, per level:

- the enqueue: `Atende.receive` of a customer's department choice (→ `enter_queue` → `dispatch`
  → position and estimate in the line), the customer having seen the menu first (untimed); the
  customer then leaves the line ("sair", untimed), so every sample sees the same length;
- the dispatch sweep alone, `Atende.run(dispatch)`, as the timer loop's safety net runs it;
- `Atende.tick()`: offer timeouts, the sweep, reminders to busy agents (every 5 s in production).

Ratios are against the 10-waiting level of the same row, so they show how each cost grows.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from common import ALL_DEPARTMENTS, Databases, Row, Section, agent_phone, customer_phone, fmt_us, median, shop

from atende.application.arrivals import Inbound
from atende.application.dispatch import dispatch
from atende.application.session import Session
from atende.bootstrap import System, bootstrap
from atende.domain.codes import new_code
from atende.domain.content import Text
from atende.domain.conversation import Conversation, Customer

AGENTS = 20
LEVELS = (10, 1_000, 10_000, 100_000)
"""Issue 9: flat within 20 % from 10 to 100k waiting."""


@dataclass(frozen=True)
class Budget:
    levels: tuple[int, ...]
    enqueues: int
    sweeps: int
    ticks: int


FULL = Budget(LEVELS, enqueues=30, sweeps=30, ticks=10)
QUICK = Budget((10, 1_000, 10_000), enqueues=8, sweeps=8, ticks=4)
TINY = Budget((10, 100), enqueues=2, sweeps=2, ticks=1)


class Line:
    """atende on a fresh database with busy agents, and a line that can be made longer."""

    def __init__(self, system: System, path: Path) -> None:
        self.atende = system.atende
        self.path = path
        self.rng = random.Random(11)
        self.codes: set[str] = set()
        self.waiting = 0
        self._ids = 0
        self._customers = 0

    def say(self, wa_id: str, body: str) -> None:
        self._ids += 1
        self.atende.receive(
            Inbound(f"wamid.SC{self._ids:07d}", wa_id, f"Pessoa {wa_id[-4:]}", datetime.now(UTC), Text(body))
        )

    def new_customer(self) -> str:
        self._customers += 1
        return customer_phone(self._customers)

    def open_desk(self) -> None:
        """Every agent checks in, and gets one customer: from now on nobody has a free slot."""
        self.atende.sync_roster()
        for a in range(AGENTS):
            self.say(agent_phone(a), "/entrar")
        for _ in range(AGENTS):
            customer = self.new_customer()
            self.say(customer, "Oi")
            self.say(customer, "1")

    def grow_to(self, waiting: int) -> None:
        """Queue more customers in one transaction, as `enter_queue` leaves them (without dispatch).

        The codes atende gave the desk's own customers are read once, up front: asking storage
        whether each new code is taken would cost a query per customer (100k at the top level).
        """
        extra = waiting - self.waiting
        with contextlib.closing(sqlite3.connect(self.path)) as connection:
            self.codes.update(code for (code,) in connection.execute("SELECT code FROM conversations"))

        def use_case(session: Session) -> None:
            for i in range(extra):
                code = new_code(self.rng)
                while code in self.codes:
                    code = new_code(self.rng)
                self.codes.add(code)
                wa_id = self.new_customer()
                conversation = Conversation(code, Customer(wa_id, f"Cliente {wa_id[-4:]}"), session.now)
                conversation.enqueue(ALL_DEPARTMENTS[i % len(ALL_DEPARTMENTS)], session.now)
                session.uow.conversations.add(conversation)

        if extra > 0:
            self.atende.run(use_case)
        self.waiting = waiting

    def count_waiting(self) -> int:
        return self.atende.run(lambda session: len(session.uow.conversations.waiting()))


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def measure(databases: Databases, budget: Budget) -> Section:
    url, path = databases.fresh("scale")
    system = bootstrap(shop(AGENTS, capacity=1), database_url=url, rng=random.Random(5))
    results: dict[str, dict[int, list[float]]] = {"enqueue": {}, "sweep": {}, "tick": {}}
    problems: list[str] = []
    seeded: dict[int, float] = {}
    try:
        line = Line(system, path)
        line.open_desk()
        for level in budget.levels:
            began = time.perf_counter()
            line.grow_to(level)
            seeded[level] = time.perf_counter() - began
            enqueues: list[float] = []
            for _ in range(budget.enqueues):
                customer = line.new_customer()
                line.say(customer, "Oi")  # the menu (untimed)
                start = time.perf_counter()
                line.say(customer, "1")
                enqueues.append(time.perf_counter() - start)
                line.say(customer, "sair")  # back to `level` waiting (untimed)
            results["enqueue"][level] = enqueues
            results["sweep"][level] = timed(lambda: system.atende.run(dispatch), budget.sweeps)
            results["tick"][level] = timed(system.atende.tick, budget.ticks)
            if (found := line.count_waiting()) != level:
                problems.append(f"dispatch at scale: {found} waiting after the {level} level, not {level}")
    finally:
        system.close()

    section = Section(
        f"Dispatch at scale — {AGENTS} agents all busy, N customers waiting, SQLite (median of samples)",
        columns=("waiting", "median µs", "min µs", "samples"),
        ratio_label="÷ 10 waiting",
    )
    labels = {
        "enqueue": "enqueue: receive(department choice)",
        "sweep": "dispatch sweep: run(dispatch)",
        "tick": "tick: timers + sweep + reminders",
    }
    first = budget.levels[0]
    for key, label in labels.items():
        base = median(results[key][first])
        for level in budget.levels:
            samples = results[key][level]
            value = median(samples)
            section.rows.append(
                Row(
                    label if level == first else "",
                    {
                        "waiting": f"{level:,}",
                        "median µs": fmt_us(value),
                        "min µs": fmt_us(min(samples)),
                        "samples": str(len(samples)),
                    },
                    None if level == first else value / base,
                    baseline=level == first,
                )
            )
    section.notes.append("Customers leave the line after each timed enqueue, so each sample sees the same length.")
    section.notes.append(
        "The line is grown in one transaction per level through the use-case layer (domain objects, as `enter_queue` "
        "leaves them): " + ", ".join(f"to {level:,} in {seconds:.1f} s" for level, seconds in seeded.items()) + "."
    )
    section.problems.extend(problems)
    return section
