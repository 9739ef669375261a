"""A local Graph API for tests, the simulator, benchmarks and `atende standin`; never for production code."""

from __future__ import annotations

from .graph import DEFAULT_VERSION, ERRORS, META_PAIR_LIMIT, GraphStandIn, RecordedRequest, StoredMedia, problem_in

__all__ = [
    "DEFAULT_VERSION",
    "ERRORS",
    "META_PAIR_LIMIT",
    "GraphStandIn",
    "RecordedRequest",
    "StoredMedia",
    "problem_in",
]
