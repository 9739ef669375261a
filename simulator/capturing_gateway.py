"""A WhatsApp stand-in for the direct driver: it shows each outbound message on its recipient's phone.

It implements the same port as the Graph API client, so atende's outbox sender is exercised
exactly as in production, and it answers every send with a fresh WhatsApp-like id, the way
Meta does. Those ids are what later swipe-replies and reactions point at, so a scenario can
reply to "the 💬 that mentions the boleto" and atende must find its way back to the right
customer.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from functools import partial

from atende.application.outbound import (
    Body,
    LocationBody,
    MediaBody,
    MenuBody,
    Outgoing,
    ReactionBody,
    ReadReceipt,
    TemplateBody,
    TextBody,
)
from atende.application.ports import Clock, WhatsAppGateway

from .chat import Bubble, Chats, Kind, Option, media_label, place


class CapturingGateway(WhatsAppGateway):
    def __init__(self, chats: Chats, clock: Clock, prefix: str = "wamid.SIMOUT") -> None:
        self.chats = chats
        self.clock = clock
        self.sent: list[tuple[str, Outgoing]] = []
        """Every accepted send with the id it was given, in order (for debugging and tests)."""
        self._prefix = prefix
        self._ids = itertools.count(1)

    def send(self, message: Outgoing) -> str:
        provider_id = f"{self._prefix}{next(self._ids):06d}"
        self.sent.append((provider_id, message))
        if isinstance(message.body, ReadReceipt):
            self.chats.mark_read(message.body.message_id)
            return provider_id
        self.chats.add(message.to, self._bubble(provider_id, message))
        return provider_id

    def _bubble(self, provider_id: str, message: Outgoing) -> Bubble:
        return received_bubble(provider_id, message.body, self.clock.now(), self.chats.step, message.reply_to)


def received_bubble(provider_id: str, body: Body, at: datetime, step: int, quote: str | None) -> Bubble:
    """An outbound body as the recipient's phone shows it."""
    received = partial(Bubble, provider_id, at, step, False, quote=quote)
    match body:
        case TextBody(text=text):
            return received(Kind.TEXT, text)
        case MenuBody(text=text, button=button, options=options):
            rows = tuple(Option(o.id, o.title, o.description) for o in options)
            return received(Kind.MENU, text, options=rows, button=button)
        case MediaBody(media=media, caption=caption):
            return received(Kind.MEDIA, caption, label=media_label(media))
        case LocationBody(latitude=lat, longitude=lon, name=name, address=address):
            return received(Kind.LOCATION, place(name, address), label=f"location {lat}, {lon}")
        case ReactionBody(message_id=target, emoji=emoji):
            return received(Kind.REACTION, emoji, target=target)
        case TemplateBody(name=name, parameters=parameters):
            return received(Kind.TEMPLATE, " · ".join(parameters), label=name)
    return received(Kind.OTHER, repr(body))
