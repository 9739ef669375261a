"""What a customer sent, as the domain sees it: every WhatsApp message type read into `Content`.

Anything not understood becomes `Unsupported` with its type name: stored, shown to the agent
as such, and answered politely — never dropped.
"""

from __future__ import annotations

import json

from atende.domain.content import (
    Choice,
    Contacts,
    Content,
    Edited,
    Location,
    Media,
    MediaKind,
    Order,
    Reaction,
    Revoked,
    SharedContact,
    SystemNotice,
    Text,
    Unsupported,
    text_of,
)

from .payloads import (
    ErrorPayload,
    FlowReplyPayload,
    InteractivePayload,
    MessageContent,
    MessageHeader,
    SharedContactPayload,
)

FLOW_SUMMARY_LIMIT = 1000
"""Flow answers are shown to an agent; a long form is cut rather than flooding the chat."""


def content_of(message: MessageContent) -> Content:
    """The domain value for a message's content; anything not understood is `Unsupported`."""
    kind = message.type
    match kind:
        case "text" if message.text:
            return Text(message.text.body)
        case "image" | "video" | "audio" | "document" | "sticker":
            return _media(message, MediaKind(kind))
        case "location" if message.location:
            place = message.location
            return Location(place.latitude, place.longitude, place.name, place.address)
        case "contacts" if message.contacts is not None:
            return Contacts(tuple(_shared_contact(card) for card in message.contacts))
        case "interactive" if message.interactive:
            return _interactive(message.interactive)
        case "button" if message.button:
            return Choice(message.button.payload, message.button.text)
        case "reaction" if message.reaction:
            return Reaction(message.reaction.message_id, message.reaction.emoji or "")
        case "order" if message.order:
            order = message.order
            return Order(order.catalog_id, sum(item.quantity for item in order.product_items), order.text)
        case "system" if message.system:
            return SystemNotice(message.system.body, message.system.wa_id)
        case "unsupported":
            return Unsupported(_unsupported_type(message))
        case "revoke" if message.revoke:
            return Revoked(message.revoke.original_message_id)
        case "edit" if message.edit:
            edited = message.edit.message
            return Edited(message.edit.original_message_id, text_of(content_of(edited)) if edited else "")
    return Unsupported(kind)


def _media(message: MessageContent, kind: MediaKind) -> Content:
    media = {
        MediaKind.IMAGE: message.image,
        MediaKind.VIDEO: message.video,
        MediaKind.AUDIO: message.audio,
        MediaKind.DOCUMENT: message.document,
        MediaKind.STICKER: message.sticker,
    }[kind]
    if media is None:
        return Unsupported(kind.value)
    return Media(
        kind=kind,
        media_id=media.id,
        mime_type=media.mime_type,
        caption=media.caption if kind.takes_caption else "",
        filename=media.filename,
        voice=media.voice and kind is MediaKind.AUDIO,
    )


def _shared_contact(card: SharedContactPayload) -> SharedContact:
    name = card.name
    full = ""
    if name:
        full = name.formatted_name or " ".join(part for part in (name.first_name, name.last_name) if part)
    phones = tuple(phone.phone or phone.wa_id for phone in card.phones if phone.phone or phone.wa_id)
    return SharedContact(full, phones)


def _interactive(interactive: InteractivePayload) -> Content:
    reply = interactive.button_reply if interactive.type == "button_reply" else None
    reply = interactive.list_reply if interactive.type == "list_reply" else reply
    if reply:
        return Choice(reply.id, reply.title)
    if interactive.type == "nfm_reply" and interactive.nfm_reply:
        return Text(flow_summary(interactive.nfm_reply))
    return Unsupported(f"interactive.{interactive.type}")


def _unsupported_type(message: MessageContent) -> str:
    if message.unsupported and message.unsupported.type:
        return message.unsupported.type
    if isinstance(message, MessageHeader):
        for error in message.errors:
            if isinstance(error, ErrorPayload) and (error.title or error.message):
                return error.title or error.message
    return "unsupported"


def flow_summary(reply: FlowReplyPayload) -> str:
    """A Flow's answers as "field: value" lines, for an agent to read; the flow token is noise."""
    try:
        answers = json.loads(reply.response_json)
    except (ValueError, RecursionError):
        answers = None
    if not isinstance(answers, dict):
        return reply.body or "flow"
    lines = [f"{key.replace('_', ' ')}: {_flat(value)}" for key, value in answers.items() if key != "flow_token"]
    summary = "\n".join(lines) or reply.body or "flow"
    return summary if len(summary) <= FLOW_SUMMARY_LIMIT else summary[: FLOW_SUMMARY_LIMIT - 1] + "…"


def _flat(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(_flat(item) for item in value)
    return json.dumps(value, ensure_ascii=False)
