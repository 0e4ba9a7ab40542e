"""A local stand-in for Slack's Web API on loopback: point the app's slack_sdk clients at
:attr:`LocalSlack.base_url` and read what it sent.

It answers like Slack (HTTP 200 with ``{"ok": true, ...}`` or ``{"ok": false, "error": ...}``),
keeps the state that shows what a person sees (messages, ephemerals, views, App Home, uploaded
files), serves the ``response_url`` endpoints it hands out, and records every call with its
arguments and headers::

    with LocalSlack() as slack:
        slack.add_user("U1", name="ana", email="ana@example.com", tz="Europe/Lisbon")
        client = WebClient(token="xoxb-local", base_url=slack.base_url)
        ...
        call = slack.wait_for("chat.postEphemeral", lambda c: c.args["user"] == "U1")

:meth:`LocalSlack.subscribe` hears each call as it is recorded (the console prints them).
Block Kit limits (50 blocks a message, 100 a view, 3,000 characters a section text) and the one
message per second per channel pace are checked as Slack does, so an app that breaks them fails
here too; ``strict=False`` turns those checks off. Tests add faults in a subclass
(``tests/fakes/slack_api.py``) by overriding :meth:`LocalSlack._reply`.

Messages keep their ``metadata``; ``conversations.history`` reads a channel back as Slack does
(newest first, ``oldest``/``latest``/``inclusive``, ``limit`` and ``cursor`` pages with
``has_more`` and ``response_metadata.next_cursor``, metadata only with
``include_all_metadata``; ``channel_not_found`` for a deleted channel or a user id, and
``not_in_channel`` for a channel added with :meth:`LocalSlack.add_channel` without the bot). A ``ts`` is the wall clock's Unix time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.localslack.serving import Background
from bot.localslack.workspace import MESSAGE_BLOCK_LIMIT, SlackUser, Workspace

RESPONSE_URL = "response_url"
UPLOAD = "upload"
_JSON_ARGS = ("blocks", "attachments", "view", "files", "metadata")
_NO_TOKEN_METHODS = {"oauth.v2.access", "api.test"}

Listener = Callable[["Call"], None]
Reply = tuple[int, dict[str, Any], dict[str, str]]


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

    @property
    def ok(self) -> bool:
        """Whether Slack would call it a success."""
        if isinstance(self.response, dict):
            return bool(self.response.get("ok"))
        return self.status == 200


class CallMismatch(AssertionError):
    """The calls waited for did not come (or came more than once)."""


class LocalSlack:
    """The server: start it (or use ``with``), point clients at :attr:`base_url`.

    :param port: 0 (the default) takes a free port; the console takes a fixed one so that an app
        started separately can be pointed at it.
    """

    def __init__(
        self,
        *,
        team_id: str = "T0DEMO",
        team_name: str = "Demo",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        strict: bool = True,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.workspace = Workspace(
            team_id=team_id,
            team_name=team_name,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            strict=strict,
            clock=clock,
            wall_clock=wall_clock,
        )
        self.revoked_tokens: set[str] = set()
        self.host = host
        self.port = port
        self._clock = clock
        self._calls: list[Call] = []
        self._listeners: list[Listener] = []
        # One condition guards the workspace and the calls: the server thread changes them,
        # readers (a test, the console) read and wait on them.
        self._changed = self.workspace.lock
        self._server: Background | None = None

    # -- life --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What slack_sdk's ``base_url`` takes (it ends with a slash)."""
        return f"{self.url}/api/"

    def start(self) -> Self:
        """Serve in a background thread; returns once it listens.

        :raises OSError: the port is taken.
        """
        self._server = Background(self._app(), name="local-slack", host=self.host,
                                  port=self.port).start()
        self.port = self._server.port
        self.workspace.upload_base = f"{self.url}/upload"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

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

    def add_channel(self, channel_id: str, *, member: bool = True) -> None:
        """Say whether the bot is in a channel (any ``C…``/``G…``/``D…`` id exists, with the bot
        in it, unless said otherwise): not, and ``conversations.history`` answers
        ``not_in_channel`` (a public channel the bot posts to with ``chat:write.public``)."""
        with self._changed:
            self.workspace.channels[channel_id] = member
            self.workspace.deleted_channels.discard(channel_id)

    def delete_channel(self, channel_id: str) -> None:
        """The channel is gone: posting to it or reading it is ``channel_not_found``."""
        with self._changed:
            self.workspace.deleted_channels.add(channel_id)

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

    def show_view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        """Keep a view an app answered a submission with (``response_action`` ``update`` of
        ``view_id``, or ``push``) as Slack would, so that its later ``views.update`` finds it.

        :raises ValueError: Slack would refuse the view; the message is Slack's error.
        """
        with self._changed:
            answer = self.workspace.store_view({"view": view}, view_id)
        if not answer["ok"]:
            raise ValueError(answer["error"])
        return dict(answer["view"])

    # -- reading what happened ----------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with each call as it is recorded (in the server's thread, so it
        must be quick and must not wait on this server); returns what unsubscribes it."""
        with self._changed:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._changed:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

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

        :raises CallMismatch: none came in time; the message lists the calls that did.
        """

        def matching() -> Call | None:
            for call in self._calls:
                if call.method != method or (
                    predicate is not None and not predicate(call)
                ):
                    continue
                if ok is None or call.ok == ok:
                    return call
            return None

        with self._changed:
            found = self._changed.wait_for(matching, timeout=timeout)
            if found is None:
                seen = ", ".join(c.method for c in self._calls) or "none"
                raise CallMismatch(
                    f"no {method} call within {timeout}s (calls: {seen})"
                )
            return found

    def settle(self, after: int, *, first: float, quiet: float) -> int:
        """Wait until the app seems done: up to ``first`` seconds for a call beyond the first
        ``after``, then until ``quiet`` seconds pass without one. Returns the number of calls.

        Slack cannot know when an app has finished answering; the console uses this to keep a
        scripted session in step with the app.
        """
        deadline = time.monotonic() + first
        with self._changed:
            while len(self._calls) <= after:
                left = deadline - time.monotonic()
                if left <= 0:
                    return len(self._calls)
                self._changed.wait(left)
            while True:
                seen = len(self._calls)
                self._changed.wait(quiet)
                if len(self._calls) == seen:
                    return seen

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
            listeners = list(self._listeners)
            self._changed.notify_all()
        for listener in listeners:
            listener(call)

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        body = await request.body()
        args = _arguments(request, body)
        status, payload, headers = await self._reply(
            method, args, request.headers.get("authorization", "")
        )
        self._record(method, args, request, body, status, payload)
        return JSONResponse(payload, status_code=status, headers=headers)

    async def _reply(self, method: str, args: dict[str, Any], authorization: str) -> Reply:
        """Status, body and headers for a Web API call (tests override this to add faults)."""
        payload = self._answer(method, args, authorization)
        if payload.get("error") == "ratelimited":
            return 429, payload, {"Retry-After": "1"}
        return 200, payload, {}

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
        if not isinstance(args, dict):
            args = {"raw": args}
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
