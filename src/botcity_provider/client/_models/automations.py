"""Models of automations ("activities"): what bots can run, with their declared parameters (§4.10).

Both come from unverified routes (BotCity's dashboard sample, the n8n node): fields nobody has confirmed
are kept in ``model_extra``, so what the real server sends is never lost where these models guessed wrong.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from botcity_provider.client._models.base import IdText, Moment, UnverifiedResponse

__all__ = ["Automation", "AutomationParameter"]


class AutomationParameter(UnverifiedResponse):
    """One parameter an automation declares (unverified: the n8n node reads ``label``, ``type`` and
    ``required``)."""

    label: str
    """The key of the parameter in a task's ``parameters``."""
    type: str | None = None
    """Its kind as Maestro names it (``TEXT``, ``INTEGER``, ``DOUBLE``…); kept as text, since the full set
    of names is unknown."""
    required: bool = False
    """Whether a task must give it."""

    @field_validator("required", mode="before")
    @classmethod
    def _null_is_false(cls, value: Any) -> Any:
        return False if value is None else value


class Automation(UnverifiedResponse):
    """An automation ("activity") of the workspace: the label tasks are created with (unverified route)."""

    label: str
    """The label a task names in ``activityLabel``."""
    id: IdText | None = None
    name: str | None = None
    """The display name in the portal."""
    description: str | None = None
    parameters: list[AutomationParameter] = Field(default_factory=list)
    """The parameters it declares, in the portal's order; empty when it declares none."""
    organization_label: str | None = None
    repository_label: str | None = None
    date_creation: Moment | None = None

    @field_validator("parameters", mode="before")
    @classmethod
    def _null_parameters(cls, value: Any) -> Any:
        return [] if value is None else value

    @property
    def required_parameters(self) -> list[str]:
        """The labels of the parameters a task must give."""
        return [parameter.label for parameter in self.parameters if parameter.required]
