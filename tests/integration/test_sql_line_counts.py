"""Places and per-department aggregates counted in storage agree with the in-memory fakes and with
the line read whole, on a line with ties, transfers, several departments and uncommitted changes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, text

from atende.adapters.sql.engine import connect
from atende.adapters.sql.schema import upgrade
from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.application.ports import UnitOfWork
from atende.domain.conversation import Conversation, Customer, Stage
from atende.domain.repositories import LinePart
from tests.databases import downgrade
from tests.fakes import FakeUnitOfWork, Store

from . import samples

UowFactory = Callable[[], SqlUnitOfWork]
AGENTS = ("5511900000001", "5511900000002", "5511900000003")
START = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def queued(code: str, department: str, seconds: float) -> Conversation:
    conversation = Conversation(code, Customer(f"55119{code}", code), opened_at=at(0))
    conversation.enqueue(department, at(seconds))
    return conversation


def build(uow: UnitOfWork) -> None:
    """Ties on the enqueue time (codes decide), a transfer that keeps its place, three departments."""
    line = [
        queued("B2", "suporte", 10),
        queued("A1", "suporte", 10),  # same instant: A1 is ahead of B2
        queued("C3", "financeiro", 10),  # ties with suporte's first across departments
        queued("D4", "suporte", 20),
        queued("E5", "vendas", 5),
        queued("F6", "financeiro", 30),
    ]
    moved = queued("G7", "suporte", 1)
    moved.assign("5511900000001", at(40))
    moved.transfer("financeiro", "5511900000001", at(50))  # first in financeiro, waiting since 50
    served = queued("H8", "vendas", 2)
    served.assign("5511900000002", at(3))
    for phone in AGENTS:
        uow.agents.add(samples.agent(phone))
    for conversation in [*line, moved, served]:
        uow.conversations.add(conversation)
    uow.commit()


def change(uow: UnitOfWork) -> None:
    """What a unit of work does before it writes: storage does not see these yet."""
    conversations = uow.conversations
    arriving = queued("J9", "vendas", 5)  # ties with E5; J9 comes after it
    conversations.add(arriving)
    a1 = conversations.get("A1")
    assert a1 is not None
    a1.assign("5511900000003", at(60))  # leaves suporte's line
    f6 = conversations.get("F6")
    assert f6 is not None
    f6.move("suporte", "supervisor", at(61))  # keeps its place, joins suporte


def answers(uow: UnitOfWork) -> tuple[dict[str, int], list[LinePart]]:
    conversations = uow.conversations
    codes = ["B2", "C3", "D4", "E5", "F6", "G7", "J9"]
    places = {}
    for code in codes:
        conversation = conversations.get(code)
        assert conversation is not None
        if conversation.stage is Stage.QUEUED:  # every one of them but where a test took one out
            places[code] = conversations.ahead_of(conversation)
    return places, conversations.line_parts()


def read_whole(uow: UnitOfWork) -> tuple[dict[str, int], list[LinePart]]:
    """The same answers from the line itself, as the use cases computed them before issue 9."""
    line = uow.conversations.waiting()
    places = {}
    for conversation in line:
        mine = [c.code for c in line if c.department == conversation.department]
        places[conversation.code] = mine.index(conversation.code)
    parts = []
    for department in dict.fromkeys(c.department for c in line):
        assert department is not None
        mine_c = [c for c in line if c.department == department]
        waits = [c.waiting_since for c in mine_c if c.waiting_since]
        first = mine_c[0]
        assert first.queued_at is not None
        parts.append(LinePart(department, len(mine_c), (first.queued_at, first.code), min(waits, default=None)))
    return places, parts


def test_storage_fakes_and_the_whole_line_agree(uow_factory: UowFactory) -> None:
    store = Store()
    for make in (uow_factory, lambda: FakeUnitOfWork(store)):
        with make() as uow:
            build(uow)
    results = []
    for make in (uow_factory, lambda: FakeUnitOfWork(store)):
        with make() as uow:
            change(uow)
            results.append(answers(uow))
        with make() as uow:
            change(uow)
            results.append(read_whole(uow))
    sql, sql_whole, fake, fake_whole = results
    assert sql == fake == sql_whole == fake_whole
    places, parts = sql
    assert places == {"B2": 0, "D4": 1, "F6": 2, "G7": 0, "C3": 1, "E5": 0, "J9": 1}
    assert [(p.department, p.count, p.first[1], p.earliest_wait) for p in parts] == [
        ("financeiro", 2, "G7", at(10)),
        ("vendas", 2, "E5", at(5)),
        ("suporte", 3, "B2", at(10)),
    ]


def test_after_the_whole_line_was_read_the_answers_stay_the_same(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        build(uow)
    with uow_factory() as uow:
        change(uow)
        before = answers(uow)
        uow.conversations.waiting()  # now every queued conversation is tracked: no query is needed
        assert answers(uow) == before


# -- agents' loads -------------------------------------------------------------------------------


def build_desk(uow: UnitOfWork) -> None:
    """Three agents: two conversations each for the first two, one for the third, one in the line."""
    for phone in AGENTS:
        uow.agents.add(samples.agent(phone))
    for n, agent in enumerate([AGENTS[0], AGENTS[0], AGENTS[1], AGENTS[1], AGENTS[2]]):
        conversation = queued(f"K{n}", "suporte", n)
        conversation.assign(agent, at(10 + n))
        uow.conversations.add(conversation)
    uow.conversations.add(queued("L9", "suporte", 9))
    uow.commit()


def change_desk(uow: UnitOfWork) -> None:
    """An end, a transfer to another agent's department, an assignment from the line: not yet written."""
    conversations = uow.conversations
    ended = conversations.get("K0")
    assert ended is not None
    ended.end(at(30), ask_rating=False)
    moved = conversations.get("K2")
    assert moved is not None
    moved.transfer("financeiro", AGENTS[1], at(31))
    moved.assign(AGENTS[2], at(32))
    taken = conversations.get("L9")
    assert taken is not None
    taken.assign(AGENTS[0], at(33))


def desk_answers(uow: UnitOfWork) -> tuple[dict[str, int], dict[str, list[str]]]:
    conversations = uow.conversations
    mine = {phone: [c.code for c in conversations.assigned_to(phone)] for phone in AGENTS}
    return dict(conversations.loads()), mine


def test_loads_counted_in_storage_agree_with_the_fakes_and_the_whole_set(uow_factory: UowFactory) -> None:
    store = Store()
    for make in (uow_factory, lambda: FakeUnitOfWork(store)):
        with make() as uow:
            build_desk(uow)
    results = []
    for make in (uow_factory, lambda: FakeUnitOfWork(store)):
        with make() as uow:
            change_desk(uow)
            results.append(desk_answers(uow))
            whole = uow.conversations.assigned()  # from here on, nothing is counted in storage
            results.append(desk_answers(uow))
            assert dict(results[-1][0]) == {p: sum(1 for c in whole if c.agent == p) for p in AGENTS}
    sql, sql_whole, fake, fake_whole = results
    assert sql == sql_whole == fake == fake_whole
    assert sql == (
        {AGENTS[0]: 2, AGENTS[1]: 1, AGENTS[2]: 2},
        {AGENTS[0]: ["K1", "L9"], AGENTS[1]: ["K3"], AGENTS[2]: ["K4", "K2"]},
    )


# -- the line's moves ------------------------------------------------------------------------------


def test_counts_from_the_moves_agree_after_commits_and_folds(uow_factory: UowFactory) -> None:
    """Joins and departures written by committed steps, then folded into one row per department,
    give the answers the whole line gives, at every stage."""
    with uow_factory() as uow:
        build(uow)
    with uow_factory() as uow:
        change(uow)
        uow.commit()
    with uow_factory() as uow:
        assert answers(uow) == read_whole(uow)
    with uow_factory() as uow:
        taken = uow.conversations.get("B2")
        assert taken is not None and taken.stage is Stage.QUEUED
        taken.assign(AGENTS[1], at(90))  # leaves suporte's line
        uow.commit()
    with uow_factory() as uow:
        before = answers(uow)
        assert before == read_whole(uow)
        folded = uow.retention.fold_line_moves()
        uow.commit()
    assert folded > 0
    with uow_factory() as uow:
        assert answers(uow) == before == read_whole(uow)
        assert uow.retention.fold_line_moves() == 0, "folded already"


def test_0012_counts_the_line_as_it_stands(bare_database_url: str) -> None:
    upgrade(bare_database_url)
    engine = connect(bare_database_url)
    try:
        with SqlUnitOfWork(engine) as uow:
            build(uow)
        with SqlUnitOfWork(engine) as uow:
            change(uow)
            uow.commit()
        with SqlUnitOfWork(engine) as uow:
            expected = answers(uow)
    finally:
        engine.dispose()
    downgrade(bare_database_url, "0011")
    upgrade(bare_database_url)  # fills line_moves from the conversations
    engine = connect(bare_database_url)
    try:
        with SqlUnitOfWork(engine) as uow:
            assert answers(uow) == expected == read_whole(uow)
    finally:
        engine.dispose()


def test_a_unit_of_work_holding_more_of_the_line_than_a_statement_takes_parameters_still_counts(
    tmp_path: Path,
) -> None:
    """Counts leave out what the unit of work holds without naming it to the database: after
    reading a whole department's line, the codes held can be more than SQLite's (or PostgreSQL's)
    limit of parameters per statement. The limit is lowered here to 32 to show it."""
    url = f"sqlite:///{tmp_path / 'limit.db'}"
    upgrade(url)
    engine = connect(url)
    event.listen(engine, "connect", lambda dbapi, _: dbapi.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32))
    try:
        with SqlUnitOfWork(engine) as uow:
            uow.agents.add(samples.agent(AGENTS[0]))
            for n in range(47):
                uow.conversations.add(queued(f"Q{n:02d}", "suporte", n))
            served = queued("S1", "vendas", 0)
            served.assign(AGENTS[0], at(1))
            uow.conversations.add(served)
            uow.commit()
        with SqlUnitOfWork(engine) as uow:
            line = uow.conversations.waiting("suporte")  # now all 47 are held
            last = line[-1]
            last.move("vendas", "supervisor", at(60))  # a change storage has not seen
            assert uow.conversations.loads() == {AGENTS[0]: 1}
            assert [p.count for p in uow.conversations.line_parts()] == [46, 1]
            assert uow.conversations.ahead_of(line[10]) == 10
            assert uow.conversations.ahead_of(last) == 0
    finally:
        engine.dispose()


def test_a_count_that_drifted_is_harmless_and_put_right_by_the_next_fold(uow_factory: UowFactory) -> None:
    """A row changed around the repository (an old worker during an upgrade, a hand-made fix)
    leaves the moves wrong: reminders skip a department whose line is in fact empty, and the
    retention pass recounts every line from the conversations."""
    with uow_factory() as uow:
        build(uow)
    with uow_factory() as uow:
        uow.connection().execute(text("UPDATE conversations SET stage = 'closed' WHERE code = 'E5'"))
        uow.commit()  # vendas' only queued customer left without a move
    with uow_factory() as uow:
        parts = uow.conversations.line_parts()
        assert [p.department for p in parts] == ["financeiro", "suporte"], "vendas is empty in fact"
        assert uow.retention.fold_line_moves() >= 0
        uow.commit()
    with uow_factory() as uow:
        summed = text("SELECT department, sum(delta) FROM line_moves GROUP BY department")
        assert dict(uow.connection().execute(summed).all()) == {"financeiro": 3, "suporte": 3}, "vendas: none"
        assert uow.conversations.line_parts() == read_whole(uow)[1]
