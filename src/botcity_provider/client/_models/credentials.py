"""Models of the vault: credential sets and their secrets, every value a ``SecretStr`` (§4.8).

A value is a :class:`~pydantic.SecretStr` from the moment it is read: it shows as ``**********`` in a
``repr``, a log line, ``model_dump_json()`` and ``str()``; only ``get_secret_value()`` gives it out.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, SecretStr, field_validator

from botcity_provider.client._models.base import Moment, Response, UnverifiedResponse

__all__ = ["Credential", "CredentialListing", "CredentialSecret"]


def _as_text(value: Any) -> Any:
    # The API takes any JSON value for a secret and the SDKs read it back as text.
    return value if value is None or isinstance(value, str | SecretStr) else str(value)


Secret = Annotated[SecretStr | None, BeforeValidator(_as_text)]


class CredentialSecret(Response):
    """One key of a credential set and its value."""

    key: str
    value: Secret = None
    """The value, never shown: ``value.get_secret_value()`` to use it."""
    valid: bool | None = None


class _Secrets(Response):
    secrets: list[CredentialSecret] = Field(default_factory=list)
    """The set's keys with their values, in Maestro's order."""

    @field_validator("secrets", mode="before")
    @classmethod
    def _null_secrets(cls, value: Any) -> Any:
        return [] if value is None else value

    @property
    def keys(self) -> list[str]:
        """The keys of the set, without their values."""
        return [secret.key for secret in self.secrets]

    def value(self, key: str) -> SecretStr | None:
        """The value of ``key``, or None when the set has no such key."""
        return next((secret.value for secret in self.secrets if secret.key == key), None)


class Credential(_Secrets):
    """A credential set: a label and its secrets."""

    label: str
    organization_label: str | None = None
    repository_label: str | None = None
    date_creation: Moment | None = None
    date_last_modified: Moment | None = None


class CredentialListing(_Secrets, UnverifiedResponse):
    """A credential set as the listing sends it (unverified route: fields nobody confirmed are kept in
    ``model_extra``; the secrets, where the listing has them, are ``SecretStr`` like everywhere)."""

    model_config = UnverifiedResponse.model_config

    label: str
