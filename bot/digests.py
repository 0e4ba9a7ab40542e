"""Digests, the rules: setting them up, what is due when, and building each one. No Slack.

Setting up (:meth:`Digests.subscribe`) resolves the scope's names with the owner's Harvest
account, so a digest only ever names what that account may see; the schedule is stored in
SQLite (:mod:`storage.digests`), the one source of truth the scheduler is rebuilt from.

Running: :meth:`Digests.due` lists what should be sent at ``now`` (the latest fire of each
schedule within the grace period, whose period has no record yet); :meth:`Digests.missed`
what fired longer ago than that and was never sent (it is recorded as skipped and logged).
The caller claims a due digest (:meth:`Digests.claim`), builds it (:meth:`Digests.report`),
marks it ``posting``, sends it, and marks it ``posted``; see :mod:`storage.digests` for why
a crash never sends one twice. A digest left ``posting`` (its answer never came back) is listed
by :meth:`Digests.in_doubt` once the attempt is over, within the grace period plus that time;
the caller takes it (:meth:`Digests.recheck`) and looks for it in the channel. Every time comes
from the injected clock or a fire time.

::

    DigestError
    ├── ScopeNotFound       a name in the scope matches nothing the owner may see
    └── NotAllowed          the owner's Harvest role cannot report on that scope
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlite_utils

from bot.accounts import Accounts, NotLinked, zone_named
from bot.digest_fetch import DigestLookups, EntryReports, Scope, digest_shares, span_of
from bot.digest_periods import (
    Period,
    last_fire,
    local_date,
    next_fire,
    previous_period,
    report_period,
    trigger,
    week_start_number,
)
from bot.digest_report import DigestReport, centi, compute
from bot.harvest.models import Entry
from bot.harvest.pacing import PacerRegistry
from bot.parsing.digest_words import DigestSubscribe, PersonalSubscribe, ScopeWords
from bot.parsing.matching import Candidate, MatchKind, match
from bot.slack_history import IN_DOUBT_AFTER
from storage.digests import (
    DigestSends,
    DigestSubscription,
    DigestSubscriptions,
    PersonalDigest,
    PersonalDigests,
    Send,
)

log = logging.getLogger(__name__)

#: A claim older than this belongs to a run that died before sending: it may be taken over.
CLAIM_LEASE = timedelta(minutes=15)
#: How far back :meth:`Digests.missed` looks for fires that were never sent.
MISSED_LOOKBACK = timedelta(days=8)
#: When ``digest me now`` reports if the person set no DM up.
DEFAULT_DM_TIME = time(18, 0)


class DigestError(Exception):
    """The digest could not be set up as asked."""


class ScopeNotFound(DigestError):
    """A project, client or person in the scope is not one your Harvest account can see."""


class NotAllowed(DigestError):
    """Your Harvest role cannot report on that."""


@dataclass(frozen=True)
class Due:
    """A digest to send (or skip): which, for which period, fired when."""

    target: str
    period: Period
    fire_at: datetime
    subscription: DigestSubscription | None = None
    personal: PersonalDigest | None = None
    #: ``digest`` (a channel's), ``me`` (a person's DM) or ``watch`` (a running-timer check).
    kind: str = "digest"


@dataclass(frozen=True)
class PersonalReport:
    """One person's day: entries, total, and what to nudge about."""

    day: date
    entries: tuple[Entry, ...]
    total: int
    #: Timers still running past the evening threshold or for longer than ``max_hours``.
    long_running: tuple[Entry, ...]
    at: datetime

    @property
    def nothing_logged(self) -> bool:
        return not self.entries


class Digests:
    """The digest service: one per process, shared by handlers and the scheduler."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        accounts: Accounts,
        *,
        clock: Callable[[], datetime],
        grace: timedelta,
        lease: timedelta = CLAIM_LEASE,
        in_doubt_after: timedelta = IN_DOUBT_AFTER,
        lookups: DigestLookups | None = None,
        shares: PacerRegistry = digest_shares,
    ) -> None:
        self.subscriptions = DigestSubscriptions(db)
        self.personal_digests = PersonalDigests(db)
        self.sends = DigestSends(db)
        self._accounts = accounts
        self._clock = clock
        self.grace = grace
        self._lease = lease
        self.in_doubt_after = in_doubt_after
        self.lookups = lookups or DigestLookups()
        self._shares = shares
        #: Harvest calls made by the last report built (for the benchmark and the logs).
        self.last_calls = 0

    # -- setting up ---------------------------------------------------------------------------

    def source(self, team_id: str, user_id: str) -> EntryReports:
        """The owner's report source, on their batch client (yields to interactive calls).

        :raises NotLinked: the owner has not connected Harvest (or disconnected).
        """
        account = self._accounts.get(team_id, user_id)
        if account is None:
            raise NotLinked(NotLinked.__doc__)
        api = self._accounts.session_for(team_id, user_id).batch()
        account_id = self._accounts.harvest_account_id(account)
        return EntryReports(api, self.lookups,
                            (account.base_url, account_id, account.harvest_user_id),
                            share=self._shares.for_account(account.base_url,
                                                           account_id=account_id))

    def subscribe(
        self,
        team_id: str,
        channel_id: str,
        user_id: str,
        words: DigestSubscribe,
        *,
        timezone: str | None = None,
        emails: Mapping[str, str | None] | None = None,
    ) -> DigestSubscription:
        """Store the channel's digest (replacing one of the same kind), owned by ``user_id``.

        ``timezone`` is the person's Slack zone, used when the words name none; ``emails`` are
        the mentioned people's Slack emails, for a people scope.

        :raises NotLinked: :raises ScopeNotFound: :raises NotAllowed: :raises HarvestError:
        """
        source = self.source(team_id, user_id)
        account = self._accounts.get(team_id, user_id)
        assert account is not None
        scope = self._resolve(source, team_id, account.base_url, words.scope, emails or {})
        zone = words.timezone or timezone or account.timezone or "UTC"
        week_start = week_start_number(source.identity().account.week_start_day)
        subscription = DigestSubscription(
            team_id=team_id, channel_id=channel_id, kind=words.kind, owner_user_id=user_id,
            at=words.at, days=words.days, timezone=zone_named(zone).key,
            scope=scope.to_json(), by_task=words.by_task,
            mention_missing=words.mention_missing, week_start=week_start)
        return self.subscriptions.save(subscription, self._clock())

    def _resolve(self, source: EntryReports, team_id: str, base_url: str, words: ScopeWords,
                 emails: Mapping[str, str | None]) -> Scope:
        if words.kind == "all":
            return Scope()
        if words.kind == "people":
            return self._resolve_people(source, team_id, base_url, words.user_ids, emails)
        projects = source.visible_projects()
        if words.kind == "projects":
            candidates = [Candidate(p.id, p.name, p.client_name or "") for p in projects]
        else:
            if source.visibility() == "self":
                raise NotAllowed("Your Harvest role shows only your own time, so a digest "
                                 "can't cover clients. Try `projects …` or no scope.")
            clients: dict[int, str] = {}
            for project in projects:
                if project.client_id is not None:
                    clients[project.client_id] = project.client_name or f"Client {project.client_id}"
            candidates = [Candidate(cid, name) for cid, name in clients.items()]
        ids: list[int] = []
        names: list[str] = []
        for name in words.names:
            found = match(name, candidates)
            if found.kind is MatchKind.NONE:
                raise ScopeNotFound(f"I can't find {words.kind[:-1]} “{name}” among the ones "
                                    "your Harvest account can see.")
            for candidate in found.tied:  # "Acme" means every project of Acme's
                if candidate.value not in ids:
                    ids.append(candidate.value)
                    names.append(_shown(candidate))
        return Scope(words.kind, tuple(ids), tuple(names))

    def _resolve_people(self, source: EntryReports, team_id: str, base_url: str,
                        user_ids: tuple[str, ...], emails: Mapping[str, str | None]) -> Scope:
        people = {p.email.lower(): p for p in source.visible_people()}
        me = source.identity().user
        ids: list[int] = []
        names: list[str] = []
        for slack_id in user_ids:
            linked = self._accounts.get(team_id, slack_id)
            harvest_id: int | None = None
            name = f"<@{slack_id}>"
            if linked is not None and linked.base_url == base_url:
                harvest_id = linked.harvest_user_id
            elif (email := (emails.get(slack_id) or "").lower()) and email in people:
                harvest_id = people[email].id
            if harvest_id is None:
                raise ScopeNotFound(f"I can't tell who <@{slack_id}> is in Harvest: they "
                                    "haven't connected, and their Slack email is no Harvest "
                                    "person's your account can see.")
            if source.visibility() == "self" and harvest_id != me.id:
                raise NotAllowed("Your Harvest role shows only your own time, so your digest "
                                 "can't cover other people.")
            if harvest_id not in ids:
                ids.append(harvest_id)
                names.append(name)
        return Scope("people", tuple(ids), tuple(names))

    def unsubscribe(self, team_id: str, channel_id: str, kind: str | None = None) -> int:
        return self.subscriptions.delete(team_id, channel_id, kind)  # type: ignore[arg-type]

    def for_channel(self, team_id: str, channel_id: str) -> list[DigestSubscription]:
        return self.subscriptions.for_channel(team_id, channel_id)

    def is_administrator(self, team_id: str, user_id: str) -> bool:
        """Whether Harvest calls the person an administrator now (False when not linked).

        Asked of Harvest, not read from the link's ``is_admin`` snapshot: on v2 that also holds
        managers who may track time for others, who may not stop someone else's digest.
        """
        if self._accounts.get(team_id, user_id) is None:
            return False
        return self._accounts.session_for(team_id, user_id).who_am_i().user.is_admin

    def subscribe_me(self, team_id: str, user_id: str, words: PersonalSubscribe, *,
                     timezone: str | None = None) -> PersonalDigest:
        """Set up the person's daily DM. :raises NotLinked:"""
        account = self._accounts.get(team_id, user_id)
        if account is None:
            raise NotLinked(NotLinked.__doc__)
        zone = zone_named(words.timezone or timezone or account.timezone).key
        return self.personal_digests.save(
            PersonalDigest(team_id, user_id, words.at, words.days, zone), self._clock())

    def unsubscribe_me(self, team_id: str, user_id: str) -> bool:
        return self.personal_digests.delete(team_id, user_id)

    def personal(self, team_id: str, user_id: str) -> PersonalDigest | None:
        return self.personal_digests.get(team_id, user_id)

    def personal_or_default(self, team_id: str, user_id: str,
                            timezone: str | None) -> PersonalDigest:
        """The person's DM settings, or the defaults (not stored) for ``digest me now``.

        :raises NotLinked:
        """
        found = self.personal_digests.get(team_id, user_id)
        if found is not None:
            return found
        account = self._accounts.get(team_id, user_id)
        if account is None:
            raise NotLinked(NotLinked.__doc__)
        return PersonalDigest(team_id, user_id, DEFAULT_DM_TIME, tuple(range(7)),
                              zone_named(timezone or account.timezone).key)

    # -- what a fire reports --------------------------------------------------------------------

    @staticmethod
    def periods(subscription: DigestSubscription, fire_at: datetime) -> tuple[Period, Period]:
        """The period a fire at ``fire_at`` reports, and the one it is compared with."""
        fired_on = local_date(fire_at, subscription.timezone)
        period = report_period(subscription.kind, fired_on, subscription.days,
                               subscription.week_start)
        return period, previous_period(subscription.kind, period, subscription.days)

    def next_run(self, subscription: DigestSubscription | PersonalDigest) -> datetime | None:
        return next_fire(_trigger_of(subscription), self._clock())

    def report(self, subscription: DigestSubscription, fire_at: datetime) -> DigestReport:
        """Fetch and compute the digest a fire at ``fire_at`` reports, as its owner sees it.

        :raises NotLinked: the owner disconnected. :raises HarvestError:
        """
        period, previous = self.periods(subscription, fire_at)
        source = self.source(subscription.team_id, subscription.owner_user_id)
        data = source.digest_data(Scope.from_json(subscription.scope),
                                  span_of(period, previous), period)
        self.last_calls = source.calls
        return compute(data, period, previous, by_task=subscription.by_task)

    def adhoc(self, team_id: str, channel_id: str, user_id: str,
              timezone: str | None) -> DigestSubscription:
        """A daily digest of everything the person may see, for ``digest now`` in a channel
        without one (not stored)."""
        account = self._accounts.get(team_id, user_id)
        if account is None:
            raise NotLinked(NotLinked.__doc__)
        zone = zone_named(timezone or account.timezone).key
        return DigestSubscription(team_id, channel_id, "daily", user_id, time(0), tuple(range(7)),
                                  zone)

    def personal_report(self, personal: PersonalDigest, at: datetime) -> PersonalReport:
        """The person's day at ``at`` (their local date). :raises NotLinked: :raises HarvestError:"""
        zone = ZoneInfo(personal.timezone)
        local = at.astimezone(zone)
        api = self._accounts.session_for(personal.team_id, personal.user_id).batch()
        entries = api.day(local.date()).entries
        late = local.time() >= personal.running_after
        long_running = tuple(e for e in entries if e.is_running
                             and (late or e.hours >= personal.max_hours))
        return PersonalReport(local.date(), entries, sum(centi(e.hours) for e in entries),
                              long_running, at)

    # -- what is due ----------------------------------------------------------------------------

    def due(self, now: datetime) -> list[Due]:
        """What should be sent at ``now``: each schedule's latest fire within the grace period
        whose period has no record yet (sent, being sent or skipped)."""
        found = []
        for candidate in self._latest_fires(now, self.grace):
            record = self.sends.get(candidate.target, candidate.period.key)
            stale = (record is not None and record.state == "claimed"
                     and record.claimed_at <= now - self._lease)
            if record is None or stale:
                found.append(candidate)
        return found

    def in_doubt(self, now: datetime) -> list[Due]:
        """Digests left ``posting`` whose attempt (and last check) is over: Slack may or may not
        have made the post. Only fires within the grace period plus that time: an older one
        stays ``posting`` (never sent again)."""
        found = []
        settled = now - self.in_doubt_after
        for candidate in self._latest_fires(now, self.grace + self.in_doubt_after):
            record = self.sends.get(candidate.target, candidate.period.key)
            if (record is not None and record.state == "posting"
                    and record.updated_at <= settled and record.claimed_at <= settled):
                found.append(candidate)
        return found

    def due_for(self, target: str, now: datetime) -> Due | None:
        """The one schedule's due digest at ``now`` (what a scheduler job runs), if any."""
        return next((d for d in self.due(now) if d.target == target), None)

    def missed(self, now: datetime) -> list[Due]:
        """Fires older than the grace period (within a week) never sent: recorded as skipped,
        each logged once; returns the ones recorded now."""
        skipped = []
        for candidate in self._latest_fires(now, MISSED_LOOKBACK):
            late = now - candidate.fire_at
            if late <= self.grace or self.sends.get(candidate.target, candidate.period.key):
                continue  # still due, or already recorded (read first: no write each sweep)
            note = f"missed by {late}; grace is {self.grace}"
            if self.sends.skip(candidate.target, candidate.period.key, candidate.fire_at, now,
                               note):
                log.warning("digest %s for %s not sent: fired at %s, %s", candidate.target,
                            candidate.period.key, candidate.fire_at.isoformat(), note)
                skipped.append(candidate)
        return skipped

    def _latest_fires(self, now: datetime, lookback: timedelta) -> list[Due]:
        found = []
        for subscription in self.subscriptions.all():
            fire = last_fire(_trigger_of(subscription), now, lookback)
            if fire is not None:
                period, _ = self.periods(subscription, fire)
                found.append(Due(subscription.target, period, fire, subscription=subscription))
        for personal in self.personal_digests.all():
            for kind, at in (("me", personal.at), ("watch", personal.running_after)):
                if kind == "watch" and at <= personal.at:
                    continue  # the DM itself already flags a timer running past that time
                fire = last_fire(trigger(at, personal.days, personal.timezone), now, lookback)
                if fire is not None:
                    day = local_date(fire, personal.timezone)
                    target = personal.target if kind == "me" else f"watch:{personal.target[3:]}"
                    found.append(Due(target, Period(day, day), fire, personal=personal,
                                     kind=kind))
        return found

    # -- exactly once ---------------------------------------------------------------------------

    def claim(self, due: Due) -> bool:
        return self.sends.claim(due.target, due.period.key, due.fire_at, self._clock(),
                                self._lease)

    def release(self, due: Due) -> None:
        self.sends.release(due.target, due.period.key)

    def posting(self, due: Due) -> None:
        self.sends.posting(due.target, due.period.key, self._clock())

    def recheck(self, due: Due) -> Send | None:
        """Take ``due``'s record in doubt to look for its message (see ``storage.digests``)."""
        return self.sends.recheck(due.target, due.period.key, self._clock(), self.in_doubt_after)

    def posted(self, due: Due, message_ts: str | None, note: str | None = None) -> None:
        self.sends.posted(due.target, due.period.key, self._clock(), message_ts, note)

    def now(self) -> datetime:
        return self._clock()


def _trigger_of(schedule: DigestSubscription | PersonalDigest):  # noqa: ANN202
    return trigger(schedule.at, schedule.days, schedule.timezone)


def _shown(candidate: Candidate[int]) -> str:
    return f"{candidate.name} ({candidate.client})" if candidate.client else candidate.name

