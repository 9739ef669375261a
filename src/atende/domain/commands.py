"""What an agent can ask for in their chat, parsed from text (docs/design.md §5)."""

from __future__ import annotations

from dataclasses import dataclass

from .codes import normalize_code
from .spelling import fold


@dataclass(frozen=True)
class Position:
    """The N of `/puxar N`: a place in the agent's `/fila` listing, 1-based."""

    number: int


@dataclass(frozen=True)
class CodeRef:
    code: str


Target = Position | CodeRef


@dataclass(frozen=True)
class AgentCommand:
    pass


@dataclass(frozen=True)
class Help(AgentCommand):
    pass


@dataclass(frozen=True)
class CheckIn(AgentCommand):
    pass


@dataclass(frozen=True)
class CheckOut(AgentCommand):
    pass


@dataclass(frozen=True)
class Pause(AgentCommand):
    pass


@dataclass(frozen=True)
class Resume(AgentCommand):
    pass


@dataclass(frozen=True)
class ShowQueue(AgentCommand):
    department: str | None = None


@dataclass(frozen=True)
class TakeNext(AgentCommand):
    pass


@dataclass(frozen=True)
class Take(AgentCommand):
    target: Target


@dataclass(frozen=True)
class Remove(AgentCommand):
    target: Target
    reason: str = ""


@dataclass(frozen=True)
class End(AgentCommand):
    code: str | None = None


@dataclass(frozen=True)
class Transfer(AgentCommand):
    department: str
    code: str | None = None
    """`/transferir #COD SETOR`: a waiting customer (supervisors), or one of the agent's own."""


@dataclass(frozen=True)
class ListActive(AgentCommand):
    pass


@dataclass(frozen=True)
class Switch(AgentCommand):
    code: str


@dataclass(frozen=True)
class History(AgentCommand):
    pass


@dataclass(frozen=True)
class Dashboard(AgentCommand):
    """Supervisors: every department's line and every agent's state, now."""


@dataclass(frozen=True)
class Report(AgentCommand):
    """Supervisors: the service figures of today, or of the last `days` days."""

    days: int = 1


MAX_REPORT_DAYS = 366


@dataclass(frozen=True)
class Malformed(AgentCommand):
    """A known command with missing or wrong arguments; `usage` names the command."""

    usage: str


@dataclass(frozen=True)
class Unknown(AgentCommand):
    word: str


NAMES: dict[str, str] = {
    "ajuda": "help", "help": "help",
    "entrar": "login", "login": "login",
    "sair": "logout", "logout": "logout",
    "pausa": "pause", "pausar": "pause", "pause": "pause",
    "volto": "resume", "voltar": "resume", "resume": "resume",
    "fila": "queue", "queue": "queue",
    "proximo": "next", "next": "next",
    "puxar": "take", "take": "take",
    "remover": "remove", "remove": "remove",
    "fim": "end", "end": "end",
    "transferir": "transfer", "transfer": "transfer",
    "ativos": "list", "list": "list",
    "ir": "switch", "switch": "switch",
    "historico": "history", "history": "history",
    "painel": "dashboard", "dashboard": "dashboard",
    "relatorio": "report", "report": "report",
}  # fmt: skip
"""Every spelling an agent may type → the command's canonical name (pt-BR and English)."""


def _target(argument: str) -> Target | None:
    if argument.isdigit() and int(argument) > 0:
        return Position(int(argument))
    code = normalize_code(argument)
    return CodeRef(code) if code else None


def _transfer(rest: str) -> AgentCommand:
    """`/transferir SETOR`, or `/transferir #COD SETOR` (the `#` is what tells a code from a name)."""
    if rest.startswith("#"):
        first, _, department = rest.partition(" ")
        code = normalize_code(first)
        return Transfer(fold(department.strip()), code) if code and department.strip() else Malformed("transfer")
    return Transfer(fold(rest)) if rest else Malformed("transfer")


def parse_command(text: str) -> AgentCommand | None:
    """The command in an agent's text, or None when the text is meant for a customer."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    word, _, rest = stripped[1:].partition(" ")
    rest = rest.strip()
    name = NAMES.get(fold(word))
    if name is None:
        return Unknown("/" + word)
    match name:
        case "help":
            return Help()
        case "login":
            return CheckIn()
        case "logout":
            return CheckOut()
        case "pause":
            return Pause()
        case "resume":
            return Resume()
        case "queue":
            return ShowQueue(fold(rest) or None)
        case "next":
            return TakeNext()
        case "list":
            return ListActive()
        case "history":
            return History()
        case "end":
            if not rest:
                return End()
            code = normalize_code(rest)
            return End(code) if code else Malformed("end")
        case "transfer":
            return _transfer(rest)
        case "dashboard":
            return Dashboard()
        case "report":
            if not rest:
                return Report()
            days = rest.split()[0]
            valid = days.isdigit() and 1 <= int(days) <= MAX_REPORT_DAYS
            return Report(int(days)) if valid else Malformed("report")
        case "switch":
            code = normalize_code(rest)
            return Switch(code) if code else Malformed("switch")
        case "take":
            target = _target(rest)
            return Take(target) if target else Malformed("take")
        case _:
            argument, _, reason = rest.partition(" ")
            target = _target(argument)
            return Remove(target, reason.strip()) if target else Malformed("remove")
