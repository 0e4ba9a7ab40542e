"""Co-op in Slack: ``/harvest status``, ``/harvest group …``, the group picker, the delete
confirmation, and the "Post to Co-op" message shortcut.

``/harvest`` routes its ``Status`` and ``Group`` commands here (``handlers.commands``); each is
parse -> service (``services.coop``, in the thread pool) -> render (``bot.coop_blocks``). Errors
are not caught: they rise to the app's one error handler, which explains them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import coop_blocks
from bot.coop import NeedsGroup
from bot.coop_errors import CoopRefused
from bot.parsing import commands as parsed
from bot.parsing.coop_words import plain_text
from bot.runtime import people
from bot.services import Services
from handlers.where import Where, sender

Message = dict[str, Any]
#: The message shortcut's callback id (``app.yaml``).
POST_SHORTCUT = "post_to_coop"
NO_TEXT = "That message has no text to post."


# -- /harvest status and /harvest group, called by handlers.commands -------------------------


async def status(services: Services, client: AsyncWebClient, body: dict[str, Any],
                 command: parsed.Status, for_user: parsed.SlackUserRef | None) -> Message:
    where = sender(body)
    result = await services.run(services.coop.post, where.team_id, where.user_id,
                                where.channel_id, command.text)
    if isinstance(result, NeedsGroup):
        return coop_blocks.pick_group_message(result)
    return coop_blocks.posted_message(result)


async def group(services: Services, client: AsyncWebClient, body: dict[str, Any],
                command: parsed.Group, for_user: parsed.SlackUserRef | None) -> Message:
    action = command.action
    return await _GROUP[type(action)](services, client, sender(body), action)


async def _list(services: Services, client: AsyncWebClient, where: Where,
                action: parsed.GroupList) -> Message:
    found = await services.run(services.coop.groups, where.team_id, where.user_id,
                               where.channel_id)
    return coop_blocks.groups_message(found)


async def _link(services: Services, client: AsyncWebClient, where: Where,
                action: parsed.GroupLink) -> Message:
    link = await services.run(services.coop.link, where.team_id, where.user_id,
                              where.channel_id, action.name)
    return coop_blocks.linked_message(link)


async def _unlink(services: Services, client: AsyncWebClient, where: Where,
                  action: parsed.GroupUnlink) -> Message:
    link = await services.run(services.coop.unlink, where.team_id, where.channel_id)
    return coop_blocks.unlinked_message(link)


async def _default(services: Services, client: AsyncWebClient, where: Where,
                   action: parsed.GroupDefault) -> Message:
    chosen = await services.run(services.coop.set_default, where.team_id, where.user_id,
                                action.name)
    return coop_blocks.default_message(chosen)


async def _create(services: Services, client: AsyncWebClient, where: Where,
                  action: parsed.GroupCreate) -> Message:
    own_zone = (await people(services).profile(client, where.user_id)).tz
    created = await services.run(services.coop.admin.create, where.team_id, where.user_id,
                                 action.name, action.timezone, action.emails, own_zone=own_zone)
    return coop_blocks.created_message(created)


async def _email(services: Services, client: AsyncWebClient, person: parsed.SlackUserRef) -> str:
    """A mentioned person's email, from their Slack profile.

    :raises CoopRefused: Slack does not show it to the bot.
    """
    email = (await people(services).profile(client, person.user_id)).email
    if not email:
        raise CoopRefused(f"I can't see <@{person.user_id}>'s email address in Slack; "
                          "type the address instead.")
    return email


async def _invite(services: Services, client: AsyncWebClient, where: Where,
                  action: parsed.GroupInvite) -> Message:
    emails = [*action.emails, *[await _email(services, client, p) for p in action.people]]
    invited = await services.run(services.coop.admin.invite, where.team_id, where.user_id,
                                 where.channel_id, list(dict.fromkeys(emails)))
    return coop_blocks.invited_message(invited)


async def _rename(services: Services, client: AsyncWebClient, where: Where,
                  action: parsed.GroupRename) -> Message:
    renamed = await services.run(services.coop.admin.rename, where.team_id, where.user_id,
                                 where.channel_id, action.name)
    return coop_blocks.renamed_message(renamed)


async def _owner(services: Services, client: AsyncWebClient, where: Where,
                 action: parsed.GroupOwner) -> Message:
    email = await _email(services, client, action.person)
    changed = await services.run(services.coop.admin.change_owner, where.team_id,
                                 where.user_id, where.channel_id, email)
    return coop_blocks.owner_message(changed)


async def _delete(services: Services, client: AsyncWebClient, where: Where,
                  action: parsed.GroupDelete) -> Message:
    deletable = await services.run(services.coop.admin.deletable, where.team_id,
                                   where.user_id, where.channel_id)
    return coop_blocks.delete_confirm_message(deletable)


async def _digest(services: Services, client: AsyncWebClient, where: Where,
                  action: parsed.GroupDigest) -> Message:
    digest = await services.run(services.coop.digest, where.team_id, where.user_id,
                                where.channel_id, action.day)
    return coop_blocks.digest_message(digest)


GroupHandler = Callable[[Services, AsyncWebClient, Where, Any], Awaitable[Message]]
_GROUP: dict[type, GroupHandler] = {
    parsed.GroupList: _list,
    parsed.GroupLink: _link,
    parsed.GroupUnlink: _unlink,
    parsed.GroupDefault: _default,
    parsed.GroupCreate: _create,
    parsed.GroupInvite: _invite,
    parsed.GroupRename: _rename,
    parsed.GroupOwner: _owner,
    parsed.GroupDelete: _delete,
    parsed.GroupDigest: _digest,
}


# -- buttons and the message shortcut ---------------------------------------------------------


def register(app: AsyncApp, services: Services) -> None:
    """Add the group picker, the delete buttons and the "Post to Co-op" shortcut."""

    @app.action(coop_blocks.COOP_PICK)
    async def picked(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                     respond: AsyncRespond) -> None:
        await ack()
        value = json.loads(action["value"])
        where = sender(body)
        posted = await services.run(services.coop.post_held, where.team_id, where.user_id,
                                    str(value["h"]), int(value["g"]))
        await respond(replace_original=True, **coop_blocks.posted_message(posted))

    @app.action(coop_blocks.COOP_DELETE)
    async def delete(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                     respond: AsyncRespond) -> None:
        await ack()
        where = sender(body)
        deleted = await services.run(services.coop.admin.delete, where.team_id, where.user_id,
                                     int(json.loads(action["value"])["g"]))
        await respond(replace_original=True, **coop_blocks.deleted_message(deleted))

    @app.action(coop_blocks.COOP_CANCEL)
    async def cancel(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(replace_original=True, text=coop_blocks.CANCELLED_TEXT)

    @app.shortcut(POST_SHORTCUT)
    async def post_message(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        text = plain_text(body["message"].get("text", ""))
        if not text:
            await respond(response_type="ephemeral", text=NO_TEXT)
            return
        where = sender(body)
        result = await services.run(services.coop.post, where.team_id, where.user_id,
                                    where.channel_id, text)
        if isinstance(result, NeedsGroup):
            await respond(response_type="ephemeral", **coop_blocks.pick_group_message(result))
            return
        if result.status is not None:  # the message is in this channel already
            services.coop_mirror.shown_already(where.team_id, where.channel_id, result.status,
                                               body["message"].get("ts"))
        await respond(response_type="ephemeral", **coop_blocks.posted_message(result))
