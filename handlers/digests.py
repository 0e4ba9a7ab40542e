"""Digests in Slack: ``/harvest digest …`` and the "Post now" button of ``digest show``.

``/harvest`` routes its ``Digest`` command here (``handlers.commands``); each action is
parse -> service (``bot.digests``, in the thread pool) -> render (``bot.digest_blocks``). After
a schedule changes, the scheduler is rebuilt from SQLite (``services.scheduler.reload()``).
Errors are not caught: they rise to the app's one error handler, which explains them.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import digest_blocks
from bot.blocks import button, text_message
from bot.digest_poster import digests_of, poster_of
from bot.parsing import commands as parsed
from bot.parsing import digest_words as words
from bot.runtime import people
from bot.services import Services
from handlers.where import Where, sender
from storage.digests import DigestSubscription

Message = dict[str, Any]
#: The "Post now" button on ``digest show``; its value is the digest's kind.
POST_NOW = "digest_post_now"
NOT_OWNER_CHANGE_TEXT = ("This channel's {kind} digest is <@{owner}>'s: only they, or a Harvest "
                         "administrator, can change it.")


async def digest(services: Services, client: AsyncWebClient, body: dict[str, Any],
                 command: parsed.Digest, for_user: parsed.SlackUserRef | None) -> Message:
    """``/harvest digest …``, called by ``handlers.commands``."""
    where, action = sender(body), command.action
    if isinstance(action, words.DigestSubscribe):
        return await _subscribe(services, client, where, action)
    if isinstance(action, words.DigestOff):
        return await _off(services, where, action.kind)
    if isinstance(action, words.DigestNow):
        return await post_now(services, client, where, action.kind)
    if isinstance(action, words.DigestShow):
        return await _show(services, where)
    if isinstance(action, words.PersonalSubscribe):
        return await _me(services, client, where, action)
    if isinstance(action, words.PersonalOff):
        gone = await services.run(digests_of(services).unsubscribe_me, where.team_id,
                                  where.user_id)
        services.scheduler.reload()
        return text_message(digest_blocks.ME_OFF_TEXT if gone else "You had no daily DM.")
    return await _me_now(services, client, where)


async def _subscribe(services: Services, client: AsyncWebClient, where: Where,
                     action: words.DigestSubscribe) -> Message:
    digests = digests_of(services)
    # Setting one up replaces the channel's digest of that kind: the same rule as stopping it.
    others = [s for s in digests.for_channel(where.team_id, where.channel_id)
              if s.kind == action.kind and s.owner_user_id != where.user_id]
    if others and not await services.run(digests.is_administrator, where.team_id,
                                         where.user_id):
        return text_message(NOT_OWNER_CHANGE_TEXT.format(owner=others[0].owner_user_id,
                                                         kind=action.kind))
    directory = people(services)
    me = await directory.profile(client, where.user_id)
    emails = {uid: (await directory.profile(client, uid)).email
              for uid in action.scope.user_ids}
    sub = await services.run(digests.subscribe, where.team_id, where.channel_id, where.user_id,
                             action, timezone=me.tz, emails=emails)
    services.scheduler.reload()
    return digest_blocks.subscribed_message(sub, digests.next_run(sub))


async def _off(services: Services, where: Where, kind: str | None) -> Message:
    digests = digests_of(services)
    subs = [s for s in digests.for_channel(where.team_id, where.channel_id)
            if kind is None or s.kind == kind]
    if not subs:
        return text_message(digest_blocks.NOTHING_TO_STOP_TEXT)
    others = [s for s in subs if s.owner_user_id != where.user_id]
    if others and not await services.run(digests.is_administrator, where.team_id,
                                         where.user_id):
        return text_message(digest_blocks.NOT_OWNER_TEXT.format(owner=others[0].owner_user_id))
    count = sum([await services.run(digests.unsubscribe, where.team_id, where.channel_id,
                                    sub.kind) for sub in subs])
    services.scheduler.reload()
    return text_message(digest_blocks.OFF_TEXT.format(count=count, s="" if count == 1 else "s"))


async def post_now(services: Services, client: AsyncWebClient, where: Where,
                   kind: str | None) -> Message:
    """Post the channel's digest (of ``kind``) now, for the period it would report today; a
    daily digest of everything the person may see when the channel has none. Not recorded:
    the scheduled one still comes."""
    digests = digests_of(services)
    subs = [s for s in digests.for_channel(where.team_id, where.channel_id)
            if kind is None or s.kind == kind]
    sub: DigestSubscription
    if subs:
        sub = subs[0]
    else:
        tz = (await people(services).profile(client, where.user_id)).tz
        sub = await services.run(digests.adhoc, where.team_id, where.channel_id, where.user_id,
                                 tz)
    report = await services.run(digests.report, sub, digests.now())
    poster = poster_of(services, client)
    await poster.post_once(sub, report, client)
    return text_message(digest_blocks.POSTED_NOW_TEXT.format(period=report.period.label()))


async def _show(services: Services, where: Where) -> Message:
    digests = digests_of(services)
    subs = await services.run(digests.for_channel, where.team_id, where.channel_id)
    personal = await services.run(digests.personal, where.team_id, where.user_id)
    message = digest_blocks.show_message(
        subs, {s.id or 0: digests.next_run(s) for s in subs}, personal,
        digests.next_run(personal) if personal is not None else None)
    if subs:
        message["blocks"].append({"type": "actions", "elements": [
            button(f"Post the {s.kind} digest now", POST_NOW, s.kind) for s in subs]})
    return message


async def _me(services: Services, client: AsyncWebClient, where: Where,
              action: words.PersonalSubscribe) -> Message:
    tz = (await people(services).profile(client, where.user_id)).tz
    personal = await services.run(digests_of(services).subscribe_me, where.team_id,
                                  where.user_id, action, timezone=tz)
    services.scheduler.reload()
    return digest_blocks.me_set_message(personal)


async def _me_now(services: Services, client: AsyncWebClient, where: Where) -> Message:
    digests = digests_of(services)
    tz = (await people(services).profile(client, where.user_id)).tz
    personal = await services.run(digests.personal_or_default, where.team_id, where.user_id, tz)
    report = await services.run(digests.personal_report, personal, digests.now())
    return digest_blocks.personal_message(report)


def register(app: AsyncApp, services: Services) -> None:
    """Add the "Post now" button of ``/harvest digest show``."""

    @app.action(POST_NOW)
    async def post(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                   respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        kind = action.get("value") or None
        message = await post_now(services, client, sender(body), kind)
        await respond(response_type="ephemeral", replace_original=False, **message)
