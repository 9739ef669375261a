"""The load of a busy number (issue 9), end to end over loopback, against `atende serve` as shipped.

400 agents of capacity 5 and 2,000 customers already assigned (`busy.seed`); the Graph sink
(`sink.py`) enforcing Meta's pair limit and sending ~3 status notifications back per relay.
Per variant — SQLite 1 process, PostgreSQL 1 process, PostgreSQL `atende serve --workers 2` —
on a fresh database:

1. paced: 1,000 notifications/s for a few seconds from `drive.paced` (open loop, 64 keep-alive
   connections): webhook p50/p99 at that rate;
2. saturated: wrk, 64 connections, ~10 s of distinct signed notifications (customer texts and
   media, agent texts and commands, `busy.MIX`): acks/s and webhook p50/p99;
3. drain: until every stored message is relayed, or `drain` seconds after the load stopped;
4. the count (`tally.py`) of every relay the sink accepted against every stored marked
   arrival (stored = acknowledged: wrk cannot say which of its in-flight requests got their 200).

relays/s = messages the sink accepted ÷ time from the start of the load to the end of the drain.
relay latency = a customer's message stored (intake.received_at, just before its 200) → its
relay accepted by the sink. Peak RSS: the server's whole process tree, sampled every 0.25 s.
The bare ceiling — a raw ASGI app that reads the body, parses the JSON and checks the HMAC on
uvloop + httptools — is loaded by the same wrk with the same notifications, in the same run.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import busy
import drive
import ingest
import pgcluster
import stack
import storage
import tally
from common import Databases, Row, Section, fmt_ms, fmt_rate, percentile
from sqlalchemy.engine import make_url
from stack import AtendeServe, SinkProcess, free_port

from atende.adapters.sql.schema import upgrade


@dataclass(frozen=True)
class Budget:
    agents: int
    customers: int
    paced_seconds: int
    paced_rate: int
    saturated_seconds: int
    drain_seconds: int
    bare_seconds: int


FULL = Budget(busy.AGENTS, busy.CUSTOMERS, 6, 1000, 10, 60, 8)
QUICK = Budget(busy.AGENTS, busy.CUSTOMERS, 3, 1000, 3, 20, 3)
TINY = Budget(8, 40, 1, 100, 1, 20, 1)


@dataclass(frozen=True)
class Variant:
    label: str
    engine: str
    workers: int


VARIANTS = (
    Variant("SQLite, 1 process", "sqlite", 1),
    Variant("PostgreSQL, 1 process", "postgresql", 1),
    Variant("PostgreSQL, 2 processes (--workers 2)", "postgresql", 2),
)
PG_PORT = 55444


@dataclass
class Result:
    variant: Variant
    paced: drive.PacedRun | None = None
    saturated: ingest.WrkRun | None = None
    acks: int = 0
    relays: int = 0
    relay_seconds: float = 0.0
    relay_latencies: list[float] = field(default_factory=list)
    count: tally.Count | None = None
    peak_rss: int = 0
    left: dict[str, int] = field(default_factory=dict)
    sink: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seed_seconds: float = 0.0
    machine_busy: float = 0.0
    """Share of all CPUs' time busy (anyone's) while wrk saturated atende."""
    atende_cpu: float = 0.0
    """CPUs' worth of time atende's processes used meanwhile (1.0 = one CPU all the time)."""
    stored_late: int = 0
    """Marked notifications stored after the count's snapshot: their 200 came after wrk's timeout."""
    lost_for_good: int = 0
    """Not relayed, and never going to be (set aside, or handled without a relay left to send)."""
    expected: dict[str, str] = field(default_factory=dict)
    """What the count was checked against: marker → recipient (kept for the harness's own test)."""
    stored_at: dict[str, float] = field(default_factory=dict)
    records: list[tuple[int, float, str, str]] = field(default_factory=list)
    """Everything the sink accepted: (number, wall-clock time, recipient, body)."""


def write_pool(path: Path, notes: list[busy.Note]) -> Path:
    with path.open("w", encoding="ascii") as file:
        for note in notes:
            file.write(f"{note.signature}\t{note.body.decode('ascii')}\n")
    return path


def database(variant: Variant, databases: Databases, cluster: pgcluster.Cluster | None, name: str) -> str:
    if variant.engine == "sqlite":
        return databases.fresh(name)[0]
    assert cluster is not None
    url = cluster.fresh_database(name)
    upgrade(url)
    return url


def drain(sink: SinkProcess, expected: dict[str, str], until: float) -> list[tally.Delivered]:
    """Fetch the sink's records until every expected marker is in or `until` (monotonic) passes."""
    missing = set(expected)
    seen = 0
    while True:
        records = sink.fetch()
        for _number, _at, _to, body in records[seen:]:
            for mark in busy.MARKER.findall(body):
                missing.discard(f"MK{mark[0]}{mark[1]}n{mark[2]}")
        seen = len(records)
        if not missing or time.monotonic() >= until:
            break
        time.sleep(1.0)
    return [tally.Delivered(n, at, to, body) for n, at, to, body in sink.fetch()]


def copy_database(variant: Variant, seeded: str, cluster: pgcluster.Cluster | None, name: str) -> str:
    """A copy of the seeded database, so that each phase starts from the same desk."""
    if variant.engine == "sqlite":
        source = Path(make_url(seeded).database or "")
        target = source.with_name(f"{name}.db")
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"
    assert cluster is not None
    return cluster.copy_database(seeded, name)


@contextlib.contextmanager
def serving(variant: Variant, config: Path, url: str) -> Iterator[tuple[AtendeServe, SinkProcess]]:
    """`atende serve` on `url` and a Graph sink that posts statuses back to it."""
    port = free_port()
    sink = SinkProcess([f"http://127.0.0.1:{port}/webhook"])
    server = AtendeServe(config, url, sink.url, workers=variant.workers, port=port)
    try:
        server.start()
        yield server, sink
    finally:
        server.stop()
        sink.stop()


def run_variant(  # noqa: PLR0915 (two phases, read top to bottom)
    variant: Variant, budget: Budget, databases: Databases, scratch: Path, cluster: pgcluster.Cluster | None
) -> Result:
    """The paced phase and the saturated phase, each on its own copy of one seeded desk."""
    result = Result(variant)
    desk = busy.Desk(budget.agents, budget.customers)
    name = f"load{variant.engine}{variant.workers}"
    seeded = database(variant, databases, cluster, name)
    seeded_at = busy.now()
    began = time.perf_counter()
    busy.seed(seeded, desk, seeded_at.replace(microsecond=0) - timedelta(minutes=10))
    result.seed_seconds = time.perf_counter() - began
    config = busy.write_config(scratch / f"{name}.toml", desk)
    traffic = busy.Traffic(desk, seeded_at - timedelta(minutes=5))

    paced_notes = list(traffic.mixed(budget.paced_rate * budget.paced_seconds))
    url = copy_database(variant, seeded, cluster, f"{name}paced")
    with serving(variant, config, url) as (server, _sink):
        result.paced = drive.paced(server.url, paced_notes, budget.paced_rate)
        time.sleep(0.5)
        stored_paced = storage.stored(url)
    if len(stored_paced) < len(result.paced.acked):
        result.problems.append(
            f"{variant.label}, paced: {len(result.paced.acked)} answered 200, {len(stored_paced)} stored"
        )
    if result.paced.errors:
        result.problems.append(f"{variant.label}: paced run errors {result.paced.errors}")

    guess = 3000 if variant.engine == "sqlite" else 4000
    notes = list(traffic.mixed(max(2000, guess * budget.saturated_seconds * 2)))
    pool = write_pool(scratch / f"{name}-pool.txt", notes)
    url = copy_database(variant, seeded, cluster, f"{name}saturated")
    with serving(variant, config, url) as (server, sink):
        started = time.time()
        busy_before, cpu_before, atende_before = *stack.machine_busy(), server.cpu()
        result.saturated = ingest.run_wrk(
            server.url, pool, seconds=budget.saturated_seconds, connections=64, wrap=False
        )
        busy_after, cpu_after = stack.machine_busy()
        result.machine_busy = (busy_after - busy_before) / (cpu_after - cpu_before)
        result.atende_cpu = (server.cpu() - atende_before) / result.saturated.seconds
        load_ended = time.monotonic()
        time.sleep(0.5)  # requests in flight when wrk stopped may still be committing
        stored = storage.stored(url)
        by_id = {n.message_id: n for n in notes}
        expected = {n.mark: busy.expected_recipient(desk, n.mark) for k in stored if (n := by_id.get(k)) and n.mark}
        result.acks = result.saturated.requests - result.saturated.errors["status"]
        drain(sink, expected, load_ended + budget.drain_seconds)
        finished = time.time()
        result.peak_rss = server.peak_rss
        server.stop()  # nothing may be sent between the sink's last records and the database's answers
        delivered = [tally.Delivered(n, at, to, body) for n, at, to, body in sink.fetch()]
        # Requests wrk gave up on (its 2 s timeout) may still have been stored after the count's
        # snapshot: atende kept them, so they are owed a relay too (Meta would re-post them, and
        # the inbox would drop the copy); counted apart, not as strays.
        late = {k: at for k, at in storage.stored(url).items() if k not in stored}
        result.stored_late = sum(1 for k in late if (n := by_id.get(k)) and n.mark)
        expected |= {n.mark: busy.expected_recipient(desk, n.mark) for k in late if (n := by_id.get(k)) and n.mark}
        stored = {**stored, **late}
        stored_at = {key.removeprefix("wamid."): at for key, at in stored.items()}
        result.count = tally.count(expected, delivered, stored=stored_at)
        result.expected, result.stored_at, result.records = expected, stored_at, list(sink.records)
        result.relays = sum(1 for d in delivered if d.at <= finished)
        result.relay_seconds = finished - started
        customers = [m for m in expected if m.startswith("MKc") and m in result.count.first_at]
        result.relay_latencies = [result.count.first_at[m] - stored_at[m] for m in customers]
        result.left = storage.backlog(url)
        fates = storage.fates(url, [f"wamid.{mark}" for mark in result.count.lost])
        result.lost_for_good = sum(1 for fate in fates.values() if fate not in storage.NOT_YET)
        result.sink = sink.stats()
    if result.saturated.exhausted:
        result.problems.append(f"{variant.label}: wrk used up its pool; acks/s is understated")
    if len(stored) < result.acks:
        result.problems.append(f"{variant.label}: {result.acks} answered 200 but {len(stored)} stored")
    if result.saturated.failed:
        result.problems.append(f"{variant.label}: wrk saw failed requests {result.saturated.errors}")
    return result


@dataclass
class Bare:
    saturated: ingest.WrkRun
    paced: drive.PacedRun


def bare(scratch: Path, budget: Budget) -> Bare:
    desk = busy.Desk(budget.agents, budget.customers)
    traffic = busy.Traffic(desk, busy.now(), seed_value=99)
    pool = write_pool(scratch / "load-pool-bare.txt", list(traffic.mixed(5000)))
    paced_notes = list(traffic.mixed(budget.paced_rate * budget.paced_seconds))
    with ingest.serving("raw") as raw:
        ingest.run_wrk(raw.url, pool, seconds=1, connections=64, wrap=True)  # warm-up
        paced = drive.paced(raw.url, paced_notes, budget.paced_rate)
        saturated = ingest.run_wrk(raw.url, pool, seconds=budget.bare_seconds, connections=64, wrap=True)
    return Bare(saturated, paced)


def measure(
    databases: Databases, scratch: Path, budget: Budget, variants: tuple[Variant, ...] = VARIANTS
) -> list[Section]:
    problems: list[str] = []
    results: list[Result] = []
    baseline = bare(scratch, budget)
    needs_pg = any(v.engine == "postgresql" for v in variants)
    cluster = pgcluster.Cluster(PG_PORT) if needs_pg and pgcluster.available() else None
    try:
        if cluster is not None:
            cluster.__enter__()
        for variant in variants:
            if variant.engine == "postgresql" and cluster is None:
                problems.append(f"{variant.label}: not measured, PostgreSQL is not installed")
                continue
            try:
                results.append(run_variant(variant, budget, databases, scratch, cluster))
            except (RuntimeError, ingest.WrkError, OSError) as error:
                problems.append(f"{variant.label}: {error}")
    finally:
        if cluster is not None:
            cluster.stop()
    return sections(baseline, results, budget, problems)


def _mb(value: int) -> str:
    return f"{value / 2**20:,.0f}"


def sections(baseline: Bare, results: list[Result], budget: Budget, problems: list[str]) -> list[Section]:
    speed = Section(
        f"Load — a busy number ({budget.agents} agents × {busy.CAPACITY}, {budget.customers:,} customers assigned), "
        "atende serve over loopback",
        columns=("acks/s", "p50 ms", "p99 ms", f"p50 ms @{budget.paced_rate:,}/s", f"p99 ms @{budget.paced_rate:,}/s",
                 "relays/s", "relayed msgs/s", "relay p99 s", "peak RSS MB"),
        ratio_label="acks/s ÷ bare",
    )  # fmt: skip
    raw = baseline.saturated
    speed.rows.append(
        Row(
            "bare: raw ASGI, body + JSON + HMAC → 200 (uvloop + httptools)",
            {
                "acks/s": fmt_rate(raw.rate),
                "p50 ms": fmt_ms(raw.p50),
                "p99 ms": fmt_ms(raw.p99),
                f"p50 ms @{budget.paced_rate:,}/s": fmt_ms(percentile(baseline.paced.latencies, 50)),
                f"p99 ms @{budget.paced_rate:,}/s": fmt_ms(percentile(baseline.paced.latencies, 99)),
            },
            baseline=True,
        )
    )
    counts = Section(
        "Load — the count: every relay the sink accepted against every acknowledged message",
        columns=("acknowledged", "relayed", "not relayed", "lost for good", "duplicated", "misrouted", "mixed",
                 "out of order", "left in intake", "set aside", "outbox pending"),
        ratio_label="relayed share",
    )  # fmt: skip
    for result in results:
        s, p, c = result.saturated, result.paced, result.count
        assert s is not None and p is not None and c is not None
        relay_rate = result.relays / result.relay_seconds if result.relay_seconds else 0.0
        speed.rows.append(
            Row(
                f"atende: {result.variant.label}",
                {
                    "acks/s": fmt_rate(result.acks / s.seconds),
                    "p50 ms": fmt_ms(s.p50),
                    "p99 ms": fmt_ms(s.p99),
                    f"p50 ms @{budget.paced_rate:,}/s": fmt_ms(percentile(p.latencies, 50)),
                    f"p99 ms @{budget.paced_rate:,}/s": fmt_ms(percentile(p.latencies, 99)),
                    "relays/s": fmt_rate(relay_rate),
                    "relayed msgs/s": fmt_rate(c.relayed / result.relay_seconds if result.relay_seconds else 0.0),
                    "relay p99 s": f"{percentile(result.relay_latencies, 99):.1f}" if result.relay_latencies else "—",
                    "peak RSS MB": _mb(result.peak_rss),
                },
                (result.acks / s.seconds) / raw.rate,
            )
        )
        counts.rows.append(
            Row(
                result.variant.label,
                {
                    "acknowledged": f"{c.expected:,}",
                    "relayed": f"{c.relayed:,}",
                    "not relayed": f"{len(c.lost):,}",
                    "lost for good": f"{result.lost_for_good:,}",
                    "duplicated": f"{len(c.duplicated):,}",
                    "misrouted": f"{len(c.misrouted):,}",
                    "mixed": f"{c.mixed:,}",
                    "out of order": f"{len(c.out_of_order):,}",
                    "left in intake": f"{result.left.get('intake pending', 0):,}",
                    "set aside": f"{result.left.get('intake set aside', 0):,}",
                    "outbox pending": f"{result.left.get('outbox pending', 0):,}",
                },
                c.relayed / c.expected if c.expected else None,
            )
        )
        problems += result.problems
        if c.duplicated or c.misrouted or c.mixed or c.out_of_order or c.unexpected:
            problems.append(f"{result.variant.label}: {c.summary()}")
        sink = result.sink
        counts.notes.append(
            f"{result.variant.label}: desk seeded in {result.seed_seconds:.1f} s; "
            f"the sink accepted {sink.get('accepted', 0):,} messages "
            f"({sink.get('pair_limited', 0):,} refused with 131056 past the pair limit), got "
            f"{sink.get('read_receipts', 0):,} read receipts and posted {sink.get('statuses_posted', 0):,} statuses "
            f"back ({sink.get('status_backlog', 0):,} still queued); "
            f"{result.stored_late:,} stored after wrk had given up on them (timeout), counted as acknowledged; "
            f"while wrk saturated it, the machine's CPUs were {result.machine_busy:.0%} busy and atende used "
            f"{result.atende_cpu:.2f} CPUs; "
            f"paced run {p.rate:,.0f}/s achieved of "
            f"{budget.paced_rate:,}/s ({p.late_starts:,} late starts); outbox left: "
            + ", ".join(f"{k.removeprefix('outbox ')} {v:,}" for k, v in result.left.items() if k.startswith("outbox"))
        )
    speed.notes += [
        f"Paced: {budget.paced_seconds} s at {budget.paced_rate:,} notifications/s from a small asyncio client "
        "(bench/http1.py + drive.paced: open loop, 64 keep-alive connections, latency from each request's due time). "
        f"Saturated: wrk -t1 -c64 -d{budget.saturated_seconds}s, every notification distinct "
        "(bench/webhook.lua). The bare app gets the same notifications and the same clients, just before.",
        "Each phase runs on its own copy of one seeded desk, on a server started for it. "
        "relays/s (saturated phase): messages the sink accepted ÷ time from the load's start until everything "
        "stored was relayed "
        f"or {budget.drain_seconds} s after the load stopped; relayed msgs/s: the acknowledged messages (customers' "
        "and agents') that reached their recipient ÷ the same time — a relay to an agent may carry several of one "
        "customer's texts (coalesced); relay p99: a customer's message stored → its relay "
        "at the sink, over those relayed. Peak RSS: the serve process tree.",
        "Mix: 70 % customer texts (~300 chars), 10 % customer media (image, document, audio), 15 % agent texts, "
        "5 % agent commands (/ativos, /fila, /ajuda); the sink posts sent, delivered and read back for every message.",
    ]
    counts.problems += problems
    return [speed, counts]
