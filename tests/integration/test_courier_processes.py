"""Two OS processes sending one outbox over HTTP: both send, nothing twice, each person's order kept.

Needs PostgreSQL (ATENDE_TEST_DATABASE_URL): that is where several processes or hosts send at
once. On SQLite one writer at a time holds the database, so two couriers there take turns (the
claims still hold, and tests/integration/test_courier_claims.py shows them on both engines).
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Callable

from atende.adapters.clock import SystemClock
from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.application.outbound import Audience, Outgoing, TextBody
from atende.application.session import Session
from atende.application.use_cases import Atende
from atende.standin import GraphStandIn
from tests.databases import needs_postgresql
from tests.world import settings

from .courier_workers import CourierJob, send_everything

RECIPIENTS = [f"5511977{n:06d}" for n in range(60)]
PER_RECIPIENT = 6

pytestmark = needs_postgresql  # where several processes or hosts send at once


def test_two_courier_processes_both_send_nothing_twice_in_order_per_recipient(
    uow_factory: Callable[[], SqlUnitOfWork], database_url: str
) -> None:
    atende = Atende(settings(), uow_factory, SystemClock())

    def write(session: Session) -> None:
        for n in range(PER_RECIPIENT):
            for k, to in enumerate(RECIPIENTS):
                text = f"r{k:02d}-m{n}"
                session.uow.outbox.add(Outgoing(text, to, Audience.CUSTOMER, TextBody(text), session.now))

    atende.run(write)
    spawn = multiprocessing.get_context("spawn")
    start, report = spawn.Event(), spawn.Queue()
    with GraphStandIn(latency=0.01) as graph:
        jobs = [CourierJob(database_url, name, graph.url, graph.phone_number_id, graph.access_token) for name in "AB"]
        processes = [spawn.Process(target=send_everything, args=(job, start, report)) for job in jobs]
        for process in processes:
            process.start()
        start.set()
        for process in processes:
            process.join(120)
            assert process.exitcode == 0
        sent = dict(report.get(timeout=5) for _ in processes)
        requests = [r for r in graph.messages if r.accepted]

    assert sorted(sent) == ["A", "B"] and all(n > 0 for n in sent.values()), sent
    assert sum(sent.values()) == len(RECIPIENTS) * PER_RECIPIENT
    twice = [text for text, n in Counter(r.text for r in requests).items() if n > 1]
    assert not twice, f"sent twice: {twice}"
    for k, to in enumerate(RECIPIENTS):
        received = [r.text for r in requests if r.to is not None and r.to.lstrip("+") == to]
        assert received == [f"r{k:02d}-m{n}" for n in range(PER_RECIPIENT)]
