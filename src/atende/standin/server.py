"""The HTTP plumbing: a threaded server on 127.0.0.1 that hands each request to a callable.

It knows nothing of Meta. It reads the body (a chunked one gets 411 Length Required), asks
`answer` for a `Reply`, writes it back over keep-alive HTTP/1.1, and on close cuts idle
connections and joins every handler thread so a stopped stand-in leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    """What to write back; `payload` is the JSON object as the request's record keeps it."""

    status: int
    body: bytes
    content_type: str = "application/json"
    payload: Any = None
    headers: tuple[tuple[str, str], ...] = ()
    """Extra response headers (Retry-After, as Meta sends with some rate limits)."""


Answer = Callable[[str, str, dict[str, str], bytes], Reply]
"""(method, request target, lower-case headers, body) → the reply to write."""


def json_reply(status: int, payload: Any) -> Reply:
    return Reply(status, json.dumps(payload).encode(), "application/json", payload)


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
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


class Server(ThreadingHTTPServer):
    """Handler threads are joined on close, and idle keep-alive connections are cut so they end."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, answer: Answer, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.answer = answer
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
    server: Server

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
            self._write(Reply(411, b"Length Required", "text/plain"))
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        self._write(self.server.answer(self.command, self.path, headers, body))

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("graph stand-in: " + format, *args)
