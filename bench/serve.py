"""One webhook server for the ingest benchmark, in its own process: `run.py` starts and stops it.

    python bench/serve.py raw|edge|served --database URL [--graph URL]

It binds a free port of 127.0.0.1 itself (no race with anyone else's servers), prints
`{"port": N, "loop": ..., "http": ..., "store_threads": N}` on stdout, and serves until
SIGINT/SIGTERM. Every app runs under the same uvicorn settings: one worker, uvloop + httptools
when installed, no access log.

- `raw`: the baseline, a bare ASGI app that reads the body, checks the HMAC and answers 200.
- `edge`: atende's webhook app storing arrivals (`create_app` over the system's `ArrivalStore`):
  signature, parse, `Atende.accept` on SQLite, 200 — without the background loops.
- `served`: what `atende serve` runs (`bootstrap` with WhatsApp access): the same app plus the intake, courier and
  timer loops, sending to the Graph stand-in at `--graph`.

Both atende apps store from as many threads as `atende serve` would for that database
(`store_threads_for`: one on SQLite), and say how many in that line (0 for `raw`).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import importlib.util
import json
import socket
import sys
from collections.abc import Callable

import uvicorn
from common import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, shop

from atende.bootstrap import WhatsAppAccess, bootstrap, store_threads_for
from atende.webhook.app import create_app
from atende.webhook.asgi import ASGIApp, Receive, Scope, Send


def raw_app(secret: str) -> ASGIApp:
    """Read the body, check X-Hub-Signature-256, answer 200 (401 if it does not match)."""
    key = secret.encode()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        status = 405
        if scope["method"] == "GET":
            status = 200 if scope["path"] == "/healthz" else 404
        elif scope["method"] == "POST":
            chunks = []
            more = True
            while more:
                message = await receive()
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            body = b"".join(chunks)
            given = next((v for k, v in scope["headers"] if k == b"x-hub-signature-256"), b"").decode("latin-1")
            expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
            status = 200 if hmac.compare_digest(expected, given) else 401
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    return app


def atende_app(kind: str, database_url: str, graph_url: str | None) -> tuple[ASGIApp, Callable[[], None]]:
    """`served` is what `atende serve` runs; `edge` is its webhook storing arrivals, loops left off."""
    access = WhatsAppAccess(graph_url or "http://127.0.0.1:9", PHONE_NUMBER_ID, ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN)
    system = bootstrap(shop(), database_url=database_url, whatsapp=access)
    assert system.webhook is not None
    if kind == "edge":
        app = create_app(system.webhook.store, app_secret=APP_SECRET, verify_token=VERIFY_TOKEN)
        return app, system.close
    assert graph_url, "served needs --graph"
    return system.webhook.app, lambda: None  # its lifespan closes everything


def server_options() -> dict[str, str]:
    """uvloop and httptools when installed (as uvicorn's "auto" would pick), named explicitly."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return {"loop": loop, "http": http}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("raw", "edge", "served"))
    parser.add_argument("--database", default="")
    parser.add_argument("--graph", default=None)
    args = parser.parse_args(argv)

    close: Callable[[], None] = lambda: None  # noqa: E731
    if args.kind == "raw":
        app = raw_app(APP_SECRET)
    else:
        app, close = atende_app(args.kind, args.database, args.graph)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    options = server_options()
    config = uvicorn.Config(
        app,
        **options,  # type: ignore[arg-type]
        lifespan="on",
        ws="none",
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    threads = 0 if args.kind == "raw" else store_threads_for(args.database)
    print(json.dumps({"port": sock.getsockname()[1], **options, "store_threads": threads}), flush=True)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the SIGINT it was stopped with
        pass
    finally:
        close()
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
