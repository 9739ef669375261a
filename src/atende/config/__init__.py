"""atende's configuration: the environment (secrets, URLs) and the file `atende.toml` (the business).

Both are validated before anything runs. A mistake is reported once, with the key path and the
line it is on, instead of turning up later as odd behaviour in production. The result is the
plain `atende.application.settings.Settings` that the use cases consume. Variable names and the
documented toml keys are the external contract (DESIGN §2).
"""

from __future__ import annotations

import difflib
import itertools
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_serializer,
    field_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from atende.application.settings import AgentProfile, Settings
from atende.application.texts import LOCALES
from atende.domain.department import Department, OpeningHours

DEFAULT_CONFIG_PATH = "./atende.toml"
DEFAULT_DATABASE_URL = "sqlite:///./atende.db"
DEFAULT_GRAPH_URL = "https://graph.facebook.com/v24.0"
EXAMPLE_CONFIG = "examples/atende.toml"

SERVE_VARIABLES = (
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_PHONE_NUMBER_ID",
)
"""What `atende serve` cannot run without; `config check` only reports them unless asked."""

KeyPath = tuple[str | int, ...]
Week = dict[int, tuple[tuple[time, time], ...]]
"""Weekday (0 = Monday) → sorted, non-overlapping (start, end) ranges, as `OpeningHours.week`."""


# --- problems ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One mistake (or, with `warning`, one doubtful choice) at a key path such as `agents[1].phone`."""

    path: str
    line: int | None
    message: str
    warning: bool = False

    def render(self, file: str | None = None) -> str:
        """`atende.toml:12: agents[1].phone: message`, the shape editors and terminals link to."""
        parts: list[str] = []
        if file:
            parts.append(f"{file}:{self.line}" if self.line else file)
        if self.path:
            parts.append(self.path)
        if self.warning:
            parts.append("warning")
        parts.append(self.message)
        return ": ".join(parts)


class ConfigError(Exception):
    """The configuration cannot be used; `problems` says every reason at once, not just the first."""

    def __init__(
        self, problems: Sequence[Problem], *, file: str | None = None, warnings: Sequence[Problem] = ()
    ) -> None:
        self.problems = list(problems)
        self.warnings = list(warnings)
        self.file = file
        super().__init__("\n".join(p.render(file) for p in self.problems))


def format_path(path: KeyPath) -> str:
    """("agents", 1, "phone") → "agents[1].phone"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


# --- environment ------------------------------------------------------------------------------


def mask_url(url: str) -> str:
    """The URL with its password replaced, so a database URL can be printed."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url.split("://", 1)[0] + "://***" if "://" in url else "***"
    if not password:
        return url
    netloc = parts.netloc.replace(f":{password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _check_database_url(url: str) -> str:
    """Only the two engines atende is tested on, spelled the way SQLAlchemy needs them."""
    shown = mask_url(url)
    scheme, separator, rest = url.partition("://")
    examples = "sqlite:///./atende.db or postgresql+psycopg://user:password@host/atende"
    if not separator:
        raise ValueError(f'"{shown}" is not a database URL; use {examples}')
    if scheme == "sqlite":
        if rest and not rest.startswith("/"):
            raise ValueError(
                f'"{shown}": a SQLite path needs three slashes for a relative file (sqlite:///./atende.db) '
                "and four for an absolute one (sqlite:////var/lib/atende/atende.db)"
            )
        return url
    if scheme == "postgresql+psycopg":
        if not rest or rest == "/":
            raise ValueError(f'"{shown}" names no server or database; e.g. postgresql+psycopg://user:pw@host/atende')
        return url
    if scheme in {"postgres", "postgresql", "postgresql+psycopg2"}:
        fixed = mask_url("postgresql+psycopg://" + rest)
        raise ValueError(f'"{shown}": atende uses the psycopg 3 driver; write {fixed}')
    raise ValueError(f'unsupported database "{scheme}"; atende runs on {examples}')


def _check_graph_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f'"{url}" is not an http(s) URL; the default is {DEFAULT_GRAPH_URL}')
    return url.rstrip("/")


class Environment(BaseSettings):
    """The deployment's environment variables (DESIGN §2): where things are, and the secrets.

    Secrets are `SecretStr`, and the database URL (which may hold a password) is left out of the
    repr and masked in dumps, so printing or logging this object never shows them;
    `hide_input_in_errors` keeps them out of validation errors too.
    """

    model_config = SettingsConfigDict(
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,
    )

    ATENDE_CONFIG: Path = Field(default=Path(DEFAULT_CONFIG_PATH))
    ATENDE_DATABASE_URL: str = Field(default=DEFAULT_DATABASE_URL, repr=False)
    WHATSAPP_ACCESS_TOKEN: SecretStr | None = None
    WHATSAPP_APP_SECRET: SecretStr | None = None
    WHATSAPP_VERIFY_TOKEN: SecretStr | None = None
    WHATSAPP_PHONE_NUMBER_ID: str | None = None
    WHATSAPP_GRAPH_URL: str = DEFAULT_GRAPH_URL

    @field_validator("ATENDE_DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return _check_database_url(value.strip())

    @field_validator("WHATSAPP_GRAPH_URL")
    @classmethod
    def _graph_url(cls, value: str) -> str:
        return _check_graph_url(value.strip())

    @field_serializer("ATENDE_DATABASE_URL")
    def _dump_database_url(self, value: str) -> str:
        return mask_url(value)

    @property
    def safe_database_url(self) -> str:
        """The database URL with any password masked, for messages."""
        return mask_url(self.ATENDE_DATABASE_URL)

    def serve_status(self) -> dict[str, bool]:
        """Each variable `atende serve` needs → whether it is set (never its value)."""
        return {name: _is_set(getattr(self, name)) for name in SERVE_VARIABLES}

    def missing_for_serve(self) -> list[str]:
        """Names of the variables `atende serve` needs and does not have, in DESIGN order."""
        return [name for name, present in self.serve_status().items() if not present]


def _is_set(value: SecretStr | str | None) -> bool:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return bool(value and value.strip())


def load_environment(**overrides: Any) -> Environment:
    """Read the environment; a bad value becomes a `ConfigError` naming the variable, without its value."""
    try:
        return Environment(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            cause = error.get("ctx", {}).get("error")
            problems.append(Problem(name, None, str(cause) if cause else error["msg"]))
        raise ConfigError(problems) from None


# --- where a key is in the TOML text ----------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _read_key(text: str, i: int) -> tuple[list[str], int]:
    """A dotted key starting at `i`: its parts and the index of the character that ends it."""
    parts: list[str] = []
    while True:
        while i < len(text) and text[i] in " \t":
            i += 1
        if i < len(text) and text[i] in "\"'":
            quote = text[i]
            j = i + 1
            while j < len(text) and text[j] != quote:
                j += 2 if quote == '"' and text[j] == "\\" else 1
            parts.append(text[i + 1 : j])
            i = j + 1
        else:
            match = _BARE_KEY.match(text, i)
            if not match:
                return parts, i
            parts.append(match.group())
            i = match.end()
        while i < len(text) and text[i] in " \t":
            i += 1
        if i >= len(text) or text[i] != ".":
            return parts, i
        i += 1


class _ValueScanner:
    """Follows one value across lines (arrays, multi-line strings) so that their insides are not read
    as keys, and reports the line where each element of an array value starts."""

    def __init__(self, on_element: Callable[[int, int], None]) -> None:
        self.depth = 0
        self.multiline: str | None = None
        self._on_element = on_element
        self._array = False
        self._expect_element = False
        self._elements = 0

    @property
    def busy(self) -> bool:
        return self.depth > 0 or self.multiline is not None

    def start(self, text: str, line: int) -> None:
        """A new value begins (the text after `=`)."""
        self._array = text.lstrip().startswith("[")
        self._expect_element = False
        self._elements = 0
        self.feed(text, line)

    def feed(self, text: str, line: int) -> None:
        i = 0
        while i < len(text):
            if self.multiline:
                i = self._close_multiline(text, i)
                continue
            char = text[i]
            if char == "#":
                return
            if char in " \t\r":
                i += 1
                continue
            if self._array and self.depth == 1:
                if char == ",":
                    self._expect_element = True
                    i += 1
                    continue
                if self._expect_element and char != "]":
                    self._on_element(self._elements, line)
                    self._elements += 1
                    self._expect_element = False
            if text.startswith(('"""', "'''"), i):
                self.multiline = text[i : i + 3]
                i += 3
            elif char in "\"'":
                i = self._skip_string(text, i)
            else:
                self._expect_element = self._expect_element or (self.depth == 0 and char == "[")
                self.depth += (char in "[{") - (char in "]}")
                i += 1

    def _close_multiline(self, text: str, i: int) -> int:
        assert self.multiline is not None
        quote = self.multiline
        while i < len(text):
            if quote == '"""' and text[i] == "\\":
                i += 2
            elif text.startswith(quote, i):
                end = i + 3
                while end < len(text) and text[end] == quote[0] and end - i < 5:
                    end += 1  # up to two quotes may end the content itself
                self.multiline = None
                return end
            else:
                i += 1
        return i

    @staticmethod
    def _skip_string(text: str, i: int) -> int:
        quote = text[i]
        i += 1
        while i < len(text) and text[i] != quote:
            i += 2 if quote == '"' and text[i] == "\\" else 1
        return i + 1


class TomlLocator:
    """Line numbers of the tables and keys of a TOML text, since tomllib keeps none.

    It tracks `[table]` and `[[array]]` headers (and how many times each array has appeared, so
    the second `[[agents]]` is `agents[1]`) plus dotted keys. The text must already parse.
    """

    def __init__(self, text: str) -> None:
        self._lines: dict[KeyPath, int] = {}
        self._arrays: dict[KeyPath, int] = {}
        self._current: KeyPath = ()
        self._value: KeyPath = ()
        scanner = _ValueScanner(lambda index, line: self._record((*self._value, index), line))
        for number, line in enumerate(text.split("\n"), start=1):
            if scanner.busy:
                scanner.feed(line, number)
                continue
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("[["):
                self._array_header(_read_key(stripped, 2)[0], number)
            elif stripped.startswith("["):
                self._table_header(_read_key(stripped, 1)[0], number)
            else:
                parts, end = _read_key(stripped, 0)
                self._value = (*self._current, *parts)
                self._record(self._value, number, since=len(self._current) + 1)
                scanner.start(stripped[end + 1 :], number)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of `path`, or of its nearest ancestor that is written down (e.g. an inline table)."""
        for end in range(len(path), 0, -1):
            line = self._lines.get(path[:end])
            if line is not None:
                return line
        return None

    def _record(self, path: KeyPath, line: int, since: int = 1) -> None:
        for end in range(since, len(path) + 1):
            self._lines.setdefault(path[:end], line)

    def _resolve(self, parts: Sequence[str]) -> KeyPath:
        """A header's parts as a path, each array of tables meaning its latest element."""
        path: KeyPath = ()
        for part in parts:
            path = (*path, part)
            if path in self._arrays:
                path = (*path, self._arrays[path])
        return path

    def _array_header(self, parts: list[str], line: int) -> None:
        array = (*self._resolve(parts[:-1]), *parts[-1:])
        index = self._arrays.get(array, -1) + 1
        self._arrays[array] = index
        self._current = (*array, index)
        self._record(self._current, line)

    def _table_header(self, parts: list[str], line: int) -> None:
        self._current = self._resolve(parts)
        self._record(self._current, line)


# --- opening hours ----------------------------------------------------------------------------

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAYS = {
    **{name: number for number, name in enumerate(_DAY_NAMES)},
    **{name: number for number, name in enumerate(("seg", "ter", "qua", "qui", "sex", "sab", "dom"))},
    "sáb": 5,
}
_CLOSED = {"closed", "fechado"}
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_END_OF_DAY = time.max
""""24:00": `OpeningHours` compares `start <= now < end`, so time.max stands for midnight."""


class _HoursMistake(ValueError):
    """A mistake in one entry of an `hours` table; `key` extends the reported path to that entry."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _weekdays(spec: str) -> list[int]:
    """A day or a range: mon → [0], mon-fri → [0..4], fri-mon wraps over the weekend; pt-BR names too."""
    names = [part.strip().lower() for part in spec.split("-")]
    unknown = [name for name in names if name not in _DAYS]
    if len(names) > 2 or unknown or not all(names):
        raise ValueError(
            f'"{spec}" is not a day or a range of days: use mon tue wed thu fri sat sun '
            "(or seg ter qua qui sex sab dom), alone or as a range such as mon-fri"
        )
    first, last = _DAYS[names[0]], _DAYS[names[-1]]
    return [(first + offset) % 7 for offset in range((last - first) % 7 + 1)]


def _clock(text: str, *, closing: bool) -> time:
    match = _TIME.fullmatch(text.strip())
    hour, minute = (int(match.group(1)), int(match.group(2))) if match else (-1, -1)
    if closing and (hour, minute) == (24, 0):
        return _END_OF_DAY
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f'"{text.strip()}" is not a time of day; write HH:MM, e.g. 08:00 or 18:30')
    return time(hour, minute)


def _time_range(text: str) -> tuple[time, time]:
    pieces = re.split(r"\s*[-–]\s*", text.strip())
    if len(pieces) != 2:
        raise ValueError(f'"{text}" is not a time range; write "08:00-18:00"')
    start, end = _clock(pieces[0], closing=False), _clock(pieces[1], closing=True)
    if start == end:
        raise ValueError(f'"{text}" opens and closes at the same time')
    return start, end


def _ranges(value: object) -> list[tuple[time, time]]:
    """A day's value: "08:00-18:00", a list of such ranges, or "closed"."""
    items = value if isinstance(value, list) else [value]
    texts = [item for item in items if isinstance(item, str)]
    if len(texts) != len(items):
        raise ValueError('must be a time range in quotes, e.g. "08:00-18:00", or a list of them')
    if len(texts) == 1 and texts[0].strip().lower() in _CLOSED:
        return []
    return [_time_range(text) for text in texts]


def _clock_text(moment: time) -> str:
    return "24:00" if moment == _END_OF_DAY else f"{moment:%H:%M}"


def parse_hours(value: object) -> Week:
    """The friendly `hours` table → a week. A range that ends before it starts runs past midnight.

    Each day may be given once; ranges may not overlap. Days left out are closed.
    """
    if not isinstance(value, dict):
        raise ValueError('must be a table of days, e.g. hours = { mon-fri = "08:00-18:00", sat = "08:00-12:00" }')
    given: dict[int, str] = {}
    spans: dict[int, list[tuple[time, time, str]]] = {}
    for key, day_value in value.items():
        try:
            days, ranges = _weekdays(key), _ranges(day_value)
        except ValueError as exc:
            raise _HoursMistake(key, str(exc)) from None
        for day in days:
            if day in given:
                raise _HoursMistake(key, f'{_DAY_NAMES[day]} is already given by "{given[day]}"')
            given[day] = key
            for start, end in ranges:
                if end > start:
                    spans.setdefault(day, []).append((start, end, key))
                else:  # past midnight: the rest of today, then the start of tomorrow
                    spans.setdefault(day, []).append((start, _END_OF_DAY, key))
                    spans.setdefault((day + 1) % 7, []).append((time.min, end, key))
    week: Week = {}
    for day in sorted(spans):
        ordered = sorted(spans[day])
        for (_, end, _key), (start, _, key) in itertools.pairwise(ordered):
            if start < end:
                raise _HoursMistake(
                    key, f"on {_DAY_NAMES[day]}, the range from {_clock_text(start)} overlaps the one before it"
                )
        week[day] = tuple((start, end) for start, end, _ in ordered)
    if not week:
        raise ValueError("opens on no day; leave hours out for a department that is always open")
    return week


def describe_hours(week: Mapping[int, Sequence[tuple[time, time]]] | None) -> str:
    """A week as a short line ("mon-fri 08:00-18:00 · sat 08:00-12:00"), consecutive equal days merged."""
    if not week:
        return "always open"
    groups: list[tuple[int, int, str]] = []
    for day in sorted(week):
        ranges = ", ".join(f"{_clock_text(a)}-{_clock_text(b)}" for a, b in week[day])
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == ranges:
            groups[-1] = (groups[-1][0], day, ranges)
        else:
            groups.append((day, day, ranges))
    return " · ".join(f"{_DAY_NAMES[a]}{'-' + _DAY_NAMES[b] if b != a else ''} {ranges}" for a, b, ranges in groups)


# --- single values ----------------------------------------------------------------------------


def _slugify(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9_-]+", "-", plain).strip("-")


def _check_key(value: str) -> str:
    """Agents type the key (`/transferir suporte`), so it is a plain lowercase slug."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", value):
        suggestion = _slugify(value)
        hint = f', e.g. "{suggestion}"' if suggestion else ""
        raise ValueError(f'"{value}" is not a valid key: use lowercase letters, digits, "-" and "_"{hint}')
    return value


def _check_phone(value: str) -> str:
    """A WhatsApp id is the full number in digits: country code, area code, number; no symbols."""
    digits = re.sub(r"[^0-9]", "", value)
    if digits != value:
        named = {"+": '"+"', " ": "spaces", "-": "dashes", "(": "brackets", ")": "brackets", ".": "dots"}
        found = [word for char, word in named.items() if char in value]
        if all(char in named or char in "0123456789" for char in value):
            what = " or ".join([", ".join(found[:-1]), found[-1]] if len(found) > 1 else found)
            fix = f': write "{digits}"' if 10 <= len(digits) <= 15 else ""
            raise ValueError(f'"{value}": a WhatsApp id is digits only, without {what}{fix}')
        raise ValueError(f'"{value}": a WhatsApp id is digits only, e.g. "5511999990001"')
    if not 10 <= len(digits) <= 15:
        raise ValueError(
            f'"{value}" has {len(digits)} digits; a WhatsApp id has 10 to 15: country code, area code '
            'and number, e.g. "5511999990001"'
        )
    return value


def _check_locale(value: str) -> str:
    if value not in LOCALES:
        known = ", ".join(f'"{name}"' for name in LOCALES)
        raise ValueError(f'unknown locale "{value}"; use one of {known}{_did_you_mean(value, LOCALES)}')
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        zones = available_timezones()
        if not zones:
            raise ValueError(
                f'cannot check time zone "{value}": this system has no time zone database (pip install tzdata)'
            ) from None
        raise ValueError(
            f'unknown time zone "{value}"; use an IANA name such as "America/Sao_Paulo"{_did_you_mean(value, zones)}'
        ) from None
    return value


def _check_template_name(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]+", value):
        raise ValueError(f'"{value}": WhatsApp template names use lowercase letters, digits and "_"')
    return value


def _check_language(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", value):
        raise ValueError(f'"{value}" is not a WhatsApp template language code; e.g. "pt_BR" or "en_US"')
    return value


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    options = list(choices)
    lowered = {option.lower(): option for option in options}
    if word.lower() in lowered:
        return f'; did you mean "{lowered[word.lower()]}"?'
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Key = Annotated[str, AfterValidator(_check_key)]
Phone = Annotated[str, AfterValidator(_check_phone)]


# --- the file ---------------------------------------------------------------------------------


class _Table(BaseModel):
    """Unknown keys are errors (a typo must not silently become a default); no type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class BusinessConfig(_Table):
    name: Name
    locale: Annotated[str, AfterValidator(_check_locale)] = "pt-BR"
    timezone: Annotated[str, AfterValidator(_check_timezone)] = "America/Sao_Paulo"


class DepartmentConfig(_Table):
    key: Key
    name: Name
    description: str = ""
    hours: Annotated[Week | None, PlainValidator(parse_hours)] = None
    """Opening hours in the business time zone; None (left out) = always open."""


class AgentConfig(_Table):
    name: Name
    phone: Phone
    departments: list[str] = Field(min_length=1)
    capacity: int = Field(default=1, ge=1)


class TimersConfig(_Table):
    queue_reminder_seconds: int = Field(default=300, ge=0)
    offer_timeout_seconds: int = Field(default=180, ge=0)
    position_update_seconds: int = Field(default=120, ge=0)


class WhatsAppConfig(_Table):
    agent_reopen_template: Annotated[str, AfterValidator(_check_template_name)] = "atende_agente"
    template_language: Annotated[str, AfterValidator(_check_language)] = "pt_BR"


class ServiceConfig(_Table):
    rating: bool = True
    history_lines: int = Field(default=10, ge=1)


class Config(_Table):
    """The validated `atende.toml`. `warnings` holds the doubtful choices that did not stop loading."""

    business: BusinessConfig
    departments: list[DepartmentConfig] = Field(default_factory=list)
    agents: list[AgentConfig] = Field(default_factory=list)
    timers: TimersConfig = Field(default_factory=TimersConfig)
    whatsapp: WhatsAppConfig = Field(default_factory=WhatsAppConfig)
    service: ServiceConfig = Field(default_factory=ServiceConfig)
    _warnings: tuple[Problem, ...] = PrivateAttr(default=())

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return self._warnings

    def to_settings(self) -> Settings:
        """The plain settings the use cases consume; hours are read in the business time zone."""
        zone = self.business.timezone
        return Settings(
            business_name=self.business.name,
            departments=tuple(
                Department(
                    key=department.key,
                    name=department.name,
                    description=department.description,
                    hours=OpeningHours(zone, dict(department.hours)) if department.hours else None,
                )
                for department in self.departments
            ),
            agents=tuple(
                AgentProfile(agent.phone, agent.name, tuple(agent.departments), agent.capacity) for agent in self.agents
            ),
            locale=self.business.locale,
            timezone=zone,
            agent_reopen_template=self.whatsapp.agent_reopen_template,
            template_language=self.whatsapp.template_language,
            queue_reminder_seconds=self.timers.queue_reminder_seconds,
            offer_timeout_seconds=self.timers.offer_timeout_seconds,
            position_update_seconds=self.timers.position_update_seconds,
            rating=self.service.rating,
            history_lines=self.service.history_lines,
        )


# --- turning validation errors into problems --------------------------------------------------


def _model_at(path: KeyPath) -> type[BaseModel] | None:
    """The model describing the table at `path` (list indexes skipped), to name its allowed keys."""
    model: type[BaseModel] = Config
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        annotation = field.annotation if field else None
        if get_origin(annotation) is list:
            annotation = get_args(annotation)[0]
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _sections() -> Iterator[tuple[str, type[BaseModel]]]:
    for name in Config.model_fields:
        model = _model_at((name,))
        if model is not None:
            yield name, model


def _toml(value: object) -> str:
    """A value written the way it looks in the file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def _unknown_key(path: KeyPath, value: object) -> str:
    key = str(path[-1])
    if isinstance(value, dict):
        what = f"table [{key}]" if len(path) == 1 else f'table "{key}"'
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        what = f"array of tables [[{key}]]"
    else:
        what = f'key "{key}"'
    model = _model_at(path[:-1])
    allowed = list(model.model_fields) if model else []
    message = f"unknown {what}{_did_you_mean(key, allowed)}"
    homes = [name for name, section in _sections() if key in section.model_fields and section is not model]
    if homes and not message.endswith("?"):
        home = homes[0]
        brackets = f"[[{home}]]" if home in {"departments", "agents"} else f"[{home}]"
        message += f"; it belongs under {brackets}"
    if allowed:
        message += f" (allowed here: {', '.join(allowed)})"
    return message


def _explain(error: ErrorDetails, path: KeyPath) -> str:
    kind, value = error["type"], error.get("input")
    key = str(path[-1]) if path else ""
    context = error.get("ctx") or {}
    if kind == "missing":
        if len(path) == 1:
            return f"the [{key}] table is missing"
        return f"is required: add {key} = …"
    if kind == "extra_forbidden":
        return _unknown_key(path, value)
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        quoted = isinstance(value, str) and value.strip().lstrip("-").isdigit()
        return f"must be a whole number, got {_toml(value)}" + (": remove the quotes" if quoted else "")
    if kind == "bool_type":
        return f"must be true or false (no quotes), got {_toml(value)}"
    if kind == "string_type":
        hint = f': write {key} = "{value}"' if isinstance(value, int | float) and not isinstance(value, bool) else ""
        return f"must be text in quotes, got {_toml(value)}{hint}"
    if kind == "list_type":
        if len(path) == 1 and isinstance(value, dict):
            return f"write each entry as its own [[{key}]] table (double brackets)"
        return f'must be a list, e.g. {key} = ["financeiro"], got {_toml(value)}'
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        if len(path) == 1 and isinstance(value, list):
            return f"write [{key}] (single brackets): there is only one"
        return f"must be a table, got {_toml(value)}"
    if kind == "greater_than_equal":
        off = " (0 turns it off)" if key in {"offer_timeout_seconds", "queue_reminder_seconds"} else ""
        return f"must be {context.get('ge')} or more, got {_toml(value)}{off}"
    if kind in {"too_short", "string_too_short"}:
        return "must not be empty"
    cause = context.get("error")
    return str(cause) if cause is not None else error["msg"]


def _problems_from(exc: ValidationError, locate: Callable[[KeyPath], int | None]) -> list[Problem]:
    problems = []
    for error in exc.errors():
        path: KeyPath = tuple(part for part in error["loc"] if part != "[key]")
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, _HoursMistake):
            path = (*path, cause.key)
        problems.append(Problem(format_path(path), locate(path), _explain(error, path)))
    return problems


# --- checks across entries --------------------------------------------------------------------


def _tables(data: Mapping[str, Any], name: str) -> list[tuple[int, Mapping[str, Any]]]:
    entries = data.get(name)
    if not isinstance(entries, list):
        return []
    return [(index, entry) for index, entry in enumerate(entries) if isinstance(entry, dict)]


def _cross_check(data: Mapping[str, Any], locate: Callable[[KeyPath], int | None]) -> list[Problem]:
    """What no single entry can know: duplicates, references between entries, coverage.

    It reads the raw data defensively so that it still reports while entries have other mistakes.
    """

    def problem(path: KeyPath, message: str, *, warning: bool = False) -> Problem:
        return Problem(format_path(path), locate(path), message, warning)

    def where(path: KeyPath) -> str:
        line = locate(path)
        return f"{format_path(path)}, line {line}" if line else format_path(path)

    problems: list[Problem] = []
    departments = _tables(data, "departments")
    if "departments" not in data or data["departments"] == []:
        problems.append(problem(("departments",), "at least one [[departments]] table is needed"))

    known: dict[str, KeyPath] = {}
    names: dict[str, str] = {}
    for index, department in departments:
        key = department.get("key")
        if not isinstance(key, str):
            continue
        if key in known:
            problems.append(
                problem(("departments", index, "key"), f'"{key}" is already the key of {where(known[key])}')
            )
        else:
            known[key] = ("departments", index, "key")
            if isinstance(department.get("name"), str):
                names[department["name"].strip().lower()] = key

    phones: dict[str, tuple[KeyPath, str]] = {}
    served: set[str] = set()
    for index, agent in _tables(data, "agents"):
        phone, name = agent.get("phone"), agent.get("name")
        if isinstance(phone, str):
            if phone in phones:
                first, owner = phones[phone]
                problems.append(
                    problem(("agents", index, "phone"), f'"{phone}" is already {owner}\'s phone ({where(first)})')
                )
            else:
                phones[phone] = (("agents", index, "phone"), name if isinstance(name, str) else "another agent")
        chosen = agent.get("departments")
        if not isinstance(chosen, list):
            continue
        seen: set[str] = set()
        for position, choice in enumerate(chosen):
            if not isinstance(choice, str):
                continue
            path: KeyPath = ("agents", index, "departments", position)
            if choice in seen:
                problems.append(problem(path, f'"{choice}" is listed twice'))
            elif choice not in known:
                hint = f'; did you mean "{names[choice.strip().lower()]}"?' if choice.strip().lower() in names else ""
                hint = hint or _did_you_mean(choice, known)
                listing = ", ".join(known) or "none declared"
                problems.append(problem(path, f'unknown department "{choice}" (known: {listing}){hint}'))
            seen.add(choice)
        served |= seen

    for key, path in known.items():
        if key not in served:
            problems.append(
                problem(
                    path[:2], f'no agent serves "{key}": customers who choose it will wait until one does', warning=True
                )
            )
    return problems


# --- loading ----------------------------------------------------------------------------------

_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


def _syntax_problem(exc: tomllib.TOMLDecodeError, text: str) -> Problem:
    """tomllib's message and line, with a hint for the usual slips."""
    raw = str(exc)
    found = _TOML_POSITION.search(raw)
    message = raw[: found.start()] if found else raw
    line = int(found.group(1)) if found and found.group(1) else text.count("\n") + 1
    column = f" (column {found.group(2)})" if found and found.group(2) else ""
    declared = re.fullmatch(r"Cannot declare \((.*)\) twice", message)
    if message == "Invalid value":
        message = 'invalid value: text needs quotes (name = "Loja Exemplo"), times too ("08:00-18:00")'
    elif message == "Cannot overwrite a value":
        message = "this key is already set above in the same table"
    elif declared:
        table = ".".join(part.strip(" '\"") for part in declared.group(1).split(",") if part.strip())
        message = f"[{table}] is declared twice; use [[{table}]] for a list of entries"
    else:
        message = message[:1].lower() + message[1:]
    return Problem("", line, f"TOML syntax: {message}{column}")


def _missing_file(file: Path) -> Problem:
    return Problem(
        "",
        None,
        f"config file not found (looked for {file.absolute()}; ATENDE_CONFIG chooses the file, "
        f"default {DEFAULT_CONFIG_PATH}). Start from the example: cp {EXAMPLE_CONFIG} atende.toml",
    )


def _read(file: Path, label: str) -> str:
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ConfigError([_missing_file(file)], file=label) from None
    except OSError as exc:
        raise ConfigError([Problem("", None, f"cannot read the config file: {exc.strerror}")], file=label) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError([Problem("", line, "the file is not UTF-8 text; save it as UTF-8")], file=label) from None


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate `atende.toml`; every mistake at once in a `ConfigError`, never a traceback."""
    file = Path(path)
    label = str(file)
    text = _read(file, label)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_syntax_problem(exc, text)], file=label) from None
    locate = TomlLocator(text).line_of
    problems: list[Problem] = []
    config: Config | None = None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems.extend(_problems_from(exc, locate))
    problems.extend(_cross_check(data, locate))
    errors = sorted((p for p in problems if not p.warning), key=lambda p: (p.line or 0, p.path))
    warnings = sorted((p for p in problems if p.warning), key=lambda p: (p.line or 0, p.path))
    if errors or config is None:
        raise ConfigError(errors, file=label, warnings=warnings)
    config._warnings = tuple(warnings)
    return config


__all__ = [
    "DEFAULT_CONFIG_PATH",
    "DEFAULT_GRAPH_URL",
    "SERVE_VARIABLES",
    "AgentConfig",
    "BusinessConfig",
    "Config",
    "ConfigError",
    "DepartmentConfig",
    "Environment",
    "Problem",
    "ServiceConfig",
    "TimersConfig",
    "TomlLocator",
    "WhatsAppConfig",
    "describe_hours",
    "format_path",
    "load_config",
    "load_environment",
    "mask_url",
    "parse_hours",
]
