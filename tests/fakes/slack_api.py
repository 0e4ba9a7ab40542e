"""A fake Slack Web API on loopback, for end-to-end tests: the app's slack_sdk clients talk to it
over real HTTP (point them at :attr:`FakeSlackApi.base_url`), and tests read what was sent.

It answers like Slack (HTTP 200 with ``{"ok": true, ...}`` or ``{"ok": false, "error": ...}``),
keeps the state a test needs to assert what a person sees (messages, ephemerals, views, App
Home, uploaded files), records every call with its arguments and headers, and injects faults::

    with FakeSlackApi() as slack:
        slack.add_user("U1", name="ana", email="ana@example.com", tz="Europe/Lisbon")
        client = WebClient(token="xoxb-test", base_url=slack.base_url)
        slack.fail_next("chat.postMessage", status=429, retry_after=1)
        ...
        call = slack.wait_for("chat.postEphemeral", lambda c: c.args["user"] == "U1")

Block Kit limits (50 blocks a message, 100 a view, 3,000 characters a section text) and the one
message per second per channel pace are checked as Slack does, so an app that breaks them fails
here too; ``strict=False`` turns those checks off.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.fakes.slack_workspace import MESSAGE_BLOCK_LIMIT, FakeWorkspace, SlackUser

RESPONSE_URL = "response_url"
UPLOAD = "upload"
_JSON_ARGS = ("blocks", "attachments", "view", "files", "metadata")
_NO_TOKEN_METHODS = {"oauth.v2.access", "api.test"}


@dataclass(frozen=True)
class Call:
    """One request the app made: ``method`` is the Web API method, ``response_url`` or ``upload``."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    body: bytes
    status: int
    response: Any
    at: float

    @property
    def token(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return (
            auth.removeprefix("Bearer ")
            if auth.startswith("Bearer ")
            else self.args.get("token")
        )


@dataclass
class _Fault:
    status: int = 200
    retry_after: int | None = None
    error: str | None = None
    delay: float = 0.0
    times: int = 1


class SlackApiError(AssertionError):
    """What a test waited for did not happen (or happened more than once)."""


class FakeSlackApi:
    """The fake server: start it (or use ``with``), point clients at :attr:`base_url`."""

    def __init__(
        self,
        *,
        team_id: str = "T0DEMO",
        team_name: str = "Demo",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        strict: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.workspace = FakeWorkspace(
            team_id=team_id,
            team_name=team_name,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            strict=strict,
            clock=clock,
        )
        self.revoked_tokens: set[str] = set()
        self._clock = clock
        self._calls: list[Call] = []
        self._faults: dict[str, list[_Fault]] = {}
        # One condition guards the workspace, the calls and the faults: the server thread
        # changes them, the test thread reads and waits on them.
        self._changed = self.workspace.lock
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- life --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What slack_sdk's ``base_url`` takes (it ends with a slash)."""
        return f"{self.url}/api/"

    def start(self) -> Self:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.workspace.upload_base = f"{self.url}/upload"
        config = uvicorn.Config(
            self._app(), log_level="warning", lifespan="off", ws="none", http="h11"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            daemon=True,
            name="fake-slack",
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake Slack server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- setting the scene -------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        email: str,
        tz: str = "UTC",
        real_name: str = "",
        is_admin: bool = False,
    ) -> SlackUser:
        """A person of the workspace, for ``users.info``, ``users.lookupByEmail`` and DMs."""
        team = self.workspace.team_id
        user = SlackUser(user_id, name, email, tz, team, real_name, is_admin=is_admin)
        with self._changed:
            self.workspace.users[user_id] = user
        return user

    def response_url(self, key: str | None = None) -> str:
        """A ``response_url`` to put in a slash command or interaction; posts to it are calls
        with method ``response_url`` and ``args["key"] == key``."""
        with self._changed:
            key = key or str(self.workspace.next_id())
        return f"{self.url}/response/{key}"

    def add_oauth_code(
        self, code: str, *, installer: str, scope: str = "commands,chat:write"
    ) -> str:
        """Make ``oauth.v2.access`` with ``code`` answer with a new bot token, which it returns."""
        with self._changed:
            token = f"xoxb-{self.workspace.team_id}-{self.workspace.next_id()}"
            self.workspace.oauth_codes[code] = {
                "installer": installer,
                "scope": scope,
                "token": token,
            }
        return token

    # -- faults ------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (``*`` for any) with an HTTP error;
        429 carries ``Retry-After`` (1 s unless given) and Slack's ``ratelimited`` body."""
        if status == 429 and retry_after is None:
            retry_after = 1
        self._add_fault(
            method, _Fault(status=status, retry_after=retry_after, times=times)
        )

    def error_next(self, method: str, error: str, *, times: int = 1) -> None:
        """Answer the next calls of ``method`` with ``{"ok": false, "error": error}``."""
        self._add_fault(method, _Fault(error=error, times=times))

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Hold the next calls of ``method`` for ``seconds`` before answering normally."""
        self._add_fault(method, _Fault(delay=seconds, times=times))

    def _add_fault(self, method: str, fault: _Fault) -> None:
        with self._changed:
            self._faults.setdefault(method, []).append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._changed:
            for key in (method, "*"):
                queue = self._faults.get(key)
                if queue:
                    fault = queue[0]
                    fault.times -= 1
                    if fault.times <= 0:
                        queue.pop(0)
                    return fault
        return None

    # -- reading what happened ----------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._changed:
            return list(self._calls)

    def calls_to(
        self, method: str, predicate: Callable[[Call], bool] | None = None
    ) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and (predicate is None or predicate(c))
        ]

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
        *,
        ok: bool | None = True,
    ) -> Call:
        """The first call of ``method`` matching ``predicate``, waiting up to ``timeout`` seconds.

        By default only calls that succeeded count (``ok=None`` counts any).

        :raises SlackApiError: none came in time; the message lists the calls that did.
        """

        def matching() -> Call | None:
            for call in self._calls:
                if call.method != method or (
                    predicate is not None and not predicate(call)
                ):
                    continue
                if ok is None or _succeeded(call) == ok:
                    return call
            return None

        with self._changed:
            found = self._changed.wait_for(matching, timeout=timeout)
            if found is None:
                seen = ", ".join(c.method for c in self._calls) or "none"
                raise SlackApiError(
                    f"no {method} call within {timeout}s (calls: {seen})"
                )
            return found

    def only(
        self, method: str, predicate: Callable[[Call], bool] | None = None
    ) -> Call:
        """The one successful call of ``method`` (matching ``predicate``).

        :raises SlackApiError: there were none or several.
        """
        found = [c for c in self.calls_to(method, predicate) if _succeeded(c)]
        if len(found) != 1:
            raise SlackApiError(f"expected one {method} call, got {len(found)}")
        return found[0]

    def clear(self) -> None:
        """Forget the calls so far (state such as messages and views is kept)."""
        with self._changed:
            self._calls.clear()

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages as they stand now (after updates and deletes), oldest first."""
        with self._changed:
            found = [
                m
                for (c, _), m in self.workspace.messages.items()
                if channel in (None, c)
            ]
        return sorted(found, key=lambda m: float(m["ts"]))

    def ephemerals(self, user: str | None = None) -> list[dict[str, Any]]:
        """Ephemeral messages shown so far, to ``user`` or to anyone."""
        with self._changed:
            return [e for e in self.workspace.ephemerals if user in (None, e["user"])]

    def view(self, view_id: str) -> dict[str, Any]:
        """A modal or home view as it stands now."""
        with self._changed:
            return self.workspace.views[view_id]

    def home(self, user_id: str) -> dict[str, Any] | None:
        """The App Home view last published for ``user_id``."""
        with self._changed:
            return self.workspace.homes.get(user_id)

    def uploaded(self, file_id: str) -> bytes:
        with self._changed:
            return self.workspace.uploads[file_id]

    def shared_files(self) -> list[dict[str, Any]]:
        """Files completed into channels: id, title, channel, comment."""
        with self._changed:
            return list(self.workspace.shared_files)

    # -- the server --------------------------------------------------------------------------

    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/{method}", self._api, methods=["GET", "POST"]),
                Route("/upload/{file_id}", self._upload, methods=["POST"]),
                Route("/response/{key}", self._response_url, methods=["POST"]),
            ]
        )

    def _record(self, method: str, args: dict[str, Any], request: Request, body: bytes,
                status: int, response: Any) -> None:  # fmt: skip
        call = Call(
            method, args, dict(request.headers), body, status, response, self._clock()
        )
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        body = await request.body()
        args = _arguments(request, body)
        fault = self._take_fault(method)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.status != 200:
            headers = (
                {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
            )
            payload = {
                "ok": False,
                "error": "ratelimited" if fault.status == 429 else "fatal_error",
            }
            self._record(method, args, request, body, fault.status, payload)
            return JSONResponse(payload, status_code=fault.status, headers=headers)
        if fault is not None and fault.error:
            payload = {"ok": False, "error": fault.error}
        else:
            payload = self._answer(
                method, args, request.headers.get("authorization", "")
            )
        status, headers = 200, {}
        if payload.get("error") == "ratelimited":
            status, headers = 429, {"Retry-After": "1"}
        self._record(method, args, request, body, status, payload)
        return JSONResponse(payload, status_code=status, headers=headers)

    async def _upload(self, request: Request) -> Response:
        file_id = request.path_params["file_id"]
        body = await request.body()
        with self._changed:
            self.workspace.uploads[file_id] = body
        self._record(UPLOAD, {"file_id": file_id}, request, body, 200, "OK")
        return PlainTextResponse(f"OK - {len(body)}")

    async def _response_url(self, request: Request) -> Response:
        body = await request.body()
        try:
            args = json.loads(body or b"{}")
        except json.JSONDecodeError:
            args = {"raw": body.decode(errors="replace")}
        args["key"] = request.path_params["key"]
        with self._changed:
            error = self.workspace.block_problem(
                args.get("blocks"), MESSAGE_BLOCK_LIMIT
            )
        if error:
            self._record(RESPONSE_URL, args, request, body, 400, error)
            return PlainTextResponse(error, status_code=400)
        self._record(RESPONSE_URL, args, request, body, 200, "ok")
        return PlainTextResponse("ok")

    def _answer(
        self, method: str, args: dict[str, Any], authorization: str
    ) -> dict[str, Any]:
        if method not in _NO_TOKEN_METHODS:
            token = authorization.removeprefix("Bearer ").strip() or args.get(
                "token", ""
            )
            if not token:
                return {"ok": False, "error": "not_authed"}
            if token in self.revoked_tokens:
                return {"ok": False, "error": "invalid_auth"}
        with self._changed:
            return self.workspace.answer(method, args)


def _succeeded(call: Call) -> bool:
    if isinstance(call.response, dict):
        return bool(call.response.get("ok"))
    return call.status == 200


def _arguments(request: Request, body: bytes) -> dict[str, Any]:
    """Query, form and JSON arguments merged, with Block Kit fields decoded from JSON text."""
    args: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if body and content_type.startswith("application/json"):
        loaded = json.loads(body)
        if isinstance(loaded, dict):
            args.update(loaded)
    elif body and content_type.startswith("application/x-www-form-urlencoded"):
        args.update(parse_qsl(body.decode(), keep_blank_values=True))
    for key in _JSON_ARGS:
        if isinstance(args.get(key), str):
            try:
                args[key] = json.loads(args[key])
            except json.JSONDecodeError:
                pass  # left as sent: the handler answers as Slack would to a malformed value
    return args


def running_fake_slack(**options: Any) -> Iterator[FakeSlackApi]:
    """For a pytest fixture: ``yield from running_fake_slack()``."""
    with FakeSlackApi(**options) as api:
        yield api
