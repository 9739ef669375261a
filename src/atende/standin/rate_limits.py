"""Meta's rate limits, which the stand-in can enforce: the pair limit and throughput, as token buckets.

Off by default, so every send is accepted; on, they let tests and benchmarks see how atende paces itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

META_PAIR_LIMIT = (45, 6.0)
"""Meta's pair rate limit: bursts of 45, then one message every 6 s to the same user."""


@dataclass
class Bucket:
    """A token bucket: `capacity` at once, then one token every `interval` seconds."""

    capacity: float
    interval: float
    tokens: float = field(init=False)
    last: float = field(init=False, default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) / self.interval)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False
