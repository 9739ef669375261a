"""`atende simulate --script FILE --headless`: play a scenario, print every window, judge it.

Exit codes are the contract (docs/design.md §1): 0 when every expectation holds, 1 when one fails or
the run stops, 2 when the scenario file itself is wrong. A wrong file is always a message,
never a traceback: scenarios are written by hand and run in CI, where a stack trace hides the
one line that needs fixing.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console

from atende.adapters.clock import ManualClock
from atende.application.settings import Settings
from atende.standin import GraphStandIn

from .boot import Boot, throwaway_sqlite
from .capturing_gateway import CapturingGateway
from .chat import Chats
from .direct_driver import DirectDriver
from .driver import Driver, unpaced
from .people import people_for
from .player import Player
from .scenario import ScenarioError
from .scenario_config import scenario_settings
from .scenario_file import load_scenario
from .transcript import render_error, render_header, render_outcome, render_transcripts
from .webhook_driver import WebhookDriver

OK, FAILED, BAD_SCENARIO = 0, 1, 2


def run_script(
    path: Path,
    console: Console,
    *,
    boot: Boot = throwaway_sqlite,
    direct: bool = False,
    graph: GraphStandIn | None = None,
) -> int:
    """Play the scenario at `path`, print it on `console`; returns the exit code.

    `boot` picks atende's storage: a throwaway SQLite database by default, the in-memory fakes
    in tests. `direct` skips the webhook and the Graph API; `graph` is a stand-in to send to
    (one is started otherwise), so a caller can look at the requests atende made.
    """
    try:
        scenario = load_scenario(path)
        settings = scenario_settings(scenario)
        people = people_for(scenario, settings)
    except ScenarioError as error:
        render_error(console, error)
        return BAD_SCENARIO
    clock = ManualClock(scenario.start)
    chats = Chats()
    rng = random.Random(scenario.seed)
    with _driver(
        boot,
        settings,
        clock=clock,
        rng=rng,
        chats=chats,
        tick_seconds=scenario.tick_seconds,
        direct=direct,
        graph=graph,
    ) as driver:
        outcome = Player(people, driver, chats).play(scenario)
    render_header(console, scenario)
    render_transcripts(console, people, chats, settings.business_name)
    render_outcome(console, outcome)
    return OK if outcome.ok else FAILED


@contextmanager
def _driver(
    boot: Boot,
    settings: Settings,
    *,
    clock: ManualClock,
    rng: random.Random,
    chats: Chats,
    tick_seconds: float,
    direct: bool,
    graph: GraphStandIn | None,
) -> Iterator[Driver]:
    if direct:
        gateway = CapturingGateway(chats, clock)
        with boot(settings, clock=clock, rng=rng, gateway=gateway, pacing=unpaced()) as system:
            yield DirectDriver(system, clock, tick_seconds)
        return
    with WebhookDriver.running(boot, settings, clock, chats, rng=rng, tick_seconds=tick_seconds, graph=graph) as driver:
        yield driver
