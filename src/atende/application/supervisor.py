"""The supervisor's commands: `/painel` (every queue and agent, now) and `/relatorio` (service figures).

A supervisor is an agent entry with `supervisor = true` (docs/design.md §2): the same WhatsApp chat,
the same markers. Each answer is one 📋 message that fits WhatsApp (cut with "… and N more" when
a big operation would overflow it), and says what it is about in its first line.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from atende.domain.agent import Agent, Status

from .insight import DEFAULT_THRESHOLD_SECONDS, period_of, service_report
from .reports import Tally
from .session import Session

MESSAGE_LIMIT = 4096
"""Characters in one WhatsApp text message."""

_STATUS_ORDER = {Status.AVAILABLE: 0, Status.BUSY: 1, Status.PAUSED: 2, Status.OFFLINE: 3}


def is_supervisor(session: Session, agent: Agent) -> bool:
    return session.settings.is_supervisor(agent.phone)


def refuse(session: Session, agent: Agent, command: str) -> None:
    """⚠️ to an agent without the flag: the command exists, it is not theirs."""
    session.tell_agent(agent, session.texts.supervisors_only.format(command=command))


def dashboard(session: Session, agent: Agent) -> None:
    """📋 every department's line (waiting, oldest wait) and every agent's state and load, now."""
    texts = session.texts
    local = session.now.astimezone(ZoneInfo(session.settings.timezone))
    lines = [texts.dashboard_header.format(time=f"{local:%H:%M}")]
    waiting = session.uow.conversations.waiting()
    for department in session.settings.departments:
        line = [c for c in waiting if c.department == department.key]
        if line:
            oldest = max(c.waited(session.now) for c in line)
            lines.append(
                texts.dashboard_line.format(department=department.name, count=len(line), oldest=session.wait(oldest))
            )
        else:
            lines.append(texts.dashboard_line_empty.format(department=department.name))
    lines.append("")
    lines.append(texts.dashboard_agents)
    loads = session.uow.conversations.loads()
    stored = {a.phone: a for a in session.uow.agents.all()}
    roster = [
        (stored[p.phone], index)
        for index, p in enumerate(session.settings.agents)
        if p.departments and p.phone in stored
    ]
    if not roster:
        lines.append(texts.dashboard_no_agents)
    roster.sort(key=lambda pair: (_STATUS_ORDER[pair[0].status(loads[pair[0].phone])], pair[1]))
    for member, _ in roster:
        load = loads[member.phone]
        status = member.status(load)
        lines.append(
            texts.dashboard_agent.format(
                name=member.name, status=texts.status_labels[status.value], load=load, capacity=member.capacity
            )
        )
    session.tell_agent(agent, fit(lines, texts.more_lines))


def report(session: Session, agent: Agent, days: int) -> None:
    """📋 the figures of `atende stats` for today (or the last `days` days), compact."""
    texts, settings = session.texts, session.settings
    zone = ZoneInfo(settings.timezone)
    period = period_of(session.now, settings.timezone, days)
    figures = service_report(session.uow.reports, settings, period, days=days)
    if days == 1:
        when = texts.report_today.format(time=f"{session.now.astimezone(zone):%H:%M}")
    else:
        when = texts.report_days.format(days=days, start=f"{period.start.astimezone(zone):%d/%m}")
    lines = [texts.report_header.format(period=when)]
    if figures.total.offered == 0 and figures.total.answered == 0:
        lines.append(texts.report_nothing)
        session.tell_agent(agent, "\n".join(lines))
        return
    busy = [d for d in figures.departments if d.tally.offered or d.tally.answered or d.tally.ratings]
    for department in busy:
        lines.extend(_department_lines(session, department.name, department.tally))
    if len(busy) > 1:
        lines.extend(_department_lines(session, texts.report_total, figures.total))
    if figures.agents:
        lines.append("")
        lines.append(texts.report_agents)
        for member in figures.agents:
            tally = member.tally
            lines.append(
                texts.report_agent.format(
                    name=member.name,
                    count=tally.answered,
                    aht=_time(session, tally.aht_seconds),
                    rating=_rating(session, tally),
                )
            )
    session.tell_agent(agent, fit(lines, texts.more_lines))


def _department_lines(session: Session, name: str, tally: Tally) -> list[str]:
    texts = session.texts
    return [
        texts.report_department.format(
            department=name, offered=tally.offered, answered=tally.answered, abandoned=tally.abandoned
        ),
        texts.report_figures.format(
            asa=_time(session, tally.asa_seconds),
            aht=_time(session, tally.aht_seconds),
            level="—" if tally.service_level is None else f"{tally.service_level * 100:.0f}%",
            threshold=session.wait(DEFAULT_THRESHOLD_SECONDS),
            rating=_rating(session, tally),
        ),
    ]


def _time(session: Session, seconds: float | None) -> str:
    return "—" if seconds is None else session.wait(seconds)


def _rating(session: Session, tally: Tally) -> str:
    average = tally.rating_average
    if average is None:
        return "—"
    return f"{average:.1f}".replace(".", session.texts.decimal_point) + f"/3 ({tally.ratings})"


def fit(lines: Sequence[str], more: str, limit: int = MESSAGE_LIMIT) -> str:
    """The lines that fit one message, then "… and N more" for the rest."""
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    kept: list[str] = []
    for index, line in enumerate(lines):
        tail = more.format(count=len(lines) - index)
        if len("\n".join([*kept, line, tail])) > limit:
            return "\n".join([*kept, tail])
        kept.append(line)
    return "\n".join(kept)
