"""Credential sets ("vault"): read one value as text, read, create, extend and replace sets (§4.8)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from botcity_maestro_emulator.errors import ApiError, bad_request
from botcity_maestro_emulator.routes.common import Auth, lookup, read_object, reply
from botcity_maestro_emulator.schemas import required_str
from botcity_maestro_emulator.service import Emulator
from botcity_maestro_emulator.timefmt import iso, now

router = APIRouter()


def _secrets(body: dict[str, Any]) -> list[dict[str, Any]]:
    secrets = body.get("secrets")
    if secrets is None:
        return []
    if not isinstance(secrets, list):
        raise bad_request("secrets", "must be a list of {key, value} objects")
    cleaned = []
    for index, secret in enumerate(secrets):
        if not isinstance(secret, dict) or not isinstance(secret.get("key"), str) or not secret["key"]:
            raise bad_request(f"secrets[{index}]", "must be an object with a non-empty 'key'")
        cleaned.append(
            {"key": secret["key"], "value": secret.get("value"), "valid": secret.get("valid", True)}
        )
    return cleaned


def _save(
    emulator: Emulator, label: str, secrets: list[dict[str, Any]], created: str | None
) -> dict[str, Any]:
    credential = {
        "label": label,
        "organizationLabel": emulator.config.login,
        "repositoryLabel": "DEFAULT",
        "secrets": secrets,
        "dateCreation": created or iso(now()),
        "dateLastModified": iso(now()),
    }
    return emulator.store.put("credential", label, credential)


@router.get("/api/v2/credential")
async def list_credentials(emulator: Auth) -> Response:
    """Return every credential set (a plain array, as the one known caller expects)."""
    return reply(emulator.store.values("credential"))


@router.post("/api/v2/credential")
async def create_credential(request: Request, emulator: Auth) -> Response:
    """Create a set; an existing label is a 409 (the SDK only creates after a 404 on GET)."""
    body = await read_object(request)
    label = required_str(body, "label")
    if emulator.store.get("credential", label) is not None:
        raise ApiError(409, f"credential {label!r} already exists")
    return reply(_save(emulator, label, _secrets(body), None))


@router.get("/api/v2/credential/{label}")
async def get_credential(label: str, emulator: Auth) -> Response:
    """Return a set with its ``secrets`` list; an unknown label is a 404, which the SDK relies on."""
    return reply(lookup(emulator, "credential", label, "credential"))


@router.post("/api/v2/credential/{label}")
async def replace_credential(label: str, request: Request, emulator: Auth) -> Response:
    """Replace the whole ``secrets`` list of a set (the SDK's update and remove)."""
    current = lookup(emulator, "credential", label, "credential")
    body = await read_object(request)
    return reply(_save(emulator, label, _secrets(body), current["dateCreation"]))


@router.post("/api/v2/credential/{label}/key")
async def add_key(label: str, request: Request, emulator: Auth) -> Response:
    """Add a key to a set, or replace its value when the key exists."""
    current = lookup(emulator, "credential", label, "credential")
    body = await read_object(request)
    key = required_str(body, "key")
    secrets = [secret for secret in current["secrets"] if secret["key"] != key]
    secrets.append({"key": key, "value": body.get("value"), "valid": True})
    return reply(_save(emulator, label, secrets, current["dateCreation"]))


@router.get("/api/v2/credential/{label}/key/{key}")
async def get_value(label: str, key: str, emulator: Auth) -> Response:
    """Return one value as plain text, not JSON-quoted (the SDK returns the body as is)."""
    current = lookup(emulator, "credential", label, "credential")
    for secret in current["secrets"]:
        if secret["key"] == key:
            value = secret["value"]
            return Response("" if value is None else str(value), media_type="text/plain")
    raise ApiError(404, f"key {key!r} not found in credential {label!r}")
