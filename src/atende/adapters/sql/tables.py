"""The schema: SQLModel rows, one per table, with indexes shaped after the queries that use them.

Rows are storage only. Repositories map them to the domain's dataclasses by hand (data
mapper), and talk to the tables through SQLAlchemy Core for speed. Types are the portable
ones (strings, integers, JSON, timestamps), so the same schema runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, Table, func, text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from .codec import from_stored, to_utc

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Named constraints, so later migrations can drop or alter them (SQLite needs names to rebuild)."""


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps go in as UTC and always come out aware, whatever the engine does with zones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = to_utc(value)
        # SQLite has no zone-aware type: the driver would drop the offset without converting.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else from_stored(value)


Sequence = BigInteger().with_variant(Integer(), "sqlite")
"""An autoincrementing 64-bit key; SQLite only autoincrements a column declared INTEGER."""

OPEN = text("stage <> 'closed'")
WAITING = text("done_at IS NULL")
"""Intake rows not handled yet; queries repeat it word for word so SQLite uses the partial index."""
HANDLED = text("done_at IS NOT NULL AND error IS NULL")
"""Intake rows handled (not set aside): what retention prunes once old; the partial index's
condition, repeated word for word by the query."""
SET_ASIDE = text("error IS NOT NULL")

"""Intake rows given up on; as small as the problems, however many handled rows pile up."""


class ConversationRow(SQLModel, table=True):
    __tablename__ = "conversations"
    __table_args__ = (
        # The waiting line: WHERE stage = 'queued' [AND department = ?] ORDER BY queued_at, code;
        # covering for places and per-department aggregates, which count it without reading rows.
        Index("ix_conversations_line", "stage", "department", "queued_at", "code", "waiting_since"),
        # A customer has at most one open conversation; also serves `open_for(wa_id)`.
        Index(
            "ux_conversations_open_customer",
            "customer_wa_id",
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
        Index("ix_conversations_opened_at", "opened_at"),
        # The idle rules' pass: WHERE stage IN ('choosing', 'assigned', 'rating') AND active_at < ?.
        Index("ix_conversations_quiet", "stage", "active_at"),
        # Agents' loads: WHERE stage = 'assigned' GROUP BY agent, and one agent's: AND agent = ?.
        Index("ix_conversations_agent", "stage", "agent"),
        # A department's earliest wait: MIN(waiting_since) WHERE stage = 'queued' AND department = ?.
        Index("ix_conversations_waiting_since", "stage", "department", "waiting_since"),
    )

    code: str = Field(primary_key=True)
    customer_wa_id: str
    customer_name: str = ""
    opened_at: datetime = Field(sa_type=UtcDateTime)
    stage: str
    department: str | None = None
    queued_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    waiting_since: datetime | None = Field(default=None, sa_type=UtcDateTime)
    agent: str | None = Field(default=None, foreign_key="agents.phone")
    assigned_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    offer_reminded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    close_reason: str | None = None
    rating: int | None = None
    transferred_from: str | None = None
    transferred_by: str | None = None
    told_closed_hours: bool = False
    position_told_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    reprompted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    active_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    version: int


class AgentRow(SQLModel, table=True):
    __tablename__ = "agents"

    phone: str = Field(primary_key=True)
    name: str
    departments: list[str] = Field(sa_type=JSON)
    capacity: int
    presence: str
    pause_reason: str | None = None
    idle_since: datetime | None = Field(default=None, sa_type=UtcDateTime)
    active: str | None = None
    reminded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_wrote_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    version: int


class MessageRow(SQLModel, table=True):
    """The transcript; `seq` keeps the order in which messages were written."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation", "conversation", "seq"),)

    seq: int | None = Field(default=None, primary_key=True, sa_type=Sequence)
    id: str = Field(index=True)
    conversation: str = Field(foreign_key="conversations.code")
    author: str
    author_name: str = ""
    content: dict[str, Any] = Field(sa_type=JSON)
    at: datetime = Field(sa_type=UtcDateTime)


class EventRow(SQLModel, table=True):
    """Domain events: the full event in `data`, plus the columns that reports filter on."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_conversation", "code", "seq"),
        # Recent waits: WHERE kind = 'assigned' AND department = ? ORDER BY seq DESC.
        Index("ix_events_kind_department", "kind", "department", "seq"),
        Index("ix_events_at", "at"),
    )

    seq: int | None = Field(default=None, primary_key=True, sa_type=Sequence)
    code: str = Field(foreign_key="conversations.code")
    kind: str
    at: datetime = Field(sa_type=UtcDateTime)
    department: str | None = None
    agent: str | None = None
    data: dict[str, Any] = Field(sa_type=JSON)


class OutboxRow(SQLModel, table=True):
    """Outbound messages; `seq` is the sending order, `provider_id` how WhatsApp names the copy.

    `delivery` is free text (pending, held, sent, delivered, read, failed), not an enum type or
    CHECK: a new state then needs no table rebuild, and the mapping refuses unknown values.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "delivery", "seq"),
        # What waits for one agent's window: WHERE delivery = 'held' AND recipient = ? ORDER BY seq.
        Index("ix_outbox_held", "delivery", "recipient", "seq"),
        # The copies of a message, which an edit or a deletion of the original names.
        Index("ix_outbox_origin", "origin_id"),
        # Retention: WHERE delivery IN (sent, delivered, read) AND created_at < ?: each state's
        # old rows only, never the whole history.
        Index("ix_outbox_taken_at", "delivery", "created_at"),
    )

    seq: int | None = Field(default=None, primary_key=True, sa_type=Sequence)
    id: str = Field(unique=True)
    recipient: str
    audience: str
    body: dict[str, Any] = Field(sa_type=JSON)
    created_at: datetime = Field(sa_type=UtcDateTime)
    conversation: str | None = Field(default=None, foreign_key="conversations.code")
    origin_id: str | None = None
    reply_to: str | None = None
    delivery: str
    provider_id: str | None = Field(default=None, unique=True)
    attempts: int = 0
    error: str | None = None
    error_code: int | None = None
    not_before: datetime | None = Field(default=None, sa_type=UtcDateTime)
    coalesce_key: str | None = None
    held_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class InboxRow(SQLModel, table=True):
    """Ids of handled inbound messages: the primary key is what makes handling exactly-once."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_recorded_at", "recorded_at"),)  # retention

    message_id: str = Field(primary_key=True)
    recorded_at: datetime | None = Field(
        default=None, sa_type=UtcDateTime, sa_column_kwargs={"server_default": func.current_timestamp()}
    )


class ContactRow(SQLModel, table=True):
    """Each WhatsApp party: who they are and their 24 h window; versioned like the aggregates,
    since use cases race on it. A phone number or a BSUID names at most one contact."""

    __tablename__ = "contacts"

    wa_id: str = Field(primary_key=True)
    phone: str | None = Field(default=None, unique=True)
    user_id: str | None = Field(default=None, unique=True)
    last_inbound_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    reopen_requested_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    version: int


class IntakeRow(SQLModel, table=True):
    """Webhook arrivals, stored before the 200: the unique `key` is what drops Meta's re-deliveries.

    `payload` is the whole arrival (codec); `kind`, `sender` and `at` repeat parts of it for
    people and queries. `at` is the arrival's own timestamp, the order they are handled in;
    `seq` breaks ties in the order they were stored.
    """

    __tablename__ = "intake"
    __table_args__ = (
        # `ready`: WHERE done_at IS NULL AND received_at <= ? ORDER BY at, seq. Partial, so it
        # stays as small as the backlog however many handled rows pile up behind it.
        Index("ix_intake_ready", "at", "seq", "received_at", sqlite_where=WAITING, postgresql_where=WAITING),
        # The set-aside count (`/metrics`) and listing: WHERE error IS NOT NULL.
        Index("ix_intake_set_aside", "seq", sqlite_where=SET_ASIDE, postgresql_where=SET_ASIDE),
        # Retention: handled arrivals older than the cutoff, oldest first. Partial, so the
        # backlog's `done_at IS NULL` never picks it over ix_intake_ready.
        Index("ix_intake_done_at", "done_at", sqlite_where=HANDLED, postgresql_where=HANDLED),
        # One sender's unhandled arrivals in order: whether an arrival is its sender's earliest
        # (`ready` hands out runs from there), and the run itself.
        Index("ix_intake_sender", "sender", "at", "seq", sqlite_where=WAITING, postgresql_where=WAITING),
    )

    seq: int | None = Field(default=None, primary_key=True, sa_type=Sequence)
    key: str = Field(unique=True)
    kind: str
    sender: str
    at: datetime = Field(sa_type=UtcDateTime)
    received_at: datetime = Field(sa_type=UtcDateTime)
    payload: dict[str, Any] = Field(sa_type=JSON)
    done_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    error: str | None = None
    """Why it was set aside (handling failed `attempts` times); None for one handled."""
    attempts: int = Field(sa_column_kwargs={"server_default": "0"})
    """Failed attempts at handling it; storage's own trouble (locks, lost connections) is not one."""
    retry_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    """After a failed attempt: not handed out again before then (nor anything its sender sent later)."""
    last_error: str | None = None


class PresenceRow(SQLModel, table=True):
    """Every change of an agent's presence (`PresenceChanged`): who was on duty when, for staffing.

    Apart from `events`, whose rows each belong to a conversation; these belong to an agent.
    """

    __tablename__ = "presence"
    __table_args__ = (
        # An agent's spans: WHERE agent = ? ORDER BY seq; a period's: WHERE at < ?.
        Index("ix_presence_agent", "agent", "seq"),
        Index("ix_presence_at", "at"),
    )

    seq: int | None = Field(default=None, primary_key=True, sa_type=Sequence)
    agent: str = Field(foreign_key="agents.phone")
    presence: str
    at: datetime = Field(sa_type=UtcDateTime)


class LeaseRow(SQLModel, table=True):
    """Jobs run once per cluster: whoever holds the row until `until` runs the job named `name`."""

    __tablename__ = "leases"

    name: str = Field(primary_key=True)
    holder: str
    until: datetime = Field(sa_type=UtcDateTime)


class OutboxLaneRow(SQLModel, table=True):
    """One recipient's line in the outbox: who is sending to them now, and their pacing.

    Rows are made by the first claim on a recipient; the outbox rows themselves say what waits.
    """

    __tablename__ = "outbox_lanes"

    recipient: str = Field(primary_key=True)
    paced_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    """The pair limit's state (GCRA): when the next send is due were sends spread evenly."""
    ready_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    """Not worth claiming before this (paced, or the head is backing off); None: at once."""
    claimed_by: str | None = None
    claimed_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    """When the claim lapses, by the database's clock on PostgreSQL."""


class LineMoveRow(SQLModel, table=True):
    """Customers joining (+1) and leaving (−1) a department's waiting line, written with the
    conversations that moved: a department's line length is the sum of its rows, which the
    retention pass folds into one row per department (ADR 0001). Only ever inserted between
    folds, so concurrent writers never contend for a counter row.
    """

    __tablename__ = "line_moves"
    __table_args__ = (
        # SUM(delta) WHERE department = ?, from the index alone.
        Index("ix_line_moves_department", "department", "delta"),
    )

    seq: int | None = Field(default=None, primary_key=True, sa_type=Sequence)
    department: str
    delta: int


def _table(row: type[SQLModel]) -> Table:
    table: Table = row.__table__  # type: ignore[attr-defined]
    return table


conversations = _table(ConversationRow)
agents = _table(AgentRow)
messages = _table(MessageRow)
events = _table(EventRow)
outbox = _table(OutboxRow)
inbox = _table(InboxRow)
contacts = _table(ContactRow)
intake = _table(IntakeRow)
leases = _table(LeaseRow)
lanes = _table(OutboxLaneRow)
presence = _table(PresenceRow)
line_moves = _table(LineMoveRow)

metadata = SQLModel.metadata
