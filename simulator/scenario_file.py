"""The scenario file: a TOML script of who writes what, when time passes, and what must arrive.

Parsing is strict on purpose. A scenario is a test: a misspelt key that is silently ignored
would make a step do nothing and an expectation pass for the wrong reason. So every key is
checked, every problem is collected (not just the first), and each is reported with the step
and the line of its `[[step]]` header, so the author can fix the file in one go.

Reference (see also examples/scenarios/):

    title = "…"                       # optional
    config = "../atende.toml"         # path relative to this file, or an inline [config] table
    start = 2026-03-02T13:00:00Z      # optional: the simulated clock's start (opening hours)
    seed = 7                          # optional: conversation codes repeat from run to run
    tick_seconds = 5                  # optional: how often timers run while waiting

    [[step]]
    customer = "Maria"                # a friendly name; a phone is assigned on first use
    name = "Maria Silva"              # optional WhatsApp profile name (default: the friendly name)
    phone = "5511987654321"           # optional
    user_id = "BR.1349120865530274"   # optional BSUID; without a phone, Meta names her only by it
    says = "Oi"                       # or chooses / sends (+ caption, filename) / location / contact / reacts (+ on)
    reply_to = "boleto"               # optional swipe-reply to the latest message received containing it
    expect = [{ window = "Ana", contains = "🔔" }]
    expect_not = [{ window = "Bruno" }]          # received nothing at all during this step

    [[step]]
    agent = "Ana"                     # an agent of the config, by name
    says = "/entrar"

    [[step]]
    wait = 300                        # seconds; timers tick as `atende serve` runs them

    [[expect]]                        # checked on whole transcripts at the end
    window = "Maria"
    contains = "Obrigado pela avaliação"
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .scenario import (
    DEFAULT_START,
    MEDIA_KINDS,
    Action,
    Choose,
    Expectation,
    React,
    Role,
    Say,
    Scenario,
    ScenarioError,
    SendMedia,
    ShareContact,
    ShareLocation,
    Step,
    Wait,
    Write,
)


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; raises ScenarioError with every problem found."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(path, [f"cannot read the file ({error.__class__.__name__}: {error})"]) from None
    return parse_scenario(raw, path)


def parse_scenario(raw: str, source: Path) -> Scenario:
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(source, [f"not valid TOML: {error}"]) from None
    return _Parser(raw, source).scenario(data)


_TOP_KEYS = ("title", "description", "config", "start", "seed", "tick_seconds", "step", "expect", "expect_not")
_ACTIONS = ("says", "chooses", "sends", "location", "contact", "reacts")
_WRITE_KEYS = (*_ACTIONS, "caption", "filename", "on", "reply_to", "note", "expect", "expect_not")
_CUSTOMER_KEYS = ("customer", "name", "phone", "user_id", *_WRITE_KEYS)
_AGENT_KEYS = ("agent", *_WRITE_KEYS)
_WAIT_KEYS = ("wait", "note", "expect", "expect_not")
_EXPECT_KEYS = ("window", "contains", "count")
_EXPECT_NOT_KEYS = ("window", "contains")
_LOCATION_KEYS = ("latitude", "longitude", "name", "address")
_CONTACT_KEYS = ("name", "phone")


@dataclass
class _Parser:
    raw: str
    source: Path
    problems: list[str] = field(default_factory=list)

    def scenario(self, data: dict[str, Any]) -> Scenario:
        self._unknown_keys(data, _TOP_KEYS, "the scenario")
        title = self._text(data, "title", "the scenario") or self.source.stem
        description = self._text(data, "description", "the scenario")
        config = self._config(data)
        start = self._start(data)
        seed = data.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int):
            self.problems.append(f"seed must be a whole number (got {seed!r})")
            seed = 0
        tick = data.get("tick_seconds", 5.0)
        if isinstance(tick, bool) or not isinstance(tick, int | float):
            self.problems.append(f"tick_seconds must be a number of seconds (got {tick!r})")
            tick = 5.0
        if tick <= 0:
            self.problems.append("tick_seconds must be more than 0")
        steps = self._steps(data.get("step"))
        final = self._final(data, "expect") + self._final(data, "expect_not")
        if self.problems:
            raise ScenarioError(self.source, self.problems)
        assert config is not None
        return Scenario(
            self.source,
            title,
            config,
            tuple(steps),
            tuple(final),
            start,
            int(seed),
            float(tick),
            description,
            self._line_of(r"config\s*=|\[config\]", 0),
        )

    # top level

    def _config(self, data: dict[str, Any]) -> Path | dict[str, Any] | None:
        value = data.get("config")
        if isinstance(value, str) and value.strip():
            return (self.source.parent / value).resolve()
        if isinstance(value, dict):
            return value
        if value is None:
            self.problems.append(
                'config is missing: name a config file (config = "../atende.toml") or write an inline [config] table'
            )
        else:
            self.problems.append("config must be a file path (a string) or an inline [config] table")
        return None

    def _start(self, data: dict[str, Any]) -> datetime:
        value = data.get("start", DEFAULT_START)
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=UTC)
        self.problems.append("start must be a TOML date-time, like start = 2026-03-02T13:00:00Z")
        return DEFAULT_START

    def _steps(self, value: object) -> list[Step]:
        if value is None:
            self.problems.append("the scenario has no steps: add at least one [[step]]")
            return []
        if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
            self.problems.append("step must be an array of tables: write each one as [[step]]")
            return []
        steps = []
        for index, table in enumerate(value):
            step = self._step(index + 1, table, self._line_of(r"\[\[\s*step\s*\]\]", index))
            if step is not None:
                steps.append(step)
        return steps

    def _final(self, data: dict[str, Any], key: str) -> list[Expectation]:
        value = data.get(key)
        if value is None:
            return []
        tables = value if isinstance(value, list) else [value]
        if not all(isinstance(t, dict) for t in tables):
            self.problems.append(f"{key} at the top level must be tables: write each one as [[{key}]]")
            return []
        pattern = rf"\[\[\s*{key}\s*\]\]"
        found = []
        for index, table in enumerate(tables):
            line = self._line_of(pattern, index)
            where = f"[[{key}]] #{index + 1}" + (f" (line {line})" if line else "")
            expectation = self._expectation(table, where, negated=key == "expect_not", line=line)
            if expectation is not None:
                found.append(expectation)
        return found

    # steps

    def _step(self, number: int, table: dict[str, Any], line: int | None) -> Step | None:
        where = f"step {number}" + (f" (line {line})" if line else "")
        kinds = [k for k in ("customer", "agent", "wait") if k in table]
        if len(kinds) != 1:
            self.problems.append(
                f"{where}: a step has exactly one of customer = …, agent = … or wait = …"
                + (f" (found {', '.join(kinds)})" if kinds else "")
            )
            return None
        before = len(self.problems)
        event: Write | Wait | None
        match kinds[0]:
            case "wait":
                self._unknown_keys(table, _WAIT_KEYS, where)
                seconds = table["wait"]
                if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
                    self.problems.append(f"{where}: wait must be a number of seconds greater than 0")
                    event = None
                else:
                    event = Wait(float(seconds))
            case "customer":
                self._unknown_keys(table, _CUSTOMER_KEYS, where)
                event = self._write(Role.CUSTOMER, table, where)
            case _:
                self._unknown_keys(table, _AGENT_KEYS, where)
                event = self._write(Role.AGENT, table, where)
        expectations = [
            *self._expectations(table, "expect", where, line),
            *self._expectations(table, "expect_not", where, line),
        ]
        note = self._text(table, "note", where)
        if event is None or len(self.problems) > before:
            return None
        return Step(number, event, tuple(expectations), note, line)

    def _write(self, role: Role, table: dict[str, Any], where: str) -> Write | None:
        who = self._text(table, role.value, where).strip()
        if not who:
            self.problems.append(f'{where}: {role.value} must name someone, like {role.value} = "Maria"')
        phone = self._optional_text(table, "phone", where)
        if phone is not None and not (phone.isdigit() and 8 <= len(phone) <= 15):
            self.problems.append(f"{where}: phone must be 8 to 15 digits, country code first (got {phone!r})")
        user_id = self._optional_text(table, "user_id", where)
        if user_id is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]{0,255}", user_id):
            self.problems.append(
                f'{where}: user_id is a business-scoped user id, like "BR.13491208655302741918" (got {user_id!r})'
            )
        action = self._action(table, where)
        reply_to = self._optional_text(table, "reply_to", where)
        if reply_to is not None and not reply_to:
            self.problems.append(f"{where}: reply_to must not be empty")
        if action is None or not who:
            return None
        return Write(role, who, action, reply_to, phone, self._optional_text(table, "name", where), user_id)

    def _action(self, table: dict[str, Any], where: str) -> Action | None:
        given = [k for k in _ACTIONS if k in table]
        if len(given) != 1:
            shown = ", ".join(given) if given else "none"
            self.problems.append(f"{where}: say what they do with exactly one of {', '.join(_ACTIONS)} (found {shown})")
            return None
        key = given[0]
        self._only_with(table, "caption", "sends", key, where)
        self._only_with(table, "filename", "sends", key, where)
        self._only_with(table, "on", "reacts", key, where)
        match key:
            case "says":
                text = self._text(table, "says", where)
                if not text.strip():
                    self.problems.append(f"{where}: says must not be empty")
                return Say(text)
            case "chooses":
                option = self._text(table, "chooses", where).strip()
                if not option:
                    self.problems.append(f"{where}: chooses must name an option (its title, key or number)")
                return Choose(option)
            case "sends":
                kind = self._text(table, "sends", where)
                if kind not in MEDIA_KINDS:
                    self.problems.append(f"{where}: sends must be one of {', '.join(MEDIA_KINDS)} (got {kind!r})")
                return SendMedia(kind, self._text(table, "caption", where), self._text(table, "filename", where))
            case "location":
                return self._location(table.get("location"), where)
            case "contact":
                return self._contact(table.get("contact"), where)
            case _:
                emoji = self._text(table, "reacts", where)
                on = self._text(table, "on", where)
                if not on:
                    self.problems.append(f'{where}: reacts needs on = "…", text of the message to react to')
                return React(emoji, on)

    def _location(self, value: object, where: str) -> ShareLocation | None:
        if not isinstance(value, dict):
            self.problems.append(f"{where}: location must be a table, like {{ latitude = -23.56, longitude = -46.65 }}")
            return None
        self._unknown_keys(value, _LOCATION_KEYS, f"{where} location")
        numbers = [value.get("latitude"), value.get("longitude")]
        if not all(isinstance(n, int | float) and not isinstance(n, bool) for n in numbers):
            self.problems.append(f"{where}: location needs numeric latitude and longitude")
            return None
        latitude, longitude = (float(n) for n in numbers)  # type: ignore[arg-type]
        return ShareLocation(
            latitude,
            longitude,
            self._text(value, "name", f"{where} location"),
            self._text(value, "address", f"{where} location"),
        )

    def _contact(self, value: object, where: str) -> ShareContact | None:
        if not isinstance(value, dict):
            self.problems.append(f'{where}: contact must be a table, like {{ name = "Ana", phone = "5511999990001" }}')
            return None
        self._unknown_keys(value, _CONTACT_KEYS, f"{where} contact")
        name = self._text(value, "name", f"{where} contact")
        phone = self._text(value, "phone", f"{where} contact")
        if not name.strip():
            self.problems.append(f"{where}: contact needs a name")
            return None
        return ShareContact(name, phone)

    # expectations

    def _expectations(self, table: dict[str, Any], key: str, where: str, line: int | None) -> Iterator[Expectation]:
        value = table.get(key)
        if value is None:
            return
        tables = value if isinstance(value, list) else [value]
        if not all(isinstance(t, dict) for t in tables):
            self.problems.append(
                f'{where}: {key} must be a list of tables, like {key} = [{{ window = "Ana", contains = "🔔" }}]'
            )
            return
        for table_ in tables:
            expectation = self._expectation(table_, where, negated=key == "expect_not", line=line)
            if expectation is not None:
                yield expectation

    def _expectation(self, table: dict[str, Any], where: str, *, negated: bool, line: int | None) -> Expectation | None:
        key = "expect_not" if negated else "expect"
        self._unknown_keys(table, _EXPECT_NOT_KEYS if negated else _EXPECT_KEYS, f"{where} {key}")
        window = self._text(table, "window", where).strip()
        if not window:
            self.problems.append(f'{where}: every {key} names a window, like window = "Ana"')
        contains = self._optional_text(table, "contains", where)
        if contains is not None and not contains:
            self.problems.append(f"{where}: {key} contains must not be empty")
        if contains is None and not negated:
            self.problems.append(f'{where}: expect needs contains = "…" (the text that must arrive)')
        count = table.get("count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            self.problems.append(f"{where}: count must be a whole number, 0 or more")
            count = None
        if not window or (contains is None and not negated):
            return None
        return Expectation(window, contains, negated, count, line)

    # small readers

    def _text(self, table: dict[str, Any], key: str, where: str) -> str:
        value = table.get(key, "")
        if not isinstance(value, str):
            self.problems.append(f"{where}: {key} must be text in quotes (got {value!r})")
            return ""
        return value

    def _optional_text(self, table: dict[str, Any], key: str, where: str) -> str | None:
        return self._text(table, key, where) if key in table else None

    def _only_with(self, table: dict[str, Any], key: str, needs: str, action: str, where: str) -> None:
        if key in table and action != needs:
            self.problems.append(f"{where}: {key} only goes with {needs}")

    def _unknown_keys(self, table: dict[str, Any], known: tuple[str, ...], where: str) -> None:
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
                self.problems.append(f"{where}: unknown key {key!r}{hint}")

    def _line_of(self, header: str, index: int) -> int | None:
        """The line of the index-th header matching `header`, when the file is written that way."""
        pattern = re.compile(rf"^\s*(?:{header})")
        lines = [n for n, text in enumerate(self.raw.splitlines(), 1) if pattern.match(text)]
        return lines[index] if index < len(lines) else None
