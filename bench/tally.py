"""The count: every relay the Graph sink accepted, checked against what was acknowledged.

Each acknowledged notification that carries a marker (`busy.MARKER`) must reach exactly one
recipient — a customer's message their agent, an agent's text her active customer — once, in
the order its sender wrote (per sender: its message numbers rise). Counted:

- lost: acknowledged, never relayed;
- duplicated: relayed more than once; those whose first copy reached the sink within
  `IN_FLIGHT_SECONDS` before a process was killed and whose later copy came after it are the
  documented in-flight window (a send WhatsApp accepted in the instant before atende could
  record it) and are counted apart;
- misrouted: relayed to someone else; mixed: one message carrying two senders' words;
- out of order: a message relayed after a later one of the same sender — unless it reached
  atende more than the reorder window after that later one (Meta's at-least-once delivery
  after an outage can do that, and no relay can wait for what it has not been given): those are
  counted apart as `arrived_late`, when the caller gives the stored times.

Only relays are read: texts to an agent that start with another marker (📋 ✅ ⚠️ 🔔 ⏳, command
answers and notices) are not relays, and may quote what a customer wrote.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from busy import MARKER

IN_FLIGHT_SECONDS = 3.0
NOTICE_MARKERS = ("📋", "✅", "⚠️", "🔔", "⏳")


@dataclass(frozen=True)
class Delivered:
    """One message the sink accepted (answered 200), in the order it accepted them."""

    number: int
    at: float
    """Wall-clock seconds (time.time()) when the sink accepted it."""
    to: str
    body: str
    """The JSON the client posted."""


def marks_in(message: Delivered) -> list[str]:
    """The markers a relayed message carries, in the order they appear (empty for a notice)."""
    try:
        payload = json.loads(message.body)
    except ValueError:
        return []
    kind = payload.get("type")
    part = payload.get(kind) if isinstance(kind, str) else None
    if not isinstance(part, dict):
        return []
    text = str(part.get("body") or part.get("caption") or "")
    if text.startswith(NOTICE_MARKERS):
        return []
    found = [m.group(0) for m in MARKER.finditer(f"{part.get('id', '')} {text}")]
    return list(dict.fromkeys(found))


@dataclass
class Count:
    expected: int = 0
    relayed: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    in_flight: list[str] = field(default_factory=list)
    misrouted: list[str] = field(default_factory=list)
    mixed: int = 0
    out_of_order: list[str] = field(default_factory=list)
    arrived_late: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    """Markers relayed that were never acknowledged (a bug in atende or in the harness)."""
    first_at: dict[str, float] = field(default_factory=dict)
    """Marker → when its first copy reached the sink."""

    @property
    def failed(self) -> bool:
        """Any loss or duplicate beyond the window, or any misroute, mix, reorder or stray."""
        return bool(
            self.lost or self.duplicated or self.misrouted or self.mixed or self.out_of_order or self.unexpected
        )

    def summary(self) -> str:
        return (
            f"{self.expected:,} acknowledged, {self.relayed:,} relayed: {len(self.lost):,} lost, "
            f"{len(self.duplicated):,} duplicated (+{len(self.in_flight):,} in the in-flight window), "
            f"{len(self.misrouted):,} misrouted, {self.mixed:,} mixed, {len(self.out_of_order):,} out of order"
            + (f" (+{len(self.arrived_late):,} that reached atende late)" if self.arrived_late else "")
            + (f", {len(self.unexpected):,} never acknowledged" if self.unexpected else "")
        )


def _sender_and_number(mark: str) -> tuple[str, int]:
    found = MARKER.fullmatch(mark)
    assert found is not None
    return f"{found.group(1)}{found.group(2)}", int(found.group(3))


def count(
    expected: Mapping[str, str],
    delivered: Iterable[Delivered],
    kills: Sequence[float] = (),
    stored: Mapping[str, float] | None = None,
    window: float = 1.0,
) -> Count:
    """`expected`: marker → recipient, for every acknowledged marked notification; `stored`:
    marker → when atende stored it, and `window` its reorder window, to tell late arrivals apart."""
    result = Count(expected=len(expected))
    copies: dict[str, list[float]] = defaultdict(list)
    latest: dict[str, tuple[int, str]] = {}
    for message in sorted(delivered, key=lambda d: d.number):
        marks = marks_in(message)
        if len({_sender_and_number(m)[0] for m in marks}) > 1:
            result.mixed += 1
        for mark in marks:
            copies[mark].append(message.at)
            if len(copies[mark]) > 1:
                continue
            result.first_at[mark] = message.at
            if mark not in expected:
                result.unexpected.append(mark)
                continue
            if expected[mark] != message.to:
                result.misrouted.append(mark)
            sender, number = _sender_and_number(mark)
            before, before_mark = latest.get(sender, (0, ""))
            if number < before:
                late = stored is not None and stored.get(mark, 0.0) > stored.get(before_mark, 0.0) + window
                (result.arrived_late if late else result.out_of_order).append(mark)
            else:
                latest[sender] = (number, mark)
    for mark in expected:
        if mark not in copies:
            result.lost.append(mark)
    result.relayed = sum(1 for mark in expected if mark in copies)
    for mark, times in copies.items():
        if len(times) < 2:
            continue
        first, later = times[0], times[1:]
        in_window = any(kill - IN_FLIGHT_SECONDS <= first <= kill and all(t > kill for t in later) for kill in kills)
        (result.in_flight if in_window and len(later) == 1 else result.duplicated).append(mark)
    return result
