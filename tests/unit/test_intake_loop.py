"""The intake loop when storage is in trouble: it backs off, pausing longer each time, instead of
spinning — and nothing it was given is set aside meanwhile (docs/adr/0014)."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest

from atende.application.ports import StorageUnavailable
from atende.webhook.loops import Loop
from tests.world import World

from .test_intake import from_maria


@pytest.mark.asyncio
async def test_the_intake_loop_backs_off_while_the_database_is_locked(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.atende.accept([from_maria(world, "wamid.A", "oi")])
    world.clock.advance(2)
    world.store.broken["inbox.first_time"] = StorageUnavailable("database is locked")
    loop = Loop("intake", world.atende.process_intake, interval=0.05, max_backoff=0.4)
    caplog.set_level(logging.ERROR, logger="atende.webhook.loops")

    running = asyncio.create_task(loop.run())
    while loop.failures < 5:
        await asyncio.sleep(0.005)
    del world.store.broken["inbox.first_time"]
    loop.wake()
    while loop.passes == 0:
        await asyncio.sleep(0.005)
    loop.stop()
    await running

    pauses = [float(p) for p in re.findall(r"next try in ([\d.]+) s", caplog.text)]
    assert pauses[:5] == [0.1, 0.2, 0.4, 0.4, 0.4], "doubling, up to the longest pause"
    assert world.store.intake["wamid.A"][2] == "", "handled once the database answered; never set aside"
    assert world.store.intake_tries == {}
    assert [m.id for m in world.store.messages] == ["wamid.A"]
