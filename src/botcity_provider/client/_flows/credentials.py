"""The credential flows: writing one key takes the official SDK's steps (``maestro-api.md`` §4.8).

Read the set, then create it, add the key, or send its whole list back.
"""

from __future__ import annotations

from botcity_provider.client._endpoints import credentials as api
from botcity_provider.client._engine import Operation
from botcity_provider.client._errors import ConflictError, NotFoundError, ValidationError
from botcity_provider.client._models.credentials import Credential, CredentialSecret

__all__ = ["delete_key", "keys", "set_key"]


def set_key(set_label: object, key: object, value: object) -> Operation[None]:
    """Create the set with this one key when it does not exist, else add (or change) the key."""
    name, ident, secret = api.credential_label(set_label), api.credential_key(key), api.secret_value(value)
    try:
        yield api.get_credential(name)
    except NotFoundError:
        try:
            yield api.create_credential(name, [CredentialSecret(key=ident, value=secret, valid=True)])
            return None
        except ConflictError:  # created by someone else since the read: add the key to theirs
            pass
    yield api.add_key(name, ident, secret)
    return None


def delete_key(set_label: object, key: object) -> Operation[None]:
    """Send the set back without ``key``; a key the set lacks is refused before anything is written."""
    name, ident = api.credential_label(set_label), api.credential_key(key)
    current: Credential = yield api.get_credential(name)
    if ident not in current.keys:
        known = ", ".join(repr(one) for one in current.keys) or "none"
        raise ValidationError("key", f"{ident!r} is not a key of credential {name!r} (its keys: {known})")
    yield api.replace_credential(name, [secret for secret in current.secrets if secret.key != ident])
    return None


def keys(set_label: object) -> Operation[list[str]]:
    """The set's key names; the read brings the values too, but they never leave this flow."""
    current: Credential = yield api.get_credential(set_label)
    return current.keys
