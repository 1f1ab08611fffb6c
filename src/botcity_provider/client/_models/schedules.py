"""Models of schedules: cron-timed tasks of an automation (unverified routes, ``maestro-api.md`` §4.10)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from botcity_provider.client._models.base import IdText, Moment, UnverifiedResponse

__all__ = ["Schedule", "ScheduleBody"]


class Schedule(UnverifiedResponse):
    """A schedule as Maestro sends it (unverified: only ``cron``, ``activityLabel`` and ``parameters`` are
    seen in a third-party source; every other field, and any the model lacks, is a guess or in
    ``model_extra``)."""

    id: IdText
    """The schedule's id, the one ``get``, ``update`` and ``delete`` take."""
    activity_label: str | None = None
    """The automation each firing creates a task for."""
    cron: str | None = None
    """When it fires: a Quartz expression (seconds first), read in UTC."""
    time_zone: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    """Parameters of every task it creates."""
    active: bool | None = None
    """False while the schedule is paused."""
    test: bool | None = None
    """Its tasks are test tasks (left out of Maestro's reports)."""
    priority: int | None = None
    """Priority of its tasks, 0 (lowest) to 10."""
    description: str | None = None
    organization_label: str | None = None
    date_creation: Moment | None = None
    date_last_modified: Moment | None = None

    @field_validator("parameters", mode="before")
    @classmethod
    def _null_parameters(cls, value: Any) -> Any:
        return {} if value is None else value


class ScheduleBody(BaseModel):
    """Body of a schedule's create (POST) and replace (PUT): what we send, so unknown keys are a bug."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    activity_label: str | None = None
    cron: str | None = None
    parameters: dict[str, Any] | None = None
    active: bool | None = None
    test: bool | None = None
    priority: int | None = None
    description: str | None = None

    def wire(self) -> dict[str, Any]:
        """The JSON body; fields left unknown (``None``) are not sent."""
        return self.model_dump(by_alias=True, exclude_none=True)
