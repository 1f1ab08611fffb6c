"""``client.messages``: e-mail sent through Maestro."""

from __future__ import annotations

from collections.abc import Iterable

from botcity_provider.client._endpoints import messages as api
from botcity_provider.client._endpoints.messages import MessageType

from ._base import AsyncResource, Resource

__all__ = ["AsyncMessages", "Messages"]


class Messages(Resource):
    """E-mail sent through Maestro, to addresses and to users of the workspace (by login)."""

    def send(
        self,
        subject: str,
        body: str,
        *,
        emails: Iterable[str] = (),
        logins: Iterable[str] = (),
        type: MessageType = "TEXT",
    ) -> None:
        """Send one e-mail to every recipient; ``type`` says how ``body`` reads. Never resent: a resend
        would mail everyone twice."""
        return self._client._run(api.send_message(subject, body, emails, logins, type))


class AsyncMessages(AsyncResource):
    """E-mail sent through Maestro, to addresses and to users of the workspace (by login)."""

    async def send(
        self,
        subject: str,
        body: str,
        *,
        emails: Iterable[str] = (),
        logins: Iterable[str] = (),
        type: MessageType = "TEXT",
    ) -> None:
        """Send one e-mail to every recipient; ``type`` says how ``body`` reads. Never resent: a resend
        would mail everyone twice."""
        return await self._client._run(api.send_message(subject, body, emails, logins, type))
