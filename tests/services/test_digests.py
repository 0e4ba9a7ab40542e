"""The digest service against the emulator: scopes, roles, totals, what is due, exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from bot.accounts import HarvestClients, NotLinked
from bot.digest_periods import Period
from bot.digests import Digests, NotAllowed, ScopeNotFound
from bot.parsing.digest_words import (
    ALL_DAYS,
    WORK_DAYS,
    DigestSubscribe,
    PersonalSubscribe,
    ScopeWords,
)
from bot.services import Services, build_services
from emulator.runner import RunningEmulator
from tests.services.conftest import FAST_RETRY, TEAM, Clock, link, settings_for
from tests.services.digest_support import (
    ADMIN_BILLABLE,
    ADMIN_TOTAL,
    FRIDAY,
    MANAGER_TOTAL,
    MEMBER_TOTAL,
    MONDAY_NINE_LONDON,
    THURSDAY,
    known_emulator,
)

GRACE = timedelta(hours=1)
EVERYTHING = ScopeWords()


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with known_emulator() as running:
        yield running


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_NINE_LONDON + timedelta(seconds=30))


@pytest.fixture
def digests(services: Services, clock: Clock) -> Digests:
    return Digests(services.db, services.accounts, clock=clock, grace=GRACE)


def daily(scope: ScopeWords = EVERYTHING, **options: object) -> DigestSubscribe:
    return DigestSubscribe("daily", time(9), WORK_DAYS, "Europe/London", scope,
                           **options)  # type: ignore[arg-type]


def test_an_administrators_digest_matches_the_hand_computed_totals(
        services: Services, emulator: RunningEmulator, digests: Digests) -> None:
    link(services, emulator, "sybil")
    sub = digests.subscribe(TEAM, "C1", "U0SYBIL", daily(by_task=True))
    assert sub.week_start == 0 and sub.timezone == "Europe/London"
    report = digests.report(sub, MONDAY_NINE_LONDON)
    assert report.period == Period(FRIDAY, FRIDAY) and report.previous == Period(THURSDAY, THURSDAY)
    assert (report.total, report.billable, report.non_billable) == (ADMIN_TOTAL, ADMIN_BILLABLE, 258)
    assert [(line.name, line.centi) for line in report.people] == [
        ("Basil Fawlty", 435), ("Polly Sherman", 358), ("Manuel Garcia", 180)]
    assert [(line.name, line.centi) for line in report.projects] == [
        ("Website Redesign (Acme Corp)", 325), ("Mobile App (Acme Corp)", 310),
        ("Gourmet Night (City of Torquay)", 275), ("Internal (Fawlty Towers (internal))", 33),
        ("Data Migration (Globex)", 30)]
    assert report.tasks is not None and sum(t.centi for t in report.tasks) == ADMIN_TOTAL
    assert (report.expenses_cents, report.expenses_count) == (1280, 3)
    assert report.previous_total == 625
    assert [p.name for p in report.missing or ()] == ["Sybil Fawlty"]
    assert [(r.person, r.centi) for r in report.running] == [("Manuel Garcia", 150)]
    assert report.visibility == "all"


def test_fewer_calls_per_person_than_per_project_and_lookups_are_cached(
        services: Services, emulator: RunningEmulator, digests: Digests) -> None:
    link(services, emulator, "sybil")
    sub = digests.subscribe(TEAM, "C1", "U0SYBIL", daily())
    digests.report(sub, MONDAY_NINE_LONDON)
    first = digests.last_calls
    digests.report(sub, MONDAY_NINE_LONDON)
    # Four people (not five active projects): an entries and an expenses report each.
    assert digests.last_calls == 8
    assert first > 8  # the first run also read who, people, projects, clients, tasks, assignments


def test_a_project_scope_asks_per_project(services: Services, emulator: RunningEmulator,
                                          digests: Digests) -> None:
    link(services, emulator, "sybil")
    sub = digests.subscribe(TEAM, "C1", "U0SYBIL", daily(ScopeWords("projects", ("acme",))))
    assert sub.scope["names"] == ["Mobile App (Acme Corp)", "Website Redesign (Acme Corp)"]
    digests.report(sub, MONDAY_NINE_LONDON)
    report = digests.report(sub, MONDAY_NINE_LONDON)
    assert digests.last_calls == 4  # two projects, entries and expenses
    assert report.total == 325 + 310
    # A project scope's roster is its regulars (who logged to it in the span): all logged.
    assert report.missing == ()
    assert (report.expenses_cents, report.previous_total) == (1280, 400)


def test_client_and_people_scopes(services: Services, emulator: RunningEmulator,
                                  digests: Digests) -> None:
    link(services, emulator, "sybil")
    link(services, emulator, "polly")
    globex = digests.subscribe(TEAM, "C1", "U0SYBIL", daily(ScopeWords("clients", ("globex",))))
    assert digests.report(globex, MONDAY_NINE_LONDON).total == 30
    people = digests.subscribe(TEAM, "C2", "U0SYBIL", daily(ScopeWords(
        "people", user_ids=("U0POLLY", "U0MANUEL"))), emails={"U0MANUEL": "manuel@fawltytowers.example"})
    report = digests.report(people, MONDAY_NINE_LONDON)
    assert digests.last_calls >= 4 and report.total == 358 + 180
    assert [line.name for line in report.people] == ["Polly Sherman", "Manuel Garcia"]
    with pytest.raises(ScopeNotFound):
        digests.subscribe(TEAM, "C1", "U0SYBIL", daily(ScopeWords("projects", ("nothing like it",))))
    with pytest.raises(ScopeNotFound):
        digests.subscribe(TEAM, "C1", "U0SYBIL", daily(ScopeWords("people", user_ids=("U0NOBODY",))))


def test_a_manager_sees_the_projects_they_manage(services: Services, emulator: RunningEmulator,
                                                 digests: Digests) -> None:
    link(services, emulator, "basil")
    sub = digests.subscribe(TEAM, "C1", "U0BASIL", daily())
    report = digests.report(sub, MONDAY_NINE_LONDON)
    assert report.visibility == "projects" and report.total == MANAGER_TOTAL
    assert {line.name for line in report.projects} == {
        "Website Redesign (Acme Corp)", "Mobile App (Acme Corp)", "Gourmet Night (City of Torquay)"}
    assert report.previous_total == 400
    with pytest.raises(ScopeNotFound):  # Data Migration is not his
        digests.subscribe(TEAM, "C1", "U0BASIL", daily(ScopeWords("projects", ("data migration",))))


def test_a_regular_user_sees_only_themself(services: Services, emulator: RunningEmulator,
                                           digests: Digests) -> None:
    link(services, emulator, "polly")
    sub = digests.subscribe(TEAM, "C1", "U0POLLY", daily())
    report = digests.report(sub, MONDAY_NINE_LONDON)
    assert report.visibility == "self" and report.total == MEMBER_TOTAL
    assert [line.name for line in report.people] == ["Polly Sherman"]
    assert report.billable == 250 and report.expenses_cents == 1250
    assert [p.name for p in report.missing or ()] == []
    with pytest.raises(NotAllowed):
        digests.subscribe(TEAM, "C1", "U0POLLY", daily(ScopeWords("clients", ("acme",))))
    with pytest.raises(NotLinked):
        digests.subscribe(TEAM, "C1", "U0MANUEL", daily())


def test_due_once_within_the_grace_then_skipped_and_logged(
        services: Services, emulator: RunningEmulator, digests: Digests, clock: Clock,
        caplog: pytest.LogCaptureFixture) -> None:
    link(services, emulator, "sybil")
    sub = digests.subscribe(TEAM, "C1", "U0SYBIL", daily())
    clock.now = MONDAY_NINE_LONDON - timedelta(seconds=1)
    assert digests.due(clock.now) == []
    clock.now = MONDAY_NINE_LONDON + timedelta(minutes=59)
    [due] = digests.due(clock.now)
    assert (due.target, due.period, due.fire_at) == (sub.target, Period(FRIDAY, FRIDAY),
                                                     MONDAY_NINE_LONDON)
    assert digests.claim(due) and not digests.claim(due)
    assert digests.due(clock.now) == []  # claimed: not due for anyone else
    digests.posting(due)
    digests.posted(due, "1.000100")
    clock.now += timedelta(days=1)  # Tuesday 09:59: Monday's fire is long past, already sent
    assert [d.period for d in digests.due(clock.now)] == [Period(date_(30), date_(30))]
    assert digests.missed(clock.now) == []  # the latest fire is due, not missed
    clock.now += timedelta(hours=2)  # Tuesday 11:59, not sent: beyond the grace
    assert digests.due(clock.now) == []
    [skipped] = digests.missed(clock.now)
    assert skipped.period == Period(date_(30), date_(30))
    assert "not sent" in caplog.text and digests.missed(clock.now) == []


def test_a_released_claim_is_due_again(services: Services, emulator: RunningEmulator,
                                       digests: Digests, clock: Clock) -> None:
    link(services, emulator, "sybil")
    digests.subscribe(TEAM, "C1", "U0SYBIL", daily())
    [due] = digests.due(clock.now)
    assert digests.claim(due)
    digests.release(due)  # Harvest was down
    assert digests.due(clock.now) == [due]


def test_personal_digest_and_the_evening_watch(services: Services, emulator: RunningEmulator,
                                               digests: Digests, clock: Clock) -> None:
    link(services, emulator, "manuel", tz="Europe/Madrid")
    me = digests.subscribe_me(TEAM, "U0MANUEL", PersonalSubscribe(time(18), ALL_DAYS))
    assert me.timezone == "Europe/Madrid" and digests.personal(TEAM, "U0MANUEL") == me
    clock.now = datetime.fromisoformat("2026-03-27T16:00:30+00:00")  # 17:00:30 in Madrid, Friday
    assert digests.due(clock.now) == []
    clock.now += timedelta(hours=1)
    [due] = digests.due(clock.now)
    assert (due.kind, due.target, due.period) == ("me", "me:T0DEMO:U0MANUEL", Period(FRIDAY, FRIDAY))
    report = digests.personal_report(me, due.fire_at)
    assert report.total == 180 and len(report.entries) == 3
    assert report.long_running == ()  # 18:00 is before the 20:00 threshold, 1.5 h under 10 h
    clock.now += timedelta(hours=2)  # 20:00:30 Madrid
    [watch] = digests.due(clock.now)
    assert watch.kind == "watch" and watch.target == "watch:T0DEMO:U0MANUEL"
    late = digests.personal_report(me, watch.fire_at)
    assert [e.project_name for e in late.long_running] == ["Gourmet Night"]
    assert digests.unsubscribe_me(TEAM, "U0MANUEL") and digests.due(clock.now) == []


def date_(day: int):  # noqa: ANN201 - a March 2026 date, for short asserts
    from datetime import date

    return date(2026, 3, day)


def test_on_v2_the_digest_share_is_keyed_by_the_account_not_the_host(
        emulator: RunningEmulator, tmp_path: Path, clock: Clock) -> None:
    from bot.config import load_settings
    from bot.digest_fetch import digest_shares

    _, env = settings_for(emulator, tmp_path)
    env.update(HARVEST_WIRE="v2", HARVEST_API_V2_URL=emulator.v2_url,
               HARVEST_ID_URL=emulator.id_url)
    # v2 times running timers by the client's clock: the emulator's, frozen, as Harvest's.
    clients = HarvestClients(emulator.coop_url, retry=FAST_RETRY, utcnow=emulator.clock.now)
    built = build_services(load_settings(env=env), env=env, clients=clients, clock=clock)
    try:
        account_id = str(emulator.info.account_id)
        built.accounts.link_pat(TEAM, "U0SYBIL", emulator.info.pats["sybil"], account_id,
                                timezone="Europe/London")
        digests = Digests(built.db, built.accounts, clock=clock, grace=GRACE)
        source = digests.source(TEAM, "U0SYBIL")
        share = source._count.share  # the window its calls wait on
        host = emulator.v2_url.rstrip("/")
        assert share is digest_shares.for_account(host, account_id=account_id)
        assert share is not digest_shares.for_account(host, account_id="999")
        assert share is not digest_shares.for_account(host)
        sub = digests.subscribe(TEAM, "C1", "U0SYBIL", daily())
        assert digests.report(sub, MONDAY_NINE_LONDON).total == ADMIN_TOTAL
    finally:
        built.close()
        clients.close()
