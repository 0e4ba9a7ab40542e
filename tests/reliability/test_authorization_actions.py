"""Who may do what with the bot's buttons, modals, shortcuts and autocomplete about time,
table-driven: the five people (``tests/reliability/authz.py``) on both wires, as in
``test_authorization.py`` (its docstring tells who they are and what Harvest allows them; Manuel's
entries and the Tapas Bar, a project only Manuel is assigned to, are made the same way).

Rows: the work picker's pick (``pick_work``: own, for Manuel, a project not assigned), the Home
(the ``app_home_opened`` event), its Stop (``home_stop``) and quick-start (``home_start:*``)
buttons, the "Log time" global and message shortcuts, the Home's "Log time" button
(``open_log_modal``), the Log time form (``log_time_view``; a project not offered), its project and
task autocomplete (``options``: only the person's own projects, never Tapas Bar; the guest and the
stranger get none, never Polly's), the Connect buttons (``connect_password``, ``connect_token``:
anyone may open them), the connect modals (``connect_view``, ``token_view``: Polly's email with a
wrong password, a token that is none: refused, no link changes) and the account choice after
signing in (the ``choose_account`` select and the ``account_view`` modal: a choice held for
Polly is hers alone; anyone else is told it expired).

Listeners without a row: ``connect_oauth`` only acknowledges (a link button: the browser goes to
Harvest; the sign-in's state is issued to the person's own workspace and Slack id, checked by
``test_authorization.py``'s ``connect`` row); ``entry_edit`` / ``entry_delete`` /
``entry_restart`` and the edit modal are ``test_authorization.py``'s rows. ``app_uninstalled`` and
``tokens_revoked`` are Slack's events about a workspace, not a person's request: the last test
sends both from the stranger's workspace, naming Polly's Slack id, and only that workspace's links
go.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from bot import blocks, home_blocks, modals
from bot.harvest.models import HarvestAccount
from bot.log_form import PROJECT_CLOSED
from emulator.runner import RunningEmulator
from handlers.views import WRONG_PASSWORD, WRONG_TOKEN
from tests.e2e.harness import PEOPLE, TEAM, SlackAppHarness, text_of
from tests.reliability.authz import (
    DONE,
    FORBIDDEN,
    NOT_ADMIN,
    PERSONS,
    WAIT,
    WHO,
    Person,
    Row,
    after,
    by_wire,
    click,
    command,
    dm_or_ephemeral,
    eventually,
    interact,
    rows,
    settle,
    signer,
)
from tests.reliability.authz_time import (
    TAPAS,
    Operation,
    Targets,
    Told,
    check,
    field_errors,
    harvest_id,
    links,
    own_entries,
    pair_ids,
    prepared,
    running,
    today,
)


@pytest.fixture(scope="module")
def app(shared_bot: SlackAppHarness, shared_emulator: RunningEmulator) -> SlackAppHarness:
    return prepared(shared_bot, shared_emulator)


# -- the operations -------------------------------------------------------------------------------

def picking(kind: str, project: str, task: str, *, whose: str | None = None) -> Operation:
    """Pick in the work picker of an unclear ``start`` or ``log`` (its state in the block id):
    done when the entry is on ``whose`` timesheet (default: the sender's)."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Told, Callable[[], bool]]:
        notes = f"row {next(rows)}"
        state: dict[str, Any] = {"k": kind, "n": notes}
        if kind == "log":
            state.update(h=1.0, d=today())
        if whose is not None:
            state["f"] = PEOPLE[whose][0]
        told = click(app, person, blocks.PICK_WORK, block_id=blocks.encode_state(state),
                     selected=pair_ids(emulator, project, task))
        owner = harvest_id(person, targets, whose)
        return told, lambda: len(own_entries(emulator, owner, notes)) == 1
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
    owner = harvest_id(person, targets)
    return shown, lambda: running(emulator, owner, notes) == [False]


def home_start(project: str, task: str) -> Operation:
    """A quick-start button of the Home: done when a new timer of the person's runs there."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Told, Callable[[], bool]]:
        settle(app)
        last = emulator.store.scalar("SELECT MAX(id) FROM day_entries")
        since = len(app.slack.calls)
        pair = pair_ids(emulator, project, task)
        interact(app, person, signer(person).block_action(
            person.user_id, f"{home_blocks.HOME_START}:{pair}", value=pair,
            container={"type": "view", "view_id": "V0HOME"}))
        shown = _home_answer(app, person, since)
        owner = harvest_id(person, targets)
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
        modals.DATE_BLOCK: {modals.VALUE: {"type": "datepicker", "selected_date": today()}},
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
            person.user_id, {**form, "id": view["id"]}, _form(pair_ids(emulator, project, task),
                                                              notes)))
        told = field_errors(ack) if ack else dm_or_ephemeral(app, person, since)
        owner = harvest_id(person, targets)
        return told, lambda: len(own_entries(emulator, owner, notes)) == 1
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
        before = links(app)
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
        return field_errors(ack), lambda: links(app) != before
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
            told = field_errors(ack) if ack else dm_or_ephemeral(app, person, since)
        linked = app.services.accounts.get(TEAM, PEOPLE["polly"][0])
        chose = linked is not None and (linked.wire, linked.auth_kind) == ("v2", "pat") and \
            person.name == "polly"
        if chose and app.wire == "v1":
            app.link("polly")  # back on the module's wire
        return told, lambda: chose
    return run


#: Basil acting for Manuel: see ``test_authorization.py``'s ``BASIL_FOR``.
BASIL_FOR = by_wire(NOT_ADMIN, FORBIDDEN)
#: Harvest refuses time on a project the person is not assigned to (v1: 400 with a hint; v2:
#: 422), and the bot passes its words on.
NOT_ASSIGNED = "is not assigned"
EXPIRED = "That account choice has expired"

#                         operation                          polly      basil      sybil
#                                                   guest, stranger: NOT_LINKED unless given
MATRIX: dict[str, Row] = {
    "picker: start": Row(picking("start", "Website Redesign", "Design"), DONE, DONE, DONE),
    "picker: log for Manuel": Row(
        picking("log", "Website Redesign", "Design", whose="manuel"), NOT_ADMIN, BASIL_FOR, DONE),
    "picker: a project not assigned": Row(picking("log", TAPAS, "Meetings"),
                                          *((NOT_ASSIGNED,) * 3)),
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
    check(app, shared_emulator, shared_wire, MATRIX[name], who)


def test_another_workspace_leaving_forgets_none_of_this_ones_links(
        app: SlackAppHarness, shared_emulator: RunningEmulator) -> None:
    """The stranger's workspace revokes the token of its person with Polly's Slack id, then
    uninstalls the app: its own links go (waited for), this workspace's all stay."""
    stranger = PERSONS["stranger"]
    manuel = shared_emulator.info.logins["manuel"]
    before = links(app)
    sign = signer(stranger)
    for event in ({"type": "tokens_revoked", "tokens": {"oauth": [stranger.user_id], "bot": []}},
                  {"type": "app_uninstalled"}):
        app.services.accounts.link_basic(stranger.team_id, stranger.user_id,
                                         shared_emulator.base_url, manuel.email, manuel.password)
        assert app.send(sign.event(event)).status_code == 200
        assert eventually(lambda: app.services.accounts.get(stranger.team_id,
                                                            stranger.user_id) is None)
        assert links(app) == before
