"""Two OS processes serving customers from one database: use cases never interleave badly.

On SQLite (the default) both share one file; with ATENDE_TEST_DATABASE_URL, one PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from itertools import groupby

import pytest

from atende.adapters.sql.engine import connect
from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.application.arrivals import Inbound
from atende.application.outbound import MenuBody
from atende.bootstrap import bootstrap
from atende.domain.content import Text
from atende.domain.conversation import CloseReason, Conversation, Stage
from atende.domain.events import Assigned, Closed, Event, OfferTimedOut

from .workers import FastClock, Job, contention_settings, work

CUSTOMERS_PER_PROCESS = 30
PROCESSES = ("A", "B")


def customers_of(name: str) -> tuple[str, ...]:
    return tuple(f"55119{ord(name):03d}{i:05d}" for i in range(CUSTOMERS_PER_PROCESS))


def roster(url: str, origin: float) -> None:
    """Agents enrolled before traffic, as `atende serve` does at start."""
    system = bootstrap(contention_settings(), database_url=url, clock=FastClock(origin))
    system.atende.sync_roster()
    system.close()


def drain(url: str, origin: float) -> None:
    """Agents resume and end conversations until nobody waits: everyone ends up served."""
    config = contention_settings()
    system = bootstrap(config, database_url=url, clock=FastClock(origin), rng=random.Random(0))
    sent = 0
    for _ in range(200):
        with system.uow_factory() as uow:
            if not uow.conversations.assigned() and not uow.conversations.waiting():
                break
        for agent in config.agents:
            for command in ("/volto", "/fim"):
                sent += 1
                system.atende.receive(Inbound(f"drain-{sent}", agent.phone, "", system.clock.now(), Text(command)))
    system.close()


def check_loads(events: list[Event], capacity: dict[str, int]) -> int:
    """Replay assignments and releases in log order; returns the highest load any agent had.

    A step that depends on another's commit writes its events after it, so log order respects
    causality. Events of one step share its `now`: each such group is applied as a whole,
    releases first, then the assignments they made room for.
    """
    holder: dict[str, str] = {}
    load: Counter[str] = Counter()
    highest = 0
    for _, group in groupby(events, key=lambda e: e.at):
        batch = list(group)
        for event in batch:
            if isinstance(event, Closed | OfferTimedOut) and event.code in holder:
                load[holder.pop(event.code)] -= 1
        for event in batch:
            if isinstance(event, Assigned):
                assert event.code not in holder, f"{event.code} to {event.agent} while {holder[event.code]} has it"
                holder[event.code] = event.agent
                load[event.agent] += 1
                assert load[event.agent] <= capacity[event.agent], f"{event.agent} over capacity at {event.at}"
                highest = max(highest, load[event.agent])
    return highest


def run_processes(url: str, origin: float) -> dict[str, tuple[float, float, int]]:
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(len(PROCESSES))
    report = spawn.Queue()
    workers = [
        spawn.Process(target=work, args=(Job(url, name, origin, customers_of(name)), start, report))
        for name in PROCESSES
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=90)
        assert process.exitcode == 0, f"a worker failed (exit code {process.exitcode}); its traceback is above"
    return {name: (began, ended, sent) for name, began, ended, sent in (report.get(timeout=5) for _ in workers)}


@pytest.mark.slow
def test_two_processes_share_one_database(database_url: str) -> None:
    origin = time.time()
    roster(database_url, origin)
    spans = run_processes(database_url, origin)
    (a_start, a_end, a_sent), (b_start, b_end, b_sent) = spans["A"], spans["B"]
    assert a_start < b_end and b_start < a_end, "the two processes ran at the same time"
    drain(database_url, origin)

    engine = connect(database_url)
    with SqlUnitOfWork(engine) as uow:
        events = uow.events.since(datetime.min.replace(tzinfo=UTC))
        conversations: list[Conversation] = list(uow.conversations.recent(1000))
        agents = uow.agents.all()
        handled = uow.connection().exec_driver_sql("SELECT count(*) FROM inbox").scalar_one()
        outbox = uow.outbox.pending(100_000)
    engine.dispose()

    assert handled >= a_sent + b_sent, "every message was recorded as handled"
    assert check_loads(events, {a.phone: a.capacity for a in agents}) >= 1

    # Every customer is accounted for: greeted once, queued once, served to the end.
    customers = [c for name in PROCESSES for c in customers_of(name)]
    assert sorted(c.customer.wa_id for c in conversations) == sorted(customers)
    menus = Counter(m.to for m in outbox if isinstance(m.body, MenuBody) and m.body.options[0].id.startswith("dept:"))
    assert all(menus[c] == 1 for c in customers)
    per_code: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for event in events:
        per_code[event.code][event.name] += 1
    for conversation in conversations:
        assert (conversation.stage, conversation.close_reason) == (Stage.RATING, CloseReason.ENDED), conversation
        seen = per_code[conversation.code]
        missed = seen["OfferTimedOut"]
        expected = Counter(EnteredQueue=1, Assigned=1 + missed, OfferTimedOut=missed, Closed=1)
        assert seen == +expected, (conversation.code, seen)
    assert {a.active for a in agents} == {None}
    assert sum(c["OfferTimedOut"] for c in per_code.values()) > 0, "timer passes raced with the messages"
