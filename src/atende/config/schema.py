"""The shape of `atende.toml` as pydantic models, one per table.

`Config.to_settings()` turns the validated file into the plain settings the use cases consume.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from atende.application.settings import AgentProfile, Settings
from atende.config.fields import Hours, Key, Locale, Name, Phone, TemplateLanguage, TemplateName, TimeZone, UserId
from atende.config.problems import Problem
from atende.domain.department import Department, OpeningHours


class _Table(BaseModel):
    """Unknown keys are errors (a typo must not silently become a default); no type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class BusinessConfig(_Table):
    name: Name
    locale: Locale = "pt-BR"
    timezone: TimeZone = "America/Sao_Paulo"


class DepartmentConfig(_Table):
    key: Key
    name: Name
    description: str = ""
    hours: Hours = None
    """Opening hours in the business time zone; None (left out) = always open."""


class AgentConfig(_Table):
    name: Name
    phone: Phone | None = None
    user_id: UserId | None = None
    """Her business-scoped user id (BSUID): for an agent with a username, whose number Meta may not send."""
    departments: list[str] = Field(min_length=1)
    capacity: int = Field(default=1, ge=1)

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


class WhatsAppConfig(_Table):
    agent_reopen_template: TemplateName = "atende_agente"
    customer_reopen_template: TemplateName | None = None
    """Reaches a customer whose 24 h window has closed; left out, agents are warned instead."""
    template_language: TemplateLanguage = "pt_BR"


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
                AgentProfile(
                    agent.phone or agent.user_id or "",
                    agent.name,
                    tuple(agent.departments),
                    agent.capacity,
                    user_id=agent.user_id or "",
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
        )
