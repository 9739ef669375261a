"""Pydantic models of Cloud API webhook notifications (docs/whatsapp.md §b–d).

The models accept unknown fields, because Meta adds fields without notice, and insist only on
what the relay cannot work without: ids, senders, timestamps, status values. Lists of
independent items (entries, changes, messages, statuses, contacts, errors) are *lenient*: an
item that fails validation becomes an `Invalid` in place, so one bad item never costs its
siblings, and a batch is never replayed by Meta because one message in it was odd.

One module, over the usual size, on purpose: it mirrors one document (Meta's webhook payload)
model for model, and the models refer to each other (rebuilt together at the bottom).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

WHATSAPP_OBJECT = "whatsapp_business_account"
"""The `object` of every WhatsApp Cloud API notification."""


class Payload(BaseModel):
    """Base of every notification model: unknown fields are kept, not rejected."""

    model_config = ConfigDict(extra="allow", frozen=True)


class Invalid(BaseModel):
    """An item that failed validation, left where it was so the items around it are still read."""

    model_config = ConfigDict(frozen=True)

    raw: Any = None
    reason: str


def describe_errors(error: ValidationError, limit: int = 3) -> str:
    """A short reason for logs: where and what, without echoing the (possibly personal) input."""
    parts = []
    for detail in error.errors()[:limit]:
        where = ".".join(str(part) for part in detail["loc"]) or "item"
        parts.append(f"{where}: {detail['msg']}")
    more = error.error_count() - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


_M = TypeVar("_M", bound=BaseModel)


def _lenient(model: type[_M]) -> WrapValidator:
    """Validate one list item as `model`, or keep it as `Invalid` with the reason.

    The item is validated by `model` itself, never by the union with `Invalid`, so input that
    happens to look like an `Invalid` is still refused; the union serves serialization only.
    """

    def validate(value: object, _handler: ValidatorFunctionWrapHandler) -> _M | Invalid:
        if isinstance(value, model | Invalid):
            return value
        try:
            return model.model_validate(value)
        except ValidationError as error:
            return Invalid(raw=value, reason=describe_errors(error))

    return WrapValidator(validate)


def _unix_seconds(value: object) -> datetime:
    """Cloud API timestamps are unix seconds as strings; anything else is refused, not guessed."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a datetime needs a time zone")
        return value.astimezone(UTC)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("expected unix seconds as a string")
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():
        raise ValueError("expected unix seconds as a string of digits")
    try:
        return datetime.fromtimestamp(int(text), UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise ValueError("unix seconds out of range") from error


def _to_unix_seconds(value: datetime) -> str:
    return str(int(value.timestamp()))


UnixTime = Annotated[datetime, PlainValidator(_unix_seconds), PlainSerializer(_to_unix_seconds, return_type=str)]
"""An aware UTC datetime, read from and written as the Cloud API's unix-seconds string."""


# --- value.metadata, value.contacts -------------------------------------------------------


class Metadata(Payload):
    display_phone_number: str = ""
    phone_number_id: str = Field(min_length=1)
    """Which business number the notification is about: the relay routes on it."""


class Profile(Payload):
    name: str = ""


class Contact(Payload):
    """The sender's profile; `wa_id` can be "" for users known only by their BSUID (`user_id`)."""

    profile: Profile | None = None
    wa_id: str = ""
    user_id: str = ""


# --- errors (value.errors, messages[].errors, statuses[].errors) -------------------------------


class ErrorData(Payload):
    details: str = ""


class ErrorPayload(Payload):
    code: int
    title: str = ""
    message: str = ""
    error_data: ErrorData | None = None
    href: str = ""

    @property
    def details(self) -> str:
        return self.error_data.details if self.error_data else ""


LenientError = Annotated[ErrorPayload | Invalid, _lenient(ErrorPayload)]


# --- message content objects ------------------------------------------------------------


class TextPayload(Payload):
    body: str


class MediaPayload(Payload):
    """image, video, audio, document and sticker share one shape; each uses part of it."""

    id: str = Field(min_length=1)
    mime_type: str = ""
    sha256: str = ""
    caption: str = ""
    filename: str = ""
    url: str = ""
    voice: bool = False
    animated: bool = False


class LocationPayload(Payload):
    """A "current location" share carries only the coordinates."""

    latitude: float
    longitude: float
    name: str = ""
    address: str = ""
    url: str = ""


class ContactName(Payload):
    formatted_name: str = ""
    first_name: str = ""
    last_name: str = ""


class ContactPhone(Payload):
    phone: str = ""
    wa_id: str = ""
    type: str = ""


class SharedContactPayload(Payload):
    name: ContactName | None = None
    phones: list[ContactPhone] = Field(default_factory=list)


class ReplyPayload(Payload):
    """A chosen reply button or list row: the id the business gave it, and its title."""

    id: str
    title: str = ""
    description: str = ""


class FlowReplyPayload(Payload):
    response_json: str = ""
    body: str = ""
    name: str = ""


class InteractivePayload(Payload):
    type: str
    button_reply: ReplyPayload | None = None
    list_reply: ReplyPayload | None = None
    nfm_reply: FlowReplyPayload | None = None


class ButtonPayload(Payload):
    """A tap on a template's quick-reply button."""

    payload: str = ""
    text: str = ""


class ReactionPayload(Payload):
    """`emoji` is omitted (or "") when the user takes the reaction away."""

    message_id: str
    emoji: str | None = None


class ProductItem(Payload):
    product_retailer_id: str = ""
    quantity: int = 1
    item_price: float = 0
    currency: str = ""


class OrderPayload(Payload):
    catalog_id: str = ""
    text: str = ""
    product_items: list[ProductItem] = Field(default_factory=list)


class SystemPayload(Payload):
    body: str = ""
    type: str = ""
    wa_id: str = ""
    """The new id of a user who changed number (`user_changed_number`)."""


class UnsupportedPayload(Payload):
    type: str = ""


class RevokePayload(Payload):
    original_message_id: str


class Context(Payload):
    """A quoted message (`id`, `from`), or only forwarding flags for a forwarded message."""

    id: str | None = None
    from_: str = Field(default="", alias="from")
    forwarded: bool = False
    frequently_forwarded: bool = False


class Referral(Payload):
    """Click-to-WhatsApp ad details."""

    source_url: str = ""
    source_id: str = ""
    source_type: str = ""
    headline: str = ""
    body: str = ""
    ctwa_clid: str = ""


class MessageContent(Payload):
    """The `type` and the object named after it; shared by messages and the body of an edit."""

    type: str
    text: TextPayload | None = None
    image: MediaPayload | None = None
    video: MediaPayload | None = None
    audio: MediaPayload | None = None
    document: MediaPayload | None = None
    sticker: MediaPayload | None = None
    location: LocationPayload | None = None
    contacts: list[SharedContactPayload] | None = None
    interactive: InteractivePayload | None = None
    button: ButtonPayload | None = None
    reaction: ReactionPayload | None = None
    order: OrderPayload | None = None
    system: SystemPayload | None = None
    unsupported: UnsupportedPayload | None = None
    revoke: RevokePayload | None = None
    edit: EditPayload | None = None


class EditedMessage(MessageContent):
    context: Context | None = None


class EditPayload(Payload):
    original_message_id: str
    message: EditedMessage | None = None


class MessageHeader(Payload):
    """What every inbound message has, whatever its content: enough to answer its sender."""

    id: str = Field(min_length=1)
    from_: str = Field(default="", alias="from")
    from_user_id: str = ""
    """The business-scoped user id (BSUID) of users with a username; `from` may then be ""."""
    timestamp: UnixTime
    type: str
    context: Context | None = None
    referral: Referral | None = None
    errors: list[LenientError] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_sender(self) -> MessageHeader:
        if not (self.from_ or self.from_user_id):
            raise ValueError("no sender: both 'from' and 'from_user_id' are empty")
        return self


class MessagePayload(MessageContent, MessageHeader):
    """One inbound message (`value.messages[]`)."""


LenientMessage = Annotated[MessagePayload | Invalid, _lenient(MessagePayload)]


# --- statuses --------------------------------------------------------------------------------


class StatusValue(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    PLAYED = "played"
    """First play of a voice message."""


class StatusPayload(Payload):
    """What happened to a message the business sent (`value.statuses[]`)."""

    id: str = Field(min_length=1)
    status: StatusValue
    timestamp: UnixTime
    recipient_id: str = ""
    recipient_user_id: str = ""
    biz_opaque_callback_data: str = ""
    errors: list[LenientError] = Field(default_factory=list)


LenientStatus = Annotated[StatusPayload | Invalid, _lenient(StatusPayload)]
LenientContact = Annotated[Contact | Invalid, _lenient(Contact)]


# --- envelope --------------------------------------------------------------------------------


class MessagesValue(Payload):
    """The `value` of a change whose `field` is "messages": messages, statuses or errors."""

    messaging_product: str = "whatsapp"
    metadata: Metadata
    contacts: list[LenientContact] = Field(default_factory=list)
    messages: list[LenientMessage] = Field(default_factory=list)
    statuses: list[LenientStatus] = Field(default_factory=list)
    errors: list[LenientError] = Field(default_factory=list)


class Change(Payload):
    """One change; its `value` is read as `MessagesValue` only when `field` is "messages"."""

    field: str
    value: Any = None

    def messages_value(self) -> MessagesValue | Invalid:
        try:
            return MessagesValue.model_validate(self.value)
        except ValidationError as error:
            return Invalid(raw=self.value, reason=describe_errors(error))


LenientChange = Annotated[Change | Invalid, _lenient(Change)]


class Entry(Payload):
    id: str = ""
    """The WhatsApp Business Account id."""
    changes: list[LenientChange] = Field(default_factory=list)


LenientEntry = Annotated[Entry | Invalid, _lenient(Entry)]


class WebhookPayload(Payload):
    """The whole POST body."""

    object: str
    entry: list[LenientEntry]


MessageContent.model_rebuild()
EditedMessage.model_rebuild()
MessagePayload.model_rebuild()
