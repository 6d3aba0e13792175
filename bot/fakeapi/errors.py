"""Errors raised by the fake Bot API, mapped to Telegram's JSON error responses.

Telegram answers a failed call with an HTTP status equal to ``error_code`` and a body like
``{"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}``.  Method
implementations raise :class:`ApiError`; the transport turns it into that response.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error: ``code`` is both the HTTP status and ``error_code``."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    """``400 Bad Request: <message>`` (message in Telegram's wording, lower-case first)."""
    return ApiError(400, f"Bad Request: {message}")


def forbidden(message: str) -> ApiError:
    """``403 Forbidden: <message>``."""
    return ApiError(403, f"Forbidden: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    """``429`` with ``parameters.retry_after`` exactly as Telegram's flood control sends it."""
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
    )


def not_found() -> ApiError:
    """``404 Not Found``: unknown method or malformed token."""
    return ApiError(404, "Not Found")


def unauthorized() -> ApiError:
    """``401 Unauthorized``: a well-formed but wrong bot token."""
    return ApiError(401, "Unauthorized")
