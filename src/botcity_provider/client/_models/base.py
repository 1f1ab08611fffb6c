"""Typed models of tasks, artifacts, alerts, pages and the login (pydantic v2).

Response models ignore fields they do not know and tolerate ``null`` where the server may send it, so
a server that grows a field or a state does not break a running DAG. Enumerations accept values they
have never seen: ``TaskState("SOMETHING_NEW")`` is a valid, non-terminal state rather than a crash.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
)
from pydantic.alias_generators import to_camel

__all__ = [
    "TERMINAL_STATES",
    "Alert",
    "AlertType",
    "Artifact",
    "DatapoolEntry",
    "DatapoolSummary",
    "EntryState",
    "FinishStatus",
    "IdText",
    "LoginResult",
    "Moment",
    "OpenEnum",
    "Page",
    "Response",
    "Task",
    "TaskError",
    "TaskState",
    "UnverifiedResponse",
    "utc_if_naive",
]

ModelT = TypeVar("ModelT", bound=BaseModel)


def _as_text(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


IdText = Annotated[str, BeforeValidator(_as_text)]
"""An id Maestro sends as a number or as text (SDKs disagree), kept as text."""


class OpenEnum(StrEnum):
    """A string enum that turns an unknown value into a pseudo-member instead of raising."""

    @classmethod
    def _missing_(cls, value: object) -> OpenEnum | None:
        if not isinstance(value, str) or not value:
            return None
        member = str.__new__(cls, value)
        member._name_ = value.upper()
        member._value_ = value
        # Cached so that the same unknown value always maps to the same object.
        cls._value2member_map_[value] = member
        return member


class TaskState(OpenEnum):
    """Where a task is in its life. ``TIMEOUT`` (2026) can still move on to FINISHED."""

    START = "START"
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    CANCELED = "CANCELED"
    TIMEOUT = "TIMEOUT"

    @property
    def is_terminal(self) -> bool:
        """True once the task will not change by itself: FINISHED or CANCELED."""
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset({TaskState.FINISHED, TaskState.CANCELED})


class FinishStatus(OpenEnum):
    """How a finished task ended, as the bot reported it."""

    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    PARTIALLY_COMPLETED = "PARTIALLY_COMPLETED"


class AlertType(OpenEnum):
    """Severity of an alert shown in the Maestro portal."""

    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


def utc_if_naive(moment: datetime) -> datetime:
    # Maestro sends some dates without a zone, and they are UTC; aware dates compare with any other.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


Moment = Annotated[datetime, AfterValidator(utc_if_naive)]
"""A date from the server, always timezone-aware (UTC when the server gave no zone)."""


class Response(BaseModel):
    """Base of every response model: camelCase on the wire, unknown keys ignored, immutable."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)


class UnverifiedResponse(Response):
    """Base of the models of unverified routes (:mod:`.._routes`): fields nobody has confirmed are kept,
    in ``model_extra``, so a user can read what the real server sent where the model guessed wrong."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True)


class LoginResult(Response):
    """Answer of the login route. The token is excluded from ``repr`` so it cannot leak into a log."""

    access_token: SecretStr = Field(repr=False, min_length=1)
    organization_label: str | None = None


class Task(Response):
    """A Maestro task: one run of an automation (activity) by a bot on a runner."""

    id: int
    """Task id, unique in the workspace."""
    state: TaskState
    activity_label: str | None = None
    """Label of the automation the task runs."""
    activity_name: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    """Parameters given at creation, passed to the bot."""
    finish_status: FinishStatus | None = None
    """How the bot ended: set once the state is FINISHED."""
    finish_message: str | None = None
    """The bot's own words about how it ended."""
    priority: int | None = None
    test: bool = False
    interrupted: bool = False
    """A cooperative stop was requested; the bot is expected to notice and stop."""
    killed: bool = False
    """A forced stop was requested from the runner."""
    machine_id: IdText | None = None
    """Runner that picked the task up."""
    agent_id: IdText | None = None
    user_email: str | None = None
    organization_label: str | None = None
    repository_label: str | None = None
    date_creation: Moment | None = None
    date_last_modified: Moment | None = None
    date_start_running: Moment | None = None
    min_execution_date: Moment | None = None
    total_items: int | None = None
    """Items the bot reported in all; ``None`` when it reports none."""
    processed_items: int | None = None
    failed_items: int | None = None

    @field_validator("parameters", mode="before")
    @classmethod
    def _null_parameters(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("test", "interrupted", "killed", mode="before")
    @classmethod
    def _null_is_false(cls, value: Any) -> Any:
        return False if value is None else value

    @property
    def is_terminal(self) -> bool:
        """True once the task will not change by itself."""
        return self.state.is_terminal

    @property
    def items_summary(self) -> str:
        """``processed/failed/total`` as the bot reported them, ``-`` for what it did not report."""
        parts = (self.processed_items, self.failed_items, self.total_items)
        return "/".join("-" if part is None else str(part) for part in parts)


class Artifact(Response):
    """A result file attached to a task."""

    id: int
    name: str | None = None
    file_name: str | None = Field(default=None, alias="fileName")
    task_id: int | None = None
    task_name: str | None = None
    type: str | None = None
    date_creation: Moment | None = None

    @field_validator("task_id", mode="before")
    @classmethod
    def _blank_task_id(cls, value: Any) -> Any:
        return None if value == "" else value


class TaskError(Response):
    """An error a bot reported for a task (exception type, message, stack trace)."""

    id: IdText
    task_id: int | None = None
    type: str | None = None
    message: str | None = None
    stack_trace: str | None = None
    language: str | None = None
    date_creation: Moment | None = None


class Alert(Response):
    """An alert shown in the Maestro portal for a task."""

    id: IdText | None = None
    task_id: int | None = None
    title: str | None = None
    message: str | None = None
    type: AlertType | None = None
    date: Moment | None = None


class EntryState(OpenEnum):
    """Where a datapool item is: PENDING until a bot pulls it, PROCESSING until the bot reports it DONE
    or ERROR (or it outlives the pool's processing time: TIMEOUT); CANCELED only from PENDING."""

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    DONE = "DONE"
    ERROR = "ERROR"
    TIMEOUT = "TIMEOUT"
    CANCELED = "CANCELED"


class DatapoolEntry(Response):
    """An item in a datapool, waiting for (or processed by) a bot (``maestro-api.md`` §6.8)."""

    id: IdText | None = None
    datapool_label: str | None = Field(
        default=None,
        alias="dataPoolLabel",
        validation_alias=AliasChoices("dataPoolLabel", "datapoolLabel", "datapool_label"),
    )
    """The pool's label; the Python SDK reads ``dataPoolLabel``, the C# SDK ``datapoolLabel``."""
    state: EntryState | None = None
    priority: int | None = None
    """0 (lowest) to 10 (highest): higher items are pulled first."""
    values: dict[str, Any] = Field(default_factory=dict)
    """The item's data, keyed by the pool's field labels."""
    message: str | None = None
    """The bot's words when it reported the item done, failed or canceled."""
    error_type: str | None = None
    """``SYSTEM`` or ``BUSINESS`` for a failed item."""
    unique_key: str | None = None
    display_value: str | None = None
    retry_index: int | None = None
    """How many times the item was retried after an error."""
    runner: str | None = None
    task_id: IdText | None = None
    """The task that processed the item, as the bot reported it (the SDK sends it as text)."""
    parent: IdText | None = None
    child: IdText | None = None
    date_register: Moment | None = None
    """When the item was pushed."""
    date_processing: Moment | None = None
    """When a bot pulled it."""
    date_finished: Moment | None = None

    @field_validator("values", mode="before")
    @classmethod
    def _null_values(cls, value: Any) -> Any:
        return {} if value is None else value


class DatapoolSummary(Response):
    """Counts of a datapool's items by state."""

    count_pending: int = 0
    count_processing: int = 0
    count_done: int = 0
    count_error: int = 0
    count_timeout: int = 0
    count_canceled: int = 0
    avg_done: float | None = None
    """Average processing time of the DONE items; the unit is not documented."""
    active: bool | None = None

    @field_validator(
        "count_pending",
        "count_processing",
        "count_done",
        "count_error",
        "count_timeout",
        "count_canceled",
        mode="before",
    )
    @classmethod
    def _null_is_zero(cls, value: Any) -> Any:
        return 0 if value is None else value


class Page(BaseModel, Generic[ModelT]):
    """One page of a listing (Spring Data ``Page``): ``content`` plus where it sits in the whole."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)

    content: list[ModelT] = Field(default_factory=list)
    number: int = 0
    """0-based index of this page."""
    size: int = 0
    total_pages: int = 0
    total_elements: int = 0
    last: bool = True

    @field_validator("content", mode="before")
    @classmethod
    def _null_content(cls, value: Any) -> Any:
        return [] if value is None else value


class CreateTaskBody(BaseModel):
    """Body of ``POST /api/v2/task``: what we send, so unknown keys are a bug and refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    activity_label: str
    test: bool = False
    parameters: dict[str, Any] = Field(default_factory=dict)
    priority: int = 0
    min_execution_date: str | None = None
