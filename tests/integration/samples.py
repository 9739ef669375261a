"""One value of every kind the storage must keep, with every field away from its default."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from atende.application.arrivals import Arrival, Inbound, StatusReport
from atende.application.failures import Failure
from atende.application.outbound import (
    Audience,
    Body,
    Delivery,
    LocationBody,
    MediaBody,
    MenuBody,
    Option,
    Outgoing,
    ReactionBody,
    ReadReceipt,
    TemplateBody,
    TextBody,
)
from atende.domain import events as ev
from atende.domain.agent import Agent, PauseReason, Presence
from atende.domain.contact import Contact
from atende.domain.content import (
    Choice,
    Contacts,
    Content,
    Edited,
    Location,
    Media,
    MediaKind,
    Order,
    Reaction,
    Revoked,
    SharedContact,
    SystemNotice,
    Text,
    Unsupported,
)
from atende.domain.conversation import CloseReason, Conversation, Customer, Stage

SAO_PAULO = timezone(timedelta(hours=-3))
T0 = datetime(2026, 3, 2, 10, 0, 0, 123456, tzinfo=SAO_PAULO)
"""Not UTC on purpose: storage must keep the instant and hand it back in UTC."""


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def agent(phone: str = "5511900000001", **changes: object) -> Agent:
    values: dict[str, object] = {
        "phone": phone,
        "name": "Ana Paula",
        "departments": ("financeiro", "suporte"),
        "capacity": 3,
        "presence": Presence.PAUSED,
        "pause_reason": PauseReason.MISSED_OFFER,
        "idle_since": at(1),
        "active": "K7Q2",
        "reminded_at": at(2),
        "last_wrote_at": at(3),
        "version": 0,
    }
    values.update(changes)
    return Agent(**values)  # type: ignore[arg-type]


def conversation(code: str = "K7Q2", wa_id: str = "5511987654321", **changes: object) -> Conversation:
    """Every field set (the combination need not be one the domain would reach)."""
    values: dict[str, object] = {
        "code": code,
        "customer": Customer(wa_id, "Maria Silva"),
        "opened_at": at(0),
        "stage": Stage.RATING,
        "department": "suporte",
        "queued_at": at(1),
        "waiting_since": at(2),
        "agent": "5511900000001",
        "assigned_at": at(3),
        "accepted_at": at(4),
        "offer_reminded_at": at(4.5),
        "closed_at": at(5),
        "close_reason": CloseReason.ENDED,
        "rating": 3,
        "transferred_from": "financeiro",
        "transferred_by": "Bruno",
        "told_closed_hours": True,
        "position_told_at": at(6),
        "reprompted_at": at(7),
        "active_at": at(8),
        "version": 0,
    }
    values.update(changes)
    return Conversation(**values)  # type: ignore[arg-type]


def queued(code: str, wa_id: str, department: str, minute: float) -> Conversation:
    """A plain waiting customer."""
    return Conversation(
        code,
        Customer(wa_id, f"Cliente {code}"),
        at(minute),
        stage=Stage.QUEUED,
        department=department,
        queued_at=at(minute),
        waiting_since=at(minute),
    )


MEDIA = Media(MediaKind.DOCUMENT, "media-1", "application/pdf", "segunda via", "boleto.pdf", voice=True)

CONTENTS: list[Content] = [
    Text("Preciso da segunda via do boleto ✓"),
    MEDIA,
    Location(-23.5613, -46.6565, "Avenida Paulista", "Av. Paulista, 1578"),
    Contacts((SharedContact("João", ("+55 21 91234-5678", "+55 21 3333-4444")), SharedContact("Zé"))),
    Choice("dept:financeiro", "Financeiro"),
    Reaction("wamid.abc", "👍"),
    Order("catalog-9", 4, "para entrega amanhã"),
    Edited("wamid.def", "texto corrigido"),
    Revoked("wamid.ghi"),
    SystemNotice("Maria mudou de número", "5511911112222"),
    Unsupported("poll"),
]

BODIES: list[Body] = [
    TextBody("🔔 *Novo atendimento* #K7Q2 · Financeiro"),
    MenuBody(
        "Olá! Com quem quer falar?",
        "Ver opções",
        (Option("dept:financeiro", "Financeiro", "Boletos"), Option("dept:suporte", "Suporte")),
    ),
    MediaBody(Media(MediaKind.AUDIO, "media-2", "audio/ogg", voice=True), "💬 *Maria* #K7Q2"),
    ReactionBody("wamid.xyz", "❤️"),
    LocationBody(-22.9068, -43.1729, "Centro", "Rio de Janeiro"),
    ReadReceipt("wamid.read"),
    TemplateBody("reabrir_conversa", "pt_BR", ("Ana Paula", "#K7Q2")),
]


def contact(wa_id: str = "5511900000001", **changes: object) -> Contact:
    """A contact named both ways: by its number (the key) and by a BSUID of its own."""
    values: dict[str, object] = {
        "wa_id": wa_id,
        "last_inbound_at": at(1),
        "reopen_requested_at": at(2),
        "version": 0,
        "phone": wa_id,
        "user_id": f"BR.{wa_id[::-1]}",
    }
    values.update(changes)
    return Contact(**values)  # type: ignore[arg-type]


def inbound(message_id: str = "wamid.in1", minute: float = 0, sender: str = "5511987654321") -> Inbound:
    return Inbound(
        message_id, sender, "Maria Silva", at(minute), CONTENTS[1], context_id="wamid.quoted", sender_user_id="BR.maria"
    )


def status(provider_id: str = "wamid.out1", state: str = "failed", minute: float = 0) -> StatusReport:
    return StatusReport(
        provider_id,
        state,
        at(minute),
        "5511900000001",
        failure=Failure.WINDOW_CLOSED,
        detail="Re-engagement message",
        code=131047,
    )


ARRIVALS: list[Arrival] = [inbound(), status()]


def outgoing(number: int, body: Body, conversation: str | None = "K7Q2") -> Outgoing:
    return Outgoing(
        id=f"out-{number}",
        to="5511987654321",
        audience=Audience.AGENT,
        body=body,
        created_at=at(number),
        conversation=conversation,
        origin_id=f"wamid.origin{number}",
        reply_to=f"wamid.quoted{number}",
        # Pending after a failed try: the retry state must survive the trip as well.
        attempts=1,
        error="rate limited",
        error_code=131056,
        not_before=at(number + 0.5),
        coalesce_key="💬 *Maria Silva* #K7Q2",
    )


def sent(message: Outgoing, provider_id: str) -> Outgoing:
    message.delivery = Delivery.SENT
    message.provider_id = provider_id
    message.attempts = 2
    message.error = "rate limited once"
    return message


EVENTS: list[ev.Event] = [
    ev.EnteredQueue("K7Q2", at(1), "financeiro"),
    ev.Assigned("K7Q2", at(2), "financeiro", "5511900000001", 60.5),
    ev.OfferTimedOut("K7Q2", at(3), "financeiro", "5511900000001"),
    ev.Abandoned("K7Q2", at(4), None, 12.25),
    ev.Removed("K7Q2", at(5), "financeiro", "Ana", "duplicado"),
    ev.Transferred("K7Q2", at(6), "financeiro", "suporte", "Ana"),
    ev.Closed("K7Q2", at(7), "ended"),
    ev.Rated("K7Q2", at(8), 3),
    ev.IdleClosed("K7Q2", at(9), "assigned", "financeiro", "5511900000001", 86400.5),
    ev.IdleClosed("K7Q2", at(10), "choosing", None, None, 43200.0),
    ev.PresenceChanged("", at(11), "5511900000001", "paused"),
]
STEPS = [e for e in EVENTS if not isinstance(e, ev.PresenceChanged)]
"""The events of conversation K7Q2 (a presence change belongs to an agent)."""
