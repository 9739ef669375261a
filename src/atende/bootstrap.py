"""The composition root: the one place where atende's parts are chosen and wired together.

Every face of atende gets its system here — `atende serve` (uvicorn calls `production_app` in
each worker process), `atende simulate`, the ops commands, the benchmarks and the end-to-end
tests — from settings plus whatever the caller overrides: storage (a database URL or a unit
of work of its own), the clock, the WhatsApp gateway, pacing, loop intervals. No controller
builds an adapter itself, and nothing is opened before `bootstrap` is called.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from atende.adapters.clock import SystemClock
from atende.adapters.metrics import PrometheusMetrics, shared_between_workers
from atende.adapters.sql.engine import connect
from atende.adapters.sql.health import write_probe
from atende.adapters.sql.schema import SchemaError, pending, upgrade
from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.adapters.whatsapp.async_graph import AsyncGraphApiGateway
from atende.adapters.whatsapp.graph import GraphApiGateway
from atende.application.courier import Courier, Pacing
from atende.application.ports import AsyncWhatsAppGateway, Clock, UnitOfWork, WhatsAppGateway
from atende.application.settings import Settings
from atende.application.use_cases import Atende
from atende.config import ConfigError, Environment, load_config, load_environment
from atende.webhook.app import MAX_BODY_BYTES, create_app
from atende.webhook.asgi import ASGIApp
from atende.webhook.background import Background, Intervals
from atende.webhook.store import THREADS, ArrivalStore

__all__ = [
    "MissingVariables",
    "SchemaOutdated",
    "StartupRefused",
    "System",
    "Webhook",
    "WhatsAppAccess",
    "bootstrap",
    "ensure_schema",
    "load_settings",
    "preflight",
    "production_app",
    "shared_between_workers",
    "store_threads_for",
]


@dataclass(frozen=True)
class WhatsAppAccess:
    """How atende reaches WhatsApp: the Graph API to send through, and the webhook's secrets."""

    graph_url: str
    phone_number_id: str
    access_token: str = field(repr=False)
    app_secret: str = field(repr=False)
    verify_token: str = field(repr=False)
    timeout: float | None = None
    """Seconds a Graph API call may take (the client's default when None)."""

    @classmethod
    def from_environment(cls, env: Environment) -> WhatsAppAccess:
        """The WHATSAPP_* variables; `MissingVariables` names those `atende serve` cannot do without."""
        missing = env.missing_for_serve()
        token, secret, verify, number = (
            env.WHATSAPP_ACCESS_TOKEN,
            env.WHATSAPP_APP_SECRET,
            env.WHATSAPP_VERIFY_TOKEN,
            env.WHATSAPP_PHONE_NUMBER_ID,
        )
        if missing or not (token and secret and verify and number):
            raise MissingVariables(missing)
        return cls(
            env.WHATSAPP_GRAPH_URL,
            number,
            token.get_secret_value(),
            secret.get_secret_value(),
            verify.get_secret_value(),
        )


@dataclass(frozen=True)
class Webhook:
    """The ASGI app with what stands behind it: the arrival store and the background loops."""

    app: ASGIApp
    store: ArrivalStore
    background: Background


class System:
    """atende, wired: the application over its storage and clock, and — when it was given a way
    to reach WhatsApp — the gateway, and the webhook with its loops."""

    def __init__(
        self,
        atende: Atende,
        *,
        ping: Callable[[], None],
        gateway: WhatsAppGateway | None,
        pacing: Pacing | None,
        closers: list[Callable[[], None]],
        disconnect: Callable[[], None] | None = None,
        reader: Callable[[], UnitOfWork] | None = None,
    ) -> None:
        self.atende = atende
        self.settings = atende.settings
        self.clock = atende.clock
        self.uow_factory = atende.uow_factory
        self.reader = reader or atende.uow_factory
        """Units of work for views that only read (ops commands, reports): on SQLite they never
        take the write lock, on PostgreSQL their transaction is READ ONLY."""
        self.gateway = gateway
        self.pacing = pacing
        self.webhook: Webhook | None = None
        self._ping = ping
        self._closers = closers
        self._disconnect = disconnect

    def ping(self) -> None:
        """One round trip to the database; raises when it cannot be reached."""
        self._ping()

    def drop_connections(self) -> None:
        """Close the pooled database connections; new ones open on demand (after a failover, or
        when the file they hold open has moved)."""
        if self._disconnect is not None:
            self._disconnect()

    def courier(self) -> Courier:
        """A courier over the system's gateway, for callers that send without the webhook's loops."""
        if self.gateway is None:
            raise RuntimeError("this system was built without a WhatsApp gateway")
        return self.atende.courier(self.gateway, self.pacing)

    def also_close(self, close: Callable[[], None]) -> None:
        """Release this too on `close`, before everything registered earlier."""
        self._closers.append(close)

    def close(self) -> None:
        """Release what bootstrap opened (threads, connections), latest first; safe to call twice."""
        closers, self._closers = self._closers, []
        for close in reversed(closers):
            close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def bootstrap(
    settings: Settings,
    *,
    database_url: str | None = None,
    uow_factory: Callable[[], UnitOfWork] | None = None,
    migrate: bool = False,
    clock: Clock | None = None,
    rng: random.Random | None = None,
    whatsapp: WhatsAppAccess | None = None,
    gateway: WhatsAppGateway | None = None,
    http_client: httpx.Client | None = None,
    pacing: Pacing | None = None,
    intervals: Intervals | None = None,
    store_threads: int | None = None,
    body_limit: int = MAX_BODY_BYTES,
    ping: Callable[[], None] | None = None,
    other_numbers: bool = False,
) -> System:
    """Build atende from `settings` and the caller's choices.

    Storage is a `database_url` (`migrate` brings its schema up to date first, for throwaway
    databases) or a `uow_factory` of the caller's. With `whatsapp`, the Graph API gateway and the
    webhook (app, store, loops) are built too; `gateway` replaces the Graph API client (a
    capturing one, in tests), `http_client` shares a connection pool with it. `pacing` and
    `intervals` tune the courier and the loops; `ping` replaces the database's write probe (the health check);
    `other_numbers` stores items addressed to any business number (replaying Meta's samples,
    which name several), where production keeps only its own.
    """
    if (database_url is None) == (uow_factory is None):
        raise ValueError("bootstrap needs storage: a database_url or a uow_factory, not both")
    closers: list[Callable[[], None]] = []
    if database_url is not None:
        if migrate:
            upgrade(database_url)
        engine = connect(database_url)
        closers.append(engine.dispose)

        def sql_unit_of_work() -> UnitOfWork:
            return SqlUnitOfWork(engine)

        def sql_reader() -> UnitOfWork:
            return SqlUnitOfWork(engine, reading=True)

        uow_factory, reader = sql_unit_of_work, sql_reader
    else:
        reader = None
    assert uow_factory is not None
    # The webhook's process counts what it does, for /metrics; nothing else needs to.
    metrics = PrometheusMetrics() if whatsapp is not None else None
    atende = Atende(settings, uow_factory, clock or SystemClock(), rng, telemetry=metrics)
    if ping is None:
        ping = write_probe(engine) if database_url is not None else _use_case_ping(atende)
    sender: WhatsAppGateway | AsyncWhatsAppGateway | None = gateway
    if gateway is None and whatsapp is not None:
        # The courier sends many messages at once, over a pool of its own (closed with the courier).
        sender = AsyncGraphApiGateway(
            whatsapp.graph_url, whatsapp.phone_number_id, whatsapp.access_token, timeout=whatsapp.timeout
        )
        graph = GraphApiGateway(
            whatsapp.graph_url,
            whatsapp.phone_number_id,
            whatsapp.access_token,
            client=http_client,
            timeout=whatsapp.timeout,
        )
        closers.append(graph.close)
        gateway = graph
    disconnect = engine.dispose if database_url is not None else None
    system = System(
        atende, ping=ping, gateway=gateway, pacing=pacing, closers=closers, disconnect=disconnect, reader=reader
    )
    if whatsapp is not None:
        assert sender is not None and metrics is not None
        threads = store_threads if store_threads is not None else store_threads_for(database_url)
        only = None if other_numbers else whatsapp.phone_number_id
        system.webhook = _webhook(
            system,
            sender,
            whatsapp,
            intervals=intervals,
            store_threads=threads,
            body_limit=body_limit,
            number=only,
            metrics=metrics,
        )
    return system


def _webhook(
    system: System,
    gateway: WhatsAppGateway | AsyncWhatsAppGateway,
    whatsapp: WhatsAppAccess,
    *,
    intervals: Intervals | None,
    store_threads: int,
    body_limit: int,
    number: str | None,
    metrics: PrometheusMetrics,
) -> Webhook:
    """The webhook app with its loops.

    Startup brings the stored agents in line with the config (`sync_roster`) and starts the
    loops; shutdown stops them, waits for stores in flight and closes the system.
    """
    atende = system.atende
    background = Background(atende, gateway, intervals=intervals, pacing=system.pacing)
    store = ArrivalStore(
        atende,
        system.ping,
        phone_number_id=number,
        on_accepted=background.arrived,
        threads=store_threads,
    )
    system.also_close(background.courier.close)  # its connections, when no lifespan ran to close them
    system.also_close(store.close)  # closed first: stores in flight finish before the engine goes

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        try:
            await asyncio.to_thread(atende.sync_roster)
            async with background.running():
                yield
        finally:
            await asyncio.to_thread(system.close)

    def scrape() -> tuple[bytes, str]:
        return metrics.scrape(atende.live(), atende.settings, atende.clock.now())

    app = create_app(
        store,
        app_secret=whatsapp.app_secret,
        verify_token=whatsapp.verify_token,
        body_limit=body_limit,
        lifespan=lifespan,
        observer=metrics,
        scrape=scrape,
    )
    return Webhook(app, store, background)


def store_threads_for(database_url: str | None) -> int:
    """SQLite admits one writer at a time and its waiters poll: more store threads lengthen the tail.

    Measured (docs/benchmarks.md): at Meta's paced mix the served p99 halves (198 → 99 ms) and the
    saturated webhook edge goes from p99 ~500 ms to ~100 ms; saturated *with* the loops competing
    for the lock, throughput drops instead (618 → 341 req/s), a regime past what one number sees.
    """
    return 1 if database_url is not None and database_url.startswith("sqlite") else THREADS


def _use_case_ping(atende: Atende) -> Callable[[], None]:
    """For storage known only as a unit of work: an empty use case is one round trip."""

    def ping() -> None:
        atende.run(lambda session: None)

    return ping


# -- from the environment: what `atende serve` and the ops commands start from ----------------


class MissingVariables(Exception):
    """Variables `atende serve` cannot run without are not set."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"missing environment variable(s) {', '.join(names)}: atende serve needs them")
        self.names = names


class SchemaOutdated(Exception):
    """The database lacks migrations this version of atende needs."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"{len(missing)} migration(s) pending")
        self.missing = missing


class StartupRefused(Exception):
    """`atende serve` cannot run as configured; the message says why and what to do, in one line."""


def load_settings(env: Environment, config: Path | None = None) -> Settings:
    """The business's settings from `config` (else ATENDE_CONFIG); raises `ConfigError`."""
    return load_config(config or env.ATENDE_CONFIG).to_settings()


def ensure_schema(database_url: str) -> None:
    """Raise `SchemaOutdated` (or `SchemaError`, unreachable or too new) unless the schema is current."""
    missing = pending(database_url)
    if missing:
        raise SchemaOutdated(missing)


def preflight(environment: Environment | None = None) -> tuple[Environment, Settings, WhatsAppAccess]:
    """Everything `atende serve` checks before it starts, each failure one line (`StartupRefused`):
    the environment, the variables it needs, the config file, the database schema."""
    try:
        env = environment or load_environment()
    except ConfigError as error:
        raise StartupRefused(f"invalid environment: {_one_line(error)}") from None
    try:
        access = WhatsAppAccess.from_environment(env)
    except MissingVariables as error:
        raise StartupRefused(str(error)) from None
    try:
        settings = load_settings(env)
    except ConfigError as error:
        raise StartupRefused(f"invalid config: {_one_line(error)} (atende config check lists every problem)") from None
    try:
        ensure_schema(env.ATENDE_DATABASE_URL)
    except SchemaError as error:
        raise StartupRefused(str(error)) from None
    except SchemaOutdated as error:
        raise StartupRefused(
            f"the database schema is outdated ({len(error.missing)} migration(s) pending): "
            "run `atende db upgrade` first"
        ) from None
    return env, settings, access


def production_app() -> ASGIApp:
    """The app `atende serve` runs; uvicorn calls this in every worker process (`--workers N`
    cannot share an app object), so everything is read from the environment here."""
    env, settings, access = preflight()
    system = bootstrap(settings, database_url=env.ATENDE_DATABASE_URL, whatsapp=access)
    assert system.webhook is not None
    return system.webhook.app


def _one_line(error: ConfigError) -> str:
    problems = [problem.render(error.file) for problem in error.problems]
    if len(problems) > 1:
        return f"{problems[0]} (and {len(problems) - 1} more)"
    return problems[0] if problems else str(error)
