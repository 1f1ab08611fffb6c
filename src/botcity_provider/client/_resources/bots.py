"""``client.bots``: the versions of each bot, deployed, uploaded, released, deleted (unverified routes)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import partial
from pathlib import Path

from botcity_provider.client._endpoints import bots as api
from botcity_provider.client._models import Page
from botcity_provider.client._models.bots import BotVersion

from ._base import AsyncResource, Resource


class Bots(Resource):
    """The versions of each bot: deploy one, upload its file, release it (unverified routes: fields
    nobody confirmed are in each version's ``model_extra``)."""

    def versions(self, bot_id: str) -> list[BotVersion]:
        """Every version of the bot (unverified)."""
        return self._client._run(api.list_versions(bot_id))

    def get(self, bot_id: str, version: str) -> BotVersion:
        """One version of the bot (unverified)."""
        return self._client._run(api.get_version(bot_id, version))

    def deploy(
        self, bot_id: str, version: str, *, technology: str = "PYTHON", command: str | None = None
    ) -> None:
        """Register a new version, without its file (unverified). Never resent: a resend finds it exists."""
        return self._client._run(
            api.deploy_bot(bot_id, version, technology, command, self._client.config.login)
        )

    def upload(self, bot_id: str, version: str, path: str | Path, *, content_type: str | None = None) -> None:
        """Stream the version's file (unverified); the media type is guessed from the name unless given.
        Memory use does not grow with the file; a second upload replaces the first."""
        return self._client._run(api.upload_bot_file(bot_id, version, path, content_type))

    def release(self, bot_id: str, version: str) -> None:
        """Release the version (unverified)."""
        return self._client._run(api.release_version(bot_id, version))

    def delete(self, bot_id: str, version: str) -> None:
        """Delete the version and its file (unverified)."""
        return self._client._run(api.delete_version(bot_id, version))

    def list(self, *, bot_id: str | None = None, page: int = 0, size: int = 100) -> Page[BotVersion]:
        """One page of the workspace's bot versions, of one bot when ``bot_id`` is given (unverified)."""
        return self._client._run(api.list_bots(bot=bot_id, page=page, size=size))

    def iter(self, *, bot_id: str | None = None, size: int = 100) -> Iterator[BotVersion]:
        """Every bot version (of one bot when ``bot_id`` is given), a page fetched when the loop reaches
        it (unverified)."""
        return self._client._iterate(partial(api.list_bots, bot=bot_id, size=size))


class AsyncBots(AsyncResource):
    """The versions of each bot: deploy one, upload its file, release it (unverified routes: fields
    nobody confirmed are in each version's ``model_extra``)."""

    async def versions(self, bot_id: str) -> list[BotVersion]:
        """Every version of the bot (unverified)."""
        return await self._client._run(api.list_versions(bot_id))

    async def get(self, bot_id: str, version: str) -> BotVersion:
        """One version of the bot (unverified)."""
        return await self._client._run(api.get_version(bot_id, version))

    async def deploy(
        self, bot_id: str, version: str, *, technology: str = "PYTHON", command: str | None = None
    ) -> None:
        """Register a new version, without its file (unverified). Never resent: a resend finds it exists."""
        return await self._client._run(
            api.deploy_bot(bot_id, version, technology, command, self._client.config.login)
        )

    async def upload(
        self, bot_id: str, version: str, path: str | Path, *, content_type: str | None = None
    ) -> None:
        """Stream the version's file (unverified); the media type is guessed from the name unless given.
        Memory use does not grow with the file; a second upload replaces the first."""
        return await self._client._run(api.upload_bot_file(bot_id, version, path, content_type))

    async def release(self, bot_id: str, version: str) -> None:
        """Release the version (unverified)."""
        return await self._client._run(api.release_version(bot_id, version))

    async def delete(self, bot_id: str, version: str) -> None:
        """Delete the version and its file (unverified)."""
        return await self._client._run(api.delete_version(bot_id, version))

    async def list(self, *, bot_id: str | None = None, page: int = 0, size: int = 100) -> Page[BotVersion]:
        """One page of the workspace's bot versions, of one bot when ``bot_id`` is given (unverified)."""
        return await self._client._run(api.list_bots(bot=bot_id, page=page, size=size))

    def iter(self, *, bot_id: str | None = None, size: int = 100) -> AsyncIterator[BotVersion]:
        """Every bot version (of one bot when ``bot_id`` is given), a page fetched when the loop reaches
        it (unverified)."""
        return self._client._iterate(partial(api.list_bots, bot=bot_id, size=size))
