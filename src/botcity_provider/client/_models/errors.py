"""Models of the errors bots report, as the unverified read routes send them (§4.7, §6.6)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from botcity_provider.client._models.base import TaskError, UnverifiedResponse

__all__ = ["ReportedError", "TaskError"]


class ReportedError(TaskError, UnverifiedResponse):
    """An error as ``GET /api/v2/error`` and ``GET /api/v2/error/{id}`` send it (unverified routes:
    fields nobody confirmed, such as the names of its screenshot and attachments, are kept in
    ``model_extra``)."""

    model_config = UnverifiedResponse.model_config

    tags: dict[str, Any] = Field(default_factory=dict)
    """The tags sent with the report: the reporter's host, system and Python, and the caller's own."""

    @field_validator("tags", mode="before")
    @classmethod
    def _null_tags(cls, value: Any) -> Any:
        return {} if value is None else value
