"""A live session: atende behind its real webhook, people writing to it from the keyboard.

The interactive simulator's engine, and nothing of the screen: the same `WebhookDriver` and
`Player` as the headless player, so what a person types becomes the signed notification Meta
would post, and what atende sends comes back as the Graph API requests a phone would receive.
Everything that touches atende runs on one worker thread, in order — the screen never waits
on it and never races it: it submits, and looks at the chats when they change.

Simulated time flows with the wall clock (`flow`) and jumps when asked (`fast_forward`), so
reminders, offer timeouts and 24-hour windows can be shown in a minute. Every step performed
is kept, to be saved as a scenario (`recorded`).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from atende.adapters.clock import ManualClock
from atende.application.queries import DepartmentQueue, queue_view
from atende.application.settings import Settings
from atende.standin import GraphStandIn

from .boot import Boot, throwaway_sqlite
from .chat import Bubble, Chats
from .people import People, Person
from .player import Player, Verdict
from .scenario import Action, Role, Scenario, Step, Wait, Write
from .webhook_driver import WebhookDriver

T = TypeVar("T")

CUSTOMER_NAMES = (
    ("Maria", "Maria Silva"),
    ("João", "João Souza"),
    ("Pedro", "Pedro Lima"),
    ("Rita", "Rita Lopes"),
    ("Lucas", "Lucas Almeida"),
    ("Júlia", "Júlia Costa"),
    ("Rafael", "Rafael Gomes"),
    ("Camila", "Camila Rocha"),
    ("Thiago", "Thiago Martins"),
    ("Beatriz", "Beatriz Ribeiro"),
)
"""Made-up customers, as a São Paulo shop would see them; numbered after the tenth."""

FLOW_TICK_SECONDS = 5.0
"""Timers run every this many simulated seconds while time flows, as `atende serve` runs them."""

FAST_FORWARD_TICKS = 120
"""A long jump runs the timers at most this many times (a day in 12-minute steps)."""


@dataclass(frozen=True)
class Inspection:
    """What travelled for one bubble: the notification posted, or the Graph API request captured."""

    notification: dict[str, object] | None
    request: dict[str, object] | None


class LiveSession:
    """atende for one interactive run, with a window per agent and per customer."""

    def __init__(
        self,
        settings: Settings,
        *,
        customers: int = 3,
        people: People | None = None,
        boot: Boot = throwaway_sqlite,
        start: datetime | None = None,
        seed: int | None = None,
        config_path: Path | None = None,
    ) -> None:
        # Phones here post in order, at once: no wait for late deliveries, so simulated time
        # moves only when it flows or is moved, never because someone typed.
        self.settings = replace(settings, reorder_window_seconds=0)
        self.config_path = config_path
        """The config file the business came from; None for the bundled demo."""
        self.chats = Chats()
        if people is None:
            people = People([Person(a.name, a.phone, Role.AGENT, a.name) for a in settings.agents])
            for _ in range(customers):
                self._make_customer(people)
        self.people = people
        self.clock = ManualClock(start or datetime.now(UTC).replace(microsecond=0))
        self.clock_start = self.clock.now()
        self.seed = seed if seed is not None else random.randrange(1_000_000)
        """Conversation codes repeat when a recording is played back with it."""
        self.recorded: list[Step] = []
        self.failure: BaseException | None = None
        """The first error atende raised in this session; shown, and it stops nothing."""
        self._boot = boot
        self._rng = random.Random(self.seed)
        self._steps = itertools.count(1)
        self._flowing: tuple[int, float] | None = None
        """The wait step time is flowing in: its number and how long it has lasted so far."""
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="atende-live")
        self._stack = ExitStack()
        self._driver: WebhookDriver | None = None
        self._player: Player | None = None

    # -- lifecycle (each runs on the worker) -------------------------------------------------

    def open(self) -> Future[None]:
        """Boot atende behind its webhook and enroll the agents, as `atende serve` starts."""
        return self._submit(self._open)

    def _open(self) -> None:
        graph = self._stack.enter_context(GraphStandIn())
        self._driver = self._stack.enter_context(
            WebhookDriver.running(self._boot, self.settings, self.clock, self.chats, rng=self._rng, graph=graph)
        )
        self._player = Player(self.people, self._driver, self.chats)
        self._driver.start()

    def close(self) -> None:
        """Stop atende and throw its database away; waits for the step in flight."""
        self._worker.submit(self._stack.close).result()
        self._worker.shutdown(wait=True)

    # -- what people do ----------------------------------------------------------------------

    def write(self, person: Person, action: Action, *, target: Bubble | None = None) -> Future[None]:
        """`person` writes: a text, a menu choice, media, a place or a reaction, maybe about `target`."""
        write = Write(person.role, person.name, action, target_id=target.id if target else None)
        return self._submit(lambda: self._perform(write))

    def read(self, person: Person) -> Future[None]:
        """`person` opens their chat: what they received turns read (blue ticks on the other side)."""
        return self._submit(lambda: self._driver_now().read(person.phone))

    def flow(self, seconds: float) -> Future[None]:
        """Time passes as it does on the wall clock; a recording keeps it as one `wait`."""
        return self._submit(lambda: self._flow(seconds))

    def fast_forward(self, seconds: float) -> Future[None]:
        """Jump ahead, the timers running along the way (recorded as a wait)."""
        tick = max(FLOW_TICK_SECONDS, seconds / FAST_FORWARD_TICKS)
        return self._submit(lambda: self._perform(Wait(seconds), tick_seconds=tick))

    def play(self, step: Step) -> Future[list[Verdict]]:
        """A scenario's step, with its own number, judged on what it caused (recorded too)."""

        def perform() -> list[Verdict]:
            self._close_flow()
            player = self._player_now()
            player.perform(step)
            self.recorded.append(step)
            self._steps = itertools.count(step.number + 1)
            return [player.judge(expectation, step) for expectation in step.expect]

        return self._submit(perform)

    def judge_end(self, scenario: Scenario) -> Future[list[Verdict]]:
        """A scenario's final expectations, on the whole chats."""
        return self._submit(lambda: [self._player_now().judge(e, None) for e in scenario.final])

    def steps_so_far(self) -> Future[list[Step]]:
        """Every step performed until now, the time flowing at this moment closed as a wait of its
        own, so that what arrived during it can be expected too (a recording is taken from this)."""

        def close() -> list[Step]:
            self._close_flow()
            return list(self.recorded)

        return self._submit(close)

    def add_customer(self) -> Person:
        """A new customer window, with a made-up name and number."""
        return self._make_customer(self.people)

    def remove_customer(self, person: Person) -> None:
        """Close a customer's window (their conversation goes on without them, as in life)."""
        self.people.remove(person.name)

    def idle(self) -> Future[None]:
        """Done once everything submitted before it is done (the worker takes jobs in order)."""
        return self._submit(lambda: None)

    # -- what the screen looks at ------------------------------------------------------------

    def windows(self) -> list[Person]:
        """Customers first, then agents, in the order they appeared."""
        return [*self.people.of_role(Role.CUSTOMER), *self.people.of_role(Role.AGENT)]

    def inspect(self, person: Person, bubble: Bubble) -> Inspection:
        """The raw JSON behind a bubble (read on the screen's thread: both maps only grow)."""
        driver = self._driver
        if driver is None:
            return Inspection(None, None)
        request = driver.captured.get(bubble.id)
        return Inspection(driver.posted.get(bubble.id), request.json if request else None)

    def queues(self) -> Future[list[DepartmentQueue]]:
        """Every department's line and its agents: the read model of `atende queue ls`."""

        def read() -> list[DepartmentQueue]:
            atende = self._driver_now().atende
            return atende.run(lambda session: queue_view(session.uow, self.settings, session.now))

        return self._submit(read)

    def now(self) -> datetime:
        return self.clock.now()

    # -- plumbing ----------------------------------------------------------------------------

    @staticmethod
    def _make_customer(people: People) -> Person:
        taken = {p.name for p in people}
        for first, full in CUSTOMER_NAMES:
            if first not in taken:
                return people.new_customer(first, full)
        name = next(f"Cliente {n}" for n in itertools.count(len(CUSTOMER_NAMES) + 1) if f"Cliente {n}" not in taken)
        return people.new_customer(name)

    def _flow(self, seconds: float) -> None:
        if self._flowing is None:
            self._flowing = (next(self._steps), 0.0)
        number, lasted = self._flowing
        self._flowing = (number, lasted + seconds)
        self.chats.step = number  # what the timers send meanwhile belongs to this wait
        self._driver_now().wait(seconds, tick_seconds=FLOW_TICK_SECONDS)

    def _close_flow(self) -> None:
        if self._flowing is not None:
            number, lasted = self._flowing
            self._flowing = None
            if lasted > 0:  # whole seconds: a recording plays back on the same minute marks
                self.recorded.append(Step(number, Wait(max(1, round(lasted)))))

    def _perform(self, event: Write | Wait, *, tick_seconds: float | None = None) -> None:
        self._close_flow()
        step = Step(next(self._steps), event)
        player = self._player
        assert player is not None, "the session is not open"
        if isinstance(event, Wait) and tick_seconds is not None:
            player.chats.step = step.number
            self._driver_now().wait(event.seconds, tick_seconds=tick_seconds)
        else:
            player.perform(step)
        self.recorded.append(step)

    def _player_now(self) -> Player:
        assert self._player is not None, "the session is not open"
        return self._player

    def _driver_now(self) -> WebhookDriver:
        assert self._driver is not None, "the session is not open"
        return self._driver

    def _submit(self, job: Callable[[], T]) -> Future[T]:
        def guarded() -> T:
            try:
                return job()
            except BaseException as error:
                if self.failure is None:
                    self.failure = error
                raise

        return self._worker.submit(guarded)
