"""Group commit: notifications arriving together share one transaction, each answered after it."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest

from atende.application.arrivals import Arrival, Inbound
from atende.application.use_cases import Atende
from atende.bootstrap import bootstrap
from atende.domain.content import Text
from atende.webhook.store import ArrivalStore
from tests.world import settings

AT = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


class CountingAtende(Atende):
    """The real service on the database under test; it counts transactions and fails those holding a poisoned key."""

    poisoned = "wamid.poison"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.transactions: list[int] = []

    def accept(self, arrivals: Sequence[Arrival], received_at: datetime | None = None) -> int:
        self.transactions.append(len(arrivals))
        if any(a.key == self.poisoned for a in arrivals):
            raise OSError("disk I/O error")
        return super().accept(arrivals, received_at)


@pytest.fixture
def counting(database_url: str) -> Iterator[CountingAtende]:
    with bootstrap(settings(), database_url=database_url) as system:
        yield CountingAtende(system.settings, system.uow_factory, system.clock, random.Random(1))


def text(n: int | str) -> list[Arrival]:
    key = n if isinstance(n, str) else f"wamid.g{n}"
    return [Inbound(key, f"55119{int(random.random() * 1e8):08d}", "", AT, Text("oi"))]


def stored_keys(atende: Atende) -> set[str]:
    return atende.run(lambda session: {a.key for a in session.uow.intake.ready(datetime.now(UTC), 1000)})


def test_concurrent_notifications_share_transactions_and_all_are_stored(counting: CountingAtende) -> None:
    atende = counting
    service = ArrivalStore(atende, lambda: None, threads=1)

    async def burst() -> list[int]:
        return await asyncio.gather(*(service.accept(text(n)) for n in range(60)))

    answers = asyncio.run(burst())
    service.close()

    assert len(answers) == 60 and all(a >= 1 for a in answers)
    assert sum(atende.transactions) == 60
    assert len(atende.transactions) < 60  # grouped: fewer commits than requests
    assert stored_keys(atende) == {f"wamid.g{n}" for n in range(60)}


def test_one_bad_notification_does_not_cost_the_others_their_200(counting: CountingAtende) -> None:
    atende = counting
    service = ArrivalStore(atende, lambda: None, threads=1)

    async def burst() -> list[int | BaseException]:
        requests = [service.accept(text(n)) for n in range(10)]
        requests.insert(5, service.accept(text(CountingAtende.poisoned)))
        return await asyncio.gather(*requests, return_exceptions=True)

    answers = asyncio.run(burst())
    service.close()

    failures = [a for a in answers if isinstance(a, BaseException)]
    assert len(failures) == 1 and isinstance(failures[0], OSError)
    assert isinstance(answers[5], OSError)
    assert stored_keys(atende) == {f"wamid.g{n}" for n in range(10)}
