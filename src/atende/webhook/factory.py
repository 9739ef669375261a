"""Wiring the production webhook: environment → checks → runtime → app with its loops.

uvicorn imports `create_production_app` by name in every worker process (`--workers N`
cannot share an app object), so everything the app needs is read from the environment here.
`preflight` is the same set of checks `atende serve` runs before starting uvicorn, so a
mistake is one clear line in the terminal rather than a traceback in each worker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from atende.adapters.sql.schema import SchemaError, pending
from atende.adapters.whatsapp.graph import GraphApiGateway
from atende.application.ports import WhatsAppGateway
from atende.application.settings import Settings
from atende.application.use_cases import Atende
from atende.bootstrap import build
from atende.config import ConfigError, Environment, load_config, load_environment

from .app import MAX_BODY_BYTES, create_app
from .asgi import ASGIApp
from .background import Background, Intervals
from .service import THREADS, WebhookService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Webhook:
    """The app and the parts behind it (tests look at the loops and their leases)."""

    app: ASGIApp
    service: WebhookService
    background: Background


class StartupRefused(Exception):
    """`atende serve` cannot run as configured; the message says why and what to do, in one line."""


def preflight(environment: Environment | None = None) -> tuple[Environment, Settings]:
    """The environment and settings, once every check `serve` needs has passed.

    Refuses (StartupRefused) when a required WHATSAPP_* variable is missing, the config file is
    invalid, or the database schema is not the one this code expects.
    """
    try:
        env = environment or load_environment()
    except ConfigError as error:
        raise StartupRefused(f"invalid environment: {_one_line(error)}") from None
    missing = env.missing_for_serve()
    if missing:
        raise StartupRefused(f"missing environment variable(s) {', '.join(missing)}: atende serve needs them")
    try:
        settings = load_config(env.ATENDE_CONFIG).to_settings()
    except ConfigError as error:
        raise StartupRefused(f"invalid config: {_one_line(error)} (atende config check lists every problem)") from None
    try:
        outdated = pending(env.ATENDE_DATABASE_URL)
    except SchemaError as error:
        raise StartupRefused(str(error)) from None
    if outdated:
        raise StartupRefused(
            f"the database schema is outdated ({len(outdated)} migration(s) pending): run `atende db upgrade` first"
        )
    return env, settings


def create_production_app() -> ASGIApp:
    """The app `atende serve` runs: configured from the environment (DESIGN §2)."""
    env, settings = preflight()
    token = env.WHATSAPP_ACCESS_TOKEN
    secret = env.WHATSAPP_APP_SECRET
    verify = env.WHATSAPP_VERIFY_TOKEN
    number = env.WHATSAPP_PHONE_NUMBER_ID
    assert token and secret and verify and number  # preflight refused otherwise
    runtime = build(settings, env.ATENDE_DATABASE_URL)
    gateway = GraphApiGateway(env.WHATSAPP_GRAPH_URL, number, token.get_secret_value())

    def close() -> None:
        gateway.close()
        runtime.close()

    return assemble(
        runtime.atende,
        runtime.ping,
        gateway,
        app_secret=secret.get_secret_value(),
        verify_token=verify.get_secret_value(),
        phone_number_id=number,
        store_threads=store_threads_for(env.ATENDE_DATABASE_URL),
        on_close=close,
    ).app


def store_threads_for(database_url: str) -> int:
    """SQLite admits one writer at a time and its waiters poll: more store threads lengthen the tail.

    Measured (docs/benchmarks.md): at Meta's paced mix the served p99 halves (198 → 99 ms) and the
    saturated webhook edge goes from p99 ~500 ms to ~100 ms; saturated *with* the loops competing
    for the lock, throughput drops instead (618 → 341 req/s), a regime past what one number sees.
    """
    return 1 if database_url.startswith("sqlite") else THREADS


def assemble(
    atende: Atende,
    ping: Callable[[], None],
    gateway: WhatsAppGateway,
    *,
    app_secret: str,
    verify_token: str,
    phone_number_id: str | None = None,
    intervals: Intervals | None = None,
    body_limit: int = MAX_BODY_BYTES,
    store_threads: int = THREADS,
    on_close: Callable[[], None] | None = None,
) -> Webhook:
    """The webhook app with its loops, from parts: production passes real ones, tests their own.

    Startup brings the stored agents in line with the config (`sync_roster`) and starts the
    loops; shutdown stops them, waits for stores in flight and calls `on_close`.
    """
    background = Background(atende, gateway, intervals=intervals)
    service = WebhookService(
        atende, ping, phone_number_id=phone_number_id, on_accepted=background.arrived, threads=store_threads
    )

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        try:
            await asyncio.to_thread(atende.sync_roster)
            async with background.running():
                yield
        finally:
            await asyncio.to_thread(service.close)
            if on_close is not None:
                on_close()

    app = create_app(
        service, app_secret=app_secret, verify_token=verify_token, body_limit=body_limit, lifespan=lifespan
    )
    return Webhook(app, service, background)


def _one_line(error: ConfigError) -> str:
    problems = [problem.render(error.file) for problem in error.problems]
    if len(problems) > 1:
        return f"{problems[0]} (and {len(problems) - 1} more)"
    return problems[0] if problems else str(error)
