"""The v2 client against the emulator's v2 mode over real HTTP on loopback: every call, each
role, paging over several pages, both throttle budgets, timestamp accounts, a restart that
returns a new id, and linking with a personal access token and with OAuth, end to end.

Assertions are on what the caller gets and on what Harvest then holds (read back through the
API, or through the v1 wire: one store behind both), never on how the client got there.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.harvest import identity_v2
from bot.harvest.auth import BasicAuth, OAuthTokens, RefreshedTokens
from bot.harvest.auth_v2 import PersonalToken
from bot.harvest.client_v1 import HarvestV1Client
from bot.harvest.client_v2 import HarvestV2Client
from bot.harvest.errors import (
    AuthError,
    CoopUnavailable,
    Forbidden,
    NotFound,
    Unavailable,
    ValidationError,
)
from bot.harvest.factory import connect
from bot.harvest.pacing import REPORTS_WINDOW, Budgets, Pacer
from bot.harvest.session import RetryPolicy
from emulator.runner import RunningEmulator
from tests.client.test_pacing import busiest_window

#: Real backoff, shortened: these tests wait for the emulator, not for politeness.
QUICK = RetryPolicy(backoff=0.05)


class CountingTransport(httpx.HTTPTransport):
    """A real HTTP transport that counts what the server answered, by path and status."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: Counter[int] = Counter()
        self.paths: Counter[str] = Counter()
        self.log: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        with self._lock:
            self.statuses[response.status_code] += 1
            self.paths[request.url.path] += 1
            self.log.append((request.url.path, response.status_code))
        return response


_OPEN: list[Any] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Any:
    """Every client a test opened is closed after it, so no socket outlives its test."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def opened(client: Any) -> Any:
    _OPEN.append(client)
    return client


def api_url(em: RunningEmulator) -> str:
    return em.base_url + "/v2"


def id_url(em: RunningEmulator) -> str:
    return em.base_url + "/id"


def pat(em: RunningEmulator, who: str) -> PersonalToken:
    assert em.info.account_id is not None
    return PersonalToken(em.info.pats[who], em.info.account_id)


def client_for(
    em: RunningEmulator, who: str = "sybil", auth: OAuthTokens | None = None, **options: Any
) -> HarvestV2Client:
    options.setdefault("pacers", Budgets(Pacer(), Pacer(100, REPORTS_WINDOW)))
    options.setdefault("retry", QUICK)
    options.setdefault("utcnow", em.clock.now)
    return opened(
        HarvestV2Client(
            auth or pat(em, who),
            em.info.account_id,
            base_url=api_url(em),
            id_base_url=id_url(em),
            **options,
        )
    )


def set_timestamp_timers(em: RunningEmulator, on: bool, clock: str = "12h") -> None:
    """``PATCH /v2/company`` as the administrator: how an account switches timer modes."""
    with httpx.Client() as http:
        answer = http.patch(
            api_url(em) + "/company",
            json={"wants_timestamp_timers": on},
            headers={
                "Authorization": pat(em, "sybil").header(),
                "Harvest-Account-Id": str(em.info.account_id),
                "User-Agent": "harvest-bot tests (tests@example.com)",
            },
        )
        assert answer.status_code == 200, answer.text
    em.store.update("account", 1, clock=clock)


def ids(em: RunningEmulator, name: str) -> int:
    return em.info.ids[name]


# --- who, by role ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "admin", "manager", "acts_for_others"),
    [
        ("sybil", True, False, True),
        ("basil", False, True, True),  # a manager with time_and_expenses_manager
        ("polly", False, False, False),
    ],
)
def test_who_am_i_by_role(
    emulator: RunningEmulator, who: str, admin: bool, manager: bool, acts_for_others: bool
) -> None:
    me = client_for(emulator, who).who_am_i()
    assert me.user.email == f"{who}@fawltytowers.example"
    assert (me.user.is_admin, me.user.is_project_manager) == (admin, manager)
    assert me.user.may_act_for_others == acts_for_others
    assert (me.user.timezone, me.user.timezone_identifier) == ("London", "Europe/London")
    assert me.account.name == "Fawlty Towers Consulting" and not me.account.timestamp_timers


def test_a_bad_token_is_an_auth_error(emulator: RunningEmulator) -> None:
    client = client_for(emulator, auth=PersonalToken("not-a-token", emulator.info.account_id or 0))
    with pytest.raises(AuthError, match="access token"):
        client.who_am_i()


# --- time tracking ---------------------------------------------------------------------------


def test_time_tracking_round_trip(emulator: RunningEmulator) -> None:
    client = client_for(emulator)
    day = client.day()
    # Today where Sybil is (her Harvest zone, "London").
    assert day.for_day == emulator.clock.now().astimezone(ZoneInfo("Europe/London")).date()
    project = next(p for p in day.projects if p.name == "Website Redesign")
    task = project.tasks[0]

    added = client.add_entry(project.id, task.id, day.for_day, hours=1.5, notes="round trip")
    assert (added.hours, added.project_id, added.task_id) == (1.5, project.id, task.id)
    assert client.entry(added.id) == added
    assert added in client.day().entries

    updated = client.update_entry(added.id, hours=2.25, notes="updated")
    assert updated.hours == 2.25 and client.entry(added.id).notes == "updated"

    timer = client.start_timer(project.id, task.id, notes="timer")
    assert timer.is_running and timer.spent_at == day.for_day
    stopped = client.toggle_timer(timer.id)
    assert not stopped.entry.is_running
    resumed = client.toggle_timer(timer.id)
    # A duration account resumes the same entry.
    assert resumed.entry.is_running and resumed.entry.id == timer.id

    client.delete_entry(added.id)
    with pytest.raises(NotFound):
        client.entry(added.id)
    earlier = client.day(day.for_day - timedelta(days=1))
    assert earlier.for_day == day.for_day - timedelta(days=1)


def test_starting_a_timer_stops_the_running_one(emulator: RunningEmulator) -> None:
    client = client_for(emulator, "polly")
    project = client.day().projects[0]
    first = client.start_timer(project.id, project.tasks[0].id, notes="first")
    second = client.start_timer(project.id, project.tasks[-1].id, notes="second")
    assert second.is_running and not client.entry(first.id).is_running
    toggled = client.toggle_timer(first.id)  # restarting the first stops the second
    assert toggled.entry.is_running and toggled.hours_for_previously_running_timer is not None
    assert not client.entry(second.id).is_running
    running = [e for e in client.day().entries if e.is_running]
    assert [e.id for e in running] == [toggled.entry.id]


@pytest.mark.parametrize("clock", ["12h", "24h"])
def test_timestamp_accounts_and_a_restart_that_returns_a_new_id(
    emulator: RunningEmulator, clock: str
) -> None:
    set_timestamp_timers(emulator, True, clock)
    client = client_for(emulator, "polly")
    me = client.who_am_i()
    assert me.account.timestamp_timers and me.account.clock == clock
    day = client.day()
    project = day.projects[0]
    entry = client.add_entry(
        project.id,
        project.tasks[0].id,
        day.for_day,
        started_at=time(8),
        ended_at=time(9, 30),
        notes="stamped",
    )
    assert entry.hours == pytest.approx(1.5) and not entry.is_running
    assert (entry.started_at, entry.ended_at) == (
        ("8:00am", "9:30am") if clock == "12h" else ("08:00", "09:30")
    )

    restarted = client.toggle_timer(entry.id)
    assert restarted.entry.id != entry.id and restarted.entry.is_running
    assert (restarted.entry.project_id, restarted.entry.notes) == (project.id, "stamped")
    kept = client.entry(entry.id)  # the old entry is untouched
    assert not kept.is_running and kept.hours == pytest.approx(1.5)
    stopped = client.toggle_timer(restarted.entry.id)
    assert stopped.entry.id == restarted.entry.id and not stopped.entry.is_running
    assert stopped.entry.ended_at is not None

    running = client.add_entry(project.id, project.tasks[0].id, day.for_day, started_at=time(10))
    assert running.is_running


def test_clock_times_on_a_duration_account_are_refused_and_nothing_is_written(
    emulator: RunningEmulator,
) -> None:
    client = client_for(emulator, "polly")
    day = client.day()
    project = day.projects[0]
    with pytest.raises(ValidationError, match="tracks durations"):
        client.add_entry(project.id, project.tasks[0].id, day.for_day, started_at=time(8))
    assert client.day().entries == day.entries


def test_refusals_are_typed(emulator: RunningEmulator) -> None:
    client = client_for(emulator, "polly")
    legacy = ids(emulator, "project:Legacy Portal")
    task = ids(emulator, "task:Development")
    with pytest.raises(ValidationError) as caught:
        client.add_entry(legacy, task, client.day().for_day, hours=1)
    assert caught.value.status == 422 and caught.value.message
    with pytest.raises(NotFound):
        client.entry(999_999_999)


# --- acting for someone ----------------------------------------------------------------------


def test_an_administrator_tracks_time_for_someone(emulator: RunningEmulator) -> None:
    sybil = client_for(emulator, "sybil")
    polly_id = emulator.info.logins["polly"].user_id
    theirs = sybil.day(of_user=polly_id)
    project = theirs.projects[0]
    added = sybil.add_entry(
        project.id,
        project.tasks[0].id,
        theirs.for_day,
        hours=0.5,
        notes="for polly",
        of_user=polly_id,
    )
    assert added.user_id == polly_id
    timer = sybil.start_timer(project.id, project.tasks[0].id, of_user=polly_id)
    assert timer.user_id == polly_id and timer.is_running
    assert sybil.toggle_timer(timer.id, of_user=polly_id).entry.user_id == polly_id
    assert added in client_for(emulator, "polly").day().entries


def test_a_manager_may_act_on_managed_projects_only(emulator: RunningEmulator) -> None:
    basil = client_for(emulator, "basil")
    polly_id = emulator.info.logins["polly"].user_id
    today = basil.day().for_day
    managed = ids(emulator, "project:Website Redesign")
    added = basil.add_entry(managed, ids(emulator, "task:Design"), today, hours=1, of_user=polly_id)
    assert added.user_id == polly_id
    with pytest.raises(Forbidden):
        basil.add_entry(
            ids(emulator, "project:Data Migration"),
            ids(emulator, "task:Development"),
            today,
            hours=1,
            of_user=polly_id,
        )


def test_a_member_may_not_act_for_others_nor_list_people(emulator: RunningEmulator) -> None:
    polly = client_for(emulator, "polly")
    sybil_id = emulator.info.logins["sybil"].user_id
    project = polly.day().projects[0]
    with pytest.raises(Forbidden):
        polly.add_entry(
            project.id, project.tasks[0].id, polly.day().for_day, hours=1, of_user=sybil_id
        )
    with pytest.raises(Forbidden):
        polly.people()


# --- pagination ------------------------------------------------------------------------------


def test_lists_longer_than_a_page_are_read_whole(emulator: RunningEmulator) -> None:
    sybil_id = emulator.info.logins["sybil"].user_id
    today = emulator.clock.now().date()
    start = today - timedelta(days=14)
    whole = client_for(emulator).person_entries(sybil_id, start, today)
    counting = CountingTransport()
    paged = client_for(emulator, per_page=3, transport=counting)
    assert paged.person_entries(sybil_id, start, today) == whole and len(whole) > 6
    assert counting.paths["/v2/time_entries"] >= len(whole) // 3  # page-based: several pages
    # Cursor-based lists too.
    assert len(paged.people()) == 4 and counting.paths["/v2/users"] >= 2
    assert len(paged.projects()) == len(client_for(emulator).projects())
    assert set(counting.statuses) == {200}


# --- reports and lookups ---------------------------------------------------------------------


def test_both_wires_see_the_same_entries_and_expenses(emulator: RunningEmulator) -> None:
    login = emulator.info.logins["sybil"]
    v1 = opened(
        HarvestV1Client(
            emulator.base_url, BasicAuth(login.email, login.password), pacer=Pacer(), retry=QUICK
        )
    )
    v2 = client_for(emulator)
    today = emulator.clock.now().date()
    start = today - timedelta(days=14)
    manuel = emulator.info.logins["manuel"].user_id
    gourmet = ids(emulator, "project:Gourmet Night")

    def view(entries: Any) -> set[tuple[int, float, Any]]:
        return {(e.id, round(e.hours, 2), e.spent_at) for e in entries}

    assert view(v2.person_entries(manuel, start, today)) == view(
        v1.person_entries(manuel, start, today)
    )
    assert view(v2.project_entries(gourmet, start, today)) == view(
        v1.project_entries(gourmet, start, today)
    )
    expenses = v2.person_expenses(manuel, today - timedelta(days=30), today)
    assert {e.id for e in expenses} == {
        e.id for e in v1.person_expenses(manuel, today - timedelta(days=30), today)
    }
    assert any(e.units == 42.0 for e in expenses)
    assert {e.id for e in v2.project_expenses(gourmet, today - timedelta(days=30), today)} >= {
        e.id for e in expenses if e.project_id == gourmet
    }


def test_time_reports_add_up_to_the_entries_per_currency(emulator: RunningEmulator) -> None:
    client = client_for(emulator)
    today = emulator.clock.now().date()
    start = today - timedelta(days=30)
    team = client.time_report("team", start, today)
    totals: dict[int, float] = {}
    for row in team:
        totals[row.subject_id] = totals.get(row.subject_id, 0.0) + row.total_hours
    for login in emulator.info.logins.values():
        hours = sum(e.hours for e in client.person_entries(login.user_id, start, today))
        assert totals.get(login.user_id, 0.0) == pytest.approx(hours, abs=0.01)
    assert {row.currency for row in team} >= {"EUR", "USD"}
    projects = client.time_report("projects", start, today)
    globex = [r for r in projects if r.client_name == "Globex"]
    assert globex and all(r.currency == "EUR" for r in globex)
    assert client.time_report("clients", start, today)
    assert client.time_report("tasks", start, today)


def test_the_accounts_things(emulator: RunningEmulator) -> None:
    client = client_for(emulator)
    projects = client.projects()
    website = next(p for p in projects if p.name == "Website Redesign")
    assert client.project(website.id) == website and website.client_name == "Acme Corp"
    assert any(not p.active for p in projects)  # an administrator sees archived ones too
    assert {c.name for c in client.clients()} >= {"Acme Corp", "Globex"}
    assert client.client(website.client_id or 0).name == "Acme Corp"
    assert {t.name for t in client.tasks()} >= {"Design", "Meetings"}
    assert {p.email for p in client.people()} >= {"polly@fawltytowers.example"}
    polly = client.person(emulator.info.logins["polly"].user_id)
    assert polly.timezone_identifier == "Europe/London" and not polly.is_admin
    offered = {a.task_id for a in client.task_assignments(website.id)}
    assert offered == {
        t.id for t in next(p for p in client.day().projects if p.id == website.id).tasks
    }
    status = client.rate_limit_status()
    assert 0 < status.count <= 100 and status.max_calls == 100 and status.timeframe_limit == 15


def test_project_writes(emulator: RunningEmulator) -> None:
    client = client_for(emulator)
    acme = ids(emulator, "client:Acme Corp")
    made = client.create_project("Brochure", acme, code="ACME-03", billable=True)
    assert (made.name, made.client_id, made.active) == ("Brochure", acme, True)
    assert client.update_project(made.id, name="Brochure 2").name == "Brochure 2"
    assert client.toggle_project(made.id).active is False
    assert client.toggle_project(made.id).active is True
    client.delete_project(made.id)
    with pytest.raises(NotFound):
        client.project(made.id)


def test_expense_categories(emulator: RunningEmulator) -> None:
    names = {c.name for c in client_for(emulator).expense_categories()}
    assert names >= {"Mileage", "Meals", "Travel"}


def test_a_member_sees_their_projects_through_assignments(emulator: RunningEmulator) -> None:
    polly = client_for(emulator, "polly")
    projects = polly.projects()
    assert {p.name for p in projects} == {p.name for p in polly.day().projects}
    assert all(p.tasks for p in projects)
    assert "Legacy Portal" not in {p.name for p in projects}
    assert polly.project(projects[0].id).id == projects[0].id
    assert {c.name for c in polly.clients()} >= {"Acme Corp"}
    assert polly.tasks()


# --- throttling: both budgets ----------------------------------------------------------------


def on_emulator_time(em: RunningEmulator) -> tuple[Budgets, dict[str, list[float]]]:
    """Pacers on the emulator's (frozen) clock: waiting moves it, so 15 minutes pass at once."""
    em.clock.set(em.clock.now())
    waited: dict[str, list[float]] = {"general": [], "reports": []}

    def sleeper(bucket: str) -> Any:
        def sleep(seconds: float) -> None:
            waited[bucket].append(seconds)
            em.clock.advance(seconds)

        return sleep

    def pacer(bucket: str, window: float) -> Pacer:
        return Pacer(100, window, clock=em.clock.monotonic, sleep=sleeper(bucket))

    return Budgets(pacer("general", 15.0), pacer("reports", REPORTS_WINDOW)), waited


def test_a_digest_of_150_reports_draws_no_429_and_does_not_hold_up_a_person(
    emulator: RunningEmulator,
) -> None:
    budgets, waited = on_emulator_time(emulator)
    counting = CountingTransport()
    person = client_for(emulator, "sybil", pacers=budgets, transport=counting)
    digest = person.batch()
    today = emulator.clock.now().date()
    entry = person.add_entry(
        ids(emulator, "project:Internal"), ids(emulator, "task:Meetings"), today, hours=1
    )
    report_starts: list[float] = []
    for n in range(150):
        report_starts.append(emulator.clock.monotonic())
        digest.time_report("team", today - timedelta(days=7), today)
        if n % 5 == 0:  # the person keeps clicking while the digest runs
            assert person.entry(entry.id).id == entry.id
    assert counting.statuses[429] == 0
    assert counting.paths["/v2/reports/time/team"] == 150
    assert busiest_window(report_starts, REPORTS_WINDOW) <= 100
    assert waited["general"] == []  # clicks never waited for the digest's budget
    assert sum(waited["reports"]) >= REPORTS_WINDOW - 1  # the digest waited for its window


def test_a_burst_of_general_calls_is_paced_under_the_limit(emulator: RunningEmulator) -> None:
    budgets, waited = on_emulator_time(emulator)
    counting = CountingTransport()
    client = client_for(emulator, "sybil", pacers=budgets, transport=counting, cache_ttl=0)
    for _ in range(250):
        client.projects()
    assert counting.statuses == Counter({200: 250})
    assert waited["general"] and waited["reports"] == []


def test_a_429_pauses_the_account_and_the_call_still_succeeds(
    emulator: RunningEmulator,
) -> None:
    budgets, waited = on_emulator_time(emulator)
    assert emulator.emulator.v2_throttle is not None
    emulator.emulator.v2_throttle.configure(limit=5, window=15.0)  # stricter than the pacer
    counting = CountingTransport()
    client = client_for(emulator, "sybil", pacers=budgets, transport=counting, cache_ttl=0)
    for _ in range(12):
        assert client.projects()
    assert counting.statuses[429] >= 1 and counting.statuses[200] == 12
    assert sum(waited["general"]) >= 15  # Retry-After was honoured, through the pacer


# --- faults: stop and restart are checked, never re-sent -------------------------------------


def test_a_stop_whose_answer_was_lost_is_read_back(emulator: RunningEmulator) -> None:
    client = client_for(emulator, "polly")
    project = client.day().projects[0]
    timer = client.start_timer(project.id, project.tasks[0].id)
    emulator.faults.add(f"/v2/time_entries/{timer.id}/stop", "PATCH", drop="after", times=1)
    assert not client.toggle_timer(timer.id).entry.is_running
    assert not client.entry(timer.id).is_running


def test_a_lost_restart_on_a_timestamp_account_is_reported_not_repeated(
    emulator: RunningEmulator,
) -> None:
    set_timestamp_timers(emulator, True)
    client = client_for(emulator, "polly")
    day = client.day()
    project = day.projects[0]
    entry = client.add_entry(
        project.id, project.tasks[0].id, day.for_day, started_at=time(7), ended_at=time(8)
    )
    emulator.faults.add(f"/v2/time_entries/{entry.id}/restart", "PATCH", drop="after", times=1)
    with pytest.raises(Unavailable, match="may or may not"):
        client.toggle_timer(entry.id)
    running = [e for e in client.day().entries if e.is_running]
    assert len(running) == 1  # exactly one restart landed: none was sent twice


# --- linking: personal access token and OAuth ------------------------------------------------


def test_linking_with_a_personal_access_token(emulator: RunningEmulator) -> None:
    token = emulator.info.pats["polly"]
    (account,) = identity_v2.harvest_id_accounts(
        token, id_url(emulator), user_agent="harvest-bot tests (tests@example.com)"
    )
    assert account.id == emulator.info.account_id and account.product == "harvest"
    client = client_for(emulator, auth=PersonalToken(token, account.id))
    assert client.who_am_i().user.email == "polly@fawltytowers.example"
    with pytest.raises(AuthError):
        identity_v2.harvest_id_accounts("not-a-token", id_url(emulator))


def sign_in(em: RunningEmulator, who: str, authorize: str) -> str:
    """A person signing in on Harvest ID's page; returns the redirect's query."""
    login = em.info.logins[who]
    with httpx.Client() as http:
        page = http.get(authorize)
        assert page.status_code == 200 and "password" in page.text
        query = parse_qs(urlsplit(authorize).query)
        answer = http.post(
            authorize.split("?", 1)[0],
            data={
                **{k: v[0] for k, v in query.items()},
                "email": login.email,
                "password": login.password,
            },
        )
        assert answer.status_code in (301, 302, 303), answer.text
        return urlsplit(answer.headers["location"]).query


def test_linking_with_oauth_end_to_end(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = emulator.info.oauth
    assert app is not None
    authorize = identity_v2.authorize_url(
        app.client_id, id_base_url=id_url(emulator), state="st-42", redirect_uri=app.redirect_uri
    )
    back = parse_qs(sign_in(emulator, "basil", authorize))
    assert back["state"] == ["st-42"] and back["scope"] == [f"harvest:{emulator.info.account_id}"]

    stored: list[RefreshedTokens] = []
    tokens = identity_v2.exchange_code(
        back["code"][0],
        client_id=app.client_id,
        client_secret=app.client_secret,
        id_base_url=id_url(emulator),
        on_refresh=stored.append,
        utcnow=emulator.clock.now,
    )
    (account,) = identity_v2.harvest_id_accounts(tokens.access_token, id_url(emulator))
    client = client_for(emulator, auth=tokens)
    me = client.who_am_i()
    assert me.user.email == "basil@fawltytowers.example" and account.id == emulator.info.account_id
    with pytest.raises(AuthError):  # a code works once
        identity_v2.exchange_code(
            back["code"][0],
            client_id=app.client_id,
            client_secret=app.client_secret,
            id_base_url=id_url(emulator),
        )

    # Fourteen days later the client refreshes at Harvest ID by itself, and the store hears.
    first_refresh = tokens.refresh_token
    later = client_for(
        emulator, auth=tokens, utcnow=lambda: emulator.clock.now() + timedelta(days=15)
    )
    assert later.day().for_day
    assert len(stored) == 1 and tokens.refresh_token == stored[0].refresh_token != first_refresh
    # Harvest ID rotates: the first refresh token is dead now.
    stale = OAuthTokens(
        "stale",
        first_refresh,
        None,
        client_id=app.client_id,
        client_secret=app.client_secret,
        token_url=tokens.token_url,
    )
    with pytest.raises(AuthError):
        identity_v2.refresh(stale)
    secrets = {first_refresh, tokens.access_token, tokens.refresh_token, app.client_secret}
    for secret in secrets - {None, ""}:
        assert secret not in caplog.text


# --- Co-op beside a v2 account ---------------------------------------------------------------


def test_coop_for_a_v2_account_comes_from_a_configured_url_or_is_unavailable(
    emulator: RunningEmulator,
) -> None:
    login = emulator.info.logins["basil"]
    without = connect("v2", pat(emulator, "basil"), base_url=api_url(emulator))
    with pytest.raises(CoopUnavailable):
        without.coop.groups()
    without.close()
    paired = connect(
        "v2",
        pat(emulator, "basil"),
        base_url=api_url(emulator),
        coop_url=emulator.coop_url,
        coop_auth=BasicAuth(login.email, login.password),
        retry=QUICK,
    )
    try:
        assert [g.name for g in paired.coop.groups()] == ["Fawlty Towers"]
        assert paired.harvest.who_am_i().user.email == login.email
    finally:
        paired.close()
