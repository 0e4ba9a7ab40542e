"""The client against the emulator over real HTTP on loopback: every endpoint, in XML and in
JSON, each role, the throttle and every fault mode.

Assertions are on what the caller gets and on what Harvest then holds (read back through the
API), never on how the client got there.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.harvest.auth import BasicAuth, OAuthTokens, RefreshedTokens
from bot.harvest.client_v1 import HarvestV1Account, HarvestV1Client
from bot.harvest.documents import Format
from bot.harvest.errors import (
    AuthError,
    Forbidden,
    NotFound,
    Unavailable,
    ValidationError,
)
from bot.harvest.pacing import Pacer
from bot.harvest.session import RetryPolicy
from emulator.runner import RunningEmulator

FORMATS = ["json", "xml"]
#: Real backoff, shortened: these tests wait for the emulator, not for politeness.
QUICK = RetryPolicy(backoff=0.05)


class CountingTransport(httpx.HTTPTransport):
    """A real HTTP transport that counts the statuses the server answered."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        with self._lock:
            self.statuses[response.status_code] += 1
        return response


_OPEN: list[HarvestV1Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Any:
    """Every client a test opened is closed after it, so no socket outlives its test."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def opened(client: HarvestV1Client) -> HarvestV1Client:
    _OPEN.append(client)
    return client


def client_for(
    em: RunningEmulator, who: str = "sybil", fmt: Format = "json", **options: Any
) -> HarvestV1Client:
    login = em.info.logins[who]
    options.setdefault("pacer", Pacer())
    return opened(
        HarvestV1Client(
            em.base_url,
            BasicAuth(login.email, login.password),
            coop_url=em.coop_url,
            format=fmt,
            **options,
        )
    )


def today_entries(client: HarvestV1Client, notes: str) -> list[Any]:
    return [e for e in client.day().entries if e.notes == notes]


# --- every endpoint, both formats ------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_time_tracking_round_trip(emulator: RunningEmulator, fmt: Format) -> None:
    client = client_for(emulator, fmt=fmt)
    me = client.who_am_i()
    assert me.user.email == "sybil@fawltytowers.example" and me.user.is_admin
    day = client.day()
    project = day.projects[0]
    task = project.tasks[0]

    added = client.add_entry(project.id, task.id, day.for_day, hours=1.5, notes=f"round trip {fmt}")
    assert (added.hours, added.project_id, added.task_id) == (1.5, project.id, task.id)
    assert client.entry(added.id) == added

    updated = client.update_entry(added.id, hours=2.25, notes=f"updated {fmt}")
    assert updated.hours == 2.25 and client.entry(added.id).notes == f"updated {fmt}"

    timer = client.start_timer(project.id, task.id, notes=f"timer {fmt}")
    assert timer.is_running
    stopped = client.toggle_timer(timer.id)
    assert not stopped.entry.is_running
    restarted = client.toggle_timer(timer.id)
    assert restarted.entry.is_running

    client.delete_entry(added.id)
    with pytest.raises(NotFound):
        client.entry(added.id)
    yesterday = client.day(day.for_day - timedelta(days=1))
    assert yesterday.for_day == day.for_day - timedelta(days=1)


@pytest.mark.parametrize("fmt", FORMATS)
def test_timestamp_accounts_take_start_and_end_times(
    emulator: RunningEmulator, fmt: Format
) -> None:
    emulator.store.update("account", 1, timestamp_timers=1)
    client = client_for(emulator, fmt=fmt)
    assert client.who_am_i().account.timestamp_timers
    day = client.day()
    project = day.projects[0]
    entry = client.add_entry(
        project.id,
        project.tasks[0].id,
        day.for_day,
        started_at=datetime(2000, 1, 1, 8).time(),
        ended_at=datetime(2000, 1, 1, 9, 30).time(),
        notes=f"stamped {fmt}",
    )
    assert entry.hours == pytest.approx(1.5)
    assert entry.started_at and entry.ended_at


@pytest.mark.parametrize("fmt", FORMATS)
def test_reports(emulator: RunningEmulator, fmt: Format) -> None:
    client = client_for(emulator, fmt=fmt)
    ids, me = emulator.info.ids, emulator.info.logins["sybil"].user_id
    today = client.day().for_day
    start = today - timedelta(days=14)
    website = ids["project:Website Redesign"]
    on_project = client.project_entries(website, start, today)
    assert on_project and {e.project_id for e in on_project} == {website}
    mine = client.project_entries(website, start, today, user_id=me)
    assert {e.user_id for e in mine} <= {me}
    by_me = client.person_entries(me, start, today)
    assert by_me and {e.user_id for e in by_me} == {me}
    assert all(start <= e.spent_at <= today for e in by_me)
    assert {e.project_id for e in client.person_entries(me, start, today, project_id=website)} <= {
        website
    }
    assert all(x.user_id == me for x in client.person_expenses(me, start, today))
    assert all(x.project_id == website for x in client.project_expenses(website, start, today))


@pytest.mark.parametrize("fmt", FORMATS)
def test_extended_api(emulator: RunningEmulator, fmt: Format) -> None:
    client = client_for(emulator, fmt=fmt)
    ids = emulator.info.ids
    projects = client.projects()
    assert {p.name for p in projects} >= {"Website Redesign", "Gourmet Night"}
    website = client.project(ids["project:Website Redesign"])
    assert website.client_id == ids["client:Acme Corp"]
    assert {p.id for p in client.people()} >= {
        login.user_id for login in emulator.info.logins.values()
    }
    assert client.person(emulator.info.logins["polly"].user_id).first_name == "Polly"
    assert client.client(ids["client:Acme Corp"]).name == "Acme Corp"
    assert {c.name for c in client.clients()} >= {"Acme Corp", "Globex"}
    assert {t.name for t in client.tasks()} >= {"Design", "Development"}
    assert {c.name for c in client.expense_categories()} >= {"Mileage", "Meals"}
    assert {a.project_id for a in client.task_assignments(website.id)} == {website.id}
    assert client.rate_limit_status().max_calls == 100

    created = client.create_project(
        f"Basil's bistro {fmt}", ids["client:City of Torquay"], code="BB"
    )
    assert created.name == f"Basil's bistro {fmt}" and created.active
    assert created.id in {p.id for p in client.projects()}  # the cache was forgotten
    renamed = client.update_project(created.id, name=f"Sybil's bistro {fmt}")
    assert renamed.name == f"Sybil's bistro {fmt}" and renamed.client_id == created.client_id
    assert client.toggle_project(created.id).active is False
    assert client.toggle_project(created.id).active is True
    client.delete_project(created.id)
    with pytest.raises(NotFound):
        client.project(created.id)


def test_a_project_with_hours_cannot_be_deleted(emulator: RunningEmulator) -> None:
    client = client_for(emulator)
    with pytest.raises(ValidationError) as caught:
        client.delete_project(emulator.info.ids["project:Website Redesign"])
    assert caught.value.status == 400 and caught.value.message


@pytest.mark.parametrize("fmt", FORMATS)
def test_coop(emulator: RunningEmulator, fmt: Format) -> None:
    client = client_for(emulator, fmt=fmt)
    fawlty = emulator.info.ids["group:Fawlty Towers"]
    assert fawlty in {g.id for g in client.groups()}
    newest = client.group_statuses(fawlty)
    assert 0 < len(newest) <= 50
    assert [s.created_at for s in newest] == sorted((s.created_at for s in newest), reverse=True)
    posted = client.post_status(fawlty, f"Gourmet night is on ({fmt})")
    today = client.day().for_day
    assert posted is None or posted.text == f"Gourmet night is on ({fmt})"
    texts = {s.text for s in client.group_statuses(fawlty, today)}
    assert f"Gourmet night is on ({fmt})" in texts
    assert any(m.is_owner for m in client.memberships(fawlty))

    group = client.create_group(f"Torquay {fmt}", "London", ["manuel@fawltytowers.example"])
    assert group.name == f"Torquay {fmt}"
    client.update_group(group.id, name=f"Torquay II {fmt}")
    assert {g.name for g in client.groups() if g.id == group.id} == {f"Torquay II {fmt}"}
    invited = client.invite(group.id, ["polly@fawltytowers.example"])
    assert [m.email for m in invited] == ["polly@fawltytowers.example"]
    emails = {m.email for m in client.memberships(group.id)}
    assert {"manuel@fawltytowers.example", "polly@fawltytowers.example"} <= emails
    (polly,) = [m for m in client.memberships(group.id) if m.email.startswith("polly")]
    assert polly.id is not None
    client.remove_member(group.id, polly.id)
    assert polly.id not in {m.id for m in client.memberships(group.id)}
    client.delete_group(group.id)
    assert group.id not in {g.id for g in client.groups()}


def test_only_the_owner_may_hand_a_group_over(emulator: RunningEmulator) -> None:
    sybil = client_for(emulator)
    group = sybil.create_group("Handover", "London", ["basil@fawltytowers.example"])
    basil_id = emulator.info.logins["basil"].user_id
    # An address of an active person of the account joins at once.
    assert basil_id in {m.user_id for m in sybil.memberships(group.id)}
    with pytest.raises(Forbidden):
        client_for(emulator, "basil").change_group_owner(group.id, basil_id)
    sybil.change_group_owner(group.id, basil_id)
    owners = {m.user_id for m in sybil.memberships(group.id) if m.is_owner}
    assert owners == {basil_id}


# --- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_regular_user_sees_only_their_own_timesheet(
    emulator: RunningEmulator, fmt: Format
) -> None:
    polly = client_for(emulator, "polly", fmt)
    me = polly.who_am_i().user
    assert not me.is_admin and not me.is_project_manager
    day = polly.day()
    project = day.projects[0]
    entry = polly.add_entry(project.id, project.tasks[0].id, day.for_day, hours=0.5, notes="polly")
    assert entry.user_id == me.id
    sybil = emulator.info.logins["sybil"].user_id
    for forbidden in (
        lambda: polly.day(of_user=sybil),
        polly.projects,
        polly.people,
        polly.clients,
        lambda: polly.person_entries(sybil, day.for_day, day.for_day),
        lambda: polly.create_project("Nope", emulator.info.ids["client:Acme Corp"]),
    ):
        with pytest.raises(Forbidden):
            forbidden()
    assert polly.person_entries(me.id, day.for_day, day.for_day)


def test_a_project_manager_sees_projects_but_not_other_timesheets(
    emulator: RunningEmulator,
) -> None:
    basil = client_for(emulator, "basil")
    assert basil.who_am_i().user.is_project_manager
    assert basil.projects()
    website = emulator.info.ids["project:Website Redesign"]
    today = basil.day().for_day
    assert basil.project_entries(website, today - timedelta(days=14), today) is not None
    with pytest.raises(Forbidden):
        basil.people()
    with pytest.raises(Forbidden):
        basil.day(of_user=emulator.info.logins["polly"].user_id)


def test_an_administrator_works_on_another_persons_timesheet(
    emulator: RunningEmulator,
) -> None:
    sybil = client_for(emulator, "sybil")
    polly_id = emulator.info.logins["polly"].user_id
    day = sybil.day(of_user=polly_id)
    project = day.projects[0]
    entry = sybil.add_entry(
        project.id,
        project.tasks[0].id,
        day.for_day,
        hours=1,
        notes="for polly",
        of_user=polly_id,
    )
    assert entry.user_id == polly_id
    assert today_entries(client_for(emulator, "polly"), "for polly")


def test_a_wrong_password_is_an_auth_error(emulator: RunningEmulator) -> None:
    client = opened(
        HarvestV1Client(
            emulator.base_url,
            BasicAuth("sybil@fawltytowers.example", "not-the-password"),
            pacer=Pacer(),
        )
    )
    with pytest.raises(AuthError) as caught:
        client.who_am_i()
    assert "not-the-password" not in str(caught.value)


# --- the throttle ----------------------------------------------------------------------------


def burst(client: HarvestV1Client, calls: int) -> None:
    for _ in range(calls):
        client.day()


@pytest.fixture
def quick_throttle(emulator: RunningEmulator) -> RunningEmulator:
    """Harvest's 100 calls, in a 1.5 s window instead of 15 s so a burst takes seconds."""
    assert emulator.throttle is not None and emulator.emulator.coop_throttle is not None
    emulator.throttle.configure(limit=100, window=1.5)
    emulator.emulator.coop_throttle.configure(limit=100, window=1.5)
    return emulator


def test_a_paced_burst_of_300_calls_never_meets_the_throttle(
    quick_throttle: RunningEmulator,
) -> None:
    transport = CountingTransport()
    pacer = Pacer(100, 1.5, margin=5)
    client = client_for(quick_throttle, transport=transport, pacer=pacer)
    started = time.monotonic()
    burst(client, 300)
    assert transport.statuses == Counter({200: 300})
    assert time.monotonic() - started >= 2 * 1.5  # 300 calls need three windows


def test_an_unpaced_burst_of_300_gets_503s_that_never_reach_the_caller(
    quick_throttle: RunningEmulator,
) -> None:
    transport = CountingTransport()
    client = client_for(quick_throttle, transport=transport, pacer=Pacer(10_000, 1.5, margin=0))
    burst(client, 300)  # raises if any 503 got through
    assert transport.statuses[503] > 0 and transport.statuses[200] == 300


def test_threads_of_several_people_share_the_accounts_budget(
    quick_throttle: RunningEmulator,
) -> None:
    transport = CountingTransport()
    errors: list[BaseException] = []
    with HarvestV1Account(
        quick_throttle.base_url,
        coop_url=quick_throttle.coop_url,
        transport=transport,
        pacer=Pacer(100, 1.5, margin=5),
    ) as account:
        clients = [
            account.client(
                BasicAuth(login.email, login.password),
                priority="batch" if n % 2 else "interactive",
            )
            for n, login in enumerate(quick_throttle.info.logins.values())
        ]

        def work(client: HarvestV1Client) -> None:
            try:
                burst(client, 75)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert errors == []
    assert transport.statuses == Counter({200: 300})


class LateArrivals(CountingTransport):
    """Each request reaches the server up to 60 ms after the client started it, as on a busy
    network or under a busy event loop: Harvest counts it from when it arrives."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self._random = random.Random(seed)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            delay = self._random.uniform(0.0, 0.06)
        time.sleep(delay)
        return super().handle_request(request)


def test_calls_that_arrive_late_keep_their_slot_until_answered(
    quick_throttle: RunningEmulator,
) -> None:
    """Without a margin: a pacer that counted each call from its start would let a new call go
    while Harvest still counted an old one that arrived late, and meet the throttle."""
    transport = LateArrivals(seed=7)
    with HarvestV1Account(
        quick_throttle.base_url, transport=transport, pacer=Pacer(100, 1.5, margin=0)
    ) as account:
        login = quick_throttle.info.logins["sybil"]
        client = account.client(BasicAuth(login.email, login.password))
        threads = [threading.Thread(target=burst, args=(client, 40)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert transport.statuses == Counter({200: 320})


# --- faults ----------------------------------------------------------------------------------


def test_reads_ride_out_a_500_a_dropped_connection_and_a_slow_answer(
    emulator: RunningEmulator,
) -> None:
    client = client_for(emulator, timeout=0.5, retry=QUICK)
    emulator.faults.add("/daily", "GET", status=500, times=1)
    assert client.day().for_day
    emulator.faults.add("/daily", "GET", drop="after", times=1)
    assert client.day().for_day
    emulator.faults.add("/daily", "GET", drop="before", times=1)
    assert client.day().for_day
    emulator.faults.add("/daily", "GET", latency=1.0, times=1)
    assert client.day().for_day


def test_a_read_that_keeps_failing_is_unavailable(emulator: RunningEmulator) -> None:
    client = client_for(emulator, retry=QUICK)
    emulator.faults.add("/projects", "GET", status=502)
    with pytest.raises(Unavailable) as caught:
        client.projects()
    assert caught.value.status == 502


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_malformed_answer_is_unavailable(emulator: RunningEmulator, fmt: Format) -> None:
    client = client_for(emulator, fmt=fmt)
    emulator.faults.add("/daily", "GET", malformed=True)
    with pytest.raises(Unavailable) as caught:
        client.day()
    assert caught.value.path == "/daily"


@pytest.mark.parametrize(
    ("fault", "landed"),
    [
        ({"status": 500}, 0),
        ({"drop": "before"}, 0),
        ({"drop": "after"}, 1),
        ({"malformed": True}, 1),
    ],
)
def test_an_add_that_fails_is_never_written_twice(
    emulator: RunningEmulator, fault: dict[str, Any], landed: int
) -> None:
    client = client_for(emulator)
    day = client.day()
    project = day.projects[0]
    notes = f"fault {sorted(fault.items())}"
    emulator.faults.add("/daily/add", "POST", times=1, **fault)
    with pytest.raises(Unavailable):
        client.add_entry(project.id, project.tasks[0].id, day.for_day, hours=1, notes=notes)
    assert len(today_entries(client, notes)) == landed


def test_a_slow_add_times_out_and_is_not_repeated(emulator: RunningEmulator) -> None:
    client = client_for(emulator, timeout=0.3)
    day = client.day()
    project = day.projects[0]
    emulator.faults.add("/daily/add", "POST", latency=0.8, times=1)
    with pytest.raises(Unavailable, match="may or may not have been saved"):
        client.add_entry(project.id, project.tasks[0].id, day.for_day, hours=1, notes="slow add")
    time.sleep(1.0)  # whatever the emulator does with the request the client gave up on
    # Whether it landed is the server's business (this emulator drops it once the client has
    # gone); what the client owes is never to send it twice.
    assert len(today_entries(client, "slow add")) <= 1


def test_a_dropped_toggle_toggles_once(emulator: RunningEmulator) -> None:
    client = client_for(emulator)
    day = client.day()
    project = day.projects[0]
    timer = client.start_timer(project.id, project.tasks[0].id, notes="dropped toggle")
    emulator.faults.add(f"/daily/timer/{timer.id}", "GET", drop="after", times=1)
    with pytest.raises(Unavailable):
        client.toggle_timer(timer.id)
    assert not client.entry(timer.id).is_running  # stopped exactly once, not restarted


def test_a_delete_whose_answer_was_lost_still_succeeds(
    emulator: RunningEmulator,
) -> None:
    client = client_for(emulator)
    day = client.day()
    project = day.projects[0]
    entry = client.add_entry(
        project.id, project.tasks[0].id, day.for_day, hours=1, notes="lost delete"
    )
    emulator.faults.add(f"/daily/delete/{entry.id}", "DELETE", drop="after", times=1)
    client.delete_entry(entry.id)
    assert today_entries(client, "lost delete") == []


# --- OAuth -----------------------------------------------------------------------------------


def sign_in(em: RunningEmulator, who: str = "polly") -> dict[str, Any]:
    """The authorization-code flow over HTTP, as the bot's install page will do it."""
    app = em.info.oauth
    assert app is not None
    login = em.info.logins[who]
    with httpx.Client(base_url=em.base_url) as http:
        page = http.post(
            "/oauth2/authorize",
            data={
                "client_id": app.client_id,
                "redirect_uri": app.redirect_uri,
                "response_type": "code",
                "email": login.email,
                "password": login.password,
            },
        )
        assert page.status_code in (301, 302, 303), page.text
        code = parse_qs(urlsplit(page.headers["location"]).query)["code"][0]
        tokens = http.post(
            "/oauth2/token",
            data={
                "code": code,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "redirect_uri": app.redirect_uri,
                "grant_type": "authorization_code",
            },
        )
        assert tokens.status_code == 200, tokens.text
        return dict(tokens.json())


def oauth_for(
    em: RunningEmulator, access: str, refresh: str, expires_at: datetime | None
) -> tuple[OAuthTokens, list[RefreshedTokens]]:
    app = em.info.oauth
    assert app is not None
    told: list[RefreshedTokens] = []
    return (
        OAuthTokens(
            access,
            refresh,
            expires_at,
            client_id=app.client_id,
            client_secret=app.client_secret,
            on_refresh=told.append,
        ),
        told,
    )


def test_oauth_bearer_tokens_work_and_an_expired_one_is_refreshed(
    emulator: RunningEmulator,
) -> None:
    tokens = sign_in(emulator)
    auth, told = oauth_for(
        emulator,
        tokens["access_token"],
        tokens["refresh_token"],
        datetime.now(UTC) + timedelta(hours=18),
    )
    client = opened(HarvestV1Client(emulator.base_url, auth, pacer=Pacer()))
    assert client.who_am_i().user.email == "polly@fawltytowers.example"
    assert told == []

    expired, told = oauth_for(
        emulator,
        tokens["access_token"],
        tokens["refresh_token"],
        datetime.now(UTC) - timedelta(minutes=1),
    )
    client = opened(HarvestV1Client(emulator.base_url, expired, pacer=Pacer()))
    assert client.day().for_day
    assert len(told) == 1 and told[0].access_token != tokens["access_token"]
    assert expired.refresh_token == told[0].refresh_token != tokens["refresh_token"]


def test_a_refused_token_is_refreshed_once(emulator: RunningEmulator) -> None:
    tokens = sign_in(emulator)
    auth, told = oauth_for(emulator, "not-a-valid-access-token", tokens["refresh_token"], None)
    client = opened(HarvestV1Client(emulator.base_url, auth, pacer=Pacer()))
    assert client.who_am_i().user.email == "polly@fawltytowers.example"
    assert len(told) == 1

    # The emulator rotates refresh tokens: the first one is now revoked.
    stale, _ = oauth_for(emulator, "not-a-valid-access-token", tokens["refresh_token"], None)
    with pytest.raises(AuthError, match="token refresh refused"):
        opened(HarvestV1Client(emulator.base_url, stale, pacer=Pacer())).who_am_i()


def test_what_the_bot_logs_against_the_emulator_holds_no_secret(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG, logger="bot.harvest")
    tokens = sign_in(emulator)
    auth, told = oauth_for(emulator, "bad-token-value", tokens["refresh_token"], None)
    client = opened(HarvestV1Client(emulator.base_url, auth, pacer=Pacer()))
    emulator.faults.add("/daily", "GET", status=500, times=1)
    client.day()
    secrets = {
        tokens["access_token"],
        tokens["refresh_token"],
        told[0].access_token,
        told[0].refresh_token or "",
        emulator.info.oauth.client_secret,
    }  # type: ignore[union-attr]
    assert caplog.records
    for secret in secrets - {""}:
        assert secret not in caplog.text


def test_the_client_day_uses_the_emulators_today(emulator: RunningEmulator) -> None:
    emulator.clock.set(datetime(2026, 3, 2, 12, tzinfo=UTC))
    assert client_for(emulator).day().for_day == date(2026, 3, 2)
