"""Errors raised by the Harvest clients.

The tree::

    HarvestError                   anything Harvest-related went wrong
     ├── AuthError                 401: credentials refused (or a token refresh failed)
     ├── Forbidden                 403: the person's role may not do this
     ├── NotFound                  404: no such thing (or deleted)
     ├── Throttled                 503/429 with Retry-After, still throttled after waiting
     ├── ValidationError           400/422: Harvest refused the values (message, Hint header)
     ├── Unavailable               5xx, connection errors, timeouts, garbage bodies
     └── CoopUnavailable           no Co-op for this account (v2, and no Co-op URL configured)

Each carries the HTTP ``method``, the ``path`` without its query string (a query may carry an
``access_token``), the ``status`` (None when there was no response) and Harvest's ``message``.
None ever holds a credential: the request's headers are not kept.
"""

from __future__ import annotations


class HarvestError(Exception):
    """Harvest could not do what was asked."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> None:
        self.message = message
        self.method = method
        self.path = strip_query(path) if path is not None else None
        self.status = status
        super().__init__(message)

    def __str__(self) -> str:
        where = " ".join(p for p in (self.method, self.path) if p)
        status = f" -> {self.status}" if self.status is not None else ""
        prefix = f"{where}{status}: " if where or status else ""
        return f"{prefix}{self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class AuthError(HarvestError):
    """Harvest refused the credentials."""


class Forbidden(HarvestError):
    """The person's role does not allow this."""


class NotFound(HarvestError):
    """No such thing in Harvest."""


class Throttled(HarvestError):
    """Harvest is throttling this account; retry after ``retry_after`` seconds."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, method=method, path=path, status=status)
        self.retry_after = retry_after


class ValidationError(HarvestError):
    """Harvest refused the values sent."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, method=method, path=path, status=status)
        self.hint = hint

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} (hint: {self.hint})" if self.hint else text


class Unavailable(HarvestError):
    """Harvest is down, unreachable, too slow, or answered something unreadable."""


class CoopUnavailable(HarvestError):
    """Co-op is not available for this Harvest account."""


def strip_query(path: str) -> str:
    """The path without its query string or fragment, which may carry an access token."""
    return path.split("?", 1)[0].split("#", 1)[0]
