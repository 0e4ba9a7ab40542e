"""What a v2 handler gets and answers with: the v1 :class:`~emulator.context.Ctx` plus the
request's own URL (pagination links are absolute) and the v2 refusals.

v2 answers JSON only. Refusals (overview "Errors" section, v2-notes §6)::

    ApiError(status, message)            rendered {"message": "..."}      (403, 404, 429, …)
     ├── Unprocessable (422)             invalid input: "check the response body"
     └── InvalidToken (401)              {"error": "invalid_token", "error_description": "..."}

A v1 :class:`~emulator.errors.BadRequest` raised by shared code (params, the timesheet rules)
reaches a v2 caller as a 422: v2 has no 400 for bad input (400 is the missing User-Agent).
Assumption: 403, 404 and 429 bodies are undocumented; they carry ``{"message": "..."}`` like
the 422 that v2 clients parse.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from emulator.context import Ctx, Handler, Reply, RouteSpec
from emulator.errors import ApiError

JSON_TYPE = "application/json; charset=utf-8"
INVALID_TOKEN = ("The access token provided is expired, revoked, malformed or invalid for other "
                 "reasons.")


class Unprocessable(ApiError):
    """The request is understood but its content is invalid (422 with a message)."""

    def __init__(self, message: str):
        super().__init__(422, message)


class InvalidToken(ApiError):
    """No usable token or account: 401 ``invalid_token``."""

    def __init__(self, description: str = INVALID_TOKEN):
        super().__init__(401, description)


@dataclass
class V2Ctx(Ctx):
    """A v2 request: the v1 context plus where it was sent (for links) and the account row."""

    url: str = ""  # scheme, host and path of the request, without its query string
    query: list[tuple[str, str]] = field(default_factory=list)  # as sent, in order
    account: dict[str, Any] = field(default_factory=dict)


V2Handler = Callable[[V2Ctx], Reply]


class V2Routes:
    """A v2 module's routes, collected by decorator (v1's :class:`~emulator.context.Routes`,
    typed for handlers that take a :class:`V2Ctx`; the v2 pipeline always passes one)."""

    def __init__(self) -> None:
        self.specs: list[RouteSpec] = []

    def __call__(self, path: str, *methods: str, public: bool = False,
                 throttled: bool = True) -> Callable[[V2Handler], V2Handler]:
        def register(handler: V2Handler) -> V2Handler:
            self.specs.append(RouteSpec(path, tuple(methods or ("GET",)),
                                        cast(Handler, handler), public, throttled))
            return handler

        return register


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(raw=json.dumps(body, separators=(",", ":")).encode(), status=status,
                 content_type=JSON_TYPE, headers=dict(headers or {}))


def error_body(exc: ApiError) -> dict[str, Any]:
    if exc.status == 401:
        return {"error": "invalid_token", "error_description": exc.message}
    return {"message": exc.message}


def stamp(value: datetime | str | None) -> str | None:
    """A datetime as v2 writes it: ISO 8601 in UTC, ``2017-12-31T14:59:22Z``."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day(value: date | str | None) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()


def decimal(value: float | None) -> float | None:
    """A v2 ``decimal``: two places, as Harvest shows hours and amounts."""
    return None if value is None else round(float(value), 2)
