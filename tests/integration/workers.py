"""Code run in child processes by the multi-process test: kept apart so children import little."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from atende.adapters.sql.engine import connect
from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.application import intake
from atende.application.arrivals import Inbound
from atende.application.ports import Clock
from atende.application.settings import Settings
from atende.bootstrap import bootstrap
from atende.domain.content import Text
from atende.domain.exceptions import ConcurrencyConflict
from tests.world import settings

T = TypeVar("T")

AGENT_TURNS = 14
"""`/fim` + `/volto` pairs each agent sends from each process, while customers keep coming."""

TICK_EVERY = 4
"""Messages between two timer passes, as `atende serve` runs its timers beside the webhook."""

SPEED = 60.0
"""Simulated seconds per real second: a 3 s offer timeout lapses in 50 ms."""


class FastClock(Clock):
    """Wall-clock time sped up around a shared origin, so every process agrees on the order."""

    def __init__(self, origin: float) -> None:
        self.origin = origin

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.origin, UTC) + timedelta(seconds=(time.time() - self.origin) * SPEED)


def contention_settings() -> Settings:
    """Offers time out fast, so timer passes (which read, then write) race with the messages."""
    return settings(offer_timeout_seconds=3, queue_reminder_seconds=0)


@dataclass(frozen=True)
class Job:
    url: str
    name: str
    origin: float
    customers: tuple[str, ...]


def work(job: Job, start: Any, report: Any) -> None:
    """Feed this process's customers and every agent's commands, interleaved at random."""
    config = contention_settings()
    system = bootstrap(config, database_url=job.url, clock=FastClock(job.origin), rng=random.Random(job.name))
    rng = random.Random(f"script-{job.name}")
    scripts: dict[str, list[str]] = {c: ["oi", rng.choice(["1", "2"])] for c in job.customers}
    for agent in config.agents:
        scripts[agent.phone] = ["/entrar"] + ["/fim", "/volto"] * AGENT_TURNS
    start.wait()
    began = time.monotonic()
    sent = 0
    while scripts:
        sender = rng.choice(sorted(scripts))
        text = scripts[sender].pop(0)
        if not scripts[sender]:
            del scripts[sender]
        sent += 1
        inbound = Inbound(f"{job.name}-{sent}", sender, "", system.clock.now(), Text(text))
        assert handled(partial(system.atende.receive, inbound))
        if sent % TICK_EVERY == 0:
            handled(system.atende.tick)
    report.put((job.name, began, time.monotonic(), sent))
    system.close()


def handled(step: Callable[[], T], rounds: int = 10) -> T:
    """Run a step as `atende serve`'s loops do: when `Atende.run` has lost every race of one round
    (a loaded machine, two processes on the same agents), the step is not dropped but run again
    after a pause, as the intake keeps its arrival pending and the timers wait for their next tick."""
    for round_ in range(1, rounds + 1):
        try:
            return step()
        except ConcurrencyConflict:
            if round_ == rounds:
                raise
            time.sleep(0.05 * round_)
    raise AssertionError("unreachable: the last round returns or raises")


@dataclass(frozen=True)
class Race:
    url: str
    holder: str
    names: tuple[str, ...]


def race_for_leases(race: Race, start: Any, report: Any) -> None:
    """Ask for every lease the moment all racers are ready; report which ones this process got."""
    engine = connect(race.url)
    holder = race.holder
    won: list[str] = []
    engine.connect().close()  # connected before the start: the race is over the statement alone
    start.wait()
    for name in race.names:
        for _ in range(50):  # a lost race (PostgreSQL) is asked again, as `Atende.run` would
            try:
                with SqlUnitOfWork(engine) as uow:
                    got = uow.leases.acquire(name, holder, 60)
                    uow.commit()
                if got:
                    won.append(name)
                break
            except ConcurrencyConflict:
                time.sleep(random.uniform(0, 0.01))
        else:
            raise AssertionError(f"{holder} never got an answer for {name}")
    report.put((holder, won))
    engine.dispose()


@dataclass(frozen=True)
class IntakeWorker:
    url: str
    name: str
    batch: int


def drain_intake(worker: IntakeWorker, start: Any, report: Any) -> None:
    """Run intake batches until nothing is ready; report the keys this worker handled, and when."""
    system = bootstrap(settings(), database_url=worker.url, rng=random.Random(worker.name))
    atende = system.atende
    keys: list[str] = []
    start.wait()
    began = time.monotonic()
    idle = 0
    while idle < 3:  # three empty batches in a row: the other worker has whatever is left
        done = handled(partial(atende.run, partial(intake.handle_batch, limit=worker.batch, clock=atende.clock)))
        keys.extend(arrival.key for arrival in done.handled)
        idle = 0 if done.taken else idle + 1
        if not done.taken:
            time.sleep(0.05)
    report.put((worker.name, began, time.monotonic(), keys))
    system.close()
