"""What the use cases need to know about this deployment, already validated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from atende.domain.department import Department
from atende.domain.spelling import fold_answer

from .texts import TextOverride


@dataclass(frozen=True)
class AgentProfile:
    """An agent as the config file declares them; presence and load live in the database."""

    phone: str
    """The agent's WhatsApp id, her key everywhere: her number, or her BSUID when the config
    names her only by it (a user with a username whose number Meta does not send)."""
    name: str
    departments: tuple[str, ...]
    capacity: int = 1
    user_id: str = ""
    """Her business-scoped user id, when the config gives it: messages carrying it are hers."""
    supervisor: bool = False
    """Also gets the supervisor commands (`/painel`, `/relatorio`, moving anyone who waits);
    a supervisor may serve no department at all."""


@dataclass(frozen=True)
class Settings:
    business_name: str
    departments: tuple[Department, ...]
    agents: tuple[AgentProfile, ...] = ()
    locale: str = "pt-BR"
    queue_reminder_seconds: int = 300
    offer_timeout_seconds: int = 180
    """0 turns offers off: an assignment never times out."""
    position_update_seconds: int = 120
    """A queued customer who writes again hears their position at most this often."""
    timezone: str = "America/Sao_Paulo"
    """The business's own clock, for times shown to people."""
    agent_reopen_template: str = "atende_agente"
    """Approved template that reopens an agent's 24 h window (docs/design.md §2)."""
    customer_reopen_template: str | None = None
    """Approved template that reaches a customer whose 24 h window has closed ({{1}} the business,
    {{2}} the agent); None: agents are warned instead, before they write (docs/design.md §2)."""
    template_language: str = "pt_BR"
    reorder_window_seconds: float = 1.0
    """How long a webhook arrival waits for earlier ones from the same sender that Meta delivers late."""
    intake_attempts: int = 5
    """Failed attempts at handling one arrival before it is set aside (storage's own trouble never
    counts); retried after 2, 4, 8… s meanwhile, its sender's later arrivals waiting behind it."""
    rating: bool = True
    history_lines: int = 10
    retention_days: int = 30
    """Handled arrivals, handled-message keys and sent messages are forgotten after this long
    (inbox keys never under 8 days: Meta re-delivers for up to 7); the record stays (ADR 0013)."""
    menu_idle_hours: int = 12
    """A menu nobody answered this long is forgotten: the next message greets afresh (0 = never)."""
    rating_idle_hours: int = 12
    """A rating question ignored this long is forgotten (0 = never)."""
    assigned_idle_hours: int = 20
    """An assigned conversation with no message either way this long is closed, both sides told
    (0 = never). Under a day, so the customer, silent as long, can still be told; queued customers
    are never closed by time (docs/adr/0009-idle-rules.md)."""
    text_overrides: Mapping[str, TextOverride] = field(default_factory=dict)
    """`[texts]` of atende.toml: catalog sentences replaced per key, already checked."""
    _roster: dict[str, AgentProfile] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        roster = {a.user_id: a for a in self.agents if a.user_id}
        roster.update({a.phone: a for a in self.agents})
        object.__setattr__(self, "_roster", roster)

    def agent(self, wa_id: str) -> AgentProfile | None:
        """The registered agent with this WhatsApp id (number or BSUID): every message is checked,
        so a lookup, not a scan."""
        return self._roster.get(wa_id) if wa_id else None

    def is_agent(self, wa_id: str) -> bool:
        return wa_id in self._roster

    def is_supervisor(self, wa_id: str) -> bool:
        profile = self.agent(wa_id)
        return profile is not None and profile.supervisor

    def agent_name(self, phone: str | None) -> str:
        """The roster name for an agent's phone; the phone itself for someone no longer listed."""
        profile = self._roster.get(phone) if phone else None
        return profile.name if profile else (phone or "")

    def department(self, key: str) -> Department | None:
        return next((d for d in self.departments if d.key == key), None)

    def find_department(self, typed: str) -> Department | None:
        """The department someone typed: its number in the menu, its name or its key."""
        answer = fold_answer(typed)
        if answer.isdigit() and 1 <= int(answer) <= len(self.departments):
            return self.departments[int(answer) - 1]
        return next((d for d in self.departments if answer in (fold_answer(d.name), fold_answer(d.key))), None)

    def department_name(self, key: str | None) -> str:
        department = self.department(key) if key else None
        return department.name if department else (key or "")
