"""Who may do what, table-driven: every person against every command and action, on both wires.

The people: Polly (regular user), Basil (project manager of Website Redesign, Mobile App and
Gourmet Night; on v2 he also holds ``time_and_expenses_manager``, so Harvest lets him track time
for others on those projects), Sybil (administrator), a guest of the workspace who never
connected Harvest, and a stranger: someone of another Slack workspace whose Slack user id
happens to be Polly's, who must get nothing of Polly's.

The other person whose entries they reach for is Manuel (regular user). Each row gets fresh
entries of his, made today straight in the emulator: one on a project Basil manages, one on a
project he does not, one approved (locked). Each cell says what the person gets: the thing done
(checked in Harvest), or the refusal they are told, with Harvest unchanged. Where the wires
differ it is because Harvest does: v1's daily API knows only the caller's own timesheet unless
an administrator names someone (``of_user``), while v2 lets whoever can see an entry reach it by
id, and lets Basil act for others on the projects he manages.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import blocks, home_blocks, modals
from bot.accounts import NotAdmin
from bot.app import FORBIDDEN_TEXT, NOT_FOUND_TEXT
from emulator.clock import iso
from emulator.runner import RunningEmulator
from tests.e2e.harness import (
    PEOPLE,
    SIGNING_SECRET,
    TEAM,
    Call,
    SlackAppHarness,
    text_of,
)
from tests.fakes.slack_signing import SlackSigner
from tests.reliability.checks import assert_polite, entries

GUEST = "U0GUEST"
OTHER_TEAM = "T0OTHER"
_rows = count()
#: How long an answer may take: the people share one Harvest account, whose call budget (the bot
#: paces itself to it) a few hundred rows in quick succession do spend, so some answers wait.
WAIT = 30.0

# -- outcomes -------------------------------------------------------------------------------------
DONE = "done"
NOT_LINKED = "not linked"
NOT_ADMIN = "not an administrator"
NOT_FOUND = "not found"
FORBIDDEN = "forbidden"
#: What the person is told, for each refusal.
TOLD = {
    NOT_LINKED: "You haven't connected Harvest yet",
    NOT_ADMIN: str(NotAdmin.__doc__),
    NOT_FOUND: NOT_FOUND_TEXT,
    FORBIDDEN: FORBIDDEN_TEXT.split("{")[0],
}
WHO = ("polly", "basil", "sybil", "guest", "stranger")


@dataclass(frozen=True)
class Person:
    """Who sends the request: a Slack user of a workspace."""

    name: str
    user_id: str
    team_id: str = TEAM


PERSONS = {
    "polly": Person("polly", PEOPLE["polly"][0]),
    "basil": Person("basil", PEOPLE["basil"][0]),
    "sybil": Person("sybil", PEOPLE["sybil"][0]),
    "guest": Person("guest", GUEST),
    "stranger": Person("stranger", PEOPLE["polly"][0], OTHER_TEAM),
}


@dataclass(frozen=True)
class Targets:
    """Manuel's entries made for one row, and the Harvest ids of the people."""

    managed: int
    unmanaged: int
    locked: int
    harvest_ids: dict[str, int]


# -- the app, the people, Manuel's entries --------------------------------------------------------

@pytest.fixture(scope="module")
def app(shared_bot: SlackAppHarness) -> SlackAppHarness:
    shared_bot.slack.add_user(GUEST, name="guest", email="guest@elsewhere.example",
                              tz="Europe/London")
    return shared_bot


def _today() -> str:
    return datetime.now(ZoneInfo("Europe/London")).date().isoformat()


def _targets(emulator: RunningEmulator) -> Targets:
    info, now = emulator.info, iso(emulator.clock.now())
    manuel = info.logins["manuel"].user_id

    def entry(project: str, task: str, *, locked: bool = False) -> int:
        return int(emulator.store.insert(
            "day_entries", user_id=manuel, project_id=info.ids[f"project:{project}"],
            task_id=info.ids[f"task:{task}"], spent_at=_today(), hours=1.0,
            notes=f"manuel's {next(_rows)}", created_at=now, updated_at=now, is_closed=int(locked)))

    return Targets(entry("Website Redesign", "Design"), entry("Data Migration", "Development"),
                   entry("Website Redesign", "Meetings", locked=True),
                   {key: login.user_id for key, login in info.logins.items()})


def _signer(person: Person) -> SlackSigner:
    return SlackSigner(SIGNING_SECRET, team_id=person.team_id)


def _command(app: SlackAppHarness, person: Person, text: str) -> Call:
    key = f"authz{next(_rows)}"
    answer = app.send(_signer(person).slash_command(
        text, user_id=person.user_id, response_url=app.slack.response_url(key)))
    assert answer.status_code == 200
    return app.reply(key, WAIT)


def _click(app: SlackAppHarness, person: Person, action_id: str, value: str,
           container: dict[str, Any] | None = None) -> Call:
    key = f"authz{next(_rows)}"
    signer = _signer(person)
    answer = app.send(signer.interaction(signer.block_action(
        person.user_id, action_id, value=value, response_url=app.slack.response_url(key),
        container=container or {"type": "message", "channel_id": "C0GENERAL"})))
    assert answer.status_code == 200
    return app.reply(key, WAIT)


def _dm_or_ephemeral(app: SlackAppHarness, person: Person, since: int) -> Call:
    """What the app says to ``person`` after a modal (no response_url): a DM or an ephemeral."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        for call in app.slack.calls[since:]:
            if call.method in ("chat.postMessage", "chat.postEphemeral") and call.ok and \
                    person.user_id in (call.args.get("channel"), call.args.get("user")):
                return call
        time.sleep(0.02)
    raise AssertionError(f"nothing was said: {[(c.method, c.status, text_of(c)[:80]) for c in app.slack.calls[since:]]}")


def _settle(app: SlackAppHarness, quiet: float = 0.2) -> None:
    """Wait until the app has made no Slack call for ``quiet`` seconds.

    Operations read what the app said from the fake Slack's call log, where a Home refresh still
    on its way from the previous row (Polly's, say) would otherwise pass for the answer to this
    one (the stranger shares her Slack user id).
    """
    deadline = time.monotonic() + 5
    seen = len(app.slack.calls)
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.02)
        if len(app.slack.calls) != seen:
            seen, quiet_since = len(app.slack.calls), time.monotonic()
        elif time.monotonic() - quiet_since >= quiet:
            return


def _value(entry_id: int, *, for_manuel: bool) -> str:
    value: dict[str, Any] = {"id": entry_id, "h": 1.0, "n": "manuel's"}
    if for_manuel:
        value["for"] = PEOPLE["manuel"][0]
    return json.dumps(value)


def _row(emulator: RunningEmulator, entry_id: int) -> dict[str, Any] | None:
    return emulator.store.one("SELECT * FROM day_entries WHERE id = ?", entry_id)


def _own(emulator: RunningEmulator, harvest_id: int, notes: str) -> list[dict[str, Any]]:
    return emulator.store.all("SELECT * FROM day_entries WHERE user_id = ? AND notes = ?",
                              harvest_id, notes)


# -- the operations -------------------------------------------------------------------------------
#: An operation: ``(app, emulator, person, targets) -> (what the person was told, done?)``;
#: ``done`` reads Harvest and says whether the thing was done as the person asked.
Operation = Callable[[SlackAppHarness, RunningEmulator, Person, Targets],
                     tuple[Call | dict[str, Any], Callable[[], bool]]]


def reading(text: str, shows: str) -> Operation:
    """A command that reads: done when the answer shows ``shows``."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Call, Callable[[], bool]]:
        told = _command(app, person, text)
        return told, lambda: shows in text_of(told)
    return run


def writing(text: str, whose: str | None = None) -> Operation:
    """A command that logs or starts time with unique notes: done when that entry is in
    Harvest, on ``whose`` timesheet (default: the sender's)."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Call, Callable[[], bool]]:
        notes = f"row {next(_rows)}"
        told = _command(app, person, f"{text} -- {notes}")
        owner = targets.harvest_ids[whose or person.name] if (whose or person.name) in \
            targets.harvest_ids else -1
        return told, lambda: len(_own(emulator, owner, notes)) == 1
    return run


def stopping(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
             targets: Targets) -> tuple[Call, Callable[[], bool]]:
    """``start`` then ``stop``: done when the timer started is stopped."""
    notes = f"row {next(_rows)}"
    _command(app, person, f"start website / design -- {notes}")
    told = _command(app, person, "stop")
    owner = targets.harvest_ids.get(person.name, -1)
    return told, lambda: [bool(e["timer_started_at"]) for e in _own(emulator, owner, notes)] \
        == [False]


def button(action_id: str, target: str, *, for_manuel: bool) -> Operation:
    """Delete or restart one of Manuel's entries from its button."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Call, Callable[[], bool]]:
        entry_id = getattr(targets, target)
        told = _click(app, person, action_id, _value(entry_id, for_manuel=for_manuel))
        if action_id == blocks.ENTRY_DELETE:
            return told, lambda: _row(emulator, entry_id) is None
        return told, lambda: bool((_row(emulator, entry_id) or {}).get("timer_started_at"))
    return run


def editing(target: str, *, for_manuel: bool) -> Operation:
    """Edit one of Manuel's entries: its button opens the modal, which is submitted."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Call, Callable[[], bool]]:
        entry_id = getattr(targets, target)
        _settle(app)
        since = len(app.slack.calls)
        signer = _signer(person)
        app.interact(signer.block_action(
            person.user_id, blocks.ENTRY_EDIT, value=_value(entry_id, for_manuel=for_manuel),
            container={"type": "message", "channel_id": "C0GENERAL"}))
        view = _after(app, since, "views.open").response["view"]
        since = len(app.slack.calls)
        app.interact(signer.view_submission(person.user_id, view, {
            "hours": {"value": {"type": "plain_text_input", "value": "2:30"}},
            "notes": {"value": {"type": "plain_text_input", "value": "edited"}}}))
        told = _dm_or_ephemeral(app, person, since)
        return told, lambda: (_row(emulator, entry_id) or {}).get("notes") == "edited"
    return run


def home(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
         targets: Targets) -> tuple[dict[str, Any], Callable[[], bool]]:
    """Open the App Home: done when it shows the person's time."""
    _settle(app)
    since = len(app.slack.calls)
    app.send(_signer(person).event({"type": "app_home_opened", "user": person.user_id,
                                    "channel": "D0HOME", "tab": "home"}))
    shown = {"blocks": _after(app, since, "views.publish").args["view"]["blocks"]}
    return shown, lambda: _shows_time(shown)


def _shows_time(home: dict[str, Any]) -> bool:
    text = text_of(home)
    return "*Today*" in text and blocks.NOT_LINKED_TEXT not in text and \
        home_blocks.TROUBLE_TEXT not in text


def _after(app: SlackAppHarness, since: int, *methods: str) -> Call:
    """The first successful call of one of ``methods`` the app made since call ``since``."""
    deadline = time.monotonic() + WAIT
    while True:
        found = [c for c in app.slack.calls[since:] if c.method in methods and c.ok]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no {methods}: {[(c.method, c.status, str(c.response)[:80], text_of(c)[:80]) for c in app.slack.calls[since-6:]]}"
        time.sleep(0.02)


def home_stop(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
              targets: Targets) -> tuple[dict[str, Any], Callable[[], bool]]:
    """The Home's Stop button after a ``start``: done when that timer is stopped."""
    notes = f"row {next(_rows)}"
    _command(app, person, f"start website / design -- {notes}")
    _settle(app)  # the Home refresh after the start
    since = len(app.slack.calls)
    signer = _signer(person)
    app.interact(signer.block_action(person.user_id, home_blocks.HOME_STOP,
                                     container={"type": "view", "view_id": "V0HOME"}))
    # The Home republished, or (someone with no Home to show) a DM saying why.
    said = _after(app, since, "views.publish", "chat.postMessage")
    shown = {"blocks": said.args["view"]["blocks"]} if said.method == "views.publish" else said
    owner = targets.harvest_ids.get(person.name, -1)
    return shown, lambda: [bool(e["timer_started_at"]) for e in _own(emulator, owner, notes)] \
        == [False]


def shortcut(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
             targets: Targets) -> tuple[dict[str, Any], Callable[[], bool]]:
    """"Log time": done when the modal stays the form (not "connect first")."""
    _settle(app)
    signer = _signer(person)
    payload = signer.shortcut(person.user_id, modals.LOG_SHORTCUT)
    app.interact(payload)
    opened = app.slack.wait_for("views.open",
                                lambda c: c.args["trigger_id"] == payload["trigger_id"])
    view_id = opened.response["view"]["id"]
    time.sleep(0.3)  # the link check runs after the modal opened
    updates = [c for c in app.slack.calls if c.method == "views.update"
               and c.args.get("view_id") == view_id]
    shown = updates[-1].args["view"] if updates else opened.args["view"]
    return {"blocks": shown["blocks"]}, lambda: shown.get("callback_id") == modals.LOG_VIEW


MANUEL = "<@U0MANUEL|manuel>"
#: Outcomes that differ by wire: ``{"v1": ..., "v2": ...}``.
V1_V2 = dict[str, str]


def by_wire(v1: str, v2: str) -> V1_V2:
    return {"v1": v1, "v2": v2}


#: Basil acting for Manuel. v1 lets only administrators name someone else (``of_user``), and
#: the bot says so before asking. v2 would let him track time for people on the projects he
#: manages, but only by their Harvest id, and it will not tell a manager without assigned
#: teammates who anyone is (``GET /v2/users`` is 403): the bot, which finds the person by their
#: Slack email, is refused, and passes Harvest's words on.
BASIL_FOR = by_wire(NOT_ADMIN, FORBIDDEN)

#                                   polly      basil                        sybil
#                                                                       guest, stranger: NOT_LINKED
MATRIX: dict[str, tuple[Operation, str | V1_V2, str | V1_V2, str | V1_V2]] = {
    "today": (reading("today", "Today"), DONE, DONE, DONE),
    "week": (reading("week", "Week of"), DONE, DONE, DONE),
    "day": (reading("day yesterday", "total"), DONE, DONE, DONE),
    "projects": (reading("projects", "Website Redesign"), DONE, DONE, DONE),
    "start": (writing("start website / design"), DONE, DONE, DONE),
    "stop": (stopping, DONE, DONE, DONE),
    "log": (writing("log 1h mobile / design"), DONE, DONE, DONE),
    "for @manuel today": (reading(f"for {MANUEL} today", "for Manuel Garcia"),
                          NOT_ADMIN, BASIL_FOR, DONE),
    "for @manuel log, managed project": (
        writing(f"for {MANUEL} log 1h website / design", whose="manuel"),
        NOT_ADMIN, BASIL_FOR, DONE),
    "for @manuel log, another project": (
        writing(f"for {MANUEL} log 1h data migration / development", whose="manuel"),
        NOT_ADMIN, BASIL_FOR, DONE),
    "delete Manuel's entry": (button(blocks.ENTRY_DELETE, "managed", for_manuel=False),
                              NOT_FOUND, by_wire(NOT_FOUND, DONE), by_wire(NOT_FOUND, DONE)),
    "restart Manuel's entry": (button(blocks.ENTRY_RESTART, "managed", for_manuel=False),
                               NOT_FOUND, by_wire(NOT_FOUND, DONE), by_wire(NOT_FOUND, DONE)),
    "edit Manuel's entry": (editing("managed", for_manuel=False),
                            NOT_FOUND, by_wire(NOT_FOUND, DONE), by_wire(NOT_FOUND, DONE)),
    "delete for Manuel": (button(blocks.ENTRY_DELETE, "managed", for_manuel=True),
                          NOT_ADMIN, BASIL_FOR, DONE),
    "restart for Manuel": (button(blocks.ENTRY_RESTART, "managed", for_manuel=True),
                           NOT_ADMIN, BASIL_FOR, DONE),
    "edit for Manuel": (editing("managed", for_manuel=True), NOT_ADMIN, BASIL_FOR, DONE),
    "delete for Manuel, another project": (
        button(blocks.ENTRY_DELETE, "unmanaged", for_manuel=True), NOT_ADMIN, BASIL_FOR, DONE),
    "delete for Manuel, approved": (button(blocks.ENTRY_DELETE, "locked", for_manuel=True),
                                    NOT_ADMIN, BASIL_FOR, DONE),
    "Home": (home, DONE, DONE, DONE),
    "Home's Stop": (home_stop, DONE, DONE, DONE),
    "Log time shortcut": (shortcut, DONE, DONE, DONE),
}


def _expected(name: str, who: str, wire: str) -> str:
    if who in ("guest", "stranger"):
        return NOT_LINKED
    cell = MATRIX[name][1 + ("polly", "basil", "sybil").index(who)]
    return cell[wire] if isinstance(cell, dict) else cell


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(MATRIX))
def test_each_person_gets_what_harvest_allows_them(
        app: SlackAppHarness, shared_emulator: RunningEmulator, shared_wire: str,
        name: str, who: str) -> None:
    expected = _expected(name, who, shared_wire)
    person = PERSONS[who]
    targets = _targets(shared_emulator)
    before = entries(shared_emulator)
    told, done = MATRIX[name][0](app, shared_emulator, person, targets)
    text = assert_polite(told)
    if expected == DONE:
        assert _eventually(done), f"{who} could not: {text}"
        return
    assert TOLD[expected] in text, text
    if expected == NOT_LINKED:
        assert "Sign in with Harvest" in text or buttons_of(told)
    assert not done()
    assert entries(shared_emulator) == before


def _eventually(done: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Whether ``done`` comes true (the answer may come before the last of the work)."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def buttons_of(told: Call | dict[str, Any]) -> list[Any]:
    args = told.args if isinstance(told, Call) else told
    return [e for b in args.get("blocks") or [] if b.get("type") == "actions"
            for e in b["elements"]]

