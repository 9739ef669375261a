"""`atende serve` as a user runs it: refusals in one line, then a real process on a real port.

The refusals go through Typer's CliRunner (no server is started). The last tests start the
installed `atende serve` in a subprocess, with docs/design.md §2's environment pointing
`WHATSAPP_GRAPH_URL` at a Graph stand-in, and stop it with SIGTERM as systemd would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from typer.testing import CliRunner, Result

from atende.adapters.sql.engine import connect
from atende.cli.main import app
from atende.config import SERVE_VARIABLES
from atende.standin import GraphStandIn

from .webhook_kit import body_of, signed, text_from

ATENDE = Path(sys.executable).with_name("atende")
CUSTOMER = "5511987654321"
SECRETS = {
    "WHATSAPP_ACCESS_TOKEN": "standin-token",
    "WHATSAPP_APP_SECRET": "test-app-secret-3f9a",
    "WHATSAPP_VERIFY_TOKEN": "test-verify-token-77c1",
}
CONFIG = """\
[business]
name = "Loja Teste"

[[departments]]
key = "financeiro"
name = "Financeiro"

[[departments]]
key = "suporte"
name = "Suporte"

[[agents]]
name = "Ana"
phone = "5511900000001"
departments = ["financeiro"]
"""


@pytest.fixture
def environment(tmp_path: Path, database_url: str) -> dict[str, str]:
    """A complete, valid environment: config file, migrated database, every WHATSAPP_* variable."""
    (tmp_path / "atende.toml").write_text(CONFIG, encoding="utf-8")
    return {
        "ATENDE_CONFIG": str(tmp_path / "atende.toml"),
        "ATENDE_DATABASE_URL": database_url,
        "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
        "WHATSAPP_GRAPH_URL": "http://127.0.0.1:9/v24.0",
        **SECRETS,
    }


def serve(environment: Mapping[str, str | None]) -> Result:
    env: dict[str, str | None] = dict.fromkeys(("ATENDE_CONFIG", "ATENDE_DATABASE_URL", *SERVE_VARIABLES), None)
    env.update(environment)
    return CliRunner().invoke(app, ["serve", "--port", "1"], env=env)


def refused(result: Result) -> str:
    """The one line `serve` printed on its way out (exit 1, no traceback)."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("missing", SERVE_VARIABLES)
def test_serve_refuses_without_a_required_variable(environment: dict[str, str], missing: str) -> None:
    line = refused(serve({**environment, missing: None}))
    assert missing in line
    for secret in SECRETS.values():
        assert secret not in line


def test_serve_refuses_an_invalid_config(environment: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "atende.toml").write_text(CONFIG.replace('key = "suporte"', 'key = "Sup orte"'), encoding="utf-8")
    line = refused(serve(environment))
    assert "invalid config" in line and "departments[1].key" in line and "atende config check" in line


def test_serve_refuses_a_missing_config_file(environment: dict[str, str], tmp_path: Path) -> None:
    line = refused(serve({**environment, "ATENDE_CONFIG": str(tmp_path / "nowhere.toml")}))
    assert "nowhere.toml" in line


def test_serve_refuses_an_outdated_schema(environment: dict[str, str], bare_database_url: str) -> None:
    line = refused(serve({**environment, "ATENDE_DATABASE_URL": bare_database_url}))
    assert "atende db upgrade" in line
    if bare_database_url.startswith("sqlite"):
        assert not Path(bare_database_url.removeprefix("sqlite:///")).exists()  # looking did not create it


def test_serve_refuses_a_bad_database_url(environment: dict[str, str]) -> None:
    line = refused(serve({**environment, "ATENDE_DATABASE_URL": "postgres://u:hunter2@db/atende"}))
    assert "ATENDE_DATABASE_URL" in line and "hunter2" not in line


# -- the real thing ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url

    def stop(self) -> tuple[int, str]:
        """SIGTERM, as systemd stops it; the exit code and everything it printed."""
        self.process.send_signal(signal.SIGTERM)
        output, _ = self.process.communicate(timeout=30)
        return self.process.returncode, output


@pytest.fixture(params=[1])
def served(environment: dict[str, str], graph: GraphStandIn, request: pytest.FixtureRequest) -> Iterator[Served]:
    """`atende serve --workers N` (N from the test's parametrization, 1 by default)."""
    with serving(environment, graph, request.param) as running:
        yield running


@contextlib.contextmanager
def serving(environment: dict[str, str], graph: GraphStandIn, workers: int = 1) -> Iterator[Served]:
    port = free_port()
    env = {**os.environ, **environment, "WHATSAPP_GRAPH_URL": graph.url}
    process = subprocess.Popen(
        [str(ATENDE), "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: workers are killed with it, never left holding the pipe
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            pytest.fail(f"atende serve exited with {process.returncode}: {process.communicate()[0]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            kill_group(process)
            pytest.fail(f"atende serve did not answer: {process.communicate()[0]}")
        time.sleep(0.05)
    yield Served(process, url)
    kill_group(process)  # whatever the test left running, workers included
    process.communicate()


def kill_group(process: subprocess.Popen[str]) -> None:
    """SIGKILL the server and its workers (killing the parent alone leaves them holding the pipe)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.slow
def test_serve_answers_meta_and_stops_cleanly_on_sigterm(served: Served, graph: GraphStandIn) -> None:
    handshake = {"hub.mode": "subscribe", "hub.verify_token": SECRETS["WHATSAPP_VERIFY_TOKEN"], "hub.challenge": "42"}
    response = httpx.get(f"{served.url}/webhook", params=handshake)
    assert (response.status_code, response.text) == (200, "42")

    body = body_of(text_from(CUSTOMER, "Oi", name="Maria"))
    assert httpx.post(f"{served.url}/webhook", content=body, headers=signed(body)).status_code == 200
    assert graph.wait_for(lambda requests: any(r.to == "+" + CUSTOMER for r in requests), timeout=10)
    [menu] = graph.requests_to(CUSTOMER)
    assert menu.type == "interactive" and menu.accepted  # two departments: reply buttons

    code, output = served.stop()
    assert code == -signal.SIGTERM, output  # uvicorn shuts down gracefully, then dies of the signal it caught
    assert "Application shutdown complete" in output
    assert "lease 'timers' released" in output
    for secret in SECRETS.values():
        assert secret not in output  # the handshake's query string is redacted in the access log
    assert "hub.verify_token=***" in output
    assert CUSTOMER not in output


@pytest.mark.slow
@pytest.mark.parametrize("served", [2], indirect=True)
def test_two_workers_relay_each_message_once(served: Served, graph: GraphStandIn) -> None:
    """Both workers take notifications and both send (the courier claims per recipient, ADR 0015);
    the suite runs it on PostgreSQL too, against the engine under test."""
    customers = [f"55119876500{n:02d}" for n in range(8)]
    with httpx.Client(base_url=served.url) as client:
        for said in ("oi", "mensagem", "1"):
            for customer in customers:  # new connections spread over both workers
                body = body_of(text_from(customer, said, name="Cliente"))
                assert client.post("/webhook", content=body, headers=signed(body)).status_code == 200
    expected = len(customers) * 3  # the menu, a re-prompt, then the place in the queue
    assert graph.wait_for(lambda requests: len(requests) >= expected, timeout=15), len(graph.requests)
    code, output = served.stop()  # both drain and exit: anything sent twice has been sent by now
    assert code in (0, -signal.SIGTERM), output
    assert output.count("Application shutdown complete") == 2, output
    wamids = [r.wamid for r in graph.messages]
    assert len(wamids) == len(set(wamids)) == expected
    for customer in customers:
        kinds = [r.type for r in graph.requests_to(customer)]
        assert kinds[0] == "interactive" and len(kinds) == 3  # the menu first, in order


def scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """One scrape over a new connection: it may be answered by either worker."""
    text = httpx.get(f"{url}/metrics", headers={"connection": "close"}).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def per_worker(samples: dict[tuple[str, frozenset[tuple[str, str]]], float]) -> dict[str, float]:
    return {dict(labels)["pid"]: value for (name, labels), value in samples.items() if name == "atende_worker_requests"}


@pytest.mark.slow
@pytest.mark.parametrize("served", [2], indirect=True)
def test_two_workers_add_up_their_counters_in_every_scrape(served: Served, graph: GraphStandIn) -> None:
    posted = 0

    def post_many(count: int) -> None:
        """Concurrent posts on fresh connections, so both workers take some."""
        nonlocal posted
        bodies = [body_of(text_from(f"55119876510{posted + n:02d}", "Oi", name="Cliente")) for n in range(count)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(pool.map(lambda b: httpx.post(f"{served.url}/webhook", content=b, headers=signed(b)), bodies))
        assert all(r.status_code == 200 for r in codes)
        posted += count

    for _ in range(6):
        post_many(16)
        workers = per_worker(scrape(served.url))
        if len(workers) == 2 and all(workers.values()):
            break
    assert len(workers) == 2 and all(workers.values()), f"both workers answered requests: {workers}"
    assert graph.wait_for(lambda requests: len(requests) >= posted, timeout=15), "every customer got the menu"

    for _ in range(6):  # each scrape may land on either worker: every one must add up both
        samples = scrape(served.url)
        webhook = frozenset({"route": "/webhook", "method": "POST", "status": "200"}.items())
        assert samples["atende_http_request_duration_seconds_count", webhook] == posted
        assert samples["atende_arrivals_handled_total", frozenset({"kind": "customer"}.items())] == posted
        assert samples["atende_messages_sent_total", frozenset({"audience": "customer"}.items())] == posted
        assert sum(per_worker(samples).values()) >= posted
    code, output = served.stop()
    assert code in (0, -signal.SIGTERM), output


@pytest.mark.slow
def test_two_serve_processes_on_one_database_run_the_cluster_work_once(
    environment: dict[str, str], graph: GraphStandIn, database_url: str
) -> None:
    """Two `atende serve` (as on two hosts) share the arrivals and the sending (the courier claims
    per recipient, ADR 0015); the timers run in one of them at a time, under a lease timed by the
    database's clock: every message leaves once."""
    customers = [f"55119876520{n:02d}" for n in range(8)]
    with serving(environment, graph) as first, serving(environment, graph) as second:
        for said in ("oi", "mensagem", "1"):
            for n, customer in enumerate(customers):
                url = (first, second)[n % 2].url
                body = body_of(text_from(customer, said, name="Cliente"))
                assert httpx.post(f"{url}/webhook", content=body, headers=signed(body)).status_code == 200
        expected = len(customers) * 3  # the menu, a re-prompt, then the place in the queue
        assert graph.wait_for(lambda requests: len(requests) >= expected, timeout=15), len(graph.requests)
        engine = connect(database_url)
        try:
            with engine.connect() as connection:
                holders = dict(connection.execute(text("SELECT name, holder FROM leases")).all())
        finally:
            engine.dispose()
        for stopped in (first, second):
            code, output = stopped.stop()
            assert code in (0, -signal.SIGTERM), output
    assert set(holders) == {"timers"}  # the courier holds no lease: it claims recipients
    wamids = [r.wamid for r in graph.messages]
    assert len(wamids) == len(set(wamids)) == expected
    for customer in customers:
        assert len(graph.requests_to(customer)) == 3
