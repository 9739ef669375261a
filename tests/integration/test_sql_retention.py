"""Retention on a real database: what is done with goes after `retention_days`, in batches; the rest stays."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from atende.adapters.sql import tables as t
from atende.adapters.sql.engine import connect
from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.application.outbound import Delivery
from atende.bootstrap import System, bootstrap
from tests.world import settings

from . import samples
from .test_sql_cloud_api import message

NOW = datetime.now(UTC)
AGENT = "5511900000001"


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def stored(database_url: str) -> Iterator[Engine]:
    """Arrivals, keys and messages of every age and state, backdated as if written back then."""
    engine = connect(database_url)
    with SqlUnitOfWork(engine) as uow:
        for key, received in (("handled-40d", 40), ("handled-10d", 10), ("waiting-40d", 40), ("aside-40d", 40)):
            assert uow.intake.add(samples.inbound(key), days_ago(received))
        for key in ("handled-40d", "handled-10d"):
            assert uow.intake.done(key)
        assert uow.intake.done("aside-40d", error="KeyError('x')")
        for key in ("key-40d", "key-20d", "key-9d", "key-5d"):
            assert uow.inbox.first_time(key)
        for number, (delivery, age) in enumerate(
            [
                (Delivery.SENT, 40),
                (Delivery.DELIVERED, 40),
                (Delivery.READ, 40),
                (Delivery.PENDING, 40),
                (Delivery.HELD, 40),
                (Delivery.FAILED, 40),
                (Delivery.SENT, 10),
            ]
        ):
            uow.outbox.add(message(number, AGENT, delivery, id=f"{delivery.value}-{age}d", created_at=days_ago(age)))
        uow.commit()
    with engine.begin() as connection:
        for key, age in (("handled-40d", 40), ("handled-10d", 10), ("aside-40d", 40)):
            connection.execute(update(t.intake).where(t.intake.c.key == key).values(done_at=days_ago(age)))
        for key, age in (("key-40d", 40), ("key-20d", 20), ("key-9d", 9), ("key-5d", 5)):
            connection.execute(update(t.inbox).where(t.inbox.c.message_id == key).values(recorded_at=days_ago(age)))
    yield engine
    engine.dispose()


def remaining(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as connection:
        return {
            "intake": sorted(connection.scalars(select(t.intake.c.key))),
            "inbox": sorted(connection.scalars(select(t.inbox.c.message_id))),
            "outbox": sorted(connection.scalars(select(t.outbox.c.id))),
        }


def system(database_url: str, days: int) -> System:
    return bootstrap(settings(retention_days=days), database_url=database_url)


KEPT_ANYWAY = {
    "intake": ["aside-40d", "handled-10d", "waiting-40d"],
    "outbox": ["failed-40d", "held-40d", "pending-40d", "sent-10d"],
}
"""Young, or not done with (waiting, set aside, unsent): never pruned at 30 days."""


def test_what_is_done_with_and_older_than_retention_is_pruned(stored: Engine, database_url: str) -> None:
    with system(database_url, 30) as atende:
        assert atende.atende.prune() == 1 + 1 + 3
    assert remaining(stored) == {**KEPT_ANYWAY, "inbox": ["key-20d", "key-5d", "key-9d"]}


def test_pruning_goes_a_small_batch_per_transaction(stored: Engine, database_url: str) -> None:
    with system(database_url, 30) as atende:
        assert atende.atende.prune(batch=1, batches=1) == 3, "one of each kind"
        assert len(remaining(stored)["outbox"]) == 7 - 1
        assert atende.atende.prune(batch=1) == 2, "then the rest, a batch at a time"
        assert atende.atende.prune(batch=1) == 0
    assert remaining(stored) == {**KEPT_ANYWAY, "inbox": ["key-20d", "key-5d", "key-9d"]}


def test_inbox_keys_outlive_metas_redeliveries_whatever_the_setting(stored: Engine, database_url: str) -> None:
    """Meta re-delivers for up to 7 days: a key younger than 8 days is kept even at retention_days = 2."""
    with system(database_url, 2) as atende:
        atende.atende.prune()
    assert remaining(stored)["inbox"] == ["key-5d"]
    assert remaining(stored)["intake"] == ["aside-40d", "waiting-40d"], "handled 10 days ago: past 2 days"
