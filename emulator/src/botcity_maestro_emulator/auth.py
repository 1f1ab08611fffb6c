"""Tokens: issued by login or pre-issued to runners, checked on every API call, never logged."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

TOKEN_PREFIX = "emu_"
"""Makes emulator tokens easy to grep for in the secret-hygiene tests."""


def issue_token() -> str:
    """Return a new random, unguessable access token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(24)


def token_from_headers(headers: Mapping[str, str]) -> str | None:
    """Read the token the way Maestro accepts it: the ``token`` header or ``Authorization: Bearer``."""
    token = headers.get("token")
    if token:
        return token.strip()
    authorization = headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


def same_secret(given: str, expected: str) -> bool:
    """Compare secrets in constant time, as a real server should."""
    return secrets.compare_digest(given.encode(), expected.encode())
