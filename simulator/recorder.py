"""A session saved as a scenario: what people did, and what the person at the keyboard expects.

Every step the simulator performed is kept (time that flowed on its own becomes a `wait`), and
the save sheet lists what arrived in each window: the messages ticked there become the step's
expectations. Played back with `atende simulate --script FILE --headless`, the demo is a
regression test.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from .boot import DEMO_CONFIG
from .chat import Bubble, Chats
from .chat_window import snippet
from .live import LiveSession
from .people import Person
from .scenario import (
    Action,
    Choose,
    React,
    Role,
    Say,
    SendMedia,
    ShareContact,
    ShareLocation,
    Step,
    Wait,
    Write,
)


@dataclass(frozen=True)
class Expected:
    """`window` must receive a message containing `contains` during step `step`."""

    window: str
    step: int
    contains: str


class RecordSheet(ModalScreen[list[Expected] | None]):
    """Tick what must arrive again when the scenario is played back; Enter saves, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, session: LiveSession, steps: list[Step]) -> None:
        super().__init__(classes="sheet")
        self.session = session
        self.steps = steps
        """What will be saved; only what these steps caused can be expected."""
        self.candidates: list[Expected] = []

    def compose(self) -> ComposeResult:
        selections: list[Selection[int]] = []
        numbers = {step.number for step in self.steps}
        for person in self.session.windows():
            for bubble in self.session.chats.received(person.phone):
                expected = Expected(person.name, bubble.step, contains_of(bubble))
                if not expected.contains or bubble.step not in numbers:
                    continue
                selections.append(Selection(f"{person.name} ← {snippet(bubble, 70)}", len(self.candidates)))
                self.candidates.append(expected)
        with Vertical(classes="sheet-box wide"):
            yield Static(
                "Save as a scenario — mark (space) what must arrive again; Enter saves, Esc cancels",
                classes="sheet-title",
            )
            yield SelectionList[int](*selections)

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_save(self) -> None:
        picked = self.query_one(SelectionList).selected
        self.dismiss([self.candidates[index] for index in picked])

    def action_cancel(self) -> None:
        self.dismiss(None)


def contains_of(bubble: Bubble) -> str:
    """A distinctive piece of what a bubble says: its first line, without WhatsApp's bold marks."""
    first = next((line for line in bubble.plain().replace("*", "").splitlines() if line.strip()), "")
    return first.strip()[:60]


def save_recording(session: LiveSession, steps: list[Step], expectations: list[Expected], folder: Path) -> Path:
    """Write `steps` of the session as a scenario file in `folder`, each expectation under the
    step that caused what it expects; returns its path."""
    numbers = {step.number for step in steps}
    orphans = [e for e in expectations if e.step not in numbers]
    if orphans:  # nothing is dropped silently: an expectation without its step is a bug here
        raise ValueError(f"expectations on steps that were not recorded: {orphans}")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"recording-{stamp}.toml"
    for n in itertools.count(2):  # two saves in one second keep both
        if not path.exists():
            break
        path = folder / f"recording-{stamp}-{n}.toml"
    path.write_text(scenario_text(session, steps, expectations, config_for(session)), encoding="utf-8")
    return path


def config_for(session: LiveSession) -> str:
    """How the played-back scenario finds its business: the session's config file by its path,
    or the bundled demo written inline, so that a recording on the demo is one file that plays
    anywhere."""
    if session.config_path is not None:
        return f"config = {_string(str(session.config_path.resolve()))}"
    demo = DEMO_CONFIG.read_text(encoding="utf-8")
    body = demo[demo.index("\n[") :]  # without the file's own opening comment
    return "# The business: atende's bundled demo, as the session ran on it.\n" + inline_config(body)


def inline_config(config: str) -> str:
    """A config file as the scenario's `[config]` table: each table header moved under `config.`."""
    return _TABLE_HEADER.sub(lambda m: f"{m['open']}config.", config).strip() + "\n"


_TABLE_HEADER = re.compile(r"^(?P<open>\[\[?)(?=[A-Za-z_])", re.MULTILINE)


def scenario_text(session: LiveSession, steps: list[Step], expectations: list[Expected], config: str) -> str:
    inline = not config.startswith("config =")
    lines = [
        f"title = {_string('Recorded in atende simulate, starting ' + session.clock_start.strftime('%Y-%m-%d %H:%M'))}",
        f"start = {session.clock_start.isoformat()}",
        f"seed = {session.seed}",
        *([] if inline else [config]),
        "",
    ]
    by_step: dict[int, list[Expected]] = {}
    for expected in expectations:
        by_step.setdefault(expected.step, []).append(expected)
    introduced: set[str] = set()
    for step in steps:
        lines.append("[[step]]")
        lines.extend(_event(step, session, introduced))
        expect = by_step.get(step.number, [])
        if expect:
            tables = ", ".join(f"{{ window = {_string(e.window)}, contains = {_string(e.contains)} }}" for e in expect)
            lines.append(f"expect = [{tables}]")
        lines.append("")
    if inline:  # tables last: a key after a table header would belong to that table
        lines.append(config)
    return "\n".join(lines)


def _event(step: Step, session: LiveSession, introduced: set[str]) -> list[str]:
    event = step.event
    if isinstance(event, Wait):
        return [f"wait = {round(event.seconds)}"]
    assert isinstance(event, Write)
    person = session.people.get(event.who) or Person(event.who, "", event.role, event.who)
    lines = [f"{'customer' if event.role is Role.CUSTOMER else 'agent'} = {_string(event.who)}"]
    if event.role is Role.CUSTOMER and event.who not in introduced and person.phone:
        lines += [f"name = {_string(person.profile_name)}", f"phone = {_string(person.phone)}"]
        introduced.add(event.who)
    target = _target(session.chats, person, event.target_id)
    lines += _action(event.action, target)
    return lines


def _action(action: Action, target: str | None) -> list[str]:
    match action:
        case Say(text=text):
            return [f"says = {_string(text)}", *([f"reply_to = {_string(target)}"] if target else [])]
        case Choose(option=option):
            return [f"chooses = {_string(option)}", *([f"reply_to = {_string(target)}"] if target else [])]
        case SendMedia(kind=kind, caption=caption, filename=filename):
            lines = [f"sends = {_string(kind)}"]
            lines += [f"caption = {_string(caption)}"] if caption else []
            lines += [f"filename = {_string(filename)}"] if filename else []
            return lines
        case ShareLocation(latitude=lat, longitude=lon, name=name, address=address):
            place = f"latitude = {lat}, longitude = {lon}, name = {_string(name)}, address = {_string(address)}"
            return [f"location = {{ {place} }}"]
        case ShareContact(name=name, phone=phone):
            return [f"contact = {{ name = {_string(name)}, phone = {_string(phone)} }}"]
        case React(emoji=emoji, on=on):
            return [f"reacts = {_string(emoji)}", f"on = {_string(target or on)}"]
    raise AssertionError(action)


def _target(chats: Chats, person: Person, target_id: str | None) -> str | None:
    """The target's text, as a scenario names it (the latest received message containing it)."""
    if target_id is None:
        return None
    bubble = chats.find(person.phone, target_id)
    return contains_of(bubble) if bubble is not None else None


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)
