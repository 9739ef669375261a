"""What a message carries, whoever wrote it: the WhatsApp formats as value objects."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MediaKind(StrEnum):
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    STICKER = "sticker"

    @property
    def takes_caption(self) -> bool:
        """WhatsApp shows a caption only on images, videos and documents."""
        return self in (MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.DOCUMENT)


@dataclass(frozen=True)
class Text:
    body: str


@dataclass(frozen=True)
class Media:
    kind: MediaKind
    media_id: str
    mime_type: str = ""
    caption: str = ""
    filename: str = ""
    voice: bool = False


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    name: str = ""
    address: str = ""


@dataclass(frozen=True)
class SharedContact:
    name: str
    phones: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contacts:
    contacts: tuple[SharedContact, ...]


@dataclass(frozen=True)
class Choice:
    """A tap on a list row, a reply button or a template quick-reply button."""

    reply_id: str
    title: str


@dataclass(frozen=True)
class Reaction:
    """An emoji on an earlier message; an empty emoji takes the reaction away."""

    message_id: str
    emoji: str = ""


@dataclass(frozen=True)
class Order:
    catalog_id: str
    items: int
    text: str = ""


@dataclass(frozen=True)
class Edited:
    original_id: str
    body: str


@dataclass(frozen=True)
class Revoked:
    original_id: str


@dataclass(frozen=True)
class SystemNotice:
    """WhatsApp's own notes, such as a customer who changed number."""

    body: str
    new_wa_id: str = ""


@dataclass(frozen=True)
class Unsupported:
    """A type WhatsApp could not hand over (polls, view-once media, …) or one atende does not know."""

    type_name: str


Content = Text | Media | Location | Contacts | Choice | Reaction | Order | Edited | Revoked | SystemNotice | Unsupported


def text_of(content: Content) -> str:
    """The words a person typed, if any: used for menu answers and commands."""
    match content:
        case Text(body=body):
            return body
        case Choice(title=title):
            return title
        case Media(caption=caption):
            return caption
        case Edited(body=body):
            return body
    return ""
