"""`plan_assignments`: who waits in what order, and which agent gets whom (ADR 0001)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from atende.domain.agent import Agent, Presence
from atende.domain.conversation import Conversation, Customer
from atende.domain.routing import offer_lapses, plan_assignments, queue_order, waiting_line

T0 = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


def waiting(code: str, department: str, minute: int) -> Conversation:
    """A customer who entered `department`'s queue `minute` minutes after T0."""
    conversation = Conversation(code, Customer(f"55119{code}"), T0)
    conversation.enqueue(department, T0 + timedelta(minutes=minute))
    return conversation


def agent(
    phone: str,
    *departments: str,
    capacity: int = 1,
    idle_minute: int | None = 0,
    presence: Presence = Presence.AVAILABLE,
) -> Agent:
    idle = None if idle_minute is None else T0 + timedelta(minutes=idle_minute)
    return Agent(phone, phone.title(), departments, capacity, presence=presence, idle_since=idle)


def pairs(plan: list[tuple[Conversation, Agent]]) -> list[tuple[str, str]]:
    return [(c.code, a.phone) for c, a in plan]


# --- FIFO -------------------------------------------------------------------------------


def test_the_oldest_customer_gets_the_only_free_agent_whatever_order_they_are_listed_in() -> None:
    line = [waiting("CCCC", "fin", 3), waiting("AAAA", "fin", 1), waiting("BBBB", "fin", 2)]
    assert pairs(plan_assignments(line, [agent("ana", "fin")], {}, NOW)) == [("AAAA", "ana")]


def test_with_room_for_all_the_plan_serves_them_oldest_first() -> None:
    line = [waiting("CCCC", "fin", 3), waiting("AAAA", "fin", 1), waiting("BBBB", "fin", 2)]
    plan = plan_assignments(line, [agent("carla", "fin", capacity=3)], {}, NOW)
    assert pairs(plan) == [("AAAA", "carla"), ("BBBB", "carla"), ("CCCC", "carla")]


def test_an_exact_tie_in_enqueue_time_is_broken_by_code_deterministically() -> None:
    line = [waiting("ZZZZ", "fin", 1), waiting("MMMM", "fin", 1)]
    assert pairs(plan_assignments(line, [agent("ana", "fin")], {}, NOW)) == [("MMMM", "ana")]
    assert [c.code for c in waiting_line(line)] == ["MMMM", "ZZZZ"]


def test_queue_order_is_the_first_enqueue_even_after_a_transfer() -> None:
    early = waiting("AAAA", "fin", 1)
    early.assign("ana", T0 + timedelta(minutes=5))
    early.transfer("sup", "Ana", T0 + timedelta(minutes=30))
    late = waiting("BBBB", "sup", 10)
    assert queue_order(early) < queue_order(late)
    assert pairs(plan_assignments([late, early], [agent("bruno", "sup")], {}, NOW)) == [("AAAA", "bruno")]


def test_only_queued_conversations_are_planned() -> None:
    served = waiting("AAAA", "fin", 1)
    served.assign("bruno", T0 + timedelta(minutes=2))
    choosing = Conversation("BBBB", Customer("55"), T0)
    queued = waiting("CCCC", "fin", 3)
    plan = plan_assignments([served, choosing, queued], [agent("ana", "fin")], {}, NOW)
    assert pairs(plan) == [("CCCC", "ana")]


# --- longest idle -----------------------------------------------------------------------


def test_the_agent_idle_the_longest_gets_the_customer() -> None:
    agents = [
        agent("ana", "fin", idle_minute=20),
        agent("bruno", "fin", idle_minute=5),
        agent("dora", "fin", idle_minute=9),
    ]
    assert pairs(plan_assignments([waiting("AAAA", "fin", 30)], agents, {}, NOW)) == [("AAAA", "bruno")]


def test_an_agent_never_assigned_counts_as_idle_the_longest() -> None:
    agents = [agent("ana", "fin", idle_minute=1), agent("bruno", "fin", idle_minute=None)]
    assert pairs(plan_assignments([waiting("AAAA", "fin", 30)], agents, {}, NOW)) == [("AAAA", "bruno")]


def test_equally_idle_agents_are_chosen_by_phone() -> None:
    agents = [agent("bruno", "fin", idle_minute=1), agent("ana", "fin", idle_minute=1)]
    assert pairs(plan_assignments([waiting("AAAA", "fin", 30)], agents, {}, NOW)) == [("AAAA", "ana")]


def test_two_customers_go_to_two_idle_agents_not_both_to_the_idlest() -> None:
    agents = [agent("carla", "fin", capacity=3, idle_minute=1), agent("dora", "fin", capacity=3, idle_minute=2)]
    plan = plan_assignments([waiting("AAAA", "fin", 10), waiting("BBBB", "fin", 11)], agents, {}, NOW)
    assert pairs(plan) == [("AAAA", "carla"), ("BBBB", "dora")]


def test_the_plan_does_not_touch_the_agents_themselves() -> None:
    ana = agent("ana", "fin", capacity=3, idle_minute=1)
    plan_assignments([waiting("AAAA", "fin", 10)], [ana], {}, NOW)
    assert ana.idle_since == T0 + timedelta(minutes=1)


# --- capacity and presence --------------------------------------------------------------


def test_an_agent_at_capacity_gets_nobody() -> None:
    agents = [agent("ana", "fin", capacity=1), agent("carla", "fin", capacity=3)]
    plan = plan_assignments([waiting("AAAA", "fin", 1)], agents, {"ana": 1, "carla": 3}, NOW)
    assert plan == []


def test_an_agent_gets_only_as_many_as_their_free_slots() -> None:
    line = [waiting(code, "fin", i) for i, code in enumerate(["AAAA", "BBBB", "CCCC", "DDDD"])]
    plan = plan_assignments(line, [agent("carla", "fin", capacity=3)], {"carla": 1}, NOW)
    assert pairs(plan) == [("AAAA", "carla"), ("BBBB", "carla")]


def test_paused_and_offline_agents_get_nobody() -> None:
    agents = [
        agent("ana", "fin", presence=Presence.PAUSED, idle_minute=None),
        agent("bruno", "fin", presence=Presence.OFFLINE, idle_minute=None),
    ]
    assert plan_assignments([waiting("AAAA", "fin", 1)], agents, {}, NOW) == []


def test_no_agents_no_plan() -> None:
    assert plan_assignments([waiting("AAAA", "fin", 1)], [], {}, NOW) == []


# --- departments ------------------------------------------------------------------------


def test_a_customer_goes_only_to_an_agent_of_their_department() -> None:
    agents = [agent("carla", "vendas", "sup", idle_minute=None), agent("ana", "fin", idle_minute=50)]
    assert pairs(plan_assignments([waiting("AAAA", "fin", 1)], agents, {}, NOW)) == [("AAAA", "ana")]


def test_an_agent_of_several_departments_serves_any_of_them() -> None:
    line = [waiting("AAAA", "sup", 1), waiting("BBBB", "fin", 2)]
    plan = plan_assignments(line, [agent("bruno", "fin", "sup", capacity=2)], {}, NOW)
    assert pairs(plan) == [("AAAA", "bruno"), ("BBBB", "bruno")]


def test_one_busy_department_does_not_hold_up_another() -> None:
    line = [waiting("AAAA", "fin", 1), waiting("BBBB", "fin", 2), waiting("CCCC", "sup", 3)]
    agents = [agent("ana", "fin"), agent("carla", "sup")]
    plan = plan_assignments(line, agents, {"ana": 1}, NOW)
    assert pairs(plan) == [("CCCC", "carla")]


def test_a_multi_department_agent_takes_the_oldest_across_their_departments() -> None:
    line = [waiting("BBBB", "fin", 5), waiting("AAAA", "sup", 1)]
    assert pairs(plan_assignments(line, [agent("bruno", "fin", "sup")], {}, NOW)) == [("AAAA", "bruno")]


# --- the whole contract, for any queue and roster ---------------------------------------

DEPARTMENTS = ("fin", "sup", "ven")


@st.composite
def scenes(draw: st.DrawFn) -> tuple[list[Conversation], list[Agent], dict[str, int]]:
    minutes = draw(st.lists(st.integers(0, 30), max_size=10))
    line = [waiting(f"C{i:03d}", draw(st.sampled_from(DEPARTMENTS)), minute) for i, minute in enumerate(minutes)]
    agents = []
    loads = {}
    for i in range(draw(st.integers(0, 4))):
        phone = f"a{i}"
        capacity = draw(st.sampled_from([1, 3]))
        serves = draw(st.sets(st.sampled_from(DEPARTMENTS), min_size=1))
        presence = draw(st.sampled_from(Presence))
        agents.append(
            agent(
                phone,
                *sorted(serves),
                capacity=capacity,
                idle_minute=draw(st.none() | st.integers(0, 30)),
                presence=presence,
            )
        )
        loads[phone] = draw(st.integers(0, capacity))
    return line, agents, loads


@given(scenes())
def test_any_plan_is_fifo_within_capacity_and_leaves_no_match_unmade(
    scene: tuple[list[Conversation], list[Agent], dict[str, int]],
) -> None:
    line, agents, loads = scene
    plan = plan_assignments(line, agents, loads, NOW)
    planned = {c.code: a for c, a in plan}
    assert len(planned) == len(plan), "a customer planned twice"
    given_out = Counter(a.phone for _, a in plan)
    for a in agents:
        assert given_out[a.phone] == 0 or a.presence is Presence.AVAILABLE
        assert loads[a.phone] + given_out[a.phone] <= a.capacity
    for conversation, chosen in plan:
        assert chosen.serves(conversation.department or "")
    # FIFO per department: nobody planned while someone older in their department is not.
    for conversation in line:
        if conversation.code in planned:
            continue
        younger = [
            c.code
            for c in line
            if c.department == conversation.department and queue_order(c) > queue_order(conversation)
        ]
        assert not set(younger) & set(planned), f"{younger} served before older {conversation.code}"
        # ...and nobody left waiting while an agent of their department still has a free slot.
        free = [
            a.phone
            for a in agents
            if a.presence is Presence.AVAILABLE
            and a.serves(conversation.department or "")
            and loads[a.phone] + given_out[a.phone] < a.capacity
        ]
        assert not free, f"{conversation.code} left waiting while {free} are free"


# --- offers past their time -------------------------------------------------------------


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def test_an_offer_lapses_only_when_its_agent_wrote_nothing_since_it_began_waiting() -> None:
    offer = waiting("AAAA", "fin", 0)
    offer.assign("carla", minutes(1))
    carla = agent("carla", "fin", capacity=3)

    assert offer_lapses(offer, carla), "never wrote"
    carla.wrote(minutes(0.5))
    assert offer_lapses(offer, carla), "wrote before the offer only"
    carla.wrote(minutes(2))
    assert not offer_lapses(offer, carla), "wrote since: working"

    offer.offer_waits(minutes(4))  # reminded: from now on, she must write again

    assert offer_lapses(offer, carla)
    carla.wrote(minutes(5))
    assert not offer_lapses(offer, carla)


def test_a_message_in_the_same_instant_as_a_reminder_came_after_it_but_not_one_with_the_offer() -> None:
    offer = waiting("AAAA", "fin", 0)
    offer.assign("carla", minutes(1))
    carla = agent("carla", "fin", capacity=3)

    carla.wrote(minutes(1))  # the message that made the offer (her /entrar), or one just before it
    assert offer_lapses(offer, carla)

    offer.offer_waits(minutes(4))
    carla.wrote(minutes(4))  # handled after the timer pass that reminded her, on a clock that stood still

    assert not offer_lapses(offer, carla)
