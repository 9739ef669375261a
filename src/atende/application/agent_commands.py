"""The agent's commands, typed in their WhatsApp chat: `/entrar`, `/fila`, `/proximo`, `/fim`…"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from atende.domain import commands as cmd
from atende.domain.agent import Agent, Presence
from atende.domain.content import Text
from atende.domain.conversation import Conversation, Stage
from atende.domain.exceptions import InvalidTransition
from atende.domain.message import Author

from .arrivals import Inbound
from .customer import rating_prompt, take_place_in_line
from .dispatch import dispatch, hand_over, release
from .relay import relay_from_agent
from .roster import enroll
from .session import Session
from .settings import AgentProfile
from .supervisor import dashboard, is_supervisor, refuse, report
from .texts.formatting import describe, snippet
from .waiting_line import line_for, waiting_summary
from .windows import still_arriving, window_status


def agent_writes(session: Session, profile: AgentProfile, inbound: Inbound, *, released: int = 0) -> None:
    """A command runs; anything else goes to a customer — unless the agent has not yet been shown
    what waited for her closed window (`released`: this very message released it), whatever
    she wrote then cannot be about it (no cross-talk after a reopen, docs/design.md §6). Either
    way she is working: her offers wait for her (docs/design.md §4)."""
    agent = session.uow.agents.get(profile.phone) or enroll(session, profile)
    agent.wrote(session.now)
    content = inbound.content
    command = cmd.parse_command(content.body) if isinstance(content, Text) else None
    if command is not None:
        run_command(session, agent, command)
    elif released:
        session.tell_agent(agent, session.texts.back_from_reopen)
    elif still_arriving(session, agent.phone):
        session.tell_agent(agent, session.texts.still_arriving)
    else:
        relay_from_agent(session, agent, inbound)


def run_command(session: Session, agent: Agent, command: cmd.AgentCommand) -> None:
    texts = session.texts
    match command:
        case cmd.Help():
            session.tell_agent(agent, texts.help + (texts.help_supervisor if is_supervisor(session, agent) else ""))
        case cmd.CheckIn():
            check_in(session, agent)
        case cmd.CheckOut():
            check_out(session, agent)
        case cmd.Pause():
            pause(session, agent)
        case cmd.Resume():
            resume(session, agent)
        case cmd.ShowQueue(department=department):
            show_queue(session, agent, department)
        case cmd.TakeNext():
            take(session, agent, None)
        case cmd.Take(target=target):
            take(session, agent, target)
        case cmd.Remove(target=target, reason=reason):
            remove(session, agent, target, reason)
        case cmd.End(code=code):
            end(session, agent, code)
        case cmd.Transfer(department=department, code=code):
            transfer(session, agent, department, code)
        case cmd.ListActive():
            list_active(session, agent)
        case cmd.Switch(code=code):
            switch(session, agent, code)
        case cmd.History():
            history(session, agent)
        case cmd.Dashboard():
            dashboard(session, agent) if is_supervisor(session, agent) else refuse(session, agent, "/painel")
        case cmd.Report(days=days):
            report(session, agent, days) if is_supervisor(session, agent) else refuse(session, agent, "/relatorio")
        case cmd.Malformed(usage=usage):
            session.tell_agent(agent, texts.usage[usage].format(known=_department_keys(session)))
        case cmd.Unknown(word=word):
            session.tell_agent(agent, texts.unknown_command.format(word=word))


def check_in(session: Session, agent: Agent) -> None:
    already = agent.presence is Presence.AVAILABLE
    agent.check_in(session.now)
    answer = session.texts.already_in if already else session.texts.checked_in
    session.tell_agent(agent, answer.format(queue=_queue_summary(session, agent)))
    dispatch(session)


def check_out(session: Session, agent: Agent) -> None:
    load = session.uow.conversations.loads()[agent.phone]
    if load:
        session.tell_agent(agent, session.texts.checkout_refused.format(count=load))
        return
    agent.check_out(load, session.now)
    session.tell_agent(agent, session.texts.checked_out)


def pause(session: Session, agent: Agent) -> None:
    if agent.presence is Presence.OFFLINE:
        session.tell_agent(agent, session.texts.offline)
        return
    agent.pause(session.now)
    session.tell_agent(agent, session.texts.paused.format(count=session.uow.conversations.loads()[agent.phone]))


def resume(session: Session, agent: Agent) -> None:
    if agent.presence is Presence.OFFLINE:
        session.tell_agent(agent, session.texts.offline)
        return
    agent.resume(session.now)
    session.tell_agent(agent, session.texts.resumed)
    dispatch(session)


def show_queue(session: Session, agent: Agent, department: str | None) -> None:
    texts = session.texts
    if department is None:
        keys = _own_line_departments(session, agent)
    else:
        found = session.settings.find_department(department)
        if found is None:
            session.tell_agent(
                agent, texts.unknown_department.format(given=department, known=_department_keys(session))
            )
            return
        keys = (found.key,)
    names = ", ".join(session.department_name(k) for k in keys)
    line = _waiting_for(session, keys)
    if not line:
        session.tell_agent(agent, texts.queue_empty.format(departments=names))
        return
    # Numbers are places in the agent's own line, the one `/puxar N` and `/remover N` count in,
    # even when one department is shown; customers of departments they do not serve get none.
    mine = {c.code: n for n, c in enumerate(_waiting_for(session, _own_line_departments(session, agent)), 1)}
    rows = [texts.queue_header.format(departments=names)]
    for conversation in line:
        rows.append(
            texts.queue_line.format(
                position=f"{mine[conversation.code]}." if conversation.code in mine else "•",
                name=conversation.customer.display_name,
                code=conversation.code,
                department=session.department_name(conversation.department),
                wait=session.wait(conversation.waited(session.now)),
                first=_first_words(session, conversation),
            )
        )
    session.tell_agent(agent, "\n".join(rows))


def take(session: Session, agent: Agent, target: cmd.Target | None) -> None:
    """`/proximo` (target None) or `/puxar N|#COD`: an explicit pull, allowed while paused."""
    texts = session.texts
    if agent.presence is Presence.OFFLINE:
        session.tell_agent(agent, texts.offline)
        return
    load = session.uow.conversations.loads()[agent.phone]
    if load >= agent.capacity:
        session.tell_agent(agent, texts.at_capacity.format(count=load))
        return
    line = _waiting_for(session, agent.departments)
    if target is None:
        if not line:
            session.tell_agent(agent, texts.nobody_waiting)
            return
        conversation = line[0]
    else:
        found = _pick(line, target)
        if found is None:
            session.tell_agent(agent, texts.target_missing.format(target=_target_text(target)))
            return
        conversation = found
    hand_over(session, conversation, agent)
    conversation.accept(session.now)  # pulling someone is acting on them: no offer to time out


def remove(session: Session, agent: Agent, target: cmd.Target, reason: str) -> None:
    texts = session.texts
    conversation = _pick(_waiting_for(session, _own_line_departments(session, agent)), target)
    if conversation is None:
        session.tell_agent(agent, texts.target_missing.format(target=_target_text(target)))
        return
    conversation.remove(agent.phone, reason, session.now)
    notice = texts.removed + (texts.removed_reason.format(reason=reason) if reason else "")
    session.tell_customer(conversation, notice)
    session.tell_agent(agent, texts.removed_done.format(code=conversation.code, name=_name(conversation)), conversation)


def end(session: Session, agent: Agent, code: str | None) -> None:
    conversation = _own(session, agent, code)
    if conversation is None:
        return
    conversation.end(session.now, ask_rating=session.settings.rating)
    texts = session.texts
    session.tell_customer(conversation, texts.ended.format(business=session.settings.business_name))
    if session.settings.rating:
        session.tell_customer(conversation, rating_prompt(session))
    answer = texts.ended_done.format(code=conversation.code, name=_name(conversation))
    session.tell_agent(agent, answer + _release(session, agent, conversation), conversation)
    dispatch(session)


def transfer(session: Session, agent: Agent, department_text: str, code: str | None = None) -> None:
    """The agent's active conversation (or the one named by `code`) to another department; a
    supervisor may also name any customer who waits."""
    texts = session.texts
    if code is not None:
        named = session.uow.conversations.get(code)
        if named is not None and named.stage is Stage.QUEUED:
            if not is_supervisor(session, agent):
                refuse(session, agent, "/transferir #CÓD")
                return
            move(session, agent, named, department_text)
            return
    conversation = _own(session, agent, code)
    if conversation is None:
        return
    department = session.settings.find_department(department_text)
    if department is None:
        session.tell_agent(
            agent, texts.unknown_department.format(given=department_text, known=_department_keys(session))
        )
        return
    try:
        conversation.transfer(department.key, agent.phone, session.now)
    except InvalidTransition:
        answer = texts.same_department.format(
            code=conversation.code, name=_name(conversation), department=department.name
        )
        session.tell_agent(agent, answer, conversation)
        return
    answer = texts.transferred_done.format(code=conversation.code, name=_name(conversation), department=department.name)
    session.tell_agent(agent, answer + _release(session, agent, conversation), conversation)
    session.tell_customer(conversation, texts.transferred.format(department=department.name))
    take_place_in_line(session, conversation, department)


def move(session: Session, supervisor: Agent, conversation: Conversation, department_text: str) -> None:
    """A supervisor moves a waiting customer to another department's queue, keeping their place."""
    texts = session.texts
    department = session.settings.find_department(department_text)
    if department is None:
        known = _department_keys(session)
        session.tell_agent(supervisor, texts.unknown_department.format(given=department_text, known=known))
        return
    try:
        conversation.move(department.key, supervisor.phone, session.now)
    except InvalidTransition:
        same = texts.same_department.format(
            code=conversation.code, name=_name(conversation), department=department.name
        )
        session.tell_agent(supervisor, same, conversation)
        return
    done = texts.moved_done.format(code=conversation.code, name=_name(conversation), department=department.name)
    session.tell_agent(supervisor, done, conversation)
    session.tell_customer(conversation, texts.transferred.format(department=department.name))
    take_place_in_line(session, conversation, department)


def list_active(session: Session, agent: Agent) -> None:
    texts = session.texts
    mine = session.uow.conversations.assigned_to(agent.phone)
    if not mine:
        session.tell_agent(agent, texts.active_none)
        return
    rows = [texts.active_header]
    for conversation in mine:
        since = conversation.assigned_at or session.now
        rows.append(
            texts.active_line.format(
                marker="▶" if conversation.code == agent.active else "•",
                code=conversation.code,
                name=_name(conversation),
                department=session.department_name(conversation.department),
                since=session.wait((session.now - since).total_seconds()),
            )
            + window_status(session, conversation)
        )
    session.tell_agent(agent, "\n".join(rows))


def switch(session: Session, agent: Agent, code: str) -> None:
    conversation = _own(session, agent, code)
    if conversation is None:
        return
    agent.switch_to(conversation.code)
    answer = session.texts.switched.format(first=conversation.customer.first_name, code=conversation.code)
    session.tell_agent(agent, answer, conversation)


def history(session: Session, agent: Agent) -> None:
    conversation = _own(session, agent, None)
    if conversation is None:
        return
    texts = session.texts
    messages = session.uow.messages.for_conversation(conversation.code, session.settings.history_lines)
    if not messages:
        empty = texts.history_empty.format(code=conversation.code, name=_name(conversation))
        session.tell_agent(agent, empty, conversation)
        return
    rows = [texts.history_header.format(code=conversation.code, name=_name(conversation))]
    for message in messages:
        author = (
            texts.you
            if message.author is Author.AGENT and message.author_name == agent.name
            else (message.author_name or conversation.customer.first_name)
        )
        rows.append(
            texts.history_line.format(
                time=message.at.astimezone(ZoneInfo(session.settings.timezone)).strftime("%H:%M"),
                author=author,
                text=snippet(describe(texts, message.content), 200),
            )
        )
    session.tell_agent(agent, "\n".join(rows), conversation)


def _own(session: Session, agent: Agent, code: str | None) -> Conversation | None:
    """The agent's conversation named by code (or the active one), or a ⚠️ saying why not."""
    texts = session.texts
    wanted = code or agent.active
    if wanted is None:
        session.tell_agent(agent, texts.no_active)
        return None
    conversation = session.uow.conversations.get(wanted)
    if conversation is None or not conversation.served_by(agent.phone):
        session.tell_agent(agent, texts.not_yours.format(code=wanted))
        return None
    return conversation


def _release(session: Session, agent: Agent, conversation: Conversation) -> str:
    """Let go of a conversation; returns the sentence naming the new active one, if any."""
    release(session, agent, conversation)
    if agent.active is None:
        return ""
    active = session.uow.conversations.get(agent.active)
    assert active is not None
    return session.texts.now_active.format(first=active.customer.first_name, code=active.code)


def _own_line_departments(session: Session, agent: Agent) -> tuple[str, ...]:
    """The line an agent's `/fila` numbers and `/remover N` counts in: their departments, or every
    department for a supervisor (who watches them all, and may serve none)."""
    if is_supervisor(session, agent):
        return tuple(d.key for d in session.settings.departments)
    return agent.departments


def _waiting_for(session: Session, departments: tuple[str, ...]) -> list[Conversation]:
    """One line across the agent's departments, numbered the way `/fila` shows it."""
    return [c for c in session.uow.conversations.waiting() if c.department in departments]


def _pick(line: list[Conversation], target: cmd.Target) -> Conversation | None:
    match target:
        case cmd.Position(number=number):
            return line[number - 1] if number <= len(line) else None
        case cmd.CodeRef(code=code):
            return next((c for c in line if c.code == code), None)


def _target_text(target: cmd.Target) -> str:
    return str(target.number) if isinstance(target, cmd.Position) else f"#{target.code}"


def _department_keys(session: Session) -> str:
    return ", ".join(d.key for d in session.settings.departments)


def _queue_summary(session: Session, agent: Agent) -> str:
    line = line_for(session, agent.departments)
    names = ", ".join(session.department_name(k) for k in agent.departments)
    if not line:
        return session.texts.queue_empty.format(departments=names).removeprefix("📋 ")
    return session.texts.reminder.format(parts=waiting_summary(session, line)).removeprefix("⏳ ")


def _first_words(session: Session, conversation: Conversation) -> str:
    first = next(
        (m for m in session.uow.messages.for_conversation(conversation.code) if m.author is Author.CUSTOMER),
        None,
    )
    return f" — “{snippet(describe(session.texts, first.content), 50)}”" if first else ""


def _name(conversation: Conversation) -> str:
    return conversation.customer.display_name
