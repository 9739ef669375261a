"""The Graph API client against the stand-in: real sockets on 127.0.0.1, no mocks.

Each test starts its own stand-in and closes it, so no server thread outlives a test.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from atende.adapters.clock import ManualClock
from atende.adapters.whatsapp.errors import failure_of, is_retryable
from atende.adapters.whatsapp.graph import GraphApiError, GraphApiGateway, mask
from atende.adapters.whatsapp.render import render, render_template
from atende.application.failures import Failure, SendError
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
from atende.domain.content import Media, MediaKind
from atende.standin import META_PAIR_LIMIT, GraphStandIn

MARIA = "5511987654321"
JOAO = "5521912345678"
DAY = timedelta(hours=24).total_seconds()
ORIGINAL = "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBQ0RFMDEyMzQ1Njc4OUFCQ0RFAA=="


def out(body: Body, to: str = MARIA, reply_to: str | None = None) -> Outgoing:
    return Outgoing("out-1", to, Audience.CUSTOMER, body, datetime(2026, 3, 2, 13, 0, tzinfo=UTC), reply_to=reply_to)


@pytest.fixture
def graph() -> Iterator[GraphStandIn]:
    with GraphStandIn() as standin:
        yield standin
    assert not [t for t in threading.enumerate() if t.name == "graph-standin"]


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One pool for the module: building an httpx client (its TLS context) costs more than a test."""
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def gateway(graph: GraphStandIn, http: httpx.Client) -> Iterator[GraphApiGateway]:
    with GraphApiGateway(graph.url, graph.phone_number_id, graph.access_token, client=http) as client:
        yield client


def send_error(gateway: GraphApiGateway, message: Outgoing) -> GraphApiError:
    with pytest.raises(GraphApiError) as caught:
        gateway.send(message)
    assert isinstance(caught.value, SendError)
    return caught.value


# -- success -----------------------------------------------------------------------------------


def test_a_send_returns_the_wamid_meta_gave(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    wamid = gateway.send(out(TextBody("Olá, Maria!")))
    [request] = graph.requests
    assert wamid.startswith("wamid.")
    assert wamid == request.wamid
    assert request.response["contacts"] == [{"input": "+" + MARIA, "wa_id": MARIA}]


def test_the_request_carries_the_bearer_and_the_exact_json(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    message = out(TextBody("Segue a segunda via."), reply_to=ORIGINAL)
    gateway.send(message)
    [request] = graph.requests
    assert request.method == "POST"
    assert request.path == f"/v24.0/{graph.phone_number_id}/messages"
    assert request.headers["authorization"] == f"Bearer {graph.access_token}"
    assert request.headers["content-type"] == "application/json"
    assert request.json == render(message)


def test_every_wamid_is_fresh(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    ids = {gateway.send(out(TextBody(f"mensagem {n}"))) for n in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize(
    "body",
    [
        TextBody("oi"),
        MenuBody("Escolha", "Setores", (Option("a", "A"), Option("b", "B"))),
        MenuBody("Escolha", "Setores", tuple(Option(f"o{n}", f"Setor {n}", "descrição") for n in range(12))),
        MediaBody(Media(MediaKind.IMAGE, "1479537139650973"), caption="💬 Maria #K7Q2"),
        MediaBody(Media(MediaKind.DOCUMENT, "1479537139650973", filename="boleto.pdf"), caption="boleto"),
        MediaBody(Media(MediaKind.AUDIO, "1479537139650973", mime_type="audio/ogg; codecs=opus", voice=True)),
        MediaBody(Media(MediaKind.STICKER, "1479537139650973"), caption="dropped"),
        ReactionBody(ORIGINAL, "❤️"),
        LocationBody(-23.561, -46.656, "Loja", "Av. Paulista, 1000"),
    ],
    ids=lambda body: type(body).__name__,
)
def test_the_stand_in_accepts_everything_render_produces(
    graph: GraphStandIn, gateway: GraphApiGateway, body: Body
) -> None:
    assert gateway.send(out(body, reply_to=ORIGINAL)).startswith("wamid.")
    assert graph.messages[0].json == render(out(body, reply_to=ORIGINAL))


def test_a_read_receipt_answers_success_and_gets_a_synthetic_id(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    receipt = out(ReadReceipt(ORIGINAL))
    assert gateway.send(receipt) == f"read:{receipt.id}"
    [request] = graph.requests
    assert request.json == {"messaging_product": "whatsapp", "status": "read", "message_id": ORIGINAL}
    assert request.response == {"success": True}


def test_a_template(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    wamid = gateway.send_template(MARIA, "atende_agente", "pt_BR", ["Ana"], buttons=["reopen:1"])
    [request] = graph.requests
    assert request.json == render_template(MARIA, "atende_agente", "pt_BR", ["Ana"], buttons=["reopen:1"])
    assert request.wamid == wamid
    assert request.response["messages"][0]["message_status"] == "accepted"


def test_records_per_recipient(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    gateway.send(out(TextBody("para Maria")))
    gateway.send(out(TextBody("para João"), to=JOAO))
    gateway.send(out(MediaBody(Media(MediaKind.IMAGE, "m1"), caption="foto"), to="+" + MARIA))
    gateway.send(out(MenuBody("Escolha", "Setores", (Option("a", "A"),))))
    assert [r.type for r in graph.requests_to(MARIA)] == ["text", "image", "interactive"]
    assert graph.texts_to("+" + MARIA) == ["para Maria", "foto", "Escolha"]
    assert graph.texts_to(JOAO) == ["para João"]


def test_an_injected_client_is_used_and_left_open(graph: GraphStandIn) -> None:
    with httpx.Client(timeout=2.0) as client:
        with GraphApiGateway(graph.url + "/", graph.phone_number_id, graph.access_token, client=client) as gateway:
            gateway.send(out(TextBody("oi")))
        assert not client.is_closed
        assert client.get(graph.origin + "/nowhere").status_code == 401


# -- failures ----------------------------------------------------------------------------------


def test_throughput_limit_is_retryable(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    graph.fail_next(code=130429, status=429)
    error = send_error(gateway, out(TextBody("oi")))
    assert (error.code, error.status, error.retryable) == (130429, 429, True)
    assert error.details == "Cloud API message throughput has been reached."
    assert error.failure is Failure.RATE_LIMITED
    assert error.fbtrace_id


def test_a_server_error_is_retryable(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    graph.fail_next(status=500)
    error = send_error(gateway, out(TextBody("oi")))
    assert (error.status, error.retryable) == (500, True)


def test_a_proxy_error_page_is_retryable(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    graph.fail_next(status=502, body="<html>Bad Gateway</html>")
    error = send_error(gateway, out(TextBody("oi")))
    assert (error.code, error.status, error.failure, error.retryable) == (None, 502, Failure.RETRYABLE, True)


def test_a_retry_after_from_meta_rides_along_with_the_rate_limit(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    graph.fail_next(code=130429, retry_after=30)
    error = send_error(gateway, out(TextBody("oi")))
    assert (error.failure, error.retry_after) == (Failure.RATE_LIMITED, 30.0)


def test_pair_rate_limit_is_retryable_with_its_code(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    graph.fail_next(code=131056, to=MARIA)
    assert gateway.send(out(TextBody("João passa"), to=JOAO)).startswith("wamid.")
    error = send_error(gateway, out(TextBody("oi")))
    assert (error.code, error.status, error.failure, error.retryable) == (131056, 400, Failure.RATE_LIMITED, True)
    assert "same recipient" in error.details
    assert gateway.send(out(TextBody("de novo"))).startswith("wamid.")
    assert [r.accepted for r in graph.requests_to(MARIA)] == [False, True]
    assert graph.texts_to(MARIA) == ["de novo"]


def test_a_closed_window_is_not_retryable(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    graph.fail_next(code=131047)
    error = send_error(gateway, out(TextBody("oi")))
    assert (error.code, error.retryable, error.failure) == (131047, False, Failure.WINDOW_CLOSED)
    assert str(error).startswith("Graph API 400: (#131047) Re-engagement message")


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (131026, Failure.UNREACHABLE),
        (131051, Failure.CONTENT_REFUSED),
        (131053, Failure.CONTENT_REFUSED),
        (131009, Failure.PERMANENT),
        (131008, Failure.PERMANENT),
        (131021, Failure.PERMANENT),
        (132001, Failure.PERMANENT),
        (100, Failure.PERMANENT),
    ],
)
def test_permanent_errors_are_not_retryable(
    graph: GraphStandIn, gateway: GraphApiGateway, code: int, kind: Failure
) -> None:
    graph.fail_next(code=code)
    error = send_error(gateway, out(TextBody("oi")))
    assert (error.code, error.failure, error.retryable) == (code, kind, False)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (131000, Failure.RETRYABLE),
        (131016, Failure.RETRYABLE),
        (133004, Failure.RETRYABLE),
        (131057, Failure.RETRYABLE),
        (1, Failure.RETRYABLE),
        (2, Failure.RETRYABLE),
        (4, Failure.RATE_LIMITED),
        (80007, Failure.RATE_LIMITED),
        (130429, Failure.RATE_LIMITED),
    ],
)
def test_temporary_errors_are_retryable(
    graph: GraphStandIn, gateway: GraphApiGateway, code: int, kind: Failure
) -> None:
    graph.fail_next(code=code, status=400)  # the code decides, whatever the status
    error = send_error(gateway, out(TextBody("oi")))
    assert (error.code, error.failure, error.retryable) == (code, kind, True)


def test_failures_count_down(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    graph.fail_next(2, code=130429)
    for _ in range(2):
        send_error(gateway, out(TextBody("oi")))
    assert gateway.send(out(TextBody("oi"))).startswith("wamid.")


def test_a_wrong_token_is_not_retryable(graph: GraphStandIn) -> None:
    with GraphApiGateway(graph.url, graph.phone_number_id, "expired-token") as gateway:
        error = send_error(gateway, out(TextBody("oi")))
    assert (error.code, error.status, error.retryable) == (190, 401, False)
    assert graph.messages == []


def test_an_unknown_phone_number_id_is_not_retryable(graph: GraphStandIn) -> None:
    with GraphApiGateway(graph.url, "999", graph.access_token) as gateway:
        error = send_error(gateway, out(TextBody("oi")))
    assert (error.code, error.subcode, error.retryable) == (100, 33, False)


def test_a_refused_connection_is_retryable() -> None:
    with GraphStandIn() as standin:
        url, number, token = standin.url, standin.phone_number_id, standin.access_token
    with GraphApiGateway(url, number, token) as gateway:
        error = send_error(gateway, out(TextBody("oi")))
    assert (error.code, error.status, error.retryable) == (None, None, True)
    assert "unreachable" in str(error)


def test_a_timeout_is_retryable() -> None:
    with (
        GraphStandIn(latency=0.3) as standin,
        GraphApiGateway(standin.url, standin.phone_number_id, standin.access_token, timeout=0.05) as gateway,
    ):
        error = send_error(gateway, out(TextBody("oi")))
    assert (error.status, error.retryable) == (None, True)
    assert "timed out" in str(error)


def test_an_unrenderable_message_is_not_sent(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    error = send_error(gateway, out(TextBody("   ")))
    assert error.retryable is False
    assert graph.requests == []


def test_the_stand_in_refuses_what_meta_refuses(graph: GraphStandIn) -> None:
    four_buttons = {
        "messaging_product": "whatsapp",
        "to": "+" + MARIA,
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Escolha"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": f"b{n}", "title": f"B{n}"}} for n in range(4)]},
        },
    }
    headers = {"Authorization": f"Bearer {graph.access_token}"}
    with httpx.Client() as client:
        answer = client.post(f"{graph.url}/{graph.phone_number_id}/messages", json=four_buttons, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 131009


def test_the_stand_in_enforces_24_hour_windows_on_the_clock_it_is_given(
    graph: GraphStandIn, gateway: GraphApiGateway
) -> None:
    clock = ManualClock(datetime(2026, 3, 6, 21, 30, tzinfo=UTC))  # a Friday evening
    graph.enforce_windows(clock.now)
    never = send_error(gateway, out(TextBody("quem é?")))
    graph.wrote(MARIA)  # now, by the clock
    gateway.send(out(TextBody("Recebemos sua mensagem")))
    clock.advance(DAY - 1)
    gateway.send(out(TextBody("ainda dentro da janela"), to="+" + MARIA))

    clock.advance(1)  # 24 h after she wrote: Monday is far away
    closed = send_error(gateway, out(TextBody("Bom dia!")))
    template = gateway.send(out(TemplateBody("atende_retorno", "pt_BR", ("Loja Exemplo", "Ana"))))
    receipt = gateway.send(out(ReadReceipt(ORIGINAL)))
    graph.wrote("+" + MARIA, clock.now())  # she answers the template
    reopened = gateway.send(out(TextBody("Bom dia!")))

    for error in (never, closed):
        assert (error.code, error.failure) == (131047, Failure.WINDOW_CLOSED)
    assert template.startswith("wamid.") and receipt.startswith("read:") and reopened.startswith("wamid.")
    assert graph.texts_to(MARIA) == ["Recebemos sua mensagem", "ainda dentro da janela", "Bom dia!"]
    graph.clear()
    assert gateway.send(out(TextBody("sem regras")))  # clear() forgets the rules


def test_windows_are_off_unless_asked(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    assert graph.window_open(MARIA)
    assert gateway.send(out(TextBody("oi")))


@pytest.mark.parametrize(
    ("template", "code", "details"),
    [
        ({"name": "t", "language": {"code": "pt_BR"}, "components": {"type": "body"}}, 100, "must be a list"),
        ({"name": "t", "language": {"code": "pt_BR"}, "components": [{"type": "footer"}]}, 100, "type is one of"),
        ({"name": "t", "language": {"code": "pt_BR"}, "components": [{"type": "body"}]}, 131008, "list of parameters"),
        (
            {
                "name": "t",
                "language": {"code": "pt_BR"},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": ""}]}],
            },
            131008,
            "missing text value",
        ),
        (
            {
                "name": "t",
                "language": {"code": "pt_BR"},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": "Loja\nExemplo"}]}],
            },
            100,
            "new-line/tab",
        ),
        (
            {
                "name": "t",
                "language": {"code": "pt_BR"},
                "components": [{"type": "button", "index": "0", "parameters": []}],
            },
            131008,
            "sub_type and index",
        ),
        ({"name": "t", "language": "pt_BR"}, 131008, "language.code"),
    ],
)
def test_the_stand_in_refuses_templates_meta_would_refuse(
    graph: GraphStandIn, template: dict[str, object], code: int, details: str
) -> None:
    body = {"messaging_product": "whatsapp", "to": "+" + MARIA, "type": "template", "template": template}
    headers = {"Authorization": f"Bearer {graph.access_token}"}
    with httpx.Client() as client:
        answer = client.post(f"{graph.url}/{graph.phone_number_id}/messages", json=body, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == code
    assert details in answer.json()["error"]["error_data"]["details"]


def test_the_stand_in_enforces_the_pair_rate_limit_when_asked() -> None:
    with (
        GraphStandIn(pair_limit=(3, 60.0)) as standin,
        GraphApiGateway(standin.url, standin.phone_number_id, standin.access_token) as gateway,
    ):
        for n in range(3):
            gateway.send(out(TextBody(f"rajada {n}")))
        error = send_error(gateway, out(TextBody("uma a mais")))
        assert gateway.send(out(TextBody("outra pessoa"), to=JOAO))
    assert (error.code, error.retryable) == (131056, True)
    assert META_PAIR_LIMIT == (45, 6.0)


def test_stopping_ends_idle_keep_alive_connections_and_every_thread() -> None:
    before = threading.active_count()
    with httpx.Client() as client:
        standin = GraphStandIn().start()
        headers = {"Authorization": f"Bearer {standin.access_token}"}
        assert client.get(f"{standin.url}/{standin.add_media(b'x', 'image/png')}", headers=headers).is_success
        started = time.monotonic()
        standin.stop()  # the client still holds its connection open
        assert time.monotonic() - started < 1.0
    assert threading.active_count() == before


def test_waiting_for_a_send_from_another_thread(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    sender = threading.Timer(0.05, gateway.send, [out(TextBody("mais tarde"))])
    sender.start()
    try:
        assert graph.wait_for(lambda requests: len(requests) == 1, timeout=5.0)
    finally:
        sender.join()
    assert graph.texts_to(MARIA) == ["mais tarde"]
    assert not graph.wait_for(lambda requests: len(requests) == 2, timeout=0.05)


def test_the_retry_rule() -> None:
    assert is_retryable(None, None)
    assert is_retryable(503, None)
    assert is_retryable(429, None)
    assert not is_retryable(404, None)
    assert not is_retryable(500, 131047)
    assert is_retryable(400, 131056)


def test_the_status_decides_only_when_the_code_is_unknown() -> None:
    assert failure_of(None, None) is Failure.RETRYABLE  # no answer came at all
    assert failure_of(None, 429) is Failure.RATE_LIMITED
    assert failure_of(None, 408) is Failure.RETRYABLE
    assert failure_of(None, 400) is Failure.PERMANENT
    assert failure_of(131047, 500) is Failure.WINDOW_CLOSED
    assert failure_of(131000, 400) is Failure.RETRYABLE


# -- media -------------------------------------------------------------------------------------

PICTURE = bytes(range(256)) * 40 + b"\r\n--boundary\r\n\r\n\x00"


def test_media_upload_url_download_round_trip(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    media_id = gateway.upload(PICTURE, "image/jpeg", "foto.jpg")
    assert media_id.isdigit()
    upload = graph.requests[-1]
    assert upload.path == f"/v24.0/{graph.phone_number_id}/media"
    assert upload.form == {"messaging_product": "whatsapp", "type": "image/jpeg"}
    assert upload.headers["authorization"] == f"Bearer {graph.access_token}"
    stored = graph.media(media_id)
    assert stored is not None and (stored.mime_type, stored.filename) == ("image/jpeg", "foto.jpg")

    url, mime_type = gateway.media_url(media_id)
    assert mime_type == "image/jpeg"
    assert url.startswith(graph.origin)
    assert graph.requests[-1].query == {"phone_number_id": graph.phone_number_id}
    assert gateway.download(url) == PICTURE
    assert graph.requests[-1].headers["authorization"] == f"Bearer {graph.access_token}"


def test_inbound_media_can_be_fetched_and_reuploaded(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    inbound = graph.add_media(b"OggS voice", "audio/ogg; codecs=opus")
    url, mime_type = gateway.media_url(inbound)
    fresh = gateway.upload(gateway.download(url), mime_type, "voice.ogg")
    assert fresh != inbound
    voice = Media(MediaKind.AUDIO, fresh, mime_type=mime_type, voice=True)
    assert gateway.send(out(MediaBody(voice))).startswith("wamid.")
    assert graph.messages[-1].json["audio"] == {"id": fresh, "voice": True}


def test_unknown_and_deleted_media(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    with pytest.raises(GraphApiError) as unknown:
        gateway.media_url("404404404")
    assert (unknown.value.code, unknown.value.retryable) == (100, False)
    media_id = gateway.upload(b"%PDF-1.7", "application/pdf", "boleto.pdf")
    url, _ = gateway.media_url(media_id)
    gateway.delete_media(media_id)
    with pytest.raises(GraphApiError) as gone:
        gateway.download(url)
    assert gone.value.status == 404


def test_the_token_never_travels_in_clear_to_another_host(graph: GraphStandIn, gateway: GraphApiGateway) -> None:
    with pytest.raises(GraphApiError) as refused:
        gateway.download("http://media.example.invalid/file")
    assert refused.value.retryable is False
    assert graph.requests == []


# -- logs --------------------------------------------------------------------------------------


def test_logs_hide_the_token_and_mask_numbers(
    graph: GraphStandIn, gateway: GraphApiGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="atende")
    gateway.send(out(TextBody("oi")))
    graph.fail_next(code=131047)
    send_error(gateway, out(TextBody("oi")))
    assert "4321" in caplog.text
    assert MARIA not in caplog.text
    assert graph.access_token not in caplog.text
    assert graph.access_token not in repr(gateway)
    assert mask(MARIA) == "***4321"
