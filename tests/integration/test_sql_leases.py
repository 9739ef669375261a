"""Leases are timed by the database's clock: hosts whose clocks disagree still hold them one at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atende.adapters.clock import ManualClock
from atende.bootstrap import System, bootstrap
from atende.webhook.background import TIMERS_LEASE
from atende.webhook.lease_keeper import Lease
from tests.world import settings

SECONDS = 30.0
"""The lease's length; the keeper's safety margin is a third of it (10 s)."""

SKEWS = {"behind": -600.0, "on time": 0.0, "ahead": 600.0}
"""Process clocks ten minutes apart: far beyond the margin (and anything NTP lets happen)."""


def host(database_url: str, skew: float) -> System:
    """A process whose wall clock is `skew` seconds off, on the shared database."""
    clock = ManualClock(datetime.now(UTC) + timedelta(seconds=skew))
    return bootstrap(settings(), database_url=database_url, clock=clock)


@pytest.mark.parametrize("first", list(SKEWS))
@pytest.mark.parametrize("name", [TIMERS_LEASE])
def test_hosts_with_skewed_clocks_never_both_hold_a_lease(database_url: str, name: str, first: str) -> None:
    hosts = {label: host(database_url, skew) for label, skew in SKEWS.items()}
    try:
        keepers = {label: Lease(system.atende, name, f"host-{label}", SECONDS) for label, system in hosts.items()}
        assert keepers[first].acquire(), "the lease is free"
        for label, keeper in keepers.items():
            if label != first:
                assert not keeper.acquire(), f"the {label} host took a lease the {first} host holds"
        assert keepers[first].acquire(), "the holder renews it"
        assert [label for label, keeper in keepers.items() if keeper.held] == [first]
        keepers[first].release()
        others = [label for label in SKEWS if label != first]
        assert keepers[others[0]].acquire(), "handed over, it is free at once, whatever the clocks"
        assert not keepers[others[1]].acquire()
        assert not keepers[first].acquire()
    finally:
        for system in hosts.values():
            system.close()
