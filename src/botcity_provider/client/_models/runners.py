"""Models of runners ("machines"): where bots run, their log and a count of the tasks they ran (§4.10).

Every one comes from an unverified route (BotCity's dashboard sample, a third-party client): only a
runner's ``name`` and ``isOnline`` are documented; the rest, and the shapes of the log and the tasks
summary, are guesses. Fields nobody has confirmed are kept in ``model_extra``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from botcity_provider.client._models.base import IdText, Moment, UnverifiedResponse

__all__ = ["Runner", "RunnerLogLine", "RunnerTasksSummary"]


class Runner(UnverifiedResponse):
    """A runner ("machine") of the workspace, online or not (unverified route)."""

    machine_id: IdText | None = None
    """The runner's id: the ``machineId`` of the tasks it picks up."""
    name: str | None = None
    is_online: bool = False
    """Connected to Maestro now; a runner that says nothing is taken to be offline."""
    type: str | None = None
    version: str | None = None
    """The runner software's version, where it reports one."""
    organization_label: str | None = None
    date_creation: Moment | None = None
    date_last_connection: Moment | None = None

    @field_validator("is_online", mode="before")
    @classmethod
    def _null_is_offline(cls, value: Any) -> Any:
        return False if value is None else value


class RunnerLogLine(UnverifiedResponse):
    """One line of a runner's log (unverified: the shape is a guess, unknown fields are kept)."""

    message: str | None = None
    level: str | None = None
    date_creation: Moment | None = None
    machine_id: IdText | None = None
    id: IdText | None = None


class RunnerTasksSummary(UnverifiedResponse):
    """Counts of a runner's tasks of the last ``days`` days (unverified: the shape is a guess)."""

    machine_id: IdText | None = None
    days: int | None = None
    """The look-back window the counts cover."""
    since: Moment | None = None
    total: int = 0
    """Tasks the runner picked up in the window."""
    states: dict[str, int] = Field(default_factory=dict)
    """Count per task state (``START``, ``RUNNING``, ``FINISHED``, ``CANCELED``…)."""
    finish_statuses: dict[str, int] = Field(default_factory=dict)
    """Count per finish status of the finished ones (``SUCCESS``, ``FAILED``, ``PARTIALLY_COMPLETED``)."""

    @field_validator("states", "finish_statuses", mode="before")
    @classmethod
    def _null_counts(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("total", mode="before")
    @classmethod
    def _null_is_zero(cls, value: Any) -> Any:
        return 0 if value is None else value
