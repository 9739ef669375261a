"""In-memory fakes of every port: real behaviour (copies, rollback, versions), no mocks."""

from __future__ import annotations

import copy
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from atende.application.arrivals import Arrival, Inbound
from atende.application.failures import Failure, SendError
from atende.application.outbound import Delivery, Lane, Outgoing
from atende.application.ports import (
    ArrivalState,
    Inbox,
    Intake,
    Leases,
    Outbox,
    Retention,
    UnitOfWork,
    WhatsAppGateway,
)
from atende.application.reports import (
    AgentLoad,
    HourRow,
    Live,
    Period,
    PresenceSpan,
    Reports,
    ServiceRow,
    StoredArrival,
    Tally,
    WaitingLine,
)
from atende.application.telemetry import Telemetry
from atende.domain.agent import Agent
from atende.domain.contact import Contact
from atende.domain.conversation import Conversation, Stage
from atende.domain.events import (
    Abandoned,
    Assigned,
    Closed,
    EnteredQueue,
    Event,
    IdleClosed,
    OfferTimedOut,
    PresenceChanged,
    Rated,
    Removed,
    Transferred,
)
from atende.domain.exceptions import ConcurrencyConflict
from atende.domain.message import Message
from atende.domain.repositories import (
    IDLE_STAGES,
    AgentRepository,
    ContactRepository,
    ConversationRepository,
    EventLog,
    LinePart,
    MessageRepository,
)
from atende.domain.routing import queue_order


@dataclass
class LaneState:
    """An `outbox_lanes` row: pacing, when worth claiming, and whose it is until when."""

    paced_until: datetime | None = None
    ready_at: datetime | None = None
    claimed_by: str | None = None
    claimed_until: datetime | None = None


@dataclass(frozen=True)
class Tries:
    attempts: int = 0
    retry_at: datetime | None = None
    last_error: str | None = None


def _sender(arrival: Arrival) -> str:
    """Whose arrival it is, as the intake table keeps it: the writer, or a status's recipient."""
    return arrival.sender if isinstance(arrival, Inbound) else arrival.recipient


class Store:
    """What the fake database holds between units of work."""

    def __init__(self) -> None:
        self.conversations: dict[str, Conversation] = {}
        self.agents: dict[str, Agent] = {}
        self.messages: list[Message] = []
        self.events: list[Event] = []
        self.outbox: list[Outgoing] = []
        self.inbox: set[str] = set()
        self.inbox_at: dict[str, datetime] = {}
        """When each handled-message key was recorded (by `now`), for retention."""
        self.contacts: dict[str, Contact] = {}
        self.intake: dict[str, tuple[Arrival, datetime, str | None]] = {}
        """key → (arrival, received at, outcome: None while waiting, "" when done, else the error)."""
        self.intake_tries: dict[str, Tries] = {}
        """key → failed attempts at handling it so far (absent: none)."""
        self.leases: dict[str, tuple[str, datetime]] = {}
        self.lanes: dict[str, LaneState] = {}
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        """The storage's own clock (leases are timed by it, not by the asking process's)."""
        self.broken: dict[str, Exception] = {}
        """Operations told to fail, as a real database's can ("intake.add", "inbox.first_time")."""

    def fail_if_broken(self, operation: str) -> None:
        if operation in self.broken:
            raise self.broken[operation]


def _detached(entity: Conversation | Agent | Contact) -> Conversation | Agent | Contact:
    clone = copy.deepcopy(entity)
    clone.events = []
    return clone


class FakeConversations(ConversationRepository):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.added: list[Conversation] = []

    def code_taken(self, code: str) -> bool:
        return code in self.store.conversations or code in self.seen

    def recent(self, limit: int) -> Sequence[Conversation]:
        rows = sorted(self.store.conversations.values(), key=lambda c: c.opened_at, reverse=True)
        return [copy.deepcopy(c) for c in rows[:limit]]

    def _add(self, conversation: Conversation) -> None:
        self.added.append(conversation)

    def _get(self, code: str) -> Conversation | None:
        found = self.store.conversations.get(code)
        return copy.deepcopy(found) if found else None

    def _open_for(self, wa_id: str) -> Conversation | None:
        return next(
            (copy.deepcopy(c) for c in self.store.conversations.values() if c.customer.wa_id == wa_id and c.is_open),
            None,
        )

    def _waiting(self, department: str | None) -> Sequence[Conversation]:
        return [
            copy.deepcopy(c)
            for c in self.store.conversations.values()
            if c.stage is Stage.QUEUED and department in (None, c.department)
        ]

    def _assigned(self, agent: str | None) -> Sequence[Conversation]:
        return [
            copy.deepcopy(c)
            for c in self.store.conversations.values()
            if c.stage is Stage.ASSIGNED and agent in (None, c.agent)
        ]

    def _loads(self, excluding: Collection[str]) -> Mapping[str, int]:
        return Counter(
            c.agent
            for c in self.store.conversations.values()
            if c.stage is Stage.ASSIGNED and c.agent and c.code not in excluding
        )

    def _count_ahead(self, department: str, key: tuple[datetime, str], excluding: Collection[str]) -> int:
        line = self._stored_line(excluding)
        return sum(1 for c in line if c.department == department and queue_order(c) < key)

    def _line_parts(self, excluding: Collection[str]) -> Sequence[LinePart]:
        parts: dict[str, LinePart] = {}
        for c in self._stored_line(excluding):
            assert c.department is not None
            part = LinePart(c.department, 1, queue_order(c), c.waiting_since)
            parts[c.department] = parts[c.department].joined(part) if c.department in parts else part
        return list(parts.values())

    def _stored_line(self, excluding: Collection[str]) -> list[Conversation]:
        stored = self.store.conversations.values()
        return [c for c in stored if c.stage is Stage.QUEUED and c.code not in excluding]

    def _quiet(self, before: datetime) -> Sequence[Conversation]:
        return [
            copy.deepcopy(c)
            for c in self.store.conversations.values()
            if c.stage in IDLE_STAGES and c.last_active < before
        ]


class FakeAgents(AgentRepository):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def _add(self, agent: Agent) -> None:
        pass

    def _get(self, phone: str) -> Agent | None:
        found = self.store.agents.get(phone)
        return copy.deepcopy(found) if found else None

    def _all(self) -> Sequence[Agent]:
        return [copy.deepcopy(a) for a in sorted(self.store.agents.values(), key=lambda a: a.phone)]


class FakeMessages(MessageRepository):
    def __init__(self, store: Store) -> None:
        self.store = store
        self.added: list[Message] = []

    def add(self, message: Message) -> None:
        self.added.append(message)

    def for_conversation(self, code: str, limit: int | None = None) -> list[Message]:
        mine = [m for m in [*self.store.messages, *self.added] if m.conversation == code]
        return mine[-limit:] if limit else mine


class FakeEvents(EventLog):
    def __init__(self, store: Store) -> None:
        self.store = store
        self.added: list[Event] = []

    def add(self, event: Event) -> None:
        self.added.append(event)

    def for_conversation(self, code: str) -> list[Event]:
        return [e for e in [*self.store.events, *self.added] if e.code == code]

    def recent_waits(self, department: str, limit: int) -> list[float]:
        waits = [e.waited_seconds for e in self.store.events if isinstance(e, Assigned) and e.department == department]
        return waits[::-1][:limit]

    def since(self, moment: datetime) -> list[Event]:
        return [e for e in self.store.events if e.at >= moment]


class FakeOutbox(Outbox):
    def __init__(self, store: Store) -> None:
        self.store = store
        self.added: list[Outgoing] = []
        self.saved: list[Outgoing] = []
        self.claimed: dict[str, LaneState] = {}
        self.released: dict[str, tuple[str, datetime | None, datetime | None]] = {}

    def add(self, message: Outgoing) -> None:
        self.added.append(message)

    def claim(self, holder: str, now: datetime, *, lanes: int, per_lane: int, seconds: float) -> Sequence[Lane]:
        waiting: dict[str, list[Outgoing]] = {}
        for message in self.store.outbox:
            if message.delivery is Delivery.PENDING:
                waiting.setdefault(message.to, []).append(message)
        claimed: list[Lane] = []
        for recipient, messages in waiting.items():
            state = self.store.lanes.get(recipient, LaneState())
            if state.ready_at is not None and state.ready_at > now:
                continue
            if state.claimed_until is not None and state.claimed_until > now:
                continue
            if len(claimed) == lanes:
                break
            self.claimed[recipient] = LaneState(
                state.paced_until, state.ready_at, holder, now + timedelta(seconds=seconds)
            )
            claimed.append(Lane(recipient, state.paced_until, [copy.deepcopy(m) for m in messages[:per_lane]]))
        return claimed

    def release(self, holder: str, recipient: str, paced_until: datetime | None, ready_at: datetime | None) -> None:
        self.released[recipient] = (holder, paced_until, ready_at)

    def pending(self, limit: int, *, skip: Collection[str] = ()) -> Sequence[Outgoing]:
        ready = [m for m in self.store.outbox if m.delivery is Delivery.PENDING and m.to not in skip]
        return [copy.deepcopy(m) for m in ready[:limit]]

    def held_for(self, wa_id: str) -> Sequence[Outgoing]:
        return [copy.deepcopy(m) for m in self.store.outbox if m.delivery is Delivery.HELD and m.to == wa_id]

    def released_unsent(self, wa_id: str) -> int:
        return sum(
            1 for m in self.store.outbox if m.to == wa_id and m.held_at is not None and m.delivery is Delivery.PENDING
        )

    def save(self, message: Outgoing) -> None:
        self.saved.append(message)

    def copy_of(self, origin_id: str, to: str | None = None) -> Outgoing | None:
        copies = [m for m in self.store.outbox if m.origin_id == origin_id and to in (None, m.to) and m.provider_id]
        return copy.deepcopy(copies[-1]) if copies else None

    def by_provider_id(self, provider_id: str) -> Outgoing | None:
        return next((copy.deepcopy(m) for m in self.store.outbox if m.provider_id == provider_id), None)


class FakeInbox(Inbox):
    def __init__(self, store: Store) -> None:
        self.store = store
        self.added: set[str] = set()

    def first_time(self, message_id: str) -> bool:
        self.store.fail_if_broken("inbox.first_time")
        if message_id in self.store.inbox or message_id in self.added:
            return False
        self.added.add(message_id)
        return True


class FakeContacts(ContactRepository):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def _add(self, contact: Contact) -> None:
        pass

    def _matching(self, ids: Sequence[str]) -> Sequence[Contact]:
        wanted = set(ids)
        return [copy.deepcopy(c) for c in self.store.contacts.values() if wanted & {c.wa_id, c.phone, c.user_id}]


class FakeIntake(Intake):
    def __init__(self, store: Store) -> None:
        self.store = store
        self.added: dict[str, tuple[Arrival, datetime, str | None]] = {}
        self.finished: dict[str, str] = {}
        self.tries: dict[str, Tries] = {}
        self.reopened: set[str] = set()

    def add(self, arrival: Arrival, received_at: datetime) -> bool:
        self.store.fail_if_broken("intake.add")
        if arrival.key in self.store.intake or arrival.key in self.added:
            return False
        self.added[arrival.key] = (arrival, received_at, None)
        return True

    def _tries(self, key: str) -> Tries:
        return self.tries.get(key) or self.store.intake_tries.get(key) or Tries()

    def ready(self, received_before: datetime, limit: int, now: datetime | None = None) -> Sequence[Arrival]:
        self.store.fail_if_broken("intake.ready")
        now = now or received_before
        waiting = [
            (arrival, order, received)
            for order, (arrival, received, outcome) in enumerate(self.store.intake.values())
            if outcome is None and arrival.key not in self.finished
        ]
        waiting.sort(key=lambda item: (item[0].at, item[1]))
        handed: list[Arrival] = []
        stopped: set[str] = set()
        for arrival, _, received in waiting:
            if _sender(arrival) in stopped:
                continue
            retry_at = self._tries(arrival.key).retry_at
            if received > received_before or (retry_at is not None and retry_at > now):
                stopped.add(_sender(arrival))
                continue
            handed.append(arrival)
            if len(handed) == limit:
                break
        return handed

    def done(self, key: str, error: str | None = None) -> bool:
        stored = self.store.intake.get(key) or self.added.get(key)
        if stored is None:
            raise LookupError(f"arrival {key} is not stored")
        if stored[2] is not None or key in self.finished:
            return False
        self.finished[key] = error or ""
        return True

    def failed(self, key: str, error: str) -> int:
        if self.state(key) is not ArrivalState.PENDING:
            return 0
        tries = self._tries(key)
        self.tries[key] = replace(tries, attempts=tries.attempts + 1, last_error=error)
        return tries.attempts + 1

    def postpone(self, key: str, until: datetime) -> None:
        self.tries[key] = replace(self._tries(key), retry_at=until)

    def state(self, key: str) -> ArrivalState | None:
        stored = self.store.intake.get(key) or self.added.get(key)
        if stored is None:
            return None
        outcome = self.finished.get(key, stored[2])
        if outcome is None:
            return ArrivalState.PENDING
        return ArrivalState.SET_ASIDE if outcome else ArrivalState.HANDLED

    def put_back(self, key: str | None = None) -> int:
        keys = [k for k in self.store.intake if key in (None, k) and self.state(k) is ArrivalState.SET_ASIDE]
        for k in keys:
            self.reopened.add(k)
            self.tries[k] = Tries(last_error=self._tries(k).last_error)
        return len(keys)

    def write(self) -> None:
        self.store.intake.update(self.added)
        for key, outcome in self.finished.items():
            arrival, received, _ = self.store.intake[key]
            self.store.intake[key] = (arrival, received, outcome)
        for key in self.reopened:
            arrival, received, _ = self.store.intake[key]
            self.store.intake[key] = (arrival, received, None)
        self.store.intake_tries.update(self.tries)


class FakeLeases(Leases):
    """Timed by the store's clock, as a database times leases by its own (`Store.now`)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.taken: dict[str, tuple[str, datetime]] = {}

    def acquire(self, name: str, holder: str, seconds: float) -> bool:
        now = self.store.now()
        current = self.taken.get(name) or self.store.leases.get(name)
        if current is not None and current[0] != holder and current[1] > now:
            return False
        self.taken[name] = (holder, now + timedelta(seconds=seconds))
        return True

    def release(self, name: str, holder: str) -> None:
        current = self.taken.get(name) or self.store.leases.get(name)
        if current is not None and current[0] == holder:
            self.taken[name] = (holder, self.store.now())


class FakeRetention(Retention):
    """Deletes at commit, like the rest of the fakes; handled arrivals are aged by their receipt
    (the fake keeps no time of handling), keys by when their step committed (`Store.inbox_at`)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.intake: set[str] = set()
        self.inbox: set[str] = set()
        self.outbox: set[str] = set()

    def prune_intake(self, handled_before: datetime, limit: int) -> int:
        old = sorted(
            (received, key)
            for key, (_, received, outcome) in self.store.intake.items()
            if outcome == "" and received < handled_before and key not in self.intake
        )
        return self._take(self.intake, [key for _, key in old], limit)

    def prune_inbox(self, recorded_before: datetime, limit: int) -> int:
        old = sorted((at, key) for key, at in self.store.inbox_at.items() if at < recorded_before)
        return self._take(self.inbox, [key for _, key in old if key not in self.inbox], limit)

    def prune_outbox(self, sent_before: datetime, limit: int) -> int:
        taken = (Delivery.SENT, Delivery.DELIVERED, Delivery.READ)
        old = [m.id for m in self.store.outbox if m.delivery in taken and m.created_at < sent_before]
        return self._take(self.outbox, [key for key in old if key not in self.outbox], limit)

    @staticmethod
    def _take(into: set[str], keys: list[str], limit: int) -> int:
        into.update(keys[:limit])
        return len(keys[:limit])

    def apply(self) -> None:
        for key in self.intake:
            self.store.intake.pop(key, None)
        for key in self.inbox:
            self.store.inbox.discard(key)
            self.store.inbox_at.pop(key, None)
        self.store.outbox = [m for m in self.store.outbox if m.id not in self.outbox]


STEPS = (EnteredQueue, Assigned, OfferTimedOut, Abandoned, Removed, Transferred, IdleClosed, Closed)


class FakeReports(Reports):
    """The figures computed in Python, one event at a time, straight from the definitions in
    `atende.application.reports`: the reference the SQL aggregates are checked against."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _steps(self, start: datetime) -> dict[str, list[Event]]:
        steps: dict[str, list[Event]] = defaultdict(list)
        for event in self.store.events:
            if isinstance(event, STEPS) and event.at >= start:
                steps[event.code].append(event)
        return steps

    def service(self, period: Period, threshold_seconds: float) -> list[ServiceRow]:
        tallies: dict[tuple[str, str | None], Tally] = defaultdict(Tally)
        for steps in self._steps(period.start).values():
            for index, step in enumerate(steps):
                before = steps[index - 1] if index else None
                after = steps[index + 1] if index + 1 < len(steps) else None
                if step.at >= period.end:
                    continue
                match step:
                    case EnteredQueue(department=department):
                        tallies[department, None] += Tally(offered=1)
                    case Assigned(department=department, agent=agent, waited_seconds=waited):
                        if isinstance(after, OfferTimedOut):
                            continue
                        ended = isinstance(after, Closed | Transferred)  # an idle close ends no handled part
                        tallies[department, agent] += Tally(
                            answered=1,
                            answered_within=int(waited <= threshold_seconds),
                            wait_seconds=waited,
                            handled=int(ended),
                            handle_seconds=(after.at - step.at).total_seconds() if after and ended else 0.0,
                        )
                    case Abandoned(department=str(department)):
                        tallies[department, None] += Tally(left=1)
                    case Removed(department=department):
                        tallies[department, None] += Tally(removed=1)
                    case Closed() if isinstance(before, EnteredQueue | OfferTimedOut):
                        tallies[before.department, None] += Tally(closed_waiting=1)
        for event in self.store.events:
            if isinstance(event, Rated) and period.start <= event.at < period.end:
                conversation = self.store.conversations[event.code]
                if conversation.department is not None:
                    key = (conversation.department, conversation.agent)
                    tallies[key] += Tally(ratings=1, rating_points=event.score)
        return [ServiceRow(department, agent, tally) for (department, agent), tally in tallies.items()]

    def hourly(self, period: Period) -> list[HourRow]:
        tallies: dict[tuple[str, datetime], Tally] = defaultdict(Tally)
        for steps in self._steps(period.start).values():
            for index, step in enumerate(steps):
                after = steps[index + 1] if index + 1 < len(steps) else None
                if step.at >= period.end:
                    continue
                hour = step.at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
                if isinstance(step, EnteredQueue):
                    tallies[step.department, hour] += Tally(offered=1)
                elif isinstance(step, Assigned) and not isinstance(after, OfferTimedOut):
                    ended = isinstance(after, Closed | Transferred)
                    tallies[step.department, hour] += Tally(
                        answered=1,
                        wait_seconds=step.waited_seconds,
                        handled=int(ended),
                        handle_seconds=(after.at - step.at).total_seconds() if after and ended else 0.0,
                    )
        return [
            HourRow(department, hour, t.offered, t.answered, t.wait_seconds, t.handled, t.handle_seconds)
            for (department, hour), t in sorted(tallies.items())
        ]

    def presence(self, period: Period) -> list[PresenceSpan]:
        changes: dict[str, list[PresenceChanged]] = defaultdict(list)
        for event in self.store.events:
            if isinstance(event, PresenceChanged):
                changes[event.agent].append(event)
        spans = []
        for agent in sorted(changes):
            mine = changes[agent]
            for change, following in zip(mine, [*mine[1:], None], strict=True):
                end = following.at if following else None
                if change.at < period.end and (end is None or end > period.start):
                    spans.append(PresenceSpan(agent, change.presence, change.at, end))
        return spans

    def arrivals_span(self) -> Period | None:
        arrivals = [event.at for event in self.store.events if isinstance(event, EnteredQueue)]
        return Period(min(arrivals), max(arrivals)) if arrivals else None

    def live(self) -> Live:
        conversations = list(self.store.conversations.values())
        lines: dict[str, list[datetime]] = defaultdict(list)
        for c in conversations:
            if c.stage is Stage.QUEUED and c.department is not None:
                lines[c.department].append(c.waiting_since or c.opened_at)
        loads: defaultdict[str, int] = defaultdict(int)
        for c in conversations:
            if c.stage is Stage.ASSIGNED and c.agent:
                loads[c.agent] += 1
        pending = [m for m in self.store.outbox if m.delivery is Delivery.PENDING]
        waiting = [received for _, received, outcome in self.store.intake.values() if outcome is None]
        return Live(
            lines=tuple(WaitingLine(key, len(since), min(since)) for key, since in sorted(lines.items())),
            agents=tuple(
                AgentLoad(a.phone, a.presence.value, a.capacity, loads[a.phone])
                for a in sorted(self.store.agents.values(), key=lambda a: a.phone)
            ),
            outbox_pending=len(pending),
            outbox_oldest=min((m.created_at for m in pending), default=None),
            outbox_held=sum(1 for m in self.store.outbox if m.delivery is Delivery.HELD),
            intake_waiting=len(waiting),
            intake_oldest=min(waiting, default=None),
            intake_set_aside=sum(1 for _, _, outcome in self.store.intake.values() if outcome),
        )

    def stored_arrivals(self, *, set_aside: bool, limit: int) -> list[StoredArrival]:
        rows = [
            (order, arrival, received, outcome)
            for order, (arrival, received, outcome) in enumerate(self.store.intake.values())
            if (bool(outcome) if set_aside else outcome is None)
        ]
        if not set_aside:
            rows.sort(key=lambda row: (row[1].at, row[0]))
        found = []
        for _, arrival, received, outcome in rows[:limit]:
            tries = self.store.intake_tries.get(arrival.key) or Tries()
            found.append(
                StoredArrival(
                    key=arrival.key,
                    kind="message" if isinstance(arrival, Inbound) else "status",
                    sender=_sender(arrival),
                    at=arrival.at,
                    received_at=received,
                    attempts=tries.attempts,
                    retry_at=tries.retry_at,
                    error=outcome or tries.last_error,
                    set_aside_at=None,  # the fakes keep no time of it
                )
            )
        return found


class FakeUnitOfWork(UnitOfWork):
    """Copies in on read, copies out on commit: a rollback really forgets, versions really conflict."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.committed = False
        self._before_flush: dict[str, object] | None = None
        self.conversations = FakeConversations(store)
        self.agents = FakeAgents(store)
        self.messages = FakeMessages(store)
        self.events = FakeEvents(store)
        self.outbox = FakeOutbox(store)
        self.inbox = FakeInbox(store)
        self.contacts = FakeContacts(store)
        self.intake = FakeIntake(store)
        self.leases = FakeLeases(store)
        self.retention = FakeRetention(store)
        self.reports = FakeReports(store)

    def _write(self) -> None:
        conversations: FakeConversations = self.conversations
        agents: FakeAgents = self.agents
        added = {c.code for c in conversations.added}
        for code, conversation in conversations.seen.items():
            self._check(self.store.conversations.get(code), conversation, code in added)
        for phone, agent in agents.seen.items():
            self._check(self.store.agents.get(phone), agent, False)
        for wa_id, contact in self.contacts.seen.items():
            self._check(self.store.contacts.get(wa_id), contact, False)
        self._check_identities()
        for code, conversation in conversations.seen.items():
            conversation.version += 1
            self.store.conversations[code] = _detached(conversation)  # type: ignore[assignment]
        for phone, agent in agents.seen.items():
            agent.version += 1
            self.store.agents[phone] = _detached(agent)  # type: ignore[assignment]
        for wa_id, contact in self.contacts.seen.items():
            contact.version += 1
            self.store.contacts[wa_id] = _detached(contact)  # type: ignore[assignment]
        self.store.messages.extend(self.messages.added)
        self.store.events.extend(self.events.added)
        self.store.outbox.extend(copy.deepcopy(self.outbox.added))
        for saved in self.outbox.saved:
            index = next(i for i, m in enumerate(self.store.outbox) if m.id == saved.id)
            self.store.outbox[index] = copy.deepcopy(saved)
        self.store.inbox |= self.inbox.added
        self.store.inbox_at.update(dict.fromkeys(self.inbox.added, self.store.now()))
        self.intake.write()
        self.store.leases.update(self.leases.taken)
        self.store.lanes.update(self.outbox.claimed)
        for recipient, (holder, paced_until, ready_at) in self.outbox.released.items():
            lane = self.store.lanes.get(recipient)
            if lane is not None and lane.claimed_by == holder:
                self.store.lanes[recipient] = LaneState(paced_until, ready_at)
        self.retention.apply()

    def _commit(self) -> None:
        self._write()
        self.committed = True
        self._before_flush = None
        self._reset()

    def _flush(self) -> None:
        """Written to the store at once, as a database writes inside its transaction; a rollback
        puts back what the store held before the first flush."""
        if self._before_flush is None:
            self._before_flush = copy.deepcopy(vars(self.store))
        self._write()
        self._reset()

    def _check(self, stored: Conversation | Agent | None, live: Conversation | Agent, is_new: bool) -> None:
        if is_new and stored is not None:
            raise ConcurrencyConflict("duplicate key")
        if stored is not None and stored.version != live.version:
            raise ConcurrencyConflict("stale version")

    def _check_identities(self) -> None:
        """A phone number or a BSUID names one contact, as the database's unique constraints say."""
        after = {**self.store.contacts, **self.contacts.seen}
        for attribute in ("phone", "user_id"):
            named = [getattr(c, attribute) for c in after.values() if getattr(c, attribute)]
            if len(named) != len(set(named)):
                raise ConcurrencyConflict(f"duplicate contact {attribute}")

    def rollback(self) -> None:
        if self._before_flush is not None:
            vars(self.store).update(self._before_flush)
            self._before_flush = None
        self._reset()

    def _reset(self) -> None:
        self.conversations = FakeConversations(self.store)
        self.agents = FakeAgents(self.store)
        self.messages = FakeMessages(self.store)
        self.events = FakeEvents(self.store)
        self.outbox = FakeOutbox(self.store)
        self.inbox = FakeInbox(self.store)
        self.contacts = FakeContacts(self.store)
        self.intake = FakeIntake(self.store)
        self.leases = FakeLeases(self.store)
        self.retention = FakeRetention(self.store)


class RecordingTelemetry(Telemetry):
    """What the use cases reported, as a list of (what, detail)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def handled(self, kind: str) -> None:
        self.seen.append(("handled", kind))

    def sent(self, message: Outgoing, carried: int = 1) -> None:
        self.seen.append(("sent", f"{message.audience.value}:{carried}:{'relay' if message.origin_id else 'own'}"))

    def send_failed(self, failure: Failure) -> None:
        self.seen.append(("failed", failure.value))


class FakeGateway(WhatsAppGateway):
    """Records what would have gone to WhatsApp, and answers with fresh ids as Meta does."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self.failing: dict[str, SendError] = {}
        self.provider_ids: dict[str, str] = {}
        """Outgoing.id → the id WhatsApp answered with, whatever stores the outbox."""
        self._ids = itertools.count(1)

    def send(self, message: Outgoing) -> str:
        if message.to in self.failing:
            raise self.failing[message.to]
        self.sent.append(message)
        self.provider_ids[message.id] = f"wamid.out{next(self._ids)}"
        return self.provider_ids[message.id]

    def to(self, wa_id: str) -> list[Outgoing]:
        return [m for m in self.sent if m.to == wa_id]
