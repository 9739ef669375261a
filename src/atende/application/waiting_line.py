"""Who waits, where, and for how long: positions, wait estimates and summaries of the line."""

from __future__ import annotations

from statistics import fmean

from atende.domain.conversation import Conversation

from .session import Session

RECENT_WAITS = 20
"""How many recent assignments the wait estimate averages over."""


def position_in_queue(session: Session, conversation: Conversation) -> int:
    line = session.uow.conversations.waiting(conversation.department)
    return next((i for i, c in enumerate(line, 1) if c.code == conversation.code), len(line))


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


def waiting_summary(session: Session, line: list[Conversation]) -> str:
    """`2 aguardando em Financeiro (mais antigo: 4 min)`, one part per department."""
    parts = []
    for key in dict.fromkeys(c.department for c in line):
        mine = [c for c in line if c.department == key]
        oldest = max(c.waited(session.now) for c in mine)
        parts.append(
            session.texts.reminder_part.format(
                count=len(mine), department=session.department_name(key), oldest=session.wait(oldest)
            )
        )
    return " · ".join(parts)
