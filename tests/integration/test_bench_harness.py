"""The load and fault harnesses can fail and can pass: their count is checked, not atende's numbers.

`bench/tally.py` decides whether a run lost, duplicated, misrouted, mixed or reordered anything;
these tests feed it runs with one defect planted at a time, and run a tiny load and a tiny
fault run against the real `atende serve` to check the harness end to end (its count on real
relays, with a duplicate and a loss planted into them). Nothing here asserts a timing, nor that
atende itself passes: that is what the benchmark reports.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import busy  # noqa: E402
import tally  # noqa: E402

DESK = busy.Desk(agents=2, customers=4)


def _relay(number: int, to: str, *marks: str, at: float = 0.0, header: str = "💬 *Cliente* #AB12") -> tally.Delivered:
    body = json.dumps({"to": f"+{to}", "type": "text", "text": {"body": "\n".join([header, *marks])}})
    return tally.Delivered(number, at or float(number), to, body)


def _clean() -> tuple[dict[str, str], list[tally.Delivered]]:
    """Customer 1 wrote three texts (the third coalesced with the second), agent 0 one."""
    marks = [busy.marker("c", 1, 1), busy.marker("c", 1, 2), busy.marker("c", 1, 3), busy.marker("a", 0, 1)]
    expected = {mark: busy.expected_recipient(DESK, mark) for mark in marks}
    agent, customer = expected[marks[0]], expected[marks[3]]
    delivered = [
        _relay(0, agent, marks[0]),
        _relay(1, agent, marks[1], marks[2]),
        _relay(2, customer, marks[3], header=""),
    ]
    return expected, delivered


def test_a_clean_run_passes() -> None:
    expected, delivered = _clean()
    count = tally.count(expected, delivered)
    assert not count.failed, count.summary()
    assert count.relayed == count.expected == 4


def test_a_loss_is_counted() -> None:
    expected, delivered = _clean()
    count = tally.count(expected, delivered[:2])
    assert count.failed
    assert count.lost == [busy.marker("a", 0, 1)]


def test_a_duplicate_is_counted_and_the_in_flight_window_apart() -> None:
    expected, delivered = _clean()
    again = _relay(3, delivered[0].to, busy.marker("c", 1, 1), at=10.0)
    count = tally.count(expected, [*delivered, again])
    assert count.failed
    assert count.duplicated == [busy.marker("c", 1, 1)]
    # The same duplicate straddling a SIGKILL at 1.5 s, first copy just before it: the documented window.
    windowed = tally.count(expected, [*delivered, again], kills=[1.5])
    assert windowed.in_flight == [busy.marker("c", 1, 1)]
    assert not windowed.failed, windowed.summary()


def test_a_misroute_and_a_mix_are_counted() -> None:
    expected, delivered = _clean()
    wrong = [_relay(0, busy.customer_phone(3), busy.marker("c", 1, 1)), *delivered[1:]]
    assert tally.count(expected, wrong).misrouted == [busy.marker("c", 1, 1)]
    other = busy.marker("c", 3, 1)
    expected[other] = busy.expected_recipient(DESK, other)
    mixed = [*delivered, _relay(3, delivered[0].to, busy.marker("c", 1, 4), other)]
    count = tally.count(expected, mixed)
    assert count.mixed == 1
    assert busy.marker("c", 1, 4) in count.unexpected  # never acknowledged, yet relayed


def test_out_of_order_unless_it_reached_atende_late() -> None:
    expected, delivered = _clean()
    swapped = [delivered[1], delivered[0], delivered[2]]
    swapped = [tally.Delivered(n, float(n), d.to, d.body) for n, d in enumerate(swapped)]
    assert tally.count(expected, swapped).out_of_order == [busy.marker("c", 1, 1)]
    stored = {busy.marker("c", 1, 1): 20.0, busy.marker("c", 1, 2): 10.0}  # the first arrived 10 s after
    late = tally.count(expected, swapped, stored=stored)
    assert late.arrived_late == [busy.marker("c", 1, 1)]
    assert not late.failed


def test_notices_to_an_agent_are_not_relays() -> None:
    expected, delivered = _clean()
    listing = _relay(3, delivered[0].to, busy.marker("c", 1, 1), header="📋 *Seus atendimentos*")
    assert not tally.count(expected, [*delivered, listing]).failed


needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="the load harness drives atende with wrk")


@pytest.mark.slow
@needs_wrk
def test_the_load_harness_counts_real_relays(tmp_path: Path) -> None:
    import load
    from common import Databases

    budget = load.Budget(agents=3, customers=9, paced_seconds=1, paced_rate=40, saturated_seconds=1,
                         drain_seconds=15, bare_seconds=1)  # fmt: skip
    result = load.run_variant(load.VARIANTS[0], budget, Databases(tmp_path), tmp_path, None)
    count = result.count
    assert count is not None and result.saturated is not None
    assert count.expected > 0 and count.relayed > 0, count.summary()
    assert result.peak_rss > 0
    # Plant a duplicate and a loss into the real relays: the count must see both.
    delivered = [tally.Delivered(n, at, to, body) for n, at, to, body in _records(result)]
    relayed = next(d for d in delivered if tally.marks_in(d))
    planted = tally.Delivered(len(delivered), relayed.at + 1, relayed.to, relayed.body)
    again = tally.count(result.expected, [*delivered, planted], stored=result.stored_at)
    assert len(again.duplicated) >= len(count.duplicated) + len(tally.marks_in(relayed))
    fewer = tally.count(result.expected, [d for d in delivered if d is not relayed], stored=result.stored_at)
    assert len(fewer.lost) == len(count.lost) + len(tally.marks_in(relayed))


def _records(result: object) -> list[tuple[int, float, str, str]]:
    records: list[tuple[int, float, str, str]] = result.records  # type: ignore[attr-defined]
    return records


@pytest.mark.slow
def test_the_fault_harness_kills_locks_and_counts(tmp_path: Path) -> None:
    import fault
    from common import Databases

    budget = fault.Budget(agents=3, customers=9, rate=20, seconds=4, kill_at=1, lock_at=2, lock_seconds=1, burst=6,
                          drain_seconds=20)  # fmt: skip
    outcome = fault.run_variant(fault.VARIANTS[0], budget, Databases(tmp_path), tmp_path, None)
    assert outcome.count is not None and outcome.delivery is not None
    timeline = " ".join(outcome.timeline)
    assert "SIGKILL" in timeline and "started again" in timeline and "write lock released" in timeline
    assert not outcome.delivery.unacked, "Meta's side posts until a 200"
    assert outcome.count.expected > 0 and outcome.count.relayed > 0, outcome.count.summary()
