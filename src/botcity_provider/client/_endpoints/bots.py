"""Bots: the versions of each bot, deployed, uploaded, released, deleted (§4.10, all unverified).

The routes and bodies are those of BotCity's GitHub deploy action, which accepts exactly 200 from every
route but the upload and reads no answer but the list's; what the server sends back is not known, so the
writes return nothing and a reader asks for the version (``get_version``) when it wants it.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from botcity_provider.client import checks as check
from botcity_provider.client._core import Call, Upload, model_parser
from botcity_provider.client._errors import ValidationError
from botcity_provider.client._models import Page
from botcity_provider.client._models.bots import BotVersion

from ._common import call, ignore_body, label, page_parser, paging
from .logs import list_parser

__all__ = [
    "bot_id",
    "bot_version",
    "content_type_of",
    "delete_version",
    "deploy_bot",
    "get_version",
    "list_bots",
    "list_versions",
    "release_version",
    "upload_bot_file",
]

VERSION_HINT = "check the bot id and version; a version exists once deployed (bots.deploy)"
_OK = frozenset({200})  # the deploy action accepts exactly 200
_MEDIA_TYPE = re.compile(r"[\w!#$&^.+-]+/[\w!#$&^.+-]+( *;[^\r\n]*)?")
_ENCODED = {"gzip": "application/gzip", "bzip2": "application/x-bzip2", "xz": "application/x-xz"}


def bot_id(value: object) -> str:
    """A non-empty bot id, with no ``/`` (a path segment Maestro could not route)."""
    return _segment(value, "bot_id", "the bot's id")


def bot_version(value: object) -> str:
    """A non-empty version name, with no ``/``."""
    return _segment(value, "version", "the version, e.g. '1.0'")


def _segment(value: object, field: str, what: str) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationError(field, f"must be a string, got {type(value).__name__}")
    value = label(value, field, what)
    if "/" in value:
        raise ValidationError(field, f"{value!r} contains '/', which Maestro cannot tell from the path")
    return value


def content_type_of(path: Path, given: object) -> str:
    """The upload's media type: ``given``, checked (it becomes a header), else guessed from the name as
    the deploy action does (``bot.zip`` is ``application/zip``), else ``application/octet-stream``."""
    if given is not None:
        if not isinstance(given, str) or not _MEDIA_TYPE.fullmatch(given):
            raise ValidationError(
                "content_type", f"must be a media type like 'application/zip', got {given!r}"
            )
        return given
    guessed, encoding = mimetypes.guess_type(path.name)
    if encoding is not None:  # bot.tar.gz: the bytes sent are gzip, whatever is inside
        return _ENCODED.get(encoding, "application/octet-stream")
    return guessed or "application/octet-stream"


def list_versions(bot: object) -> Call[list[BotVersion]]:
    """``GET /api/v2/bot?botId=`` (unverified): every version of the bot, as a JSON array."""
    ident = bot_id(bot)
    doing = f"Listing the versions of bot {ident!r}"
    parse = list_parser(BotVersion, doing)
    return call("bots.versions", (), doing, parse, query=(("botId", ident),), expected=_OK)


def get_version(bot: object, version: object) -> Call[BotVersion]:
    """``GET /api/v2/bot/{botId}/version/{version}`` (unverified)."""
    ident, name = bot_id(bot), bot_version(version)
    parse = model_parser(BotVersion, "Reading the bot version")
    doing = f"Getting version {name!r} of bot {ident!r}"
    return call("bots.get", (ident, name), doing, parse, hint=VERSION_HINT)


def deploy_bot(
    bot: object, version: object, technology: object, command: object, organization: str
) -> Call[None]:
    """``POST /api/v2/bot`` (unverified): a new version, without its file. Not idempotent: a resend finds
    the version exists."""
    ident, name = bot_id(bot), bot_version(version)
    kind = label(technology, "technology", "the bot's technology, e.g. 'PYTHON'")
    if command is not None and not isinstance(command, str):
        raise ValidationError("command", f"must be a string or None, got {type(command).__name__}")
    body = {
        "organization": organization,
        "botId": ident,
        "version": name,
        "technology": kind.strip().upper(),  # as the deploy action sends it
        "command": command,
    }
    doing = f"Deploying version {name!r} of bot {ident!r}"
    return call("bots.deploy", (), doing, ignore_body, json=body, expected=_OK, idempotent=False)


def upload_bot_file(bot: object, version: object, path: object, content_type: object) -> Call[None]:
    """``POST /api/v2/bot/upload/{botId}/version/{version}`` (unverified): the version's file, streamed,
    with its media type on the part. Resending replaces the file, so it may repeat."""
    ident, name = bot_id(bot), bot_version(version)
    file = check.readable_file(path, "path")
    media = content_type_of(file, content_type)
    return call(
        "bots.upload",
        (ident, name),
        f"Uploading {str(file)!r} as version {name!r} of bot {ident!r}",
        ignore_body,
        upload=Upload(path=file, filename=file.name, content_type=media),
        hint=VERSION_HINT,
    )


def release_version(bot: object, version: object) -> Call[None]:
    """``POST /api/v2/bot/release`` (unverified). Releasing a released version again changes nothing."""
    ident, name = bot_id(bot), bot_version(version)
    doing = f"Releasing version {name!r} of bot {ident!r}"
    body = {"botId": ident, "version": name}
    return call("bots.release", (), doing, ignore_body, json=body, expected=_OK, hint=VERSION_HINT)


def delete_version(bot: object, version: object) -> Call[None]:
    """``DELETE /api/v2/bot/{botId}/version/{version}`` (unverified): the version and its file."""
    ident, name = bot_id(bot), bot_version(version)
    doing = f"Deleting version {name!r} of bot {ident!r}"
    return call("bots.delete", (ident, name), doing, ignore_body, expected=_OK, hint=VERSION_HINT)


def list_bots(*, bot: object = None, page: int = 0, size: int = 100) -> Call[Page[BotVersion]]:
    """``GET /api/v2/bot/pagination`` (unverified): one page of the workspace's bot versions, in the
    server's order (no sort is sent: which fields the real server sorts by is unknown)."""
    query = paging(page, size)
    if bot is not None:
        query.append(("botId", bot_id(bot)))
    parse = page_parser(BotVersion, "Listing bots")
    return call("bots.list", (), "Listing bots", parse, query=tuple(query))
