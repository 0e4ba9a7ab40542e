"""The HTTP face of the bot: Slack's requests, the Harvest OAuth callback, and a health check.

``/slack/events``      every Slack request (commands, interactions, events), signature-checked
``/harvest/oauth/callback``  "Sign in with Harvest" comes back here; a small page says how it went
``/healthz``           200 "ok" when the database answers
``/slack/install``, ``/slack/oauth_redirect``  "Add to Slack" (multi-workspace only, ``bot.install``)

The outbox worker and the scheduler (the Co-op poll and the digests, ``bot.background``) run
for the life of the ASGI app (Starlette's lifespan), and of the socket in Socket Mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator
from html import escape
from types import FrameType
from typing import Protocol

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot import blocks
from bot.accounts import AccountChoice, AccountError
from bot.background import Background
from bot.config import ConfigError, Settings
from bot.harvest.errors import HarvestError
from bot.install import INSTALL_PATH, REDIRECT_PATH, bot_token
from bot.services import Services
from bot.slack_gate import refusal

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 4em auto">
<h1>{title}</h1><p>{body}</p></body></html>
"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=escape(title), body=escape(body)), status_code=status,
                        headers={"Cache-Control": "no-store"})


def create_asgi(
    settings: Settings,
    services: Services,
    *,
    app: AsyncApp | None = None,
    outbox_interval: float = 5.0,
) -> Starlette:
    """The ASGI app serving ``app`` (built from ``settings`` when not given)."""
    if app is None:
        from bot.app import create_app

        app = create_app(settings, services)
    bolt = app
    handler = AsyncSlackRequestHandler(bolt)
    background = Background(services, bolt.client, tokens=lambda team: bot_token(bolt, team),
                            outbox_interval=outbox_interval)
    signing_secret = settings.slack.signing_secret.reveal()

    async def events(request: Request) -> Response:
        if request.method == "POST":  # GET: the install pages, no body
            refused = refusal(await request.body(), request.headers, signing_secret)
            if refused is not None:
                return PlainTextResponse("", status_code=refused)
        return await handler.handle(request)

    async def oauth_callback(request: Request) -> Response:
        code, state = request.query_params.get("code"), request.query_params.get("state")
        if request.query_params.get("error") or not code or not state:
            return _page("Not connected", "Harvest did not grant access. "
                         "Run /harvest connect in Slack to try again.", 400)
        try:
            account = await services.run(services.accounts.oauth_finish, code, state)
        except (AccountError, HarvestError) as error:
            text = error.message if isinstance(error, HarvestError) else str(error)
            return _page("Not connected", text or type(error).__doc__ or "", 400)
        if isinstance(account, AccountChoice):  # Harvest ID: several accounts, ask which
            await bolt.client.chat_postMessage(
                channel=account.user_id, **await bot_token(bolt, account.team_id),
                **blocks.account_choice_message(account))
            return _page("Almost connected", "Your Harvest sign-in reaches several Harvest "
                         "accounts. Pick one in Slack to finish.")
        await bolt.client.chat_postMessage(
            channel=account.user_id, **await bot_token(bolt, account.team_id),
            **blocks.text_message(blocks.connected_text(account.email)))
        return _page("Connected", f"Connected as {account.email}. You can close this tab "
                     "and go back to Slack.")

    async def healthz(request: Request) -> Response:
        await services.run(services.accounts.get, "-", "-")  # the database answers a read
        return PlainTextResponse("ok")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with background.running():
            yield

    routes = [
        Route("/slack/events", events, methods=["POST"]),
        Route("/harvest/oauth/callback", oauth_callback, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    if bolt.oauth_flow is not None:  # Bolt's handler serves both: the redirect and the callback
        routes += [Route(path, events, methods=["GET"]) for path in (INSTALL_PATH, REDIRECT_PATH)]
    asgi = Starlette(
        routes=routes,
        lifespan=lifespan,
    )
    asgi.state.worker = background.worker
    asgi.state.bolt = bolt
    return asgi


def serve(settings: Settings, *, socket_mode: bool = False, host: str | None = None,
          port: int | None = None) -> int:
    """Run the bot until interrupted: HTTP under uvicorn, or Socket Mode with the app token."""
    import uvicorn

    from bot.app import create_app
    from bot.services import build_services

    services = build_services(settings)
    try:
        try:
            app = create_app(settings, services)
        except ConfigError as error:
            print(error, file=sys.stderr)
            return 2
        if socket_mode:
            asyncio.run(_socket_mode(settings, services, app))
            return 0
        asgi = create_asgi(settings, services, app=app)
        # uvicorn shuts down gracefully on SIGTERM (requests finish, the outbox worker stops),
        # then raises SIGTERM again for the handler it found: this one ends serve() normally,
        # so the services close and the exit status is 0.
        previous = signal.signal(signal.SIGTERM, _terminated)
        try:
            uvicorn.run(asgi, host=host or settings.http.host,
                        port=settings.http.port if port is None else port, access_log=False)
        except _Terminated:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
        return 0
    finally:
        services.close()


class _Terminated(Exception):
    """SIGTERM arrived after uvicorn's graceful shutdown."""


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


class SocketClient(Protocol):
    """What the runner needs of Bolt's ``AsyncSocketModeHandler`` (a fake in tests)."""

    async def connect_async(self) -> None: ...

    async def close_async(self) -> None: ...


async def _socket_mode(settings: Settings, services: Services, app: AsyncApp, *,
                       socket: SocketClient | None = None,
                       stopping: asyncio.Event | None = None) -> None:
    """Socket Mode until SIGTERM or SIGINT (or ``stopping``), then close the socket and stop
    the scheduler (the Co-op poll, the digests) and the outbox worker, as HTTP mode does
    (``bot.background``).

    slack_sdk keeps retrying until Slack gives a WebSocket URL (``apps.connections.open`` with
    the app token), so connecting runs beside the wait for a signal rather than before it.
    """
    if socket is None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        socket = AsyncSocketModeHandler(app, settings.slack.app_token.reveal())
    background = Background(services, app.client, tokens=lambda team: bot_token(app, team))
    stopping = stopping or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, stopping.set)
    try:
        async with background.running():
            connecting = loop.create_task(socket.connect_async(), name="socket-mode")
            try:
                await stopping.wait()
            finally:
                connecting.cancel()
                await asyncio.gather(connecting, return_exceptions=True)
                await socket.close_async()
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
