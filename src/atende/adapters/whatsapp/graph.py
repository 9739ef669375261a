"""The WhatsApp gateway on the Graph API (Cloud API), over httpx.

A send either returns the wamid Meta assigned or raises `GraphApiError`, a `SendError` whose
kind (window closed, rate limited, …) `errors.failure_of` read from Meta's code; the code,
the details and Meta's trace id ride along for logs and operators.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from types import TracebackType
from typing import Any, NoReturn, Self

import httpx

from atende.application.failures import Failure, SendError
from atende.application.outbound import MediaBody, Outgoing, ReadReceipt
from atende.application.ports import WhatsAppGateway

from .errors import MEDIA_REFUSED_CODES, failure_of
from .render import RenderError, render, render_template

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)

REUPLOADS_REMEMBERED = 1024


def mask(wa_id: str) -> str:
    """A phone number (or user id) fit for a log line: only the last 4 characters show."""
    return "***" + wa_id[-4:] if len(wa_id) > 4 else "***"


class GraphApiError(SendError):
    """A Graph API request that failed, with what Meta said about it."""

    def __init__(
        self,
        message: str,
        *,
        failure: Failure = Failure.PERMANENT,
        code: int | None = None,
        status: int | None = None,
        details: str = "",
        error_type: str = "",
        subcode: int | None = None,
        fbtrace_id: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, failure, retry_after=retry_after, code=code)
        self.status = status
        """HTTP status, None when no answer came (network error, timeout)."""
        self.details = details
        """`error.error_data.details`: Meta's explanation, the part worth showing an operator."""
        self.error_type = error_type
        self.subcode = subcode
        self.fbtrace_id = fbtrace_id

    @classmethod
    def from_response(cls, response: httpx.Response) -> GraphApiError:
        """Parse Meta's `{"error": {...}}`; a body that is not one (a proxy's HTML page) still yields the status."""
        status = response.status_code
        error: Mapping[str, Any] = {}
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            error = body["error"]
        code = _int_or_none(error.get("code"))
        title = str(error.get("message") or response.reason_phrase or "error")
        data = error.get("error_data")
        details = str(data.get("details") or "") if isinstance(data, dict) else ""
        prefix = "" if code is None or f"#{code}" in title else f"(#{code}) "
        text = f"Graph API {status}: {prefix}{title}" + (f": {details}" if details else "")
        return cls(
            text,
            failure=failure_of(code, status),
            code=code,
            status=status,
            details=details,
            error_type=str(error.get("type") or ""),
            subcode=_int_or_none(error.get("error_subcode")),
            fbtrace_id=str(error.get("fbtrace_id") or ""),
            retry_after=_seconds(response.headers.get("retry-after")),
        )


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class GraphApiGateway(WhatsAppGateway):
    """Sends through `POST {base_url}/{phone_number_id}/messages`; also the media endpoints.

    Pass `client` to share a connection pool (it is then not closed here); otherwise one is
    created with `timeout`. Use as a context manager, or call `close()`.
    """

    def __init__(
        self,
        base_url: str,
        phone_number_id: str,
        access_token: str,
        *,
        client: httpx.Client | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> None:
        if not phone_number_id or not access_token:
            raise ValueError("the Graph API needs a phone number id and an access token")
        self.base_url = base_url.rstrip("/")
        self.phone_number_id = phone_number_id
        self._token = access_token
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(timeout=timeout or DEFAULT_TIMEOUT)
        self._timeout: float | httpx.Timeout | None = timeout
        self._base = httpx.URL(self.base_url)
        self._reuploaded = MediaRemembered()
        """Media ids Meta refused → the id of the same file uploaded again (30 days)."""

    def __repr__(self) -> str:  # never the token
        return f"GraphApiGateway({self.base_url!r}, phone_number_id={self.phone_number_id!r})"

    # -- sending ----------------------------------------------------------------------------

    def send(self, message: Outgoing) -> str:
        """Send one outbox entry; returns its wamid (`read:<outbox id>` for a read receipt, which has
        none: unique per entry, since one original may be marked read more than once).

        Media sent by the id a webhook gave is re-sent as is (it works on the same number within
        7 days, though Meta does not document it). When Meta refuses that id (131053, 131009),
        the file is downloaded and uploaded again, and the message sent once more with the new
        id; the use cases never learn of it. The old → new id pair is remembered, so relaying
        the same file again (to another agent, after a transfer) goes straight to the new id.
        """
        message = self._reuploaded.applied(message)
        try:
            return self._send(message)
        except GraphApiError as error:
            if not _refused_media_id(message, error):
                raise
            fresh = self._with_uploaded_media(message, error)
        return self._send(fresh)

    def _send(self, message: Outgoing) -> str:
        payload = rendered(message)
        kind = payload.get("type", "read")
        try:
            answer = self._post_json(f"{self.base_url}/{self.phone_number_id}/messages", payload)
        except GraphApiError as error:
            log.info("send %s %s to %s failed: %s", message.id, kind, mask(message.to), error)
            raise
        wamid = sent_id(message, answer)
        log.debug("sent %s %s to %s as %s", message.id, kind, mask(message.to), wamid)
        return wamid

    def _with_uploaded_media(self, message: Outgoing, refusal: GraphApiError) -> Outgoing:
        """The message with its media uploaded anew; the refusal itself if the file cannot be had."""
        body = message.body
        assert isinstance(body, MediaBody)
        media = body.media
        log.info("media %s refused (%s); downloading and uploading it again", media.media_id, refusal.code)
        try:
            url, mime_type = self.media_url(media.media_id)
            data = self.download(url)
            fresh_id = self.upload(data, _bare_mime(media.mime_type or mime_type), media.filename)
        except GraphApiError as error:
            reupload_failed(media.media_id, error, refusal)
        return self._reuploaded.remember(message, fresh_id)

    def send_template(
        self,
        to: str,
        name: str,
        language: str,
        parameters: Sequence[str] = (),
        *,
        buttons: Sequence[str] = (),
    ) -> str:
        """Send an approved template (reopens a closed 24-hour window); returns its wamid."""
        payload = render_template(to, name, language, parameters, buttons=buttons)
        try:
            answer = self._post_json(f"{self.base_url}/{self.phone_number_id}/messages", payload)
        except GraphApiError as error:
            log.info("template %s to %s failed: %s", name, mask(to), error)
            raise
        return _wamid(answer)

    # -- media ------------------------------------------------------------------------------

    def media_url(self, media_id: str) -> tuple[str, str]:
        """A short-lived (5 minutes) download address for a media id, and its MIME type."""
        response = self._request("GET", f"{self.base_url}/{media_id}", params={"phone_number_id": self.phone_number_id})
        return media_location(media_id, response)

    def download(self, url: str) -> bytes:
        """The bytes behind a media URL; a 404 means the URL expired, so ask `media_url` again."""
        check_token_target(self._base, url)
        return self._request("GET", url).content

    def upload(self, data: bytes, mime_type: str, filename: str) -> str:
        """Upload a file for this number; returns a media id valid for 30 days."""
        form = upload_form(data, mime_type, filename)
        return uploaded_id(self._request("POST", f"{self.base_url}/{self.phone_number_id}/media", **form))

    def delete_media(self, media_id: str) -> None:
        self._request("DELETE", f"{self.base_url}/{media_id}", params={"phone_number_id": self.phone_number_id})

    # -- plumbing ---------------------------------------------------------------------------

    def _post_json(self, url: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        return _json_object(self._request("POST", url, json=payload))

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One authenticated call; every failure, network or HTTP, comes out as GraphApiError."""
        headers = {"Authorization": f"Bearer {self._token}"}
        timeout = self._timeout if self._timeout is not None else httpx.USE_CLIENT_DEFAULT
        with graph_errors():
            response = self._client.request(method, url, headers=headers, timeout=timeout, **kwargs)
        if response.is_error:
            raise GraphApiError.from_response(response)
        return response

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _refused_media_id(message: Outgoing, error: GraphApiError) -> bool:
    body = message.body
    return (
        isinstance(body, MediaBody)
        and error.code in MEDIA_REFUSED_CODES
        and not body.media.media_id.startswith(("https://", "http://"))  # a link has no file to fetch
    )


def _bare_mime(mime_type: str) -> str:
    """The MIME type without parameters (audio/ogg for "audio/ogg; codecs=opus"), as uploads take it."""
    return mime_type.split(";", 1)[0].strip()


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as error:
        raise GraphApiError("Graph API answered with non-JSON", status=response.status_code) from error
    if not isinstance(body, dict):
        raise GraphApiError("Graph API answered with unexpected JSON", status=response.status_code)
    return body


def _wamid(answer: Mapping[str, Any]) -> str:
    """`messages[0].id`. A 2xx without one is not retried: Meta may well have accepted it."""
    messages = answer.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], dict) and messages[0].get("id"):
        return str(messages[0]["id"])
    raise GraphApiError("Graph API accepted the message but returned no id", status=200)


class MediaRemembered:
    """Old → new media ids of files uploaded again, the most recent `REUPLOADS_REMEMBERED`, so that
    relaying the same file again goes straight to the new id (both gateways keep one)."""

    def __init__(self) -> None:
        self._ids: OrderedDict[str, str] = OrderedDict()

    def applied(self, message: Outgoing) -> Outgoing:
        body = message.body
        if isinstance(body, MediaBody) and body.media.media_id in self._ids:
            return _with_media_id(message, self._ids[body.media.media_id])
        return message

    def remember(self, message: Outgoing, fresh_id: str) -> Outgoing:
        """The message with its media at `fresh_id`, remembered for the next relay of that file."""
        body = message.body
        assert isinstance(body, MediaBody)
        self._ids[body.media.media_id] = fresh_id
        while len(self._ids) > REUPLOADS_REMEMBERED:
            self._ids.popitem(last=False)
        return _with_media_id(message, fresh_id)


def _with_media_id(message: Outgoing, media_id: str) -> Outgoing:
    body = message.body
    assert isinstance(body, MediaBody)
    return replace(message, body=replace(body, media=replace(body.media, media_id=media_id)))


def rendered(message: Outgoing) -> dict[str, Any]:
    """The Graph payload of a message; one that cannot be rendered is a permanent send error."""
    try:
        return render(message)
    except RenderError as error:
        log.warning("outgoing %s cannot be sent: %s", message.id, error)
        raise GraphApiError(f"cannot render message: {error}") from error


def sent_id(message: Outgoing, answer: Mapping[str, Any]) -> str:
    """What a send answered: the wamid, or for a read receipt its acceptance."""
    if isinstance(message.body, ReadReceipt):
        if answer.get("success") is not True:
            raise GraphApiError(f"read receipt not accepted: {answer!r}", status=200)
        return f"read:{message.id}"
    return _wamid(answer)


def media_location(media_id: str, response: httpx.Response) -> tuple[str, str]:
    """What `GET /{media_id}` answered: the short-lived download address and the MIME type."""
    answer = _json_object(response)
    url = answer.get("url")
    if not isinstance(url, str) or not url:
        raise GraphApiError(f"media {media_id}: no url in the answer", status=response.status_code)
    return url, str(answer.get("mime_type") or "")


def upload_form(data: bytes, mime_type: str, filename: str) -> dict[str, Any]:
    """The multipart body of `POST /{phone_number_id}/media`."""
    return {
        "data": {"messaging_product": "whatsapp", "type": mime_type},
        "files": {"file": (filename or "file", data, mime_type)},
    }


def uploaded_id(response: httpx.Response) -> str:
    media_id = _json_object(response).get("id")
    if not media_id:
        raise GraphApiError("upload answered without a media id", status=response.status_code)
    return str(media_id)


def reupload_failed(media_id: str, error: GraphApiError, refusal: GraphApiError) -> NoReturn:
    """A refused media could not be uploaded again: raise the network's error (try the whole
    send later), or else Meta's refusal itself (the file cannot be had)."""
    log.info("media %s could not be uploaded again: %s", media_id, error)
    if error.retryable:
        raise error from refusal
    raise refusal from error


def check_token_target(base: httpx.URL, url: str) -> None:
    """The token goes only over TLS, or to the very host the gateway was pointed at (a local stand-in)."""
    target = httpx.URL(url)
    if target.scheme != "https" and (target.host, target.port) != (base.host, base.port):
        raise GraphApiError(f"refusing to send the access token to {target.scheme}://{target.host}")


@contextmanager
def graph_errors() -> Iterator[None]:
    """Network failures of one Graph call as GraphApiError (both gateways' `_request`)."""
    try:
        yield
    except httpx.TimeoutException as error:
        # Meta may have accepted a send whose answer timed out; the outbox retry is the
        # documented, narrow window for a duplicate (docs/design.md §7).
        raise GraphApiError(f"Graph API timed out ({type(error).__name__})", failure=Failure.RETRYABLE) from error
    except httpx.TransportError as error:
        raise GraphApiError(
            f"Graph API unreachable ({type(error).__name__}: {error})", failure=Failure.RETRYABLE
        ) from error
