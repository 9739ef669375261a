"""Meta's errors: the table of codes the stand-in knows and the replies in Meta's error shape.

A client's retry and give-up decisions hang on the HTTP status and code Meta sends, so they are
written down once here, for both `fail_next` and the stand-in's own refusals.
"""

from __future__ import annotations

import uuid
from typing import Any

from .server import Reply, json_reply

ERRORS: dict[int, tuple[int, str, str]] = {
    1: (500, "An unknown error occurred", ""),
    2: (503, "Service temporarily unavailable", ""),
    100: (400, "(#100) Invalid parameter", ""),
    190: (401, "Invalid OAuth access token - Cannot parse access token", ""),
    130429: (429, "(#130429) Rate limit hit", "Cloud API message throughput has been reached."),
    131000: (500, "(#131000) Something went wrong", "Message failed to send because of an unknown error."),
    131008: (400, "(#131008) Required parameter is missing", ""),
    131009: (400, "(#131009) Parameter value is not valid", ""),
    131016: (503, "(#131016) Service unavailable", "A service is temporarily unavailable."),
    131021: (400, "(#131021) Recipient cannot be sender", "Sender and recipient phone number is the same."),
    131026: (400, "(#131026) Message undeliverable", "Unable to deliver message."),
    131047: (
        400,
        "(#131047) Re-engagement message",
        "More than 24 hours have passed since the recipient last replied to the sender number.",
    ),
    131051: (400, "(#131051) Unsupported message type", "Message type is not currently supported."),
    131053: (400, "(#131053) Media upload error", "Unable to upload the media used in the message."),
    131056: (
        400,
        "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "Too many messages sent from the sender phone number to the same recipient phone number "
        "in a short period of time.",
    ),
    131057: (503, "(#131057) Account in maintenance mode", "Business Account is in maintenance mode."),
    133004: (503, "(#133004) Server temporarily unavailable", ""),
}
"""Code → (HTTP status, message, details) as the stand-in reports them; other codes get 400."""


def error_reply(code: int, status: int, message: str, details: str = "", subcode: int | None = None) -> Reply:
    """Meta's error shape (samples/send_api/error_*.json)."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    error["fbtrace_id"] = "A" + uuid.uuid4().hex[:22]
    return json_reply(status, {"error": error})


def known_error(code: int) -> Reply:
    status, message, details = ERRORS[code]
    return error_reply(code, status, message, details)


def unknown_object(object_id: str, verb: str) -> Reply:
    return error_reply(
        100,
        400,
        f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation.",
        subcode=33,
    )
