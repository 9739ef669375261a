"""Value objects ⇄ JSON-able dicts, by hand: stored data must outlive renames in the domain.

Each dict carries a `kind` tag chosen here, not derived from class names, so a refactor of the
domain never silently changes what is on disk; an unknown tag fails loudly on the way back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from atende.application.arrivals import Arrival, Inbound, StatusReport
from atende.application.failures import Failure
from atende.application.outbound import (
    Body,
    LocationBody,
    MediaBody,
    MenuBody,
    Option,
    ReactionBody,
    ReadReceipt,
    TemplateBody,
    TextBody,
)
from atende.domain import events as ev
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
)

from ..whatsapp.errors import failure_of

Json = dict[str, Any]


class CodecError(ValueError):
    """Stored data that this version of atende cannot read back."""


# -- datetimes ---------------------------------------------------------------------------------


def to_utc(moment: datetime) -> datetime:
    """The instant in UTC; a naive datetime is refused, since its zone is only a guess."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: atende stores instants, pass an aware datetime")
    return moment.astimezone(UTC)


def from_stored(moment: datetime) -> datetime:
    """An aware UTC datetime, whether the driver kept the zone (PostgreSQL) or not (SQLite)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _instant(text: str) -> datetime:
    return from_stored(datetime.fromisoformat(text))


# -- content -----------------------------------------------------------------------------------


def _media_to_dict(media: Media) -> Json:
    return {
        "kind": "media",
        "media_kind": media.kind.value,
        "media_id": media.media_id,
        "mime_type": media.mime_type,
        "caption": media.caption,
        "filename": media.filename,
        "voice": media.voice,
    }


def _media_from_dict(data: Json) -> Media:
    return Media(
        MediaKind(data["media_kind"]),
        data["media_id"],
        data.get("mime_type", ""),
        data.get("caption", ""),
        data.get("filename", ""),
        data.get("voice", False),
    )


def content_to_dict(content: Content) -> Json:
    match content:
        case Text(body=body):
            return {"kind": "text", "body": body}
        case Media():
            return _media_to_dict(content)
        case Location(latitude=lat, longitude=lon, name=name, address=address):
            return {"kind": "location", "latitude": lat, "longitude": lon, "name": name, "address": address}
        case Contacts(contacts=people):
            return {"kind": "contacts", "contacts": [{"name": p.name, "phones": list(p.phones)} for p in people]}
        case Choice(reply_id=reply_id, title=title):
            return {"kind": "choice", "reply_id": reply_id, "title": title}
        case Reaction(message_id=message_id, emoji=emoji):
            return {"kind": "reaction", "message_id": message_id, "emoji": emoji}
        case Order(catalog_id=catalog_id, items=items, text=text):
            return {"kind": "order", "catalog_id": catalog_id, "items": items, "text": text}
        case Edited(original_id=original_id, body=body):
            return {"kind": "edited", "original_id": original_id, "body": body}
        case Revoked(original_id=original_id):
            return {"kind": "revoked", "original_id": original_id}
        case SystemNotice(body=body, new_wa_id=new_wa_id):
            return {"kind": "system", "body": body, "new_wa_id": new_wa_id}
        case Unsupported(type_name=type_name):
            return {"kind": "unsupported", "type_name": type_name}
    raise CodecError(f"no encoding for content {content!r}")


def content_from_dict(data: Json) -> Content:
    match data.get("kind"):
        case "text":
            return Text(data["body"])
        case "media":
            return _media_from_dict(data)
        case "location":
            return Location(data["latitude"], data["longitude"], data.get("name", ""), data.get("address", ""))
        case "contacts":
            return Contacts(tuple(SharedContact(p["name"], tuple(p.get("phones", ()))) for p in data["contacts"]))
        case "choice":
            return Choice(data["reply_id"], data["title"])
        case "reaction":
            return Reaction(data["message_id"], data.get("emoji", ""))
        case "order":
            return Order(data["catalog_id"], data["items"], data.get("text", ""))
        case "edited":
            return Edited(data["original_id"], data["body"])
        case "revoked":
            return Revoked(data["original_id"])
        case "system":
            return SystemNotice(data["body"], data.get("new_wa_id", ""))
        case "unsupported":
            return Unsupported(data["type_name"])
    raise CodecError(f"unknown content kind {data.get('kind')!r}")


# -- outbound bodies ---------------------------------------------------------------------------


def body_to_dict(body: Body) -> Json:
    match body:
        case TextBody(text=text):
            return {"kind": "text", "text": text}
        case MenuBody(text=text, button=button, options=options):
            return {
                "kind": "menu",
                "text": text,
                "button": button,
                "options": [{"id": o.id, "title": o.title, "description": o.description} for o in options],
            }
        case MediaBody(media=media, caption=caption):
            return {"kind": "media", "media": _media_to_dict(media), "caption": caption}
        case ReactionBody(message_id=message_id, emoji=emoji):
            return {"kind": "reaction", "message_id": message_id, "emoji": emoji}
        case LocationBody(latitude=lat, longitude=lon, name=name, address=address):
            return {"kind": "location", "latitude": lat, "longitude": lon, "name": name, "address": address}
        case ReadReceipt(message_id=message_id):
            return {"kind": "read", "message_id": message_id}
        case TemplateBody(name=name, language=language, parameters=parameters):
            return {"kind": "template", "name": name, "language": language, "parameters": list(parameters)}
    raise CodecError(f"no encoding for body {body!r}")


def body_from_dict(data: Json) -> Body:
    match data.get("kind"):
        case "text":
            return TextBody(data["text"])
        case "menu":
            options = tuple(Option(o["id"], o["title"], o.get("description", "")) for o in data["options"])
            return MenuBody(data["text"], data["button"], options)
        case "media":
            return MediaBody(_media_from_dict(data["media"]), data.get("caption", ""))
        case "reaction":
            return ReactionBody(data["message_id"], data["emoji"])
        case "location":
            return LocationBody(data["latitude"], data["longitude"], data.get("name", ""), data.get("address", ""))
        case "read":
            return ReadReceipt(data["message_id"])
        case "template":
            return TemplateBody(data["name"], data["language"], tuple(data.get("parameters", ())))
    raise CodecError(f"unknown body kind {data.get('kind')!r}")


# -- arrivals ----------------------------------------------------------------------------------


def arrival_to_dict(arrival: Arrival) -> Json:
    """The whole arrival: the intake hands it out again, possibly after a restart or upgrade."""
    match arrival:
        case Inbound():
            return {
                "kind": "message",
                "message_id": arrival.message_id,
                "sender": arrival.sender,
                "sender_name": arrival.sender_name,
                "at": to_utc(arrival.at).isoformat(),
                "content": content_to_dict(arrival.content),
                "context_id": arrival.context_id,
                "sender_user_id": arrival.sender_user_id,
            }
        case StatusReport():
            return {
                "kind": "status",
                "provider_id": arrival.provider_id,
                "status": arrival.status,
                "at": to_utc(arrival.at).isoformat(),
                "recipient": arrival.recipient,
                "failure": arrival.failure.value if arrival.failure else None,
                "errors": [[arrival.code, arrival.detail]] if arrival.code is not None or arrival.detail else [],
            }
    raise CodecError(f"no encoding for arrival {arrival!r}")


def arrival_from_dict(data: Json) -> Arrival:
    match data.get("kind"):
        case "message":
            return Inbound(
                data["message_id"],
                data["sender"],
                data.get("sender_name", ""),
                _instant(data["at"]),
                content_from_dict(data["content"]),
                data.get("context_id"),
                data.get("sender_user_id", ""),
            )
        case "status":
            code, detail = next(iter(data.get("errors") or ()), (None, ""))
            code = None if code is None else int(code)
            kind = data.get("failure")
            # Rows stored before kinds were kept carry only WhatsApp's code: read its meaning now.
            failure = Failure(kind) if kind else (failure_of(code) if code is not None else None)
            return StatusReport(
                data["provider_id"],
                data["status"],
                _instant(data["at"]),
                data.get("recipient", ""),
                failure=failure,
                detail=str(detail),
                code=code,
            )
    raise CodecError(f"unknown arrival kind {data.get('kind')!r}")


# -- domain events -----------------------------------------------------------------------------


def event_to_dict(event: ev.Event) -> Json:
    head: Json = {"code": event.code, "at": to_utc(event.at).isoformat()}
    match event:
        case ev.EnteredQueue(department=department):
            return {"kind": "entered_queue", **head, "department": department}
        case ev.Assigned(department=department, agent=agent, waited_seconds=waited):
            return {"kind": "assigned", **head, "department": department, "agent": agent, "waited_seconds": waited}
        case ev.OfferTimedOut(department=department, agent=agent):
            return {"kind": "offer_timed_out", **head, "department": department, "agent": agent}
        case ev.Abandoned(department=department, waited_seconds=waited):
            return {"kind": "abandoned", **head, "department": department, "waited_seconds": waited}
        case ev.Removed(department=department, agent=agent, reason=reason):
            return {"kind": "removed", **head, "department": department, "agent": agent, "reason": reason}
        case ev.Transferred(from_department=source, to_department=target, agent=agent):
            return {"kind": "transferred", **head, "from_department": source, "to_department": target, "agent": agent}
        case ev.IdleClosed(stage=stage, department=department, agent=agent, idle_seconds=idle):
            return {
                "kind": "idle_closed",
                **head,
                "stage": stage,
                "department": department,
                "agent": agent,
                "idle_seconds": idle,
            }
        case ev.Closed(reason=reason):
            return {"kind": "closed", **head, "reason": reason}
        case ev.Rated(score=score):
            return {"kind": "rated", **head, "score": score}
        case ev.PresenceChanged(agent=agent, presence=presence):
            return {"kind": "presence", **head, "agent": agent, "presence": presence}
    raise CodecError(f"no encoding for event {event!r}")


def event_from_dict(data: Json) -> ev.Event:
    code, at = data["code"], _instant(data["at"])
    match data.get("kind"):
        case "entered_queue":
            return ev.EnteredQueue(code, at, data["department"])
        case "assigned":
            return ev.Assigned(code, at, data["department"], data["agent"], float(data["waited_seconds"]))
        case "offer_timed_out":
            return ev.OfferTimedOut(code, at, data["department"], data["agent"])
        case "abandoned":
            return ev.Abandoned(code, at, data["department"], float(data["waited_seconds"]))
        case "removed":
            return ev.Removed(code, at, data["department"], data["agent"], data["reason"])
        case "transferred":
            return ev.Transferred(code, at, data["from_department"], data["to_department"], data["agent"])
        case "idle_closed":
            return ev.IdleClosed(
                code, at, data["stage"], data["department"], data["agent"], float(data["idle_seconds"])
            )
        case "closed":
            return ev.Closed(code, at, data["reason"])
        case "rated":
            return ev.Rated(code, at, int(data["score"]))
        case "presence":
            return ev.PresenceChanged(code, at, data["agent"], data["presence"])
    raise CodecError(f"unknown event kind {data.get('kind')!r}")
