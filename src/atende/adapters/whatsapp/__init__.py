"""The WhatsApp Cloud API adapter. Re-exported here: the webhook side (signature, parsing)."""

from __future__ import annotations

from .notifications import (
    ErrorDetail,
    InvalidItem,
    InvalidJson,
    MalformedNotification,
    Notification,
    NotificationError,
    ReceivedMessage,
    StatusUpdate,
    parse_notification,
)
from .payloads import StatusValue
from .signature import sign, verify_signature

__all__ = [
    "ErrorDetail",
    "InvalidItem",
    "InvalidJson",
    "MalformedNotification",
    "Notification",
    "NotificationError",
    "ReceivedMessage",
    "StatusUpdate",
    "StatusValue",
    "parse_notification",
    "sign",
    "verify_signature",
]
