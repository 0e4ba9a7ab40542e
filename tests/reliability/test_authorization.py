"""Who may do what with their time, table-driven: every person against every ``/harvest``
command about time and the buttons of Manuel's entries, on both wires.

The people (``tests/reliability/authz.py``): Polly (regular user), Basil (project manager of
Website Redesign, Mobile App and Gourmet Night; on v2 he also holds ``time_and_expenses_manager``,
so Harvest lets him track time for others on those projects), Sybil (administrator), a guest of
the workspace who never connected Harvest, and a stranger: someone of another Slack workspace
whose Slack user id happens to be Polly's, who must get nothing of Polly's.

The other person whose entries they reach for is Manuel (regular user). Each row gets fresh
entries of his, made today straight in the emulator: one on a project Basil manages, one on a
project he does not, one approved (locked). The module adds *Tapas Bar*, a project only Manuel
is assigned to: nobody else may track time to it, so nobody else is offered it
(``tests/reliability/authz_time.py``). Each cell says what the person gets: the thing done
(checked in Harvest, or in the bot's links), or the refusal they are told, with Harvest and
everyone's links unchanged. Where the wires differ it is because Harvest does: v1's daily API
knows only the caller's own timesheet unless an administrator names someone (``of_user``), while
v2 lets whoever can see an entry reach it by id, and lets Basil act for others on the projects he
manages.

Rows: ``help`` and ``connect`` (anyone; the sign-in's state is issued to the person's own
workspace and Slack id), ``disconnect`` (the linked forget their own link, linked again after the
row; the stranger's leaves Polly's), ``today``, ``week``, ``day``, ``projects`` (never Tapas Bar),
``start`` (Tapas Bar: not found among theirs), ``stop``, ``resume``, ``note``, ``log``, ``for
@manuel`` ``today``, ``week``, ``start``, ``log`` (``projects`` is for oneself only), and Manuel's entries' Delete / Restart / Edit buttons and the Edit modal
(``entry_delete``, ``entry_restart``, ``entry_edit``, the ``edit_entry`` view), his own and
acting for him; restarting an approved entry of one's own while a timer runs (only an
administrator may; a refusal leaves the timer running). The other buttons, modals, shortcuts, autocomplete and events about time are
``test_authorization_actions.py``; Co-op's commands and buttons ``test_authorization_coop.py``;
digests' ``test_authorization_digests.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from bot import blocks
from emulator.clock import iso
from emulator.runner import RunningEmulator
from tests.e2e.harness import SlackAppHarness, text_of
from tests.reliability.authz import (
    DONE,
    FORBIDDEN,
    NOT_ADMIN,
    NOT_FOUND,
    WHO,
    Person,
    Row,
    after,
    by_wire,
    click,
    command,
    dm_or_ephemeral,
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
    entry_row,
    entry_value,
    harvest_id,
    own_entries,
    prepared,
    running,
    today,
)


@pytest.fixture(scope="module")
def app(shared_bot: SlackAppHarness, shared_emulator: RunningEmulator) -> SlackAppHarness:
    return prepared(shared_bot, shared_emulator)


# -- the operations -------------------------------------------------------------------------------


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
        owner = harvest_id(person, targets, whose)
        return told, lambda: len(own_entries(emulator, owner, notes)) == 1
    return run


def stopping(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
             targets: Targets) -> tuple[Told, Callable[[], bool]]:
    """``start`` then ``stop``: done when the timer started is stopped."""
    notes = f"row {next(rows)}"
    command(app, person, f"start website / design -- {notes}")
    told = command(app, person, "stop")
    owner = harvest_id(person, targets)
    return told, lambda: running(emulator, owner, notes) == [False]


def resuming(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
             targets: Targets) -> tuple[Told, Callable[[], bool]]:
    """``start``, ``stop``, ``resume``: done when that timer runs again."""
    notes = f"row {next(rows)}"
    command(app, person, f"start website / design -- {notes}")
    command(app, person, "stop")
    told = command(app, person, "resume")
    owner = harvest_id(person, targets)
    return told, lambda: running(emulator, owner, notes) == [True]


def noting(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
           targets: Targets) -> tuple[Told, Callable[[], bool]]:
    """``start`` then ``note``: done when the running timer has the new notes."""
    notes = f"row {next(rows)}"
    command(app, person, f"start website / design -- {notes}")
    told = command(app, person, f"note {notes} noted")
    owner = harvest_id(person, targets)
    return told, lambda: running(emulator, owner, f"{notes} noted") == [True]


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
        told = click(app, person, action_id, entry_value(entry_id, for_manuel=for_manuel))
        if action_id == blocks.ENTRY_DELETE:
            return told, lambda: entry_row(emulator, entry_id) is None
        return told, lambda: bool((entry_row(emulator, entry_id) or {}).get("timer_started_at"))
    return run


def restarting_approved(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
                        targets: Targets) -> tuple[Told, Callable[[], bool]]:
    """With a timer running, restart an approved (locked) entry of the person's own (Polly's,
    for the unlinked): done when it runs."""
    owner = targets.harvest_ids.get(person.name, targets.harvest_ids["polly"])
    info, stamp = emulator.info, iso(emulator.clock.now())
    locked = int(emulator.store.insert(
        "day_entries", user_id=owner, project_id=info.ids["project:Website Redesign"],
        task_id=info.ids["task:Meetings"], spent_at=today(), hours=1.0,
        notes=f"approved {next(rows)}", created_at=stamp, updated_at=stamp, is_closed=1))
    command(app, person, f"start website / design -- row {next(rows)}")
    targets.mark()
    told = click(app, person, blocks.ENTRY_RESTART, json.dumps({"id": locked, "h": 1.0}))
    return told, lambda: bool((entry_row(emulator, locked) or {}).get("timer_started_at"))


def editing(target: str, *, for_manuel: bool) -> Operation:
    """Edit one of Manuel's entries: its button opens the modal, which is submitted."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            targets: Targets) -> tuple[Told, Callable[[], bool]]:
        entry_id = getattr(targets, target)
        settle(app)
        since = len(app.slack.calls)
        sign = signer(person)
        interact(app, person, sign.block_action(
            person.user_id, blocks.ENTRY_EDIT, value=entry_value(entry_id, for_manuel=for_manuel),
            container={"type": "message", "channel_id": "C0GENERAL"}))
        view = after(app, since, "views.open").response["view"]
        since = len(app.slack.calls)
        interact(app, person, sign.view_submission(person.user_id, view, {
            "hours": {"value": {"type": "plain_text_input", "value": "2:30"}},
            "notes": {"value": {"type": "plain_text_input", "value": "edited"}}}))
        told = dm_or_ephemeral(app, person, since)
        return told, lambda: (entry_row(emulator, entry_id) or {}).get("notes") == "edited"
    return run


MANUEL = "<@U0MANUEL|manuel>"
#: Basil acting for Manuel. v1 lets only administrators name someone else (``of_user``), and
#: the bot says so before asking. v2 would let him track time for people on the projects he
#: manages, but only by their Harvest id, and it will not tell a manager without assigned
#: teammates who anyone is (``GET /v2/users`` is 403): the bot, which finds the person by their
#: Slack email, is refused, and passes Harvest's words on.
BASIL_FOR = by_wire(NOT_ADMIN, FORBIDDEN)
WEREN_T = "You weren't connected to Harvest."
#: An approved entry: the bot refuses before asking Harvest, except where the link says Harvest
#: may let the person act for others (v2's Basil), where Harvest refuses (only administrators
#: change approved entries) and the refused restart leaves the running timer running.
APPROVED = "That entry has been approved, so it is locked"
BASIL_APPROVED = by_wire(APPROVED, FORBIDDEN)

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
    "for @manuel week": Row(reading(f"for {MANUEL} week", "for Manuel Garcia"),
                            NOT_ADMIN, BASIL_FOR, DONE),
    "for @manuel projects": Row(reading(f"for {MANUEL} projects", TAPAS),
                                *(("`projects` is only for yourself.",) * 5)),
    "for @manuel start": Row(writing(f"for {MANUEL} start website / design", whose="manuel"),
                             NOT_ADMIN, BASIL_FOR, DONE),
    "for @manuel log, managed project": Row(
        writing(f"for {MANUEL} log 1h website / design", whose="manuel"),
        NOT_ADMIN, BASIL_FOR, DONE),
    "for @manuel log, another project": Row(
        writing(f"for {MANUEL} log 1h data migration / development", whose="manuel"),
        NOT_ADMIN, BASIL_FOR, DONE),
    "delete Manuel's entry": Row(button(blocks.ENTRY_DELETE, "managed", for_manuel=False),
                                 NOT_FOUND, by_wire(NOT_FOUND, DONE), by_wire(NOT_FOUND, DONE)),
    "restart Manuel's entry": Row(button(blocks.ENTRY_RESTART, "managed", for_manuel=False),
                                  NOT_FOUND, by_wire(NOT_FOUND, DONE), by_wire(NOT_FOUND, DONE)),
    "edit Manuel's entry": Row(editing("managed", for_manuel=False),
                               NOT_FOUND, by_wire(NOT_FOUND, DONE), by_wire(NOT_FOUND, DONE)),
    "restart an approved entry of their own, a timer running": Row(
        restarting_approved, APPROVED, BASIL_APPROVED, DONE),
    "delete for Manuel": Row(button(blocks.ENTRY_DELETE, "managed", for_manuel=True),
                             NOT_ADMIN, BASIL_FOR, DONE),
    "restart for Manuel": Row(button(blocks.ENTRY_RESTART, "managed", for_manuel=True),
                              NOT_ADMIN, BASIL_FOR, DONE),
    "edit for Manuel": Row(editing("managed", for_manuel=True), NOT_ADMIN, BASIL_FOR, DONE),
    "delete for Manuel, another project": Row(
        button(blocks.ENTRY_DELETE, "unmanaged", for_manuel=True), NOT_ADMIN, BASIL_FOR, DONE),
    "delete for Manuel, approved": Row(button(blocks.ENTRY_DELETE, "locked", for_manuel=True),
                                       NOT_ADMIN, BASIL_FOR, DONE),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(MATRIX))
def test_each_person_gets_what_harvest_allows_them(
        app: SlackAppHarness, shared_emulator: RunningEmulator, shared_wire: str,
        name: str, who: str) -> None:
    check(app, shared_emulator, shared_wire, MATRIX[name], who)
