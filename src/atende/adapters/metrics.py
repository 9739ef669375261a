"""Prometheus metrics (`GET /metrics`), with the field-standard client, safe across worker processes.

Two kinds of figures, from two places:

- **What this process did** — arrivals handled, messages sent and relayed, send failures, the
  webhook's latency: counters and a histogram, kept by `prometheus_client`. Under `atende serve
  --workers N` each worker counts its own, in files under `PROMETHEUS_MULTIPROC_DIR` (set by
  `atende serve`), and a scrape — answered by whichever worker — adds up every worker's files:
  the client library's multiprocess mode.
- **What storage holds now** — who waits per department and for how long, agents by state, the
  outbox and intake backlogs: read from the database at each scrape (`Live`), so any worker
  gives the cluster's one answer, never a per-process guess.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from atende.application.failures import Failure
from atende.application.outbound import Audience, Outgoing
from atende.application.reports import Live
from atende.application.settings import Settings
from atende.application.telemetry import Telemetry
from atende.domain.agent import Presence, Status, status_of

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
"""Seconds: the webhook answers in milliseconds (it stores, then says 200), unless storage struggles."""


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR) or None


@contextmanager
def shared_between_workers(workers: int) -> Iterator[str | None]:
    """Set up the client's multiprocess mode before worker processes start (they inherit it).

    With one worker nothing is needed. With several, `PROMETHEUS_MULTIPROC_DIR` names a folder
    where each worker keeps its counters: a fresh temporary one (removed on the way out), or the
    operator's own, whose leftover files from an earlier run are removed first (counters would
    otherwise start from the last run's values).
    """
    given = multiprocess_dir()
    if workers <= 1 and given is None:
        yield None
        return
    if given is not None:
        for leftover in Path(given).glob("*.db"):
            leftover.unlink()
        yield given
        return
    folder = tempfile.mkdtemp(prefix="atende-metrics-")
    os.environ[MULTIPROCESS_DIR] = folder
    try:
        yield folder
    finally:
        os.environ.pop(MULTIPROCESS_DIR, None)
        shutil.rmtree(folder, ignore_errors=True)


class PrometheusMetrics(Telemetry):
    """This process's counters, and the scrape that adds every worker's to storage's gauges."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.arrivals = Counter(
            "atende_arrivals_handled",
            "Webhook arrivals handled: messages from customers or agents, and delivery statuses.",
            ["kind"],
            registry=registry,
        )
        self.messages_sent = Counter(
            "atende_messages_sent",
            "Messages WhatsApp accepted from atende, by recipient (customer or agent).",
            ["audience"],
            registry=registry,
        )
        self.relays = Counter(
            "atende_relays",
            "Messages relayed and sent: customer to agent (in) and agent to customer (out).",
            ["direction"],
            registry=registry,
        )
        self.send_failures = Counter(
            "atende_send_failures",
            "Sends WhatsApp refused or that could not reach it, by kind (each attempt counts).",
            ["kind"],
            registry=registry,
        )
        self.webhook_latency = Histogram(
            "atende_http_request_duration_seconds",
            "Time to answer an HTTP request, by route, method and status code.",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.worker_requests = Gauge(
            "atende_worker_requests",
            "HTTP requests this worker process has answered; one series per live worker (pid).",
            registry=registry,
            multiprocess_mode="liveall",
        )
        for kind in ("customer", "agent", "status"):
            self.arrivals.labels(kind)
        for audience in Audience:
            self.messages_sent.labels(audience.value)
        for direction in ("in", "out"):
            self.relays.labels(direction)
        for failure in Failure:
            self.send_failures.labels(failure.value)

    # -- Telemetry -------------------------------------------------------------------------------

    def handled(self, kind: str) -> None:
        self.arrivals.labels(kind).inc()

    def sent(self, message: Outgoing, carried: int = 1) -> None:
        self.messages_sent.labels(message.audience.value).inc()
        if message.origin_id is not None:
            direction = "in" if message.audience is Audience.AGENT else "out"
            self.relays.labels(direction).inc(carried)

    def send_failed(self, failure: Failure) -> None:
        self.send_failures.labels(failure.value).inc()

    # -- the HTTP edge ---------------------------------------------------------------------------

    def answered(self, route: str, method: str, status: int, seconds: float) -> None:
        self.webhook_latency.labels(route, method, str(status)).observe(seconds)
        self.worker_requests.inc()

    def scrape(self, live: Live, settings: Settings, now: datetime) -> tuple[bytes, str]:
        """The exposition: every worker's counters (or this process's) and storage's gauges now."""
        registry = CollectorRegistry(auto_describe=False)
        directory = multiprocess_dir()
        if directory is not None:
            MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        else:
            registry.register(_Forward(self.registry))
        registry.register(_LiveCollector(lambda: (live, settings, now)))
        return generate_latest(registry), CONTENT_TYPE_PLAIN_0_0_4


class _Forward(Collector):
    """This process's own metrics (single-process mode), collected into the scrape's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self._registry.collect()


class _LiveCollector(Collector):
    def __init__(self, source: Callable[[], tuple[Live, Settings, datetime]]) -> None:
        self._source = source

    def collect(self) -> Iterator[Metric]:
        live, settings, now = self._source()
        lines = {line.department: line for line in live.lines}
        waiting = GaugeMetricFamily("atende_waiting", "Customers waiting in the queue.", labels=["department"])
        oldest = GaugeMetricFamily(
            "atende_oldest_wait_seconds", "How long the longest-waiting customer has waited.", labels=["department"]
        )
        for key in [d.key for d in settings.departments] + sorted(set(lines) - {d.key for d in settings.departments}):
            line = lines.get(key)
            waiting.add_metric([key], line.waiting if line else 0)
            since = line.oldest_since if line else None
            oldest.add_metric([key], max(0.0, (now - since).total_seconds()) if since else 0.0)
        yield waiting
        yield oldest

        roster = {a.phone for a in settings.agents if a.departments}
        states: Tally[str] = Tally()
        for agent in live.agents:
            if agent.phone in roster:
                states[status_of(Presence(agent.presence), agent.load, agent.capacity).value] += 1
        agents = GaugeMetricFamily("atende_agents", "Agents of the roster by state.", labels=["state"])
        for state in Status:
            agents.add_metric([state.value], states[state.value])
        yield agents
        load = GaugeMetricFamily("atende_conversations_in_progress", "Conversations assigned to agents now.")
        load.add_metric([], sum(a.load for a in live.agents))
        yield load

        yield _gauge("atende_outbox_pending", "Messages waiting to be sent.", live.outbox_pending)
        yield _gauge(
            "atende_outbox_lag_seconds",
            "Age of the oldest message waiting to be sent (0 when none waits).",
            _age(live.outbox_oldest, now),
        )
        yield _gauge(
            "atende_outbox_held", "Messages held until their recipient reopens a 24 h window.", live.outbox_held
        )
        yield _gauge("atende_intake_backlog", "Webhook arrivals stored, not handled yet.", live.intake_waiting)
        yield _gauge(
            "atende_intake_lag_seconds",
            "Age of the oldest arrival not handled yet (0 when none waits).",
            _age(live.intake_oldest, now),
        )
        yield _gauge(
            "atende_intake_set_aside", "Arrivals whose handling failed for good, set aside.", live.intake_set_aside
        )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _age(since: datetime | None, now: datetime) -> float:
    return 0.0 if since is None else max(0.0, (now - since).total_seconds())
