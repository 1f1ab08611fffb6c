"""Models of an automation's tabular log: its columns, its definition and its entries (§6.5)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from botcity_provider.client._models.base import IdText, Moment, Response

__all__ = ["Log", "LogColumn", "LogEntry"]


class LogColumn(BaseModel):
    """One column of a log, as it is defined and as Maestro sends it back.

    Built by the caller too (``LogColumn(name="Amount", label="amount")``), so it is strict about what
    it is given: an unknown key is refused rather than dropped.
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    """The title shown in the portal."""
    label: str = Field(min_length=1)
    """The key of the column's value in every entry (entries are written by label, not by name)."""
    width: int = Field(default=300, ge=1)
    """Width in the portal, in pixels (the official SDK's default is 300)."""
    visible: bool | None = None
    """Shown in the portal (only the C# SDK sends it)."""


class _ServerColumn(LogColumn):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)

    width: int = 300

    @field_validator("width", mode="before")
    @classmethod
    def _null_width(cls, value: Any) -> Any:
        return 300 if value is None else value


class Log(Response):
    """The definition of an automation's log: which columns its entries have."""

    id: IdText | None = None
    """Maestro's id of the log (seen as ``<workspace>-<activity label>``)."""
    activity_label: str | None = None
    """The automation whose log this is; the log is addressed by it."""
    label: str | None = None
    organization_label: str | None = None
    repository_label: str | None = None
    date_creation: Moment | None = None
    columns: list[_ServerColumn] = Field(default_factory=list)
    """The columns, in order; never empty for a log Maestro accepted."""

    @field_validator("columns", mode="before")
    @classmethod
    def _null_columns(cls, value: Any) -> Any:
        return [] if value is None else value

    @property
    def labels(self) -> list[str]:
        """The column labels, the keys an entry is written with."""
        return [column.label for column in self.columns]


class LogEntry(Response):
    """One row of a log."""

    columns: dict[str, Any] = Field(default_factory=dict)
    """The values, keyed by column label; Maestro fills a column the row lacks with ``""``."""
    date_creation: Moment | None = None
    """When the row was added (UTC)."""

    @field_validator("columns", mode="before")
    @classmethod
    def _null_columns(cls, value: Any) -> Any:
        return {} if value is None else value
