"""Every webhook body in shared/wa/samples parses, and says what it should.

Each top-level JSON file is a case (the directory is globbed at test time, so a new sample is
picked up without touching this file). Every case must parse with nothing invalid, and must
account for every message and status in its raw JSON; the files named in `EXPECTED` are also
checked field by field. Then the malformed bodies a public endpoint will receive anyway.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from atende.adapters.whatsapp import (
    MalformedNotification,
    Notification,
    ReceivedMessage,
    StatusValue,
    parse_notification,
)
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
from tests.samples import WA_SAMPLES

SAMPLES = WA_SAMPLES
SAMPLE_FILES = sorted(SAMPLES.glob("*.json"))


@dataclass(frozen=True)
class Msg:
    """What one received message must look like."""

    id: str
    sender: str
    name: str
    type_name: str
    content: Content
    context_id: str | None = None
    forwarded: bool = False
    error_codes: tuple[int, ...] = ()


@dataclass(frozen=True)
class St:
    id: str
    status: StatusValue
    recipient: str
    error_codes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Expect:
    messages: tuple[Msg, ...] = ()
    statuses: tuple[St, ...] = ()
    errors: tuple[int, ...] = ()


def _got_messages(notification: Notification) -> tuple[Msg, ...]:
    return tuple(
        Msg(
            id=m.inbound.message_id,
            sender=m.inbound.sender,
            name=m.inbound.sender_name,
            type_name=m.type_name,
            content=m.inbound.content,
            context_id=m.inbound.context_id,
            forwarded=m.forwarded,
            error_codes=tuple(error.code for error in m.errors),
        )
        for m in notification.messages
    )


def _got_statuses(notification: Notification) -> tuple[St, ...]:
    return tuple(
        St(s.message_id, s.status, s.recipient, tuple(error.code for error in s.errors)) for s in notification.statuses
    )


PYWA = "972987654321"
PYWA_NAME = "Test Name"
BSUID = "user.4f1c0a9e7b2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f"
CUSTOMER_A = "16505551234"
AGENT = "16505550001"


def _pywa(type_name: str, content: Content, **more: Any) -> Expect:
    """Most pywa fixtures: one message "wamid.xyzxyz" from the same test user."""
    fields: dict[str, Any] = {"id": "wamid.xyzxyz", "sender": PYWA, "name": PYWA_NAME} | more
    return Expect(messages=(Msg(type_name=type_name, content=content, **fields),))


def _status(status: StatusValue, recipient: str = PYWA, *codes: int, id: str = "wamid.xyzxyz") -> Expect:
    return Expect(statuses=(St(id, status, recipient, codes),))


def _audio(voice: bool) -> Media:
    return Media(MediaKind.AUDIO, "1234567890987654321", "audio/ogg; codecs=opus", voice=voice)


def _sticker() -> Media:
    return Media(MediaKind.STICKER, "1234567890987654321", "image/webp")


EXPECTED: dict[str, Expect] = {
    "batch_multi_change_multi_item.json": Expect(
        messages=(
            Msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBRCQVRDSDAwMDFBQUFBQUFBQUFBQQA=",
                CUSTOMER_A,
                "Customer A",
                "text",
                Text("hello, I need help with my order"),
            ),
            Msg(
                "wamid.HBgLMTY1MDU1NTY3ODkVAgASGBRCQVRDSDAwMDJCQkJCQkJCQkJCQgA=",
                "16505556789",
                "Customer B",
                "text",
                Text("hi"),
            ),
        ),
        statuses=(
            St("wamid.HBgLMTY1MDU1NTAwMDEVAgARGBJCQVRDSFNUQVRVUzAwMDEA", StatusValue.DELIVERED, AGENT),
            St("wamid.HBgLMTY1MDU1NTAwMDEVAgARGBJCQVRDSFNUQVRVUzAwMDIA", StatusValue.READ, AGENT),
        ),
    ),
    "batch_multi_entry.json": Expect(
        messages=(
            Msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBRNVUxUSUVOVFJZMDAwMUFBQUFBQQA=",
                CUSTOMER_A,
                "Customer A",
                "text",
                Text("first"),
            ),
            Msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBRNVUxUSUVOVFJZMDAwMkFBQUFBQQA=",
                CUSTOMER_A,
                "Customer A",
                "text",
                Text("second"),
            ),
        ),
    ),
    "msg_audio.json": _pywa("audio", _audio(voice=False), forwarded=True),
    "msg_audio_voice.json": _pywa("audio", _audio(voice=True)),
    "msg_button_quick_reply_no_context.json": _pywa("button", Choice("callback_data", "title"), id="wamid.xsidjx"),
    "msg_button_template_quick_reply.json": _pywa(
        "button", Choice("callback_data", "title"), id="wamid.xsidjw", context_id="wamid.xyzxyz=="
    ),
    "msg_contacts.json": _pywa(
        "contacts",
        Contacts(
            (
                SharedContact("Chandler Bing", ("+1 555-555-5555",)),
                SharedContact("Monica", ("+1 666-666-6666",)),
                SharedContact("Rachel Green", ("+1 777-777-7777",)),
            )
        ),
    ),
    "msg_document.json": _pywa(
        "document",
        Media(MediaKind.DOCUMENT, "1234567890987654321", "application/pdf", "caption", "filename.pdf"),
        forwarded=True,
    ),
    # The sender does not match the only contact (pywa anonymised them apart): its name is used.
    "msg_edit.json": _pywa(
        "edit",
        Edited("wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=", "Updated image caption"),
        id="wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
        sender=CUSTOMER_A,
    ),
    "msg_image.json": _pywa("image", Media(MediaKind.IMAGE, "65463453", "image/jpeg")),
    "msg_image_with_url.json": _pywa("image", Media(MediaKind.IMAGE, "65463453", "image/jpeg")),
    "msg_interactive_button_reply.json": _pywa(
        "interactive", Choice("callback_data", "title"), context_id="wamid.xyzxyz"
    ),
    "msg_interactive_list_reply.json": _pywa(
        "interactive", Choice("callback_data", "title"), id="wamid.zyzxyz", context_id="wamid.xyzxyz"
    ),
    "msg_interactive_list_reply_description.json": _pywa(
        "interactive", Choice("callback_data", "title"), id="wamid.zyzxyz", context_id="wamid.xyzxyz"
    ),
    "msg_interactive_nfm_reply.json": _pywa(
        "interactive",
        Text("comment text: Comment Text\ndelivery rating: 4\npurchase rating: 2\nrecommend radio: 0\ncs rating: 0"),
        id="wamid.wegrchytvwcggt==",
        context_id="wamid.gvwegfretge==",
    ),
    # An interactive message Meta could not describe: the message survives, the error is kept.
    "msg_interactive_value_errors_131000.json": Expect(
        messages=(
            Msg(
                "wamid.wegrchytvwcggt=",
                PYWA,
                PYWA_NAME,
                "interactive",
                Unsupported("interactive"),
                context_id="wamid.gvwegfretge==",
            ),
        ),
        errors=(131000,),
    ),
    "msg_location_chosen.json": _pywa(
        "location",
        Location(37.4611978, -122.2164385, "Facebook HQ", "1 Hacker Way, Menlo Park, CA 94025"),
        forwarded=True,
    ),
    "msg_location_current.json": _pywa("location", Location(12.25089, 43.90539), forwarded=True),
    "msg_order.json": _pywa("order", Order("354160437058781", 7)),
    "msg_reaction.json": _pywa("reaction", Reaction("wamid.yzxyzx=", "😮")),
    "msg_reaction_removed_empty_emoji.json": _pywa("reaction", Reaction("wamid.yzxyzx=", "")),
    "msg_reaction_removed_no_emoji.json": _pywa("reaction", Reaction("wamid.yzxyzx=", "")),
    "msg_revoke_deleted.json": _pywa(
        "revoke",
        Revoked("<ORIGINAL_WHATSAPP_MESSAGE_ID>"),
        id="<WHATSAPP_MESSAGE_ID>",
        sender="<WHATSAPP_USER_PHONE_NUMBER>",
    ),
    "msg_sticker_animated.json": _pywa("sticker", _sticker()),
    "msg_sticker_static.json": _pywa("sticker", _sticker()),
    "msg_system_customer_identity_changed.json": _pywa("system", SystemNotice("User identity changed"), name="User A"),
    "msg_system_user_changed_number.json": _pywa(
        "system",
        SystemNotice("User A changed from 972987654321 to 972912345678", "972912345678"),
        id="wamid.xyzxyz==",
        name="",
    ),
    "msg_text.json": _pywa("text", Text("Body Text")),
    "msg_text_forwarded.json": _pywa("text", Text("forwarded text"), forwarded=True),
    "msg_text_frequently_forwarded.json": _pywa("text", Text("text forwarded many times"), forwarded=True),
    "msg_text_referral_ctwa.json": _pywa("text", Text("BODY"), id="wamid.ID"),
    "msg_text_reply_context.json": _pywa("text", Text("replied text"), context_id="wamid.xyzxyz=="),
    # `from` is "": the business-scoped id stands in, and the contact is matched on it.
    "msg_text_username_bsuid.json": Expect(
        messages=(
            Msg(
                "wamid.HBgLNTUxMTk4NzY1NDMyMRUCABIYFDNBQkNERUYwMTIzNDU2Nzg5QUJDAA==",
                BSUID,
                "Rita Lopes",
                "text",
                Text("Vocês entregam no sábado?"),
            ),
        )
    ),
    "msg_unsupported.json": _pywa("unsupported", Unsupported("Message type unknown"), error_codes=(131051,)),
    "msg_unsupported_with_type.json": _pywa("unsupported", Unsupported("pool"), error_codes=(131051,)),
    "msg_video.json": _pywa("video", Media(MediaKind.VIDEO, "765756756", "video/mp4", "caption"), forwarded=True),
    "relay_agent_reply_with_context.json": Expect(
        messages=(
            Msg(
                "wamid.HBgLMTY1MDU1NTAwMDEVAgASGBRBR0VOVFJFUExZMDAwMUFBQUFBQQA=",
                AGENT,
                "Agent Dana",
                "text",
                Text("Your refund was issued today."),
                context_id="wamid.HBgLMTY1MDU1NTAwMDEVAgARGBJSRUxBWUVEQ1VTVE9NRVIwMDEA",
            ),
        )
    ),
    "relay_agent_slash_command.json": Expect(
        messages=(
            Msg(
                "wamid.HBgLMTY1MDU1NTAwMDEVAgASGBRBR0VOVENNRDAwMDFBQUFBQUFBQQA=",
                AGENT,
                "Agent Dana",
                "text",
                Text("/next"),
            ),
        )
    ),
    "relay_department_list_reply.json": Expect(
        messages=(
            Msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBRERVBUUkVQTFkwMDAxQUFBQUFBQQA=",
                CUSTOMER_A,
                "Customer A",
                "interactive",
                Choice("dept:billing", "Billing"),
                context_id="wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJERVBUTUVOVTAwMDFBQUFBQQA=",
            ),
        )
    ),
    # A button on a superseded menu: still a Choice, and its context names the old menu.
    "relay_stale_button_reply_old_context.json": Expect(
        messages=(
            Msg(
                "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBRTVEFMRUJUTjAwMDFBQUFBQUFBQQA=",
                CUSTOMER_A,
                "Customer A",
                "interactive",
                Choice("dept:sales", "Sales"),
                context_id="wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJPTERNRU5VMDAwMDFBQUFBQQA=",
            ),
        )
    ),
    "status_delivered.json": _status(StatusValue.DELIVERED),
    # `recipient_id` is "": the business-scoped id stands in.
    "status_delivered_bsuid.json": _status(
        StatusValue.DELIVERED, BSUID, id="wamid.HBgLNTUxMTk4NzY1NDMyMRUCABEYEjQ1Njc4OUFCQ0RFRjAxMjM0NQA="
    ),
    "status_failed_130472.json": _status(StatusValue.FAILED, PYWA, 130472),
    "status_failed_131026_undeliverable.json": _status(
        StatusValue.FAILED, CUSTOMER_A, 131026, id="wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI0MTMxMDI2VU5ERUxJVkVSQUJMRQA="
    ),
    "status_failed_131047_reengagement.json": _status(
        StatusValue.FAILED, CUSTOMER_A, 131047, id="wamid.HBgLMTY1MDU1NTEyMzQVAgARGBIzQUVCMTQ3QTRGQjQ3NzQ3MDAA"
    ),
    "status_failed_131053_media_upload.json": _status(
        StatusValue.FAILED, CUSTOMER_A, 131053, id="wamid.HBgLMTY1MDU1NTEyMzQVAgARGBIxMzEwNTNNRURJQVVQTE9BRAA="
    ),
    "status_played.json": _status(StatusValue.PLAYED),
    "status_read.json": _status(StatusValue.READ),
    "status_sent.json": _status(StatusValue.SENT),
    "status_sent_biz_opaque_callback_data.json": _status(StatusValue.SENT),
    "value_errors_130429.json": Expect(errors=(130429,)),
}


def _raw_items(raw: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The messages or statuses of a raw body, found without the parser, to count against it."""
    return [
        item
        for entry in raw["entry"]
        for change in entry.get("changes", [])
        for item in change.get("value", {}).get(kind, [])
    ]


def test_the_samples_are_there() -> None:
    assert SAMPLE_FILES, f"no samples under {SAMPLES}; see tests/samples.py"


def test_every_expectation_names_a_sample() -> None:
    names = {path.name for path in SAMPLE_FILES}
    assert set(EXPECTED) <= names, "EXPECTED names samples that no longer exist"


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=[path.name for path in SAMPLE_FILES])
def test_sample(path: Path) -> None:
    body = path.read_bytes()
    raw = json.loads(body)
    notification = parse_notification(body)

    assert notification.invalid == []
    assert notification.ignored == []
    raw_messages, raw_statuses = _raw_items(raw, "messages"), _raw_items(raw, "statuses")
    assert [m.inbound.message_id for m in notification.messages] == [m["id"] for m in raw_messages]
    assert [s.message_id for s in notification.statuses] == [s["id"] for s in raw_statuses]
    for received, item in zip(notification.messages, raw_messages, strict=True):
        assert received.inbound.at == datetime.fromtimestamp(int(item["timestamp"]), UTC)
        assert received.inbound.at.tzinfo is UTC
        assert received.inbound.sender
        assert received.phone_number_id
    for status, item in zip(notification.statuses, raw_statuses, strict=True):
        assert status.at == datetime.fromtimestamp(int(item["timestamp"]), UTC)

    expected = EXPECTED.get(path.name)
    if expected is None:
        return  # a new sample: parsing cleanly and completely is all that is known about it
    assert _got_messages(notification) == expected.messages
    assert _got_statuses(notification) == expected.statuses
    assert tuple(error.code for error in notification.errors) == expected.errors


# --- details the table does not show ---------------------------------------------------------


def _parse(name: str) -> Notification:
    return parse_notification((SAMPLES / name).read_bytes())


def _only(name: str) -> ReceivedMessage:
    [message] = _parse(name).messages
    return message


def test_timestamp_is_aware_utc() -> None:
    assert _only("msg_text.json").inbound.at == datetime(2023, 10, 11, 16, 53, 43, tzinfo=UTC)


def test_phone_number_id_and_waba_come_from_the_envelope() -> None:
    message = _only("msg_text.json")
    assert (message.phone_number_id, message.waba_id) == ("1122334455667", "1234567890987654321")
    assert _parse("status_sent.json").statuses[0].phone_number_id == "1122334455667"


def test_bsuid_sender_keeps_both_ids() -> None:
    message = _only("msg_text_username_bsuid.json")
    assert (message.sender_phone, message.sender_user_id) == ("", BSUID)
    assert _only("msg_text.json").sender_user_id == "US.13491208655302741918"  # from the matched contact


def test_bsuid_status_keeps_both_ids() -> None:
    [status] = _parse("status_delivered_bsuid.json").statuses
    assert (status.recipient, status.recipient_user_id) == (BSUID, BSUID)


def test_forwarding_flags() -> None:
    assert (_only("msg_text_forwarded.json").frequently_forwarded, _only("msg_text_forwarded.json").forwarded) == (
        False,
        True,
    )
    assert _only("msg_text_frequently_forwarded.json").frequently_forwarded
    assert not _only("msg_text.json").forwarded
    assert _only("msg_text_forwarded.json").inbound.context_id is None  # forwarded-only context has no id


def test_referral_is_kept() -> None:
    message = _only("msg_text_referral_ctwa.json")
    assert (message.referral_headline, message.referral_source_url) == ("AD_TITLE", "AD_OR_POST_FB_URL")


def test_status_error_details() -> None:
    [status] = _parse("status_failed_131047_reengagement.json").statuses
    code, title, details = status.errors[0]
    assert (code, title) == (131047, "Re-engagement message")
    assert details.startswith("More than 24 hours")


def test_status_opaque_callback_data() -> None:
    assert _parse("status_sent_biz_opaque_callback_data.json").statuses[0].biz_opaque_callback_data == "some data"


def test_value_error_details() -> None:
    [error] = _parse("value_errors_130429.json").errors
    assert (error.code, error.title, error.message, error.details, error.phone_number_id) == (
        130429,
        "Rate limit hit",
        "Rate limit hit",
        "Cloud API message throughput has been reached.",
        "106540352242922",
    )


# --- built bodies: malformed, odd and partly broken ------------------------------------------


def _body(*values: dict[str, Any], field: str = "messages", entries: int = 1) -> bytes:
    changes = [{"field": field, "value": value} for value in values]
    entry = [{"id": "WABA", "changes": changes} for _ in range(entries)]
    return json.dumps({"object": "whatsapp_business_account", "entry": entry}).encode()


def _value(**items: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "PNID"}, **items}


def _text(id: str, sender: str = "5511999990000", timestamp: Any = "1750000000", **more: Any) -> dict[str, Any]:
    return {"from": sender, "id": id, "timestamp": timestamp, "type": "text", "text": {"body": id}} | more


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(b"{", "invalid JSON", id="truncated-json"),
        pytest.param(b"", "invalid JSON", id="empty"),
        pytest.param(b"\xff\xfe\xfa", "invalid JSON", id="not-utf8"),
        pytest.param(b"[" * 100_000, "invalid JSON", id="too-deep"),
        pytest.param(b"[]", "expected a JSON object", id="array"),
        pytest.param(b'"hello"', "expected a JSON object", id="string"),
        pytest.param(b"null", "expected a JSON object", id="null"),
        pytest.param(b'{"object": "page", "entry": []}', "object is 'page'", id="wrong-object"),
        pytest.param(b'{"entry": []}', "object is None", id="no-object"),
        pytest.param(b'{"object": "whatsapp_business_account"}', "no 'entry' list", id="no-entry"),
        pytest.param(b'{"object": "whatsapp_business_account", "entry": {}}', "no 'entry' list", id="entry-not-list"),
    ],
)
def test_malformed_bodies(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedNotification) as raised:
        parse_notification(body)
    assert reason in raised.value.reason


def test_empty_entry_list_is_an_empty_notification() -> None:
    assert parse_notification(b'{"object": "whatsapp_business_account", "entry": []}') == Notification()


def test_a_bad_timestamp_loses_only_its_own_message() -> None:
    body = _body(_value(messages=[_text("a"), _text("bad", timestamp="yesterday"), _text("c", timestamp=1750000002)]))
    notification = parse_notification(body)
    assert [m.inbound.message_id for m in notification.messages] == ["a", "c"]
    [invalid] = notification.invalid
    assert invalid.where == "entry[0].changes[0].value.messages[1]"
    assert "timestamp" in invalid.reason


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(_text("x", timestamp="99999999999999999999"), id="timestamp-out-of-range"),
        pytest.param(_text("x", timestamp="1.5"), id="timestamp-fraction"),
        pytest.param(_text("x", timestamp=True), id="timestamp-bool"),
        pytest.param({k: v for k, v in _text("x").items() if k != "id"}, id="no-id"),
        pytest.param(_text("", sender="5511999990000"), id="empty-id"),
        pytest.param(_text("x", sender=""), id="no-sender"),
        pytest.param("not an object", id="not-an-object"),
    ],
)
def test_an_unusable_message_is_reported_and_the_rest_survive(bad: Any) -> None:
    notification = parse_notification(_body(_value(messages=[bad, _text("ok")])))
    assert [m.inbound.message_id for m in notification.messages] == ["ok"]
    assert [item.where for item in notification.invalid] == ["entry[0].changes[0].value.messages[0]"]


def test_malformed_content_still_answers_the_sender_as_unsupported() -> None:
    broken = {
        "from": "5511999990000",
        "id": "img",
        "timestamp": "1750000000",
        "type": "image",
        "image": {"caption": "x"},
    }
    notification = parse_notification(_body(_value(messages=[broken, _text("ok")])))
    assert [m.inbound.content for m in notification.messages] == [Unsupported("image"), Text("ok")]
    [invalid] = notification.invalid
    assert "image.id" in invalid.reason


def test_bad_items_elsewhere_do_not_cost_their_siblings() -> None:
    good = _value(
        messages=[_text("m")],
        statuses=[
            {"id": "s1", "status": "deleted", "timestamp": "1750000000", "recipient_id": "1"},
            {"id": "s2", "status": "read", "timestamp": "1750000001", "recipient_id": "1"},
        ],
        errors=[{"code": "not a number"}, {"code": 131000, "title": "Something went wrong"}],
        contacts=[42, {"profile": {"name": "Maria"}, "wa_id": "5511999990000"}],
    )
    no_metadata = {"messages": [_text("lost")]}
    notification = parse_notification(_body(no_metadata, good))
    assert [m.inbound.message_id for m in notification.messages] == ["m"]
    assert notification.messages[0].inbound.sender_name == "Maria"
    assert [s.message_id for s in notification.statuses] == ["s2"]
    assert [e.code for e in notification.errors] == [131000]
    assert sorted(item.where for item in notification.invalid) == [
        "entry[0].changes[0].value",
        "entry[0].changes[1].value.contacts[0]",
        "entry[0].changes[1].value.errors[0]",
        "entry[0].changes[1].value.statuses[0]",
    ]


def test_bad_entries_and_changes_are_reported() -> None:
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                "junk",
                {"id": "W", "changes": ["junk", {"field": "messages", "value": _value(messages=[_text("m")])}]},
            ],
        }
    ).encode()
    notification = parse_notification(body)
    assert [m.inbound.message_id for m in notification.messages] == ["m"]
    assert [item.where for item in notification.invalid] == ["entry[0]", "entry[1].changes[0]"]


def test_every_entry_change_and_item_is_read() -> None:
    value = _value(messages=[_text("a"), _text("b")], statuses=[{"id": "s", "status": "sent", "timestamp": "1"}])
    notification = parse_notification(_body(value, value, entries=3))
    assert len(notification.messages) == 12
    assert len(notification.statuses) == 6


def test_other_fields_are_ignored_and_described() -> None:
    notification = parse_notification(_body({"event": "VERIFIED_ACCOUNT"}, field="account_update"))
    assert notification.messages == []
    assert notification.ignored == ["entry[0].changes[0]: field 'account_update' is not handled"]


def test_unknown_fields_are_tolerated() -> None:
    message = _text("a", brand_new_field={"x": 1}) | {"text": {"body": "a", "extra": True}}
    notification = parse_notification(_body(_value(messages=[message], something_new=[1, 2])))
    assert [m.inbound.content for m in notification.messages] == [Text("a")]
    assert notification.invalid == []


@pytest.mark.parametrize(
    ("message", "content"),
    [
        pytest.param({"type": "poll_creation", "poll_creation": {}}, Unsupported("poll_creation"), id="unknown-type"),
        pytest.param({"type": "text"}, Unsupported("text"), id="type-without-its-object"),
        pytest.param(
            {"type": "interactive", "interactive": {"type": "call_permission_reply"}},
            Unsupported("interactive.call_permission_reply"),
            id="unknown-interactive",
        ),
        pytest.param({"type": "unsupported"}, Unsupported("unsupported"), id="bare-unsupported"),
        pytest.param(
            {
                "type": "edit",
                "edit": {"original_message_id": "o", "message": {"type": "text", "text": {"body": "new"}}},
            },
            Edited("o", "new"),
            id="edited-text",
        ),
        pytest.param(
            {
                "type": "interactive",
                "interactive": {"type": "nfm_reply", "nfm_reply": {"response_json": "{", "body": "Sent"}},
            },
            Text("Sent"),
            id="flow-with-bad-json",
        ),
        pytest.param(
            {
                "type": "interactive",
                "interactive": {
                    "type": "nfm_reply",
                    "nfm_reply": {"response_json": json.dumps({"flow_token": "t", "size": ["M", "L"], "n": 2})},
                },
            },
            Text("size: M, L\nn: 2"),
            id="flow-lists-and-numbers",
        ),
        pytest.param(
            {
                "type": "contacts",
                "contacts": [{"name": {"first_name": "Ana", "last_name": "Lima"}, "phones": [{"wa_id": "55"}]}],
            },
            Contacts((SharedContact("Ana Lima", ("55",)),)),
            id="contact-without-formatted-name",
        ),
        pytest.param(
            {"type": "audio", "audio": {"id": "m", "caption": "not shown", "voice": True}},
            Media(MediaKind.AUDIO, "m", voice=True),
            id="audio-never-has-a-caption",
        ),
    ],
)
def test_content_edge_cases(message: dict[str, Any], content: Content) -> None:
    base = {"from": "5511999990000", "id": "x", "timestamp": "1750000000"}
    [received] = parse_notification(_body(_value(messages=[base | message]))).messages
    assert received.inbound.content == content


def test_long_flow_answers_are_cut() -> None:
    answers = json.dumps({"comment": "x" * 5000})
    message = {
        "from": "5511999990000",
        "id": "x",
        "timestamp": "1750000000",
        "type": "interactive",
        "interactive": {"type": "nfm_reply", "nfm_reply": {"response_json": answers}},
    }
    [received] = parse_notification(_body(_value(messages=[message]))).messages
    assert isinstance(received.inbound.content, Text)
    assert len(received.inbound.content.body) == 1000
    assert received.inbound.content.body.endswith("…")


def test_sender_name_matches_the_sender_among_several_contacts() -> None:
    contacts = [
        {"profile": {"name": "Ana"}, "wa_id": "1"},
        {"profile": {"name": "Bia"}, "wa_id": "", "user_id": "BR.2"},
    ]
    messages = [_text("a", sender="1"), _text("b", sender="", from_user_id="BR.2"), _text("c", sender="3")]
    notification = parse_notification(_body(_value(contacts=contacts, messages=messages)))
    assert [(m.inbound.sender, m.inbound.sender_name) for m in notification.messages] == [
        ("1", "Ana"),
        ("BR.2", "Bia"),
        ("3", ""),  # no match among several contacts: no name rather than someone else's
    ]
