"""Outgoing messages as Cloud API request bodies, within every documented limit.

WhatsApp refuses a whole message for one over-long button title, so rendering never relies
on the caller having counted: every text is clipped to its limit with "…" (measured in
UTF-16 code units, the stricter reading of Meta's "characters", and never splitting an emoji
sequence). Only what cannot be repaired without changing meaning — an empty text, a missing
media id, option ids that are too long or repeated (a reply could no longer be matched) —
raises `RenderError`.

Menus (`MenuBody`):

- no options: a plain text message with the menu text;
- 1–3 options: reply **buttons** (title ≤ 20); if two titles come out equal (even after clipping), every
  title is prefixed with its number ("1. …") so each stays distinct;
- 4–10 options: a **list** with one section named after the button label (row title ≤ 24,
  description ≤ 72);
- more than 10 options: a list of the first 10 rows, and the body text ends with the full
  numbered list of *all* options, so whoever needs option 11 types "11" (the use cases already
  accept a typed menu number). Only a menu whose numbered list exceeds the 4096-character body
  loses its tail to the "…".

Long text messages are clipped, not split: one outbox entry is one WhatsApp message with one
id, which is what statuses, replies and reactions are matched by.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from typing import Any

from atende.application.outbound import (
    LocationBody,
    MediaBody,
    MenuBody,
    Option,
    Outgoing,
    ReactionBody,
    ReadReceipt,
    TemplateBody,
    TextBody,
)
from atende.domain.content import Media, MediaKind

log = logging.getLogger(__name__)

ELLIPSIS = "…"

TEXT_MAX = 4096
CAPTION_MAX = 1024
BUTTONS_BODY_MAX = 1024
MAX_BUTTONS = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
LIST_BODY_MAX = 4096
LIST_BUTTON_MAX = 20
SECTION_TITLE_MAX = 24
MAX_ROWS = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
DEFAULT_LIST_BUTTON = "Menu"

_ZWJ = "\u200d"
_OPUS_TYPES = ("audio/ogg", "audio/opus")

JSON = dict[str, Any]


class RenderError(ValueError):
    """A message the Cloud API cannot express; sending it again will not help."""


def render(message: Outgoing) -> JSON:
    """The JSON body to POST to `/{phone_number_id}/messages` for this outbox entry."""
    body = message.body
    if isinstance(body, ReadReceipt):
        if not body.message_id:
            raise RenderError("a read receipt needs the id of the message read")
        return {"messaging_product": "whatsapp", "status": "read", "message_id": body.message_id}
    if isinstance(body, TemplateBody):  # no quote: WhatsApp shows none on templates
        return render_template(message.to, body.name, body.language, body.parameters)

    payload: JSON = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient(message.to),
    }
    # WhatsApp rejects a quoted reaction; a reaction already names its message.
    if message.reply_to and not isinstance(body, ReactionBody):
        payload["context"] = {"message_id": message.reply_to}

    match body:
        case TextBody(text=text):
            kind, obj = "text", _text(text, message.id)
        case MenuBody():
            kind, obj = _menu(body, message.id)
        case MediaBody(media=media, caption=caption):
            kind, obj = media.kind.value, _media(media, caption)
        case ReactionBody(message_id=target, emoji=emoji):
            if not target:
                raise RenderError("a reaction needs the id of the message it reacts to")
            kind, obj = "reaction", {"message_id": target, "emoji": emoji}
        case LocationBody():
            kind, obj = "location", _location(body)
        case _:  # pragma: no cover - the Body union is closed
            raise RenderError(f"cannot render {type(body).__name__}")
    payload["type"] = kind
    payload[kind] = obj
    return payload


def render_template(
    to: str,
    name: str,
    language: str,
    parameters: Sequence[str] = (),
    *,
    buttons: Sequence[str] = (),
) -> JSON:
    """An approved template: the only thing WhatsApp delivers outside the 24-hour window.

    `parameters` fill the body's {{1}}, {{2}}…; `buttons` are the payloads of the template's
    quick-reply buttons, in order, so a tap comes back as a recognisable choice. Meta refuses a
    parameter that is empty or holds a line break, a tab or more than four spaces in a row: each
    is written on one line, its spaces collapsed.
    """
    if not name or not language:
        raise RenderError("a template needs a name and a language")
    texts = [" ".join(p.split()) for p in parameters]
    if not all(texts):
        raise RenderError(f"template {name}: a parameter is empty")
    components: list[JSON] = []
    if texts:
        components.append({"type": "body", "parameters": [{"type": "text", "text": t} for t in texts]})
    components.extend(
        {
            "type": "button",
            "sub_type": "quick_reply",
            "index": str(index),
            "parameters": [{"type": "payload", "payload": payload}],
        }
        for index, payload in enumerate(buttons)
    )
    template: JSON = {"name": name, "language": {"policy": "deterministic", "code": language}}
    if components:
        template["components"] = components
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient(to),
        "type": "template",
        "template": template,
    }


def recipient(to: str) -> str:
    """A phone number as `+digits`: without the `+`, Meta prepends the business's own country
    code and may deliver to the wrong person. A business-scoped user id passes unchanged."""
    value = to.strip()
    if not value:
        raise RenderError("a message needs a recipient")
    digits = value.removeprefix("+")
    if digits.isascii() and digits.isdigit():
        return "+" + digits
    return value


def utf16_len(text: str) -> int:
    """Length as Meta's limits are most strictly read: an emoji outside the BMP counts twice."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def clip(text: str, limit: int, *, words: bool = False) -> str:
    """`text` within `limit`, ending in "…" when cut; `words` prefers to cut at a space."""
    if utf16_len(text) <= limit:
        return text
    budget = limit - utf16_len(ELLIPSIS)
    used = end = 0
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if used + width > budget:
            break
        used += width
        end += 1
    # Cutting inside a grapheme leaves a broken emoji or a stray accent: step back to its start.
    while end and (_extends(text[end]) or text[end - 1] == _ZWJ):
        end -= 1
    cut = text[:end]
    if words:
        space = max(cut.rfind(" "), cut.rfind("\n"))
        if space >= len(cut) * 0.8:
            cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _extends(ch: str) -> bool:
    """Whether `ch` belongs to the character before it (accent, joiner, selector, skin tone, tag)."""
    code = ord(ch)
    return (
        unicodedata.combining(ch) != 0
        or ch == _ZWJ
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    )


def _text(text: str, message_id: str) -> JSON:
    if not text.strip():
        raise RenderError("a text message cannot be empty")
    body = clip(text, TEXT_MAX, words=True)
    if body != text:
        log.warning("outgoing %s: text of %d characters clipped to %d", message_id, len(text), TEXT_MAX)
    return {"preview_url": False, "body": body}


def _menu(menu: MenuBody, message_id: str) -> tuple[str, JSON]:
    options = menu.options
    if not options:
        return "text", _text(menu.text, message_id)
    if not menu.text.strip():
        raise RenderError("a menu needs a text above its options")
    if len(options) <= MAX_BUTTONS:
        return "interactive", _buttons(menu.text, options)
    return "interactive", _list(menu, message_id)


def _check_ids(options: Sequence[Option], limit: int) -> None:
    ids = [option.id for option in options]
    if len(set(ids)) != len(ids):
        raise RenderError("menu option ids must be unique")
    for option_id in ids:
        if not option_id or len(option_id) > limit:
            raise RenderError(f"menu option id must be 1 to {limit} characters: {option_id[:40]!r}")


def _title(option: Option) -> str:
    """WhatsApp refuses a blank title; the id at least says what the option is."""
    return option.title.strip() or option.id


def _buttons(text: str, options: Sequence[Option]) -> JSON:
    _check_ids(options, BUTTON_ID_MAX)
    titles = [clip(_title(option), BUTTON_TITLE_MAX) for option in options]
    if len(set(titles)) != len(titles):
        titles = [clip(f"{n}. {_title(option)}", BUTTON_TITLE_MAX) for n, option in enumerate(options, 1)]
    return {
        "type": "button",
        "body": {"text": clip(text, BUTTONS_BODY_MAX, words=True)},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": option.id, "title": title}}
                for option, title in zip(options, titles, strict=True)
            ]
        },
    }


def _list(menu: MenuBody, message_id: str) -> JSON:
    options = menu.options
    shown = options[:MAX_ROWS]
    _check_ids(shown, ROW_ID_MAX)
    text = menu.text
    if len(options) > MAX_ROWS:
        numbered = "\n".join(f"{n}. {_title(option)}" for n, option in enumerate(options, 1))
        text = f"{text}\n\n{numbered}"
        log.info("outgoing %s: %d options, %d rows, all numbered in the text", message_id, len(options), MAX_ROWS)
    rows: list[JSON] = []
    for option in shown:
        row: JSON = {"id": option.id, "title": clip(_title(option), ROW_TITLE_MAX)}
        if option.description.strip():
            row["description"] = clip(option.description.strip(), ROW_DESCRIPTION_MAX)
        rows.append(row)
    label = menu.button.strip() or DEFAULT_LIST_BUTTON
    return {
        "type": "list",
        "body": {"text": clip(text, LIST_BODY_MAX, words=True)},
        "action": {
            "button": clip(label, LIST_BUTTON_MAX),
            "sections": [{"title": clip(label, SECTION_TITLE_MAX), "rows": rows}],
        },
    }


def _media(media: Media, caption: str) -> JSON:
    if not media.media_id:
        raise RenderError(f"{media.kind.value} without a media id")
    # An http(s) address is sent by link (Meta fetches it); anything else is an uploaded id.
    ref = "link" if media.media_id.startswith(("https://", "http://")) else "id"
    obj: JSON = {ref: media.media_id}
    if caption and media.kind.takes_caption:
        obj["caption"] = clip(caption, CAPTION_MAX, words=True)
    if media.kind is MediaKind.DOCUMENT and media.filename:
        obj["filename"] = media.filename
    # A voice note must be OGG/OPUS; any other audio goes as a plain audio file.
    opus = not media.mime_type or media.mime_type.startswith(_OPUS_TYPES)
    if media.kind is MediaKind.AUDIO and media.voice and opus:
        obj["voice"] = True
    return obj


def _location(body: LocationBody) -> JSON:
    obj: JSON = {"latitude": body.latitude, "longitude": body.longitude}
    if body.name:
        obj["name"] = body.name
    if body.address:
        obj["address"] = body.address
    return obj
