"""`atende simulate`: phones side by side — customers and agents — talking through the real atende.

Every window is a person's WhatsApp chat with the business number. What is typed goes to the
`LiveSession`, which posts it to atende's webhook as Meta would and shows what atende sends
back; the screen only submits and redraws, so typing never waits on atende.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from pathlib import Path
from typing import ClassVar, TypeVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from atende.application.texts import texts_for

from .chat import Bubble, Kind, Option
from .chat_window import ChatWindow, snippet
from .live import LiveSession
from .panels import Inspector, OpsPanel
from .people import Person
from .pickers import AttachmentSheet, MenuSheet, ReactionSheet
from .player import Verdict
from .recorder import RecordSheet, save_recording
from .scenario import Action, Choose, React, Role, Say, Scenario

T = TypeVar("T")

SCRIPT_PACE_SECONDS = 1.5
"""How long each step of a scenario stays on screen before the next is played."""


COLUMNS_IN_ONE_ROW = 6
"""Up to this many windows sit in one row; more wrap into a second."""


KEYS = (
    ("Tab", "window"),
    ("↑↓", "pick msg"),
    ("Enter", "send"),
    ("F2", "JSON"),
    ("F3", "queues"),
    ("F4", "attach"),
    ("F5", "react"),
    ("F6/F7/F8", "+1 min/+10 min/+1 day"),
    ("F9/F10", "+/− customer"),
    ("^S", "record"),
    ("^Q", "quit"),
)


class KeyBar(Widget):
    """The keys at the bottom, always the same: drawn once, never laid out again."""

    def render(self) -> Text:
        bar = Text()
        for key, what in KEYS:
            bar.append(f" {key} ", style="bold reverse")
            bar.append(f" {what}  ")
        return bar


class StatusLine(Widget):
    """The top line: the business, the simulated time, the keys. Redrawn every second without a
    new layout (a `Static` would lay the whole screen out again on each update)."""

    line: reactive[Text] = reactive(Text(), layout=False)

    def render(self) -> Text:
        return self.line


class SimulatorApp(App[None]):
    CSS_PATH = "simulator.tcss"
    TITLE = "atende simulate"
    AUTO_FOCUS = None
    ENABLE_COMMAND_PALETTE = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "next_window", "Window", priority=True),
        Binding("shift+tab", "previous_window", show=False, priority=True),
        Binding("up", "pick_previous", "Pick a message", show=False),
        Binding("down", "pick_next", show=False),
        Binding("escape", "unpick", show=False),
        Binding("f2", "toggle_inspector", "JSON"),
        Binding("f3", "toggle_ops", "Queues"),
        Binding("f4", "attach", "Attach"),
        Binding("f5", "react", "React"),
        Binding("f6", "forward(60)", "+1 min"),
        Binding("f7", "forward(600)", "+10 min"),
        Binding("f8", "forward(86400)", "+1 day"),
        Binding("f9", "add_customer", "+Customer"),
        Binding("f10", "remove_customer", "−Customer"),
        Binding("ctrl+s", "record", "Record"),
        Binding("ctrl+p", "script_pause", "Pause/resume", show=False),
        Binding("ctrl+n", "script_step", "Next step", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        session: LiveSession,
        *,
        source: str,
        flowing: bool = True,
        script: Scenario | None = None,
        pace: float = SCRIPT_PACE_SECONDS,
    ) -> None:
        super().__init__()
        self.session = session
        self.script = script
        """A scenario played in the windows, a step every `pace` seconds; then the session goes on."""
        self.pace = pace
        self.script_at = 0
        self.script_running = script is not None
        self.verdicts: list[Verdict] = []
        self.source = source
        self.flowing = flowing
        """Simulated time follows the wall clock (off in tests, which move it by hand)."""
        self.zone = ZoneInfo(session.settings.timezone)
        self.texts = texts_for(session.settings.locale, session.settings.text_overrides)
        self._version = -1
        self._redraw_pending = False
        self._busy = 0
        self._opened = False
        self._current: ChatWindow | None = None
        """The window being typed in: known at once, while a focus change is still pending."""

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="body"):
            yield Grid(id="windows")
            yield OpsPanel()
        yield Inspector()
        yield KeyBar()

    async def on_mount(self) -> None:
        self.query_one(OpsPanel).display = False
        self.query_one(Inspector).display = False
        self.session.chats.listeners.append(self._soon)
        await self.wait_for(self.session.open())
        self._opened = True
        await self._mount_windows(self.session.windows())
        self.enter(self.windows()[0])
        self.set_interval(0.1, self._catch_up)
        self.set_interval(1.0, self._tick)
        if self.script is not None:
            self.flowing = False  # the scenario says when time passes
            self.set_interval(self.pace, self._script_tick)
        self._show_status()

    async def on_unmount(self) -> None:
        await asyncio.to_thread(self.session.close)

    async def _mount_windows(self, people: list[Person]) -> None:
        """Customers go after the other customers, agents at the end."""
        business = self.session.settings.business_name
        grid = self.query_one("#windows", Grid)
        for person in people:
            agents = [w for w in self.windows() if w.person.role is Role.AGENT]
            before = agents[0] if person.role is Role.CUSTOMER and agents else None
            await grid.mount(ChatWindow(person, business, self.zone), before=before)
        self._arrange()

    def _arrange(self) -> None:
        count = max(1, len(self.windows()))
        rows = 1 if count <= COLUMNS_IN_ONE_ROW else 2
        self.query_one("#windows", Grid).styles.grid_size_columns = -(-count // rows)
        self.query_one("#windows", Grid).styles.grid_size_rows = rows

    def windows(self) -> list[ChatWindow]:
        return list(self.query(ChatWindow))

    def window_of(self, person: Person) -> ChatWindow:
        return self.query_one(f"#window-{person.phone}", ChatWindow)

    @property
    def current(self) -> ChatWindow | None:
        return self._current if self._current is not None and self._current.is_attached else None

    def enter(self, window: ChatWindow) -> None:
        """Type in `window` from now on."""
        self._current = window
        window.input.focus()

    # -- talking to atende -------------------------------------------------------------------

    async def wait_for(self, future: Future[T]) -> T:
        """Await a job of the session's worker without blocking the screen."""
        self._busy += 1
        try:
            return await asyncio.wrap_future(future)
        finally:
            self._busy -= 1

    def send(self, window: ChatWindow, action: Action, target: Bubble | None = None) -> None:
        future = self.session.write(window.person, action, target=target)
        future.add_done_callback(self._report)
        self.run_worker(self.wait_for(future), exit_on_error=False)

    def _report(self, future: Future[None]) -> None:
        error = future.exception()
        if error is not None:
            self.call_from_thread(self.notify, f"{type(error).__name__}: {error}", severity="error", timeout=10)

    class ChatsChanged(Message):
        """Something arrived or changed in a chat (posted from the session's thread)."""

    def _soon(self) -> None:
        """A chat changed, on the session's thread: redraw as soon as the screen can, once."""
        if not self._redraw_pending and self.is_running:
            self._redraw_pending = True
            self.post_message(self.ChatsChanged())  # thread-safe

    def on_simulator_app_chats_changed(self, _: ChatsChanged) -> None:
        self._catch_up()

    def _catch_up(self) -> None:
        """Redraw the windows when the chats changed; an open chat reads what arrives in it."""
        self._redraw_pending = False
        version = self.session.chats.version
        if version == self._version:
            return
        self._version = version
        current = self.current
        for window in self.windows():
            if window.catch_up(self.session.chats) and window is current:
                self.run_worker(self.wait_for(self.session.read(window.person)), exit_on_error=False)
        self._inspect()

    def _tick(self) -> None:
        if not self.query(StatusLine):
            return  # the app is closing: its screen is gone, the timer not yet
        if self.flowing and self._busy == 0:
            self.run_worker(self.wait_for(self.session.flow(1.0)), exit_on_error=False)
        self._show_status()
        if self.query_one(OpsPanel).display:
            self.run_worker(self._refresh_ops(), exclusive=True, group="ops", exit_on_error=False)

    # -- a scenario played in the windows ---------------------------------------------------------

    @property
    def script_left(self) -> int:
        return len(self.script.steps) - self.script_at if self.script is not None else 0

    def _script_tick(self) -> None:
        if self.script_running and self._busy == 0:
            self.run_worker(self._play_next(), exclusive=True, group="script", exit_on_error=False)

    async def _play_next(self) -> None:
        script = self.script
        if script is None or self.script_left == 0:
            return
        step = script.steps[self.script_at]
        self.script_at += 1
        try:
            verdicts = await self.wait_for(self.session.play(step))
        except Exception as error:
            self.script_running = False
            self.notify(f"{step.where}: {type(error).__name__}: {error}", severity="error", timeout=15)
            return
        if self.script_left == 0:
            final = await self.wait_for(self.session.judge_end(script))
            verdicts = [*verdicts, *final]
            self.script_running = False
            self.flowing = True  # the scenario is over: the session goes on, live
        self.verdicts += verdicts
        for verdict in verdicts:
            if not verdict.passed:
                expected = verdict.expectation
                what = f"“{expected.contains}”" if expected.contains else "nada"
                self.notify(f"✗ {verdict.where}: {expected.window} — {what}", severity="warning", timeout=10)
        self._show_status()

    def action_script_pause(self) -> None:
        if self.script is not None and self.script_left:
            self.script_running = not self.script_running
            self._show_status()

    async def action_script_step(self) -> None:
        if self.script is not None and self.script_left:
            self.script_running = False
            await self._play_next()

    def _show_status(self) -> None:
        now = self.session.now().astimezone(self.zone)
        business = self.session.settings.business_name
        clock = "▶" if self.flowing else "⏸"
        line = Text.assemble(
            ("atende simulate", "bold"),
            f" · {business} ({self.source}) · ",
            (f"{now:%a %d %b %H:%M:%S}", "bold"),
            f" {clock}",
        )
        if self.script is not None:
            failed = sum(not v.passed for v in self.verdicts)
            state = "▶" if self.script_running else ("⏸" if self.script_left else "fim")
            line.append(
                f"  ·  cenário {state} passo {self.script_at}/{len(self.script.steps)}"
                f" ✓{len(self.verdicts) - failed} ✗{failed} (Ctrl+P pausa · Ctrl+N passo)",
                style="bold yellow" if failed == 0 else "bold red",
            )
        self.query_one(StatusLine).line = line

    async def _refresh_ops(self) -> None:
        queues = await self.wait_for(self.session.queues())
        self.query_one(OpsPanel).show(queues, self.session.now(), self.zone, self.texts)

    # -- what the person at the keyboard does -------------------------------------------------

    @on(ChatWindow.Submitted)
    def _submitted(self, event: ChatWindow.Submitted) -> None:
        target = event.target
        if target is not None and target.kind is Kind.MENU and not event.text.strip():
            self._open_menu(event.window, target)
            return
        self.send(event.window, Say(event.text), target)

    @on(ChatWindow.Opened)
    def _opened_chat(self, event: ChatWindow.Opened) -> None:
        self._current = event.window
        if self._opened:
            self.run_worker(self.wait_for(self.session.read(event.window.person)), exit_on_error=False)
        self._inspect()

    @on(ChatWindow.Chose)
    def _chose(self, event: ChatWindow.Chose) -> None:
        self.send(event.window, Choose(event.option.title), event.menu)

    @on(ChatWindow.ListOpened)
    def _list_opened(self, event: ChatWindow.ListOpened) -> None:
        self._open_menu(event.window, event.menu)

    def _open_menu(self, window: ChatWindow, menu: Bubble) -> None:
        def chosen(option: object) -> None:
            if isinstance(option, Option):
                self.send(window, Choose(option.title), menu)
            window.unpick()
            self.enter(window)

        self.push_screen(MenuSheet(menu), chosen)

    def action_next_window(self) -> None:
        self._move(1)

    def action_previous_window(self) -> None:
        self._move(-1)

    def _move(self, by: int) -> None:
        windows = self.windows()
        if not windows:
            return
        current = self.current
        index = windows.index(current) if current in windows else -by
        self.enter(windows[(index + by) % len(windows)])

    def action_pick_previous(self) -> None:
        if (window := self.current) is not None:
            window.pick_previous()
            self._inspect()

    def action_pick_next(self) -> None:
        if (window := self.current) is not None:
            window.pick_next()
            self._inspect()

    def action_unpick(self) -> None:
        if (window := self.current) is not None:
            window.unpick()

    def action_attach(self) -> None:
        window = self.current
        if window is None:
            return
        target = window.target

        def attached(action: object) -> None:
            if action is not None:
                self.send(window, action, target)  # type: ignore[arg-type]
            window.unpick()
            self.enter(window)

        self.push_screen(AttachmentSheet(), attached)

    def action_react(self) -> None:
        window = self.current
        if window is None or window.target is None:
            self.notify("Pick a message with ↑ first, then react.", timeout=3)
            return
        target = window.target

        def reacted(emoji: object) -> None:
            if isinstance(emoji, str):
                self.send(window, React(emoji, snippet(target)), target)
            window.unpick()
            self.enter(window)

        self.push_screen(ReactionSheet(snippet(target, 30)), reacted)

    def action_forward(self, seconds: int) -> None:
        self.run_worker(self.wait_for(self.session.fast_forward(seconds)), exit_on_error=False)
        self.notify(f"⏩ +{_span(seconds)}", timeout=2)

    async def action_add_customer(self) -> None:
        person = self.session.add_customer()
        await self._mount_windows([person])
        self.enter(self.window_of(person))

    async def action_remove_customer(self) -> None:
        window = self.current
        if window is None or window.person.role is not Role.CUSTOMER:
            self.notify("Only customer windows can be closed.", timeout=3)
            return
        self.session.remove_customer(window.person)
        self._move(1)
        await window.remove()
        self._arrange()

    def action_toggle_inspector(self) -> None:
        inspector = self.query_one(Inspector)
        inspector.display = not inspector.display
        self._inspect()

    def action_toggle_ops(self) -> None:
        ops = self.query_one(OpsPanel)
        ops.display = not ops.display
        if ops.display:
            self.run_worker(self._refresh_ops(), exclusive=True, group="ops", exit_on_error=False)

    async def action_record(self) -> None:
        steps = await asyncio.wrap_future(self.session.steps_so_far())

        def save(expectations: object) -> None:
            if expectations is None:
                return
            path = save_recording(self.session, steps, expectations, Path.cwd())  # type: ignore[arg-type]
            self.notify(f"Scenario saved to {path}", timeout=8)

        self.push_screen(RecordSheet(self.session, steps), save)

    def _inspect(self) -> None:
        inspector = self.query_one(Inspector)
        window = self.current
        if not inspector.display or window is None or window.target is None:
            return
        bubble = window.target
        what = f"{window.person.name} · {'wrote' if bubble.mine else 'received'}: {snippet(bubble, 60)}"
        inspector.inspect(what, self.session.inspect(window.person, bubble))


def _span(seconds: int) -> str:
    if seconds >= 86400:
        days = seconds // 86400
        return f"{days} day{'s' if days > 1 else ''}"
    if seconds >= 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min"
