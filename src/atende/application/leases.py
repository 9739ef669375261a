"""Work that must run once per cluster (the timers) runs under a lease that expires.

A process takes the lease, renews it well before it lapses, and hands it over when it stops;
one that dies simply lets it lapse. (Sending is not such work: the courier claims per
recipient, and a claim lapses on its own — ADR 0015.)
"""

from __future__ import annotations

from .session import Session


def take_lease(session: Session, name: str, holder: str, seconds: float) -> bool:
    """Take or renew the lease for `seconds` if it is free, lapsed or already ours.

    Timed by storage's clock, not `session.now`: this process's clock may be skewed (ADR 0013).
    """
    return session.uow.leases.acquire(name, holder, seconds)


def release_lease(session: Session, name: str, holder: str) -> None:
    """Hand the lease over now (it lapses at once) instead of letting it run out."""
    session.uow.leases.release(name, holder)
