"""The agent's side: every command of DESIGN §5, and relaying what the agent writes."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from atende.domain import commands as cmd
from atende.domain.agent import Agent, Presence
from atende.domain.content import Contacts, Location, Media, Reaction, Text
from atende.domain.conversation import Conversation, Stage
from atende.domain.department import Department
from atende.domain.exceptions import InvalidTransition
from atende.domain.message import Author, Message

from .context import Context
from .customer import fold, rating_prompt, take_place_in_line
from .dispatch import dispatch, hand_over, original_of, release, waiting_summary
from .inbound import Inbound
from .outbound import LocationBody, MediaBody, ReactionBody, TextBody
from .settings import AgentProfile
from .windows import customer_window_open
from .wording import describe, snippet


def agent_writes(ctx: Context, profile: AgentProfile, inbound: Inbound) -> None:
    agent = ctx.uow.agents.get(profile.phone) or enroll(ctx, profile)
    content = inbound.content
    command = cmd.parse_command(content.body) if isinstance(content, Text) else None
    if command is None:
        relay_from_agent(ctx, agent, inbound)
    else:
        run_command(ctx, agent, command)


def enroll(ctx: Context, profile: AgentProfile) -> Agent:
    agent = Agent(profile.phone, profile.name, profile.departments, profile.capacity)
    ctx.uow.agents.add(agent)
    return agent


def run_command(ctx: Context, agent: Agent, command: cmd.AgentCommand) -> None:
    texts = ctx.texts
    match command:
        case cmd.Help():
            ctx.tell_agent(agent, texts.help)
        case cmd.CheckIn():
            check_in(ctx, agent)
        case cmd.CheckOut():
            check_out(ctx, agent)
        case cmd.Pause():
            pause(ctx, agent)
        case cmd.Resume():
            resume(ctx, agent)
        case cmd.ShowQueue(department=department):
            show_queue(ctx, agent, department)
        case cmd.TakeNext():
            take(ctx, agent, None)
        case cmd.Take(target=target):
            take(ctx, agent, target)
        case cmd.Remove(target=target, reason=reason):
            remove(ctx, agent, target, reason)
        case cmd.End(code=code):
            end(ctx, agent, code)
        case cmd.Transfer(department=department):
            transfer(ctx, agent, department)
        case cmd.ListActive():
            list_active(ctx, agent)
        case cmd.Switch(code=code):
            switch(ctx, agent, code)
        case cmd.History():
            history(ctx, agent)
        case cmd.Malformed(usage=usage):
            ctx.tell_agent(agent, texts.usage[usage].format(known=_department_keys(ctx)))
        case cmd.Unknown(word=word):
            ctx.tell_agent(agent, texts.unknown_command.format(word=word))


def check_in(ctx: Context, agent: Agent) -> None:
    already = agent.presence is Presence.AVAILABLE
    agent.check_in(ctx.now)
    answer = ctx.texts.already_in if already else ctx.texts.checked_in
    ctx.tell_agent(agent, answer.format(queue=_queue_summary(ctx, agent)))
    dispatch(ctx)


def check_out(ctx: Context, agent: Agent) -> None:
    load = ctx.loads()[agent.phone]
    if load:
        ctx.tell_agent(agent, ctx.texts.checkout_refused.format(count=load))
        return
    agent.check_out(load)
    ctx.tell_agent(agent, ctx.texts.checked_out)


def pause(ctx: Context, agent: Agent) -> None:
    if agent.presence is Presence.OFFLINE:
        ctx.tell_agent(agent, ctx.texts.offline)
        return
    agent.pause()
    ctx.tell_agent(agent, ctx.texts.paused.format(count=ctx.loads()[agent.phone]))


def resume(ctx: Context, agent: Agent) -> None:
    if agent.presence is Presence.OFFLINE:
        ctx.tell_agent(agent, ctx.texts.offline)
        return
    agent.resume(ctx.now)
    ctx.tell_agent(agent, ctx.texts.resumed)
    dispatch(ctx)


def show_queue(ctx: Context, agent: Agent, department: str | None) -> None:
    texts = ctx.texts
    if department is None:
        keys = agent.departments
    else:
        found = find_department(ctx, department)
        if found is None:
            ctx.tell_agent(agent, texts.unknown_department.format(given=department, known=_department_keys(ctx)))
            return
        keys = (found.key,)
    names = ", ".join(ctx.department_name(k) for k in keys)
    line = _waiting_for(ctx, keys)
    if not line:
        ctx.tell_agent(agent, texts.queue_empty.format(departments=names))
        return
    # Numbers are places in the agent's own line, the one `/puxar N` and `/remover N` count in,
    # even when one department is shown; customers of departments they do not serve get none.
    mine = {c.code: n for n, c in enumerate(_waiting_for(ctx, agent.departments), 1)}
    rows = [texts.queue_header.format(departments=names)]
    for conversation in line:
        rows.append(
            texts.queue_line.format(
                position=f"{mine[conversation.code]}." if conversation.code in mine else "•",
                name=conversation.customer.display_name,
                code=conversation.code,
                department=ctx.department_name(conversation.department),
                wait=ctx.wait(conversation.waited(ctx.now)),
                first=_first_words(ctx, conversation),
            )
        )
    ctx.tell_agent(agent, "\n".join(rows))


def take(ctx: Context, agent: Agent, target: cmd.Target | None) -> None:
    """`/proximo` (target None) or `/puxar N|#COD`: an explicit pull, allowed while paused."""
    texts = ctx.texts
    if agent.presence is Presence.OFFLINE:
        ctx.tell_agent(agent, texts.offline)
        return
    load = ctx.loads()[agent.phone]
    if load >= agent.capacity:
        ctx.tell_agent(agent, texts.at_capacity.format(count=load))
        return
    line = _waiting_for(ctx, agent.departments)
    if target is None:
        if not line:
            ctx.tell_agent(agent, texts.nobody_waiting)
            return
        conversation = line[0]
    else:
        found = _pick(line, target)
        if found is None:
            ctx.tell_agent(agent, texts.target_missing.format(target=_target_text(target)))
            return
        conversation = found
    hand_over(ctx, conversation, agent)
    conversation.accept(ctx.now)  # pulling someone is acting on them: no offer to time out


def remove(ctx: Context, agent: Agent, target: cmd.Target, reason: str) -> None:
    texts = ctx.texts
    conversation = _pick(_waiting_for(ctx, agent.departments), target)
    if conversation is None:
        ctx.tell_agent(agent, texts.target_missing.format(target=_target_text(target)))
        return
    conversation.remove(agent.phone, reason, ctx.now)
    notice = texts.removed + (texts.removed_reason.format(reason=reason) if reason else "")
    ctx.tell_customer(conversation, notice)
    ctx.tell_agent(agent, texts.removed_done.format(code=conversation.code, name=_name(conversation)), conversation)


def end(ctx: Context, agent: Agent, code: str | None) -> None:
    conversation = _own(ctx, agent, code)
    if conversation is None:
        return
    conversation.end(ctx.now, ask_rating=ctx.settings.rating)
    texts = ctx.texts
    ctx.tell_customer(conversation, texts.ended.format(business=ctx.settings.business_name))
    if ctx.settings.rating:
        ctx.tell_customer(conversation, rating_prompt(ctx))
    answer = texts.ended_done.format(code=conversation.code, name=_name(conversation))
    ctx.tell_agent(agent, answer + _release(ctx, agent, conversation), conversation)
    dispatch(ctx)


def transfer(ctx: Context, agent: Agent, department_text: str) -> None:
    texts = ctx.texts
    conversation = _own(ctx, agent, None)
    if conversation is None:
        return
    department = find_department(ctx, department_text)
    if department is None:
        ctx.tell_agent(agent, texts.unknown_department.format(given=department_text, known=_department_keys(ctx)))
        return
    try:
        conversation.transfer(department.key, agent.phone, ctx.now)
    except InvalidTransition:
        answer = texts.same_department.format(
            code=conversation.code, name=_name(conversation), department=department.name
        )
        ctx.tell_agent(agent, answer, conversation)
        return
    answer = texts.transferred_done.format(code=conversation.code, name=_name(conversation), department=department.name)
    ctx.tell_agent(agent, answer + _release(ctx, agent, conversation), conversation)
    ctx.tell_customer(conversation, texts.transferred.format(department=department.name))
    take_place_in_line(ctx, conversation, department)


def list_active(ctx: Context, agent: Agent) -> None:
    texts = ctx.texts
    mine = ctx.uow.conversations.assigned_to(agent.phone)
    if not mine:
        ctx.tell_agent(agent, texts.active_none)
        return
    rows = [texts.active_header]
    for conversation in mine:
        since = conversation.assigned_at or ctx.now
        rows.append(
            texts.active_line.format(
                marker="▶" if conversation.code == agent.active else "•",
                code=conversation.code,
                name=_name(conversation),
                department=ctx.department_name(conversation.department),
                since=ctx.wait((ctx.now - since).total_seconds()),
            )
        )
    ctx.tell_agent(agent, "\n".join(rows))


def switch(ctx: Context, agent: Agent, code: str) -> None:
    conversation = _own(ctx, agent, code)
    if conversation is None:
        return
    agent.switch_to(conversation.code)
    answer = ctx.texts.switched.format(first=conversation.customer.first_name, code=conversation.code)
    ctx.tell_agent(agent, answer, conversation)


def history(ctx: Context, agent: Agent) -> None:
    conversation = _own(ctx, agent, None)
    if conversation is None:
        return
    texts = ctx.texts
    messages = ctx.uow.messages.for_conversation(conversation.code, ctx.settings.history_lines)
    if not messages:
        empty = texts.history_empty.format(code=conversation.code, name=_name(conversation))
        ctx.tell_agent(agent, empty, conversation)
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
                time=message.at.astimezone(ZoneInfo(ctx.settings.timezone)).strftime("%H:%M"),
                author=author,
                text=snippet(describe(texts, message.content), 200),
            )
        )
    ctx.tell_agent(agent, "\n".join(rows), conversation)


def relay_from_agent(ctx: Context, agent: Agent, inbound: Inbound) -> None:
    """What the agent writes goes to the customer it addresses: the swiped one, else the active one."""
    content = inbound.content
    # A reaction names its message itself: it addresses that message's customer, like a swipe-reply.
    reference = content.message_id if isinstance(content, Reaction) else inbound.context_id
    conversation = _addressed(ctx, agent, reference)
    if conversation is None:
        return
    quoted = original_of(ctx, inbound.context_id)
    refused = ctx.texts.cannot_relay.format(code=conversation.code, name=_name(conversation))
    match content:
        case Text(body=body):
            body_out: TextBody | MediaBody | LocationBody | ReactionBody = TextBody(body)
        case Media():
            body_out = MediaBody(content, caption=content.caption)
        case Location(latitude=lat, longitude=lon, name=name, address=address):
            body_out = LocationBody(lat, lon, name, address)
        case Contacts():
            body_out = TextBody(describe(ctx.texts, content))
        case Reaction(message_id=target, emoji=emoji):
            original = original_of(ctx, target)
            if original is None:
                ctx.tell_agent(agent, refused, conversation)
                return
            body_out = ReactionBody(original, emoji)
            quoted = None
        case _:
            ctx.tell_agent(agent, refused, conversation)
            return
    if not customer_window_open(ctx, conversation.customer.wa_id):
        # WhatsApp would refuse it (131047): say so now rather than fail later.
        closed = ctx.texts.customer_window_closed.format(code=conversation.code, name=_name(conversation))
        ctx.tell_agent(agent, closed, conversation)
        return
    conversation.accept(ctx.now)
    ctx.uow.messages.add(Message(inbound.message_id, conversation.code, Author.AGENT, agent.name, content, inbound.at))
    ctx.tell_customer(conversation, body_out, origin_id=inbound.message_id, reply_to=quoted)


def _addressed(ctx: Context, agent: Agent, context_id: str | None) -> Conversation | None:
    texts = ctx.texts
    if context_id:
        copy = ctx.uow.outbox.by_provider_id(context_id)
        if copy is not None and copy.conversation:
            conversation = ctx.uow.conversations.get(copy.conversation)
            if conversation is not None and _is_mine(conversation, agent):
                return conversation
            if conversation is not None:
                gone = texts.conversation_gone.format(code=conversation.code, name=_name(conversation))
                ctx.tell_agent(agent, gone, conversation)
                return None
    conversation = ctx.uow.conversations.get(agent.active) if agent.active else None
    if conversation is not None and _is_mine(conversation, agent):
        return conversation
    ctx.tell_agent(agent, texts.no_active)
    return None


def _own(ctx: Context, agent: Agent, code: str | None) -> Conversation | None:
    """The agent's conversation named by code (or the active one), or a ⚠️ saying why not."""
    texts = ctx.texts
    wanted = code or agent.active
    if wanted is None:
        ctx.tell_agent(agent, texts.no_active)
        return None
    conversation = ctx.uow.conversations.get(wanted)
    if conversation is None or not _is_mine(conversation, agent):
        ctx.tell_agent(agent, texts.not_yours.format(code=wanted))
        return None
    return conversation


def _is_mine(conversation: Conversation, agent: Agent) -> bool:
    return conversation.stage is Stage.ASSIGNED and conversation.agent == agent.phone


def _release(ctx: Context, agent: Agent, conversation: Conversation) -> str:
    """Let go of a conversation; returns the sentence naming the new active one, if any."""
    release(ctx, agent, conversation)
    if agent.active is None:
        return ""
    active = ctx.uow.conversations.get(agent.active)
    assert active is not None
    return ctx.texts.now_active.format(first=active.customer.first_name, code=active.code)


def _waiting_for(ctx: Context, departments: tuple[str, ...]) -> list[Conversation]:
    """One line across the agent's departments, numbered the way `/fila` shows it."""
    return [c for c in ctx.uow.conversations.waiting() if c.department in departments]


def _pick(line: list[Conversation], target: cmd.Target) -> Conversation | None:
    match target:
        case cmd.Position(number=number):
            return line[number - 1] if number <= len(line) else None
        case cmd.CodeRef(code=code):
            return next((c for c in line if c.code == code), None)


def _target_text(target: cmd.Target) -> str:
    return str(target.number) if isinstance(target, cmd.Position) else f"#{target.code}"


def find_department(ctx: Context, given: str) -> Department | None:
    wanted = fold(given)
    departments = ctx.settings.departments
    if wanted.isdigit() and 1 <= int(wanted) <= len(departments):
        return departments[int(wanted) - 1]
    return next((d for d in departments if wanted in (fold(d.key), fold(d.name))), None)


def _department_keys(ctx: Context) -> str:
    return ", ".join(d.key for d in ctx.settings.departments)


def _queue_summary(ctx: Context, agent: Agent) -> str:
    line = _waiting_for(ctx, agent.departments)
    names = ", ".join(ctx.department_name(k) for k in agent.departments)
    if not line:
        return ctx.texts.queue_empty.format(departments=names).removeprefix("📋 ")
    return ctx.texts.reminder.format(parts=waiting_summary(ctx, line)).removeprefix("⏳ ")


def _first_words(ctx: Context, conversation: Conversation) -> str:
    first = next(
        (m for m in ctx.uow.messages.for_conversation(conversation.code) if m.author is Author.CUSTOMER),
        None,
    )
    return f" — “{snippet(describe(ctx.texts, first.content), 50)}”" if first else ""


def _name(conversation: Conversation) -> str:
    return conversation.customer.display_name
