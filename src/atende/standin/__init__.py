"""A local Graph API: a real HTTP server on 127.0.0.1 that answers like Meta's Cloud API.

Tests, the simulator and benchmarks point `WHATSAPP_GRAPH_URL` at it and exercise the real
client, sockets and JSON included. It checks the bearer token, validates message bodies
against the documented limits (`strict`), answers with fresh `wamid.` ids, records every
request in arrival order, fails on demand with Meta-shaped errors, can enforce the pair rate
limit, throughput and 24-hour windows like Meta (on a clock the caller may move), and serves
the media endpoints (upload, URL, download).

It is a test double, so it lives apart from the adapters: production code must not import it.
The pieces: `graph` (the stand-in), `records` (what it was asked), `rules` (what Meta refuses in
a body), `errors` (Meta's error table and shape), `rate_limits`, `server` (the HTTP plumbing).

    with GraphStandIn() as graph:
        gateway = GraphApiGateway(graph.url, graph.phone_number_id, graph.access_token)
        graph.fail_next(code=131056, to="5511987654321")
        ...
        assert graph.texts_to("5511987654321") == ["Olá!"]
"""

from __future__ import annotations

from .errors import ERRORS
from .graph import DEFAULT_VERSION, GraphStandIn
from .rate_limits import META_PAIR_LIMIT
from .records import RecordedRequest, StoredMedia
from .rules import problem_in

__all__ = [
    "DEFAULT_VERSION",
    "ERRORS",
    "META_PAIR_LIMIT",
    "GraphStandIn",
    "RecordedRequest",
    "StoredMedia",
    "problem_in",
]
