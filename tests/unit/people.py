"""The people of a use-case test: customers and agents who write, read and swipe-reply.

Thin, readable wrappers over `tests.world.World`, so a test reads like the domain:
`maria.queues_for("financeiro")`, `ana.says("/proximo")`, `maria.reads()`.
"""

from __future__ import annotations

from atende.application.outbound import Outgoing, TextBody
from atende.domain import agent as agent_model
from atende.domain.content import Choice, Content
from atende.domain.conversation import Conversation
from atende.domain.events import Event
from tests.world import ANA, BRUNO, CARLA, JOAO, MARIA, PEDRO, World

NAMES = {
    MARIA: "Maria Silva",
    JOAO: "João Souza",
    PEDRO: "Pedro Lima",
    ANA: "Ana",
    BRUNO: "Bruno",
    CARLA: "Carla",
}


class Person:
    def __init__(self, world: World, wa_id: str, name: str | None = None, *, user_id: str = "") -> None:
        self.world = world
        self.wa_id = wa_id
        """What WhatsApp names them by: a number, or a BSUID for someone known only by username."""
        self.name = NAMES.get(wa_id, "") if name is None else name
        self.user_id = user_id
        """The BSUID that comes with their messages, if any."""

    def says(self, content: Content | str, *, reply_to: str | None = None) -> str:
        """Write to the company's number; returns the WhatsApp id of what was written."""
        return self.world.write(self.wa_id, content, name=self.name, reply_to=reply_to, user_id=self.user_id)

    def swipes(self, contains: str, content: Content | str) -> str:
        """Swipe-reply to the latest message received that contains `contains`."""
        return self.says(content, reply_to=self.world.provider_id_of(self.wa_id, contains))

    def reads(self) -> list[str]:
        """What arrived since the last read, as this person sees it."""
        return self.world.new(self.wa_id)

    def read(self) -> str:
        """Exactly one new message (fails otherwise)."""
        news = self.reads()
        assert len(news) == 1, news
        return news[0]

    def received(self) -> list[Outgoing]:
        return self.world.sent_to(self.wa_id)

    def last_text(self) -> TextBody:
        body = self.received()[-1].body
        assert isinstance(body, TextBody), body
        return body


class Customer(Person):
    def chooses(self, department: str) -> None:
        """A tap on the menu row of the department."""
        title = self.world.settings.department_name(department)
        self.says(Choice(f"dept:{department}", title))

    def queues_for(self, department: str, first: str = "oi") -> str:
        """Writes, chooses the department from the menu; returns the conversation code."""
        self.says(first)
        self.chooses(department)
        self.reads()
        return self.code

    @property
    def conversation(self) -> Conversation:
        """The customer's latest conversation, as stored."""
        mine = [c for c in self.world.store.conversations.values() if c.customer.wa_id == self.wa_id]
        assert mine, f"{self.name} has no conversation"
        return mine[-1]

    @property
    def conversations(self) -> list[Conversation]:
        return [c for c in self.world.store.conversations.values() if c.customer.wa_id == self.wa_id]

    @property
    def code(self) -> str:
        return self.conversation.code

    @property
    def tag(self) -> str:
        """`#K7Q2`, as agents see it."""
        return "#" + self.code

    def events(self) -> list[Event]:
        return [e for e in self.world.store.events if e.code == self.code]


class Agent(Person):
    def checks_in(self) -> None:
        self.says("/entrar")
        self.reads()

    @property
    def state(self) -> agent_model.Agent:
        return self.world.store.agents[self.wa_id]

    @property
    def presence(self) -> agent_model.Presence:
        return self.state.presence
