"""The WhatsApp gateway on the Graph API for many sends at once: httpx.AsyncClient, pooled.

The courier sends to many recipients concurrently from its own event loop; this speaks exactly
as `GraphApiGateway` does (same payloads, same errors, same re-upload of a refused media id),
awaiting each answer instead of holding a thread. The client is made in the event loop of the
first send and lives as long as the gateway (`aclose` in that same loop): several small pools
taken in turn, not one large one (see `PER_POOL`).
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import httpx

from atende.application.outbound import MediaBody, Outgoing
from atende.application.ports import AsyncWhatsAppGateway

from .graph import (
    DEFAULT_TIMEOUT,
    GraphApiError,
    MediaRemembered,
    _bare_mime,
    _json_object,
    _refused_media_id,
    check_token_target,
    graph_errors,
    mask,
    media_location,
    rendered,
    reupload_failed,
    sent_id,
    upload_form,
    uploaded_id,
)

log = logging.getLogger(__name__)

CONNECTIONS = 32
"""Connections to the Graph API, as many as the courier's sends in flight (`courier.CONCURRENCY`)."""

PER_POOL = 2
"""Connections per httpx pool. httpcore looks at every connection of its pool on each request,
so one pool of 32 costs ~1 ms of CPU a request; 16 pools of 2, taken in turn, send ~4× as many
requests a second on this machine (docs/benchmarks.md, the courier)."""


class AsyncGraphApiGateway(AsyncWhatsAppGateway):
    """Sends through `POST {base_url}/{phone_number_id}/messages` without blocking a thread."""

    def __init__(
        self,
        base_url: str,
        phone_number_id: str,
        access_token: str,
        *,
        timeout: float | httpx.Timeout | None = None,
        connections: int = CONNECTIONS,
    ) -> None:
        if not phone_number_id or not access_token:
            raise ValueError("the Graph API needs a phone number id and an access token")
        self.base_url = base_url.rstrip("/")
        self.phone_number_id = phone_number_id
        self._token = access_token
        self._timeout = timeout or DEFAULT_TIMEOUT
        self._pools = max(1, connections // PER_POOL)
        self._clients: list[httpx.AsyncClient] = []
        self._turns: itertools.cycle[httpx.AsyncClient] | None = None
        self._base = httpx.URL(self.base_url)
        self._reuploaded = MediaRemembered()

    def __repr__(self) -> str:  # never the token
        return f"AsyncGraphApiGateway({self.base_url!r}, phone_number_id={self.phone_number_id!r})"

    async def send(self, message: Outgoing) -> str:
        """As `GraphApiGateway.send`: a media id Meta refuses is uploaded again and sent once more."""
        message = self._reuploaded.applied(message)
        try:
            return await self._send(message)
        except GraphApiError as error:
            if not _refused_media_id(message, error):
                raise
            fresh = await self._with_uploaded_media(message, error)
        return await self._send(fresh)

    async def _send(self, message: Outgoing) -> str:
        payload = rendered(message)
        kind = payload.get("type", "read")
        try:
            response = await self._request("POST", f"{self.base_url}/{self.phone_number_id}/messages", json=payload)
        except GraphApiError as error:
            log.info("send %s %s to %s failed: %s", message.id, kind, mask(message.to), error)
            raise
        return sent_id(message, _json_object(response))

    async def _with_uploaded_media(self, message: Outgoing, refusal: GraphApiError) -> Outgoing:
        """As `GraphApiGateway._with_uploaded_media`, awaiting each call."""
        body = message.body
        assert isinstance(body, MediaBody)
        media = body.media
        log.info("media %s refused (%s); downloading and uploading it again", media.media_id, refusal.code)
        try:
            described = await self._request(
                "GET", f"{self.base_url}/{media.media_id}", params={"phone_number_id": self.phone_number_id}
            )
            url, mime_type = media_location(media.media_id, described)
            check_token_target(self._base, url)
            data = (await self._request("GET", url)).content
            form = upload_form(data, _bare_mime(media.mime_type or mime_type), media.filename)
            fresh_id = uploaded_id(await self._request("POST", f"{self.base_url}/{self.phone_number_id}/media", **form))
        except GraphApiError as error:
            reupload_failed(media.media_id, error, refusal)
        return self._reuploaded.remember(message, fresh_id)

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One authenticated call; every failure, network or HTTP, comes out as GraphApiError."""
        if self._turns is None:
            limits = httpx.Limits(max_connections=PER_POOL, max_keepalive_connections=PER_POOL)
            tls = httpx.create_ssl_context()  # one for all pools: loading the CA bundle costs ~25 ms
            self._clients = [
                httpx.AsyncClient(timeout=self._timeout, limits=limits, verify=tls) for _ in range(self._pools)
            ]
            self._turns = itertools.cycle(self._clients)
        headers = {"Authorization": f"Bearer {self._token}"}
        with graph_errors():
            response = await next(self._turns).request(method, url, headers=headers, **kwargs)
        if response.is_error:
            raise GraphApiError.from_response(response)
        return response

    async def aclose(self) -> None:
        clients, self._clients, self._turns = self._clients, [], None
        for client in clients:
            await client.aclose()
