"""From a parsed notification to what atende stores, saying out loud what it leaves behind.

Meta's `value.errors`, items that could not be read and changes for other fields carry no
arrival, but each of them is a fact an operator may need (a 131035 means webhooks were lost),
so each becomes a log line with its code: nothing is dropped silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from atende.adapters.whatsapp import Notification, ReceivedMessage
from atende.application.arrivals import Arrival

from .logs import mask

log = logging.getLogger(__name__)


@dataclass
class Triage:
    """What one notification yields: arrivals to store, and how many items were set aside."""

    arrivals: list[Arrival] = field(default_factory=list)
    foreign: int = 0
    """Items addressed to another business number of the same app."""


def arrivals_of(notification: Notification, phone_number_id: str | None = None) -> Triage:
    """Messages and statuses as arrivals, in the notification's order; every leftover logged.

    With `phone_number_id`, items for other numbers (one Meta app can serve several) are left
    out: answering them from this number would reach the customer from the wrong company line.
    """
    out = Triage()
    for message in notification.messages:
        if _foreign(message.phone_number_id, phone_number_id):
            out.foreign += 1
            continue
        _log_message_errors(message)
        out.arrivals.append(message.inbound)
    for status in notification.statuses:
        if _foreign(status.phone_number_id, phone_number_id):
            out.foreign += 1
            continue
        out.arrivals.append(status.report)
    if out.foreign:
        log.warning(
            "%d item(s) for another business number ignored (this one is %s): check WHATSAPP_PHONE_NUMBER_ID",
            out.foreign,
            phone_number_id,
        )
    for error in notification.errors:
        log.warning(
            "WhatsApp reported error %d (%s) for number %s: %s",
            error.code,
            error.title or error.message,
            error.phone_number_id or "?",
            error.details or error.message or "no details",
        )
    for item in notification.invalid:
        log.warning("unreadable item in a notification at %s: %s", item.where, item.reason)
    for ignored in notification.ignored:
        log.info("notification change ignored: %s", ignored)
    return out


def _foreign(number: str, ours: str | None) -> bool:
    return bool(ours and number and number != ours)


def _log_message_errors(message: ReceivedMessage) -> None:
    """A message Meta attached errors to (unsupported type, media too big) is stored all the same."""
    for error in message.errors:
        log.warning(
            "message %s (%s) from %s arrived with error %d: %s",
            _short(message.inbound.message_id),
            message.type_name,
            mask(message.inbound.sender),
            error.code,
            error.details or error.title,
        )


def _short(message_id: str) -> str:
    """The tail of a wamid: enough to find it in the database, short enough for a log line."""
    return "…" + message_id[-12:] if len(message_id) > 16 else message_id
