"""Who waits, where, and for how long: positions, wait estimates and summaries of the line."""

from __future__ import annotations

from collections.abc import Iterable
from statistics import fmean

from atende.domain.conversation import Conversation
from atende.domain.repositories import LinePart

from .session import Session

RECENT_WAITS = 20
"""How many recent assignments the wait estimate averages over."""


def position_in_queue(session: Session, conversation: Conversation) -> int:
    """Her place: those ahead of her counted by storage, never the line read (issue 9)."""
    return session.uow.conversations.ahead_of(conversation) + 1


def estimated_wait(session: Session, department: str) -> float | None:
    """A moving average of the latest waits in the department; None until there are any."""
    waits = session.uow.events.recent_waits(department, RECENT_WAITS)
    return fmean(waits) if waits else None


def queue_status(session: Session, conversation: Conversation) -> dict[str, str | int]:
    """Fields for the customer's position messages: department, position and estimate."""
    assert conversation.department is not None
    estimate = estimated_wait(session, conversation.department)
    return {
        "department": session.department_name(conversation.department),
        "position": position_in_queue(session, conversation),
        "estimate": session.texts.estimate.format(wait=session.wait(estimate)) if estimate else "",
    }


def line_for(session: Session, departments: Iterable[str]) -> list[LinePart]:
    """The waiting line's parts in these departments, in queue order: aggregates, not the line."""
    wanted = set(departments)
    return [p for p in session.uow.conversations.line_parts() if p.department in wanted]


def waiting_summary(session: Session, line: list[LinePart]) -> str:
    """`2 aguardando em Financeiro (mais antigo: 4 min)`, one part per department."""
    parts = []
    for part in line:
        oldest = 0.0 if part.earliest_wait is None else (session.now - part.earliest_wait).total_seconds()
        parts.append(
            session.texts.reminder_part.format(
                count=part.count,
                department=session.department_name(part.department),
                oldest=session.wait(max(0.0, oldest)),
            )
        )
    return " · ".join(parts)
