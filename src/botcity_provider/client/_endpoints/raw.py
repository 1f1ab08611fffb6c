"""``client.request(...)``: a route the client has no method for, with the same login, retries and errors."""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping
from typing import Any

from botcity_provider.client import checks as check
from botcity_provider.client._core import Call, RawResponse, Upload, json_body
from botcity_provider.client._errors import ValidationError

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_REPEATABLE = frozenset({"GET", "PUT", "DELETE"})  # idempotent in HTTP's sense; POST and PATCH are not


def request_call(
    method: str,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    files: Mapping[str, Any] | None = None,
) -> Call[Any]:
    """A call of any route under ``/api/``; its answer is parsed JSON, text, or None when empty."""
    verb = method.upper() if isinstance(method, str) else method
    if verb not in METHODS:
        raise ValidationError("method", f"must be one of {', '.join(METHODS)}, got {method!r}")
    if not isinstance(path, str) or not path.startswith("/api/"):
        raise ValidationError("path", f"must start with /api/ (e.g. /api/v2/task), got {path!r}")
    if json is not None and files:
        raise ValidationError("files", "cannot go with json: a request has one body")
    return Call(
        verb,
        path,
        f"Calling {verb} {path}",
        _any_body,
        query=_query(params),
        json=_encodable(json),
        upload=_upload(files),
        idempotent=verb in _REPEATABLE,
    )


def _query(params: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    if params is None:
        return ()
    if not isinstance(params, Mapping):
        raise ValidationError("params", f"must be a mapping of names to values, got {type(params).__name__}")
    items: list[tuple[str, str]] = []
    for name, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]  # a list repeats the name
        items += [(str(name), _text(one)) for one in values if one is not None]
    return tuple(items)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _encodable(value: Any) -> Any:
    if value is None:
        return None
    try:
        jsonlib.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError("json", f"cannot be sent as JSON: {exc}") from None
    return value


def _upload(files: Mapping[str, Any] | None) -> Upload | None:
    if not files:
        return None
    if not isinstance(files, Mapping) or len(files) != 1:
        raise ValidationError(
            "files", "takes one file, as {field name: path}; Maestro's uploads have one part"
        )
    ((field, value),) = files.items()
    path = check.readable_file(value, f"files[{field!r}]")
    return Upload(path=path, filename=path.name, field=str(field))


def _any_body(raw: RawResponse) -> Any:
    text = raw.body.decode("utf-8", errors="replace")
    if not text.strip():
        return None
    if "json" in raw.headers.get("content-type", ""):
        return json_body(raw, "Reading the answer")
    return text
