"""Credentials ("vault"): one value as text, a set's keys, and the writes the official SDK makes (§4.8).

A value stays a :class:`~pydantic.SecretStr` up to the moment it is put in a request body; a
:class:`Call`'s body is never logged nor shown in its ``repr``.
"""

from __future__ import annotations

from pydantic import SecretStr

from botcity_provider.client._core import Call, RawResponse, model_parser
from botcity_provider.client._errors import ValidationError
from botcity_provider.client._models.credentials import Credential, CredentialListing, CredentialSecret

from ._common import call, ignore_body, label
from .logs import list_parser

__all__ = [
    "add_key",
    "create_credential",
    "credential_key",
    "credential_label",
    "get_credential",
    "get_value",
    "list_credentials",
    "replace_credential",
    "secret_value",
]

SET_HINT = "check the credential label in Maestro (Credentials page)"
KEY_HINT = "check the credential label and key in Maestro (Credentials page)"


def credential_label(value: object) -> str:
    """A non-empty credential label, with no ``/`` (a path segment Maestro cannot route, §3)."""
    return _segment(label(value, "label", "the credential's label"), "label")


def credential_key(value: object) -> str:
    """A non-empty key of a credential set, with no ``/``."""
    return _segment(label(value, "key", "the key in the credential set"), "key")


def _segment(value: str, field: str) -> str:
    if "/" in value:
        raise ValidationError(field, f"{value!r} contains '/', which Maestro cannot tell from the path")
    return value


def secret_value(value: object) -> SecretStr:
    """A value to store: a str (or SecretStr). Anything else is refused, never turned into text."""
    if isinstance(value, SecretStr):
        return value
    if not isinstance(value, str):
        raise ValidationError("value", f"must be a str or a SecretStr, got {type(value).__name__}")
    return SecretStr(value)


def _text(raw: RawResponse) -> SecretStr:
    # Plain text, not JSON-quoted; kept exactly as sent, as the official SDK returns it.
    return SecretStr(raw.body.decode("utf-8", errors="replace"))


def get_value(set_label: object, key: object) -> Call[SecretStr]:
    """``GET /api/v2/credential/{label}/key/{key}``: one value, as plain text."""
    name, ident = credential_label(set_label), credential_key(key)
    doing = f"Getting key {ident!r} of credential {name!r}"
    return call("credentials.value", (name, ident), doing, _text, hint=KEY_HINT)


def get_credential(set_label: object) -> Call[Credential]:
    """``GET /api/v2/credential/{label}``: the set with its secrets (404 when there is no such set)."""
    name = credential_label(set_label)
    parse = model_parser(Credential, "Reading the credential")
    return call("credentials.get", (name,), f"Getting credential {name!r}", parse, hint=SET_HINT)


def create_credential(set_label: str, secrets: list[CredentialSecret]) -> Call[None]:
    """``POST /api/v2/credential``: a new set. Not idempotent: a resend finds the set exists (409)."""
    body = {"label": set_label, "secrets": _wire(secrets)}
    doing = f"Creating credential {set_label!r}"
    return call("credentials.create", (), doing, ignore_body, json=body, idempotent=False)


def add_key(set_label: str, key: str, value: SecretStr) -> Call[None]:
    """``POST /api/v2/credential/{label}/key``: add a key to a set, or change its value. Repeatable."""
    body = {"key": key, "value": value.get_secret_value()}
    doing = f"Setting key {key!r} of credential {set_label!r}"
    return call("credentials.add_key", (set_label,), doing, ignore_body, json=body, hint=SET_HINT)


def replace_credential(set_label: str, secrets: list[CredentialSecret]) -> Call[None]:
    """``POST /api/v2/credential/{label}``: the set's whole list of secrets, replaced. Repeatable."""
    body = {"label": set_label, "secrets": _wire(secrets)}
    doing = f"Replacing the keys of credential {set_label!r}"
    return call("credentials.replace", (set_label,), doing, ignore_body, json=body, hint=SET_HINT)


def list_credentials() -> Call[list[CredentialListing]]:
    """``GET /api/v2/credential`` (unverified): every set of the workspace."""
    parse = list_parser(CredentialListing, "Listing credentials")
    return call("credentials.list", (), "Listing credentials", parse)


def _wire(secrets: list[CredentialSecret]) -> list[dict[str, object]]:
    return [
        {
            "key": secret.key,
            "value": None if secret.value is None else secret.value.get_secret_value(),
            "valid": True if secret.valid is None else secret.valid,
        }
        for secret in secrets
    ]
