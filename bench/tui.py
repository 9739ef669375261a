"""The simulator at demo scale: 10 windows, each with a long chat, and a keystroke to a bubble.

`atende simulate` runs headless (Textual's `run_test`) at 220×60 with 10 windows (3 agents of
the demo business and 7 customers); every window is first filled with `messages` bubbles (put
straight into the chats: the point is the screen's cost, not atende's). Then, with all that on
screen, what a person feels is timed, Enter to pixel:

- the typed message shows in its window (the screen redraws when the chats change);
- atende's answer shows (the webhook, the use cases, the courier and the Graph stand-in in
  between, on the session's worker thread);
- a long window scrolls from the top to the bottom and back.

The baseline, measured in the same run, is the least a Textual chat can do: a bare app whose
Enter mounts the typed line into a scroll view, timed the same way. Memory is the process's
resident set before and after filling the windows.
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import Row, Section, fmt_ms, median
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Input, Static

from atende.config import load_config
from atende.simulator.app import SimulatorApp
from atende.simulator.boot import DEMO_CONFIG
from atende.simulator.chat import Bubble, Kind
from atende.simulator.chat_window import ChatWindow
from atende.simulator.live import LiveSession

SIZE = (220, 60)
START = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Budget:
    messages: int
    """Bubbles put in every window before timing."""
    samples: int


FULL = Budget(messages=1000, samples=20)
QUICK = Budget(messages=300, samples=8)
TINY = Budget(messages=30, samples=2)


class Bare(App[None]):
    """The baseline: Enter mounts the line into a scroll view, and that is all."""

    def compose(self) -> ComposeResult:
        yield VerticalScroll()
        yield Input()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(VerticalScroll).mount(Static(event.value))
        event.input.value = ""


async def until(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the screen never showed it")
        await pilot.pause(0.001)


async def bare_latency(samples: int) -> list[float]:
    app = Bare()
    times = []
    async with app.run_test(size=SIZE) as pilot:
        scroll = app.query_one(VerticalScroll)
        for n in range(samples):
            app.query_one(Input).value = f"linha {n}"
            started = time.perf_counter()
            await pilot.press("enter")
            await until(pilot, lambda count=n + 1: len(scroll.children) >= count)  # type: ignore[misc]
            times.append(time.perf_counter() - started)
    return times


def fill(session: LiveSession, messages: int) -> None:
    """`messages` bubbles in every window, alternating sides, as if the day had been long."""
    for person in session.windows():
        for n in range(messages):
            at = START - timedelta(minutes=messages - n)
            mine = n % 2 == 0
            text = f"mensagem {n} de {person.name}: " + "texto de uma linha comum numa conversa " * (1 + n % 3)
            session.chats.add(person.phone, Bubble(f"wamid.FILL{person.phone}{n:05d}", at, 0, mine, Kind.TEXT, text))


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


async def atende_latency(budget: Budget) -> dict[str, list[float] | float]:
    settings = load_config(DEMO_CONFIG).to_settings()
    session = LiveSession(settings, customers=7, start=START, seed=3)
    app = SimulatorApp(session, source="bench", flowing=False)
    own: list[float] = []
    answer: list[float] = []
    scroll: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wrap_future(session.idle())
        before = rss_mb()
        started = time.perf_counter()
        fill(session, budget.messages)
        app._catch_up()
        await pilot.pause()
        drawn = time.perf_counter() - started
        after = rss_mb()
        windows = app.windows()
        customers = [w for w in windows if w.person.role.value == "customer"]
        for n in range(budget.samples):
            typed, answered = await one_round(app, pilot, customers[n % len(customers)])
            own.append(typed)
            answer.append(answered)
        longest = windows[0]
        box = longest.query_one(".bubbles")
        for _ in range(budget.samples):
            started = time.perf_counter()
            box.scroll_home(animate=False)
            await pilot.pause()
            box.scroll_end(animate=False)
            await pilot.pause()
            scroll.append(time.perf_counter() - started)
        shown = len(longest.bubbles)
    return {
        "own": own,
        "answer": answer,
        "scroll": scroll,
        "drawn": drawn,
        "rss_before": before,
        "rss_after": after,
        "shown": shown,
    }


async def one_round(app: SimulatorApp, pilot: Pilot[None], window: ChatWindow) -> tuple[float, float]:
    """Type "oi" + Enter in `window`: seconds until it shows there, and until atende's answer does."""
    session = app.session
    phone = window.person.phone
    app.enter(window)
    await pilot.pause()
    await asyncio.wrap_future(session.idle())
    sent = len([b for b in session.chats.of(phone) if b.mine])
    got = len(session.chats.received(phone))
    window.input.value = "oi"
    started = time.perf_counter()
    await pilot.press("enter")
    await until(pilot, lambda: len([b for b in session.chats.of(phone) if b.mine]) > sent)
    typed = [b for b in session.chats.of(phone) if b.mine][-1]
    await until(pilot, lambda: showing(window, typed))
    shown = time.perf_counter() - started
    await until(pilot, lambda: len(session.chats.received(phone)) > got)
    reply = session.chats.received(phone)[-1]
    await until(pilot, lambda: showing(window, reply))
    return shown, time.perf_counter() - started


def showing(window: ChatWindow, bubble: Bubble) -> bool:
    return any(shown.id == bubble.id for shown in window.bubbles[-5:])


def cells(samples: list[float]) -> dict[str, str]:
    return {"median ms": fmt_ms(median(samples)), "max ms": fmt_ms(max(samples)), "samples": str(len(samples))}


def measure(budget: Budget) -> Section:
    bare = asyncio.run(bare_latency(budget.samples))
    result = asyncio.run(atende_latency(budget))
    section = Section(
        f"Simulator at demo scale — 10 windows × {budget.messages} messages, 220×60, Textual headless (median)",
        columns=("median ms", "max ms", "samples"),
        ratio_label="÷ baseline",
    )
    base = median(bare)
    section.rows.append(Row("baseline: bare Textual app, Enter → line mounted", cells(bare), baseline=True))
    for key, label in (
        ("own", "Enter → the typed message in its window"),
        ("answer", "Enter → atende's answer in the window (webhook, use case, courier, Graph stand-in)"),
        ("scroll", "a window scrolled top and back to the bottom"),
    ):
        samples = result[key]
        assert isinstance(samples, list)
        section.rows.append(Row(label, cells(samples), ratio=median(samples) / base))
    drawn, before, after, shown = (result[k] for k in ("drawn", "rss_before", "rss_after", "shown"))
    section.notes.append(
        f"Filling 10 windows with {budget.messages} bubbles each and drawing them took {drawn:.2f} s; each window "
        f"keeps the latest {shown} on screen. Resident memory {before:.0f} MB → {after:.0f} MB."
    )
    return section
