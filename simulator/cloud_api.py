"""The Cloud API as a phone meets it: what Meta posts when someone writes, what a send shows them.

The webhook driver speaks to atende only in Meta's own formats, so a scenario exercises the
parser, the signature check, the Graph client and the renderer exactly as production does.
This module is the translation on the phone's side, and nothing more:

- a person's `Inbound` (as the player builds it) → the notification Meta would post, shaped as
  in wa/samples: envelope, `metadata.phone_number_id`, `contacts[{profile.name, wa_id, user_id}]`,
  the message with its `context` when it quotes or taps a menu (a user with a username and no
  number comes with `from: ""` and `from_user_id`, as Meta sends them);
- messages the business sent → `statuses` notifications (sent, delivered, read), so the
  read-receipt path runs as it does when a real phone opens the chat;
- a Graph API request body (as the stand-in recorded it) → the bubble its recipient sees, or
  the blue ticks a read receipt puts on a bubble.

It builds plain JSON values and never talks to anything; the driver decides when to post.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import partial
from typing import Any

from atende.adapters.whatsapp import StatusValue
from atende.application.arrivals import Inbound
from atende.domain.content import Choice, Contacts, Content, Location, Media, MediaKind, Reaction, SharedContact, Text

from .chat import Bubble, Kind, Option, media_label, place

JSON = dict[str, Any]

WHATSAPP_OBJECT = "whatsapp_business_account"


@dataclass(frozen=True)
class BusinessNumber:
    """The number customers and agents write to, as Meta names it in every notification."""

    phone_number_id: str
    display_phone_number: str = "15550783881"
    waba_id: str = "102290129340398"


class Tap(StrEnum):
    """How a menu choice comes back: it depends on whether the menu was buttons or a list."""

    BUTTON = "button_reply"
    LIST = "list_reply"


@dataclass(frozen=True)
class Status:
    """One status Meta reports about a message the business sent."""

    message_id: str
    status: StatusValue
    at: datetime
    recipient: str


# -- phone → webhook ---------------------------------------------------------------------------


def message_notification(
    inbound: Inbound,
    number: BusinessNumber,
    *,
    tap: Tap = Tap.LIST,
    sha256: str = "",
) -> JSON:
    """The notification Meta posts when `inbound.sender` sends this message to `number`.

    `tap` says which interactive reply a `Choice` is (the menu it answers decides); `sha256` is
    the media file's hash, which Meta always includes and a careful receiver may check.
    """
    value = _value(number)
    contact: JSON = {"profile": {"name": inbound.sender_name}, "wa_id": _number(inbound.sender)}
    if inbound.sender_user_id:
        contact["user_id"] = inbound.sender_user_id
    value["contacts"] = [contact]
    value["messages"] = [message_item(inbound, number, tap=tap, sha256=sha256)]
    return _envelope(number, value)


def _number(wa_id: str) -> str:
    """`from` and `wa_id` carry a phone number, or "" for a user Meta names only by BSUID."""
    return wa_id if wa_id.isascii() and wa_id.isdigit() else ""


def message_item(inbound: Inbound, number: BusinessNumber, *, tap: Tap = Tap.LIST, sha256: str = "") -> JSON:
    """One `value.messages[]` item: common fields, optional `context`, the object named after `type`."""
    item: JSON = {"from": _number(inbound.sender), "id": inbound.message_id, "timestamp": unix(inbound.at)}
    if inbound.sender_user_id:  # a user with a username (wa/samples/msg_text_username_bsuid.json)
        item["from_user_id"] = inbound.sender_user_id
    # A reaction names its message inside; WhatsApp sends no quote with it.
    if inbound.context_id and not isinstance(inbound.content, Reaction):
        item["context"] = {"from": number.display_phone_number, "id": inbound.context_id}
    kind, obj = _content(inbound.content, tap, sha256)
    item["type"] = kind
    item[kind] = obj
    return item


def _content(content: Content, tap: Tap, sha256: str) -> tuple[str, JSON | list[JSON]]:
    match content:
        case Text(body=body):
            return "text", {"body": body}
        case Choice(reply_id=reply_id, title=title):
            return "interactive", {"type": tap.value, tap.value: {"id": reply_id, "title": title}}
        case Media():
            return content.kind.value, _media(content, sha256)
        case Location(latitude=lat, longitude=lon, name=name, address=address):
            obj: JSON = {"latitude": lat, "longitude": lon}
            if name:
                obj["name"] = name
            if address:
                obj["address"] = address
            return "location", obj
        case Contacts(contacts=shared):
            return "contacts", [_contact_card(card) for card in shared]  # a list, as Meta sends it
        case Reaction(message_id=target, emoji=emoji):
            # Taking a reaction away omits the emoji (wa/samples/msg_reaction_removed_no_emoji.json).
            return "reaction", {"message_id": target, "emoji": emoji} if emoji else {"message_id": target}
    raise ValueError(f"a phone in the simulator does not send {type(content).__name__} messages")


def _contact_card(card: SharedContact) -> JSON:
    """A vCard as WhatsApp forwards it: a formatted name, and phones with their WhatsApp ids."""
    first, _, last = card.name.partition(" ")
    name: JSON = {"formatted_name": card.name, "first_name": first}
    if last:
        name["last_name"] = last
    phones = [{"phone": p, "wa_id": "".join(c for c in p if c.isdigit()), "type": "CELL"} for p in card.phones]
    return {"name": name, "phones": phones}


def _media(media: Media, sha256: str) -> JSON:
    """Only what WhatsApp carries: a caption on images, videos and documents, a filename on documents."""
    obj: JSON = {"id": media.media_id, "mime_type": media.mime_type, "sha256": sha256}
    if media.caption and media.kind.takes_caption:
        obj["caption"] = media.caption
    if media.filename and media.kind is MediaKind.DOCUMENT:
        obj["filename"] = media.filename
    if media.kind is MediaKind.AUDIO:
        obj["voice"] = media.voice
    if media.kind is MediaKind.STICKER:
        obj["animated"] = False
    return obj


def status_notification(statuses: Sequence[Status], number: BusinessNumber) -> JSON:
    """Several statuses in one notification, as Meta batches them (docs/whatsapp.md §b, §d)."""
    value = _value(number)
    value["statuses"] = [status_item(status) for status in statuses]
    return _envelope(number, value)


def status_item(status: Status) -> JSON:
    item: JSON = {
        "id": status.message_id,
        "status": status.status.value,
        "timestamp": unix(status.at),
        "recipient_id": _number(status.recipient),
    }
    if not item["recipient_id"]:  # sent to a BSUID (wa/samples/status_delivered_bsuid.json)
        item["recipient_user_id"] = status.recipient
    if status.status is StatusValue.SENT:  # v24.0: pricing on `sent`, no conversation object
        item["pricing"] = {"billable": False, "pricing_model": "PMP", "type": "free_customer_service"}
    return item


def encode(notification: Mapping[str, Any]) -> bytes:
    """Compact and ASCII-escaped, as Meta posts it: the signature covers exactly these bytes."""
    return json.dumps(notification, separators=(",", ":")).encode()


def unix(at: datetime) -> str:
    """Cloud API timestamps: whole Unix seconds, as a string."""
    return str(int(at.timestamp()))


def _value(number: BusinessNumber) -> JSON:
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": number.display_phone_number, "phone_number_id": number.phone_number_id},
    }


def _envelope(number: BusinessNumber, value: JSON) -> JSON:
    return {
        "object": WHATSAPP_OBJECT,
        "entry": [{"id": number.waba_id, "changes": [{"field": "messages", "value": value}]}],
    }


# -- Graph API request → phone -----------------------------------------------------------------


def recipient_of(payload: Mapping[str, Any]) -> str:
    """The recipient's WhatsApp id: `to` without the "+" atende adds to phone numbers."""
    return str(payload.get("to", "")).strip().removeprefix("+")


def read_receipt_target(payload: Mapping[str, Any]) -> str | None:
    """The message a read receipt marks read (blue ticks on its writer's phone); None for a send."""
    if payload.get("status") == "read":
        return str(payload.get("message_id", "")) or None
    return None


def tap_for(payload: Mapping[str, Any]) -> Tap | None:
    """How a tap on this message comes back, when it is a menu."""
    interactive = payload.get("interactive")
    if payload.get("type") != "interactive" or not isinstance(interactive, dict):
        return None
    return Tap.BUTTON if interactive.get("type") == "button" else Tap.LIST


def received_bubble(payload: Mapping[str, Any], wamid: str, at: datetime, step: int) -> Bubble:
    """A send request's body as its recipient's phone shows it (`wamid`: the id Meta gave it).

    It reads what atende actually asked Meta to show, after rendering: clipped titles, buttons
    versus a list, the caption on the media, so the transcript is what a person would see.
    """
    context = payload.get("context")
    quote = context.get("message_id") if isinstance(context, dict) else None
    received = partial(Bubble, wamid, at, step, False, quote=quote)
    kind = str(payload.get("type", ""))
    obj = payload.get(kind)
    if not isinstance(obj, dict):
        return received(Kind.OTHER, kind or "message")
    match kind:
        case "text":
            return received(Kind.TEXT, str(obj.get("body", "")))
        case "interactive":
            body = obj.get("body")
            text = str(body.get("text", "")) if isinstance(body, dict) else ""
            action = obj.get("action")
            action = action if isinstance(action, dict) else {}
            return received(Kind.MENU, text, options=_options(obj, action), button=str(action.get("button", "")))
        case "image" | "video" | "audio" | "document" | "sticker":
            caption = str(obj.get("caption", ""))
            shown = Media(
                MediaKind(kind),
                str(obj.get("id") or obj.get("link", "")),
                caption=caption,
                filename=str(obj.get("filename", "")),
                voice=bool(obj.get("voice", False)),
            )
            return received(Kind.MEDIA, caption, label=media_label(shown))
        case "location":
            lat, lon = obj.get("latitude"), obj.get("longitude")
            name, address = str(obj.get("name", "")), str(obj.get("address", ""))
            return received(Kind.LOCATION, place(name, address), label=f"location {lat}, {lon}")
        case "reaction":
            return received(Kind.REACTION, str(obj.get("emoji", "")), target=str(obj.get("message_id", "")))
        case "template":
            return received(Kind.TEMPLATE, " · ".join(_template_parameters(obj)), label=str(obj.get("name", "")))
    return received(Kind.OTHER, kind)


def _options(interactive: Mapping[str, Any], action: Mapping[str, Any]) -> tuple[Option, ...]:
    if interactive.get("type") == "button":
        replies = [b.get("reply") for b in action.get("buttons", ()) if isinstance(b, dict)]
        return tuple(Option(str(r.get("id", "")), str(r.get("title", ""))) for r in replies if isinstance(r, dict))
    rows = [
        row for section in action.get("sections", ()) if isinstance(section, dict) for row in section.get("rows", ())
    ]
    return tuple(
        Option(str(row.get("id", "")), str(row.get("title", "")), str(row.get("description", "")))
        for row in rows
        if isinstance(row, dict)
    )


def _template_parameters(template: Mapping[str, Any]) -> Iterable[str]:
    for component in template.get("components", ()):
        if isinstance(component, dict) and component.get("type") == "body":
            for parameter in component.get("parameters", ()):
                if isinstance(parameter, dict) and "text" in parameter:
                    yield str(parameter["text"])
