"""Erlang C: how many servers a queue needs to answer a share of arrivals within a wait.

The M/M/c queue (Poisson arrivals, exponential handle times, nobody gives up): with traffic
A = arrivals per second × handle time (in Erlangs) and N > A servers, an arrival waits with
probability C(N, A), and waits more than t with probability C(N, A)·e^(−(N − A)·t / handle).
C comes from Erlang B by its stable recurrence, B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)),
then C = N·B / (N − A·(1 − B)) — no factorials, no overflow at hundreds of servers.

How atende maps chats onto servers (a slot per conversation an agent can hold) and where the
model stops being right: docs/adr/0011.
"""

from __future__ import annotations

import math

MAX_SERVERS = 10_000
"""A bound on the search, far above any WhatsApp operation (and a guard against absurd input)."""


def erlang_b(servers: int, traffic: float) -> float:
    """Probability that all `servers` are busy in a loss system offered `traffic` Erlangs."""
    blocking = 1.0
    for n in range(1, servers + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def erlang_c(servers: int, traffic: float) -> float:
    """Probability that an arrival waits (all `servers` busy); 1 when they cannot keep up."""
    if traffic <= 0:
        return 0.0
    if servers <= traffic:
        return 1.0
    blocking = erlang_b(servers, traffic)
    return servers * blocking / (servers - traffic * (1 - blocking))


def service_level(servers: int, traffic: float, handle_seconds: float, within_seconds: float) -> float:
    """Share of arrivals answered within `within_seconds`."""
    if traffic <= 0:
        return 1.0
    if servers <= traffic:
        return 0.0
    waits = erlang_c(servers, traffic)
    return 1.0 - waits * math.exp(-(servers - traffic) * within_seconds / handle_seconds)


def servers_needed(arrivals_per_hour: float, handle_seconds: float, target: float, within_seconds: float) -> int:
    """The fewest servers that answer `target` (0–1) of arrivals within `within_seconds`."""
    if arrivals_per_hour <= 0:
        return 0
    if handle_seconds <= 0:
        raise ValueError("a handle time must be positive")
    traffic = arrivals_per_hour * handle_seconds / 3600
    servers = max(1, math.floor(traffic) + 1)
    while service_level(servers, traffic, handle_seconds, within_seconds) < target:
        servers += 1
        if servers > MAX_SERVERS:
            raise ValueError(f"more than {MAX_SERVERS} servers: {traffic:.0f} Erlangs is not a WhatsApp queue")
    return servers


def agents_needed(
    arrivals_per_hour: float, handle_seconds: float, target: float, within_seconds: float, capacity: float
) -> int:
    """Agents who each hold `capacity` conversations at once: the slots Erlang C asks for, shared out."""
    slots = servers_needed(arrivals_per_hour, handle_seconds, target, within_seconds)
    return math.ceil(slots / max(capacity, 1.0))
