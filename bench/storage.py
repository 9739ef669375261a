"""Reading atende's tables beside a running server, and holding its write lock, for the harness.

Plain drivers (sqlite3, psycopg), not atende's engine: the harness must not borrow the code it
checks. SQLite reads in WAL never wait for the writer; PostgreSQL reads never block writers.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import make_url


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def _connection(url: str) -> Iterator[Any]:
    if _is_sqlite(url):
        connection = sqlite3.connect(make_url(url).database or "", timeout=60)
        try:
            yield connection
        finally:
            connection.close()
    else:
        import psycopg

        with psycopg.connect(_libpq(url), autocommit=True) as pg:
            yield pg


def _epoch(value: Any) -> float:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return float(value.timestamp())


def stored(url: str, prefix: str = "wamid.") -> dict[str, float]:
    """Stored arrivals whose key starts with `prefix` → when they were stored (≈ acknowledged)."""
    with _connection(url) as connection:
        rows = connection.execute(
            "SELECT key, received_at FROM intake WHERE key LIKE " + ("?" if _is_sqlite(url) else "%s"),
            (prefix + "%",),
        ).fetchall()
    return {key: _epoch(at) for key, at in rows}


def backlog(url: str) -> dict[str, int]:
    """What is left: arrivals not handled, set aside for good, and the outbox by state."""
    with _connection(url) as connection:
        intake = connection.execute(
            "SELECT count(*) FILTER (WHERE done_at IS NULL), count(*) FILTER (WHERE error IS NOT NULL) FROM intake"
        ).fetchone()
        outbox = dict(connection.execute("SELECT delivery, count(*) FROM outbox GROUP BY delivery").fetchall())
    return {"intake pending": int(intake[0]), "intake set aside": int(intake[1])} | {
        f"outbox {state}": int(n) for state, n in outbox.items()
    }


NOT_YET = ("still in the intake", "relay pending in the outbox", "relay held in the outbox")
"""A message in one of these places is late, not lost: the drain's bound ran out before it went."""


def fates(url: str, keys: list[str]) -> dict[str, str]:
    """Where each arrival (by key) stands: set aside, still in the intake, its relay still in the
    outbox (pending, held, failed), or handled with no relay left to send — lost."""
    found: dict[str, str] = {}
    mark = "?" if _is_sqlite(url) else "%s"
    with _connection(url) as connection:
        for key in keys:
            row = connection.execute(f"SELECT done_at, error FROM intake WHERE key = {mark}", (key,)).fetchone()
            if row is None:
                found[key] = "never stored"
            elif row[1] is not None:
                found[key] = "set aside"
            elif row[0] is None:
                found[key] = "still in the intake"
            else:
                states = []
                for stored_state, error in connection.execute(
                    f"SELECT delivery, error FROM outbox WHERE origin_id = {mark} ORDER BY seq", (key,)
                ).fetchall():
                    if error and error.startswith("merged into "):  # coalesced: its carrier tells
                        carrier = connection.execute(
                            f"SELECT delivery FROM outbox WHERE id = {mark}", (error.removeprefix("merged into "),)
                        ).fetchone()
                        states.append(carrier[0] if carrier else stored_state)
                    else:
                        states.append(stored_state)
                waiting = [state for state in states if state in ("pending", "held", "failed")]
                found[key] = f"relay {waiting[0]} in the outbox" if waiting else "handled, no relay queued"
    return found


def set_aside(url: str, limit: int = 3) -> list[str]:
    """A few set-aside arrivals' reasons, for the report."""
    with _connection(url) as connection:
        rows = connection.execute(
            "SELECT key, error FROM intake WHERE error IS NOT NULL ORDER BY seq LIMIT " + str(int(limit))
        ).fetchall()
    return [f"{key}: {error[:120]}" for key, error in rows]


class WriteLock:
    """Holds the database's write lock from another connection, as a stuck job or a backup would.

    SQLite: `BEGIN IMMEDIATE` (the one writer lock). PostgreSQL: `LOCK TABLE intake, outbox IN
    ACCESS EXCLUSIVE MODE` in an open transaction: the webhook cannot store, the intake cannot
    mark arrivals handled, the courier cannot read or record sends.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._release = threading.Event()
        self._taken = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def hold(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._taken.wait(60):
            raise RuntimeError(f"could not take the write lock: {self.error!r}")

    def _run(self) -> None:
        try:
            if _is_sqlite(self.url):
                connection = sqlite3.connect(make_url(self.url).database or "", timeout=60, isolation_level=None)
                connection.execute("BEGIN IMMEDIATE")
                self._taken.set()
                self._release.wait()
                connection.execute("ROLLBACK")
                connection.close()
            else:
                import psycopg

                with psycopg.connect(_libpq(self.url)) as pg:
                    pg.execute("LOCK TABLE intake, outbox IN ACCESS EXCLUSIVE MODE")
                    self._taken.set()
                    self._release.wait()
                    pg.rollback()
        except BaseException as error:  # reported by hold()
            self.error = error
            self._taken.set()

    def release(self) -> None:
        self._release.set()
        if self._thread is not None:
            self._thread.join(30)
