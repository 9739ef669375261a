"""The intake's own pace on the busy desk: stored arrivals drained by `Atende.process_intake`.

    .venv/bin/python bench/intake_drain.py [--messages 3000] [--database URL] [--profile tottime]

Seeds the desk of `load.py` (400 agents × 5, 2,000 customers assigned), stores `--messages`
notifications of the load's mix (`busy.Traffic`) with `Atende.accept` in groups of 200 (as the
webhook does), lets the clock pass the reorder window and drains them; then gives every message
the first drain wrote a provider id, stores `delivered` and `read` for each, and drains those.
Prints wall and CPU rates of each drain: no HTTP, no courier, no other thread — what one
interpreter spends per arrival, which bounds acks and relays as served (docs/benchmarks.md).
`--profile KEY` prints cProfile's top functions of each drain sorted by KEY.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta

import busy
from sqlalchemy import create_engine, text

from atende.adapters.clock import ManualClock
from atende.adapters.sql.schema import upgrade
from atende.adapters.whatsapp import parse_notification
from atende.application.arrivals import Arrival, StatusReport
from atende.bootstrap import bootstrap
from atende.webhook.background import INTAKE_PASS
from atende.webhook.store import MAX_GROUP
from atende.webhook.triage import arrivals_of


def drain(process: Callable[[], int], profile: str | None) -> tuple[int, float, float]:
    """Handle until nothing is ready: (handled, wall seconds, CPU seconds)."""
    profiler = cProfile.Profile() if profile else None
    wall, cpu, handled = time.perf_counter(), time.process_time(), 0
    if profiler:
        profiler.enable()
    while taken := process():
        handled += taken
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if profiler:
        pstats.Stats(profiler).sort_stats(profile or "tottime").print_stats(30)
    return handled, wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--database", help="a database URL (default: a fresh SQLite file)")
    parser.add_argument("--profile", metavar="KEY", help="cProfile each drain, sorted by KEY (tottime, cumulative)")
    args = parser.parse_args(argv)
    url = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='atende-intake-')}/intake.db"
    desk = busy.Desk(busy.AGENTS, busy.CUSTOMERS)
    start = busy.now() - timedelta(minutes=5)
    upgrade(url)
    busy.seed(url, desk, start)
    clock = ManualClock(start + timedelta(minutes=1))
    system = bootstrap(desk.settings(), database_url=url, clock=clock)
    try:
        notes = busy.Traffic(desk, start + timedelta(seconds=30)).mixed(args.messages)
        arrivals: list[Arrival] = [a for n in notes for a in arrivals_of(parse_notification(n.body), None).arrivals]
        for i in range(0, len(arrivals), MAX_GROUP):
            system.atende.accept(arrivals[i : i + MAX_GROUP])
        clock.advance(120)
        report("messages", *drain(lambda: system.atende.process_intake(limit=INTAKE_PASS), args.profile))

        engine = create_engine(url)
        with engine.begin() as connection:  # as if the courier had sent every one of them
            connection.execute(text("UPDATE outbox SET provider_id = 'wamid.out' || seq, delivery = 'sent'"))
            sent = dict(connection.execute(text("SELECT seq, recipient FROM outbox")).all())
        engine.dispose()
        reports = [
            StatusReport(f"wamid.out{seq}", status, clock.now(), recipient=to)
            for seq, to in sent.items()
            for status in ("delivered", "read")
        ]
        for i in range(0, len(reports), MAX_GROUP):
            system.atende.accept(reports[i : i + MAX_GROUP])
        clock.advance(120)
        report("statuses", *drain(lambda: system.atende.process_intake(limit=INTAKE_PASS), args.profile))
    finally:
        system.close()
    return 0


def report(what: str, handled: int, wall: float, cpu: float) -> None:
    print(f"{what:9} {handled:6,} handled in {wall:5.2f} s: {handled / wall:7,.0f}/s wall, {handled / cpu:7,.0f}/s CPU")


if __name__ == "__main__":
    sys.exit(main())
