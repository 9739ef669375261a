"""The conversation aggregate: every legal transition, and every illegal one refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from atende.domain import events
from atende.domain.conversation import CloseReason, Conversation, Customer, Stage
from atende.domain.exceptions import InvalidTransition

T0 = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def fresh() -> Conversation:
    return Conversation("K7Q2", Customer("5511987654321", "Maria Silva"), T0)


def in_stage(stage: str) -> Conversation:
    """A conversation brought, legally, to `stage` (`offer` and `accepted` are kinds of ASSIGNED)."""
    conversation = fresh()
    if stage == "choosing":
        return conversation
    conversation.enqueue("financeiro", at(1))
    if stage == "queued":
        return conversation
    conversation.assign("ana", at(3))
    if stage == "offer":
        return conversation
    conversation.accept(at(4))
    if stage == "accepted":
        return conversation
    conversation.end(at(10), ask_rating=True)
    if stage == "rating":
        return conversation
    conversation.rate(3, at(11))
    assert stage == "closed"
    return conversation


def names(conversation: Conversation) -> list[str]:
    return [e.name for e in conversation.events]


# --- the legal transitions --------------------------------------------------------------


def test_a_new_conversation_is_choosing_open_and_not_an_offer() -> None:
    conversation = fresh()
    assert conversation.stage is Stage.CHOOSING
    assert conversation.is_open and not conversation.is_offer
    assert conversation.department is None and conversation.queued_at is None
    assert conversation.waited(at(5)) == 0.0


def test_enqueue_puts_the_customer_in_the_departments_queue() -> None:
    conversation = fresh()
    conversation.enqueue("financeiro", at(1))
    assert conversation.stage is Stage.QUEUED
    assert conversation.department == "financeiro"
    assert conversation.queued_at == conversation.waiting_since == at(1)
    assert conversation.events == [events.EnteredQueue("K7Q2", at(1), "financeiro")]
    assert conversation.waited(at(3)) == 120


def test_assign_makes_an_offer_that_records_the_wait() -> None:
    conversation = in_stage("queued")
    conversation.assign("ana", at(3))
    assert conversation.stage is Stage.ASSIGNED
    assert conversation.agent == "ana" and conversation.assigned_at == at(3)
    assert conversation.is_offer and conversation.accepted_at is None
    assert conversation.events[-1] == events.Assigned("K7Q2", at(3), "financeiro", "ana", 120.0)
    assert conversation.waited(at(30)) == 120, "the wait stops at the assignment"


def test_accept_happens_once_and_ends_the_offer() -> None:
    conversation = in_stage("offer")
    conversation.accept(at(4))
    conversation.accept(at(6))
    assert conversation.accepted_at == at(4)
    assert not conversation.is_offer
    assert conversation.stage is Stage.ASSIGNED


def test_an_offer_that_times_out_goes_back_to_the_queue_keeping_its_place() -> None:
    conversation = in_stage("offer")
    missed_by = conversation.offer_timed_out(at(6))
    assert missed_by == "ana"
    assert conversation.stage is Stage.QUEUED
    assert conversation.agent is None and conversation.assigned_at is None
    assert conversation.queued_at == at(1), "the place in the queue is kept"
    assert conversation.waiting_since == at(1)
    assert conversation.events[-1] == events.OfferTimedOut("K7Q2", at(6), "financeiro", "ana")
    conversation.assign("bruno", at(7))
    assert conversation.agent == "bruno" and conversation.is_offer


def test_an_offer_is_due_once_it_has_waited_the_timeout_since_made_or_last_reminded() -> None:
    conversation = in_stage("offer")  # assigned at minute 3
    assert conversation.offer_since == at(3)
    assert not conversation.offer_due(at(5.9), 180)
    assert conversation.offer_due(at(6), 180)

    conversation.offer_waits(at(6))  # its agent is working: it stays, and waits afresh

    assert (conversation.stage, conversation.agent, conversation.offer_since) == (Stage.ASSIGNED, "ana", at(6))
    assert not conversation.offer_due(at(8.9), 180)
    assert conversation.offer_due(at(9), 180)
    assert conversation.waited(at(9)) == 120, "a reminder changes nothing of the wait before the assignment"


def test_a_reminded_offer_starts_afresh_when_it_times_out_or_is_assigned_again() -> None:
    conversation = in_stage("offer")
    conversation.offer_waits(at(6))
    conversation.offer_timed_out(at(9))
    assert (conversation.offer_since, conversation.offer_reminded_at) == (None, None)

    conversation.assign("bruno", at(10))

    assert conversation.offer_since == at(10)
    conversation.accept(at(11))
    assert conversation.offer_since is None and not conversation.offer_due(at(60), 180), "accepted: no offer"


def test_transfer_queues_the_customer_in_another_department_keeping_the_first_enqueue_time() -> None:
    conversation = in_stage("accepted")
    conversation.transfer("suporte", "Ana", at(8))
    assert conversation.stage is Stage.QUEUED
    assert conversation.department == "suporte"
    assert conversation.transferred_from == "financeiro" and conversation.transferred_by == "Ana"
    assert conversation.agent is None and conversation.assigned_at is None and conversation.accepted_at is None
    assert conversation.queued_at == at(1), "queue order is by first enqueue"
    assert conversation.waiting_since == at(8), "the wait an agent is told about starts over"
    assert conversation.events[-2:] == [
        events.Transferred("K7Q2", at(8), "financeiro", "suporte", "Ana"),
        events.EnteredQueue("K7Q2", at(8), "suporte"),
    ]


def test_an_offer_can_be_transferred_too() -> None:
    conversation = in_stage("offer")
    conversation.transfer("vendas", "Ana", at(4))
    assert conversation.stage is Stage.QUEUED and conversation.department == "vendas"


def test_transfer_to_the_same_department_is_refused_and_changes_nothing() -> None:
    conversation = in_stage("accepted")
    before = len(conversation.events)
    with pytest.raises(InvalidTransition):
        conversation.transfer("financeiro", "Ana", at(8))
    assert conversation.stage is Stage.ASSIGNED and conversation.agent == "ana"
    assert len(conversation.events) == before


def test_a_supervisor_moves_a_waiting_customer_keeping_the_place_in_line() -> None:
    conversation = in_stage("queued")
    conversation.move("suporte", "Sofia", at(9))
    assert conversation.stage is Stage.QUEUED and conversation.department == "suporte"
    assert conversation.transferred_from == "financeiro" and conversation.transferred_by == "Sofia"
    assert conversation.queued_at == at(1), "queue order is by first enqueue"
    assert conversation.waiting_since == at(9)
    assert conversation.events[-2:] == [
        events.Transferred("K7Q2", at(9), "financeiro", "suporte", "Sofia"),
        events.EnteredQueue("K7Q2", at(9), "suporte"),
    ]


def test_moving_to_the_same_department_is_refused() -> None:
    conversation = in_stage("queued")
    with pytest.raises(InvalidTransition):
        conversation.move("financeiro", "Sofia", at(9))
    assert conversation.department == "financeiro"


@pytest.mark.parametrize("stage", ["choosing", "queued"])
def test_the_customer_can_leave_from_the_menu_or_the_queue(stage: str) -> None:
    conversation = in_stage(stage)
    conversation.leave(at(5))
    assert conversation.stage is Stage.CLOSED and not conversation.is_open
    assert conversation.close_reason is CloseReason.ABANDONED
    assert conversation.closed_at == at(5)
    assert names(conversation)[-2:] == ["Abandoned", "Closed"]
    abandoned = conversation.events[-2]
    assert isinstance(abandoned, events.Abandoned)
    assert abandoned.waited_seconds == (240.0 if stage == "queued" else 0.0)
    assert abandoned.department == ("financeiro" if stage == "queued" else None)


def test_an_agent_can_remove_a_queued_customer_with_a_reason() -> None:
    conversation = in_stage("queued")
    conversation.remove("Ana", "spam", at(2))
    assert conversation.stage is Stage.CLOSED
    assert conversation.close_reason is CloseReason.REMOVED
    assert conversation.events[-2:] == [
        events.Removed("K7Q2", at(2), "financeiro", "Ana", "spam"),
        events.Closed("K7Q2", at(2), "removed"),
    ]


def test_end_with_rating_waits_for_the_rating_and_is_still_open() -> None:
    conversation = in_stage("accepted")
    conversation.end(at(10), ask_rating=True)
    assert conversation.stage is Stage.RATING and conversation.is_open
    assert conversation.close_reason is CloseReason.ENDED and conversation.closed_at == at(10)
    assert conversation.events[-1] == events.Closed("K7Q2", at(10), "ended")


def test_end_without_rating_closes() -> None:
    conversation = in_stage("accepted")
    conversation.end(at(10), ask_rating=False)
    assert conversation.stage is Stage.CLOSED and conversation.close_reason is CloseReason.ENDED


def test_ending_an_offer_counts_as_answering_it() -> None:
    conversation = in_stage("offer")
    conversation.end(at(5), ask_rating=False)
    assert conversation.accepted_at == at(5)


def test_rate_closes_with_the_score() -> None:
    conversation = in_stage("rating")
    conversation.rate(2, at(11))
    assert conversation.stage is Stage.CLOSED and conversation.rating == 2
    assert conversation.events[-1] == events.Rated("K7Q2", at(11), 2)


def test_skip_rating_closes_without_a_score() -> None:
    conversation = in_stage("rating")
    conversation.skip_rating()
    assert conversation.stage is Stage.CLOSED and conversation.rating is None
    assert conversation.close_reason is CloseReason.ENDED


# --- every illegal transition raises and changes nothing ---------------------------------

ACTIONS: dict[str, Callable[[Conversation], object]] = {
    "enqueue": lambda c: c.enqueue("vendas", at(20)),
    "assign": lambda c: c.assign("bruno", at(20)),
    "accept": lambda c: c.accept(at(20)),
    "offer_timed_out": lambda c: c.offer_timed_out(at(20)),
    "offer_waits": lambda c: c.offer_waits(at(20)),
    "transfer": lambda c: c.transfer("vendas", "Ana", at(20)),
    "move": lambda c: c.move("vendas", "Sofia", at(20)),
    "leave": lambda c: c.leave(at(20)),
    "remove": lambda c: c.remove("Ana", "", at(20)),
    "end": lambda c: c.end(at(20), ask_rating=True),
    "rate": lambda c: c.rate(3, at(20)),
    "skip_rating": lambda c: c.skip_rating(),
}
LEGAL = {
    "enqueue": {"choosing"},
    "assign": {"queued"},
    "accept": {"offer", "accepted"},
    "offer_timed_out": {"offer"},
    "offer_waits": {"offer"},
    "transfer": {"offer", "accepted"},
    "move": {"queued"},
    "leave": {"choosing", "queued"},
    "remove": {"queued"},
    "end": {"offer", "accepted"},
    "rate": {"rating"},
    "skip_rating": {"rating"},
}
AFTER = {
    "enqueue": "queued",
    "assign": "offer",
    "accept": "accepted",
    "offer_timed_out": "queued",
    "offer_waits": "offer",
    "transfer": "queued",
    "move": "queued",
    "leave": "closed",
    "remove": "closed",
    "end": "rating",
    "rate": "closed",
    "skip_rating": "closed",
}
"""The stage each action leads to, from any stage it is legal in."""
STAGES = ["choosing", "queued", "offer", "accepted", "rating", "closed"]
ILLEGAL = [(stage, action) for action in ACTIONS for stage in STAGES if stage not in LEGAL[action]]
LEGAL_PAIRS = [(stage, action) for action in ACTIONS for stage in sorted(LEGAL[action])]


@pytest.mark.parametrize(("stage", "action"), ILLEGAL)
def test_an_illegal_transition_raises_and_leaves_the_conversation_as_it_was(stage: str, action: str) -> None:
    conversation = in_stage(stage)
    before = (conversation.stage, conversation.agent, conversation.department, len(conversation.events))
    with pytest.raises(InvalidTransition):
        ACTIONS[action](conversation)
    after = (conversation.stage, conversation.agent, conversation.department, len(conversation.events))
    assert after == before


def stage_name(conversation: Conversation) -> str:
    """The stage in this table's words: an assignment is an "offer" until it is accepted."""
    if conversation.stage is Stage.ASSIGNED:
        return "offer" if conversation.accepted_at is None else "accepted"
    return conversation.stage.value


@pytest.mark.parametrize(("stage", "action"), LEGAL_PAIRS)
def test_every_legal_transition_is_accepted_and_leads_where_it_should(stage: str, action: str) -> None:
    conversation = in_stage(stage)
    assert stage_name(conversation) == stage

    ACTIONS[action](conversation)

    assert stage_name(conversation) == AFTER[action]


def test_the_table_covers_every_action_in_every_stage() -> None:
    assert len(ILLEGAL) + len(LEGAL_PAIRS) == len(ACTIONS) * len(STAGES)


# --- the customer -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "first"),
    [("Maria Silva", "Maria"), ("  João  ", "João"), ("", "4321"), ("   ", "4321")],
)
def test_a_customer_is_called_by_first_name_or_else_the_end_of_their_number(name: str, first: str) -> None:
    assert Customer("5511987654321", name).first_name == first
