"""Small, locale-aware renderings shared by every message: durations, phones, content, openings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from atende.domain.content import (
    Choice,
    Contacts,
    Content,
    Edited,
    Location,
    Media,
    Order,
    Reaction,
    Revoked,
    SystemNotice,
    Text,
    Unsupported,
)

from .catalog import Texts


def duration(texts: Texts, seconds: float) -> str:
    """`45 s`, `3 min`, `1 h 05 min`: how long a customer has waited, at a glance."""
    whole = int(seconds)
    if whole < 60:
        return texts.seconds.format(s=whole)
    minutes = whole // 60
    if minutes < 60:
        return texts.minutes.format(m=minutes)
    return texts.hours_minutes.format(h=minutes // 60, m=minutes % 60)


def phone(wa_id: str) -> str:
    """`5511987654321` → `+55 11 98765-4321`; other countries keep plain `+digits`."""
    if not wa_id.isdigit():
        return wa_id
    if wa_id.startswith("55") and len(wa_id) in (12, 13):
        area, number = wa_id[2:4], wa_id[4:]
        return f"+55 {area} {number[:-4]}-{number[-4:]}"
    return "+" + wa_id


def describe(texts: Texts, content: Content) -> str:
    """One line that says what a message was, in words an agent reads at a glance."""
    match content:
        case Text(body=body):
            return body
        case Media(kind=kind, caption=caption, filename=filename):
            label = texts.media_labels.get(kind.value, kind.value)
            detail = caption or filename
            return f"[{label}] {detail}".rstrip()
        case Location(latitude=lat, longitude=lon, name=name, address=address):
            place = " · ".join(p for p in (name, address) if p)
            link = f"https://maps.google.com/?q={lat},{lon}"
            return f"[{texts.location_label}] {place} {link}".replace("  ", " ")
        case Contacts(contacts=contacts):
            people = "; ".join(" ".join([c.name, *c.phones]).strip() for c in contacts)
            return f"[{texts.contacts_label}] {people}"
        case Choice(title=title):
            return title
        case Reaction(emoji=emoji):
            return texts.reaction_label.format(emoji=emoji or "∅")
        case Order(items=items, text=text):
            return f"[{texts.order_label.format(items=items)}] {text}".rstrip()
        case Edited(body=body):
            return texts.edited_label.format(body=body)
        case Revoked():
            return texts.revoked_label
        case SystemNotice(body=body):
            return texts.system_label.format(body=body)
        case Unsupported(type_name=type_name):
            return texts.unsupported_label.format(type=type_name)


def snippet(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def when_it_opens(texts: Texts, opening: datetime, now: datetime, timezone: str) -> str:
    """`hoje às 13:00`, `amanhã às 08:00`, `segunda-feira às 08:00`, or with its date a week or
    more away (a long holiday): in the business's own time zone, which its customers live by."""
    zone = ZoneInfo(timezone)
    local, today = opening.astimezone(zone), now.astimezone(zone).date()
    days = (local.date() - today).days
    clock = f"{local:%H:%M}"
    if days <= 0:
        return texts.opens_today.format(time=clock)
    if days == 1:
        return texts.opens_tomorrow.format(time=clock)
    weekday = texts.weekdays[local.weekday()]
    if days < 7:
        return texts.opens_on.format(weekday=weekday, time=clock)
    month = texts.months[local.month - 1]
    return texts.opens_on_date.format(weekday=weekday, day=local.day, month=month, time=clock)
