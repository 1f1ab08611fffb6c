"""Fault injection: what the emulator does instead of (or on top of) answering a request.

A profile holds random rates and a deterministic ``script``. For each API request the engine first consumes
the next matching script entry, then (unless the route is exempt) draws the random faults in a fixed order:
drop, error, rate limit, lost create. The profile is pure data; the ASGI middleware carries the decision out.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

DEFAULT_ERROR_STATUSES = (500, 502, 503, 504)
CREATE_TASK_ROUTE = "POST /api/v2/task"
_RATES = ("error_rate", "rate_limit_rate", "drop_rate", "lost_create_rate")
_SECONDS = ("retry_after_seconds", "latency_seconds")


class Action(StrEnum):
    """What happens to a request; also the ``action`` of a script entry."""

    STATUS = "status"
    """Answer ``status`` with a Spring JSON error body, without processing (a proxy or gateway failure)."""
    DROP = "drop"
    """Close the connection without a response, without processing."""
    LOST = "lost"
    """Process the request, then close the connection instead of sending the response."""
    DELAY = "delay"
    """Sleep ``seconds``, then process normally."""
    EMPTY = "empty"
    """Answer 200 with an empty body, without processing."""
    HTML = "html"
    """Answer ``status`` with an nginx HTML error page, without processing."""


@dataclass
class ScriptEntry:
    """One deterministic fault for the next ``count`` requests whose route key (or concrete path) matches."""

    match: str
    action: Action
    count: int = 1
    status: int | None = None
    retry_after: float | None = None
    seconds: float = 0.0
    message: str | None = None

    def matches(self, route_key: str, request_key: str) -> bool:
        """Match ``"GET /api/v2/task/{taskId}"``, ``"GET /api/v2/task/7"`` or ``"*"``."""
        return self.match in ("*", route_key, request_key)

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["action"] = self.action.value
        return data


@dataclass
class FaultProfile:
    """The whole fault configuration; see ``docs/emulator.md`` for the meaning of each key."""

    error_rate: float = 0.0
    error_statuses: list[int] = field(default_factory=lambda: list(DEFAULT_ERROR_STATUSES))
    error_body: str = "json"
    rate_limit_rate: float = 0.0
    retry_after_seconds: float = 1.0
    latency_seconds: float = 0.0
    drop_rate: float = 0.0
    lost_create_rate: float = 0.0
    token_lifetime_seconds: float | None = None
    seed: int | None = None
    exempt: list[str] = field(default_factory=list)
    script: list[ScriptEntry] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["script"] = [entry.to_json() for entry in self.script]
        return data


@dataclass(frozen=True)
class Decision:
    """The fault chosen for one request; ``kind`` names the stats counter it increments."""

    action: Action
    kind: str
    status: int = 200
    retry_after: float | None = None
    seconds: float = 0.0
    message: str | None = None


def merge_profile(profile: FaultProfile, patch: Mapping[str, Any]) -> FaultProfile:
    """Return ``profile`` with the keys of ``patch`` replaced, validating each.

    :raises ValueError: naming the first invalid key, so ``POST /_emulator/faults`` can answer 400.
    """
    known = {f.name for f in fields(FaultProfile)}
    changes: dict[str, Any] = {}
    for key, value in patch.items():
        if key not in known:
            raise ValueError(f"{key}: unknown fault setting; known: {', '.join(sorted(known))}")
        changes[key] = _validated(key, value)
    return replace(profile, **changes)


def _validated(key: str, value: Any) -> Any:
    if key in _RATES:
        return _number(key, value, upper=1.0)
    if key in _SECONDS:
        return _number(key, value)
    if key == "token_lifetime_seconds":
        return None if value is None else _number(key, value)
    if key == "seed":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(f"seed: must be an integer or null, got {value!r}")
        return value
    if key == "error_body":
        if value not in ("json", "html"):
            raise ValueError(f"error_body: must be 'json' or 'html', got {value!r}")
        return value
    if key == "error_statuses":
        if not isinstance(value, list) or not value or not all(_is_status(v, 500) for v in value):
            raise ValueError(f"error_statuses: must be a non-empty list of 5xx statuses, got {value!r}")
        return list(value)
    if key == "exempt":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("exempt: must be a list of route keys such as 'GET /api/v2/maestro/version'")
        return list(value)
    if not isinstance(value, list):
        raise ValueError("script: must be a list of fault entries")
    return [_script_entry(item, index) for index, item in enumerate(value)]


def _number(key: str, value: Any, upper: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{key}: must be a non-negative number, got {value!r}")
    if upper is not None and value > upper:
        raise ValueError(f"{key}: must be at most {upper}, got {value!r}")
    return float(value)


def _is_status(value: Any, floor: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and floor <= value <= 599


def _script_entry(item: Any, index: int) -> ScriptEntry:
    where = f"script[{index}]"
    if not isinstance(item, dict) or not isinstance(item.get("match"), str):
        raise ValueError(f"{where}: must be an object with a 'match' route key")
    unknown = set(item) - {f.name for f in fields(ScriptEntry)}
    if unknown:
        raise ValueError(f"{where}.{sorted(unknown)[0]}: unknown key")
    try:
        action = Action(item.get("action", "status"))
    except ValueError as exc:
        raise ValueError(f"{where}.action: must be one of {', '.join(a.value for a in Action)}") from exc
    count = item.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError(f"{where}.count: must be a positive integer")
    status = item.get("status")
    if status is not None and not _is_status(status, 200):
        raise ValueError(f"{where}.status: must be an HTTP status")
    retry_after = item.get("retry_after")
    message = item.get("message")
    return ScriptEntry(
        match=item["match"],
        action=action,
        count=count,
        status=status,
        retry_after=None if retry_after is None else _number(f"{where}.retry_after", retry_after),
        seconds=_number(f"{where}.seconds", item.get("seconds", 0.0)),
        message=None if message is None else str(message),
    )


class FaultEngine:
    """Hold the live profile and its random generator, and decide the fault of each request."""

    def __init__(self, defaults: FaultProfile) -> None:
        self.defaults = defaults
        self.profile = _copy(defaults)
        self.rng = random.Random(defaults.seed)

    def reset(self) -> None:
        """Go back to the start-up profile (the CLI flags)."""
        self.profile = _copy(self.defaults)
        self.rng = random.Random(self.defaults.seed)

    def configure(self, patch: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``patch`` into the live profile; a given ``seed`` restarts the random sequence."""
        self.profile = merge_profile(self.profile, patch)
        if "seed" in patch:
            self.rng = random.Random(self.profile.seed)
        return self.profile.to_json()

    def latency_for(self, route_key: str) -> float:
        """Return the extra seconds before answering; exempt routes get none."""
        return 0.0 if route_key in self.profile.exempt else self.profile.latency_seconds

    def decide(self, route_key: str, request_key: str) -> Decision | None:
        """Return the fault for this request, or ``None`` to process it normally."""
        scripted = self._next_scripted(route_key, request_key)
        if scripted is not None:
            return scripted
        p = self.profile
        if route_key in p.exempt:
            return None
        if p.drop_rate and self.rng.random() < p.drop_rate:
            return Decision(Action.DROP, "drop")
        if p.error_rate and self.rng.random() < p.error_rate:
            action = Action.HTML if p.error_body == "html" else Action.STATUS
            return Decision(action, "error", status=self.rng.choice(p.error_statuses))
        if p.rate_limit_rate and self.rng.random() < p.rate_limit_rate:
            return Decision(Action.STATUS, "rate_limit", status=429, retry_after=p.retry_after_seconds)
        if route_key == CREATE_TASK_ROUTE and p.lost_create_rate and self.rng.random() < p.lost_create_rate:
            return Decision(Action.LOST, "lost_create")
        return None

    def _next_scripted(self, route_key: str, request_key: str) -> Decision | None:
        for entry in self.profile.script:
            if entry.matches(route_key, request_key):
                entry.count -= 1
                if entry.count <= 0:
                    self.profile.script.remove(entry)
                return _scripted_decision(entry, self.profile.retry_after_seconds)
        return None


def _copy(profile: FaultProfile) -> FaultProfile:
    """Copy a profile deeply enough that consuming the live script never edits the start-up one."""
    return replace(profile, script=[replace(entry) for entry in profile.script])


_SCRIPT_KINDS = {
    Action.DROP: "drop",
    Action.LOST: "lost_create",
    Action.DELAY: "delay",
    Action.EMPTY: "empty",
    Action.HTML: "html",
}


def _scripted_decision(entry: ScriptEntry, default_retry_after: float) -> Decision:
    if entry.action is Action.STATUS:
        status = entry.status or 503
        retry_after = entry.retry_after
        if status == 429 and retry_after is None:
            retry_after = default_retry_after
        kind = "rate_limit" if status == 429 else "error"
        return Decision(Action.STATUS, kind, status=status, retry_after=retry_after, message=entry.message)
    status = entry.status or (502 if entry.action is Action.HTML else 200)
    return Decision(
        entry.action,
        _SCRIPT_KINDS[entry.action],
        status=status,
        retry_after=entry.retry_after,
        seconds=entry.seconds,
        message=entry.message,
    )
