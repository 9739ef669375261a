"""Templates in the outbox, and media re-sent by id with the download + upload fallback.

Against the Graph stand-in on 127.0.0.1: real requests, real multipart uploads, no mocks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Protocol

import httpx
import pytest

from atende.adapters.whatsapp.async_graph import AsyncGraphApiGateway
from atende.adapters.whatsapp.graph import GraphApiError, GraphApiGateway
from atende.adapters.whatsapp.render import render
from atende.application.outbound import Audience, Body, MediaBody, Outgoing, TemplateBody
from atende.domain.content import Media, MediaKind
from atende.standin import GraphStandIn

ANA = "5511900000001"
VOICE = b"OggS\x00\x02 a voice note"


def out(body: Body, to: str = ANA, reply_to: str | None = None) -> Outgoing:
    return Outgoing("out-1", to, Audience.AGENT, body, datetime(2026, 3, 2, 13, 0, tzinfo=UTC), reply_to=reply_to)


@pytest.fixture
def graph() -> Iterator[GraphStandIn]:
    with GraphStandIn() as standin:
        yield standin


class Sender(Protocol):
    def send(self, message: Outgoing) -> str: ...


class Awaited:
    """The courier's async gateway, called from a test: each send awaited in one event loop."""

    def __init__(self, gateway: AsyncGraphApiGateway) -> None:
        self.gateway = gateway
        self.runner = asyncio.Runner()

    def send(self, message: Outgoing) -> str:
        return self.runner.run(self.gateway.send(message))

    def close(self) -> None:
        self.runner.run(self.gateway.aclose())
        self.runner.close()


@pytest.fixture
def sync_gateway(graph: GraphStandIn) -> Iterator[GraphApiGateway]:
    with httpx.Client(timeout=5.0) as http:
        yield GraphApiGateway(graph.url, graph.phone_number_id, graph.access_token, client=http)


@pytest.fixture(params=["sync", "async"])
def gateway(request: pytest.FixtureRequest, graph: GraphStandIn, sync_gateway: Sender) -> Iterator[Sender]:
    """Both gateways send media the same way: the webhook's (blocking) and the courier's (async)."""
    if request.param == "sync":
        yield sync_gateway
        return
    awaited = Awaited(AsyncGraphApiGateway(graph.url, graph.phone_number_id, graph.access_token, timeout=5.0))
    yield awaited
    awaited.close()


# -- templates ---------------------------------------------------------------------------------


def test_a_template_body_renders_as_the_cloud_api_template() -> None:
    payload = render(out(TemplateBody("atende_agente", "pt_BR", ("Ana",)), reply_to="wamid.ignored"))
    assert payload == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+" + ANA,
        "type": "template",
        "template": {
            "name": "atende_agente",
            "language": {"policy": "deterministic", "code": "pt_BR"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "Ana"}]}],
        },
    }


def test_a_template_from_the_outbox_is_sent(graph: GraphStandIn, gateway: Sender) -> None:
    wamid = gateway.send(out(TemplateBody("atende_agente", "pt_BR", ("Ana",))))
    [request] = graph.requests
    assert request.type == "template" and request.accepted
    assert wamid == request.wamid
    assert request.response["messages"][0]["message_status"] == "accepted"


# -- media -------------------------------------------------------------------------------------


def voice(media_id: str) -> MediaBody:
    return MediaBody(Media(MediaKind.AUDIO, media_id, "audio/ogg; codecs=opus", voice=True))


def test_media_goes_by_its_inbound_id_when_meta_takes_it(graph: GraphStandIn, gateway: Sender) -> None:
    inbound = graph.add_media(VOICE, "audio/ogg; codecs=opus")
    gateway.send(out(voice(inbound)))
    [request] = graph.requests
    assert request.json["audio"] == {"id": inbound, "voice": True}


@pytest.mark.parametrize("code", [131053, 131009])
def test_a_refused_media_id_is_downloaded_uploaded_and_sent_again(
    graph: GraphStandIn, gateway: Sender, code: int
) -> None:
    inbound = graph.add_media(VOICE, "audio/ogg; codecs=opus", "nota.ogg")
    graph.fail_next(code=code)
    wamid = gateway.send(out(voice(inbound)))
    refused, info, download, upload, sent = graph.requests
    assert (refused.status, refused.json["audio"]["id"]) == (400, inbound)
    assert (info.method, info.path) == ("GET", f"/v24.0/{inbound}")
    assert download.path == f"/download/{inbound}"
    assert upload.path.endswith("/media") and upload.form["type"] == "audio/ogg"
    fresh = upload.response["id"]
    assert sent.json["audio"] == {"id": fresh, "voice": True}
    assert wamid == sent.wamid
    stored = graph.media(fresh)
    assert stored is not None and stored.data == VOICE


def test_a_refused_id_is_remembered(graph: GraphStandIn, gateway: Sender) -> None:
    """The same file relayed again (after a transfer, say) goes straight to the uploaded copy."""
    inbound = graph.add_media(VOICE, "audio/ogg")
    graph.fail_next(code=131053)
    gateway.send(out(voice(inbound)))
    fresh = graph.requests[-1].json["audio"]["id"]
    graph.clear()
    gateway.send(out(voice(inbound), to="5511900000002"))
    [request] = graph.requests
    assert request.json["audio"]["id"] == fresh


def test_when_the_file_is_gone_the_original_refusal_is_reported(graph: GraphStandIn, gateway: Sender) -> None:
    graph.fail_next(code=131053)
    with pytest.raises(GraphApiError) as caught:
        gateway.send(out(voice("404404404")))  # expired: the media endpoint no longer knows it
    assert (caught.value.code, caught.value.retryable) == (131053, False)


def test_other_errors_and_links_are_not_retried_by_upload(graph: GraphStandIn, gateway: Sender) -> None:
    inbound = graph.add_media(VOICE, "audio/ogg")
    graph.fail_next(code=131047)
    with pytest.raises(GraphApiError) as caught:
        gateway.send(out(voice(inbound)))
    assert caught.value.code == 131047
    graph.fail_next(code=131053)
    with pytest.raises(GraphApiError):
        gateway.send(out(MediaBody(Media(MediaKind.IMAGE, "https://example.com/a.jpg", "image/jpeg"))))
    assert [r.path.rsplit("/", 1)[-1] for r in graph.requests] == ["messages", "messages"]


def test_a_network_failure_during_the_fallback_is_worth_retrying(graph: GraphStandIn) -> None:
    """The download failing is not the file's fault: the courier should try the whole send later."""
    inbound = graph.add_media(VOICE, "audio/ogg")
    graph.fail_next(code=131053)
    with httpx.Client(timeout=5.0) as http:
        gateway = GraphApiGateway(graph.url, graph.phone_number_id, graph.access_token, client=http)
        real_download = gateway.download

        def unreachable(url: str) -> bytes:
            graph.stop()  # the connection goes away mid-fallback
            return real_download(url)

        gateway.download = unreachable  # type: ignore[method-assign]
        with pytest.raises(GraphApiError) as caught:
            gateway.send(out(voice(inbound)))
    assert caught.value.retryable
    assert isinstance(caught.value.__cause__, GraphApiError) and caught.value.__cause__.code == 131053
