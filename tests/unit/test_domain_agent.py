"""The agent: presence (offline → available ⇄ paused), status with load, and the active conversation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atende.domain.agent import Agent, PauseReason, Presence, Status, status_of
from atende.domain.events import PresenceChanged
from atende.domain.exceptions import InvalidTransition

T0 = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def carla(presence: Presence = Presence.OFFLINE) -> Agent:
    agent = Agent("5511900000003", "Carla", ("suporte", "vendas"), capacity=3)
    if presence is not Presence.OFFLINE:
        agent.check_in(at(0))
    if presence is Presence.PAUSED:
        agent.pause(at(1))
    return agent


# --- presence ---------------------------------------------------------------------------


def test_an_agent_starts_offline_and_idle_since_never() -> None:
    agent = Agent("5511900000001", "Ana", ("financeiro",))
    assert agent.presence is Presence.OFFLINE
    assert agent.capacity == 1
    assert agent.idle_since is None and agent.active is None and agent.pause_reason is None


def test_check_in_makes_the_agent_available_from_now() -> None:
    agent = carla()
    agent.check_in(at(5))
    assert agent.presence is Presence.AVAILABLE and agent.idle_since == at(5)


def test_checking_in_again_does_not_reset_the_idle_time() -> None:
    agent = carla(Presence.AVAILABLE)
    agent.check_in(at(5))
    assert agent.idle_since == at(0)


def test_check_in_while_paused_resumes_and_forgets_why() -> None:
    agent = carla(Presence.AVAILABLE)
    agent.pause(at(1), PauseReason.MISSED_OFFER)
    agent.check_in(at(7))
    assert agent.presence is Presence.AVAILABLE
    assert agent.pause_reason is None and agent.idle_since == at(7)


@pytest.mark.parametrize("presence", [Presence.AVAILABLE, Presence.PAUSED])
def test_check_out_without_customers_goes_offline_and_drops_the_active_one(presence: Presence) -> None:
    agent = carla(presence)
    agent.active = "K7Q2"
    agent.check_out(0, at(2))
    assert agent.presence is Presence.OFFLINE
    assert agent.active is None and agent.pause_reason is None


def test_check_out_with_customers_is_refused() -> None:
    agent = carla(Presence.AVAILABLE)
    with pytest.raises(InvalidTransition):
        agent.check_out(2, at(2))
    assert agent.presence is Presence.AVAILABLE


def test_pause_stops_new_customers_and_says_why() -> None:
    agent = carla(Presence.AVAILABLE)
    agent.pause(at(1))
    assert agent.presence is Presence.PAUSED and agent.pause_reason is PauseReason.BY_AGENT
    assert not agent.can_take(0)


def test_a_missed_offer_pauses_with_its_own_reason() -> None:
    agent = carla(Presence.AVAILABLE)
    agent.pause(at(1), PauseReason.MISSED_OFFER)
    assert agent.pause_reason is PauseReason.MISSED_OFFER


def test_an_offline_agent_cannot_pause() -> None:
    agent = carla()
    with pytest.raises(InvalidTransition):
        agent.pause(at(1))
    assert agent.presence is Presence.OFFLINE


def test_resume_makes_a_paused_agent_available_from_now() -> None:
    agent = carla(Presence.PAUSED)
    agent.resume(at(9))
    assert agent.presence is Presence.AVAILABLE
    assert agent.pause_reason is None and agent.idle_since == at(9)


def test_resume_while_available_changes_nothing() -> None:
    agent = carla(Presence.AVAILABLE)
    agent.resume(at(9))
    assert agent.presence is Presence.AVAILABLE and agent.idle_since == at(0)


def test_an_offline_agent_must_check_in_not_resume() -> None:
    agent = carla()
    with pytest.raises(InvalidTransition):
        agent.resume(at(9))
    assert agent.presence is Presence.OFFLINE


# --- status and capacity ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("presence", "load", "status", "can_take"),
    [
        (Presence.OFFLINE, 0, Status.OFFLINE, False),
        (Presence.AVAILABLE, 0, Status.AVAILABLE, True),
        (Presence.AVAILABLE, 2, Status.AVAILABLE, True),
        (Presence.AVAILABLE, 3, Status.BUSY, False),
        (Presence.AVAILABLE, 4, Status.BUSY, False),
        (Presence.PAUSED, 0, Status.PAUSED, False),
        (Presence.PAUSED, 3, Status.PAUSED, False),
    ],
)
def test_status_and_whether_routing_may_hand_over_one_more(
    presence: Presence, load: int, status: Status, can_take: bool
) -> None:
    agent = carla(presence)
    assert agent.status(load) is status
    assert agent.can_take(load) is can_take


def test_an_agent_serves_only_their_departments() -> None:
    agent = carla()
    assert agent.serves("suporte") and agent.serves("vendas")
    assert not agent.serves("financeiro")
    assert not agent.serves("Suporte"), "department keys are exact"


# --- the active conversation ------------------------------------------------------------


def test_the_first_conversation_received_becomes_active_and_restarts_the_idle_clock() -> None:
    agent = carla(Presence.AVAILABLE)
    agent.receive("AAAA", at(3))
    agent.receive("BBBB", at(4))
    assert agent.active == "AAAA"
    assert agent.idle_since == at(4)


def test_letting_go_of_the_active_one_activates_the_oldest_remaining() -> None:
    agent = carla(Presence.AVAILABLE)
    for code in ("AAAA", "BBBB", "CCCC"):
        agent.receive(code, at(1))
    agent.let_go("AAAA", ["BBBB", "CCCC"], at(6))
    assert agent.active == "BBBB"
    assert agent.idle_since == at(6)


def test_letting_go_of_another_one_keeps_the_active_one() -> None:
    agent = carla(Presence.AVAILABLE)
    agent.receive("AAAA", at(1))
    agent.receive("BBBB", at(2))
    agent.let_go("BBBB", ["AAAA"], at(6))
    assert agent.active == "AAAA"


def test_letting_go_of_the_last_one_leaves_nothing_active() -> None:
    agent = carla(Presence.AVAILABLE)
    agent.receive("AAAA", at(1))
    agent.let_go("AAAA", [], at(6))
    assert agent.active is None


def test_switch_changes_the_active_conversation() -> None:
    agent = carla(Presence.AVAILABLE)
    agent.receive("AAAA", at(1))
    agent.receive("BBBB", at(2))
    agent.switch_to("BBBB")
    assert agent.active == "BBBB"


# --- writing ---------------------------------------------------------------------------


def test_an_agent_has_written_since_a_moment_only_after_it_and_never_goes_back() -> None:
    agent = carla(Presence.AVAILABLE)
    assert not agent.wrote_since(at(0))

    agent.wrote(at(2))
    agent.wrote(at(1))  # an older stamp handled late

    assert agent.last_wrote_at == at(2)
    assert agent.wrote_since(at(1.9))
    assert not agent.wrote_since(at(2)), "the same instant is not since"


def test_every_change_of_presence_is_recorded_once_with_its_time() -> None:
    agent = carla()
    agent.check_in(at(0))
    agent.check_in(at(1))  # already in: nothing changes, nothing recorded
    agent.pause(at(2))
    agent.resume(at(3))
    agent.resume(at(4))
    agent.check_out(0, at(5))
    assert agent.events == [
        PresenceChanged("", at(0), agent.phone, "available"),
        PresenceChanged("", at(2), agent.phone, "paused"),
        PresenceChanged("", at(3), agent.phone, "available"),
        PresenceChanged("", at(5), agent.phone, "offline"),
    ]


@pytest.mark.parametrize(
    ("presence", "load", "status"),
    [
        (Presence.AVAILABLE, 0, Status.AVAILABLE),
        (Presence.AVAILABLE, 2, Status.AVAILABLE),
        (Presence.AVAILABLE, 3, Status.BUSY),
        (Presence.PAUSED, 1, Status.PAUSED),
        (Presence.OFFLINE, 0, Status.OFFLINE),
    ],
)
def test_status_is_presence_and_load_against_capacity(presence: Presence, load: int, status: Status) -> None:
    assert status_of(presence, load, capacity=3) is status
