"""What the benchmarks share: the deployment they run, fresh databases, signed notifications, results.

Nothing here measures anything; each benchmark module builds on it and returns `Section`s that
`run.py` prints. The settings are a small shop (four departments, twenty agents), the
notifications are shaped like Meta's (docs/whatsapp.md §b) and signed the way `sign` does.
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from atende.adapters.sql.schema import upgrade
from atende.adapters.whatsapp import sign
from atende.application.settings import AgentProfile, Settings
from atende.domain.department import Department

APP_SECRET = "bench-app-secret-5e1d"
VERIFY_TOKEN = "bench-verify-token-0b7a"
PHONE_NUMBER_ID = "106540352242922"
BUSINESS_NUMBER = "15550783881"
ACCESS_TOKEN = "bench-token"
NOTIFICATION_BYTES = 1024
"""Target size of one webhook body: a text message with contacts and metadata, padded to ~1 KB."""

DEPARTMENTS = (
    Department("financeiro", "Financeiro", "Boletos, pagamentos e notas fiscais"),
    Department("suporte", "Suporte", "Problemas com produtos"),
    Department("vendas", "Vendas", "Orçamentos e pedidos"),
    Department("trocas", "Trocas", "Trocas e devoluções"),
)
ALL_DEPARTMENTS = tuple(d.key for d in DEPARTMENTS)


def agent_phone(index: int) -> str:
    return f"55119{index:08d}"


def customer_phone(index: int) -> str:
    return f"55219{index:08d}"


def shop(agents: int = 20, capacity: int = 1) -> Settings:
    """A small shop: four departments, `agents` agents who serve all of them."""
    roster = tuple(
        AgentProfile(agent_phone(i), f"Agente {i}", ALL_DEPARTMENTS, capacity=capacity) for i in range(agents)
    )
    return Settings(business_name="Loja Bench", departments=DEPARTMENTS, agents=roster)


# -- databases -----------------------------------------------------------------------------------


class Databases:
    """Fresh, migrated SQLite files in one scratch folder: migrating once and copying is cheap."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._template = folder / "template.db"
        self._count = 0

    def fresh(self, name: str) -> tuple[str, Path]:
        """A URL and the path of a new migrated database file."""
        if not self._template.exists():
            upgrade(f"sqlite:///{self._template}")
        self._count += 1
        path = self.folder / f"{self._count:02d}-{name}.db"
        shutil.copyfile(self._template, path)
        return f"sqlite:///{path}", path

    def blank(self, name: str) -> Path:
        self._count += 1
        return self.folder / f"{self._count:02d}-{name}.db"


# -- notifications -------------------------------------------------------------------------------


def _notification_template(body_text: str) -> str:
    """A compact, ASCII-escaped notification with placeholders for id, sender and timestamp."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": BUSINESS_NUMBER, "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Cliente @SENDER@"}, "wa_id": "@SENDER@"}],
        "messages": [
            {"from": "@SENDER@", "id": "@ID@", "timestamp": "@AT@", "type": "text", "text": {"body": body_text}}
        ],
    }
    notification = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(notification, separators=(",", ":"))


def signed_notifications(prefix: str, count: int, senders: int = 1000) -> Iterator[tuple[str, bytes]]:
    """`count` text notifications with unique message ids, from `senders` customers, each ~1 KB.

    Yields (X-Hub-Signature-256 header, body): the signature covers exactly the bytes posted.
    """
    at = str(int(time.time()))
    empty = _notification_template("").replace("@AT@", at)
    size = len(empty.replace("@SENDER@", customer_phone(0)).replace("@ID@", f"wamid.{prefix}{0:08d}"))
    pad = max(0, NOTIFICATION_BYTES - size)
    words = "Oi, preciso de ajuda com o meu pedido 48213, ele ainda nao chegou e o prazo ja passou. "
    text = (words * (pad // len(words) + 1))[:pad].strip()
    template = _notification_template(text).replace("@AT@", at)
    for i in range(count):
        body = (
            template.replace("@SENDER@", customer_phone(i % senders)).replace("@ID@", f"wamid.{prefix}{i:08d}").encode()
        )
        yield sign(APP_SECRET, body), body


def status_template() -> str:
    """A status notification with @ID@, @STATUS@, @AT@ and @SENDER@ (its recipient) to fill in."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": BUSINESS_NUMBER, "phone_number_id": PHONE_NUMBER_ID},
        "statuses": [
            {
                "id": "@ID@",
                "status": "@STATUS@",
                "timestamp": "@AT@",
                "recipient_id": "@SENDER@",
                "conversation": {"id": "c0ffee0000000000000000000000beef", "origin": {"type": "service"}},
                "pricing": {"billable": False, "pricing_model": "PMP", "category": "service"},
            }
        ],
    }
    notification = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(notification, separators=(",", ":"))


def meta_mix(prefix: str, count: int, senders: int = 1000) -> Iterator[tuple[str, bytes]]:
    """Meta's sizing mix (docs/whatsapp.md §g): one inbound text in four, the others status updates.

    The statuses name messages atende never sent: each is stored and handled (looked up in the
    outbox, found unknown, logged), a little cheaper than a status that moves a real message on.
    """
    texts = signed_notifications(prefix, count, senders)
    template = status_template().replace("@AT@", str(int(time.time())))
    statuses = ("sent", "delivered", "read")
    for i in range(count):
        if i % 4 == 0:
            yield next(texts)
            continue
        body = (
            template.replace("@ID@", f"wamid.{prefix}S{i:08d}")
            .replace("@STATUS@", statuses[i % 4 - 1])
            .replace("@SENDER@", customer_phone(i % senders))
            .encode()
        )
        yield sign(APP_SECRET, body), body


# -- results -------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a result table: what was measured, its numbers, and its ratio to the baseline."""

    label: str
    values: dict[str, str]
    ratio: float | None = None
    """value / baseline value of the section's headline metric; None for the baseline itself."""
    baseline: bool = False


@dataclass
class Section:
    title: str
    columns: Sequence[str]
    rows: list[Row] = field(default_factory=list)
    ratio_label: str = "ratio"
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Anything that makes the numbers invalid (a check failed); printed in red, exit status 1."""


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of `samples` (p in 0..100)."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def fmt_ms(seconds: float) -> str:
    ms = seconds * 1000
    if ms >= 100:
        return f"{ms:,.0f}"
    return f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def fmt_us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f}"


def elapsed(start: float) -> float:
    return time.perf_counter() - start
