"""`atende serve --workers 2` on one PostgreSQL: both workers take notifications and both send
(the courier claims per recipient, ADR 0015), and nothing is sent twice.

Needs PostgreSQL (ATENDE_TEST_DATABASE_URL); tests/integration/test_courier_processes.py shows two
processes each sending their share.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from atende.standin import GraphStandIn
from tests.databases import ON_POSTGRESQL, fresh_database

from .test_serve import CONFIG, SECRETS, Served, served  # noqa: F401 - the fixture, on this module's environment
from .webhook_kit import body_of, signed, text_from

pytestmark = pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="several serve processes sending at once need PostgreSQL: set ATENDE_TEST_DATABASE_URL",
)


@pytest.fixture
def environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    (tmp_path / "atende.toml").write_text(CONFIG, encoding="utf-8")
    with fresh_database(tmp_path) as url:
        yield {
            "ATENDE_CONFIG": str(tmp_path / "atende.toml"),
            "ATENDE_DATABASE_URL": url,
            "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
            "WHATSAPP_GRAPH_URL": "http://127.0.0.1:9/v24.0",
            **SECRETS,
        }


@pytest.mark.slow
@pytest.mark.parametrize("served", [2], indirect=True)
def test_two_workers_on_postgresql_relay_each_message_once_in_order(
    served: Served,  # noqa: F811 - the fixture imported above
    graph: GraphStandIn,
) -> None:
    customers = [f"55119876520{n:02d}" for n in range(20)]
    with httpx.Client(base_url=served.url) as client:
        for said in ("oi", "mensagem", "1"):
            for customer in customers:  # new connections spread over both workers
                body = body_of(text_from(customer, said, name="Cliente"))
                assert client.post("/webhook", content=body, headers=signed(body)).status_code == 200
    expected = len(customers) * 3  # the menu, a re-prompt, then the place in the queue
    assert graph.wait_for(lambda requests: len(requests) >= expected, timeout=20), len(graph.requests)
    code, output = served.stop()  # both drain and exit: anything sent twice has been sent by now
    assert code in (0, -signal.SIGTERM), output
    assert output.count("Application shutdown complete") == 2, output
    wamids = [r.wamid for r in graph.messages]
    assert len(wamids) == len(set(wamids)) == expected
    for customer in customers:
        kinds = [r.type for r in graph.requests_to(customer)]
        assert kinds[0] == "interactive" and len(kinds) == 3  # the menu first, in order
