"""From a webhook POST body to atende's values: every message, status and error in it.

Meta batches up to 1000 updates in one POST without documenting the layout, so every entry,
change, message and status is read, and a bad item is reported in `Notification.invalid`
instead of failing the batch (a failed POST makes Meta replay all of it for days).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from pydantic import ValidationError

from atende.application.arrivals import Inbound, StatusReport
from atende.domain.content import (
    Content,
    Unsupported,
)

from .contents import content_of
from .errors import failure_of
from .payloads import (
    WHATSAPP_OBJECT,
    Contact,
    ErrorPayload,
    Invalid,
    MessageHeader,
    MessagePayload,
    MessagesValue,
    StatusPayload,
    StatusValue,
    WebhookPayload,
    describe_errors,
)


class MalformedNotification(ValueError):
    """The body is not a Cloud API notification at all (as opposed to one odd item in it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidJson(MalformedNotification):
    """The body is not JSON at all: a client error (400), unlike valid JSON of another shape."""


class ErrorDetail(NamedTuple):
    """An error Meta attached to a message or a status. Handle on `code`, never on the title."""

    code: int
    title: str
    details: str


@dataclass(frozen=True)
class ReceivedMessage:
    inbound: Inbound
    phone_number_id: str
    """The business number that received it."""
    type_name: str
    """The raw WhatsApp type ("interactive", "button", …), for logs and unknown types."""
    errors: tuple[ErrorDetail, ...] = ()
    sender_phone: str = ""
    """`from` as sent: "" for a user known only by a business-scoped id."""
    sender_user_id: str = ""
    """The business-scoped user id (BSUID), when Meta sends one."""
    waba_id: str = ""
    forwarded: bool = False
    frequently_forwarded: bool = False
    referral_headline: str = ""
    """Set when the conversation started from a Click-to-WhatsApp ad."""
    referral_source_url: str = ""


@dataclass(frozen=True)
class StatusUpdate:
    message_id: str
    """The wamid the send API answered with."""
    status: StatusValue
    at: datetime
    recipient: str
    """`recipient_id`, or the business-scoped id when `recipient_id` is ""."""
    errors: tuple[ErrorDetail, ...] = ()
    phone_number_id: str = ""
    recipient_user_id: str = ""
    biz_opaque_callback_data: str = ""

    @property
    def report(self) -> StatusReport:
        """The status as atende keeps it: the first error WhatsApp attached, read for its kind."""
        first = self.errors[0] if self.errors else None
        return StatusReport(
            provider_id=self.message_id,
            status=str(self.status),
            at=self.at,
            recipient=self.recipient,
            failure=failure_of(first.code) if first else None,
            detail=(first.details or first.title) if first else "",
            code=first.code if first else None,
        )


@dataclass(frozen=True)
class NotificationError:
    """A system, app or account error (`value.errors`), not tied to one message."""

    code: int
    title: str
    message: str
    details: str
    phone_number_id: str = ""


@dataclass(frozen=True)
class InvalidItem:
    where: str
    """A JSON path such as "entry[0].changes[1].value.messages[2]"."""
    reason: str


@dataclass
class Notification:
    messages: list[ReceivedMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    errors: list[NotificationError] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    """Changes for fields other than "messages", described for the log."""
    invalid: list[InvalidItem] = field(default_factory=list)
    """Items that could not be read; their siblings were read all the same."""


def parse_notification(body: bytes) -> Notification:
    """Read a webhook POST body (already signature-checked) into messages, statuses and errors.

    Raises `MalformedNotification` only when the body as a whole is unusable: not JSON, not an
    object, not a WhatsApp Business Account notification, or without an `entry` list.
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise InvalidJson(f"invalid JSON: {error}") from error
    if not isinstance(data, dict):
        raise MalformedNotification(f"expected a JSON object, got {type(data).__name__}")
    if data.get("object") != WHATSAPP_OBJECT:
        raise MalformedNotification(f"object is {data.get('object')!r:.60}, not {WHATSAPP_OBJECT!r}")
    if not isinstance(data.get("entry"), list):
        raise MalformedNotification("no 'entry' list")
    try:
        payload = WebhookPayload.model_validate(data)
    except ValidationError as error:  # items are lenient, so only the envelope can fail here
        raise MalformedNotification(describe_errors(error)) from error
    return read_payload(payload)


def read_payload(payload: WebhookPayload) -> Notification:
    """Walk every entry and change of an already validated notification."""
    out = Notification()
    for e, entry in enumerate(payload.entry):
        where = f"entry[{e}]"
        if isinstance(entry, Invalid):
            out.invalid.append(InvalidItem(where, entry.reason))
            continue
        for c, change in enumerate(entry.changes):
            change_at = f"{where}.changes[{c}]"
            if isinstance(change, Invalid):
                out.invalid.append(InvalidItem(change_at, change.reason))
            elif change.field != "messages":
                out.ignored.append(f"{change_at}: field {change.field!r} is not handled")
            else:
                value = change.messages_value()
                if isinstance(value, Invalid):
                    out.invalid.append(InvalidItem(f"{change_at}.value", value.reason))
                else:
                    _read_value(value, entry.id, f"{change_at}.value", out)
    return out


@dataclass(frozen=True)
class _ChangeScope:
    """What the items of one change share: the business number, the WABA, the sender profiles."""

    number: str
    waba_id: str
    contacts: Sequence[Contact]
    out: Notification

    def invalid(self, where: str, reason: str) -> None:
        self.out.invalid.append(InvalidItem(where, reason))


def _read_value(value: MessagesValue, waba_id: str, where: str, out: Notification) -> None:
    number = value.metadata.phone_number_id
    contacts = [contact for contact in value.contacts if isinstance(contact, Contact)]
    scope = _ChangeScope(number, waba_id, contacts, out)
    for i, contact in enumerate(value.contacts):
        if isinstance(contact, Invalid):
            scope.invalid(f"{where}.contacts[{i}]", contact.reason)
    for i, message in enumerate(value.messages):
        _read_message(message, f"{where}.messages[{i}]", scope)
    for i, status in enumerate(value.statuses):
        item_at = f"{where}.statuses[{i}]"
        if isinstance(status, Invalid):
            scope.invalid(item_at, status.reason)
        else:
            out.statuses.append(_status(status, _errors(status.errors, f"{item_at}.errors", scope), number))
    for i, error in enumerate(value.errors):
        if isinstance(error, Invalid):
            scope.invalid(f"{where}.errors[{i}]", error.reason)
        else:
            out.errors.append(NotificationError(error.code, error.title, error.message, error.details, number))


def _read_message(message: MessagePayload | Invalid, where: str, scope: _ChangeScope) -> None:
    if isinstance(message, MessagePayload):
        scope.out.messages.append(_received(message, content_of(message), where, scope))
        return
    # The content may be what failed: with a usable header the sender still gets an answer.
    try:
        header = MessageHeader.model_validate(message.raw)
    except ValidationError:
        scope.invalid(where, message.reason)
        return
    scope.invalid(where, f"content kept as unsupported: {message.reason}")
    scope.out.messages.append(_received(header, Unsupported(header.type), where, scope))


def _received(message: MessageHeader, content: Content, where: str, scope: _ChangeScope) -> ReceivedMessage:
    contact = _contact_of(message, scope.contacts)
    name = contact.profile.name if contact and contact.profile else ""
    context = message.context
    referral = message.referral
    user_id = message.from_user_id or (contact.user_id if contact else "")
    inbound = Inbound(
        message_id=message.id,
        sender=message.from_ or user_id,
        sender_name=name,
        at=message.timestamp,
        content=content,
        context_id=context.id if context and context.id else None,
        sender_user_id=user_id,
    )
    return ReceivedMessage(
        inbound=inbound,
        phone_number_id=scope.number,
        type_name=message.type,
        errors=_errors(message.errors, f"{where}.errors", scope),
        sender_phone=message.from_,
        sender_user_id=user_id,
        waba_id=scope.waba_id,
        forwarded=bool(context and (context.forwarded or context.frequently_forwarded)),
        frequently_forwarded=bool(context and context.frequently_forwarded),
        referral_headline=referral.headline if referral else "",
        referral_source_url=referral.source_url if referral else "",
    )


def _contact_of(message: MessageHeader, contacts: Sequence[Contact]) -> Contact | None:
    """The sender's profile: matched by phone or BSUID, or the only contact of the change.

    With several contacts and no match, no name is better than another customer's name.
    """
    for contact in contacts:
        if message.from_ and contact.wa_id == message.from_:
            return contact
        if message.from_user_id and contact.user_id == message.from_user_id:
            return contact
    return contacts[0] if len(contacts) == 1 else None


def _status(status: StatusPayload, errors: tuple[ErrorDetail, ...], number: str) -> StatusUpdate:
    return StatusUpdate(
        message_id=status.id,
        status=status.status,
        at=status.timestamp,
        recipient=status.recipient_id or status.recipient_user_id,
        errors=errors,
        phone_number_id=number,
        recipient_user_id=status.recipient_user_id,
        biz_opaque_callback_data=status.biz_opaque_callback_data,
    )


def _errors(items: Sequence[ErrorPayload | Invalid], where: str, scope: _ChangeScope) -> tuple[ErrorDetail, ...]:
    details = []
    for i, item in enumerate(items):
        if isinstance(item, Invalid):
            scope.invalid(f"{where}[{i}]", item.reason)
        else:
            details.append(ErrorDetail(item.code, item.title or item.message, item.details))
    return tuple(details)
