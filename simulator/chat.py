"""Every person's chat with the business number, as their phone would show it.

A chat is a list of bubbles, each either written by the window's owner or received from the
business. Bubbles are plain values independent of how atende was reached: the direct driver
makes them from outbox messages, the webhook driver from Graph API requests, and
the transcript, the expectations and swipe-reply lookups all read the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import partial

from atende.domain.content import (
    Choice,
    Contacts,
    Content,
    Location,
    Media,
    Reaction,
    Text,
    text_of,
)


class Kind(StrEnum):
    TEXT = "text"
    MENU = "menu"
    MEDIA = "media"
    LOCATION = "location"
    REACTION = "reaction"
    TEMPLATE = "template"
    CHOICE = "choice"
    OTHER = "other"


@dataclass(frozen=True)
class Option:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Bubble:
    id: str
    """The WhatsApp id of this message: what a swipe-reply or a reaction refers to."""
    at: datetime
    step: int
    """The scenario step during which it appeared (0 before the first)."""
    mine: bool
    """Written by the window's owner; False when received from the business."""
    kind: Kind
    text: str = ""
    """The words: text, menu body, caption, place name, emoji, choice title or template parameters."""
    options: tuple[Option, ...] = ()
    button: str = ""
    label: str = ""
    """What sort of media or place it is: `image`, `document report.pdf`, coordinates; a template's name."""
    quote: str | None = None
    """The id of the message this one quotes (swipe-reply)."""
    target: str | None = None
    """The id of the message a reaction is on."""

    def plain(self) -> str:
        """Everything the bubble shows, as text: what expectations and reply_to search."""
        match self.kind:
            case Kind.MENU:
                rows = [self.text, *(_option_line(n, o) for n, o in enumerate(self.options, 1))]
                return "\n".join(rows)
            case Kind.MEDIA | Kind.LOCATION:
                return f"[{self.label}] {self.text}".rstrip()
            case Kind.REACTION:
                return f"[reaction] {self.text}"
            case Kind.TEMPLATE:
                return f"[template {self.label}] {self.text}".rstrip()
        return self.text

    def contains(self, wanted: str) -> bool:
        """Case-insensitive, and blind to WhatsApp's *bold* markers, which the phone does not show."""
        needle = wanted.casefold()
        shown = self.plain().casefold()
        return needle in shown or needle in shown.replace("*", "")


def _option_line(number: int, option: Option) -> str:
    return f"{number}. {option.title}" + (f" — {option.description}" if option.description else "")


def option_lines(bubble: Bubble) -> list[str]:
    return [_option_line(n, o) for n, o in enumerate(bubble.options, 1)]


def written_bubble(message_id: str, content: Content, at: datetime, step: int, quote: str | None) -> Bubble:
    """What a person wrote, as their own phone shows it."""
    written = partial(Bubble, message_id, at, step, True, quote=quote)
    match content:
        case Text(body=body):
            return written(Kind.TEXT, body)
        case Choice(title=title):
            return written(Kind.CHOICE, title)
        case Media():
            return written(Kind.MEDIA, content.caption, label=media_label(content))
        case Location(latitude=lat, longitude=lon, name=name, address=address):
            return written(Kind.LOCATION, place(name, address), label=f"location {lat}, {lon}")
        case Reaction(message_id=target, emoji=emoji):
            return written(Kind.REACTION, emoji, target=target)
        case Contacts(contacts=contacts):
            return written(Kind.OTHER, "; ".join(c.name for c in contacts))
    return written(Kind.OTHER, text_of(content) or type(content).__name__)


def media_label(media: Media) -> str:
    kind = "voice" if media.voice else media.kind.value
    return f"{kind} {media.filename}".rstrip()


def place(name: str, address: str) -> str:
    return " · ".join(p for p in (name, address) if p)


class Chats:
    """All windows' chats, keyed by WhatsApp id; `step` stamps what arrives now."""

    def __init__(self) -> None:
        self.step = 0
        self.version = 0
        """Goes up with every change, so a screen knows when to look again."""
        self.listeners: list[Callable[[], None]] = []
        """Told of every change, on the thread that made it (a screen schedules a redraw)."""
        self._chats: dict[str, list[Bubble]] = {}
        self._read: set[str] = set()
        self._delivered: set[str] = set()

    def add(self, phone: str, bubble: Bubble) -> None:
        self._chats.setdefault(phone, []).append(bubble)
        self._changed()

    def mark_delivered(self, message_id: str) -> None:
        """The business received this message (its webhook answered 200): two grey ticks."""
        self._delivered.add(message_id)
        self._changed()

    def is_delivered(self, message_id: str) -> bool:
        return message_id in self._delivered

    def mark_read(self, message_id: str) -> None:
        """The business read this message: the writer's phone shows blue ticks."""
        self._read.add(message_id)
        self._changed()

    def _changed(self) -> None:
        self.version += 1
        for listener in self.listeners:
            listener()

    def is_read(self, message_id: str) -> bool:
        return message_id in self._read

    def phones(self) -> list[str]:
        return list(self._chats)

    def of(self, phone: str) -> list[Bubble]:
        return list(self._chats.get(phone, ()))

    def received(self, phone: str, step: int | None = None) -> list[Bubble]:
        """What the business sent this window, during one step or over the whole run."""
        return [b for b in self.of(phone) if not b.mine and (step is None or b.step == step)]

    def find(self, phone: str, message_id: str) -> Bubble | None:
        return next((b for b in self.of(phone) if b.id == message_id), None)

    def latest_received(self, phone: str, contains: str, *, menus_only: bool = False) -> Bubble | None:
        """The newest received bubble whose text contains `contains` (case-insensitive)."""
        for bubble in reversed(self.received(phone)):
            if menus_only and bubble.kind is not Kind.MENU:
                continue
            if bubble.contains(contains):
                return bubble
        return None
