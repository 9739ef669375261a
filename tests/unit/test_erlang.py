"""Erlang C against a published worked example, and the properties any queue model must have.

The published example: Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked
Example" (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls in
30 minutes, an average handle time of 180 s, a target of 80 % answered within 20 s. Traffic is
10 Erlangs; 14 agents are needed, who answer 88.84 % within 20 s, and a call waits at all with
probability 17.41 % — the figures pyworkforce's README prints for the same inputs
(https://github.com/rodrigo-arenas/pyworkforce, `ErlangC(transactions=100, aht=3, asa=20/60,
interval=30)`: raw_positions 14, service_level 0.8884, waiting_probability 0.1741). The worked
example's first step, 11 agents, has a probability of waiting of 68.21 %.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atende.application.erlang import agents_needed, erlang_b, erlang_c, servers_needed, service_level

CALLS_PER_HOUR = 200  # 100 in 30 minutes
HANDLE = 180.0
TRAFFIC = CALLS_PER_HOUR * HANDLE / 3600


def test_the_published_example_needs_14_agents_for_80_percent_within_20_seconds() -> None:
    assert TRAFFIC == 10
    assert servers_needed(CALLS_PER_HOUR, HANDLE, target=0.80, within_seconds=20) == 14


def test_the_published_example_figures_at_14_agents() -> None:
    assert service_level(14, TRAFFIC, HANDLE, 20) == pytest.approx(0.8884, abs=5e-5)
    assert erlang_c(14, TRAFFIC) == pytest.approx(0.1741, abs=5e-5)


def test_the_published_example_first_step_11_agents_wait_68_percent_of_the_time() -> None:
    assert erlang_c(11, TRAFFIC) == pytest.approx(0.6821, abs=5e-5)


def test_13_agents_fall_just_short_of_the_target() -> None:
    assert 0.79 < service_level(13, TRAFFIC, HANDLE, 20) < 0.80


def test_chat_concurrency_shares_the_slots_out_among_agents() -> None:
    """14 slots: agents holding 3 chats each → 5 agents; 2 each → 7; 1 each → 14."""
    assert agents_needed(CALLS_PER_HOUR, HANDLE, 0.80, 20, capacity=3) == 5
    assert agents_needed(CALLS_PER_HOUR, HANDLE, 0.80, 20, capacity=2) == 7
    assert agents_needed(CALLS_PER_HOUR, HANDLE, 0.80, 20, capacity=1) == 14


def test_no_arrivals_need_nobody_and_an_overloaded_queue_always_waits() -> None:
    assert servers_needed(0, HANDLE, 0.8, 20) == 0
    assert erlang_c(10, TRAFFIC) == 1.0  # as many servers as Erlangs: the queue grows without end
    assert service_level(9, TRAFFIC, HANDLE, 20) == 0.0
    assert erlang_c(3, 0.0) == 0.0


def test_a_handle_time_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        servers_needed(10, 0, 0.8, 20)


def test_erlang_b_of_one_server_is_a_over_one_plus_a() -> None:
    assert erlang_b(1, 2.0) == pytest.approx(2 / 3)


@given(
    arrivals=st.floats(min_value=0.5, max_value=2000),
    handle=st.floats(min_value=5, max_value=3600),
    target=st.floats(min_value=0.05, max_value=0.99),
    within=st.floats(min_value=0, max_value=600),
)
def test_the_answer_is_the_fewest_servers_that_meet_the_target(
    arrivals: float, handle: float, target: float, within: float
) -> None:
    needed = servers_needed(arrivals, handle, target, within)
    traffic = arrivals * handle / 3600
    assert needed > traffic
    assert service_level(needed, traffic, handle, within) >= target
    if needed - 1 > traffic:
        assert service_level(needed - 1, traffic, handle, within) < target


@given(servers=st.integers(min_value=1, max_value=300), traffic=st.floats(min_value=0.01, max_value=299))
def test_more_servers_never_wait_longer(servers: int, traffic: float) -> None:
    assert erlang_c(servers + 1, traffic) <= erlang_c(servers, traffic) + 1e-12
    assert 0.0 <= erlang_c(servers, traffic) <= 1.0
