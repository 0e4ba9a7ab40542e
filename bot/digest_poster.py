"""The Slack half of digests: scheduled jobs, posting each digest once, and its chart.

:func:`schedule_digests` puts the stored schedules into the app's scheduler
(:mod:`bot.scheduler`): one cron job per channel digest and per personal DM, each in its own
time zone, rebuilt from SQLite by ``services.scheduler.reload()`` whenever a schedule changes;
plus a sweep every :data:`SWEEP_SECONDS` and once at start, which sends whatever is due at the
injected clock's now (a digest missed while the bot was down, within
``scheduler.digest_grace``) and records as skipped, with a log line, what fired longer ago.

Sending one (:meth:`DigestPoster.send`), exactly once (states in :mod:`storage.digests`):

1. claim ``(target, period)``; someone else has it, or had it: stop;
2. fetch and compute in the Harvest thread pool, on the owner's batch client; if that fails,
   release the claim so the next sweep retries (until the grace period ends);
3. take the channel's turn, mark ``posting``, post the message (tagged with ``metadata``:
   ``harvest_digest``, the target and the period), and record ``posted`` with no ``await`` in
   between;
4. upload the chart (``files_upload_v2``: files.getUploadURLExternal, the upload,
   files.completeUploadExternal) into the message's thread. A chart that fails is logged; the
   digest is not sent again for it.

Slack refusing the channel (the bot is not in it, it is archived) is recorded as posted with
the reason, and the owner is told by DM.

A crash (or a lost answer) after step 3 began leaves the digest ``posting``: Slack may or may
not have made the post. Once the attempt cannot still be running (``IN_DOUBT_AFTER``), the
sweep's :meth:`DigestPoster.recover` looks for the message in the channel's history by its
metadata (:mod:`bot.slack_history`; only these records pay for ``conversations.history``):
found, it is recorded ``posted`` with its ts and its chart added; absent, the digest is built
and posted (once: the same states guard it). If the history cannot be read (the bot not in the
channel, a missing ``channels:history``/``groups:history``/``im:history`` scope) the digest is not sent again,
as before this check existed (logged as a warning); if reading it failed (Slack 5xx, rate
limit, network), the record stays in doubt and a later sweep looks again. A personal DM (or an
evening timer check) in doubt is looked up the same way in the app's DM with the person
(``conversations.open``, then its history: ``im:history``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from apscheduler.triggers.date import DateTrigger
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot import digest_blocks
from bot.accounts import AccountError
from bot.channel_pace import channel_pace
from bot.digest_chart import chart_png
from bot.digest_periods import DAY_NAMES
from bot.digest_report import DigestReport
from bot.digests import Digests, Due
from bot.harvest.errors import HarvestError
from bot.scheduler import JobSpec, cron, every
from bot.services import Services
from bot.slack_history import Lookup, dm_channel, find_posted
from storage.digests import DigestSubscription, PersonalDigest
from storage.users import LinkedAccounts

log = logging.getLogger(__name__)

DIGEST_SWEEP = "digests:sweep"
DIGEST_CATCH_UP = "digests:catch-up"
SWEEP_SECONDS = 60.0
#: At most this many Slack lookups by email to mention people who logged nothing.
MENTION_LOOKUPS = 50
CHANNEL_GONE = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "channel_is_archived",
    "restricted_action", "restricted_action_read_only_channel", "team_access_not_granted",
})
REFUSED_TEXT = ("I couldn't post the {what} digest in <#{channel}>: Slack said `{error}`. "
                "Invite me to the channel (`/invite @Harvest`) or set the digest up again.")

Tokens = Callable[[str], Awaitable[dict[str, Any]]]


async def _no_token(team_id: str) -> dict[str, Any]:
    return {}


def digests_of(services: Services) -> Digests:
    """The app's digest service, kept with the services (made on first use)."""
    found = services.extras.get("digests")
    if not isinstance(found, Digests):
        found = services.extras["digests"] = Digests(
            services.db, services.accounts, clock=services.clock,
            grace=services.settings.scheduler.digest_grace)
    return found


def job_name(target: str) -> str:
    return f"digest:{target}"


class DigestPoster:
    """Sends due digests and DMs into Slack."""

    def __init__(self, services: Services, client: AsyncWebClient, *,
                 tokens: Tokens = _no_token) -> None:
        self._services = services
        self._client = client
        self._tokens = tokens
        self.digests = digests_of(services)

    # -- the scheduler's jobs -------------------------------------------------------------------

    def jobs(self) -> Iterable[JobSpec]:
        """One cron job per stored schedule (the scheduler's ``digests`` source)."""
        for sub in self.digests.subscriptions.all():
            yield self._cron(sub.target, sub, sub.at.hour, sub.at.minute)
        for me in self.digests.personal_digests.all():
            yield self._cron(me.target, me, me.at.hour, me.at.minute)
            if me.running_after > me.at:
                yield self._cron(f"watch:{me.target[3:]}", me, me.running_after.hour,
                                 me.running_after.minute)

    def _cron(self, target: str, schedule: DigestSubscription | PersonalDigest, hour: int,
              minute: int) -> JobSpec:
        days = ",".join(DAY_NAMES[d] for d in sorted(schedule.days))
        return cron(job_name(target), lambda: self.fire(target), timezone=schedule.timezone,
                    day_of_week=days, hour=hour, minute=minute)

    async def fire(self, target: str) -> bool:
        """A cron job's run: send ``target``'s digest if it is due at the clock's now."""
        due = await self._services.run(self.digests.due_for, target, self.digests.now())
        return await self.send(due) if due is not None else False

    async def sweep(self) -> int:
        """Send what is due now, record what was missed for good; how many were sent."""
        now = self.digests.now()
        await self._services.run(self.digests.missed, now)
        sent = 0
        for due in await self._services.run(self.digests.due, now):
            if self._services.scheduler.stopping.is_set():
                break
            sent += await self.send(due)
        for due in await self._services.run(self.digests.in_doubt, now):
            if self._services.scheduler.stopping.is_set():
                break
            sent += await self.recover(due)
        return sent

    # -- sending one ----------------------------------------------------------------------------

    async def send(self, due: Due) -> bool:
        """Claim, build, post and record ``due``; whether this call posted it."""
        if not await self._services.run(self.digests.claim, due):
            return False
        return await self._deliver(due, fresh=True)

    async def _deliver(self, due: Due, *, fresh: bool) -> bool:
        """Build, post and record ``due`` (claimed, or in doubt and not in the channel: not
        ``fresh``, so a failed build leaves it ``posting`` for the next check); whether it was
        posted."""
        try:
            built = await self._services.run(self._build, due)
        except (HarvestError, AccountError) as error:
            if fresh:
                await self._services.run(self.digests.release, due)
            log.warning("digest %s for %s not built (%s); the next sweep retries within the "
                        "grace period", due.target, due.period.key, type(error).__name__)
            return False
        except BaseException:  # cancelled (the app stops): nothing was sent, give it back
            if fresh:
                self.digests.release(due)
            raise
        if built is None:  # the evening check found no timer running: nothing to say
            self.digests.posting(due)
            self.digests.posted(due, None, "nothing to say")
            return False
        channel, message, report, team_id = built
        mentions = await self._mentions(due, report, team_id)
        if mentions and due.subscription is not None and report is not None:
            message = digest_blocks.digest_message(due.subscription, report, mentions=mentions)
        message = {**message, "metadata": digest_blocks.digest_metadata(due.target,
                                                                         due.period.key)}
        ts = await self._post(due, team_id, channel, message)
        if ts is not None and report is not None:
            await self.upload_chart(team_id, channel, ts, report)
        return ts is not None

    async def recover(self, due: Due) -> bool:
        """A digest left ``posting`` (the answer to its post never came back): look for it in
        its channel's (or DM's) history; there, record it (and add a channel digest's chart,
        which the dead attempt never reached); not there, post it. Whether it was posted now."""
        record = await self._services.run(self.digests.recheck, due)
        if record is None:
            return False  # no longer in doubt, or someone else is looking
        sub = due.subscription
        team_id = sub.team_id if sub is not None else due.personal.team_id  # type: ignore[union-attr]
        token = await self._tokens(team_id)
        where = await self._where(due, token)
        lookup = where if isinstance(where, Lookup) else await find_posted(
            self._client, channel=where, event_type=digest_blocks.DIGEST_EVENT,
            payload=digest_blocks.digest_payload(due.target, due.period.key),
            attempted_at=record.updated_at, token=token)
        if lookup.state == "found":
            self.digests.posted(due, lookup.ts, "found in the channel's history")
            log.info("digest %s for %s was posted before the restart; recorded", due.target,
                     due.period.key)
            if sub is not None:
                await self._chart_for(due, sub, str(lookup.ts))
            return False
        if lookup.state == "unreadable":
            # The bot may not read this conversation (not in the channel: it posts with
            # chat:write.public; or installed before the *:history scopes were asked for): as
            # before the check existed, a digest in doubt is not sent again, rather than twice.
            self.digests.posted(due, None, f"in doubt: history unreadable ({lookup.error})")
            log.warning("digest %s for %s may not have been posted, and the history cannot be "
                        "read (%s): not sent again", due.target, due.period.key, lookup.error)
            return False
        if lookup.state == "failed":
            # Slack or the network failed this time: the record stays "posting", and the sweep
            # looks again once IN_DOUBT_AFTER has passed since this check (within the grace).
            log.warning("digest %s for %s in doubt: reading the history failed (%s); looking "
                        "again later", due.target, due.period.key, lookup.error)
            return False
        log.info("digest %s for %s was not posted: posting it", due.target, due.period.key)
        return await self._deliver(due, fresh=False)

    async def _where(self, due: Due, token: dict[str, Any]) -> str | Lookup:
        """The conversation ``due`` was posted in: its channel, or the app's DM with the person
        (opened: Slack names it by its own id), or why that cannot be known now."""
        if due.subscription is not None:
            return due.subscription.channel_id
        assert due.personal is not None
        return await dm_channel(self._client, due.personal.user_id, token)

    async def _chart_for(self, due: Due, sub: DigestSubscription, ts: str) -> None:
        try:
            report = await self._services.run(self.digests.report, sub, due.fire_at)
        except (HarvestError, AccountError) as error:
            log.warning("digest chart for %s not uploaded (%s)", due.period.key,
                        type(error).__name__)
            return
        await self.upload_chart(sub.team_id, sub.channel_id, ts, report)

    def _build(self, due: Due) -> tuple[str, dict[str, Any], DigestReport | None, str] | None:
        """What to post where (in the Harvest thread pool)."""
        if due.subscription is not None:
            sub = due.subscription
            report = self.digests.report(sub, due.fire_at)
            log.info("digest %s for %s: %d Harvest calls", due.target, due.period.key,
                     self.digests.last_calls)
            return sub.channel_id, digest_blocks.digest_message(sub, report), report, sub.team_id
        personal = due.personal
        assert personal is not None
        day = self.digests.personal_report(personal, due.fire_at)
        if due.kind == "watch":
            watch = digest_blocks.watch_message(day)
            return None if watch is None else (personal.user_id, watch, None, personal.team_id)
        return personal.user_id, digest_blocks.personal_message(day), None, personal.team_id

    async def _post(self, due: Due, team_id: str, channel: str,
                    message: dict[str, Any]) -> str | None:
        await channel_pace(self._services).turn(channel)
        token = await self._tokens(team_id)
        # The attempt begins: from here a crash leaves the digest in doubt (see recover()).
        self.digests.posting(due)
        try:
            answer = await self._client.chat_postMessage(channel=channel, **token, **message)
        except SlackApiError as error:
            # Slack answered: it did not post. Not retried (the channel needs a person first).
            code = str(error.response.get("error", ""))
            self.digests.posted(due, None, f"Slack refused: {code}")
            log.warning("digest %s for %s refused by Slack (%s)", due.target, due.period.key,
                        code)
            if due.subscription is not None and code in CHANNEL_GONE:
                await self._tell_owner(due.subscription, code)
            return None
        except (TimeoutError, SlackClientError, OSError) as error:
            # Slack may or may not have it: left "posting", in doubt; a later sweep looks for
            # it in the channel's history (recover()).
            log.error("digest %s for %s may not have been posted (%s); the channel's history "
                      "will tell", due.target, due.period.key, type(error).__name__)
            return None
        ts = answer.get("ts")
        # No await between Slack's answer and the record: a stop cannot come in between.
        self.digests.posted(due, ts)
        return str(ts) if ts else None

    async def post_once(self, sub: DigestSubscription, report: DigestReport,
                        client: AsyncWebClient | None = None) -> str:
        """Post ``report`` and its chart now, unrecorded (``digest now``); the message's ts.

        :raises SlackApiError: Slack refused the message.
        """
        client = client or self._client
        mentions = {}
        if sub.mention_missing and report.missing:
            mentions = await mentions_for(self._services, client, sub, report, {})
        message = digest_blocks.digest_message(sub, report, mentions=mentions)
        await channel_pace(self._services).turn(sub.channel_id)
        answer = await client.chat_postMessage(channel=sub.channel_id, **message)
        ts = str(answer["ts"])
        await self.upload_chart(sub.team_id, sub.channel_id, ts, report, client=client)
        return ts

    async def upload_chart(self, team_id: str, channel: str, thread_ts: str,
                           report: DigestReport,
                           client: AsyncWebClient | None = None) -> str | None:
        """The chart as a reply to the digest; the file id, or None (logged) if it failed."""
        if report.is_empty:
            return None
        title = digest_blocks.chart_title(report.period)
        png = await self._services.run(chart_png, report, title)
        token = {} if client is not None else await self._tokens(team_id)
        try:
            answer = await (client or self._client).files_upload_v2(
                channel=channel, thread_ts=thread_ts, file=png, title=title,
                filename=f"digest-{report.period.key}.png", alt_txt=title,
                request_file_info=False, **token)
        except (SlackApiError, TimeoutError, SlackClientError, OSError) as error:
            log.warning("digest chart for %s not uploaded (%s)", report.period.key,
                        type(error).__name__)
            return None
        files = answer.get("files") or [answer.get("file") or {}]
        return str(files[0].get("id")) if files and files[0] else None

    async def _mentions(self, due: Due, report: DigestReport | None,
                        team_id: str) -> dict[int, str]:
        """Slack mentions for the people who logged nothing, when the digest asks for them:
        people who linked the same Harvest account, else Slack's lookup by email."""
        sub = due.subscription
        if sub is None or report is None or not sub.mention_missing or not report.missing:
            return {}
        return await mentions_for(self._services, self._client, sub, report,
                                  await self._tokens(team_id))

    async def _tell_owner(self, sub: DigestSubscription, code: str) -> None:
        text = REFUSED_TEXT.format(what=sub.kind, channel=sub.channel_id, error=code)
        try:
            await self._client.chat_postMessage(channel=sub.owner_user_id, text=text,
                                                **await self._tokens(sub.team_id))
        except SlackApiError as error:
            log.warning("could not tell the digest's owner: %s", error.response.get("error"))


async def mentions_for(services: Services, client: AsyncWebClient, sub: DigestSubscription,
                       report: DigestReport, token: dict[str, Any]) -> dict[int, str]:
    """Harvest person id -> ``<@U…>`` for the people ``report`` lists as missing."""
    owner = services.accounts.get(sub.team_id, sub.owner_user_id)
    linked = await services.run(LinkedAccounts(services.db).all, sub.team_id)
    found = {account.harvest_user_id: f"<@{account.user_id}>" for account in linked
             if owner is not None and account.base_url == owner.base_url}
    for person in (report.missing or ())[:MENTION_LOOKUPS]:
        if person.id in found or not person.email:
            continue
        try:
            answer = await client.users_lookupByEmail(email=person.email, **token)
        except SlackApiError:
            continue  # not in this workspace (or no users:read.email): the name is shown
        found[person.id] = f"<@{answer['user']['id']}>"
    return found


def schedule_digests(services: Services, client: AsyncWebClient, *,
                     tokens: Tokens = _no_token) -> DigestPoster:
    """Add the stored digests, the sweep, and a catch-up at start to the app's scheduler."""
    poster = DigestPoster(services, client, tokens=tokens)
    services.extras["digest_poster"] = poster
    services.scheduler.add_source("digests", poster.jobs)
    services.scheduler.add(every(DIGEST_SWEEP, SWEEP_SECONDS, poster.sweep, now=services.clock()))
    # Once, as soon as the scheduler starts: what was missed while the bot was down.
    services.scheduler.add(JobSpec(DIGEST_CATCH_UP, DateTrigger(), poster.sweep))
    return poster


def poster_of(services: Services, client: AsyncWebClient) -> DigestPoster:
    """The scheduled poster, or one for this client (a command before the app was served)."""
    found = services.extras.get("digest_poster")
    return found if isinstance(found, DigestPoster) else DigestPoster(services, client)
