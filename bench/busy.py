"""A busy number: 400 agents of capacity 5 serving 2,000 customers, and the traffic between them.

Shared by the load run (`load.py`) and the fault run (`fault.py`):

- `seed` puts the desk in place in one transaction through the use-case layer (`Atende.run` with
  domain objects: agents checked in, every customer's conversation assigned and accepted, both
  sides' 24 h windows open) — seconds, where 10k webhooks would take minutes;
- `write_config` writes the same roster as an atende.toml for `atende serve`;
- `Traffic` makes signed Cloud API notifications — customer texts and media, agent texts and
  agent commands — each customer's and agent's in a strictly increasing timestamp (1 s apart:
  Meta's timestamps are whole seconds, and the intake orders one sender's messages by them), and
  each carrying a marker (`MKc0012n00003`: customer 12's 3rd message; `MKa…` for an agent) in its
  message id and in what atende relays (text, caption or media id), so `tally.py` can check
  every relay against what was sent.

Customer i is served by agent i mod 400; agent a's plain text goes to her active conversation,
customer a (the first one she received).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import APP_SECRET, BUSINESS_NUMBER, DEPARTMENTS, PHONE_NUMBER_ID, agent_phone, customer_phone, shop

from atende.adapters.whatsapp import sign
from atende.application.session import Session
from atende.application.settings import Settings
from atende.bootstrap import bootstrap
from atende.domain.codes import new_code
from atende.domain.conversation import Conversation, Customer

AGENTS = 400
CAPACITY = 5
CUSTOMERS = 2000

MARKER = re.compile(r"MK([ca])(\d{4})n(\d{5})")
"""A relayed message's origin: c(ustomer) or a(gent), their index, their message number."""

COMMANDS = ("/ativos", "/fila", "/ajuda")
"""Agent commands in the mix: read-only ones, so the desk keeps its shape for the whole run."""


def marker(side: str, index: int, number: int) -> str:
    return f"MK{side}{index:04d}n{number:05d}"


@dataclass(frozen=True)
class Desk:
    """Who serves whom: customer index → agent index, and each agent's active customer."""

    agents: int
    customers: int

    def agent_of(self, customer: int) -> int:
        return customer % self.agents

    def active_customer(self, agent: int) -> int:
        return agent

    def settings(self) -> Settings:
        return shop(self.agents, capacity=CAPACITY)


def write_config(path: Path, desk: Desk) -> Path:
    """The desk's roster as atende.toml, for `atende serve` (the same settings `seed` used)."""
    lines = ["[business]", 'name = "Loja Bench"', ""]
    for department in DEPARTMENTS:
        lines += [
            "[[departments]]",
            f'key = "{department.key}"',
            f'name = "{department.name}"',
            f'description = "{department.description}"',
            "",
        ]
    keys = ", ".join(f'"{d.key}"' for d in DEPARTMENTS)
    for a in range(desk.agents):
        lines += ["[[agents]]", f'name = "Agente {a}"', f'phone = "{agent_phone(a)}"', f"departments = [{keys}]"]
        lines += [f"capacity = {CAPACITY}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def seed(database_url: str, desk: Desk, at: datetime) -> None:
    """Agents checked in, each customer's conversation assigned to their agent and accepted at `at`."""
    system = bootstrap(desk.settings(), database_url=database_url, rng=random.Random(3))
    try:
        system.atende.sync_roster()
        rng = random.Random(9)

        def desk_in_place(session: Session) -> None:
            agents = [session.uow.agents.get(agent_phone(a)) for a in range(desk.agents)]
            for a, agent in enumerate(agents):
                assert agent is not None, f"agent {a} was not enrolled"
                agent.check_in(at)
                session.uow.contacts.get_or_add(agent.phone).wrote(at)
            codes: set[str] = set()
            for c in range(desk.customers):
                code = new_code(rng)
                while code in codes:
                    code = new_code(rng)
                codes.add(code)
                wa_id = customer_phone(c)
                conversation = Conversation(code, Customer(wa_id, f"Cliente {c}"), at)
                conversation.enqueue(DEPARTMENTS[c % len(DEPARTMENTS)].key, at)
                agent = agents[desk.agent_of(c)]
                assert agent is not None
                conversation.assign(agent.phone, at)
                conversation.accept(at)
                agent.receive(code, at)
                session.uow.conversations.add(conversation)
                session.uow.contacts.get_or_add(wa_id).wrote(at)

        system.atende.run(desk_in_place)
    finally:
        system.close()


# -- notifications -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """One signed notification and what it should become."""

    message_id: str
    sender: str
    kind: str
    """text, image, document, audio (a customer's); agent-text, command (an agent's)."""
    mark: str | None
    """The marker it carries into its relay; None for a command (its answer is not checked)."""
    signature: str
    body: bytes


def _envelope(sender: str, name: str, message: dict[str, object]) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": BUSINESS_NUMBER, "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": name}, "wa_id": sender}],
        "messages": [message],
    }
    notification = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(notification, separators=(",", ":")).encode()


FILLER = "Oi, preciso de ajuda com o meu pedido 48213, ele ainda nao chegou e o prazo ja passou. "
TEXT_CHARS = 300
"""A customer's text: ~300 characters (the body posted is ~0.8 KB with Meta's envelope)."""

MIX = (("text", 70), ("image", 5), ("document", 3), ("audio", 2), ("agent-text", 15), ("command", 5))
"""Shares of the notifications posted (statuses come back from the sink, ~3 per relay)."""


class Traffic:
    """Signed notifications for the desk, each sender's in order, from a seeded random source."""

    def __init__(self, desk: Desk, start: datetime, seed_value: int = 1) -> None:
        self.desk = desk
        self.rng = random.Random(seed_value)
        self.start = start.replace(microsecond=0)
        self._numbers: dict[str, int] = {}
        self._kinds = [kind for kind, share in MIX for _ in range(share)]

    def _next(self, sender: str) -> int:
        number = self._numbers.get(sender, 0) + 1
        self._numbers[sender] = number
        return number

    def _at(self, number: int) -> str:
        return str(int((self.start + timedelta(seconds=number)).timestamp()))

    def customer(self, c: int, kind: str = "text") -> Note:
        wa_id = customer_phone(c)
        n = self._next(wa_id)
        mark = marker("c", c, n)
        message: dict[str, object] = {"from": wa_id, "id": f"wamid.{mark}", "timestamp": self._at(n), "type": kind}
        if kind == "text":
            message["text"] = {"body": f"{mark} " + (FILLER * 4)[: TEXT_CHARS - len(mark) - 1]}
        elif kind == "image":
            message["image"] = {"id": mark, "mime_type": "image/jpeg", "sha256": "0" * 64, "caption": f"foto {mark}"}
        elif kind == "document":
            message["document"] = {
                "id": mark,
                "mime_type": "application/pdf",
                "filename": "boleto.pdf",
                "caption": mark,
            }
        elif kind == "audio":
            message["audio"] = {"id": mark, "mime_type": "audio/ogg; codecs=opus", "voice": True}
        else:
            raise ValueError(kind)
        body = _envelope(wa_id, f"Cliente {c}", message)
        return Note(f"wamid.{mark}", wa_id, kind, mark, sign(APP_SECRET, body), body)

    def agent(self, a: int, command: str | None = None) -> Note:
        phone = agent_phone(a)
        n = self._next(phone)
        mark = None if command else marker("a", a, n)
        message_id = f"wamid.CMa{a:04d}n{n:05d}" if command else f"wamid.{mark}"
        text = command or f"{mark} Oi! Ja estou vendo o seu pedido, um momento por favor."
        message = {"from": phone, "id": message_id, "timestamp": self._at(n), "type": "text", "text": {"body": text}}
        body = _envelope(phone, f"Agente {a}", message)
        return Note(message_id, phone, "command" if command else "agent-text", mark, sign(APP_SECRET, body), body)

    def mixed(self, count: int, customers: int | None = None) -> Iterator[Note]:
        """`count` notifications in MIX's shares, senders drawn at random (customers among the first
        `customers` only, when given: the fault run keeps the others for its burst)."""
        among = customers or self.desk.customers
        for _ in range(count):
            kind = self.rng.choice(self._kinds)
            if kind == "agent-text":
                yield self.agent(self.rng.randrange(self.desk.agents))
            elif kind == "command":
                yield self.agent(self.rng.randrange(self.desk.agents), self.rng.choice(COMMANDS))
            else:
                yield self.customer(self.rng.randrange(among), kind)


def expected_recipient(desk: Desk, mark: str) -> str:
    """Where a marked message must be relayed: a customer's to their agent, an agent's to her active customer."""
    found = MARKER.fullmatch(mark)
    assert found is not None, mark
    side, index = found.group(1), int(found.group(2))
    if side == "c":
        return agent_phone(desk.agent_of(index))
    return customer_phone(desk.active_customer(index))


def now() -> datetime:
    return datetime.now(UTC)
