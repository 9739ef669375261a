"""Sending what the outbox holds, one message per transaction, so a crash repeats at most one send."""

from __future__ import annotations

import logging
from collections.abc import Callable

from .outbound import Delivery
from .ports import SendError, UnitOfWork, WhatsAppGateway

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def deliver_pending(uow_factory: Callable[[], UnitOfWork], gateway: WhatsAppGateway, limit: int = 100) -> int:
    """Send up to `limit` pending messages in order; returns how many left the outbox."""
    done = 0
    with uow_factory() as uow:
        batch = list(uow.outbox.pending(limit))
    for message in batch:
        with uow_factory() as uow:
            try:
                message.provider_id = gateway.send(message)
                message.delivery = Delivery.SENT
                done += 1
            except SendError as error:
                message.attempts += 1
                message.error = str(error)
                if not error.retryable or message.attempts >= MAX_ATTEMPTS:
                    message.delivery = Delivery.FAILED
                    done += 1
                log.warning("send %s failed: %s", message.id, error)
            uow.outbox.save(message)
            uow.commit()
    return done
