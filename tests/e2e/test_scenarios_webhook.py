"""Scenarios through the production path: signed notifications in, Graph API requests out.

The headless player's default driver posts each step to the real webhook app as Meta would
and catches what atende sends on the Graph API stand-in. These tests check that every example
passes that way (and directly), that the stand-in saw the requests a phone would show, that
the notifications the driver builds are the ones the parser reads back, and that their
signatures are the real thing.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from atende.adapters.clock import ManualClock
from atende.adapters.whatsapp import StatusValue, parse_notification, verify_signature
from atende.adapters.whatsapp.render import render
from atende.application.arrivals import Arrival, Inbound, StatusReport
from atende.application.outbound import (
    Audience,
    Body,
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
from atende.cli.simulate import simulate
from atende.domain.content import Choice, Contacts, Content, Location, Media, MediaKind, Reaction, SharedContact, Text
from atende.simulator import capturing_gateway
from atende.simulator.boot import Boot
from atende.simulator.chat import Chats, Kind
from atende.simulator.cloud_api import (
    BusinessNumber,
    Status,
    Tap,
    encode,
    message_notification,
    read_receipt_target,
    received_bubble,
    status_notification,
)
from atende.simulator.headless import run_script
from atende.simulator.people import people_for
from atende.simulator.scenario_config import scenario_settings
from atende.simulator.scenario_file import load_scenario
from atende.simulator.webhook_driver import WebhookDriver
from atende.standin import GraphStandIn, RecordedRequest

from ..databases import throwaway
from ..fakes import Store
from .boots import in_memory

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "scenarios").glob("*.toml"))
BASIC = ROOT / "examples" / "scenarios" / "basic.toml"
NUMBER = BusinessNumber("106540352242922")
AT = datetime(2026, 3, 2, 13, 0, 7, tzinfo=UTC)


def play(
    path: Path, *, direct: bool = False, graph: GraphStandIn | None = None, boot: Boot = throwaway
) -> tuple[int, str]:
    console = Console(record=True, width=120, file=io.StringIO())
    code = run_script(path, console, boot=boot, direct=direct, graph=graph)
    return code, console.export_text()


def phones_of(path: Path) -> dict[str, str]:
    """Everyone's WhatsApp id in this scenario, by friendly name."""
    scenario = load_scenario(path)
    people = people_for(scenario, scenario_settings(scenario))
    return {person.name: person.phone for person in people}


def sent(graph: GraphStandIn, phone: str, kind: str) -> list[RecordedRequest]:
    return [r for r in graph.requests_to(phone) if r.accepted and r.type == kind]


# -- every example, both paths -------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_passes_through_the_webhook(example: Path, graph: GraphStandIn) -> None:
    code, output = play(example, graph=graph)

    assert code == 0, output
    assert "✓ all" in output
    messages = [r for r in graph.requests if r.is_message]
    assert messages, "nothing reached the Graph API stand-in"
    refused = [(r.status, r.json, r.response) for r in messages if not r.accepted]
    assert refused == []  # the stand-in is strict: every body atende rendered was valid
    # Numbers sent as docs/whatsapp.md §e says ("+" first); a BSUID goes as it is.
    assert all(r.to.startswith("+") or not r.to.isdigit() for r in messages if r.to)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_passes_directly(example: Path, graph: GraphStandIn) -> None:
    code, output = play(example, direct=True, graph=graph)

    assert code == 0, output
    assert graph.requests == []  # in-process: no HTTP at all


def test_the_basic_scenario_makes_the_requests_a_phone_would_show(graph: GraphStandIn) -> None:
    phones = phones_of(BASIC)
    ana, maria = phones["Ana"], phones["Maria"]

    code, output = play(BASIC, graph=graph)

    assert code == 0, output
    # The 🔔 that hands Maria to Ana, with what she wrote while waiting.
    [bell] = [t for t in graph.texts_to(ana) if t.startswith("🔔")]
    assert "segunda via do boleto" in bell
    # Maria's photo reaches Ana as an image, captioned with the relay header, by a real media id.
    [image] = sent(graph, ana, "image")
    caption = image.json["image"]["caption"]
    assert caption.startswith("💬 *Maria* #")
    assert "Comprovante do pagamento de fevereiro" in caption
    assert graph.media(image.json["image"]["id"]) is not None
    # Ana's document reaches Maria with its filename and caption.
    [document] = sent(graph, maria, "document")
    assert document.json["document"]["filename"] == "boleto-marco.pdf"
    assert document.json["document"]["caption"] == "Segunda via do boleto"
    # The department menu and the rating: reply buttons (three options each).
    menus = sent(graph, maria, "interactive")
    assert [m.json["interactive"]["type"] for m in menus] == ["button", "button"]
    # Maria's ❤️ on the document reaches Ana as a reaction on her own message.
    [reaction] = sent(graph, ana, "reaction")
    assert reaction.json["reaction"]["emoji"] == "❤️"
    assert reaction.json["reaction"]["message_id"].startswith("wamid.SIMIN")
    # Statuses were posted: reading a relayed copy sends blue ticks to its writer.
    receipts = [r for r in graph.messages if r.type == "read"]
    assert receipts
    assert all(r.json["message_id"].startswith("wamid.SIMIN") for r in receipts)
    assert "✓✓" in output


def test_the_cli_plays_both_paths() -> None:
    app = typer.Typer()
    app.command()(simulate)
    runner = CliRunner()

    default = runner.invoke(app, ["--script", str(BASIC), "--headless"])
    direct = runner.invoke(app, ["--script", str(BASIC), "--headless", "--direct"])

    assert default.exit_code == 0, default.output
    assert direct.exit_code == 0, direct.output
    assert "✓✓" in default.output  # read receipts exist only on the webhook path
    assert "✓✓" not in direct.output


def test_a_webhook_that_does_not_answer_200_stops_the_run(tmp_path: Path) -> None:
    """Storage fails: the webhook answers 503 so that Meta retries, and the player must say so."""
    config = (ROOT / "examples" / "atende.toml").as_posix()
    path = tmp_path / "s.toml"
    path.write_text(f'config = "{config}"\n[[step]]\ncustomer = "Maria"\nsays = "Oi"\n', encoding="utf-8")
    unstorable = Store()
    unstorable.broken["intake.add"] = RuntimeError("disk full")

    code, output = play(path, boot=in_memory(unstorable))

    assert code == 1
    assert "stopped at step 1" in output
    assert "WebhookRefused: the webhook answered 503" in output


def test_a_crash_handling_a_notification_stops_the_run_with_its_traceback(tmp_path: Path) -> None:
    """Handling a stored message fails: the intake sets it aside, and the player must still report it."""
    config = (ROOT / "examples" / "atende.toml").as_posix()
    path = tmp_path / "s.toml"
    path.write_text(f'config = "{config}"\n[[step]]\ncustomer = "Maria"\nsays = "Oi"\n', encoding="utf-8")
    crashing = Store()
    crashing.broken["inbox.first_time"] = RuntimeError("boom")

    code, output = play(path, boot=in_memory(crashing))

    assert code == 1
    assert "stopped at step 1" in output
    assert "atende raised RuntimeError: boom" in output
    assert "Traceback" in output


# -- notifications the driver builds -------------------------------------------------------------

MARIA = "5511987654321"


def inbound(content: Content, context_id: str | None = None) -> Inbound:
    return Inbound("wamid.SIMIN000042", MARIA, "Maria Silva", AT, content, context_id)


KINDS: dict[str, tuple[Inbound, Tap]] = {
    "text": (inbound(Text('Oi, tudo bem? Ação & "aspas" 😀')), Tap.LIST),
    "swipe-reply": (inbound(Text("esse aqui"), context_id="wamid.OUT1"), Tap.LIST),
    "list-reply": (inbound(Choice("dept:financeiro", "Financeiro"), context_id="wamid.MENU1"), Tap.LIST),
    "button-reply": (inbound(Choice("rating:good", "😀 Ótimo"), context_id="wamid.MENU2"), Tap.BUTTON),
    "image": (inbound(Media(MediaKind.IMAGE, "1001", "image/jpeg", "foto [quebrada]")), Tap.LIST),
    "audio": (inbound(Media(MediaKind.AUDIO, "1002", "audio/mpeg")), Tap.LIST),
    "voice": (inbound(Media(MediaKind.AUDIO, "1003", "audio/ogg; codecs=opus", voice=True)), Tap.LIST),
    "video": (inbound(Media(MediaKind.VIDEO, "1004", "video/mp4", "o vídeo")), Tap.LIST),
    "document": (inbound(Media(MediaKind.DOCUMENT, "1005", "application/pdf", "nota", "nf.pdf")), Tap.LIST),
    "sticker": (inbound(Media(MediaKind.STICKER, "1006", "image/webp")), Tap.LIST),
    "media-reply": (inbound(Media(MediaKind.IMAGE, "1007", "image/jpeg"), context_id="wamid.OUT2"), Tap.LIST),
    "location": (inbound(Location(-23.5614, -46.6559, "Loja", "Av. Paulista, 1000")), Tap.LIST),
    "current-location": (inbound(Location(-23.5, -46.6)), Tap.LIST),
    "reaction": (inbound(Reaction("wamid.OUT3", "❤️")), Tap.LIST),
    "reaction-removed": (inbound(Reaction("wamid.OUT3", "")), Tap.LIST),
    "contact": (inbound(Contacts((SharedContact("Ana Souza", ("5511912345678",)),))), Tap.LIST),
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_notification_for_each_content_kind_parses_back_to_the_same_inbound(kind: str) -> None:
    message, tap = KINDS[kind]
    notification = message_notification(message, NUMBER, tap=tap, sha256="c2hhMjU2")

    parsed = parse_notification(encode(notification))

    assert parsed.invalid == []
    [received] = parsed.messages
    assert received.inbound == message
    assert received.phone_number_id == NUMBER.phone_number_id
    value = notification["entry"][0]["changes"][0]["value"]
    assert notification["object"] == "whatsapp_business_account"
    assert value["contacts"] == [{"profile": {"name": "Maria Silva"}, "wa_id": MARIA}]
    assert value["messages"][0]["timestamp"] == str(int(AT.timestamp()))


def test_a_customer_with_a_username_is_posted_as_meta_posts_one_and_parses_back() -> None:
    """wa/samples/msg_text_username_bsuid.json: `from` and `wa_id` empty, the BSUID beside them."""
    bsuid = "BR.4f1c0a9e7b2d4e6f8a1b3c5d7e9f0a2b"
    message = Inbound("wamid.SIMIN000043", bsuid, "Rita Lopes", AT, Text("Oi"), sender_user_id=bsuid)

    notification = message_notification(message, NUMBER)
    statuses = status_notification([Status("wamid.A", StatusValue.DELIVERED, AT, bsuid)], NUMBER)

    value = notification["entry"][0]["changes"][0]["value"]
    assert value["contacts"] == [{"profile": {"name": "Rita Lopes"}, "wa_id": "", "user_id": bsuid}]
    assert (value["messages"][0]["from"], value["messages"][0]["from_user_id"]) == ("", bsuid)
    [received] = parse_notification(encode(notification)).messages
    assert received.inbound == message
    [status] = statuses["entry"][0]["changes"][0]["value"]["statuses"]
    assert (status["recipient_id"], status["recipient_user_id"]) == ("", bsuid)
    assert parse_notification(encode(statuses)).statuses[0].recipient == bsuid


def test_a_tap_answers_as_the_kind_of_menu_it_was_on() -> None:
    choice = inbound(Choice("dept:a", "A"), context_id="wamid.MENU")

    as_button = message_notification(choice, NUMBER, tap=Tap.BUTTON)["entry"][0]["changes"][0]["value"]
    as_row = message_notification(choice, NUMBER, tap=Tap.LIST)["entry"][0]["changes"][0]["value"]

    assert as_button["messages"][0]["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "dept:a", "title": "A"},
    }
    assert as_row["messages"][0]["interactive"]["type"] == "list_reply"
    assert as_row["messages"][0]["context"] == {"from": NUMBER.display_phone_number, "id": "wamid.MENU"}


def test_only_what_whatsapp_carries_goes_into_the_notification() -> None:
    voice = inbound(Media(MediaKind.AUDIO, "9", "audio/ogg; codecs=opus", caption="no caption on audio", voice=True))

    [message] = parse_notification(encode(message_notification(voice, NUMBER))).messages

    assert message.inbound.content == Media(MediaKind.AUDIO, "9", "audio/ogg; codecs=opus", voice=True)


def test_status_notifications_parse_back_to_the_same_statuses() -> None:
    statuses = [
        Status("wamid.A", StatusValue.SENT, AT, MARIA),
        Status("wamid.A", StatusValue.DELIVERED, AT, MARIA),
        Status("wamid.B", StatusValue.READ, AT, MARIA),
    ]

    parsed = parse_notification(encode(status_notification(statuses, NUMBER)))

    assert [(s.message_id, s.status, s.at, s.recipient) for s in parsed.statuses] == [
        (s.message_id, s.status, s.at, s.recipient) for s in statuses
    ]
    assert parsed.invalid == []


def test_the_body_is_compact_ascii_json_as_meta_sends_it() -> None:
    body = encode(message_notification(inbound(Text("ação 😀")), NUMBER))

    assert body.isascii()
    assert b"\\u00e7" in body
    assert b": " not in body


# -- the driver against the app: signatures, media, statuses -------------------------------------


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def driver(store: Store, graph: GraphStandIn) -> Iterator[WebhookDriver]:
    settings = scenario_settings(load_scenario(BASIC))
    boot = in_memory(store)
    with WebhookDriver.running(boot, settings, ManualClock(AT), Chats(), rng=random.Random(0), graph=graph) as running:
        yield running


def accepted(store: Store) -> list[Arrival]:
    """What the webhook stored, in the order it was stored."""
    return [arrival for arrival, _, _ in store.intake.values()]


def test_the_signature_the_driver_sends_verifies(driver: WebhookDriver) -> None:
    body, headers = driver.signed(message_notification(inbound(Text("Oi")), NUMBER))

    assert verify_signature(driver.app_secret, body, headers["x-hub-signature-256"])
    assert not verify_signature("another secret", body, headers["x-hub-signature-256"])
    # The app checks it: the same headers over a changed body are refused, the real pair accepted.
    assert driver.send_raw(body.replace(b"Oi", b"Ol"), headers).status_code == 401
    assert driver.send_raw(body, headers).status_code == 200


def test_media_a_person_sends_is_stored_on_the_stand_in_first(
    driver: WebhookDriver, store: Store, graph: GraphStandIn
) -> None:
    driver.start()
    photo = Media(MediaKind.IMAGE, "media.sim1", "image/jpeg", "foto")

    driver.write(Inbound("wamid.SIMIN000001", MARIA, "Maria", driver.now(), photo))

    [posted] = [a for a in accepted(store) if isinstance(a, Inbound)]
    assert isinstance(posted.content, Media)
    stored = graph.media(posted.content.media_id)
    assert stored is not None  # an id atende can fetch, as with a real phone's upload
    assert stored.mime_type == "image/jpeg"
    assert posted.content == replace(photo, media_id=posted.content.media_id)


def test_writing_reports_what_the_writer_had_received_as_read(driver: WebhookDriver, store: Store) -> None:
    driver.start()
    driver.write(Inbound("wamid.SIMIN000001", MARIA, "Maria", driver.now(), Text("Oi")))
    [menu] = [r for r in driver.graph.messages if r.to == f"+{MARIA}"]

    driver.write(Inbound("wamid.SIMIN000002", MARIA, "Maria", driver.now(), Text("1")))

    statuses = [(a.provider_id, a.status) for a in accepted(store) if isinstance(a, StatusReport)]
    assert statuses == [(menu.wamid, "sent"), (menu.wamid, "delivered"), (menu.wamid, "read")]


# -- Graph API requests as phones show them ------------------------------------------------------


BODIES: dict[str, Body] = {
    "text": TextBody("Olá, *Maria*!"),
    "buttons": MenuBody("Como foi?", "Avaliar", (Option("r:1", "Ótimo"), Option("r:2", "Ruim"))),
    "list": MenuBody(
        "Com qual setor?",
        "Ver setores",
        tuple(Option(f"dept:{n}", f"Setor {n}", f"descrição {n}") for n in range(1, 5)),
    ),
    "image": MediaBody(Media(MediaKind.IMAGE, "2001", "image/jpeg"), "💬 *Maria* #6P37\nfoto"),
    "document": MediaBody(Media(MediaKind.DOCUMENT, "2002", "application/pdf", filename="boleto.pdf"), "boleto"),
    "voice": MediaBody(Media(MediaKind.AUDIO, "2003", "audio/ogg; codecs=opus", voice=True)),
    "sticker": MediaBody(Media(MediaKind.STICKER, "2004", "image/webp")),
    "location": LocationBody(-23.56, -46.65, "Loja", "Av. Paulista, 1000"),
    "reaction": ReactionBody("wamid.SIMIN000003", "👍"),
    "template": TemplateBody("atende_agente", "pt_BR", ("Ana", "2")),
}


@pytest.mark.parametrize("name", BODIES)
def test_a_request_shows_on_the_phone_as_the_direct_path_shows_the_same_message(name: str) -> None:
    message = Outgoing("o1", MARIA, Audience.CUSTOMER, BODIES[name], AT, reply_to="wamid.SIMIN000001")

    via_graph = received_bubble(render(message), "wamid.X", AT, 3)
    direct = capturing_gateway.received_bubble("wamid.X", message.body, AT, 3, message.reply_to)

    if name == "buttons":  # reply buttons have no label: WhatsApp shows only the buttons
        assert via_graph == replace(direct, button="")
    elif name in ("reaction", "template"):  # WhatsApp refuses a quoted reaction and shows none on templates
        assert via_graph == replace(direct, quote=None)
    else:
        assert via_graph == direct


def test_a_list_keeps_its_rows_and_button_and_a_template_its_name() -> None:
    menu = received_bubble(render(Outgoing("o", MARIA, Audience.CUSTOMER, BODIES["list"], AT)), "w", AT, 1)
    template = received_bubble(render(Outgoing("o", MARIA, Audience.AGENT, BODIES["template"], AT)), "w", AT, 1)

    assert menu.kind is Kind.MENU
    assert menu.button == "Ver setores"
    assert [o.id for o in menu.options] == ["dept:1", "dept:2", "dept:3", "dept:4"]
    assert menu.plain().splitlines()[1] == "1. Setor 1 — descrição 1"
    assert template.kind is Kind.TEMPLATE
    assert template.plain() == "[template atende_agente] Ana · 2"


def test_a_read_receipt_marks_a_bubble_read_instead_of_showing_one() -> None:
    payload = render(Outgoing("o", MARIA, Audience.CUSTOMER, ReadReceipt("wamid.SIMIN000009"), AT))

    assert read_receipt_target(payload) == "wamid.SIMIN000009"
    assert read_receipt_target(render(Outgoing("o", MARIA, Audience.CUSTOMER, TextBody("x"), AT))) is None
