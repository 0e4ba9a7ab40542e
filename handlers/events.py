"""Events: each delivered once (by ``event_id``), and clean-up when the app leaves a workspace."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.services import Services


def register(app: AsyncApp, services: Services) -> None:
    """Add the de-duplicating middleware and the uninstall listeners."""

    @app.middleware
    async def once(req: AsyncBoltRequest, body: dict[str, Any], next: Any) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not await services.run(
            services.events.first_time, f"event:{event_id}", now=services.clock()
        ):
            return BoltResponse(status=200, body="")  # a retry of one already handled
        return await next()

    @app.event("app_uninstalled")
    async def uninstalled(body: dict[str, Any]) -> None:
        await services.run(services.accounts.unlink_team, body["team_id"])

    @app.event("tokens_revoked")
    async def revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
        tokens = event.get("tokens") or {}
        if tokens.get("bot"):
            await services.run(services.accounts.unlink_team, body["team_id"])
            return
        for user_id in tokens.get("oauth") or []:
            await services.run(services.accounts.unlink, body["team_id"], user_id)
