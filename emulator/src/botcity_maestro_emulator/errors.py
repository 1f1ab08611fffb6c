"""Spring-style error replies: the shape every Maestro client already knows how to read."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from botcity_maestro_emulator.timefmt import iso, now


class ApiError(Exception):
    """Abort a request with an HTTP status and a message meant for the client.

    The message ends up in the JSON ``message`` field, which the official SDK copies into its exceptions; it
    must name the offending field or id and must never contain a key or a token.
    """

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def not_found(kind: str, ident: object) -> ApiError:
    """Build the 404 for an unknown id, naming both the kind of object and the id."""
    return ApiError(404, f"{kind} {ident!s} not found")


def bad_request(field: str, problem: str) -> ApiError:
    """Build the 400 for invalid input, naming the field first so the client can point at it."""
    return ApiError(400, f"{field}: {problem}")


def spring_body(status: int, message: str, path: str) -> dict[str, Any]:
    """Return the body Spring Boot produces for an error, which Maestro (a Spring application) returns."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return {"timestamp": iso(now()), "status": status, "error": phrase, "message": message, "path": path}


def nginx_page(status: int) -> bytes:
    """Return the HTML page nginx shows for an upstream failure, for clients that must survive one."""
    try:
        title = f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        title = str(status)
    lines = [
        "<html>",
        f"<head><title>{title}</title></head>",
        "<body>",
        f"<center><h1>{title}</h1></center>",
        "<hr><center>nginx</center>",
        "</body>",
        "</html>",
        "",
    ]
    return "\r\n".join(lines).encode()
