"""Model of a deployed bot version (maestro-api.md §4.10): unverified, as every bot route is."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from botcity_provider.client._models.base import IdText, Moment, UnverifiedResponse

__all__ = ["BotVersion"]


class BotVersion(UnverifiedResponse):
    """One version of a bot, as the bot routes send it (unverified: only ``botId`` and ``version`` are
    named by a source; the other fields are guesses, and whatever else the server sends is kept in
    ``model_extra``)."""

    bot_id: IdText
    """The bot's id, the name it is deployed under."""
    version: IdText
    """The version's name (``"1.0"``, ``"v2"``): a bot has one file per version."""
    id: IdText | None = None
    technology: str | None = None
    """What the runner starts the bot with (``PYTHON``, ``JAVA``...)."""
    command: str | None = None
    """The command line the runner runs, for a technology that needs one."""
    released: bool = False
    """Whether this version is released."""
    file_name: str | None = None
    """The uploaded file's name; ``None`` before the upload."""
    size: int | None = None
    """The uploaded file's size in bytes."""
    organization_label: str | None = None
    repository_label: str | None = None
    date_creation: Moment | None = None
    date_last_modified: Moment | None = None
    date_release: Moment | None = None

    @field_validator("released", mode="before")
    @classmethod
    def _null_is_false(cls, value: Any) -> Any:
        return False if value is None else value
