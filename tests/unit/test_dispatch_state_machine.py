"""Dispatch as a state machine: random customers and agents drive the real use cases.

Hypothesis plays five customers and a small roster (Ana: financeiro, capacity 1 · Bruno:
financeiro + suporte, 1 · Carla: suporte + vendas + trocas, 3) against `World`, atende on the
in-memory fakes: writing, choosing departments, writing while queued, leaving, every queue
command, pauses, check-ins and check-outs, and time passing so offers time out and reminders
fire. After every step (and every tick) the stored state must keep the promises of docs/design.md §4
and ADR 0001:

* nothing lost, nobody served twice: every conversation ever opened is still stored, moves only
  along legal transitions (out of the queue only by being served, leaving or being removed),
  keeps its first enqueue time, and its event trail agrees with its stage;
* no agent over capacity, only agents on duty and of the customer's department serve, and an
  agent's active conversation is one of theirs;
* FIFO by first enqueue per department: whoever dispatch or `/proximo` assigns had nobody older
  waiting in their department (an explicit `/puxar` may jump the line, on purpose);
* nobody waits while an available agent of their department has a free slot;
* a customer answering the menu with what it does not understand is re-prompted at most once a
  minute (`REPROMPT_SECONDS`), however fast they write;
* after a tick no offer has waited `offer_timeout_seconds` (since it was made, or since its agent
  was last reminded of it); one whose agent wrote anything since then stayed with her, with a ⏳
  naming its customer; one whose agent was silent went back to the queue and she is paused; and
  queue ⏳ reminders go only to busy agents with someone waiting, at most once per interval;
* nothing hangs (docs/adr/0009-idle-rules.md): hours and days pass too, and after a tick no menu,
  rating question or assignment has been quiet for longer than its idle limit; an idle close
  ends only a menu or an assignment that was quiet that long, and never a queued customer.

`HYPOTHESIS_PROFILE=ci` (or `CI=1`) runs it with 500 examples; see tests/conftest.py.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from atende.application.customer import REPROMPT_SECONDS
from atende.application.outbound import Outgoing
from atende.application.settings import Settings
from atende.domain import events
from atende.domain.agent import Presence
from atende.domain.content import Choice
from atende.domain.conversation import CloseReason, Conversation, Stage
from atende.domain.department import Department
from atende.domain.routing import queue_order
from tests.world import ANA, BRUNO, CARLA, DEPARTMENTS, World, render
from tests.world import settings as world_settings

OFFER_TIMEOUT = 90
REMINDER = 60
"""Shorter than the offer timeout, so reminders also reach agents whose offers are still pending."""
STEPS = 100
"""Steps per example: 500 examples (the `ci` profile) take about a minute on two cores."""

CUSTOMERS = ("5511911110001", "5511911110002", "5511911110003", "5511911110004", "5511911110005")
NAMES = dict(zip(CUSTOMERS, ("Maria Silva", "João Souza", "Pedro", "", "Luíza Prado"), strict=True))
AGENTS = (ANA, BRUNO, CARLA)
DEPARTMENT_KEYS = tuple(d.key for d in DEPARTMENTS)

ALLOWED: dict[Stage | None, frozenset[Stage]] = {
    # A tapped menu row from an earlier chat queues (and may assign) a brand-new conversation at once.
    None: frozenset({Stage.CHOOSING, Stage.QUEUED, Stage.ASSIGNED}),
    Stage.CHOOSING: frozenset({Stage.CHOOSING, Stage.QUEUED, Stage.ASSIGNED, Stage.CLOSED}),
    Stage.QUEUED: frozenset({Stage.QUEUED, Stage.ASSIGNED, Stage.CLOSED}),
    # Rating is on, so /fim always goes through RATING; an assignment closes directly only when idle.
    Stage.ASSIGNED: frozenset({Stage.ASSIGNED, Stage.QUEUED, Stage.RATING, Stage.CLOSED}),
    Stage.RATING: frozenset({Stage.RATING, Stage.CLOSED}),
    Stage.CLOSED: frozenset({Stage.CLOSED}),
}

TRAIL_STAGE = {"choosing": Stage.CHOOSING, "queued": Stage.QUEUED, "assigned": Stage.ASSIGNED}
"""The stage a conversation must be in, given the state its events replay to."""


IDLE_LIMITS = {
    Stage.CHOOSING: timedelta(hours=12),
    Stage.RATING: timedelta(hours=12),
    Stage.ASSIGNED: timedelta(hours=20),
}
"""The idle rules' defaults (`[idle]`), which the machine runs with."""


def machine_config() -> Settings:
    return world_settings(
        offer_timeout_seconds=OFFER_TIMEOUT,
        queue_reminder_seconds=REMINDER,
        position_update_seconds=30,
        menu_idle_hours=12,
        rating_idle_hours=12,
        assigned_idle_hours=20,
    )


def quiet_too_long(conversation: Conversation, until: datetime) -> bool:
    limit = IDLE_LIMITS.get(conversation.stage)
    return limit is not None and until - conversation.last_active > limit


class DispatchMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world = World(machine_config())
        self.stages: dict[str, Stage] = {}
        """Every conversation's stage after the previous step."""
        self.first_queued: dict[str, datetime] = {}
        self.trail: dict[str, str] = {}
        """Every conversation's state as its events tell it."""
        self.trail_agent: dict[str, str] = {}
        self.events_read = 0
        self.sent_read = 0
        self.puller: str | None = None
        """The agent who ran `/puxar` in this step: what they pulled may jump the line."""
        self.ticked = False
        self.reminded: dict[str, datetime] = {}
        self.reprompted: dict[str, datetime] = {}
        """Conversation → when its customer was last told the menu did not understand them."""
        self.offers: dict[str, tuple[str, datetime, bool]] = {}
        """Every pending offer after the previous step: code → (agent, since when it waits, since a ⏳)."""

    # --- helpers -------------------------------------------------------------------------

    def write(self, sender: str, content: str | Choice) -> None:
        """One message, a second after the previous one (real messages never share a timestamp)."""
        self.world.clock.advance(1)
        self.world.write(sender, content, name=NAMES.get(sender, ""))

    def join(self, customer: str, choice: str) -> None:
        """A first message (unless the menu is already open), then the answer to the menu."""
        if self.stage_of(customer) in {None, Stage.RATING}:
            self.write(customer, "oi, preciso de ajuda")
        self.write(customer, choice)

    def stage_of(self, customer: str) -> Stage | None:
        found = [c.stage for c in self.world.store.conversations.values() if c.customer.wa_id == customer and c.is_open]
        return found[0] if found else None

    def customer(self, data: st.DataObject, *stages: Stage) -> str:
        """Any customer, or (half the time, when there is one) a customer in one of `stages`."""
        fitting = [c for c in CUSTOMERS if self.stage_of(c) in stages]
        if fitting and data.draw(st.booleans(), label="pick a fitting customer"):
            return data.draw(st.sampled_from(fitting), label="customer")
        return data.draw(st.sampled_from(CUSTOMERS), label="customer")

    def agent(self, data: st.DataObject) -> str:
        """Any agent, or (half the time, when there is one) an agent with customers."""
        conversations = self.world.store.conversations.values()
        busy = sorted({c.agent for c in conversations if c.agent and c.stage is Stage.ASSIGNED})
        if busy and data.draw(st.booleans(), label="pick a busy agent"):
            return data.draw(st.sampled_from(busy), label="agent")
        return data.draw(st.sampled_from(AGENTS), label="agent")

    def code(self, data: st.DataObject) -> str:
        codes = sorted(self.world.store.conversations)
        return data.draw(st.sampled_from(codes), label="code") if codes else "ZZZZ"

    def target(self, data: st.DataObject) -> str:
        """`N` (a place in `/fila`, sometimes past its end) or `#code` (of any conversation, any case)."""
        if data.draw(st.booleans(), label="by position"):
            return str(data.draw(st.integers(1, 4), label="position"))
        return "#" + self.code(data).lower()

    # --- the day starts ------------------------------------------------------------------

    @initialize(
        off_duty=st.sets(st.sampled_from(AGENTS)),
        queued=st.lists(st.tuples(st.sampled_from(CUSTOMERS), st.sampled_from(DEPARTMENT_KEYS)), max_size=5),
    )
    def opening(self, off_duty: set[str], queued: list[tuple[str, str]]) -> None:
        """Agents on duty (in the simplest example, all of them) and maybe customers already choosing."""
        for agent in sorted(set(AGENTS) - off_duty):
            self.write(agent, "/entrar")
        for customer, department in queued:
            self.join(customer, department)

    # --- customers -----------------------------------------------------------------------

    @rule(request=st.tuples(st.sampled_from(CUSTOMERS), st.sampled_from(["1", "2", "3", "4", "vendas", "Trocas"])))
    def customer_joins_a_queue(self, request: tuple[str, str]) -> None:
        """The usual path in one step: the first message and the menu choice."""
        self.join(*request)

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        text=st.sampled_from(["oi", "preciso de ajuda", "1", "2", "3", "4", "Suporte", "9"]),
    )
    def customer_writes(self, customer: str, text: str) -> None:
        """Starts a conversation, answers the menu, talks while queued or to the agent, skips a rating."""
        self.write(customer, text)

    @rule(count=st.integers(2, 6), data=st.data())
    def customer_floods_the_menu(self, count: int, data: st.DataObject) -> None:
        """Nonsense at the menu, again and again, a second apart: kept, and re-prompted once."""
        customer = self.customer(data, Stage.CHOOSING)
        for n in range(count):
            self.write(customer, f"hã?? {n}")

    @rule(text=st.sampled_from(["alguém aí?", "2", "Financeiro", "ainda estou esperando"]), data=st.data())
    def customer_writes_while_queued(self, text: str, data: st.DataObject) -> None:
        """Writing while queued is kept for the agent and never changes the place in the queue."""
        self.write(self.customer(data, Stage.QUEUED), text)

    @rule(customer=st.sampled_from(CUSTOMERS), department=st.sampled_from(DEPARTMENTS))
    def customer_taps_department(self, customer: str, department: Department) -> None:
        """A tap on a menu row: from the open menu, from an old menu, or while already queued."""
        self.write(customer, Choice(f"dept:{department.key}", department.name))

    @rule(word=st.sampled_from(["sair", "Sair!", "cancelar"]), data=st.data())
    def customer_leaves(self, word: str, data: st.DataObject) -> None:
        """*sair* from the menu or the queue (while served it is just text for the agent)."""
        self.write(self.customer(data, Stage.QUEUED, Stage.CHOOSING), word)

    @rule(score=st.sampled_from([1, 2, 3]), data=st.data())
    def customer_rates(self, score: int, data: st.DataObject) -> None:
        self.write(self.customer(data, Stage.RATING), Choice(f"rate:{score}", str(score)))

    # --- agents --------------------------------------------------------------------------

    @rule(agent=st.sampled_from(AGENTS), word=st.sampled_from(["/entrar", "/volto", "/login", "/resume", "/Volto"]))
    def agent_comes_on(self, agent: str, word: str) -> None:
        """Check-in or resume: either may let the agent take someone at once."""
        self.write(agent, word)

    @rule(word=st.sampled_from(["/pausa", "/sair", "/pause", "/logout"]), data=st.data())
    def agent_steps_away(self, word: str, data: st.DataObject) -> None:
        """Pause, or check out (refused while the agent still has customers)."""
        self.write(self.agent(data), word)

    @rule(text=st.sampled_from(["Olá! Como posso ajudar?", "Um momento"]), data=st.data())
    def agent_answers(self, text: str, data: st.DataObject) -> None:
        """Plain text to the active customer: the offer is accepted and can no longer time out."""
        self.write(self.agent(data), text)

    @rule(word=st.sampled_from(["/fim", "/end", "/fim #"]), data=st.data())
    def agent_ends(self, word: str, data: st.DataObject) -> None:
        """`/fim` ends the active conversation; `/fim #COD` names one (maybe not the agent's)."""
        agent = self.agent(data)
        self.write(agent, word + self.code(data) if word.endswith("#") else word)

    @rule(department=st.sampled_from([*DEPARTMENT_KEYS, "Financeiro", "SUPORTE", "2", "marketing"]), data=st.data())
    def agent_transfers(self, department: str, data: st.DataObject) -> None:
        self.write(self.agent(data), f"/transferir {department}")

    @rule(agent=st.sampled_from(AGENTS), word=st.sampled_from(["/proximo", "/próximo", "/next"]))
    def agent_takes_next(self, agent: str, word: str) -> None:
        """The head of the agent's line: still FIFO, so not exempt from the FIFO check."""
        self.write(agent, word)

    @rule(agent=st.sampled_from(AGENTS), word=st.sampled_from(["/puxar", "/take"]), data=st.data())
    def agent_pulls(self, agent: str, word: str, data: st.DataObject) -> None:
        command = f"{word} {self.target(data)}"
        self.puller = agent
        self.write(agent, command)

    @rule(
        agent=st.sampled_from(AGENTS),
        word=st.sampled_from(["/remover", "/remove"]),
        reason=st.sampled_from(["", " spam", " pediu para sair"]),
        data=st.data(),
    )
    def agent_removes(self, agent: str, word: str, reason: str, data: st.DataObject) -> None:
        self.write(agent, f"{word} {self.target(data)}{reason}")

    @rule(word=st.sampled_from(["/fila", "/ativos", "/historico", "/ir #"]), data=st.data())
    def agent_looks(self, word: str, data: st.DataObject) -> None:
        """Listings and switching the active conversation: they must not disturb routing."""
        agent = self.agent(data)
        self.write(agent, word + self.code(data) if word.endswith("#") else word)

    # --- time ----------------------------------------------------------------------------

    @rule(
        seconds=st.sampled_from([5, 30, REMINDER - 1, REMINDER, OFFER_TIMEOUT - 1, OFFER_TIMEOUT, 2 * REMINDER + 1]),
        ticks=st.integers(1, 3),
    )
    def time_passes(self, seconds: int, ticks: int) -> None:
        """The timer loop runs `ticks` times, `seconds` apart: offers time out, reminders fire, the sweep runs.

        The promises are checked after every tick, not only at the end of the step.
        """
        for tick in range(ticks):
            if tick:
                self.routing_promises_hold()
            self.ticked = True
            self.world.wait(seconds, step=seconds)

    @rule(hours=st.sampled_from([6, 13, 21]))
    def hours_pass(self, hours: int) -> None:
        """An evening, a night, a weekend's worth: the timer loop runs hourly, so menus and ratings
        are forgotten and quiet assignments close (offers time out on the first pass)."""
        for hour in range(hours):
            if hour:
                self.routing_promises_hold()
            self.ticked = True
            self.world.wait(3600, step=3600)

    def teardown(self) -> None:
        """What the example reached, for `--hypothesis-show-statistics`."""
        kinds = Counter(type(e).__name__ for e in self.world.store.events)
        for kind in ("Assigned", "OfferTimedOut", "Transferred", "Removed", "Abandoned", "Rated", "IdleClosed"):
            event(f"some {kind}", str(kinds[kind] > 0))
        reminders = [m for m in self.world.gateway.sent if render(m).startswith("⏳")]
        event("some ⏳ reminder", str(any(m.conversation is None for m in reminders)))
        event("some offer kept for a working agent", str(any(m.conversation for m in reminders)))

    # --- the promises --------------------------------------------------------------------

    @invariant()
    def routing_promises_hold(self) -> None:
        store = self.world.store
        conversations = store.conversations
        new_events = store.events[self.events_read :]
        self.events_read = len(store.events)
        sent = self.world.gateway.sent[self.sent_read :]
        self.sent_read = len(self.world.gateway.sent)
        try:
            self.check_nothing_lost(conversations, new_events)
            self.check_event_trail(conversations, new_events)
            self.check_agents(conversations)
            self.check_fifo(conversations, new_events)
            self.check_nobody_waits_for_a_free_agent(conversations)
            self.check_reprompts(sent)
            if self.ticked:
                self.check_timers(conversations, new_events, sent)
                self.check_offers(conversations, new_events, sent)
        finally:
            self.stages = {code: c.stage for code, c in conversations.items()}
            self.offers = {
                code: (c.agent, c.offer_since, c.offer_reminded_at == c.offer_since)
                for code, c in conversations.items()
                if c.agent is not None and c.offer_since is not None
            }
            self.puller = None
            self.ticked = False

    def check_nothing_lost(self, conversations: dict[str, Conversation], new_events: list[events.Event]) -> None:
        vanished = set(self.stages) - set(conversations)
        assert not vanished, f"conversations vanished: {vanished}"
        open_per_customer = Counter(c.customer.wa_id for c in conversations.values() if c.is_open)
        assert max(open_per_customer.values(), default=0) <= 1, f"two open conversations: {open_per_customer}"
        moved_back = {e.code for e in new_events if isinstance(e, events.OfferTimedOut | events.Transferred)}
        for code, conversation in conversations.items():
            before, after = self.stages.get(code), conversation.stage
            assert after in ALLOWED[before], f"#{code} went {before} → {after}"
            if before is Stage.QUEUED and after is Stage.CLOSED:
                assert conversation.close_reason in {CloseReason.ABANDONED, CloseReason.REMOVED}, (
                    f"#{code} left the queue closed as {conversation.close_reason}"
                )
            if before is Stage.CHOOSING and after is Stage.CLOSED:
                assert conversation.close_reason in {CloseReason.ABANDONED, CloseReason.IDLE}
            if before in {Stage.CHOOSING, Stage.ASSIGNED} and conversation.close_reason is CloseReason.IDLE:
                assert before is not None and conversation.closed_at is not None
                quiet = conversation.closed_at - conversation.last_active
                assert quiet > IDLE_LIMITS[before], f"#{code} closed idle after only {quiet} as {before}"
            if before is Stage.ASSIGNED and after is Stage.CLOSED:
                assert conversation.close_reason is CloseReason.IDLE, f"#{code} left its agent closed, not idle"
            if before is Stage.ASSIGNED and after is Stage.QUEUED:
                assert code in moved_back, f"#{code} went back to the queue without a timeout or transfer"
            if after is Stage.QUEUED:
                assert conversation.agent is None, f"queued #{code} still has {conversation.agent}"
                assert conversation.department in DEPARTMENT_KEYS
                assert conversation.queued_at is not None
            if conversation.queued_at is not None:
                first = self.first_queued.setdefault(code, conversation.queued_at)
                assert conversation.queued_at == first, f"#{code} lost its place: {first} → {conversation.queued_at}"

    def check_event_trail(self, conversations: dict[str, Conversation], new_events: list[events.Event]) -> None:
        """Replays the event log: an assignment only ever follows a queue entry (nobody served twice)."""
        for step in new_events:
            code = step.code
            state = self.trail.get(code, "choosing")
            match step:
                case events.EnteredQueue():
                    assert state in {"choosing", "transferred"}, f"#{code} entered a queue while {state}"
                    state = "queued"
                case events.Assigned(agent=agent):
                    assert state == "queued", f"#{code} assigned while {state}: served twice"
                    state = "assigned"
                    self.trail_agent[code] = agent
                case events.OfferTimedOut(agent=agent):
                    assert state == "assigned" and self.trail_agent[code] == agent, f"#{code} timed out while {state}"
                    state = "queued"
                case events.Transferred():
                    assert state == "assigned", f"#{code} transferred while {state}"
                    state = "transferred"
                case events.Abandoned():
                    assert state in {"choosing", "queued"}, f"#{code} abandoned while {state}"
                    state = "leaving"
                case events.IdleClosed(stage=stage, agent=agent):
                    assert state in {"choosing", "assigned"} and stage == state, f"#{code} idle while {state}"
                    assert state == "choosing" or agent == self.trail_agent[code]
                    state = "leaving"
                case events.Removed():
                    assert state == "queued", f"#{code} removed while {state}"
                    state = "leaving"
                case events.Closed():
                    assert state in {"leaving", "assigned"}, f"#{code} closed while {state}"
                    state = "closed"
                case events.Rated():
                    assert state == "closed" and conversations[code].close_reason is CloseReason.ENDED
            self.trail[code] = state
        for code, conversation in conversations.items():
            state = self.trail.get(code, "choosing")
            expected = TRAIL_STAGE.get(state)
            if expected is None:
                assert state == "closed", f"#{code} is {conversation.stage} but its events stop at {state}"
                assert conversation.stage in {Stage.RATING, Stage.CLOSED}, f"#{code} closed but {conversation.stage}"
            else:
                assert conversation.stage is expected, f"#{code} is {conversation.stage} but its events say {state}"
            if conversation.stage is Stage.ASSIGNED:
                assert conversation.agent == self.trail_agent[code], (
                    f"#{code} is with {conversation.agent}, its events say {self.trail_agent[code]}"
                )

    def check_agents(self, conversations: dict[str, Conversation]) -> None:
        """No agent over capacity; only agents on duty and of the department serve; `active` is one of theirs."""
        agents = self.world.store.agents
        mine: dict[str, list[str]] = {phone: [] for phone in agents}
        for conversation in conversations.values():
            if conversation.stage is not Stage.ASSIGNED:
                continue
            assert conversation.agent in agents, f"#{conversation.code} assigned to unknown {conversation.agent}"
            assert conversation.department is not None
            agent = agents[conversation.agent]
            assert agent.serves(conversation.department), (
                f"{agent.name} serves #{conversation.code} of {conversation.department}"
            )
            mine[agent.phone].append(conversation.code)
        for phone, codes in mine.items():
            agent = agents[phone]
            assert len(codes) <= agent.capacity, f"{agent.name} has {len(codes)} > capacity {agent.capacity}"
            if codes:
                assert agent.presence is not Presence.OFFLINE, f"{agent.name} is offline with {codes}"
                assert agent.active in codes, f"{agent.name}'s active #{agent.active} is not one of {codes}"
            else:
                assert agent.active is None, f"{agent.name} has nobody but active #{agent.active}"

    def check_fifo(self, conversations: dict[str, Conversation], new_events: list[events.Event]) -> None:
        """Whoever dispatch (or `/proximo`) assigned had nobody older waiting in their department."""
        for step in new_events:
            if not isinstance(step, events.Assigned):
                continue
            if step.agent == self.puller:
                continue  # `/puxar` takes a specific customer, out of order on purpose.
            served = conversations[step.code]
            older = [
                c.code
                for c in conversations.values()
                if c.stage is Stage.QUEUED and c.department == step.department and queue_order(c) < queue_order(served)
            ]
            assert not older, f"#{step.code} was served in {step.department} before older {older}"

    def check_nobody_waits_for_a_free_agent(self, conversations: dict[str, Conversation]) -> None:
        loads = Counter(c.agent for c in conversations.values() if c.stage is Stage.ASSIGNED)
        free = [
            a
            for a in self.world.store.agents.values()
            if a.presence is Presence.AVAILABLE and loads[a.phone] < a.capacity
        ]
        for conversation in conversations.values():
            if conversation.stage is not Stage.QUEUED:
                continue
            assert conversation.department is not None
            idle = [a.name for a in free if a.serves(conversation.department)]
            assert not idle, f"#{conversation.code} waits in {conversation.department} while {idle} are free"

    def check_reprompts(self, sent: list[Outgoing]) -> None:
        """A customer who keeps answering the menu with nonsense is re-prompted at most once a minute."""
        for message in sent:
            if message.conversation is None or not render(message).startswith("Não entendi"):
                continue
            at, last = message.created_at, self.reprompted.get(message.conversation)
            assert last is None or (at - last).total_seconds() >= REPROMPT_SECONDS, (
                f"#{message.conversation} re-prompted again {(at - last).total_seconds()} s later"
            )
            self.reprompted[message.conversation] = at

    def check_timers(
        self,
        conversations: dict[str, Conversation],
        new_events: list[events.Event],
        sent: list[Outgoing],
    ) -> None:
        """After a tick no offer is past its time; whoever missed one is paused; reminders are due and spaced;
        nothing has been quiet past its idle limit."""
        now = self.world.clock.now()
        agents = self.world.store.agents
        hanging = [f"#{c.code} ({c.stage})" for c in conversations.values() if quiet_too_long(c, now)]
        assert not hanging, f"quiet past their idle limit after a tick: {hanging}"
        for conversation in conversations.values():
            if conversation.is_offer:
                assert conversation.offer_since is not None
                age = (now - conversation.offer_since).total_seconds()
                assert age < OFFER_TIMEOUT, f"#{conversation.code} has waited {age} s for its agent"
        for step in new_events:
            if isinstance(step, events.OfferTimedOut):
                assert agents[step.agent].presence is Presence.PAUSED, f"{step.agent} missed an offer, not paused"
        loads = Counter(c.agent for c in conversations.values() if c.stage is Stage.ASSIGNED)
        for message in sent:
            if not render(message).startswith("⏳") or message.conversation is not None:
                continue  # an offer's ⏳ names its customer: checked with the offers
            agent = agents[message.to]
            assert agent.presence is Presence.AVAILABLE and loads[agent.phone] > 0, f"⏳ to {agent.name}, not busy"
            assert any(c.stage is Stage.QUEUED and agent.serves(c.department or "") for c in conversations.values()), (
                f"⏳ to {agent.name} with nobody waiting"
            )
            last = self.reminded.get(agent.phone)
            assert last is None or (now - last).total_seconds() >= REMINDER, f"⏳ to {agent.name} too soon"
            self.reminded[agent.phone] = now

    def check_offers(
        self,
        conversations: dict[str, Conversation],
        new_events: list[events.Event],
        sent: list[Outgoing],
    ) -> None:
        """An offer past its time lapses exactly when its agent was silent since it began waiting:
        a working agent keeps it (⏳ naming its customer, not paused for it), a silent one loses it."""
        now = self.world.clock.now()
        agents = self.world.store.agents
        lapsed = {e.code for e in new_events if isinstance(e, events.OfferTimedOut)}
        offer_reminders = {(m.to, m.conversation) for m in sent if m.conversation and render(m).startswith("⏳")}
        assert lapsed <= set(self.offers), f"lapsed without an offer: {lapsed - set(self.offers)}"
        for code, (phone, since, reminded) in self.offers.items():
            agent = agents[phone]
            last = agent.last_wrote_at
            # A message in the very instant of a ⏳ was handled after it; one with the offer, maybe not.
            working = last is not None and (last > since or (reminded and last == since))
            due = (now - since).total_seconds() >= OFFER_TIMEOUT
            conversation = conversations[code]
            if code in lapsed:
                assert due and not working, f"#{code} lapsed from {agent.name} (due {due}, working {working})"
            kept = conversation.is_offer and conversation.agent == phone
            if kept and due:
                assert working, f"#{code} stayed with silent {agent.name}"
                assert conversation.offer_since == now, f"#{code} kept by {agent.name} without a reminder"
                assert (phone, code) in offer_reminders, f"no ⏳ to {agent.name} naming #{code}"
        for phone, code in offer_reminders:
            assert conversations[code].is_offer and conversations[code].agent == phone, f"⏳ about #{code}"


# max_examples comes from the loaded profile (tests/conftest.py): 500 under CI.
DispatchMachine.TestCase.settings = settings(stateful_step_count=STEPS, deadline=None)
TestDispatchStateMachine = DispatchMachine.TestCase
TestDispatchStateMachine.pytestmark = [pytest.mark.slow]
