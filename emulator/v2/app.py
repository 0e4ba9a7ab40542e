"""API v2 and Harvest ID as ASGI sub-applications of the emulator, on the same store as v1.

Mounted by :mod:`emulator.server`: the API at ``/v2`` (and ``/api/v2``, which some official
examples and a third-party client use; assumption: a live alias) and Harvest ID at ``/id``
(``/id/oauth2/authorize``, ``/id/api/v2/oauth2/token``, ``/id/api/v2/accounts``), so a client
configured with ``https://api.harvestapp.com/v2`` and ``https://id.getharvest.com`` works with
``{emulator}/v2`` and ``{emulator}/id``.

The server's fault injection wraps these paths as it does v1's. Each API request then passes,
in order: ``User-Agent`` (400), the token and account (401 ``invalid_token``), the account's
rate limit (429 + ``Retry-After``), the body (JSON or form; a body that does not parse is a
400), then the handler inside one store transaction, so a refused request writes nothing. Every
answer is JSON, refusals included (:mod:`emulator.v2.context`).

Rate limits [OV]: 100 requests per 15 seconds, and a separate 100 per 15 minutes for the
Reports API (``/v2/reports/*``). Assumptions (undocumented): both budgets are per account, as
v1's was; a Reports call counts against the Reports budget only; neither shares a count with
v1's throttle (a 503 there) or Co-op's; refused calls are not counted; Harvest ID's endpoints
are not throttled; the 429 body is ``{"message": ...}``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from emulator.codec import JSON
from emulator.context import Reply, RouteSpec
from emulator.errors import ApiError, BadRequest
from emulator.params import MAX_BODY, Params, merge, nest, parse_body
from emulator.throttle import Throttle
from emulator.v2 import auth_v2
from emulator.v2.context import JSON_TYPE, Unprocessable, V2Ctx, error_body, json_reply

if TYPE_CHECKING:
    from emulator.server import Emulator

log = logging.getLogger("emulator")

V2_PREFIXES = ("/v2", "/api/v2")
ID_PREFIX = "/id"
REPORTS = "/reports/"


def _api_specs() -> list[RouteSpec]:
    from emulator.v2 import project_writes, reports, resources, time_entries, users

    return [*users.routes.specs, *time_entries.routes.specs, *resources.routes.specs,
            *project_writes.routes.specs, *reports.routes.specs]


def _id_specs() -> list[RouteSpec]:
    from emulator.v2 import identity

    return list(identity.routes.specs)


def mounts(emulator: Emulator) -> list[Mount]:
    """The v2 API under both prefixes and Harvest ID, for the server's router."""
    api = _SubApp(emulator, _api_specs(), api=True).app
    ident = _SubApp(emulator, _id_specs(), api=False).app
    return [*(Mount(prefix, app=api) for prefix in V2_PREFIXES), Mount(ID_PREFIX, app=ident)]


def _error(exc: ApiError) -> Response:
    headers = dict(exc.headers)
    headers.pop("Hint", None)  # v1's way; v2 says it in the body
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="Harvest", error="invalid_token"'
    reply = json_reply(error_body(exc), exc.status, headers)
    return _response(reply)


def _response(reply: Reply) -> Response:
    return Response(reply.raw or b"", reply.status, reply.headers,
                    media_type=reply.content_type or JSON_TYPE)


class _SubApp:
    """One Starlette app of v2 routes (the API, or Harvest ID) with the v2 pipeline."""

    def __init__(self, emulator: Emulator, specs: list[RouteSpec], api: bool):
        self.emulator = emulator
        self.api = api
        self.app = Starlette(routes=[self._route(spec) for spec in specs])
        self.app.router.redirect_slashes = False
        self.app.add_exception_handler(404, self._not_found)
        self.app.add_exception_handler(405, self._not_allowed)

    def _route(self, spec: RouteSpec) -> Route:
        async def endpoint(request: Request) -> Response:
            return await self._handle(spec, request)

        return Route(spec.path, endpoint, methods=list(spec.methods), name=spec.handler.__name__)

    def _throttle(self, spec: RouteSpec) -> Throttle:
        emulator = self.emulator
        throttle = (emulator.v2_reports_throttle if spec.path.startswith(REPORTS)
                    else emulator.v2_throttle)
        assert throttle is not None
        return throttle

    async def _handle(self, spec: RouteSpec, request: Request) -> Response:
        emulator, store = self.emulator, self.emulator.store
        headers = request.headers
        try:
            if self.api or spec.path.startswith("/api/"):
                auth_v2.require_user_agent(headers)
            declared = headers.get("content-length", "0")
            if declared.isdigit() and int(declared) > MAX_BODY:
                raise ApiError(413, "Request body too large")
            pairs = parse_qsl(request.url.query, keep_blank_values=True)
            query = nest(pairs)
            user: dict[str, Any] | None = None
            account: dict[str, Any] = {}
            if self.api:
                user, account = auth_v2.authenticate(store, emulator.clock, headers, query)
            elif not spec.public:
                user = auth_v2.token_user(store, emulator.clock,
                                          auth_v2.bearer_token(headers, query))
            if self.api and spec.throttled:
                throttle = self._throttle(spec)
                retry_after = throttle.hit()
                if retry_after is not None:
                    raise ApiError(429, f"Too many requests: more than {throttle.limit} in "
                                        f"{throttle.window:g} seconds; retry after "
                                        f"{retry_after} seconds",
                                   {"Retry-After": str(retry_after)})
            body = await request.body()
            data = merge(query, parse_body(body, headers.get("content-type")))
            ctx = V2Ctx(emulator, request.method, request.url.path, Params(data),
                        dict(request.path_params), user, JSON, dict(headers),
                        url=f"{request.url.scheme}://{request.url.netloc}{request.url.path}",
                        query=pairs, account=account)
            try:
                with store.tx():
                    reply = spec.handler(ctx)
            except BadRequest as exc:  # shared v1 rules: on v2, invalid input is a 422
                raise Unprocessable(exc.message) from None
        except ApiError as exc:
            return _error(exc)
        except ClientDisconnect:
            return Response(status_code=499)
        except UnicodeDecodeError:
            return _error(ApiError(400, "The request body is not valid UTF-8"))
        except Exception:  # a bug in the emulator: say so plainly, keep serving
            log.exception("emulator v2 handler failed: %s %s", request.method, request.url.path)
            return _error(ApiError(500, "Internal Server Error"))
        return _response(reply)

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        return _error(ApiError(404, "Not found"))

    async def _not_allowed(self, request: Request, exc: Exception) -> Response:
        return _error(ApiError(405, "Method not allowed"))
