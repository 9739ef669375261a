"""Code run in child processes by the two-courier test: kept apart so children import little."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from atende.adapters.whatsapp.async_graph import AsyncGraphApiGateway
from atende.application.courier import Pacing
from atende.bootstrap import bootstrap
from tests.world import settings

DEADLINE_SECONDS = 90.0


@dataclass(frozen=True)
class CourierJob:
    url: str
    name: str
    graph_url: str
    phone_number_id: str
    access_token: str


def send_everything(job: CourierJob, start: Any, report: Any) -> None:
    """Run courier passes, as `atende serve`'s loop does, until the outbox has nothing pending."""
    system = bootstrap(settings(), database_url=job.url)
    gateway = AsyncGraphApiGateway(job.graph_url, job.phone_number_id, job.access_token, timeout=10)
    courier = system.atende.courier(gateway, Pacing(burst=math.inf), holder=job.name)
    start.wait()
    try:
        # Until nothing is pending, not until a few passes find nothing to do: a lane the other
        # process holds, or one backing off after a failed send (a loaded machine), is work still
        # to come. The deadline only keeps a broken courier from hanging the test.
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if courier.deliver(limit=8):
                continue
            with system.uow_factory() as uow:
                if not uow.outbox.pending(1):
                    break
            time.sleep(0.05)
        report.put((job.name, courier.sent))
    finally:
        courier.close()
        system.close()
