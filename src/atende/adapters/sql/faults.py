"""Telling the database's own trouble from a bad step: the first passes, the second does not.

A lock held past the busy timeout, a connection the server dropped, a server shutting down,
a race lost once too often: nothing about the data is wrong, and running the same step later
will do. A constraint violated, a value the column refuses, a bug: running it again fails again.
The intake keeps arrivals pending through the first kind and counts only the second as
attempts (docs/adr/0014-intake-faults-and-batches.md).
"""

from __future__ import annotations

from sqlalchemy import exc

from atende.application.ports import StorageUnavailable
from atende.domain.exceptions import ConcurrencyConflict

TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57", "58"})
"""Connection exceptions, transaction rollbacks (serialization, deadlock), insufficient
resources, operator intervention (shutdown, cancel, statement timeout), system errors."""

TRANSIENT_SQLSTATES = frozenset({"55P03", "55006"})
"""Lock not available (`lock_timeout`, `NOWAIT`), object in use."""


def transient(error: BaseException) -> bool:
    """Whether `error` is the database failing to do its part now, not the step's fault."""
    if isinstance(error, (ConcurrencyConflict, StorageUnavailable, exc.TimeoutError, exc.DisconnectionError)):
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error, (exc.OperationalError, exc.InterfaceError)):
        return True  # sqlite3 calls "database is locked" / "disk I/O error" operational, psycopg a lost server
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    return sqlstate[:2] in TRANSIENT_SQLSTATE_CLASSES or sqlstate in TRANSIENT_SQLSTATES
