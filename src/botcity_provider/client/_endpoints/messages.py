"""Messages: e-mail sent through Maestro to addresses and to users of the workspace (§4.4).

The body is the official SDK's, ``group`` included (empty: the SDK sends ``""`` when none is given), and
only a 200 is success, as the SDK has it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from botcity_provider.client._core import Call
from botcity_provider.client._errors import ValidationError

from ._common import call, ignore_body

__all__ = ["MESSAGE_TYPES", "MessageType", "send_message"]

MessageType = Literal["TEXT", "HTML"]
MESSAGE_TYPES: tuple[MessageType, ...] = ("TEXT", "HTML")
# One @, something on each side, a dot in the domain, no spaces: what every mail server needs at least.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_OK = frozenset({200})


def send_message(subject: object, body: object, emails: object, logins: object, kind: object) -> Call[None]:
    """``POST /api/v2/message``. Not idempotent: a resend sends the e-mail again."""
    addresses = [_email(value, f"emails[{index}]") for index, value in enumerate(_texts(emails, "emails"))]
    users = [_login(value, f"logins[{index}]") for index, value in enumerate(_texts(logins, "logins"))]
    if not addresses and not users:
        raise ValidationError("emails", "is empty and so is logins; give at least one recipient")
    if kind not in MESSAGE_TYPES:
        raise ValidationError("type", f"must be TEXT or HTML, got {kind!r}")
    payload = {
        "emails": addresses,
        "logins": users,
        "subject": _text(subject, "subject"),
        "body": _text(body, "body"),
        "type": kind,
        "group": "",
    }
    recipients = len(addresses) + len(users)
    return call(
        "messages.send",
        (),
        f"Sending the message {payload['subject']!r} to {recipients} recipient(s)",
        ignore_body,
        json=payload,
        expected=_OK,
        idempotent=False,
    )


def _texts(values: object, field: str) -> list[object]:
    # A str is an iterable of str: "a@b.c" would become five recipients "a", "@", "b"...
    if isinstance(values, str):
        raise ValidationError(field, f"must be a list, e.g. [{values!r}], not one string")
    if isinstance(values, bytes) or not isinstance(values, Iterable):
        raise ValidationError(field, f"must be a list of text, got {type(values).__name__}")
    return list(values)


def _email(value: object, field: str) -> str:
    if not isinstance(value, str) or not _EMAIL.fullmatch(value.strip()):
        raise ValidationError(field, f"{value!r} is not an e-mail address (name@domain.tld)")
    return value.strip()


def _login(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, f"must be the login of a Maestro user, got {value!r}")
    return value.strip()


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"must be text, got {type(value).__name__}")
    return value
