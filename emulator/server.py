"""The emulator as an ASGI application: Harvest v1 at ``/``, Co-op at ``/coop``, admin at ``/__emulator__``,
and Harvest API v2 at ``/v2`` (also ``/api/v2``) with Harvest ID at ``/id`` (:mod:`emulator.v2.app`),
all on the same store.

Every request passes, in order: fault injection (latency, a forced status, a dropped connection,
a garbled body), authentication, the per-account throttle, parameter parsing, then the handler
inside one store transaction. Refusals are :class:`~emulator.errors.ApiError` rendered in the
negotiated format, so no malformed input ever reaches the store half-way or produces a 500.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from emulator import admin
from emulator.auth import authenticate
from emulator.clock import Clock
from emulator.codec import ERROR_TYPE, JSON, XML, error_body, negotiate, render
from emulator.context import Ctx, Reply, RouteSpec
from emulator.errors import ApiError, Unauthorized
from emulator.faults import Faults
from emulator.params import MAX_BODY, Params, merge, nest, parse_body
from emulator.store import Store
from emulator.throttle import Throttle
from emulator.v2.app import mounts as v2_mounts
from emulator.v2.auth_v2 import bearer_token, token_user
from emulator.v2.context import InvalidToken

log = logging.getLogger("emulator")


class _QuietDrops(logging.Filter):
    """Injected drops are intended: keep uvicorn from logging each one as an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())

from starlette.types import Receive, Scope, Send  # noqa: E402

COOP_PREFIX = "/coop"
ADMIN_PREFIX = "/__emulator__"


@dataclass
class Emulator:
    """One emulated Harvest account with its Co-op service, and the knobs tests turn."""

    store: Store
    clock: Clock = field(default_factory=Clock)
    faults: Faults = field(default_factory=Faults)
    throttle: Throttle | None = None
    coop_throttle: Throttle | None = None
    v2_throttle: Throttle | None = None  # API v2: 100 requests per 15 seconds, 429
    v2_reports_throttle: Throttle | None = None  # API v2 Reports: 100 per 15 minutes, 429

    def __post_init__(self) -> None:
        if self.throttle is None:
            self.throttle = Throttle(self.clock)
        if self.coop_throttle is None:
            # Assumption: Co-op was a separate service (coopapp.com) with its own throttle.
            self.coop_throttle = Throttle(self.clock)
        if self.v2_throttle is None:
            self.v2_throttle = Throttle(self.clock)
        if self.v2_reports_throttle is None:
            self.v2_reports_throttle = Throttle(self.clock, limit=100, window=15 * 60)

    def asgi(self) -> EmulatorASGI:
        return EmulatorASGI(self)


def _harvest_routes() -> list[RouteSpec]:
    from emulator.routes import (
        account,
        assignments,
        daily,
        extended,
        oauth,
        people,
        projects,
        reports,
    )

    specs: list[RouteSpec] = []
    for module in (account, daily, projects, reports, people, extended, assignments, oauth):
        specs.extend(module.routes.specs)
    return specs


def _coop_routes() -> list[RouteSpec]:
    from emulator.routes import coop_groups, coop_statuses

    # Groups first: coop_statuses ends with GET /groups/{id}/{YYYYMMDD}, which would otherwise
    # swallow /groups/{id}/memberships.
    return [*coop_groups.routes.specs, *coop_statuses.routes.specs]


class EmulatorASGI:
    """The ASGI callable: faults around a Starlette router of Harvest and Co-op routes."""

    def __init__(self, emulator: Emulator):
        self.emulator = emulator
        harvest = [self._route(spec, coop=False) for spec in _harvest_routes()]
        coop = [self._route(spec, coop=True) for spec in _coop_routes()]
        self.app = Starlette(
            routes=[
                Mount(ADMIN_PREFIX, routes=admin.routes(emulator)),
                Mount(COOP_PREFIX, routes=coop),
                *v2_mounts(emulator),
                *harvest,
            ]
        )
        self.app.router.redirect_slashes = False
        self.app.add_exception_handler(404, self._not_found)
        self.app.add_exception_handler(405, self._not_allowed)

    # -- the pipeline ---------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = _normalise_path(scope)
        path, method = scope["path"], scope["method"]
        if path.startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        rule = self.emulator.faults.take(method, path)
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.latency:
            await asyncio.sleep(rule.latency)
        if rule.drop == "before":
            await _drop(send)
            return
        if rule.status is not None:
            await _send(send, rule.status, error_body("Internal Server Error (injected)"),
                        ERROR_TYPE, {})
            return
        if rule.drop == "after" or rule.malformed:
            status, headers, body = await _capture(self.app, scope, receive)
            if rule.drop == "after":
                await _drop(send)
                return
            garbage = b'{"day_entry": {"id": 1, "hours": ' if b"{" in body[:2] or body[:1] == b"[" \
                else b"<?xml version=\"1.0\"?><day_entry><id>1</id><hours>"
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(garbage)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": garbage})
            return
        await self.app(scope, receive, send)

    def _route(self, spec: RouteSpec, coop: bool) -> Route:
        async def endpoint(request: Request) -> Response:
            return await self._handle(spec, request, coop)

        return Route(spec.path, endpoint, methods=list(spec.methods), name=spec.handler.__name__)

    async def _handle(self, spec: RouteSpec, request: Request, coop: bool) -> Response:
        emulator = self.emulator
        content_type = request.headers.get("content-type")
        fmt = request.scope.get("harvest.format") or negotiate(
            request.headers.get("accept"), content_type
        )
        try:
            declared = request.headers.get("content-length", "0")
            if declared.isdigit() and int(declared) > MAX_BODY:
                raise ApiError(413, "Request body too large")
            query = nest(parse_qsl(request.url.query, keep_blank_values=True))
            user = None
            if not spec.public:
                try:
                    user = authenticate(emulator.store, emulator.clock,
                                        request.headers.get("authorization"),
                                        query.get("access_token") if isinstance(
                                            query.get("access_token"), str) else None)
                except Unauthorized:
                    if not coop:
                        raise
                    user = _coop_v2_user(emulator, request, query)
            if spec.throttled:
                throttle = emulator.coop_throttle if coop else emulator.throttle
                assert throttle is not None
                retry_after = throttle.hit()
                if retry_after is not None:
                    raise ApiError(503, "Rate limit exceeded: more than "
                                   f"{throttle.limit} calls in {throttle.window:g} seconds",
                                   {"Retry-After": str(retry_after)})
            body = await request.body()
            data = merge(query, parse_body(body, content_type))
            ctx = Ctx(emulator, request.method, request.url.path, Params(data),
                      dict(request.path_params), user, fmt, dict(request.headers))
            with emulator.store.tx():
                reply = spec.handler(ctx)
        except ApiError as exc:
            return _error_response(exc, fmt)
        except ClientDisconnect:
            # The caller hung up (its timeout) before its body arrived: nothing to process,
            # nobody to answer. Not an emulator failure, so not logged as one.
            return Response(status_code=499)
        except UnicodeDecodeError:
            return _error_response(ApiError(400, "The request body is not valid UTF-8"), fmt)
        except Exception:  # a bug in the emulator: say so plainly, keep serving
            log.exception("emulator handler failed: %s %s", request.method, request.url.path)
            return _error_response(ApiError(500, "Internal Server Error"), fmt)
        return _reply_response(reply, fmt)

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        fmt = request.scope.get("harvest.format") or negotiate(
            request.headers.get("accept"), request.headers.get("content-type"))
        return _error_response(ApiError(404, "Not found"), fmt)

    async def _not_allowed(self, request: Request, exc: Exception) -> Response:
        fmt = request.scope.get("harvest.format") or negotiate(
            request.headers.get("accept"), request.headers.get("content-type"))
        return _error_response(ApiError(405, "Method not allowed"), fmt)


def _normalise_path(scope: Scope) -> Scope:
    """``/projects/`` and ``/projects.json`` reach ``/projects``, as Rails routed them."""
    path: str = scope["path"]
    fmt = None
    for suffix, kind in ((".json", JSON), (".xml", XML)):
        if path.endswith(suffix):
            path, fmt = path[: -len(suffix)], kind
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    if path == scope["path"] and fmt is None:
        return scope
    scope = dict(scope)
    scope["path"] = path
    scope["raw_path"] = path.encode()
    if fmt:
        scope["harvest.format"] = fmt
    return scope


def _safe_header(value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ").encode("latin-1", "replace").decode("latin-1")


def _error_response(exc: ApiError, fmt: str) -> Response:
    """Every refusal carries its reason in the ``Hint`` header and as a plain-text body."""
    headers = {"Hint": exc.message, **exc.headers}
    headers = {name: _safe_header(value) for name, value in headers.items()}
    return Response(error_body(exc.message), exc.status, headers, media_type=ERROR_TYPE)


def _reply_response(reply: Reply, fmt: str) -> Response:
    headers = {name: _safe_header(value) for name, value in reply.headers.items()}
    if reply.raw is not None:
        return Response(reply.raw, reply.status, headers, media_type=reply.content_type or fmt)
    body = render(reply.body, fmt)
    return Response(body, reply.status, headers, media_type=f"{fmt}; charset=utf-8")


async def _send(send: Send, status: int, body: bytes, content_type: str,
                headers: dict[str, str]) -> None:
    raw = [(b"content-type", content_type.encode()),
           (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _drop(send: Send) -> None:
    """Lose the connection: promise a body and never finish it, so the server closes the socket.

    ASGI has no "close now"; an incomplete body makes uvicorn abort the connection, and the
    client sees a dropped connection (no status it could trust).
    """
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", b"1000"), (b"content-type", b"application/xml")]})
    # Returning now leaves the response incomplete; uvicorn then closes the transport.


async def _capture(app: Any, scope: Scope, receive: Receive) -> tuple[int, list, bytes]:
    status = 500
    headers: list = []
    chunks: list[bytes] = []

    async def capture(message: dict[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    return status, headers, b"".join(chunks)



__all__ = ["Emulator", "EmulatorASGI", "COOP_PREFIX", "ADMIN_PREFIX"]


def _coop_v2_user(emulator: Any, request: Request, query: dict[str, Any]) -> dict[str, Any]:
    """Co-op beside API v2: a Harvest ID token (OAuth or personal) signs in too.

    Assumption (no source says how Co-op treated v2 credentials): Co-op is served beside a
    Harvest whose people hold Harvest ID tokens, and takes them.

    :raises Unauthorized: not a valid v2 token either.
    """
    try:
        token = bearer_token(dict(request.headers), query)
        return token_user(emulator.store, emulator.clock, token)
    except InvalidToken:
        raise Unauthorized("Invalid access token") from None
