"""Work that must run once per cluster (sending, timers) runs under a lease that expires.

A process takes the lease, renews it well before it lapses, and hands it over when it stops;
one that dies simply lets it lapse. The fenced gateway is the last line of defence: a stalled
process that may have lost its lease sends nothing more.
"""

from __future__ import annotations

from collections.abc import Callable

from .failures import Failure, SendError
from .outbound import Outgoing
from .ports import WhatsAppGateway
from .session import Session


def take_lease(session: Session, name: str, holder: str, seconds: float) -> bool:
    """Take or renew the lease for `seconds` if it is free, lapsed or already ours.

    Timed by storage's clock, not `session.now`: this process's clock may be skewed (ADR 0013).
    """
    return session.uow.leases.acquire(name, holder, seconds)


def release_lease(session: Session, name: str, holder: str) -> None:
    """Hand the lease over now (it lapses at once) instead of letting it run out."""
    session.uow.leases.release(name, holder)


class FencedGateway(WhatsAppGateway):
    """Sends only while `held()` says this process still holds the lease.

    The lease is renewed in the background, but a process can stall (a long pause, a database
    that stops answering): `held` turns false before anyone else may take the lease over, and
    from then on a pass still under way sends nothing more. The refused message stays pending,
    with a short backoff, for whoever holds the lease next.
    """

    def __init__(self, gateway: WhatsAppGateway, lease: str, held: Callable[[], bool]) -> None:
        self.gateway = gateway
        self.lease = lease
        self.held = held

    def send(self, message: Outgoing) -> str:
        if not self.held():
            raise SendError(f"the {self.lease!r} lease is no longer held here", Failure.RETRYABLE)
        return self.gateway.send(message)
