"""The HTTP errors the emulator answers with.

    ApiError(status, message)       any refusal; rendered in the request's format
     ├── BadRequest (400)           malformed or invalid input; message also in the Hint header
     ├── Unauthorized (401)         missing or wrong credentials
     ├── Forbidden (403)            the caller's role does not allow this
     └── NotFound (404)             no such thing, or not visible to the caller
"""

from __future__ import annotations


class ApiError(Exception):
    """A request refused with an HTTP status and a message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class BadRequest(ApiError):
    """The request is malformed or asks for something Harvest refuses (400 with a Hint header)."""

    def __init__(self, message: str):
        super().__init__(400, message, {"Hint": message})


class Unauthorized(ApiError):
    """Missing or wrong credentials."""

    def __init__(self, message: str = "Authentication failed"):
        super().__init__(401, message, {"WWW-Authenticate": 'Basic realm="Harvest"'})


class Forbidden(ApiError):
    """The authenticated user's role does not allow this call."""

    def __init__(self, message: str = "You do not have permission to do this"):
        super().__init__(403, message)


class NotFound(ApiError):
    """No such resource, or one the caller may not see."""

    def __init__(self, message: str = "Not found"):
        super().__init__(404, message)
