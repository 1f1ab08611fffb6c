"""Fault injection: what the emulator does instead of (or on top of) answering a request.

A profile holds random rates and a deterministic ``script``. For each API request the engine first consumes
the next matching script entry, then (unless the route is exempt) draws the random faults in a fixed order:
drop, error, rate limit, lost create or lost push. The profile is pure data; the ASGI middleware carries the
decision out.

The random draws of a request are a pure function of the seed, the request's identity (method, path,
query and a fingerprint of its body, which the middleware computes) and how many times that same request
was seen before. Which request a fault hits therefore does not depend on timing: drawn from one stream in
arrival order, one poll more during an earlier wait, or a token that expired a moment sooner, would move
every later fault onto another request. ``max_faults_in_a_row`` bounds how many times in a row random
faults may hit the same request, so that a client that repeats a request often enough always gets through.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any, NamedTuple

DEFAULT_ERROR_STATUSES = (500, 502, 503, 504)
CREATE_TASK_ROUTE = "POST /api/v2/task"
PUSH_ROUTE = "POST /api/v2/datapool/{label}/push"
_RATES = ("error_rate", "rate_limit_rate", "drop_rate", "lost_create_rate", "lost_push_rate")
_SECONDS = ("retry_after_seconds", "latency_seconds")
_INTEGERS = ("seed", "max_faults_in_a_row")
MAX_TRACKED_REQUESTS = 100_000
"""Distinct requests whose count and fault streak are kept; the least recently seen go first, so a
long-running emulator's memory stays bounded (a forgotten request starts counting again from one)."""


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
    STALL = "stall"
    """Hold the request ``seconds`` (or until the client gives up), then close the connection, without
    processing: a server that hangs, so that a client can be killed while it waits."""


@dataclass
class ScriptEntry:
    """One deterministic fault for the next ``count`` requests whose route key (or concrete path) matches,
    once ``skip`` matching requests have gone past it."""

    match: str
    action: Action
    count: int = 1
    skip: int = 0
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
    lost_push_rate: float = 0.0
    token_lifetime_seconds: float | None = None
    seed: int | None = None
    max_faults_in_a_row: int | None = None
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
    if key in _INTEGERS:
        return _optional_integer(key, value, positive=key == "max_faults_in_a_row")
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


def _optional_integer(key: str, value: Any, *, positive: bool) -> int | None:
    valid = value is None or (
        isinstance(value, int) and not isinstance(value, bool) and (value > 0 or not positive)
    )
    if not valid:
        kind = "a positive integer" if positive else "an integer"
        raise ValueError(f"{key}: must be {kind} or null, got {value!r}")
    return value  # type: ignore[no-any-return]


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
    skip = item.get("skip", 0)
    if not isinstance(skip, int) or isinstance(skip, bool) or skip < 0:
        raise ValueError(f"{where}.skip: must be a non-negative integer")
    seconds = _number(f"{where}.seconds", item.get("seconds", 0.0))
    if action is Action.STALL and not seconds:
        # An endless hold would keep a connection (and the server's shutdown) waiting on a client that stays.
        raise ValueError(f"{where}.seconds: a stall needs seconds > 0")
    status = item.get("status")
    if status is not None and not _is_status(status, 200):
        raise ValueError(f"{where}.status: must be an HTTP status")
    retry_after = item.get("retry_after")
    message = item.get("message")
    return ScriptEntry(
        match=item["match"],
        action=action,
        count=count,
        skip=skip,
        status=status,
        retry_after=None if retry_after is None else _number(f"{where}.retry_after", retry_after),
        seconds=seconds,
        message=None if message is None else str(message),
    )


@dataclass
class _Seen:
    """What the engine remembers of one distinct request."""

    times: int = 0
    """How many times it was made, this time included: the counter its draws are derived from."""
    streak: int = 0
    """Faults in a row on it since it was last answered with a success."""


class _Draws(NamedTuple):
    """Uniform numbers in [0, 1) for one request, one per random choice, in the order they are made."""

    drop: float
    error: float
    status: float
    rate_limit: float
    lost: float
    """Lost create and lost push share one draw: no request is both a create and a push. (A field more
    would lengthen the digest and so change every draw a given seed made before.)"""


def _salt(seed: int | None) -> bytes:
    """The key of the draws: from the seed, or fresh randomness when there is none."""
    return hashlib.sha256(str(seed).encode()).digest() if seed is not None else os.urandom(32)


def _draws(salt: bytes, request: bytes, times: int) -> _Draws:
    """Derive a request's draws from the salt, its identity digest and its count (keyed BLAKE2b)."""
    size = 8 * len(_Draws._fields)
    digest = hashlib.blake2b(request + times.to_bytes(8, "big"), key=salt, digest_size=size).digest()
    return _Draws(*(int.from_bytes(digest[i : i + 8], "big") / 2**64 for i in range(0, size, 8)))


class FaultEngine:
    """Hold the live profile and what was seen of each request, and decide the fault of each request."""

    def __init__(self, defaults: FaultProfile) -> None:
        self.defaults = defaults
        self.profile = _copy(defaults)
        self._restart(defaults.seed)

    def _restart(self, seed: int | None) -> None:
        self._salt = _salt(seed)
        self._seen: OrderedDict[bytes, _Seen] = OrderedDict()

    def reset(self) -> None:
        """Go back to the start-up profile (the CLI flags), forgetting every request seen."""
        self.profile = _copy(self.defaults)
        self._restart(self.defaults.seed)

    def configure(self, patch: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``patch`` into the live profile; a given ``seed`` restarts the draws from the start."""
        self.profile = merge_profile(self.profile, patch)
        if "seed" in patch:
            self._restart(self.profile.seed)
        return self.profile.to_json()

    @property
    def draws_random(self) -> bool:
        """True while any random rate is set: only then does a request's identity matter."""
        return any(getattr(self.profile, rate) for rate in _RATES)

    def latency_for(self, route_key: str) -> float:
        """Return the extra seconds before answering; exempt routes get none."""
        return 0.0 if route_key in self.profile.exempt else self.profile.latency_seconds

    def decide(self, route_key: str, request_key: str, identity: str | None = None) -> Decision | None:
        """Return the fault for this request, or ``None`` to process it normally.

        :param identity: names the request exactly (method, path, query, body fingerprint); requests
            with the same identity are "the same request" for the draws and the streak. Defaults to
            ``request_key``.
        """
        key, seen = self._remember(identity or request_key)
        seen.times += 1
        decision = self._next_scripted(route_key, request_key)
        if decision is None:
            decision = self._drawn(route_key, key, seen)
        if decision is not None and decision.action is not Action.DELAY:
            seen.streak += 1
        return decision

    def answered(self, identity: str, status: int) -> None:
        """Note the status the API answered a request with (not a fault's): a success ends its streak."""
        seen = self._seen.get(_digest(identity))
        if seen is not None and status < 400:
            seen.streak = 0

    def _drawn(self, route_key: str, key: bytes, seen: _Seen) -> Decision | None:
        p = self.profile
        if route_key in p.exempt or not self.draws_random:
            return None
        if p.max_faults_in_a_row is not None and seen.streak >= p.max_faults_in_a_row:
            return None  # spared: this request has had its share of faults in a row
        draw = _draws(self._salt, key, seen.times)
        if p.drop_rate and draw.drop < p.drop_rate:
            return Decision(Action.DROP, "drop")
        if p.error_rate and draw.error < p.error_rate:
            action = Action.HTML if p.error_body == "html" else Action.STATUS
            status = p.error_statuses[int(draw.status * len(p.error_statuses))]
            return Decision(action, "error", status=status)
        if p.rate_limit_rate and draw.rate_limit < p.rate_limit_rate:
            return Decision(Action.STATUS, "rate_limit", status=429, retry_after=p.retry_after_seconds)
        if route_key == CREATE_TASK_ROUTE and p.lost_create_rate and draw.lost < p.lost_create_rate:
            return Decision(Action.LOST, "lost_create")
        if route_key == PUSH_ROUTE and p.lost_push_rate and draw.lost < p.lost_push_rate:
            return Decision(Action.LOST, "lost_push")
        return None

    def _remember(self, identity: str) -> tuple[bytes, _Seen]:
        key = _digest(identity)
        seen = self._seen.get(key)
        if seen is None:
            seen = self._seen[key] = _Seen()
            if len(self._seen) > MAX_TRACKED_REQUESTS:
                self._seen.popitem(last=False)
        else:
            self._seen.move_to_end(key)
        return key, seen

    def _next_scripted(self, route_key: str, request_key: str) -> Decision | None:
        for entry in self.profile.script:
            if not entry.matches(route_key, request_key):
                continue
            if entry.skip > 0:
                # Let it past this entry only: a later entry that matches still applies to it.
                entry.skip -= 1
                continue
            entry.count -= 1
            if entry.count <= 0:
                self.profile.script.remove(entry)
            return _scripted_decision(entry, self.profile.retry_after_seconds, route_key)
        return None


def _digest(identity: str) -> bytes:
    return hashlib.blake2b(identity.encode("utf-8", "surrogateescape"), digest_size=16).digest()


def _copy(profile: FaultProfile) -> FaultProfile:
    """Copy a profile deeply enough that consuming the live script never edits the start-up one."""
    return replace(profile, script=[replace(entry) for entry in profile.script])


_SCRIPT_KINDS = {
    Action.DROP: "drop",
    Action.LOST: "lost_create",
    Action.DELAY: "delay",
    Action.EMPTY: "empty",
    Action.HTML: "html",
    Action.STALL: "stall",
}


def _scripted_decision(entry: ScriptEntry, default_retry_after: float, route_key: str) -> Decision:
    if entry.action is Action.STATUS:
        status = entry.status or 503
        retry_after = entry.retry_after
        if status == 429 and retry_after is None:
            retry_after = default_retry_after
        kind = "rate_limit" if status == 429 else "error"
        return Decision(Action.STATUS, kind, status=status, retry_after=retry_after, message=entry.message)
    status = entry.status or (502 if entry.action is Action.HTML else 200)
    kind = _SCRIPT_KINDS[entry.action]
    if entry.action is Action.LOST and route_key == PUSH_ROUTE:
        kind = "lost_push"
    return Decision(
        entry.action,
        kind,
        status=status,
        retry_after=entry.retry_after,
        seconds=entry.seconds,
        message=entry.message,
    )
