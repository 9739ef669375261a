"""The stand-in itself: start and stop, what tests program (failures, media) and read (requests).

Each request is routed here to Meta's answer under one lock, recorded, and only then written
back, so a test that waits for a request also sees the answer it got.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from .errors import ERRORS, error_reply, known_error, unknown_object
from .rate_limits import Bucket
from .records import RecordedRequest, StoredMedia
from .rules import problem_in
from .server import Reply, Server, json_reply, parse_multipart

DEFAULT_VERSION = "v24.0"

WINDOW = timedelta(hours=24)
"""Meta delivers free-form messages to a person only within 24 h of their last message."""

_VERSION = re.compile(r"v\d+\.\d+")


@dataclass
class _Failure:
    remaining: int
    to: str | None
    code: int
    status: int
    message: str
    details: str
    body: str | None
    retry_after: float | None = None


def _digits(wa_id: str) -> str:
    return wa_id.strip().removeprefix("+")


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
        self._pairs: dict[str, Bucket] = {}
        self._window_clock: Callable[[], datetime] | None = None
        self._wrote: dict[str, datetime] = {}
        self._global: Bucket | None = None
        self._sequence = itertools.count(1)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the stand-in is already running")
        self._server = Server(self._handle, self.requested_port)
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
        retry_after: float | None = None,
    ) -> None:
        """Make the next `n` sends (to `to` only, if given) fail with Meta's error `code`.

        The HTTP status, message and details default to what Meta sends for that code
        (`ERRORS`); with only a `status`, the code is 131000 for 5xx and 100 otherwise. `body`
        replaces the JSON entirely (e.g. a proxy's HTML error page); `retry_after` adds a
        Retry-After header (seconds).
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
            retry_after=retry_after,
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

    # -- WhatsApp's 24-hour windows ---------------------------------------------------------

    def enforce_windows(self, clock: Callable[[], datetime] | None = None) -> None:
        """Refuse free-form messages to anyone who has not written in the last 24 h, as Meta does
        (131047, "Re-engagement message"); templates and read receipts always pass.

        The stand-in sees no webhooks, so whoever posts them says who wrote when (`wrote`);
        `clock` is the time the 24 h are counted on (the wall clock by default), so that a test
        can move it by days.
        """
        with self._lock:
            self._window_clock = clock or (lambda: datetime.now(UTC))

    def wrote(self, wa_id: str, at: datetime | None = None) -> None:
        """`wa_id` (a phone number or a business-scoped user id) wrote to the business at `at`."""
        with self._lock:
            moment = at or (self._window_clock or (lambda: datetime.now(UTC)))()
            key = _digits(wa_id)
            self._wrote[key] = max(moment, self._wrote.get(key, moment))

    def window_open(self, wa_id: str) -> bool:
        """Whether Meta would take a free-form message to `wa_id` now (always, with windows off)."""
        with self._lock:
            return self._window_open(_digits(wa_id))

    def _window_open(self, recipient: str) -> bool:
        if self._window_clock is None:
            return True
        last = self._wrote.get(recipient)
        return last is not None and self._window_clock() < last + WINDOW

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
        """Forget recorded requests, pending failures and window rules; stored media stays."""
        with self._lock:
            self._records.clear()
            self._failures.clear()
            self._pairs.clear()
            self._global = None
            self._window_clock = None
            self._wrote.clear()

    # -- serving ----------------------------------------------------------------------------

    def _handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
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
        if self.latency > 0:
            time.sleep(self.latency)
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
    ) -> tuple[Reply, dict[str, str]]:
        if headers.get("authorization") != f"Bearer {self.access_token}":
            return error_reply(190, 401, ERRORS[190][1]), {}
        match method, parts:
            case "GET", ["download", media_id]:
                return self._download(media_id), {}
            case "POST", [number, "messages"]:
                if number != self.phone_number_id:
                    return unknown_object(number, "post"), {}
                return self._send(payload), {}
            case "POST", [number, "media"]:
                if number != self.phone_number_id:
                    return unknown_object(number, "post"), {}
                return self._upload(content_type, body)
            case "GET", [media_id]:
                return self._media_info(media_id, query), {}
            case "DELETE", [media_id]:
                if self._owned(media_id, query) is None:
                    return unknown_object(media_id, "delete"), {}
                del self._media[media_id]
                return json_reply(200, {"success": True}), {}
        return error_reply(2500, 400, f"Unknown path components: /{'/'.join(parts)}"), {}

    def _send(self, payload: Any) -> Reply:
        if not isinstance(payload, dict):
            return error_reply(100, 400, "(#100) Invalid parameter", "The request body is not a JSON object.")
        to = payload.get("to")
        recipient = _digits(to) if isinstance(to, str) else None
        for failure in self._failures:
            if failure.remaining > 0 and (failure.to is None or failure.to == recipient):
                failure.remaining -= 1
                if failure.body is not None:
                    return Reply(failure.status, failure.body.encode(), "text/html; charset=utf-8")
                reply = error_reply(failure.code, failure.status, failure.message, failure.details)
                if failure.retry_after is not None:
                    reply = replace(reply, headers=(("Retry-After", f"{failure.retry_after:g}"),))
                return reply
        self._failures = [f for f in self._failures if f.remaining > 0]
        if self.strict and (problem := problem_in(payload)) is not None:
            code, details = problem
            return error_reply(code, 400, ERRORS[code][1], details)
        if payload.get("status") == "read":
            return json_reply(200, {"success": True})
        if not isinstance(to, str) or recipient is None:  # only when not strict
            return error_reply(131008, 400, ERRORS[131008][1], "to is required")
        if payload.get("type") != "template" and not self._window_open(recipient):
            return known_error(131047)
        if self.throughput is not None:
            if self._global is None:
                self._global = Bucket(self.throughput, 1.0 / self.throughput)
            if not self._global.take():
                return known_error(130429)
        if self.pair_limit is not None:
            burst, interval = self.pair_limit
            bucket = self._pairs.setdefault(recipient, Bucket(burst, interval))
            if not bucket.take():
                return known_error(131056)
        wamid = self._new_wamid(recipient)
        answer: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": recipient}],
            "messages": [{"id": wamid}],
        }
        if payload.get("type") == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return json_reply(200, answer)

    def _new_wamid(self, recipient: str) -> str:
        raw = f"{recipient}:{next(self._sequence)}:{uuid.uuid4().hex[:20].upper()}"
        return "wamid." + base64.b64encode(raw.encode()).decode()

    def _store_media(self, media: StoredMedia) -> str:
        media_id = str(1_000_000_000_000_000 + next(self._sequence) * 7919 + uuid.uuid4().int % 7919)
        self._media[media_id] = media
        return media_id

    def _upload(self, content_type: str, body: bytes) -> tuple[Reply, dict[str, str]]:
        fields, files = parse_multipart(content_type, body)
        if fields.get("messaging_product") != "whatsapp":
            return error_reply(100, 400, "(#100) The parameter messaging_product is required."), fields
        if "file" not in files:
            return error_reply(100, 400, "(#100) The parameter file is required."), fields
        filename, part_type, data = files["file"]
        mime_type = fields.get("type") or part_type
        if not mime_type or mime_type == "application/octet-stream":
            return error_reply(131053, 400, ERRORS[131053][1], "Unknown media type."), fields
        media_id = self._store_media(StoredMedia(data, mime_type, filename))
        return json_reply(200, {"id": media_id}), fields

    def _owned(self, media_id: str, query: dict[str, str]) -> StoredMedia | None:
        number = query.get("phone_number_id")
        if number is not None and number != self.phone_number_id:
            return None
        return self._media.get(media_id)

    def _media_info(self, media_id: str, query: dict[str, str]) -> Reply:
        media = self._owned(media_id, query)
        if media is None:
            return unknown_object(media_id, "get")
        return json_reply(
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

    def _download(self, media_id: str) -> Reply:
        media = self._media.get(media_id)
        if media is None:
            return Reply(404, b"Not Found", "text/plain")
        return Reply(200, media.data, media.mime_type)
