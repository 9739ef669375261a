"""Rows ⇄ domain objects, by explicit mapping (a data mapper): storage never shapes the domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Row

from atende.application.arrivals import Arrival, Inbound
from atende.application.outbound import Audience, Delivery, Outgoing
from atende.domain.agent import Agent, PauseReason, Presence
from atende.domain.contact import Contact
from atende.domain.conversation import CloseReason, Conversation, Customer, Stage
from atende.domain.events import Event, PresenceChanged
from atende.domain.message import Author, Message

from . import codec

Values = dict[str, Any]


def conversation_to_row(conversation: Conversation) -> Values:
    """Every column but `version`, which only the unit of work moves."""
    return {
        "code": conversation.code,
        "customer_wa_id": conversation.customer.wa_id,
        "customer_name": conversation.customer.name,
        "opened_at": conversation.opened_at,
        "stage": conversation.stage.value,
        "department": conversation.department,
        "queued_at": conversation.queued_at,
        "waiting_since": conversation.waiting_since,
        "agent": conversation.agent,
        "assigned_at": conversation.assigned_at,
        "accepted_at": conversation.accepted_at,
        "offer_reminded_at": conversation.offer_reminded_at,
        "closed_at": conversation.closed_at,
        "close_reason": conversation.close_reason.value if conversation.close_reason else None,
        "rating": conversation.rating,
        "transferred_from": conversation.transferred_from,
        "transferred_by": conversation.transferred_by,
        "told_closed_hours": conversation.told_closed_hours,
        "position_told_at": conversation.position_told_at,
        "reprompted_at": conversation.reprompted_at,
        "active_at": conversation.active_at,
    }


def conversation_from_row(row: Row[Any]) -> Conversation:
    return Conversation(
        code=row.code,
        customer=Customer(row.customer_wa_id, row.customer_name),
        opened_at=row.opened_at,
        stage=Stage(row.stage),
        department=row.department,
        queued_at=row.queued_at,
        waiting_since=row.waiting_since,
        agent=row.agent,
        assigned_at=row.assigned_at,
        accepted_at=row.accepted_at,
        offer_reminded_at=row.offer_reminded_at,
        closed_at=row.closed_at,
        close_reason=CloseReason(row.close_reason) if row.close_reason else None,
        rating=row.rating,
        transferred_from=row.transferred_from,
        transferred_by=row.transferred_by,
        told_closed_hours=bool(row.told_closed_hours),
        position_told_at=row.position_told_at,
        reprompted_at=row.reprompted_at,
        active_at=row.active_at,
        version=row.version,
    )


def agent_to_row(agent: Agent) -> Values:
    return {
        "phone": agent.phone,
        "name": agent.name,
        "departments": list(agent.departments),
        "capacity": agent.capacity,
        "presence": agent.presence.value,
        "pause_reason": agent.pause_reason.value if agent.pause_reason else None,
        "idle_since": agent.idle_since,
        "active": agent.active,
        "reminded_at": agent.reminded_at,
        "last_wrote_at": agent.last_wrote_at,
    }


def agent_from_row(row: Row[Any]) -> Agent:
    return Agent(
        phone=row.phone,
        name=row.name,
        departments=tuple(row.departments),
        capacity=row.capacity,
        presence=Presence(row.presence),
        pause_reason=PauseReason(row.pause_reason) if row.pause_reason else None,
        idle_since=row.idle_since,
        active=row.active,
        reminded_at=row.reminded_at,
        last_wrote_at=row.last_wrote_at,
        version=row.version,
    )


def contact_to_row(contact: Contact) -> Values:
    return {
        "wa_id": contact.wa_id,
        "phone": contact.phone,
        "user_id": contact.user_id,
        "last_inbound_at": contact.last_inbound_at,
        "reopen_requested_at": contact.reopen_requested_at,
    }


def contact_from_row(row: Row[Any]) -> Contact:
    return Contact(
        wa_id=row.wa_id,
        last_inbound_at=row.last_inbound_at,
        reopen_requested_at=row.reopen_requested_at,
        version=row.version,
        phone=row.phone,
        user_id=row.user_id,
    )


def message_to_row(message: Message) -> Values:
    return {
        "id": message.id,
        "conversation": message.conversation,
        "author": message.author.value,
        "author_name": message.author_name,
        "content": codec.content_to_dict(message.content),
        "at": message.at,
    }


def message_from_row(row: Row[Any]) -> Message:
    return Message(
        row.id,
        row.conversation,
        Author(row.author),
        row.author_name,
        codec.content_from_dict(row.content),
        row.at,
    )


def presence_to_row(change: PresenceChanged) -> Values:
    return {"agent": change.agent, "presence": change.presence, "at": change.at}


def event_to_row(event: Event) -> Values:
    data = codec.event_to_dict(event)
    return {
        "code": event.code,
        "kind": data["kind"],
        "at": event.at,
        "department": data.get("department"),
        "agent": data.get("agent"),
        "data": data,
    }


def outgoing_to_row(message: Outgoing) -> Values:
    return {
        "id": message.id,
        "recipient": message.to,
        "audience": message.audience.value,
        "created_at": message.created_at,
        "conversation": message.conversation,
        "origin_id": message.origin_id,
        "reply_to": message.reply_to,
        "coalesce_key": message.coalesce_key,
        **delivery_state(message),
    }


def delivery_state(message: Outgoing) -> Values:
    """The columns that sends, statuses, holds and folds change; the rest of an outbox row never does.

    The body is among them: a coalesced run is folded into its last row, which must then hold
    all of it, so that a retry or a hold for a closed window resends everything.
    """
    return {
        "body": codec.body_to_dict(message.body),
        "held_at": message.held_at,
        "delivery": message.delivery.value,
        "provider_id": message.provider_id,
        "attempts": message.attempts,
        "error": message.error,
        "error_code": message.error_code,
        "not_before": message.not_before,
    }


def outgoing_from_row(row: Row[Any]) -> Outgoing:
    return Outgoing(
        id=row.id,
        to=row.recipient,
        audience=Audience(row.audience),
        body=codec.body_from_dict(row.body),
        created_at=row.created_at,
        conversation=row.conversation,
        origin_id=row.origin_id,
        reply_to=row.reply_to,
        delivery=Delivery(row.delivery),
        provider_id=row.provider_id,
        attempts=row.attempts,
        error=row.error,
        error_code=row.error_code,
        not_before=row.not_before,
        coalesce_key=row.coalesce_key,
        held_at=row.held_at,
    )


def arrival_to_row(arrival: Arrival, received_at: datetime) -> Values:
    payload = codec.arrival_to_dict(arrival)
    return {
        "key": arrival.key,
        "kind": payload["kind"],
        # Whose message it is, or to whom the reported message went.
        "sender": arrival.sender if isinstance(arrival, Inbound) else arrival.recipient,
        "at": arrival.at,
        "received_at": received_at,
        "payload": payload,
    }


# -- aggregates --------------------------------------------------------------------------------
