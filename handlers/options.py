"""Autocomplete for "Log time"'s project and task selects, from the local catalog only.

Slack waits for these answers while the person types, so they never wait on Harvest: what
Harvest offers the person is in ``services.catalog``, filled by their other Harvest calls and
refreshed when the modal opens.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import modals
from bot.catalog import find_projects, find_tasks
from bot.log_form import chosen_project
from bot.services import Services
from handlers.where import who


def register(app: AsyncApp, services: Services) -> None:
    """Add the options listeners."""

    @app.options(modals.PROJECT)
    async def projects(ack: AsyncAck, body: dict[str, Any]) -> None:
        offered = services.catalog.projects(*who(body))
        if offered is None:
            await ack(options=modals.not_loaded_options())
            return
        await ack(options=modals.project_options(find_projects(offered, body.get("value", ""))))

    @app.options(modals.TASK)
    async def tasks(ack: AsyncAck, body: dict[str, Any]) -> None:
        offered = services.catalog.projects(*who(body))
        if offered is None:
            await ack(options=modals.not_loaded_options())
            return
        project_id = chosen_project(((body.get("view") or {}).get("state") or {}).get("values") or {})
        pairs = find_tasks(offered, project_id, body.get("value", ""))
        await ack(options=modals.task_options(pairs, with_project=project_id is None))
