"""`atende serve`: the production webhook and its background loops, on uvicorn.

Everything is checked before uvicorn starts (environment, config, schema), so a mistake is
one line and exit code 1 — not a traceback from every worker. uvicorn then imports the app
factory by name in each worker process, which is what makes `--workers N` possible.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from atende.bootstrap import StartupRefused, preflight, shared_between_workers
from atende.webhook.logs import logging_config

FACTORY = "atende.bootstrap:production_app"

GRACEFUL_SHUTDOWN_SECONDS = 25
"""After SIGTERM, how long requests in flight may take; under systemd's usual 30 s stop timeout."""

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; loopback behind a reverse proxy.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (SQLite or PostgreSQL both work).")] = 1,
) -> None:
    """Run the WhatsApp webhook (GET/POST /webhook, GET /healthz, GET /metrics) and its loops: answer, send, remind."""
    try:
        preflight()
    except StartupRefused as error:
        err_console.print(f"[red]✗[/red] atende serve: {escape(str(error))}")
        raise typer.Exit(1) from None

    import uvicorn  # only now: the checks above must stay quick

    # Each worker counts for /metrics in files the scrape adds up; set up before they start.
    with shared_between_workers(workers):
        uvicorn.run(
            FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            lifespan="on",  # a failed startup (database, roster) stops the server instead of being skipped
            ws="none",  # nothing here speaks WebSocket
            log_config=logging_config(),
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            server_header=False,
        )
