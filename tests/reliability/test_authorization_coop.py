"""Co-op, table-driven: the five people (``tests/reliability/authz.py``) against ``/harvest
status``, every ``/harvest group …`` command, the group picker, the delete confirmation's
buttons and the "Post to Co-op" message shortcut, on both wires (Co-op sits beside either).

Co-op's rules (coop-groups.txt; the emulator's assumptions in ``emulator/routes/coop.py``): a
person sees and uses only the groups they are an active member of (any other answers 404: the
bot says they are not a member); any member may post, read a day's statuses and invite; only
the owner renames, hands over or deletes a group (403). Harvest's administrator is no Co-op
owner. Each row gets two fresh groups: *Row N*, owned by Basil with Sybil and Polly as members
(channel ``C0COOP…`` shows it), and *Kitchen N*, Sybil's alone (channel ``C0KITCHEN…``), so
Polly and Basil are the non-members there; nobody has a default group. The rows are removed
after each row.

Two things need no Harvest: ``group unlink`` (anyone in the channel may stop it showing a group:
it only stops sharing, so the guest may too; the stranger's workspace has no link there) and the
delete confirmation's Cancel. A status held for Polly's pick (``coop_pick_group``) is hers:
anyone else pressing her button is told it expired, and nothing is posted. Each refusal
changes no group, membership, status, channel link or default.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as clock_time
from typing import Any

import pytest

from bot import coop_blocks
from emulator.clock import iso
from emulator.runner import RunningEmulator
from handlers.coop import POST_SHORTCUT
from storage.coop_links import CoopLink
from tests.e2e.harness import PEOPLE, TEAM, Call, SlackAppHarness, text_of
from tests.reliability.authz import (
    DONE,
    PERSONS,
    WAIT,
    WHO,
    Person,
    Row,
    add_guest,
    click,
    command,
    judge,
    rows,
    signer,
)

SYBIL = PEOPLE["sybil"][0]


@dataclass(frozen=True)
class Groups:
    """One row's groups and the channels showing them."""

    row: int
    row_name: str
    kitchen: int
    kitchen_name: str
    row_channel: str
    kitchen_channel: str
    n: int


@pytest.fixture(scope="module")
def app(shared_bot: SlackAppHarness, shared_emulator: RunningEmulator) -> SlackAppHarness:
    now = shared_emulator.clock.now()
    seeded = datetime.combine(now.date(), clock_time(9, 30, 1), tzinfo=UTC)
    if now < seeded:  # statuses posted here are the newest, after the demo's of today
        shared_emulator.clock.advance((seeded - now).total_seconds())
    return add_guest(shared_bot)


def _group(emulator: RunningEmulator, name: str, owner: str, *members: str) -> int:
    store, info, now = emulator.store, emulator.info, iso(emulator.clock.now())
    group = int(store.insert("groups", name=name, timezone="London",
                             owner_id=info.logins[owner].user_id, created_at=now, updated_at=now))
    for who in (owner, *members):
        store.insert("memberships", group_id=group, user_id=info.logins[who].user_id,
                     email=f"{who}@fawltytowers.example", state="active", created_at=now)
    store.insert("statuses", group_id=group, user_id=info.logins[owner].user_id,
                 text=f"{name} is open", created_at=now, updated_at=now)
    return group


def _groups(app: SlackAppHarness, emulator: RunningEmulator) -> Groups:
    n = next(rows)
    row_name, kitchen_name = f"Row {n}", f"Kitchen {n}"
    made = Groups(_group(emulator, row_name, "basil", "sybil", "polly"), row_name,
                  _group(emulator, kitchen_name, "sybil"), kitchen_name,
                  f"C0COOP{n}", f"C0KITCHEN{n}", n)
    now = datetime.now(UTC)
    links = app.services.coop.links
    links.link(CoopLink(TEAM, made.row_channel, made.row, row_name, PEOPLE["basil"][0], now,
                        "London"))
    links.link(CoopLink(TEAM, made.kitchen_channel, made.kitchen, kitchen_name, SYBIL, now,
                        "London"))
    return made


def _clean(app: SlackAppHarness, emulator: RunningEmulator) -> None:
    """Every group but the demo's, every channel link and default group, gone."""
    keep = emulator.info.ids["group:Fawlty Towers"]
    for table in ("statuses", "memberships"):
        emulator.store.execute(f"DELETE FROM {table} WHERE group_id != ?", keep)
    emulator.store.execute("DELETE FROM groups WHERE id != ?", keep)
    coop = app.services.coop
    for (channel,) in app.services.db.execute(
            "SELECT channel_id FROM coop_links").fetchall():
        coop.unlink(TEAM, channel)
    for who in ("sybil", "basil", "polly", "manuel"):
        coop.defaults.clear(TEAM, PEOPLE[who][0])


def _state(app: SlackAppHarness, emulator: RunningEmulator) -> tuple[Any, ...]:
    """Co-op's groups, memberships and statuses; the bot's channel links and defaults."""
    store, db = emulator.store, app.services.db
    return (
        store.all("SELECT id, name, timezone, owner_id FROM groups ORDER BY id"),
        store.all("SELECT group_id, user_id, email, state FROM memberships ORDER BY id"),
        store.all("SELECT id, group_id, user_id, text FROM statuses ORDER BY id"),
        [tuple(r) for r in db.execute(
            "SELECT team_id, channel_id, group_id FROM coop_links ORDER BY channel_id")],
        [tuple(r) for r in db.execute(
            "SELECT team_id, user_id, group_id FROM coop_defaults ORDER BY user_id")],
    )


def _member_of(emulator: RunningEmulator, person: Person) -> set[str]:
    if person.name not in emulator.info.logins or person.team_id != TEAM:
        return set()
    return {r["name"] for r in emulator.store.all(
        "SELECT g.name FROM groups g JOIN memberships m ON m.group_id = g.id "
        "WHERE m.user_id = ? AND m.state = 'active'", emulator.info.logins[person.name].user_id)}


def _said(emulator: RunningEmulator, person: Person, group: int, text: str) -> bool:
    """Whether the person's status ``text`` is in the group."""
    if person.name not in emulator.info.logins or person.team_id != TEAM:
        return False
    return bool(emulator.store.all(
        "SELECT id FROM statuses WHERE group_id = ? AND user_id = ? AND text = ?", group,
        emulator.info.logins[person.name].user_id, text))


# -- the operations -------------------------------------------------------------------------------
Told = Call | dict[str, Any]
#: ``(app, emulator, person, groups, mark) -> (told, done)``; ``mark()`` is called once what
#: the row needs is set up, just before the person's request.
Operation = Callable[[SlackAppHarness, RunningEmulator, Person, Groups, Callable[[], None]],
                     tuple[Told, Callable[[], bool]]]


def _where(groups: Groups, where: str) -> tuple[str, int, str]:
    """A row's channel, group id and group name: ``row``, ``kitchen`` or ``none`` (a channel
    showing no group)."""
    if where == "row":
        return groups.row_channel, groups.row, groups.row_name
    if where == "kitchen":
        return groups.kitchen_channel, groups.kitchen, groups.kitchen_name
    return f"C0NOLINK{groups.n}", groups.row, groups.row_name


def posting(where: str) -> Operation:
    """``/harvest status`` in the row's (or Kitchen's) channel: done when it is in that group,
    as the person."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person, groups: Groups,
            mark: Callable[[], None]) -> tuple[Told, Callable[[], bool]]:
        channel, group, _ = _where(groups, where)
        text = f"row {groups.n} status"
        mark()
        told = command(app, person, f"status {text}", channel)
        return told, lambda: _said(emulator, person, group, text)
    return run


def picker(app: SlackAppHarness, emulator: RunningEmulator, person: Person, groups: Groups,
           mark: Callable[[], None]) -> tuple[Told, Callable[[], bool]]:
    """``/harvest status`` where no group is linked, with no default: done when the picker
    offers exactly the person's groups (nothing is posted until they pick)."""
    mark()
    told = command(app, person, f"status row {groups.n} status", f"C0NOLINK{groups.n}")
    offered = {e["text"]["text"] for b in told.args.get("blocks") or []
               if b.get("type") == "actions" for e in b["elements"]}
    return told, lambda: coop_blocks.PICK_TEXT in text_of(told) and \
        offered == _member_of(emulator, person)


def picking_pollys(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
                   groups: Groups, mark: Callable[[], None]) -> tuple[Told, Callable[[], bool]]:
    """Press the *Row N* button of the picker offered to Polly for her status: done when her
    status is in that group."""
    text = f"row {groups.n} picked"
    offered = command(app, PERSONS["polly"], f"status {text}", f"C0NOLINK{groups.n}")
    [button] = [e for b in offered.args.get("blocks") or [] if b.get("type") == "actions"
                for e in b["elements"] if e["text"]["text"] == groups.row_name]
    mark()
    told = click(app, person, coop_blocks.COOP_PICK, button["value"])
    return told, lambda: _said(emulator, PERSONS["polly"], groups.row, text)


def asking(words: str, where: str, done: Callable[[SlackAppHarness, RunningEmulator, Person,
                                                    Groups, str], bool]) -> Operation:
    """``/harvest group <words>`` (``{group}``, ``{n}`` filled in) in a row's channel."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person, groups: Groups,
            mark: Callable[[], None]) -> tuple[Told, Callable[[], bool]]:
        channel, _, name = _where(groups, where)
        target = groups.kitchen_name if "kitchen" in words else name
        mark()
        told = command(app, person, "group " + words.format(group=target, n=groups.n,
                                                            kitchen=groups.kitchen_name),
                       channel)
        return told, lambda: done(app, emulator, person, groups, text_of(told))
    return run


def listed(app: SlackAppHarness, emulator: RunningEmulator, person: Person, groups: Groups,
           text: str) -> bool:
    """The list names the person's groups and no other."""
    mine = _member_of(emulator, person)
    return bool(mine) and all(f"*{g}*" in text for g in mine) and \
        (groups.kitchen_name in mine or groups.kitchen_name not in text)


def _link_of(app: SlackAppHarness, channel: str) -> int | None:
    found = app.services.db.execute("SELECT group_id FROM coop_links WHERE team_id = ? AND "
                                    "channel_id = ?", [TEAM, channel]).fetchone()
    return int(found[0]) if found else None


def linked(group: str) -> Callable[..., bool]:
    def done(app: SlackAppHarness, emulator: RunningEmulator, person: Person, groups: Groups,
             text: str) -> bool:
        wanted = groups.row if group == "row" else groups.kitchen
        return _link_of(app, f"C0NOLINK{groups.n}") == wanted
    return done


def unlinked(app: SlackAppHarness, emulator: RunningEmulator, person: Person, groups: Groups,
             text: str) -> bool:
    return _link_of(app, groups.row_channel) is None


def defaulted(group: str) -> Callable[..., bool]:
    def done(app: SlackAppHarness, emulator: RunningEmulator, person: Person, groups: Groups,
             text: str) -> bool:
        wanted = groups.row if group == "row" else groups.kitchen
        found = app.services.db.execute(
            "SELECT group_id FROM coop_defaults WHERE team_id = ? AND user_id = ?",
            [person.team_id, person.user_id]).fetchone()
        return found is not None and int(found[0]) == wanted
    return done


def created(app: SlackAppHarness, emulator: RunningEmulator, person: Person, groups: Groups,
            text: str) -> bool:
    if person.name not in emulator.info.logins or person.team_id != TEAM:
        return False
    return bool(emulator.store.all("SELECT id FROM groups WHERE name = ? AND owner_id = ?",
                                   f"Tapas {groups.n}", emulator.info.logins[person.name].user_id))


def invited(group: str) -> Callable[..., bool]:
    def done(app: SlackAppHarness, emulator: RunningEmulator, person: Person, groups: Groups,
             text: str) -> bool:
        wanted = groups.row if group == "row" else groups.kitchen
        return bool(emulator.store.all(
            "SELECT id FROM memberships WHERE group_id = ? AND email = ?", wanted,
            "manuel@fawltytowers.example"))
    return done


def renamed(app: SlackAppHarness, emulator: RunningEmulator, person: Person, groups: Groups,
            text: str) -> bool:
    return emulator.store.scalar("SELECT name FROM groups WHERE id = ?", groups.row) == \
        f"Renamed {groups.n}"


def handed_to_sybil(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
                    groups: Groups, text: str) -> bool:
    return emulator.store.scalar("SELECT owner_id FROM groups WHERE id = ?", groups.row) == \
        emulator.info.logins["sybil"].user_id


def confirming(app: SlackAppHarness, emulator: RunningEmulator, person: Person, groups: Groups,
               text: str) -> bool:
    """Asked to confirm (the group is still there until the button)."""
    return f"Delete *{groups.row_name}*?" in text and emulator.store.scalar(
        "SELECT COUNT(*) FROM groups WHERE id = ?", groups.row) == 1


def reading_day(group: str) -> Callable[..., bool]:
    def done(app: SlackAppHarness, emulator: RunningEmulator, person: Person, groups: Groups,
             text: str) -> bool:
        name = groups.row_name if group == "row" else groups.kitchen_name
        return f"{name} is open" in text
    return done


def deleting(where: str) -> Operation:
    """The confirmation's Delete button for the row's (or Kitchen's) group: done when Co-op no
    longer has it."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person, groups: Groups,
            mark: Callable[[], None]) -> tuple[Told, Callable[[], bool]]:
        _, group, _ = _where(groups, where)
        mark()
        told = click(app, person, coop_blocks.COOP_DELETE, json.dumps({"g": group}))
        return told, lambda: emulator.store.scalar(
            "SELECT COUNT(*) FROM groups WHERE id = ?", group) == 0
    return run


def cancelling(app: SlackAppHarness, emulator: RunningEmulator, person: Person, groups: Groups,
               mark: Callable[[], None]) -> tuple[Told, Callable[[], bool]]:
    """The confirmation's Cancel: done when it says nothing was deleted."""
    mark()
    told = click(app, person, coop_blocks.COOP_CANCEL, json.dumps({"g": groups.row}))
    return told, lambda: coop_blocks.CANCELLED_TEXT in text_of(told)


def shortcut(where: str) -> Operation:
    """"Post to Co-op" on a message in the row's (or Kitchen's) channel: done when the message's
    text is a status of the person's there."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person, groups: Groups,
            mark: Callable[[], None]) -> tuple[Told, Callable[[], bool]]:
        channel, group, _ = _where(groups, where)
        text = f"row {groups.n} from a message"
        key = f"authz{next(rows)}"
        mark()
        sign = signer(person)
        answer = app.send(sign.interaction(sign.message_shortcut(
            person.user_id, POST_SHORTCUT, text=text, response_url=app.slack.response_url(key),
            channel_id=channel)))
        assert answer.status_code == 200
        told = app.reply(key, WAIT)
        return told, lambda: _said(emulator, person, group, text)
    return run


NOT_MEMBER_KITCHEN = "You're not a member of *Kitchen"
#: A group id (from a button) of a group the person is not in: Co-op does not tell them its name.
NOT_MEMBER_ANY = "You're not a member of *group "
NO_SUCH_GROUP = "You're not a member of any Co-op group called “Kitchen"
OWNER_ONLY = "Only the owner of *Row"
COOP_SAYS_OWNER = "Co-op says you can't do that: Only the group owner can do this"
EXPIRED = "That choice has expired or was made already"

#                         operation                          polly      basil      sybil
#                                                   guest, stranger: NOT_LINKED unless given
MATRIX: dict[str, Row] = {
    "status, the channel's group": Row(posting("row"), DONE, DONE, DONE),
    "status, a group they're not in": Row(posting("kitchen"), NOT_MEMBER_KITCHEN,
                                          NOT_MEMBER_KITCHEN, DONE),
    "status, no group linked: the picker": Row(picker, DONE, DONE, DONE),
    "pick, Polly's held status": Row(picking_pollys, DONE, EXPIRED, EXPIRED, EXPIRED, EXPIRED),
    "Post to Co-op shortcut": Row(shortcut("row"), DONE, DONE, DONE),
    "Post to Co-op shortcut, a group they're not in": Row(
        shortcut("kitchen"), NOT_MEMBER_KITCHEN, NOT_MEMBER_KITCHEN, DONE),
    "group list": Row(asking("list", "row", listed), DONE, DONE, DONE),
    "group link": Row(asking("link {group}", "none", linked("row")), DONE, DONE, DONE),
    "group link, a group they're not in": Row(
        asking("link {kitchen}", "none", linked("kitchen")), NO_SUCH_GROUP, NO_SUCH_GROUP, DONE),
    "group unlink": Row(asking("unlink", "row", unlinked), DONE, DONE, DONE, DONE,
                        "This channel isn't showing a Co-op group."),
    "group default": Row(asking("default {group}", "none", defaulted("row")), DONE, DONE, DONE),
    "group default, a group they're not in": Row(
        asking("default {kitchen}", "none", defaulted("kitchen")),
        NO_SUCH_GROUP, NO_SUCH_GROUP, DONE),
    "group create": Row(asking("create Tapas {n} London", "none", created), DONE, DONE, DONE),
    "group invite": Row(asking("invite manuel@fawltytowers.example", "row", invited("row")),
                        DONE, DONE, DONE),
    "group invite, a group they're not in": Row(
        asking("invite manuel@fawltytowers.example", "kitchen", invited("kitchen")),
        NOT_MEMBER_KITCHEN, NOT_MEMBER_KITCHEN, DONE),
    "group rename": Row(asking("rename Renamed {n}", "row", renamed),
                        COOP_SAYS_OWNER, DONE, COOP_SAYS_OWNER),
    "group owner @sybil": Row(asking(f"owner <@{SYBIL}|sybil>", "row", handed_to_sybil),
                              OWNER_ONLY, DONE, OWNER_ONLY),
    "group delete (asks to confirm)": Row(asking("delete", "row", confirming),
                                          OWNER_ONLY, DONE, OWNER_ONLY),
    "group delete, a group they're not in": Row(asking("delete", "kitchen", confirming),
                                                NOT_MEMBER_KITCHEN, NOT_MEMBER_KITCHEN,
                                                "Delete *Kitchen"),
    "confirmed Delete button": Row(deleting("row"), OWNER_ONLY, DONE, OWNER_ONLY),
    "confirmed Delete button, a group they're not in": Row(
        deleting("kitchen"), NOT_MEMBER_ANY, NOT_MEMBER_ANY, DONE),
    "Cancel button": Row(cancelling, DONE, DONE, DONE, DONE, DONE),
    "group digest": Row(asking("digest", "row", reading_day("row")), DONE, DONE, DONE),
    "group digest, a group they're not in": Row(
        asking("digest", "kitchen", reading_day("kitchen")),
        NOT_MEMBER_KITCHEN, NOT_MEMBER_KITCHEN, DONE),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(MATRIX))
def test_each_person_gets_what_co_op_allows_them(
        app: SlackAppHarness, shared_emulator: RunningEmulator, shared_wire: str,
        name: str, who: str) -> None:
    row = MATRIX[name]
    marked: dict[str, Any] = {}

    def mark() -> None:
        marked["before"] = _state(app, shared_emulator)

    try:
        groups = _groups(app, shared_emulator)
        told, done = row.run(app, shared_emulator, PERSONS[who], groups, mark)
        judge(who, row.expected(who, shared_wire), told, done, marked["before"],
              lambda: _state(app, shared_emulator))
    finally:
        _clean(app, shared_emulator)
