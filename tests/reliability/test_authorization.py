"""Who may do what with their time, table-driven: every person against every ``/harvest``
command about time and every button, modal, shortcut and autocomplete, on both wires.

The people (``tests/reliability/authz.py``): Polly (regular user), Basil (project manager of
Website Redesign, Mobile App and Gourmet Night; on v2 he also holds ``time_and_expenses_manager``,
so Harvest lets him track time for others on those projects), Sybil (administrator), a guest of
the workspace who never connected Harvest, and a stranger: someone of another Slack workspace
whose Slack user id happens to be Polly's, who must get nothing of Polly's.

The other person whose entries they reach for is Manuel (regular user). Each row gets fresh
entries of his, made today straight in the emulator: one on a project Basil manages, one on a
project he does not, one approved (locked). The module adds *Tapas Bar*, a project only Manuel
is assigned to: nobody else may track time to it, so nobody else is offered it. Each cell says
what the person gets: the thing done (checked in Harvest, or in the bot's links), or the refusal
they are told, with Harvest and everyone's links unchanged. Where the wires differ it is because
Harvest does: v1's daily API knows only the caller's own timesheet unless an administrator names
someone (``of_user``), while v2 lets whoever can see an entry reach it by id, and lets Basil act
for others on the projects he manages.

Rows: ``help``, ``connect`` and ``disconnect`` (everyone; a disconnect is undone after the row),
reading (``today``, ``week``, ``day``, ``projects``), ``start``, ``stop``, ``resume``, ``note``,
``log``, ``for @manuel ...``, the work picker's pick (``pick_work``: own, for Manuel, a project
not assigned), Manuel's entries' Delete / Restart / Edit buttons and the Edit modal
(``entry_delete``, ``entry_restart``, ``entry_edit``, ``edit_entry`` view), the Home (the
``app_home_opened`` event), its Stop (``home_stop``) and quick-start (``home_start:*``) buttons,
the "Log time" global and message shortcuts, the Home's "Log time" button (``open_log_modal``),
the Log time form (``log_time_view``; a project not offered), its project and task autocomplete
(``options``: only the person's own projects), the Connect buttons (``connect_password``,
``connect_token``), the connect modals (``connect_view``, ``token_view``, wrong credentials) and
the account choice after signing in (``choose_account`` button, ``account_view``: a choice held
for Polly).

Listeners without a row here: ``connect_oauth`` only acknowledges (a link button: the browser
goes to Harvest, and the OAuth callback's state names the Slack team and person it was issued
to); ``app_uninstalled`` and ``tokens_revoked`` are Slack's events about a workspace, carrying its
team id, not a person's request (``tests/bot/test_events.py``). Co-op's commands and buttons are
``test_authorization_coop.py``; digests' are ``test_authorization_digests.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import blocks, home_blocks, modals
from bot.harvest.models import HarvestAccount
from bot.log_form import PROJECT_CLOSED
from emulator.clock import iso
from emulator.runner import RunningEmulator
from handlers.views import WRONG_PASSWORD, WRONG_TOKEN
from tests.e2e.harness import PEOPLE, TEAM, Call, SlackAppHarness, text_of
from tests.reliability.authz import (
    DONE,
    FORBIDDEN,
    NOT_ADMIN,
    NOT_FOUND,
    PERSONS,
    WAIT,
    WHO,
    Person,
    Row,
    add_guest,
    after,
    by_wire,
    click,
    command,
    dm_or_ephemeral,
    interact,
    judge,
    rows,
    settle,
    signer,
)
from tests.reliability.checks import entries

TAPAS = "Tapas Bar"


@dataclass(frozen=True)
class Targets:
    """Manuel's entries made for one row, and the Harvest ids of the people."""

    managed: int
    unmanaged: int
    locked: int
    harvest_ids: dict[str, int]


# -- the app, the people, Manuel's entries --------------------------------------------------------

@pytest.fixture(scope="module")
def app(shared_bot: SlackAppHarness, shared_emulator: RunningEmulator) -> SlackAppHarness:
    _tapas_bar(shared_emulator)
    return add_guest(shared_bot)


def _tapas_bar(emulator: RunningEmulator) -> None:
    """A project only Manuel is assigned to, with one task."""
    store, info, now = emulator.store, emulator.info, iso(emulator.clock.now())
    project = store.insert("projects", client_id=info.ids["client:Globex"], name=TAPAS,
                           code="GLX-9", active=1, billable=1, bill_by="none",
                           created_at=now, updated_at=now)
    store.insert("task_assignments", project_id=project, task_id=info.ids["task:Meetings"],
                 billable=1, created_at=now, updated_at=now)
    store.insert("user_assignments", project_id=project, user_id=info.logins["manuel"].user_id,
                 is_project_manager=0, created_at=now, updated_at=now)
    info.ids[f"project:{TAPAS}"] = project


def _today() -> str:
    return datetime.now(ZoneInfo("Europe/London")).date().isoformat()


def _targets(emulator: RunningEmulator) -> Targets:
    info, now = emulator.info, iso(emulator.clock.now())
    manuel = info.logins["manuel"].user_id

    def entry(project: str, task: str, *, locked: bool = False) -> int:
        return int(emulator.store.insert(
            "day_entries", user_id=manuel, project_id=info.ids[f"project:{project}"],
            task_id=info.ids[f"task:{task}"], spent_at=_today(), hours=1.0,
            notes=f"manuel's {next(rows)}", created_at=now, updated_at=now, is_closed=int(locked)))

    return Targets(entry("Website Redesign", "Design"), entry("Data Migration", "Development"),
                   entry("Website Redesign", "Meetings", locked=True),
                   {key: login.user_id for key, login in info.logins.items()})


def _pair(emulator: RunningEmulator, project: str, task: str) -> str:
    ids = emulator.info.ids
    return f"{ids[f'project:{project}']}:{ids[f'task:{task}']}"


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


def _owner(person: Person, targets: Targets, whose: str | None = None) -> int:
    """The Harvest id of ``whose`` (default: the person's own; -1 for the unlinked)."""
    return targets.harvest_ids.get(whose or person.name, -1)


def _links(app: SlackAppHarness) -> list[tuple[str, int | None]]:
    """Who is linked to which Harvest person, of the four linked people."""
    found = []
    for who in ("sybil", "basil", "polly", "manuel"):
        account = app.services.accounts.get(TEAM, PEOPLE[who][0])
        found.append((who, account.harvest_user_id if account else None))
    return found


def _errors(ack: Any) -> dict[str, Any]:
    """A modal's field errors, as what the person reads."""
    assert ack and ack.get("response_action") == "errors", ack
    return {"text": "\n".join(ack["errors"].values())}


# -- the operations -------------------------------------------------------------------------------
#: An operation: ``(app, emulator, person, targets) -> (what the person was told, done?)``;
#: ``done`` reads Harvest (or the bot's links) and says whether the thing was done as asked.
Told = Call | dict[str, Any]
Operation = Callable[[SlackAppHarness, RunningEmulator, Person, Targets],
                     tuple[Told, Callable[[], bool]]]


def reading(text: str, shows: str) -> Operation:
    """A command that reads (or only answers): done when the answer shows ``shows``."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Told, Callable[[], bool]]:
        told = command(app, person, text)
        return told, lambda: shows in text_of(told)
    return run


def writing(text: str, whose: str | None = None) -> Operation:
    """A command that logs or starts time with unique notes: done when that entry is in
    Harvest, on ``whose`` timesheet (default: the sender's)."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Told, Callable[[], bool]]:
        notes = f"row {next(rows)}"
        told = command(app, person, f"{text} -- {notes}")
        owner = _owner(person, targets, whose)
        return told, lambda: len(_own(emulator, owner, notes)) == 1
    return run


def _running(emulator: RunningEmulator, owner: int, notes: str) -> list[bool]:
    return [bool(e["timer_started_at"]) for e in _own(emulator, owner, notes)]


def stopping(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
             targets: Targets) -> tuple[Told, Callable[[], bool]]:
    """``start`` then ``stop``: done when the timer started is stopped."""
    notes = f"row {next(rows)}"
    command(app, person, f"start website / design -- {notes}")
    told = command(app, person, "stop")
    owner = _owner(person, targets)
    return told, lambda: _running(emulator, owner, notes) == [False]


def resuming(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
             targets: Targets) -> tuple[Told, Callable[[], bool]]:
    """``start``, ``stop``, ``resume``: done when that timer runs again."""
    notes = f"row {next(rows)}"
    command(app, person, f"start website / design -- {notes}")
    command(app, person, "stop")
    told = command(app, person, "resume")
    owner = _owner(person, targets)
    return told, lambda: _running(emulator, owner, notes) == [True]


def noting(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
           targets: Targets) -> tuple[Told, Callable[[], bool]]:
    """``start`` then ``note``: done when the running timer has the new notes."""
    notes = f"row {next(rows)}"
    command(app, person, f"start website / design -- {notes}")
    told = command(app, person, f"note {notes} noted")
    owner = _owner(person, targets)
    return told, lambda: _running(emulator, owner, f"{notes} noted") == [True]


def connecting(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
               targets: Targets) -> tuple[Told, Callable[[], bool]]:
    """``connect``: done when the answer offers "Sign in with Harvest" and its buttons, with
    the sign-in's state issued to the person's own workspace and Slack id."""
    told = command(app, person, "connect")
    urls = [e.get("url", "") for b in told.args.get("blocks") or [] if b.get("type") == "actions"
            for e in b["elements"] if e.get("url")]

    def done() -> bool:
        if not urls or "Sign in with Harvest" not in text_of(told):
            return False
        state = dict(p.split("=", 1) for p in urls[0].split("?", 1)[1].split("&"))["state"]
        issued = app.services.db.execute(
            "SELECT data FROM oauth_states WHERE state = ?", [state]).fetchone()
        return issued is not None and json.loads(issued[0])["team_id"] == person.team_id \
            and json.loads(issued[0])["user_id"] == person.user_id
    return told, done


def disconnecting(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
                  targets: Targets) -> tuple[Told, Callable[[], bool]]:
    """``disconnect``: done when the person's link was gone; it is linked again after."""
    linked = app.services.accounts.get(person.team_id, person.user_id) is not None
    told = command(app, person, "disconnect")
    gone = linked and app.services.accounts.get(person.team_id, person.user_id) is None
    if gone:
        settle(app)  # the Home refresh after the disconnect
        app.link(person.name)
    return told, lambda: gone


def button(action_id: str, target: str, *, for_manuel: bool) -> Operation:
    """Delete or restart one of Manuel's entries from its button."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Told, Callable[[], bool]]:
        entry_id = getattr(targets, target)
        told = click(app, person, action_id, _value(entry_id, for_manuel=for_manuel))
        if action_id == blocks.ENTRY_DELETE:
            return told, lambda: _row(emulator, entry_id) is None
        return told, lambda: bool((_row(emulator, entry_id) or {}).get("timer_started_at"))
    return run


def picking(kind: str, project: str, task: str, *, whose: str | None = None) -> Operation:
    """Pick in the work picker of an unclear ``start`` or ``log`` (its state in the block id):
    done when the entry is on ``whose`` timesheet (default: the sender's)."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Told, Callable[[], bool]]:
        notes = f"row {next(rows)}"
        state: dict[str, Any] = {"k": kind, "n": notes}
        if kind == "log":
            state.update(h=1.0, d=_today())
        if whose is not None:
            state["f"] = PEOPLE[whose][0]
        told = click(app, person, blocks.PICK_WORK, block_id=blocks.encode_state(state),
                     selected=_pair(emulator, project, task))
        owner = _owner(person, targets, whose)
        return told, lambda: len(_own(emulator, owner, notes)) == 1
    return run


def editing(target: str, *, for_manuel: bool) -> Operation:
    """Edit one of Manuel's entries: its button opens the modal, which is submitted."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Told, Callable[[], bool]]:
        entry_id = getattr(targets, target)
        settle(app)
        since = len(app.slack.calls)
        sign = signer(person)
        interact(app, person, sign.block_action(
            person.user_id, blocks.ENTRY_EDIT, value=_value(entry_id, for_manuel=for_manuel),
            container={"type": "message", "channel_id": "C0GENERAL"}))
        view = after(app, since, "views.open").response["view"]
        since = len(app.slack.calls)
        interact(app, person, sign.view_submission(person.user_id, view, {
            "hours": {"value": {"type": "plain_text_input", "value": "2:30"}},
            "notes": {"value": {"type": "plain_text_input", "value": "edited"}}}))
        told = dm_or_ephemeral(app, person, since)
        return told, lambda: (_row(emulator, entry_id) or {}).get("notes") == "edited"
    return run


def home(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
         targets: Targets) -> tuple[Told, Callable[[], bool]]:
    """Open the App Home: done when it shows the person's time."""
    settle(app)
    since = len(app.slack.calls)
    app.send(signer(person).event({"type": "app_home_opened", "user": person.user_id,
                                   "channel": "D0HOME", "tab": "home"}))
    shown = {"blocks": after(app, since, "views.publish").args["view"]["blocks"]}
    return shown, lambda: _shows_time(shown)


def _shows_time(home: dict[str, Any]) -> bool:
    text = text_of(home)
    return "*Today*" in text and blocks.NOT_LINKED_TEXT not in text and \
        home_blocks.TROUBLE_TEXT not in text


def _home_answer(app: SlackAppHarness, person: Person, since: int) -> Told:
    """After a Home button: a DM to the person if there was one (a refusal), else the Home
    republished."""
    after(app, since, "views.publish", "chat.postMessage")
    settle(app)
    said = [c for c in app.slack.calls[since:] if c.ok and (
        c.method == "chat.postMessage" and c.args.get("channel") == person.user_id
        or c.method == "views.publish" and c.args.get("user_id") == person.user_id)]
    dms = [c for c in said if c.method == "chat.postMessage"]
    if dms:
        return dms[0]
    return {"blocks": said[-1].args["view"]["blocks"]}


def home_stop(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
              targets: Targets) -> tuple[Told, Callable[[], bool]]:
    """The Home's Stop button after a ``start``: done when that timer is stopped."""
    notes = f"row {next(rows)}"
    command(app, person, f"start website / design -- {notes}")
    settle(app)  # the Home refresh after the start
    since = len(app.slack.calls)
    interact(app, person, signer(person).block_action(
        person.user_id, home_blocks.HOME_STOP, container={"type": "view", "view_id": "V0HOME"}))
    # The Home republished, or (someone with no Home to show) a DM saying why.
    shown = _home_answer(app, person, since)
    owner = _owner(person, targets)
    return shown, lambda: _running(emulator, owner, notes) == [False]


def home_start(project: str, task: str) -> Operation:
    """A quick-start button of the Home: done when a new timer of the person's runs there."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Told, Callable[[], bool]]:
        settle(app)
        last = emulator.store.scalar("SELECT MAX(id) FROM day_entries")
        since = len(app.slack.calls)
        pair = _pair(emulator, project, task)
        interact(app, person, signer(person).block_action(
            person.user_id, f"{home_blocks.HOME_START}:{pair}", value=pair,
            container={"type": "view", "view_id": "V0HOME"}))
        shown = _home_answer(app, person, since)
        owner = _owner(person, targets)
        project_id = emulator.info.ids[f"project:{project}"]
        return shown, lambda: bool(emulator.store.all(
            "SELECT id FROM day_entries WHERE id > ? AND user_id = ? AND project_id = ? "
            "AND timer_started_at IS NOT NULL", last, owner, project_id))
    return run


def _opened_log_modal(app: SlackAppHarness, person: Person,
                      payload: dict[str, Any]) -> dict[str, Any]:
    """Send what opens "Log time"; the modal as it stands once the link check ran."""
    settle(app)
    interact(app, person, payload)
    opened = app.slack.wait_for("views.open",
                                lambda c: c.args["trigger_id"] == payload["trigger_id"], WAIT)
    view_id = opened.response["view"]["id"]
    time.sleep(0.3)  # the link check runs after the modal opened
    updates = [c for c in app.slack.calls if c.method == "views.update"
               and c.args.get("view_id") == view_id]
    shown = updates[-1].args["view"] if updates else opened.args["view"]
    return {**opened.response["view"], **shown}


def log_modal(how: str) -> Operation:
    """"Log time" from the global shortcut, a message's shortcut or the Home's button: done
    when the modal stays the form (not "connect first")."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Told, Callable[[], bool]]:
        sign = signer(person)
        if how == "shortcut":
            payload = sign.shortcut(person.user_id, modals.LOG_SHORTCUT)
        elif how == "message":
            payload = sign.message_shortcut(
                person.user_id, modals.LOG_MESSAGE_SHORTCUT, text="menus printed",
                response_url=app.slack.response_url(f"authz{next(rows)}"))
        else:
            payload = sign.block_action(person.user_id, modals.OPEN_LOG,
                                        container={"type": "view", "view_id": "V0HOME"})
        shown = _opened_log_modal(app, person, payload)
        return {"blocks": shown["blocks"]}, lambda: shown.get("callback_id") == modals.LOG_VIEW
    return run


def _form(pair: str, notes: str) -> dict[str, Any]:
    project = pair.split(":")[0]

    def chosen(value: str) -> dict[str, Any]:
        return {"type": "external_select",
                "selected_option": {"text": {"type": "plain_text", "text": value},
                                    "value": value}}
    return {
        modals.PROJECT_BLOCK: {modals.PROJECT: chosen(project)},
        modals.TASK_BLOCK: {modals.TASK: chosen(pair)},
        modals.HOURS_BLOCK: {modals.VALUE: {"type": "plain_text_input", "value": "1h"}},
        modals.DATE_BLOCK: {modals.VALUE: {"type": "datepicker", "selected_date": _today()}},
        modals.NOTES_BLOCK: {modals.VALUE: {"type": "plain_text_input", "value": notes}},
    }


def log_form(project: str, task: str) -> Operation:
    """Submit "Log time" (opened first, which fills the person's catalog): done when the entry
    is on the person's timesheet."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Told, Callable[[], bool]]:
        sign = signer(person)
        view = _opened_log_modal(app, person, sign.shortcut(person.user_id, modals.LOG_SHORTCUT))
        form = modals.log_modal(datetime.now().date())
        notes = f"row {next(rows)}"
        since = len(app.slack.calls)
        ack = interact(app, person, sign.view_submission(
            person.user_id, {**form, "id": view["id"]}, _form(_pair(emulator, project, task),
                                                              notes)))
        told = _errors(ack) if ack else dm_or_ephemeral(app, person, since)
        owner = _owner(person, targets)
        return told, lambda: len(_own(emulator, owner, notes)) == 1
    return run


def suggesting(action_id: str) -> Operation:
    """What the Log time form's project (or task) select offers, typing nothing, once the
    modal opened: done when it offers the person's projects and never Tapas Bar."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Told, Callable[[], bool]]:
        sign = signer(person)
        _opened_log_modal(app, person, sign.shortcut(person.user_id, modals.LOG_SHORTCUT))
        deadline = time.monotonic() + WAIT
        while True:
            ack = interact(app, person, sign.block_suggestion(
                person.user_id, action_id, "", block_id=action_id))
            labels = [o["text"]["text"] for o in ack["options"]]
            if labels != [modals.NOT_LOADED_OPTION] or person.name in ("guest", "stranger") \
                    or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return {"text": "\n".join(labels)}, lambda: bool(labels) and \
            modals.NOT_LOADED_OPTION not in labels and "Website Redesign" in "".join(labels) \
            and TAPAS not in "".join(labels)
    return run


def connect_button(action_id: str, callback_id: str) -> Operation:
    """A Connect button: done when it opens its modal."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Told, Callable[[], bool]]:
        payload = signer(person).block_action(
            person.user_id, action_id, container={"type": "message", "channel_id": "C0GENERAL"})
        interact(app, person, payload)
        opened = app.slack.wait_for("views.open",
                                    lambda c: c.args["trigger_id"] == payload["trigger_id"], WAIT)
        view = opened.args["view"]
        return {"blocks": view["blocks"]}, lambda: view["callback_id"] == callback_id
    return run


def connect_view(callback_id: str) -> Operation:
    """A connect modal submitted with someone's email and a wrong password (or a token that is
    none): never done; the field error says why."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Told, Callable[[], bool]]:
        before = _links(app)
        if callback_id == blocks.CONNECT_VIEW:
            view = blocks.connect_modal(emulator.base_url)
            values = {"account_url": emulator.base_url, "email": "polly@fawltytowers.example",
                      "password": "not-her-password"}
        else:
            view = blocks.token_modal()
            values = {"token": "not-a-token", "account_id": ""}
        state = {k: {"value": {"type": "plain_text_input", "value": v}} for k, v in values.items()}
        ack = interact(app, person, signer(person).view_submission(
            person.user_id, {**view, "id": f"V{next(rows)}"}, state))
        return _errors(ack), lambda: _links(app) != before
    return run


def _held_for_polly(app: SlackAppHarness, emulator: RunningEmulator) -> str:
    """An account choice held for Polly, as after her token reached several accounts."""
    held = app.services.accounts._pending.hold(  # noqa: SLF001 (no second account to reach)
        TEAM, PEOPLE["polly"][0], "Europe/London",
        {"kind": "pat", "token": emulator.info.pats["polly"]},
        [HarvestAccount(int(emulator.info.account_id or 0), "Fawlty Towers Consulting")])
    return held.key


def choosing(how: str) -> Operation:
    """Pick the account of a choice held for Polly (the DM's select, or the modal): done when
    Polly is linked through it (v2, her token); she is linked as before after the row."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Told, Callable[[], bool]]:
        key = _held_for_polly(app, emulator)
        account = str(emulator.info.account_id)
        if how == "button":
            told: Told = click(app, person, blocks.CHOOSE_ACCOUNT, block_id=f"choose:{key}",
                               selected=account)
        else:
            since = len(app.slack.calls)
            view = {"type": "modal", "callback_id": blocks.ACCOUNT_VIEW, "id": f"V{next(rows)}",
                    "private_metadata": json.dumps({"key": key})}
            ack = interact(app, person, signer(person).view_submission(person.user_id, view, {
                "account_id": {"value": {"type": "static_select", "selected_option": {
                    "text": {"type": "plain_text", "text": account}, "value": account}}}}))
            told = _errors(ack) if ack else dm_or_ephemeral(app, person, since)
        linked = app.services.accounts.get(TEAM, PEOPLE["polly"][0])
        chose = linked is not None and (linked.wire, linked.auth_kind) == ("v2", "pat") and \
            person.name == "polly"
        if chose and app.wire == "v1":
            app.link("polly")  # back on the module's wire
        return told, lambda: chose
    return run


MANUEL = "<@U0MANUEL|manuel>"
#: Basil acting for Manuel. v1 lets only administrators name someone else (``of_user``), and
#: the bot says so before asking. v2 would let him track time for people on the projects he
#: manages, but only by their Harvest id, and it will not tell a manager without assigned
#: teammates who anyone is (``GET /v2/users`` is 403): the bot, which finds the person by their
#: Slack email, is refused, and passes Harvest's words on.
BASIL_FOR = by_wire(NOT_ADMIN, FORBIDDEN)
#: Harvest refuses time on a project the person is not assigned to (v1: 400 with a hint; v2:
#: 422), and the bot passes its words on.
NOT_ASSIGNED = "is not assigned"
WEREN_T = "You weren't connected to Harvest."
EXPIRED = "That account choice has expired"

#                         operation                          polly      basil      sybil
#                                                   guest, stranger: NOT_LINKED unless given
MATRIX: dict[str, Row] = {
    "help": Row(reading("help", "/harvest today"), DONE, DONE, DONE, DONE, DONE),
    "connect": Row(connecting, DONE, DONE, DONE, DONE, DONE),
    "disconnect": Row(disconnecting, DONE, DONE, DONE, WEREN_T, WEREN_T),
    "today": Row(reading("today", "Today"), DONE, DONE, DONE),
    "week": Row(reading("week", "Week of"), DONE, DONE, DONE),
    "day": Row(reading("day yesterday", "total"), DONE, DONE, DONE),
    "projects": Row(reading("projects", "Website Redesign"), DONE, DONE, DONE),
    "projects, one not assigned": Row(reading("projects tapas", TAPAS),
                                      "No projects", "No projects", "No projects"),
    "start": Row(writing("start website / design"), DONE, DONE, DONE),
    "start, a project not assigned": Row(writing("start tapas / meetings"),
                                         *(("I couldn't find a project called",) * 3)),
    "stop": Row(stopping, DONE, DONE, DONE),
    "resume": Row(resuming, DONE, DONE, DONE),
    "note": Row(noting, DONE, DONE, DONE),
    "log": Row(writing("log 1h mobile / design"), DONE, DONE, DONE),
    "for @manuel today": Row(reading(f"for {MANUEL} today", "for Manuel Garcia"),
                             NOT_ADMIN, BASIL_FOR, DONE),
    "for @manuel log, managed project": Row(
        writing(f"for {MANUEL} log 1h website / design", whose="manuel"),
        NOT_ADMIN, BASIL_FOR, DONE),
    "for @manuel log, another project": Row(
        writing(f"for {MANUEL} log 1h data migration / development", whose="manuel"),
        NOT_ADMIN, BASIL_FOR, DONE),
    "picker: start": Row(picking("start", "Website Redesign", "Design"), DONE, DONE, DONE),
    "picker: log for Manuel": Row(
        picking("log", "Website Redesign", "Design", whose="manuel"), NOT_ADMIN, BASIL_FOR, DONE),
    "picker: a project not assigned": Row(picking("log", TAPAS, "Meetings"),
                                          *((NOT_ASSIGNED,) * 3)),
    "delete Manuel's entry": Row(button(blocks.ENTRY_DELETE, "managed", for_manuel=False),
                                 NOT_FOUND, by_wire(NOT_FOUND, DONE), by_wire(NOT_FOUND, DONE)),
    "restart Manuel's entry": Row(button(blocks.ENTRY_RESTART, "managed", for_manuel=False),
                                  NOT_FOUND, by_wire(NOT_FOUND, DONE), by_wire(NOT_FOUND, DONE)),
    "edit Manuel's entry": Row(editing("managed", for_manuel=False),
                               NOT_FOUND, by_wire(NOT_FOUND, DONE), by_wire(NOT_FOUND, DONE)),
    "delete for Manuel": Row(button(blocks.ENTRY_DELETE, "managed", for_manuel=True),
                             NOT_ADMIN, BASIL_FOR, DONE),
    "restart for Manuel": Row(button(blocks.ENTRY_RESTART, "managed", for_manuel=True),
                              NOT_ADMIN, BASIL_FOR, DONE),
    "edit for Manuel": Row(editing("managed", for_manuel=True), NOT_ADMIN, BASIL_FOR, DONE),
    "delete for Manuel, another project": Row(
        button(blocks.ENTRY_DELETE, "unmanaged", for_manuel=True), NOT_ADMIN, BASIL_FOR, DONE),
    "delete for Manuel, approved": Row(button(blocks.ENTRY_DELETE, "locked", for_manuel=True),
                                       NOT_ADMIN, BASIL_FOR, DONE),
    "Home": Row(home, DONE, DONE, DONE),
    "Home's Stop": Row(home_stop, DONE, DONE, DONE),
    "Home's quick start": Row(home_start("Website Redesign", "Design"), DONE, DONE, DONE),
    "Home's quick start, a project not assigned": Row(home_start(TAPAS, "Meetings"),
                                                      *((NOT_ASSIGNED,) * 3)),
    "Log time shortcut": Row(log_modal("shortcut"), DONE, DONE, DONE),
    "Log time message shortcut": Row(log_modal("message"), DONE, DONE, DONE),
    "Home's Log time button": Row(log_modal("home"), DONE, DONE, DONE),
    "Log time form": Row(log_form("Website Redesign", "Design"), DONE, DONE, DONE),
    "Log time form, a project not offered": Row(log_form(TAPAS, "Meetings"),
                                                *((PROJECT_CLOSED,) * 3)),
    "project autocomplete": Row(suggesting(modals.PROJECT), DONE, DONE, DONE,
                                modals.NOT_LOADED_OPTION, modals.NOT_LOADED_OPTION),
    "task autocomplete": Row(suggesting(modals.TASK), DONE, DONE, DONE,
                             modals.NOT_LOADED_OPTION, modals.NOT_LOADED_OPTION),
    "Connect with password button": Row(
        connect_button(blocks.CONNECT_PASSWORD, blocks.CONNECT_VIEW), *((DONE,) * 5)),
    "Connect with token button": Row(
        connect_button(blocks.CONNECT_TOKEN, blocks.TOKEN_VIEW), *((DONE,) * 5)),
    "connect modal, Polly's email, wrong password": Row(
        connect_view(blocks.CONNECT_VIEW), *((WRONG_PASSWORD,) * 5)),
    "token modal, not a token": Row(connect_view(blocks.TOKEN_VIEW), *((WRONG_TOKEN,) * 5)),
    "account choice held for Polly, its select": Row(
        choosing("button"), DONE, EXPIRED, EXPIRED, EXPIRED, EXPIRED),
    "account choice held for Polly, its modal": Row(
        choosing("modal"), DONE, EXPIRED, EXPIRED, EXPIRED, EXPIRED),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(MATRIX))
def test_each_person_gets_what_harvest_allows_them(
        app: SlackAppHarness, shared_emulator: RunningEmulator, shared_wire: str,
        name: str, who: str) -> None:
    row = MATRIX[name]
    person = PERSONS[who]
    targets = _targets(shared_emulator)
    before = (entries(shared_emulator), _links(app))
    told, done = row.run(app, shared_emulator, person, targets)
    judge(who, row.expected(who, shared_wire), told, done, before,
          lambda: (entries(shared_emulator), _links(app)))
