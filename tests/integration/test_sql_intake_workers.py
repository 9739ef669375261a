"""Two OS processes handling one intake: senders are shared out, each arrival handled once, in order.

On PostgreSQL (ATENDE_TEST_DATABASE_URL) each batch claims its senders (`FOR UPDATE SKIP LOCKED`
on each sender's earliest arrival), so the two work on different senders at the same time; on
SQLite they take turns at the write lock. Either way, nothing is handled twice or out of order.
"""

from __future__ import annotations

import multiprocessing
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from atende.adapters.sql import tables as t
from atende.adapters.sql.engine import connect
from atende.application.arrivals import Arrival, Inbound
from atende.bootstrap import bootstrap
from atende.domain.content import Choice, Text
from tests.world import settings

from .workers import IntakeWorker, drain_intake

SENDERS = 40
MESSAGES_EACH = 5


def test_two_workers_share_the_intake_by_sender_and_handle_each_arrival_once(database_url: str) -> None:
    start = datetime.now(UTC) - timedelta(minutes=5)
    rng = random.Random(9)
    arrivals: list[Arrival] = []  # each customer picks a department, then writes while queued
    for n in range(MESSAGES_EACH):
        for s in range(SENDERS):
            at = start + timedelta(seconds=n, milliseconds=rng.randrange(900))
            said = Choice("dept:financeiro", "Financeiro") if n == 0 else Text(f"e mais uma coisa ({n})")
            arrivals.append(Inbound(f"wamid.{s}.{n}", f"55319{s:08d}", f"Cliente {s}", at, said))
    rng.shuffle(arrivals)  # Meta delivers out of order
    with bootstrap(settings(), database_url=database_url) as system:
        system.atende.sync_roster()
        assert system.atende.accept(arrivals, received_at=start) == len(arrivals)

    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Barrier(2)
    report = spawn.Queue()
    workers = [
        spawn.Process(target=drain_intake, args=(IntakeWorker(database_url, name, batch=10), ready, report))
        for name in ("A", "B")
    ]
    for worker in workers:
        worker.start()
    results = {name: (began, ended, keys) for name, began, ended, keys in (report.get(timeout=120) for _ in workers)}
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0

    handled = Counter(key for _, _, keys in results.values() for key in keys)
    assert handled == Counter(a.key for a in arrivals), "every arrival handled, and once"
    (a_began, a_ended, a_keys), (b_began, b_ended, b_keys) = results["A"], results["B"]
    assert a_began < b_ended and b_began < a_ended, "the two ran at the same time"
    if not database_url.startswith("sqlite"):
        assert a_keys and b_keys, "both took a share (on SQLite, whoever holds the write lock may keep it)"

    engine = connect(database_url)
    try:
        with engine.connect() as connection:
            unfinished = connection.scalar(select(t.intake.c.key).where(t.intake.c.done_at.is_(None)).limit(1))
            set_aside = connection.scalar(select(t.intake.c.key).where(t.intake.c.error.is_not(None)).limit(1))
            rows = connection.execute(select(t.messages.c.id).order_by(t.messages.c.seq)).all()
    finally:
        engine.dispose()
    assert (unfinished, set_aside) == (None, None)
    transcript = [row.id for row in rows if row.id.startswith("wamid.")]
    by_sender: dict[str, list[str]] = {}
    for message_id in transcript:
        by_sender.setdefault(message_id.split(".")[1], []).append(message_id)
    order = {a.key: a.at for a in arrivals}
    assert len(transcript) == SENDERS * (MESSAGES_EACH - 1), "what each wrote while queued, kept"
    for ids in by_sender.values():
        assert ids == sorted(ids, key=order.__getitem__), "each sender's messages handled in the order written"
