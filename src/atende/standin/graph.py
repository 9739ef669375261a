"""A local Graph API: a real HTTP server on 127.0.0.1 that answers like Meta's Cloud API.

Tests, the simulator and benchmarks point `WHATSAPP_GRAPH_URL` at it and exercise the real
client, sockets and JSON included. It checks the bearer token, validates message bodies
against the documented limits (`strict`), answers with fresh `wamid.` ids, records every
request in arrival order, fails on demand with Meta-shaped errors, can enforce the pair rate
limit and throughput like Meta, and serves the media endpoints (upload, URL, download).

    with GraphStandIn() as graph:
        gateway = GraphApiGateway(graph.url, graph.phone_number_id, graph.access_token)
        graph.fail_next(code=131056, to="5511987654321")
        ...
        assert graph.texts_to("5511987654321") == ["Olá!"]
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import logging
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger(__name__)

DEFAULT_VERSION = "v24.0"
META_PAIR_LIMIT = (45, 6.0)
"""Meta's pair rate limit: bursts of 45, then one message every 6 s to the same user."""

_VERSION = re.compile(r"v\d+\.\d+")

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

_MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
_MESSAGE_TYPES = (*_MEDIA_TYPES, "text", "interactive", "reaction", "location", "template", "contacts")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stand-in saw it, with the answer it gave."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Lower-case header names."""
    json: Any
    """The parsed JSON body, or None."""
    form: dict[str, str]
    """Multipart fields other than the file (uploads)."""
    status: int
    response: Any

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def is_message(self) -> bool:
        """A send to `/messages` (read receipts included)."""
        return self.method == "POST" and self.path.endswith("/messages")

    @property
    def to(self) -> str | None:
        return self.json.get("to") if isinstance(self.json, dict) else None

    @property
    def type(self) -> str | None:
        """The message type, "read" for a read receipt."""
        if not isinstance(self.json, dict):
            return None
        return "read" if self.json.get("status") == "read" else self.json.get("type")

    @property
    def wamid(self) -> str | None:
        if self.accepted and isinstance(self.response, dict) and self.response.get("messages"):
            return str(self.response["messages"][0]["id"])
        return None

    @property
    def text(self) -> str | None:
        """What the recipient reads: a text's body, an interactive's body, a media caption."""
        payload = self.json if isinstance(self.json, dict) else {}
        kind = payload.get("type")
        obj = payload.get(kind) if isinstance(kind, str) else None
        if not isinstance(obj, dict):
            return None
        if kind == "text":
            return obj.get("body")
        if kind == "interactive":
            body = obj.get("body")
            return body.get("text") if isinstance(body, dict) else None
        return obj.get("caption")


@dataclass(frozen=True)
class StoredMedia:
    data: bytes
    mime_type: str
    filename: str = ""

    @property
    def sha256(self) -> str:
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()


@dataclass
class _Failure:
    remaining: int
    to: str | None
    code: int
    status: int
    message: str
    details: str
    body: str | None


@dataclass
class _Bucket:
    """A token bucket: `capacity` at once, then one token every `interval` seconds."""

    capacity: float
    interval: float
    tokens: float = field(init=False)
    last: float = field(init=False, default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) / self.interval)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    payload: Any = None


def _digits(wa_id: str) -> str:
    return wa_id.strip().removeprefix("+")


def _length(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


class GraphStandIn:
    """Meta's Graph API for messages and media, on a free port of 127.0.0.1, in a background thread."""

    def __init__(
        self,
        *,
        access_token: str = "standin-token",
        phone_number_id: str = "106540352242922",
        version: str = DEFAULT_VERSION,
        strict: bool = True,
        latency: float = 0.0,
        pair_limit: tuple[int, float] | None = None,
        throughput: int | None = None,
        port: int = 0,
    ) -> None:
        self.access_token = access_token
        self.requested_port = port
        """0 picks a free port (tests); a fixed one suits a stand-in run by hand."""
        self.phone_number_id = phone_number_id
        self.version = version
        self.strict = strict
        """Refuse bodies that break the documented limits, as Meta does (131009/131008/100)."""
        self.latency = latency
        """Seconds to wait before every answer, to make the network visible."""
        self.pair_limit = pair_limit
        """(burst, seconds per message) per recipient, e.g. META_PAIR_LIMIT; None: unlimited."""
        self.throughput = throughput
        """Messages per second over all recipients before 130429; None: unlimited."""
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._records: list[RecordedRequest] = []
        self._failures: list[_Failure] = []
        self._media: dict[str, StoredMedia] = {}
        self._pairs: dict[str, _Bucket] = {}
        self._global: _Bucket | None = None
        self._sequence = itertools.count(1)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the stand-in is already running")
        self._server = _Server(self, self.requested_port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="graph-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end open keep-alive connections and wait for every handler thread."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        server.drop_connections()
        server.server_close()
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the stand-in is not running")
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The base to use as WHATSAPP_GRAPH_URL, version included."""
        return f"{self.origin}/{self.version}"

    # -- programming failures and media -----------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        *,
        code: int | None = None,
        status: int | None = None,
        to: str | None = None,
        message: str | None = None,
        details: str | None = None,
        body: str | None = None,
    ) -> None:
        """Make the next `n` sends (to `to` only, if given) fail with Meta's error `code`.

        The HTTP status, message and details default to what Meta sends for that code
        (`ERRORS`); with only a `status`, the code is 131000 for 5xx and 100 otherwise. `body`
        replaces the JSON entirely (e.g. a proxy's HTML error page).
        """
        if code is None and status is None:
            raise ValueError("fail_next needs a code or an HTTP status")
        if code is None:
            code = 131000 if status is not None and status >= 500 else 100
        known_status, known_message, known_details = ERRORS.get(code, (400, f"(#{code}) Error", ""))
        failure = _Failure(
            remaining=n,
            to=_digits(to) if to else None,
            code=code,
            status=status if status is not None else known_status,
            message=message if message is not None else known_message,
            details=details if details is not None else known_details,
            body=body,
        )
        with self._lock:
            self._failures.append(failure)

    def add_media(self, data: bytes, mime_type: str, filename: str = "") -> str:
        """Store media as if a user had sent it; returns its media id (for inbound webhooks)."""
        with self._lock:
            return self._store_media(StoredMedia(data, mime_type, filename))

    def media(self, media_id: str) -> StoredMedia | None:
        with self._lock:
            return self._media.get(media_id)

    # -- what was received ------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, in arrival order."""
        with self._lock:
            return list(self._records)

    @property
    def messages(self) -> list[RecordedRequest]:
        """Every accepted send, in order."""
        return [r for r in self.requests if r.is_message and r.accepted]

    def requests_to(self, wa_id: str) -> list[RecordedRequest]:
        """Every send to this recipient (with or without "+"), refused attempts included."""
        target = _digits(wa_id)
        return [r for r in self.requests if r.is_message and r.to is not None and _digits(r.to) == target]

    def texts_to(self, wa_id: str) -> list[str]:
        """The words this recipient was given, in order: texts, menu bodies and captions that were accepted."""
        return [r.text for r in self.requests_to(wa_id) if r.accepted and r.text is not None]

    def wait_for(self, condition: Callable[[Sequence[RecordedRequest]], bool], timeout: float = 5.0) -> bool:
        """Block until `condition(requests)` holds (senders run in other threads); False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: condition(self._records), timeout)

    def clear(self) -> None:
        """Forget recorded requests and pending failures; stored media stays."""
        with self._lock:
            self._records.clear()
            self._failures.clear()
            self._pairs.clear()
            self._global = None

    # -- serving ----------------------------------------------------------------------------

    def _handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Reply:
        split = urlsplit(target)
        query = dict(parse_qsl(split.query))
        parts = [p for p in split.path.split("/") if p]
        if parts and _VERSION.fullmatch(parts[0]):
            parts = parts[1:]
        payload: Any = None
        form: dict[str, str] = {}
        content_type = headers.get("content-type", "")
        with self._changed:
            if content_type.startswith("application/json"):
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = None
            reply, form = self._route(
                method, parts, query, headers, content_type=content_type, body=body, payload=payload
            )
            self._records.append(
                RecordedRequest(method, split.path, query, headers, payload, form, reply.status, reply.payload)
            )
            self._changed.notify_all()
        return reply

    def _route(
        self,
        method: str,
        parts: list[str],
        query: dict[str, str],
        headers: dict[str, str],
        *,
        content_type: str,
        body: bytes,
        payload: Any,
    ) -> tuple[_Reply, dict[str, str]]:
        if headers.get("authorization") != f"Bearer {self.access_token}":
            return _error(190, 401, ERRORS[190][1]), {}
        match method, parts:
            case "GET", ["download", media_id]:
                return self._download(media_id), {}
            case "POST", [number, "messages"]:
                if number != self.phone_number_id:
                    return _unknown_object(number, "post"), {}
                return self._send(payload), {}
            case "POST", [number, "media"]:
                if number != self.phone_number_id:
                    return _unknown_object(number, "post"), {}
                return self._upload(content_type, body)
            case "GET", [media_id]:
                return self._media_info(media_id, query), {}
            case "DELETE", [media_id]:
                if self._owned(media_id, query) is None:
                    return _unknown_object(media_id, "delete"), {}
                del self._media[media_id]
                return _json(200, {"success": True}), {}
        return _error(2500, 400, f"Unknown path components: /{'/'.join(parts)}"), {}

    def _send(self, payload: Any) -> _Reply:
        if not isinstance(payload, dict):
            return _error(100, 400, "(#100) Invalid parameter", "The request body is not a JSON object.")
        to = payload.get("to")
        recipient = _digits(to) if isinstance(to, str) else None
        for failure in self._failures:
            if failure.remaining > 0 and (failure.to is None or failure.to == recipient):
                failure.remaining -= 1
                if failure.body is not None:
                    return _Reply(failure.status, failure.body.encode(), "text/html; charset=utf-8")
                return _error(failure.code, failure.status, failure.message, failure.details)
        self._failures = [f for f in self._failures if f.remaining > 0]
        if self.strict and (problem := problem_in(payload)) is not None:
            code, details = problem
            return _error(code, 400, ERRORS[code][1], details)
        if payload.get("status") == "read":
            return _json(200, {"success": True})
        if not isinstance(to, str) or recipient is None:  # only when not strict
            return _error(131008, 400, ERRORS[131008][1], "to is required")
        if self.throughput is not None:
            if self._global is None:
                self._global = _Bucket(self.throughput, 1.0 / self.throughput)
            if not self._global.take():
                return _known_error(130429)
        if self.pair_limit is not None:
            burst, interval = self.pair_limit
            bucket = self._pairs.setdefault(recipient, _Bucket(burst, interval))
            if not bucket.take():
                return _known_error(131056)
        wamid = self._new_wamid(recipient)
        answer: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": recipient}],
            "messages": [{"id": wamid}],
        }
        if payload.get("type") == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return _json(200, answer)

    def _new_wamid(self, recipient: str) -> str:
        raw = f"{recipient}:{next(self._sequence)}:{uuid.uuid4().hex[:20].upper()}"
        return "wamid." + base64.b64encode(raw.encode()).decode()

    def _store_media(self, media: StoredMedia) -> str:
        media_id = str(1_000_000_000_000_000 + next(self._sequence) * 7919 + uuid.uuid4().int % 7919)
        self._media[media_id] = media
        return media_id

    def _upload(self, content_type: str, body: bytes) -> tuple[_Reply, dict[str, str]]:
        fields, files = _multipart(content_type, body)
        if fields.get("messaging_product") != "whatsapp":
            return _error(100, 400, "(#100) The parameter messaging_product is required."), fields
        if "file" not in files:
            return _error(100, 400, "(#100) The parameter file is required."), fields
        filename, part_type, data = files["file"]
        mime_type = fields.get("type") or part_type
        if not mime_type or mime_type == "application/octet-stream":
            return _error(131053, 400, ERRORS[131053][1], "Unknown media type."), fields
        media_id = self._store_media(StoredMedia(data, mime_type, filename))
        return _json(200, {"id": media_id}), fields

    def _owned(self, media_id: str, query: dict[str, str]) -> StoredMedia | None:
        number = query.get("phone_number_id")
        if number is not None and number != self.phone_number_id:
            return None
        return self._media.get(media_id)

    def _media_info(self, media_id: str, query: dict[str, str]) -> _Reply:
        media = self._owned(media_id, query)
        if media is None:
            return _unknown_object(media_id, "get")
        return _json(
            200,
            {
                "messaging_product": "whatsapp",
                "url": f"{self.origin}/download/{media_id}?hash={hashlib.sha256(media.data).hexdigest()[:16]}",
                "mime_type": media.mime_type,
                "sha256": media.sha256,
                "file_size": str(len(media.data)),
                "id": media_id,
            },
        )

    def _download(self, media_id: str) -> _Reply:
        media = self._media.get(media_id)
        if media is None:
            return _Reply(404, b"Not Found", "text/plain")
        return _Reply(200, media.data, media.mime_type)


def _json(status: int, payload: Any) -> _Reply:
    return _Reply(status, json.dumps(payload).encode(), "application/json", payload)


def _error(code: int, status: int, message: str, details: str = "", subcode: int | None = None) -> _Reply:
    """Meta's error shape (samples/send_api/error_*.json)."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    error["fbtrace_id"] = "A" + uuid.uuid4().hex[:22]
    return _json(status, {"error": error})


def _known_error(code: int) -> _Reply:
    status, message, details = ERRORS[code]
    return _error(code, status, message, details)


def _unknown_object(object_id: str, verb: str) -> _Reply:
    return _error(
        100,
        400,
        f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation.",
        subcode=33,
    )


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
    """multipart/form-data, byte-exact: (fields, files as name → (filename, content type, data))."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    if not content_type.startswith("multipart/form-data") or match is None:
        return fields, files
    delimiter = b"--" + match.group(1).encode()
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        data = data.removesuffix(b"\r\n")
        part_headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in head.decode("utf-8", "replace").split("\r\n"))
        }
        params = dict(re.findall(r'(\w+)="([^"]*)"', part_headers.get("content-disposition", "")))
        name = params.get("name", "")
        if "filename" in params:
            files[name] = (params["filename"], part_headers.get("content-type", ""), data)
        else:
            fields[name] = data.decode("utf-8", "replace")
    return fields, files


def problem_in(payload: dict[str, Any]) -> tuple[int, str] | None:
    """What Meta would refuse in this body, as (code, details); None when it is well formed."""
    if payload.get("messaging_product") != "whatsapp":
        return 100, "messaging_product must be 'whatsapp'"
    if payload.get("status") == "read":
        if not payload.get("message_id"):
            return 131008, "message_id is required"
        return None
    to = payload.get("to")
    if not isinstance(to, str) or not to:
        return 131008, "to is required"
    if payload.get("recipient_type", "individual") != "individual":
        return 100, "recipient_type must be 'individual'"
    kind = payload.get("type", "text")
    if kind not in _MESSAGE_TYPES:
        return 131009, f"unknown message type {kind!r}"
    obj = payload.get(kind)
    if not isinstance(obj, dict):
        return 131008, f"the {kind} object is required"
    if "context" in payload:
        context = payload["context"]
        if kind == "reaction":
            return 131009, "a reaction cannot carry a context"
        if not isinstance(context, dict) or not context.get("message_id"):
            return 131008, "context.message_id is required"
    if kind == "text":
        return _text_problem(obj.get("body"), "text.body", 4096)
    if kind in _MEDIA_TYPES:
        return _media_problem(kind, obj)
    if kind == "interactive":
        return _interactive_problem(obj)
    if kind == "reaction" and (not obj.get("message_id") or not isinstance(obj.get("emoji"), str)):
        return 131008, "reaction needs message_id and emoji"
    if kind == "location":
        for key in ("latitude", "longitude"):
            if isinstance(obj.get(key), bool) or not isinstance(obj.get(key), int | float):
                return 131008, f"location.{key} is required"
    if kind == "template":
        language = obj.get("language")
        if not obj.get("name") or not isinstance(language, dict) or not language.get("code"):
            return 131008, "template needs a name and language.code"
    return None


def _text_problem(value: Any, where: str, limit: int, *, required: bool = True) -> tuple[int, str] | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        return 131008, f"{where} is required"
    if _length(value) > limit:
        return 131009, f"{where} is longer than {limit} characters"
    return None


def _media_problem(kind: str, obj: dict[str, Any]) -> tuple[int, str] | None:
    if ("id" in obj) == ("link" in obj):
        return 131009, f"{kind} takes exactly one of id or link"
    if "caption" in obj:
        if kind not in ("image", "video", "document"):
            return 131009, f"{kind} cannot have a caption"
        return _text_problem(obj["caption"], f"{kind}.caption", 1024)
    if "filename" in obj and kind != "document":
        return 131009, "only a document has a filename"
    if "voice" in obj and kind != "audio":
        return 131009, "only audio can be a voice note"
    return None


def _interactive_problem(obj: dict[str, Any]) -> tuple[int, str] | None:
    kind = obj.get("type")
    action = obj.get("action")
    if not isinstance(action, dict):
        return 131008, "interactive.action is required"
    body = obj.get("body")
    if kind == "button":
        if problem := _text_problem(body.get("text") if isinstance(body, dict) else None, "body.text", 1024):
            return problem
        buttons = action.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return 131009, "interactive buttons: 1 to 3 buttons"
        replies = [b.get("reply") if isinstance(b, dict) else None for b in buttons]
        if not all(isinstance(r, dict) for r in replies):
            return 131008, "every button needs a reply"
        ids = [r.get("id") for r in replies if isinstance(r, dict)]
        titles = [r.get("title") for r in replies if isinstance(r, dict)]
        if len(set(ids)) != len(ids) or len(set(titles)) != len(titles):
            return 131009, "button ids and titles must be unique"
        for button_id, title in zip(ids, titles, strict=True):
            if problem := _text_problem(button_id, "button id", 256) or _text_problem(title, "button title", 20):
                return problem
        return None
    if kind == "list":
        if problem := _text_problem(body.get("text") if isinstance(body, dict) else None, "body.text", 4096):
            return problem
        if problem := _text_problem(action.get("button"), "action.button", 20):
            return problem
        sections = action.get("sections")
        if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
            return 131009, "a list has 1 to 10 sections"
        rows: list[Any] = []
        for section in sections:
            if not isinstance(section, dict) or not isinstance(section.get("rows"), list):
                return 131008, "every section needs rows"
            titled = len(sections) > 1 or "title" in section
            if titled and (problem := _text_problem(section.get("title"), "section title", 24)):
                return problem
            rows.extend(section["rows"])
        if not 1 <= len(rows) <= 10:
            return 131009, "a list has 1 to 10 rows in total"
        ids = [row.get("id") if isinstance(row, dict) else None for row in rows]
        if len(set(ids)) != len(ids):
            return 131009, "row ids must be unique"
        for row in rows:
            problem = (
                _text_problem(row.get("id"), "row id", 200)
                or _text_problem(row.get("title"), "row title", 24)
                or _text_problem(row.get("description"), "row description", 72, required=False)
            )
            if problem:
                return problem
        return None
    return 131009, f"unsupported interactive type {kind!r}"


class _Server(ThreadingHTTPServer):
    """Handler threads are joined on close, and idle keep-alive connections are cut so they end."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, standin: GraphStandIn, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.standin = standin
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def drop_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("graph stand-in: error serving %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "GraphStandIn/1"
    timeout = 30
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            self._write(_Reply(411, b"Length Required", "text/plain"))
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.server.standin._handle(self.command, self.path, headers, body)
        if self.server.standin.latency > 0:
            time.sleep(self.server.standin.latency)
        self._write(reply)

    def _write(self, reply: _Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("graph stand-in: " + format, *args)
