"""The errors the client raises.

Every error is a :class:`MaestroError`; the tree says who is to blame and whether trying again can help::

    MaestroError
    ├── ValidationError (also ValueError)   bad input, refused before any request
    ├── MaestroTransportError               no usable HTTP response
    │   ├── MaestroConnectError             the request never reached the server: safe to send again
    │   ├── MaestroTimeout (also TimeoutError)
    │   ├── MaestroConnectionLostError      the connection broke mid-exchange: the server may have acted
    │   └── MaestroTLSError                 the certificate was refused: fix ``verify``, do not retry
    ├── MaestroAPIError                     the server answered with an error status
    │   ├── AuthenticationError   401
    │   ├── PermissionDeniedError 403
    │   ├── NotFoundError         404
    │   ├── ConflictError         409
    │   ├── RateLimitError        429, with ``retry_after``
    │   └── ServerError           5xx
    └── ResponseValidationError             a success status whose body is not what the API promises

Messages say what was tried, what the server said and what to do next. They never contain the key
or a token: the client scrubs both from any text it did not write itself.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "ConflictError",
    "MaestroAPIError",
    "MaestroConnectError",
    "MaestroConnectionLostError",
    "MaestroError",
    "MaestroTLSError",
    "MaestroTimeout",
    "MaestroTransportError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "ServerError",
    "ValidationError",
]


class MaestroError(Exception):
    """Base of every error raised by the Maestro client."""


class ValidationError(MaestroError, ValueError):
    """An argument was refused before any request was made.

    :param field: the name of the offending argument, as the caller wrote it.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class MaestroTransportError(MaestroError):
    """No usable HTTP response came back.

    :param action: what the client was doing, e.g. ``"GET /api/v2/task/42"``.
    """

    def __init__(self, action: str, detail: str) -> None:
        self.action = action
        self.detail = detail
        super().__init__(f"{action} failed: {detail}")


class MaestroConnectError(MaestroTransportError):
    """The connection could not be opened; the request was never sent."""


class MaestroTimeout(MaestroTransportError, TimeoutError):
    """The server did not answer in time; it may still have acted on the request."""


class MaestroConnectionLostError(MaestroTransportError):
    """The connection broke after the request was sent; the server may have acted on it."""


class MaestroTLSError(MaestroTransportError):
    """The server's certificate was refused."""


class MaestroAPIError(MaestroError):
    """The server answered with an error status.

    :param method: HTTP method of the failed request.
    :param path: the API route of the failed request, e.g. ``/api/v2/task/42`` (no query string, no
        secrets).
    :param status: the HTTP status code.
    :param server_message: the server's own explanation, scrubbed of secrets; empty if it gave none.
    :param request_id: the server's request id header, when it sent one.
    :param hint: what the user can do about it.
    :param doing: what the caller was trying to do, in words, e.g. ``"Getting task 42"``.
    :param retry_after: seconds the server asked us to wait (``Retry-After``), when it said.
    :param prefix: the path of the server URL, sent before the route (``/maestro`` for a server at
        ``https://host/maestro``); the message shows both, so it names the request as it was sent.
    """

    def __init__(
        self,
        *,
        method: str,
        path: str,
        status: int,
        server_message: str,
        request_id: str | None = None,
        hint: str = "",
        doing: str = "",
        retry_after: float | None = None,
        prefix: str = "",
    ) -> None:
        self.method = method
        self.path = path
        self.prefix = prefix
        self.status = status
        self.server_message = server_message
        self.request_id = request_id
        self.hint = hint
        self.retry_after = retry_after
        super().__init__(self._compose(doing))

    def _compose(self, doing: str) -> str:
        said = f': "{self.server_message}"' if self.server_message else ""
        rid = f" (request id {self.request_id})" if self.request_id else ""
        head = f"{doing} failed: " if doing else ""
        tail = f". {self.hint[:1].upper()}{self.hint[1:]}" if self.hint else ""
        return f"{head}{self.method} {self.prefix}{self.path} returned {self.status}{said}{rid}{tail}"


class AuthenticationError(MaestroAPIError):
    """401: the login or key is wrong, or the token was refused."""


class PermissionDeniedError(MaestroAPIError):
    """403: the workspace may not do this."""


class NotFoundError(MaestroAPIError):
    """404: no such task, artifact or automation."""


class ConflictError(MaestroAPIError):
    """409: the request conflicts with the object's current state."""


class RateLimitError(MaestroAPIError):
    """429: too many requests; ``retry_after`` says how long the server asked us to wait."""


class ServerError(MaestroAPIError):
    """5xx: the server or a proxy in front of it failed."""


class ResponseValidationError(MaestroError):
    """A success status came with a body that is not what the API promises (HTML, empty, wrong shape)."""

    def __init__(self, action: str, detail: str) -> None:
        self.action = action
        self.detail = detail
        super().__init__(f"{action}: {detail}")
