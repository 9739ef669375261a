"""Plays a scenario through a driver and judges its expectations.

Each step is one thing a person does (or time passing); what atende sends in consequence is
stamped with that step, so an expectation on a step speaks only about what that step caused.
A step that cannot be played (a reply to a message nobody received, a menu option that was
never offered) stops the run: what follows would only fail for a reason that is not the
real one.
"""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass, field

from atende.application.arrivals import Inbound
from atende.domain.content import Choice, Contacts, Content, Location, Media, MediaKind, Reaction, SharedContact, Text

from .chat import Bubble, Chats, Kind, Option, written_bubble
from .driver import Driver
from .people import People, Person
from .scenario import (
    Action,
    Choose,
    Expectation,
    React,
    Say,
    Scenario,
    SendMedia,
    ShareContact,
    ShareLocation,
    Step,
    Wait,
    Write,
)

MIME_TYPES = {
    "image": "image/jpeg",
    "audio": "audio/mpeg",
    "voice": "audio/ogg; codecs=opus",
    "video": "video/mp4",
    "document": "application/pdf",
    "sticker": "image/webp",
}


class Unplayable(Exception):
    """A step that makes no sense given what the person's phone shows."""


@dataclass(frozen=True)
class Verdict:
    expectation: Expectation
    step: Step | None
    """None for the final expectations, checked on whole transcripts."""
    passed: bool
    matches: int
    seen: tuple[str, ...]
    """What the window received in the checked span, to explain a failure."""

    @property
    def where(self) -> str:
        if self.step is not None:
            return self.step.where
        line = self.expectation.line
        return "end" + (f" (line {line})" if line else "")


@dataclass(frozen=True)
class Stop:
    step: Step
    reason: str
    crash: BaseException | None = None
    """Set when atende itself raised: a bug to show with its traceback, not a scenario mistake."""


@dataclass
class Outcome:
    verdicts: list[Verdict] = field(default_factory=list)
    stop: Stop | None = None
    played: int = 0

    @property
    def failures(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.passed]

    @property
    def ok(self) -> bool:
        return self.stop is None and not self.failures


class Player:
    """Performs steps through a driver — a scenario's, or a person's at the simulator's keyboard —
    and judges expectations on what the chats received."""

    def __init__(self, people: People, driver: Driver, chats: Chats) -> None:
        self.people = people
        self.driver = driver
        self.chats = chats
        self._inbound_ids = itertools.count(1)
        self._media_ids = itertools.count(1)

    def play(self, scenario: Scenario) -> Outcome:
        outcome = Outcome()
        self.driver.start()
        for step in scenario.steps:
            try:
                self.perform(step)
            except Unplayable as error:
                outcome.stop = Stop(step, str(error))
                break
            except Exception as error:
                outcome.stop = Stop(step, f"atende raised {type(error).__name__}: {error}", error)
                break
            outcome.played += 1
            outcome.verdicts.extend(self.judge(e, step) for e in step.expect)
        outcome.verdicts.extend(self.judge(e, None) for e in scenario.final)
        return outcome

    def perform(self, step: Step) -> None:
        """Do what the step says; what atende sends meanwhile is stamped with its number.

        Raises `Unplayable` when the step makes no sense given what the person's phone shows.
        """
        self.chats.step = step.number
        match step.event:
            case Wait(seconds=seconds):
                self.driver.wait(seconds)
            case Write() as write:
                self._write(write)

    def _write(self, write: Write) -> None:
        person = self.people[write.who]
        content, context_id = self._content(person, write.action, write.reply_to, write.target_id)
        message_id = f"wamid.SIMIN{next(self._inbound_ids):06d}"
        at = self.driver.now()
        self.chats.add(person.phone, written_bubble(message_id, content, at, self.chats.step, context_id))
        inbound = Inbound(message_id, person.phone, person.profile_name, at, content, context_id, person.user_id)
        self.driver.write(inbound)

    def _content(
        self, person: Person, action: Action, reply_to: str | None, target_id: str | None = None
    ) -> tuple[Content, str | None]:
        """The message as WhatsApp would hand it over, with the id of what it replies to.

        `target_id` names the bubble exactly (the one picked in the simulator); scenario files
        name it by its text (`reply_to`, `on`, the menu's), the latest received one containing it.
        """
        if target_id is not None:
            return self._content_on(person, action, self._bubble(person, target_id))
        quoted = self._received(person, reply_to) if reply_to is not None and not isinstance(action, Choose) else None
        context_id = quoted.id if quoted else None
        match action:
            case Say(text=text):
                return Text(text), context_id
            case Choose(option=wanted):
                menu = self._menu(person, reply_to)
                option = _pick(menu, wanted)
                if option is None:
                    titles = ", ".join(o.title for o in menu.options)
                    raise Unplayable(f"{person.name}'s latest menu has no option {wanted!r} (options: {titles})")
                # WhatsApp sends a tap with the menu it came from as its context.
                return Choice(option.id, option.title), menu.id
            case SendMedia(kind=kind, caption=caption, filename=filename):
                media = Media(
                    MediaKind.AUDIO if kind == "voice" else MediaKind(kind),
                    f"media.sim{next(self._media_ids)}",
                    MIME_TYPES[kind],
                    caption,
                    filename,
                    voice=kind == "voice",
                )
                return media, context_id
            case ShareLocation(latitude=lat, longitude=lon, name=name, address=address):
                return Location(lat, lon, name, address), context_id
            case ShareContact(name=name, phone=phone):
                return Contacts((SharedContact(name, (phone,) if phone else ()),)), context_id
            case React(emoji=emoji, on=on):
                return Reaction(self._received(person, on).id, emoji), None
        raise AssertionError(action)

    def _content_on(self, person: Person, action: Action, target: Bubble) -> tuple[Content, str | None]:
        """The action aimed at one known bubble: a reply quoting it, a tap on it, a reaction to it."""
        match action:
            case Choose(option=wanted):
                option = _pick(target, wanted)
                if option is None:
                    raise Unplayable(f"that message offers no option {wanted!r}")
                return Choice(option.id, option.title), target.id
            case React(emoji=emoji):
                return Reaction(target.id, emoji), None
        content, _ = self._content(person, action, None)
        return content, target.id

    def _bubble(self, person: Person, message_id: str) -> Bubble:
        found = self.chats.find(person.phone, message_id)
        if found is None:
            raise Unplayable(f"{person.name} has no message {message_id}")
        return found

    def _received(self, person: Person, contains: str) -> Bubble:
        found = self.chats.latest_received(person.phone, contains)
        if found is None:
            raise Unplayable(f"{person.name} has received no message containing {contains!r}")
        return found

    def _menu(self, person: Person, contains: str | None) -> Bubble:
        found = self.chats.latest_received(person.phone, contains or "", menus_only=True)
        if found is None:
            which = f" containing {contains!r}" if contains else ""
            raise Unplayable(f"{person.name} has received no menu{which} to choose from")
        return found

    def judge(self, expectation: Expectation, step: Step | None) -> Verdict:
        phone = self.people[expectation.window].phone
        received = self.chats.received(phone, step.number if step else None)
        if expectation.contains is None:
            matches = len(received)
        else:
            matches = sum(b.contains(expectation.contains) for b in received)
        if expectation.negated:
            passed = matches == 0
        elif expectation.count is not None:
            passed = matches == expectation.count
        else:
            passed = matches > 0
        seen = tuple(_first_line(b) for b in received)
        return Verdict(expectation, step, passed, matches, seen)


def _pick(menu: Bubble, wanted: str) -> Option | None:
    """An option by number, id, key (the id after its prefix) or title, ignoring case and accents."""
    options = menu.options
    given = _fold(wanted)
    if given.isdigit() and 1 <= int(given) <= len(options):
        return options[int(given) - 1]
    for option in options:
        if given in (_fold(option.id), _fold(option.id.rpartition(":")[2]), _fold(option.title)):
            return option
    partial = [o for o in options if given and given in _fold(o.title)]
    return partial[0] if len(partial) == 1 else None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum() or c in " :-_").strip()


def _first_line(bubble: Bubble) -> str:
    text = bubble.plain().strip()
    first = text.splitlines()[0] if text else f"({bubble.kind.value})"
    return first if bubble.kind is not Kind.MENU else f"{first} [menu]"
