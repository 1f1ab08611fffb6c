"""The base of every namespace: it holds the client that runs its calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botcity_provider.client._async import AsyncMaestroClient
    from botcity_provider.client._sync import MaestroClient

Items = tuple[int | None, int | None, int | None]


class Resource:
    """A namespace of the blocking client (``client.tasks``…)."""

    def __init__(self, client: MaestroClient) -> None:
        self._client = client


class AsyncResource:
    """A namespace of the asyncio client."""

    def __init__(self, client: AsyncMaestroClient) -> None:
        self._client = client
