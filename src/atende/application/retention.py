"""Retention: what is done with is forgotten after a while, so storage stays flat.

Handled arrivals, the keys of handled messages and messages WhatsApp took are deleted once
older than `Settings.retention_days`, in small batches, by the cluster-once timers (ADR 0013).
Conversations, transcripts and events are the record and are kept.

The inbox key is what recognises a notification Meta delivers again, and Meta retries for up
to 7 days: a key is never forgotten before `KEY_FLOOR`, whatever the setting says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from .session import Session

META_RETRY_DAYS = 7
"""How long Meta keeps re-delivering a notification it got no 200 for."""

KEY_FLOOR = timedelta(days=META_RETRY_DAYS + 1)
"""The youngest an inbox key may be when it is forgotten: Meta's retries, and a day to spare."""

BATCH = 500
"""Rows of each kind deleted by one transaction at most: a short lock, however large the backlog."""


@dataclass(frozen=True)
class Pruned:
    intake: int = 0
    inbox: int = 0
    outbox: int = 0
    line_moves: int = 0
    """The waiting line's moves folded into one per department (storage's count of the line)."""

    @property
    def total(self) -> int:
        return self.intake + self.inbox + self.outbox + self.line_moves

    def filled(self, batch: int) -> bool:
        """Whether a kind filled its batch: there may be more of it to prune."""
        return max(self.intake, self.inbox, self.outbox) >= batch


def prune(session: Session, batch: int = BATCH) -> Pruned:
    """One batch of each kind, older than the retention period (inbox keys: never younger than the floor)."""
    older = session.now - timedelta(days=session.settings.retention_days)
    keys_older = min(older, session.now - KEY_FLOOR)
    retention = session.uow.retention
    return Pruned(
        intake=retention.prune_intake(older, batch),
        inbox=retention.prune_inbox(keys_older, batch),
        outbox=retention.prune_outbox(older, batch),
        line_moves=retention.fold_line_moves(),
    )
