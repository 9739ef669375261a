"""The customer's side: menu, queue, talking to the agent, rating."""

from __future__ import annotations

from atende.domain.codes import LENGTH, LONGEST, new_code
from atende.domain.content import (
    Choice,
    Content,
    Edited,
    Reaction,
    Revoked,
    SystemNotice,
    Text,
    Unsupported,
    text_of,
)
from atende.domain.conversation import Conversation, Customer, Stage
from atende.domain.department import Department
from atende.domain.message import Author, Message
from atende.domain.spelling import fold_answer

from .arrivals import Inbound
from .dispatch import dispatch
from .idle import expire, is_idle
from .outbound import Audience, MenuBody, Option, TextBody
from .relay import relay_to_agent
from .session import Session
from .texts.formatting import when_it_opens
from .waiting_line import queue_status

DEPARTMENT_PREFIX = "dept:"
RATING_PREFIX = "rate:"

REPROMPT_SECONDS = 60
"""A customer who keeps answering the menu with what it does not understand hears the re-prompt
at most this often: one in flight at a time, so a flood costs one message (and a pair-rate
budget nobody else is waiting on), while everything they wrote is kept all the same."""

_NOT_A_CONVERSATION_START = (Reaction, Revoked, Edited, SystemNotice)
"""A reaction, deletion or edit with nothing open refers to a finished talk, and WhatsApp's own
notices are nothing the customer wrote: nothing to start, and no reason to drop a pending rating."""


def customer_writes(session: Session, inbound: Inbound) -> None:
    conversation = session.uow.conversations.open_for(inbound.sender)
    if conversation is not None and is_idle(session, conversation):
        # Days later, "Bom dia, alguém aí?" is a new conversation, not an answer to an old menu.
        was_assigned = conversation.stage is Stage.ASSIGNED
        expire(session, conversation)
        conversation = None
        if was_assigned:
            dispatch(session)  # the agent's slot is free
    if conversation is not None and conversation.stage is Stage.RATING:
        if _take_rating(session, conversation, inbound.content):
            return
        if isinstance(inbound.content, _NOT_A_CONVERSATION_START):
            return
        conversation.skip_rating()
        conversation = None
    if isinstance(inbound.content, Unsupported):
        session.send(inbound.sender, Audience.CUSTOMER, TextBody(session.texts.unsupported_customer))
    if conversation is None:
        if not isinstance(inbound.content, _NOT_A_CONVERSATION_START):
            start_conversation(session, inbound)
        return
    match conversation.stage:
        case Stage.CHOOSING:
            choose_department(session, conversation, inbound)
        case Stage.QUEUED:
            write_while_queued(session, conversation, inbound)
        case Stage.ASSIGNED:
            keep(session, conversation, inbound)
            relay_to_agent(session, conversation, inbound)


def start_conversation(session: Session, inbound: Inbound) -> Conversation:
    code = free_code(session)
    conversation = Conversation(code, Customer(inbound.sender, inbound.sender_name), session.now)
    session.uow.conversations.add(conversation)
    departments = session.settings.departments
    # A tap on a menu from an earlier conversation is still a clear choice.
    picked = _department_from_choice(session, inbound.content)
    if picked is None and len(departments) == 1:
        picked = departments[0]
    if picked is None or not isinstance(inbound.content, Choice):
        keep(session, conversation, inbound)
    if picked is not None:
        enter_queue(session, conversation, picked)
    else:
        send_menu(session, conversation)
    return conversation


def free_code(session: Session, tries_per_length: int = 20) -> str:
    """A code no conversation has used; one character longer each time short ones keep colliding."""
    for length in range(LENGTH, LONGEST + 1):
        for _ in range(tries_per_length):
            code = new_code(session.rng, length)
            if not session.uow.conversations.code_taken(code):
                return code
    raise RuntimeError("no free conversation code: the code space is exhausted")


def send_menu(session: Session, conversation: Conversation) -> None:
    texts = session.texts
    name = conversation.customer.name.split()[0] if conversation.customer.name.strip() else ""
    greeting = (texts.greeting_named if name else texts.greeting).format(
        name=name, business=session.settings.business_name
    )
    options = tuple(Option(DEPARTMENT_PREFIX + d.key, d.name, d.description) for d in session.settings.departments)
    session.tell_customer(conversation, MenuBody(greeting, texts.menu_button, options))


def choose_department(session: Session, conversation: Conversation, inbound: Inbound) -> None:
    if _wants_to_leave(session, inbound.content):
        conversation.leave(session.now)
        session.tell_customer(conversation, session.texts.menu_left)
        return
    department = _department_from_choice(session, inbound.content) or session.settings.find_department(
        text_of(inbound.content)
    )
    if department is None:
        keep(session, conversation, inbound)
        reprompt(session, conversation)
        return
    enter_queue(session, conversation, department)


def reprompt(session: Session, conversation: Conversation) -> None:
    """The short "didn't understand" with the options, unless one went out moments ago: the
    customer has it right above, and a second one would only add to a flood."""
    last = conversation.reprompted_at
    if last is not None and (session.now - last).total_seconds() < REPROMPT_SECONDS:
        return
    conversation.reprompted_at = session.now
    options = " · ".join(f"{i} {d.name}" for i, d in enumerate(session.settings.departments, 1))
    session.tell_customer(conversation, session.texts.menu_reprompt.format(options=options))


def enter_queue(session: Session, conversation: Conversation, department: Department) -> None:
    conversation.enqueue(department.key, session.now)
    take_place_in_line(session, conversation, department)


def take_place_in_line(session: Session, conversation: Conversation, department: Department) -> None:
    """Dispatch; a customer still waiting then hears the closed hours (once) and their place."""
    dispatch(session)
    if conversation.stage is not Stage.QUEUED:
        return  # someone is serving them right now, opening hours or not
    if not department.is_open(session.now) and not conversation.told_closed_hours:
        conversation.told_closed_hours = True
        closed = session.texts.outside_hours.format(department=department.name, reopens=_reopens(session, department))
        session.tell_customer(conversation, closed)
    session.tell_customer(conversation, session.texts.queued.format(**queue_status(session, conversation)))
    conversation.position_told_at = session.now


def _reopens(session: Session, department: Department) -> str:
    """` Voltamos segunda-feira às 08:00.`, weekends and holidays counted; "" if it never opens."""
    opening = department.next_opening(session.now)
    if opening is None:
        return ""
    when = when_it_opens(session.texts, opening, session.now, session.settings.timezone)
    return session.texts.reopens.format(when=when)


def write_while_queued(session: Session, conversation: Conversation, inbound: Inbound) -> None:
    """Everything is kept for the agent; the place in the queue never changes by writing."""
    if _wants_to_leave(session, inbound.content):
        conversation.leave(session.now)
        session.tell_customer(conversation, session.texts.left_queue)
        return
    keep(session, conversation, inbound)
    told = conversation.position_told_at
    if told is None or (session.now - told).total_seconds() >= session.settings.position_update_seconds:
        session.tell_customer(conversation, session.texts.still_queued.format(**queue_status(session, conversation)))
        conversation.position_told_at = session.now


def keep(session: Session, conversation: Conversation, inbound: Inbound) -> None:
    """Add what the customer wrote to the transcript."""
    conversation.touch(inbound.at)
    session.uow.messages.add(
        Message(
            inbound.message_id,
            conversation.code,
            Author.CUSTOMER,
            conversation.customer.name,
            inbound.content,
            inbound.at,
        )
    )


def _take_rating(session: Session, conversation: Conversation, content: Content) -> bool:
    score = None
    if isinstance(content, Choice) and content.reply_id.startswith(RATING_PREFIX):
        raw = content.reply_id.removeprefix(RATING_PREFIX)
        score = int(raw) if raw.isdigit() else None
    elif isinstance(content, Text):
        typed = fold_answer(content.body)
        score = next((s for s, title in session.texts.rating_options if typed in _rating_spellings(title)), None)
    if score not in {s for s, _ in session.texts.rating_options}:
        return False
    assert score is not None
    conversation.rate(score, session.now)
    session.tell_customer(conversation, session.texts.rating_thanks)
    return True


def _rating_spellings(title: str) -> set[str]:
    """`😀 Ótimo` is also typed `ótimo` or `Otimo!`: with or without the emoji."""
    folded = fold_answer(title)
    return {folded, folded.split(" ", 1)[-1]}


def rating_prompt(session: Session) -> MenuBody:
    options = tuple(Option(f"{RATING_PREFIX}{score}", title) for score, title in session.texts.rating_options)
    return MenuBody(session.texts.rating_prompt, session.texts.rating_prompt, options)


def _department_from_choice(session: Session, content: Content) -> Department | None:
    if isinstance(content, Choice) and content.reply_id.startswith(DEPARTMENT_PREFIX):
        return session.settings.department(content.reply_id.removeprefix(DEPARTMENT_PREFIX))
    return None


def _wants_to_leave(session: Session, content: Content) -> bool:
    return isinstance(content, Text) and fold_answer(content.body) in session.texts.leave_words
