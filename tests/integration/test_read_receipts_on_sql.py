"""Read receipts have no WhatsApp id of their own: two for one original must both be recorded."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.adapters.whatsapp.graph import GraphApiGateway
from atende.application.courier import Pacing
from atende.application.outbound import Audience, Delivery, Outgoing, ReadReceipt
from atende.standin import GraphStandIn
from tests.world import MARIA, World


def test_two_read_receipts_for_one_original_are_both_sent_once(uow_factory: Callable[[], SqlUnitOfWork]) -> None:
    world = World(uow_factory=uow_factory)
    at = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    with uow_factory() as uow:
        for outbox_id in ("receipt-1", "receipt-2"):
            uow.outbox.add(Outgoing(outbox_id, MARIA, Audience.CUSTOMER, ReadReceipt("wamid.original"), at))
        uow.commit()

    with GraphStandIn() as standin:
        gateway = GraphApiGateway(standin.url, standin.phone_number_id, standin.access_token)
        courier = world.atende.courier(gateway, Pacing(burst=math.inf))
        while courier.deliver():
            pass
        gateway.close()
        requests = [r for r in standin.requests if r.json and r.json.get("status") == "read"]

    with uow_factory() as uow:
        assert list(uow.outbox.pending(10)) == []
        states = [uow.outbox.by_provider_id(f"read:receipt-{n}") for n in (1, 2)]
    assert [s.delivery if s else None for s in states] == [Delivery.SENT, Delivery.SENT]
    assert len(requests) == 2
