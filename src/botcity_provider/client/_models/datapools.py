"""Models of datapools: the pool, its fields, the settings we send, and listings (§4.9, §6.7-6.9).

Items (:class:`DatapoolEntry`) and counts (:class:`DatapoolSummary`) live in :mod:`.base`, where the
client's first datapool calls put them; they are re-exported here so one import serves the namespace.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from botcity_provider.client._models.base import (
    DatapoolEntry,
    DatapoolSummary,
    EntryState,
    IdText,
    Moment,
    OpenEnum,
    Response,
    UnverifiedResponse,
)

__all__ = [
    "ConsumptionPolicy",
    "Datapool",
    "DatapoolChanges",
    "DatapoolEntry",
    "DatapoolEntryListing",
    "DatapoolField",
    "DatapoolListing",
    "DatapoolOptions",
    "DatapoolSettings",
    "DatapoolSummary",
    "DatapoolTrigger",
    "EntryState",
    "FieldType",
]

FieldType = Literal["TEXT", "INTEGER", "DOUBLE"]
"""The type of a pool field, as the portal offers them."""


class ConsumptionPolicy(OpenEnum):
    """Which pending item of equal priority a bot gets first: the oldest (FIFO) or the newest (LIFO)."""

    FIFO = "FIFO"
    LIFO = "LIFO"


class DatapoolTrigger(OpenEnum):
    """When Maestro starts a task of the pool's default automation on a push."""

    ALWAYS = "ALWAYS"
    NEVER = "NEVER"
    NO_TASK_ACTIVE = "NO_TASK_ACTIVE"


class DatapoolField(BaseModel):
    """One field of a pool's schema: the key of a value in every item.

    Built by the caller too (``DatapoolField(label="order", type="INTEGER")``), so it is strict about
    what it is given: an unknown key or a wrong type is refused rather than dropped or converted.
    """

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True, strict=True
    )

    label: str = Field(min_length=1)
    """The key of the field's value in an item's ``values``."""
    type: FieldType = "TEXT"
    unique_id: bool = False
    """Maestro refuses a second item with the same value of this field."""
    display_value: bool = False
    """The portal shows this field's value to name the item."""


class _ServerField(DatapoolField):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)

    type: str = "TEXT"  # type: ignore[assignment]  # the server may know more types than we do

    @field_validator("unique_id", "display_value", mode="before")
    @classmethod
    def _null_is_false(cls, value: Any) -> Any:
        return False if value is None else value


class DatapoolSettings(BaseModel):
    """What we send to create a pool, beside its label: the official SDK's keys and defaults (§6.7).

    Strict: a setting with a wrong type or an unknown name is refused before any request.
    """

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True, strict=True
    )

    name: str | None = None
    """The name shown in the portal (the label when None)."""
    default_automation: str | None = None
    """Label of the automation a trigger starts; the server answers it as ``defaultActivity``."""
    consumption_policy: Literal["FIFO", "LIFO"] = "FIFO"
    fields: list[DatapoolField] = Field(default_factory=list, alias="schema")
    """The pool's schema, sent as ``schema``."""
    trigger: Literal["ALWAYS", "NEVER", "NO_TASK_ACTIVE"] = "NEVER"
    auto_retry: bool = True
    """Put a failed item back as pending, up to ``max_auto_retry`` times."""
    max_auto_retry: int = Field(default=0, ge=0)
    abort_on_error: bool = True
    """Deactivate the pool after ``max_errors_before_inactive`` failed items in a row."""
    max_errors_before_inactive: int = Field(default=0, ge=0)
    enable_processing_time: bool = True
    item_max_processing_time: int = Field(default=0, ge=0)
    """Minutes an item may stay PROCESSING before it is TIMEOUT (with ``enable_processing_time``)."""
    active: bool = True
    """An inactive pool still takes pushes but gives no item to a bot."""
    repository_label: str = "DEFAULT"


class DatapoolOptions(TypedDict, total=False):
    """The settings of :meth:`Datapools.create` beyond the common ones (see :class:`DatapoolSettings`)."""

    name: str | None
    trigger: Literal["ALWAYS", "NEVER", "NO_TASK_ACTIVE"]
    auto_retry: bool
    max_auto_retry: int
    abort_on_error: bool
    max_errors_before_inactive: int
    enable_processing_time: bool
    item_max_processing_time: int
    active: bool
    repository_label: str


class DatapoolChanges(DatapoolOptions, total=False):
    """The settings :meth:`Datapools.update` may change; those not given keep their value."""

    default_automation: str | None
    consumption_policy: Literal["FIFO", "LIFO"]
    fields: list[DatapoolField | dict[str, Any]]


class Datapool(Response):
    """A datapool as Maestro sends it: a queue of items that bots take one at a time."""

    id: IdText | None = None
    label: str
    """The pool's label: unique in the workspace, never reusable after deletion."""
    name: str | None = None
    default_automation: str | None = Field(
        default=None,
        alias="defaultActivity",
        validation_alias=AliasChoices("defaultActivity", "defaultAutomation", "default_automation"),
    )
    """Label of the automation a trigger starts (the server spells it ``defaultActivity``)."""
    consumption_policy: ConsumptionPolicy | None = None
    fields: list[_ServerField] = Field(
        default_factory=list, alias="schema", validation_alias=AliasChoices("schema", "fields")
    )
    """The pool's schema (``schema`` on the wire)."""
    trigger: DatapoolTrigger | None = None
    auto_retry: bool | None = None
    max_auto_retry: int | None = None
    abort_on_error: bool | None = None
    max_errors_before_inactive: int | None = None
    enable_processing_time: bool | None = None
    item_max_processing_time: int | None = None
    """Minutes an item may stay PROCESSING before it is TIMEOUT."""
    active: bool | None = None
    """An inactive pool still takes pushes but gives no item to a bot."""
    repository_label: str | None = None
    organization_label: str | None = None
    date_creation: Moment | None = None

    @field_validator("fields", mode="before")
    @classmethod
    def _null_fields(cls, value: Any) -> Any:
        return [] if value is None else value


class DatapoolListing(Datapool, UnverifiedResponse):
    """A datapool as the listing sends it (unverified route: fields nobody confirmed are kept in
    ``model_extra``)."""

    model_config = UnverifiedResponse.model_config


class DatapoolEntryListing(DatapoolEntry, UnverifiedResponse):
    """An item as the pool's view sends it (unverified route: fields nobody confirmed are kept in
    ``model_extra``)."""

    model_config = UnverifiedResponse.model_config
