"""The shape of `atende.toml` as pydantic models, one per table.

`Config.to_settings()` turns the validated file into the plain settings the use cases consume.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from atende.application.retention import META_RETRY_DAYS
from atende.application.settings import AgentProfile, Settings
from atende.application.texts import TextOverride
from atende.config.fields import (
    Holiday,
    Hours,
    Key,
    Locale,
    Name,
    Phone,
    TemplateLanguage,
    TemplateName,
    TimeZone,
    UserId,
)
from atende.config.hours import Holiday as HolidayValue
from atende.config.problems import Problem
from atende.domain.department import Department, Holidays, OpeningHours

MIN_RETENTION_DAYS = META_RETRY_DAYS + 1


class _Table(BaseModel):
    """Unknown keys are errors (a typo must not silently become a default); no type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class BusinessConfig(_Table):
    name: Name
    locale: Locale = "pt-BR"
    timezone: TimeZone = "America/Sao_Paulo"
    holidays: list[Holiday] = Field(default_factory=list)
    """Days every department with opening hours is closed."""


class DepartmentConfig(_Table):
    key: Key
    name: Name
    description: str = ""
    hours: Hours = None
    """Opening hours in the business time zone; None (left out) = always open."""
    holidays: list[Holiday] = Field(default_factory=list)
    """Days this department is closed besides the business's holidays (it needs hours)."""


class AgentConfig(_Table):
    name: Name
    phone: Phone | None = None
    user_id: UserId | None = None
    """Her business-scoped user id (BSUID): for an agent with a username, whose number Meta may not send."""
    supervisor: bool = False
    """Also gets the supervisor commands; declared before `departments`, which it may leave empty."""
    departments: list[str]
    capacity: int = Field(default=1, ge=1)

    @field_validator("departments")
    @classmethod
    def _serves_something(cls, departments: list[str], info: ValidationInfo) -> list[str]:
        if not departments and not info.data.get("supervisor"):
            raise ValueError(
                "must not be empty: an agent serves at least one department (only a supervisor = true may serve none)"
            )
        return departments

    @model_validator(mode="after")
    def _named(self) -> Self:
        if self.phone is None and self.user_id is None:
            raise ValueError(
                'an agent needs phone = "…" (her WhatsApp number, digits only) or user_id = "…" '
                "(her business-scoped user id, for an agent known by username), or both"
            )
        return self


class TimersConfig(_Table):
    queue_reminder_seconds: int = Field(default=300, ge=0)
    offer_timeout_seconds: int = Field(default=180, ge=0)
    position_update_seconds: int = Field(default=120, ge=0)


class IdleConfig(_Table):
    """How long a conversation may stay silent before it ends by itself (docs/adr/0009-idle-rules.md)."""

    menu_hours: int = Field(default=12, ge=0)
    rating_hours: int = Field(default=12, ge=0)
    assigned_hours: int = Field(default=20, ge=0)


class IntakeConfig(_Table):
    """How often a stored notification that fails by itself is tried before it is set aside
    (docs/adr/0014-intake-faults-and-batches.md); storage's own trouble is never counted."""

    attempts: int = Field(default=5, ge=1)


class WhatsAppConfig(_Table):
    agent_reopen_template: TemplateName = "atende_agente"
    customer_reopen_template: TemplateName | None = None
    """Reaches a customer whose 24 h window has closed; left out, agents are warned instead."""
    template_language: TemplateLanguage = "pt_BR"


class ServiceConfig(_Table):
    rating: bool = True
    history_lines: int = Field(default=10, ge=1)


class StorageConfig(_Table):
    retention_days: int = 30
    """Handled arrivals, handled-message keys and sent messages are pruned after this many days
    (the conversations, transcripts and events are kept)."""

    @field_validator("retention_days")
    @classmethod
    def _outlives_redeliveries(cls, days: int) -> int:
        if days < MIN_RETENTION_DAYS:
            raise ValueError(
                f"must be {MIN_RETENTION_DAYS} or more, got {days}: Meta re-delivers a notification for up to "
                f"{META_RETRY_DAYS} days, and the key that recognises a re-delivery must outlive that"
            )
        return days


class Config(_Table):
    """The validated `atende.toml`. `warnings` holds the doubtful choices that did not stop loading."""

    business: BusinessConfig
    departments: list[DepartmentConfig] = Field(default_factory=list)
    agents: list[AgentConfig] = Field(default_factory=list)
    timers: TimersConfig = Field(default_factory=TimersConfig)
    whatsapp: WhatsAppConfig = Field(default_factory=WhatsAppConfig)
    service: ServiceConfig = Field(default_factory=ServiceConfig)
    idle: IdleConfig = Field(default_factory=IdleConfig)
    intake: IntakeConfig = Field(default_factory=IntakeConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    texts: dict[str, Any] = Field(default_factory=dict)
    """Catalog sentences replaced per key; checked against the catalog by `atende.config.texts`."""
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
                    hours=OpeningHours(
                        zone, dict(department.hours), _holidays([*self.business.holidays, *department.holidays])
                    )
                    if department.hours
                    else None,
                )
                for department in self.departments
            ),
            agents=tuple(
                AgentProfile(
                    agent.phone or agent.user_id or "",
                    agent.name,
                    tuple(agent.departments),
                    agent.capacity,
                    user_id=agent.user_id or "",
                    supervisor=agent.supervisor,
                )
                for agent in self.agents
            ),
            locale=self.business.locale,
            timezone=zone,
            agent_reopen_template=self.whatsapp.agent_reopen_template,
            customer_reopen_template=self.whatsapp.customer_reopen_template,
            template_language=self.whatsapp.template_language,
            queue_reminder_seconds=self.timers.queue_reminder_seconds,
            offer_timeout_seconds=self.timers.offer_timeout_seconds,
            position_update_seconds=self.timers.position_update_seconds,
            rating=self.service.rating,
            history_lines=self.service.history_lines,
            retention_days=self.storage.retention_days,
            menu_idle_hours=self.idle.menu_hours,
            rating_idle_hours=self.idle.rating_hours,
            assigned_idle_hours=self.idle.assigned_hours,
            intake_attempts=self.intake.attempts,
            text_overrides={key: _override(value) for key, value in self.texts.items()},
        )


def _holidays(days: Sequence[HolidayValue]) -> Holidays:
    return Holidays(
        frozenset(day for day in days if isinstance(day, date)),
        frozenset(day for day in days if isinstance(day, tuple)),
    )


def _override(value: object) -> TextOverride:
    """A `[texts]` value as the catalog holds it: lists become tuples (already checked)."""
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    if isinstance(value, dict):
        return {str(key): str(item) for key, item in value.items()}
    return str(value)
