"""Inbox and intake on SQL: what arrived, stored before the 200, and which message ids were handled.

Both are written at once, not at commit: the answer depends on what the database already holds
(a re-delivery), and its unique keys decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, bindparam, exists, func, or_, select, tuple_, update
from sqlalchemy.engine import Connection

from atende.application.arrivals import Arrival
from atende.application.ports import ArrivalState, Inbox, Intake

from . import codec
from . import tables as t
from .rows import Values, arrival_to_row
from .statements import ConnectionSource, insert_all_new, insert_new, racing

_DONE = (
    update(t.intake)
    .where(t.intake.c.key == bindparam("b_key"), t.intake.c.done_at.is_(None))
    .values(done_at=func.current_timestamp())
)
"""Built once: a statement built per call costs several times what the database takes to run it."""


class SqlInbox(Inbox):
    """Written at once, not at commit: the answer depends on what the database already holds."""

    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def first_time(self, message_id: str) -> bool:
        return insert_new(self._connection(), t.inbox, {"message_id": message_id}, t.inbox.c.message_id)


class SqlIntake(Intake):
    """Stored at once, not at commit, like the inbox: the unique key drops re-deliveries.

    `ready` hands out runs per sender in two statements: the senders whose earliest unhandled
    arrival may be handled now (on PostgreSQL each such head row is locked `FOR UPDATE SKIP
    LOCKED`, which claims its sender for this transaction: another worker skips it and takes the
    next senders), then those senders' arrivals in order. On SQLite the transaction's write lock
    already keeps every other worker out, so nothing more is needed.
    """

    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def add(self, arrival: Arrival, received_at: datetime) -> bool:
        return insert_new(self._connection(), t.intake, arrival_to_row(arrival, received_at), t.intake.c.key)

    def add_all(self, arrivals: Sequence[Arrival], received_at: datetime) -> int:
        rows: dict[str, Values] = {}
        for arrival in arrivals:  # a key twice in one call is a re-delivery, as `add` would say
            rows.setdefault(arrival.key, arrival_to_row(arrival, received_at))
        return len(insert_all_new(self._connection(), t.intake, list(rows.values()), t.intake.c.key))

    def ready(self, received_before: datetime, limit: int, now: datetime | None = None) -> Sequence[Arrival]:
        now = now or received_before
        connection = self._connection()
        heads = self._heads(connection, received_before, now, limit)
        # A head another worker handled and committed after our snapshot began: a lost race.
        senders = racing("the intake's senders", lambda: list(connection.scalars(heads)))
        if not senders:
            return []
        columns = t.intake.c
        runs = (
            select(columns.sender, columns.received_at, columns.retry_at, columns.payload)
            .where(t.WAITING, columns.sender.in_(senders))
            .order_by(columns.at, columns.seq)
            .limit(limit)
        )
        handed: list[Arrival] = []
        stopped: set[str] = set()
        for sender, received_at, retry_at, payload in connection.execute(runs):
            if sender in stopped:
                continue
            if received_at > received_before or (retry_at is not None and retry_at > now):
                stopped.add(sender)  # what this sender sent later waits behind this one
                continue
            handed.append(codec.arrival_from_dict(payload))
        return handed

    @staticmethod
    def _heads(connection: Connection, received_before: datetime, now: datetime, limit: int) -> Select[tuple[str]]:
        """Senders whose earliest unhandled arrival may be handled now, by that arrival's time."""
        columns = t.intake.c
        earlier = t.intake.alias("earlier")
        before_it = tuple_(earlier.c.at, earlier.c.seq) < tuple_(columns.at, columns.seq)  # a range on the index
        query = (
            select(columns.sender)
            .where(
                t.WAITING,
                columns.received_at <= received_before,
                or_(columns.retry_at.is_(None), columns.retry_at <= now),
                ~exists().where(earlier.c.sender == columns.sender, earlier.c.done_at.is_(None), before_it),
            )
            .order_by(columns.at, columns.seq)
            .limit(limit)
        )
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=t.intake)
        return query

    def done(self, key: str, error: str | None = None) -> bool:
        """Written at once: on PostgreSQL the row lock makes a second worker handling the same
        arrival wait for the first and then retry (it lost a race), instead of both going ahead;
        the retry, like a second worker on SQLite, then finds it done already."""
        columns = t.intake.c
        result = racing(f"arrival {key}", lambda: self._connection().execute(_DONE, {"b_key": key, "error": error}))
        if result.rowcount == 1:
            return True
        if self._connection().scalar(select(func.count()).where(columns.key == key)):
            return False
        raise LookupError(f"arrival {key} is not stored")

    def failed(self, key: str, error: str) -> int:
        columns = t.intake.c
        statement = (
            update(t.intake)
            .where(columns.key == key, columns.done_at.is_(None))
            .values(attempts=columns.attempts + 1, last_error=error)
            .returning(columns.attempts)
        )
        attempts = racing(f"arrival {key}", lambda: self._connection().scalar(statement))
        return int(attempts or 0)

    def postpone(self, key: str, until: datetime) -> None:
        statement = update(t.intake).where(t.intake.c.key == key).values(retry_at=until)
        racing(f"arrival {key}", lambda: self._connection().execute(statement))

    def state(self, key: str) -> ArrivalState | None:
        columns = t.intake.c
        row = self._connection().execute(select(columns.done_at, columns.error).where(columns.key == key)).first()
        if row is None:
            return None
        if row.done_at is None:
            return ArrivalState.PENDING
        return ArrivalState.HANDLED if row.error is None else ArrivalState.SET_ASIDE

    def put_back(self, key: str | None = None) -> int:
        columns = t.intake.c
        statement = update(t.intake).where(t.SET_ASIDE, columns.done_at.is_not(None))
        if key is not None:
            statement = statement.where(columns.key == key)
        statement = statement.values(done_at=None, error=None, attempts=0, retry_at=None)
        return racing("arrivals set aside", lambda: self._connection().execute(statement)).rowcount
