"""The Graph sink: where atende's courier sends during the load and fault runs, in its own process.

    python bench/sink.py --webhook http://127.0.0.1:PORT/webhook [--webhook …]

Like Meta's Cloud API, on 127.0.0.1 (raw ASGI on uvicorn, uvloop + httptools):

- `POST /{phone-number-id}/messages` checks the bearer token, enforces the pair rate limit per
  recipient (burst 45, then one every 6 s; past it HTTP 400 with error 131056, as Meta answers),
  accepts the rest with a fresh `wamid.` and records it (number, wall-clock time, recipient,
  body); a read receipt is answered `{"success": true}` and only counted;
- for every accepted message it posts the status notifications Meta sends — sent, delivered,
  read — signed, to the webhook (round robin when several), each retried until a 200 like Meta's
  at-least-once delivery;
- faults on demand (`POST /_bench/faults {"p500": 0.05, "p131056": 0.05}`): that share of sends
  answered 500 or 131056 at random, on top of the pair limit; nothing refused is recorded.

It prints `{"port": N}` on stdout and serves until SIGINT. The harness reads what it recorded
with `GET /_bench/records?since=N` and its counters with `GET /_bench/stats`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import socket
import sys
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qs, urlsplit

import uvicorn
from common import ACCESS_TOKEN, APP_SECRET, status_template
from http1 import Connection, HttpError, request_bytes

from atende.adapters.whatsapp import sign
from atende.standin.errors import ERRORS

PAIR_BURST = 45
PAIR_INTERVAL = 6.0
STATUSES = ("sent", "delivered", "read")
STATUS_SENDERS = 8
"""Concurrent connections posting status notifications back."""


class Pair:
    """Meta's pair limit for one recipient: a token bucket."""

    __slots__ = ("last", "tokens")

    def __init__(self) -> None:
        self.tokens = float(PAIR_BURST)
        self.last = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(PAIR_BURST, self.tokens + (now - self.last) / PAIR_INTERVAL)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def _error(code: int, status: int | None = None) -> tuple[int, bytes]:
    http_status, message, details = ERRORS[code]
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Abench"}
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return status or http_status, json.dumps({"error": error}).encode()


class Sink:
    def __init__(self, webhooks: list[str], statuses: bool) -> None:
        self.records: list[tuple[int, float, str, str]] = []
        self.pairs: dict[str, Pair] = {}
        self.p500 = 0.0
        self.p131056 = 0.0
        self.rng = random.Random(17)
        self.counters = {"accepted": 0, "pair_limited": 0, "failed_500": 0, "failed_131056": 0, "read_receipts": 0}
        self.counters |= {"statuses_posted": 0, "status_retries": 0}
        self.statuses = statuses
        self.webhooks = [urlsplit(url) for url in webhooks]
        self.queue: deque[tuple[str, str]] = deque()
        self.wakeup: asyncio.Event | None = None
        self.status_template = status_template()
        self.auth = f"Bearer {ACCESS_TOKEN}"

    # -- Graph API -------------------------------------------------------------------------------

    def messages(self, headers: dict[bytes, bytes], body: bytes) -> tuple[int, bytes]:
        if headers.get(b"authorization", b"").decode() != self.auth:
            return _error(131000, 401)
        try:
            payload = json.loads(body)
        except ValueError:
            return _error(131008)
        if payload.get("status") == "read":
            self.counters["read_receipts"] += 1
            return 200, b'{"success":true}'
        to = str(payload.get("to") or "").removeprefix("+")  # atende writes numbers in E.164, "+" first
        if not to:
            return _error(131008)
        draw = self.rng.random()
        if draw < self.p500:
            self.counters["failed_500"] += 1
            return _error(131000, 500)
        if draw < self.p500 + self.p131056:
            self.counters["failed_131056"] += 1
            return _error(131056)
        pair = self.pairs.get(to)
        if pair is None:
            pair = self.pairs[to] = Pair()
        if not pair.take():
            self.counters["pair_limited"] += 1
            return _error(131056)
        number = len(self.records)
        wamid = f"wamid.SINK{number:09d}"
        self.records.append((number, time.time(), to, body.decode()))
        self.counters["accepted"] += 1
        if self.statuses and self.webhooks:
            self.queue.append((wamid, to))
            if self.wakeup is not None:
                self.wakeup.set()
        answer = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": wamid}],
        }
        return 200, json.dumps(answer).encode()

    # -- status notifications back to the webhook ------------------------------------------------

    async def post_statuses(self, worker: int) -> None:
        target = self.webhooks[worker % len(self.webhooks)]
        host, port = target.hostname or "127.0.0.1", target.port or 80
        connection = Connection(host, port)
        assert self.wakeup is not None
        while True:
            if not self.queue:
                self.wakeup.clear()
                await self.wakeup.wait()
                continue
            wamid, to = self.queue.popleft()
            for status in STATUSES:
                body = (
                    self.status_template.replace("@ID@", wamid)
                    .replace("@STATUS@", status)
                    .replace("@AT@", str(int(time.time())))
                    .replace("@SENDER@", to)
                    .encode()
                )
                headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(APP_SECRET, body)}
                raw = request_bytes(host, port, target.path or "/webhook", body, headers)
                while True:  # Meta retries until it gets a 200
                    try:
                        answer, _ = await connection.send(raw, timeout=30)
                    except HttpError:
                        answer = 0
                    if answer == 200:
                        self.counters["statuses_posted"] += 1
                        break
                    self.counters["status_retries"] += 1
                    await asyncio.sleep(0.5)

    # -- ASGI ------------------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    self.wakeup = asyncio.Event()
                    self._tasks = [asyncio.create_task(self.post_statuses(i)) for i in range(STATUS_SENDERS)]
                    await send({"type": "lifespan.startup.complete"})
                else:
                    for task in self._tasks:
                        task.cancel()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        path, method = scope["path"], scope["method"]
        headers = dict(scope["headers"])
        if method == "POST" and path.endswith("/messages"):
            status, answer = self.messages(headers, body)
        elif path == "/_bench/records":
            since = int(parse_qs(scope["query_string"].decode()).get("since", ["0"])[0])
            status, answer = 200, json.dumps(self.records[since:]).encode()
        elif path == "/_bench/stats":
            status, answer = 200, json.dumps({**self.counters, "status_backlog": len(self.queue)}).encode()
        elif path == "/_bench/faults" and method == "POST":
            faults = json.loads(body or b"{}")
            self.p500, self.p131056 = float(faults.get("p500", 0)), float(faults.get("p131056", 0))
            status, answer = 200, b"{}"
        else:
            status, answer = 404, b"{}"
        response_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": answer})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--webhook", action="append", default=[], help="where status notifications go")
    parser.add_argument("--no-statuses", action="store_true")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    app = Sink(args.webhook, statuses=not args.no_statuses)
    config = uvicorn.Config(
        app, loop="uvloop", http="httptools", lifespan="on", log_level="warning", access_log=False, server_header=False
    )
    print(json.dumps({"port": sock.getsockname()[1]}), flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the SIGINT it was stopped with
        uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
