"""A small world for use-case tests: atende on in-memory fakes, with people who write and read."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from atende.adapters.clock import ManualClock
from atende.application.arrivals import Inbound, StatusReport
from atende.application.courier import Pacing
from atende.application.failures import Failure
from atende.application.outbound import MediaBody, MenuBody, Outgoing, ReactionBody, TextBody
from atende.application.ports import UnitOfWork
from atende.application.settings import AgentProfile, Settings
from atende.application.use_cases import Atende
from atende.domain.content import Content, Text
from atende.domain.department import Department

from .fakes import FakeGateway, FakeUnitOfWork, Store

MONDAY_MORNING = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
"""10:00 in São Paulo on a Monday: where every world's clock starts."""

ANA = "5511900000001"
BRUNO = "5511900000002"
CARLA = "5511900000003"
MARIA = "5511987654321"
JOAO = "5521912345678"
PEDRO = "5531998765432"

DEPARTMENTS = (
    Department("financeiro", "Financeiro", "Boletos, pagamentos e notas fiscais"),
    Department("suporte", "Suporte", "Problemas com produtos"),
    Department("vendas", "Vendas", "Orçamentos e pedidos"),
    Department("trocas", "Trocas", "Trocas e devoluções"),
)


def settings(**changes: object) -> Settings:
    base = Settings(
        business_name="Loja Exemplo",
        departments=DEPARTMENTS,
        agents=(
            AgentProfile(ANA, "Ana", ("financeiro",)),
            AgentProfile(BRUNO, "Bruno", ("financeiro", "suporte")),
            AgentProfile(CARLA, "Carla", ("suporte", "vendas", "trocas"), capacity=3),
        ),
        queue_reminder_seconds=300,
        offer_timeout_seconds=180,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def render(message: Outgoing) -> str:
    """What a person sees, as plain text."""
    match message.body:
        case TextBody(text=text):
            return text
        case MenuBody(text=text, options=options):
            return text + "\n" + "\n".join(f"[{o.title}]" for o in options)
        case MediaBody(media=media, caption=caption):
            return f"<{media.kind.value} {media.media_id}> {caption}".rstrip()
        case ReactionBody(emoji=emoji, message_id=target):
            return f"<reaction {emoji} on {target}>"
        case other:
            return repr(other)


class World:
    def __init__(
        self,
        config: Settings | None = None,
        uow_factory: Callable[[], UnitOfWork] | None = None,
        *,
        seed: int = 7,
    ) -> None:
        """On the in-memory fakes by default; pass `uow_factory` to run the same world on a database.

        `seed` picks the conversation codes: a test that must hold whatever order codes sort in
        runs with several.
        """
        self.store = Store()
        self.clock = ManualClock(MONDAY_MORNING)
        self.gateway = FakeGateway()
        self.settings = config or settings()
        self.uow_factory = uow_factory or (lambda: FakeUnitOfWork(self.store))
        self.atende = Atende(self.settings, self.uow_factory, self.clock, random.Random(seed))
        self.courier = self.atende.courier(self.gateway, Pacing(burst=math.inf))
        self.atende.sync_roster()
        self._ids = itertools.count(1)
        self._read: dict[str, int] = {}
        self.last_inbound_id = ""

    def write(
        self, sender: str, content: Content | str, *, name: str = "", reply_to: str | None = None, user_id: str = ""
    ) -> str:
        """`sender` writes (a number, or a BSUID; `user_id`: the BSUID that comes with a number);
        atende handles it and sends what it has to. Returns the message id."""
        body = Text(content) if isinstance(content, str) else content
        message_id = f"wamid.in{next(self._ids)}"
        self.last_inbound_id = message_id
        self.atende.receive(Inbound(message_id, sender, name, self.clock.now(), body, reply_to, user_id))
        self.flush()
        return message_id

    def redeliver(self, inbound: Inbound) -> bool:
        handled = self.atende.receive(inbound)
        self.flush()
        return handled

    def report(
        self, provider_id: str, status: str, failure: Failure | None = None, detail: str = "", code: int | None = None
    ) -> None:
        """WhatsApp reports on a message it was given (a failure by kind, as the adapter reads it)."""
        report = StatusReport(provider_id, status, self.clock.now(), failure=failure, detail=detail, code=code)
        self.atende.record_status(report)
        self.flush()

    def wait(self, seconds: float, step: float = 5) -> None:
        """Let time pass, with the timer loop ticking as `atende serve` does."""
        remaining = seconds
        while remaining > 0:
            jump = min(step, remaining)
            self.clock.advance(jump)
            remaining -= jump
            self.atende.tick()
            self.flush()

    def flush(self) -> None:
        while self.courier.deliver():
            pass

    def sent_to(self, wa_id: str) -> list[Outgoing]:
        return self.gateway.to(wa_id)

    def texts(self, wa_id: str) -> list[str]:
        return [render(m) for m in self.sent_to(wa_id)]

    def new(self, wa_id: str) -> list[str]:
        """Messages `wa_id` received since the last call (a person reading their chat)."""
        seen = self._read.get(wa_id, 0)
        everything = self.texts(wa_id)
        self._read[wa_id] = len(everything)
        return everything[seen:]

    def last(self, wa_id: str) -> str:
        return self.texts(wa_id)[-1]

    def provider_id_of(self, wa_id: str, contains: str) -> str:
        """The id WhatsApp gave the latest message to `wa_id` containing `contains` (to swipe-reply)."""
        for message in reversed(self.sent_to(wa_id)):
            if contains in render(message):
                return self.gateway.provider_ids[message.id]
        raise AssertionError(f"nothing containing {contains!r} was sent to {wa_id}")
