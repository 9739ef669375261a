"""The fault run (issue 9 item 6): the busy number's load with everything Meta and a host do wrong.

Bounded, loopback only, on SQLite (`atende serve`, 1 process) and on PostgreSQL
(`atende serve --workers 2`). While `drive.deliver` posts the load at a steady rate, as Meta
does (each notification until it gets a 200):

- 5 % of notifications are posted twice (0.05–3 s apart), and 5 % reach atende before the one
  their sender wrote just before them (posted back to back, in swapped order);
- the Graph sink answers a share of sends with HTTP 500 and a share with 131056, besides its
  pair limit;
- `kill_at` s in: SIGKILL — on SQLite the whole server, started again 2 s later; with
  `--workers 2` one worker, which uvicorn's supervisor replaces;
- `lock_at` s in: the database's write lock is held for `lock_seconds` (SQLite: another
  connection in `BEGIN IMMEDIATE`; PostgreSQL: `LOCK TABLE intake, outbox IN ACCESS EXCLUSIVE
  MODE`), taken while the intake is working through a burst (`burst` texts from customers kept
  apart for it, posted 1.5 s before: the reorder window lets them become ready just then), so
  the lock lands between arrivals being handled, not on an idle intake.

Then faults stop and the backlog drains (bounded); `tally.count` checks every relay the sink
accepted against every acknowledged notification. The run fails (exit status 1) on any loss,
any duplicate beyond the documented in-flight window (a send accepted by WhatsApp just before
the kill, sent again after it: counted apart), any misroute, mix or reorder.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import busy
import drive
import pgcluster
import storage
import tally
from common import Databases, Row, Section
from load import PG_PORT, Variant, database
from stack import AtendeServe, SinkProcess, free_port


@dataclass(frozen=True)
class Budget:
    agents: int
    customers: int
    rate: float
    """Notifications posted per second (statuses from the sink come on top)."""
    seconds: float
    kill_at: float
    lock_at: float
    lock_seconds: float
    drain_seconds: float
    p500: float = 0.03
    p131056: float = 0.03
    duplicated: float = 0.05
    reordered: float = 0.05
    burst: int = 200


FULL = Budget(
    busy.AGENTS, busy.CUSTOMERS, rate=30, seconds=75, kill_at=10, lock_at=20, lock_seconds=45, drain_seconds=90
)
QUICK = Budget(
    busy.AGENTS, busy.CUSTOMERS, rate=60, seconds=30, kill_at=5, lock_at=10, lock_seconds=12, drain_seconds=40
)
TINY = Budget(8, 40, rate=15, seconds=8, kill_at=2, lock_at=4, lock_seconds=2, drain_seconds=40, burst=20)

VARIANTS = (
    Variant("SQLite, 1 process", "sqlite", 1),
    Variant("PostgreSQL, 2 processes (--workers 2)", "postgresql", 2),
)


def reorder(notes: list[busy.Note], share: float, rng: random.Random, reach: int = 500) -> tuple[list[busy.Note], int]:
    """Move a `share` of notes' next message from the same sender to just before them."""
    ordered = list(notes)
    swapped = 0
    i = 0
    while i < len(ordered):
        if rng.random() < share:
            sender = ordered[i].sender
            j = next((k for k in range(i + 1, min(len(ordered), i + reach)) if ordered[k].sender == sender), None)
            if j is not None:
                ordered.insert(i, ordered.pop(j))
                swapped += 1
                i += 1  # the pair is done: the original one is now at i + 1
        i += 1
    return ordered, swapped


@dataclass
class Outcome:
    variant: Variant
    count: tally.Count | None = None
    delivery: drive.Delivery | None = None
    swapped: int = 0
    kills: list[float] = field(default_factory=list)
    timeline: list[str] = field(default_factory=list)
    left: dict[str, int] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    sink: dict[str, int] = field(default_factory=dict)
    not_stored: int = 0
    fates: dict[str, str] = field(default_factory=dict)
    """Each lost marker's arrival (wamid.…) → where it stands (`storage.fates`)."""

    @property
    def not_yet(self) -> int:
        """Acknowledged and still on its way (intake or outbox) when the bounded drain ended."""
        return sum(1 for fate in self.fates.values() if fate in storage.NOT_YET)

    problems: list[str] = field(default_factory=list)


def run_variant(  # noqa: PLR0915 (a timeline reads best in one piece)
    variant: Variant, budget: Budget, databases: Databases, scratch: Path, cluster: pgcluster.Cluster | None
) -> Outcome:
    outcome = Outcome(variant)
    desk = busy.Desk(budget.agents, budget.customers)
    url = database(variant, databases, cluster, f"fault{variant.engine}{variant.workers}")
    seeded_at = busy.now()
    busy.seed(url, desk, seeded_at.replace(microsecond=0) - timedelta(minutes=10))
    config = busy.write_config(scratch / f"fault-{variant.engine}.toml", desk)
    traffic = busy.Traffic(desk, seeded_at - timedelta(minutes=5), seed_value=23)
    kept = max(1, desk.customers // 20)
    everyday = desk.customers - kept
    notes, outcome.swapped = reorder(
        list(traffic.mixed(int(budget.rate * budget.seconds), customers=everyday)), budget.reordered, random.Random(29)
    )
    burst = [traffic.customer(everyday + i % kept) for i in range(budget.burst)]
    port = free_port()
    sink = SinkProcess([f"http://127.0.0.1:{port}/webhook"])
    server = AtendeServe(config, url, sink.url, workers=variant.workers, port=port)
    began = time.monotonic()

    def log(event: str) -> None:
        outcome.timeline.append(f"{time.monotonic() - began:5.1f} s {event}")

    try:
        server.start()
        sink.faults(budget.p500, budget.p131056)
        result: list[drive.Delivery] = []
        sender = threading.Thread(
            target=lambda: result.append(
                drive.deliver(
                    [server.url],
                    notes,
                    budget.rate,
                    duplicate_share=budget.duplicated,
                    deadline=budget.seconds + budget.lock_seconds + 60,
                )
            ),
            daemon=True,
        )
        began = time.monotonic()
        sender.start()
        log(f"load starts: {len(notes):,} notifications at {budget.rate:g}/s; sink fails {budget.p500:.0%} with 500, "
            f"{budget.p131056:.0%} with 131056")  # fmt: skip
        _until(began + budget.kill_at)
        killed = server.kill()
        outcome.kills.append(time.time())
        log(f"SIGKILL pid {killed} ({'the server' if variant.workers == 1 else 'one of 2 workers'})")
        if variant.workers == 1:
            time.sleep(2)
            server.start()
            log("atende serve started again")
        elif server.wait_workers(excluded=killed):
            log("uvicorn replaced the worker")
        else:
            outcome.problems.append(f"{variant.label}: uvicorn did not replace the killed worker")
        _until(began + budget.lock_at - 1.5)
        burst_result: list[drive.Delivery] = []
        burster = threading.Thread(
            target=lambda: burst_result.append(
                drive.deliver([server.url], burst, 400, deadline=budget.lock_seconds + 60, seed=7)
            ),
            daemon=True,
        )
        burster.start()
        log(f"burst of {len(burst):,} texts from {kept:,} customers")
        _until(began + budget.lock_at)
        lock = storage.WriteLock(url)
        lock.hold()
        log(f"write lock taken ({'BEGIN IMMEDIATE' if variant.engine == 'sqlite' else 'LOCK TABLE intake, outbox'})")
        time.sleep(budget.lock_seconds)
        lock.release()
        log(f"write lock released after {budget.lock_seconds:g} s")
        sender.join()
        burster.join()
        delivery = outcome.delivery = result[0]
        delivery.acked |= burst_result[0].acked
        delivery.unacked += burst_result[0].unacked
        delivery.posts += burst_result[0].posts
        delivery.retries += burst_result[0].retries
        notes += burst
        log(f"load done: {len(delivery.acked):,} acknowledged, {len(delivery.unacked):,} never, "
            f"{delivery.retries:,} re-posts")  # fmt: skip
        sink.faults(0, 0)
        acked = {n.mark: n for n in notes if n.mark and n.message_id in delivery.acked}
        expected = {mark: busy.expected_recipient(desk, mark) for mark in acked}
        stored = storage.stored(url)
        outcome.not_stored = sum(1 for n in acked.values() if n.message_id not in stored)
        from load import drain

        drain(sink, expected, time.monotonic() + budget.drain_seconds)
        server.stop()  # nothing may be sent between the sink's last records and the database's answers
        delivered = [tally.Delivered(n, at, to, body) for n, at, to, body in sink.fetch()]
        log(f"drained and stopped: the sink holds {len(delivered):,} messages")
        stored_at = {key.removeprefix("wamid."): at for key, at in stored.items()}
        outcome.count = tally.count(expected, delivered, outcome.kills, stored_at)
        outcome.left = storage.backlog(url)
        outcome.fates = storage.fates(url, [f"wamid.{mark}" for mark in outcome.count.lost])
        outcome.reasons = storage.set_aside(url)
        outcome.sink = sink.stats()
        if delivery.unacked:
            outcome.problems.append(f"{variant.label}: {len(delivery.unacked)} notifications never got a 200")
    finally:
        server.stop()
        sink.stop()
    return outcome


def _until(moment: float) -> None:
    pause = moment - time.monotonic()
    if pause > 0:
        time.sleep(pause)


def measure(
    databases: Databases, scratch: Path, budget: Budget, variants: tuple[Variant, ...] = VARIANTS
) -> list[Section]:
    problems: list[str] = []
    outcomes: list[Outcome] = []
    needs_pg = any(v.engine == "postgresql" for v in variants)
    cluster = pgcluster.Cluster(PG_PORT + 1) if needs_pg and pgcluster.available() else None
    try:
        if cluster is not None:
            cluster.__enter__()
        for variant in variants:
            if variant.engine == "postgresql" and cluster is None:
                problems.append(f"{variant.label}: not run, PostgreSQL is not installed")
                continue
            try:
                outcomes.append(run_variant(variant, budget, databases, scratch, cluster))
            except (RuntimeError, OSError) as error:
                problems.append(f"{variant.label}: {error}")
    finally:
        if cluster is not None:
            cluster.stop()
    return [section(outcomes, budget, problems)]


def section(outcomes: list[Outcome], budget: Budget, problems: list[str]) -> Section:
    result = Section(
        f"Fault run — {budget.agents} agents, {budget.customers:,} customers, {budget.rate:g} notifications/s for "
        f"{budget.seconds:g} s: duplicates, reorders, 500s and 131056s, a SIGKILL, the write lock held "
        f"{budget.lock_seconds:g} s",
        columns=("acknowledged", "relayed once", "lost for good", "not relayed in time", "duplicated",
                 "in-flight window", "misrouted", "mixed", "out of order", "arrived late", "set aside", "verdict"),
        ratio_label="",
    )  # fmt: skip
    for outcome in outcomes:
        c = outcome.count
        if c is None:
            continue
        once = c.relayed - len({*c.duplicated, *c.in_flight} & set(c.first_at))
        failed = c.failed or bool(outcome.problems)
        result.rows.append(
            Row(
                outcome.variant.label,
                {
                    "acknowledged": f"{c.expected:,}",
                    "relayed once": f"{once:,}",
                    "lost for good": f"{len(c.lost) - outcome.not_yet:,}",
                    "not relayed in time": f"{outcome.not_yet:,}",
                    "duplicated": f"{len(c.duplicated):,}",
                    "in-flight window": f"{len(c.in_flight):,}",
                    "misrouted": f"{len(c.misrouted):,}",
                    "mixed": f"{c.mixed:,}",
                    "out of order": f"{len(c.out_of_order):,}",
                    "arrived late": f"{len(c.arrived_late):,}",
                    "set aside": f"{outcome.left.get('intake set aside', 0):,}",
                    "verdict": "FAIL" if failed else "pass",
                },
            )
        )
        d, s = outcome.delivery, outcome.sink
        assert d is not None
        result.notes.append(
            f"{outcome.variant.label}: " + "; ".join(outcome.timeline) + f". Posted {d.posts:,} times in all "
            f"({d.duplicates_sent:,} deliberate duplicates, {outcome.swapped:,} pairs swapped, {d.retries:,} re-posts "
            f"after an error or a timeout: {d.errors}); the sink failed {s.get('failed_500', 0):,} sends with 500 and "
            f"{s.get('failed_131056', 0):,} with 131056 at random, {s.get('pair_limited', 0):,} past the pair limit. "
            f"Acknowledged but not stored: {outcome.not_stored:,}. Left: "
            + ", ".join(f"{k} {v:,}" for k, v in outcome.left.items())
        )
        if outcome.reasons:
            result.notes.append(
                f"{outcome.variant.label}, set aside (first {len(outcome.reasons)}): " + " | ".join(outcome.reasons)
            )
        if c.lost:
            where = Counter(outcome.fates.values())
            result.notes.append(
                f"{outcome.variant.label}, not relayed by the end: "
                + ", ".join(f"{fate} {n:,}" for fate, n in where.most_common())
                + f" (first 5: {', '.join(c.lost[:5])})"
            )
        if c.duplicated:
            result.notes.append(f"{outcome.variant.label}, duplicated (first 5): {', '.join(c.duplicated[:5])}")
        problems += outcome.problems
        if c.failed:
            problems.append(f"{outcome.variant.label}: {c.summary()}")
    result.notes.append(
        f"Meta's side: each notification posted until a 200 (20 s timeout, backoff 0.5 → 5 s); "
        f"{budget.duplicated:.0%} posted twice, {budget.reordered:.0%} swapped with their sender's next one. "
        f"The in-flight window: a marker whose first copy reached the sink ≤ {tally.IN_FLIGHT_SECONDS:g} s before "
        "a SIGKILL and whose one other copy came after it. Arrived late: relayed after a later message of its "
        "sender because it reached atende more than the 1 s reorder window after that one (Meta's retries after an "
        "outage): not a failure. Lost for good: set aside, never stored, or handled with no relay left to send; "
        "not relayed in time: still in the intake or its relay still pending in the outbox when the drain's "
        "bound ran out (the run is bounded, so both fail it)."
    )
    result.problems += problems
    return result
