"""What the authorization matrices share (``test_authorization*.py``): the five people, sending
their requests, reading what they were told, and judging one cell.

The people: Polly (regular user), Basil (project manager; owner of the Co-op group), Sybil
(administrator), a guest of the workspace who never connected Harvest, and a stranger: someone
of another Slack workspace whose Slack user id happens to be Polly's, who must get nothing of
Polly's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import count
from typing import Any

from bot.accounts import NotAdmin
from bot.app import FORBIDDEN_TEXT, NOT_FOUND_TEXT
from tests.e2e.harness import PEOPLE, SIGNING_SECRET, TEAM, Call, SlackAppHarness, text_of
from tests.fakes.slack_signing import SlackSigner
from tests.reliability.checks import assert_polite

GUEST = "U0GUEST"
OTHER_TEAM = "T0OTHER"
CHANNEL = "C0GENERAL"
rows = count()
#: How long an answer may take: the people share one Harvest account, whose call budget (the bot
#: paces itself to it) a few hundred rows in quick succession do spend, so some answers wait.
WAIT = 30.0

# -- outcomes -------------------------------------------------------------------------------------
DONE = "done"
NOT_LINKED = "not linked"
NOT_ADMIN = "not an administrator"
NOT_FOUND = "not found"
FORBIDDEN = "forbidden"
#: What the person is told, for each refusal; any other expected outcome is the text itself.
TOLD = {
    NOT_LINKED: "You haven't connected Harvest yet",
    NOT_ADMIN: str(NotAdmin.__doc__),
    NOT_FOUND: NOT_FOUND_TEXT,
    FORBIDDEN: FORBIDDEN_TEXT.split("{")[0],
}
WHO = ("polly", "basil", "sybil", "guest", "stranger")
#: Outcomes that differ by wire: ``{"v1": ..., "v2": ...}``.
V1_V2 = dict[str, str]
Cell = str | V1_V2


def by_wire(v1: str, v2: str) -> V1_V2:
    return {"v1": v1, "v2": v2}


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
class Row:
    """One line of a matrix: the operation, and what each person gets from it."""

    run: Any  # each module's Operation
    polly: Cell
    basil: Cell
    sybil: Cell
    guest: Cell = NOT_LINKED
    stranger: Cell = NOT_LINKED

    def expected(self, who: str, wire: str) -> str:
        cell: Cell = getattr(self, who)
        return cell[wire] if isinstance(cell, dict) else cell


def add_guest(app: SlackAppHarness) -> SlackAppHarness:
    app.slack.add_user(GUEST, name="guest", email="guest@elsewhere.example", tz="Europe/London")
    return app


# -- sending --------------------------------------------------------------------------------------

def signer(person: Person) -> SlackSigner:
    return SlackSigner(SIGNING_SECRET, team_id=person.team_id)


def command(app: SlackAppHarness, person: Person, text: str, channel: str = CHANNEL) -> Call:
    """``/harvest text`` sent by ``person`` in ``channel``, and its answer."""
    key = f"authz{next(rows)}"
    answer = app.send(signer(person).slash_command(
        text, user_id=person.user_id, response_url=app.slack.response_url(key),
        channel_id=channel))
    assert answer.status_code == 200
    return app.reply(key, WAIT)


def click(app: SlackAppHarness, person: Person, action_id: str, value: str | None = None, *,
          container: dict[str, Any] | None = None, block_id: str = "block",
          selected: str | None = None, channel: str = CHANNEL) -> Call:
    """Press a message's button (or pick ``selected`` in its select); the answer."""
    key = f"authz{next(rows)}"
    option = {"text": {"type": "plain_text", "text": selected}, "value": selected} \
        if selected else None
    sign = signer(person)
    answer = app.send(sign.interaction(sign.block_action(
        person.user_id, action_id, value=value, response_url=app.slack.response_url(key),
        block_id=block_id, selected_option=option,
        container=container or {"type": "message", "channel_id": channel})))
    assert answer.status_code == 200
    return app.reply(key, WAIT)


def interact(app: SlackAppHarness, person: Person, payload: dict[str, Any]) -> Any:
    """Send an interaction payload; the JSON of the acknowledgement, or None when empty."""
    answer = app.send(signer(person).interaction(payload))
    assert answer.status_code == 200, answer.text
    return answer.json() if answer.content else None


# -- reading what was said ------------------------------------------------------------------------

def dm_or_ephemeral(app: SlackAppHarness, person: Person, since: int) -> Call:
    """What the app says to ``person`` after a modal (no response_url): a DM or an ephemeral."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        for call in app.slack.calls[since:]:
            if call.method in ("chat.postMessage", "chat.postEphemeral") and call.ok and \
                    person.user_id in (call.args.get("channel"), call.args.get("user")):
                return call
        time.sleep(0.02)
    raise AssertionError(f"nothing was said: {[(c.method, c.status, text_of(c)[:80]) for c in app.slack.calls[since:]]}")


def settle(app: SlackAppHarness, quiet: float = 0.2) -> None:
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


def after(app: SlackAppHarness, since: int, *methods: str) -> Call:
    """The first successful call of one of ``methods`` the app made since call ``since``."""
    deadline = time.monotonic() + WAIT
    while True:
        found = [c for c in app.slack.calls[since:] if c.method in methods and c.ok]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no {methods}: {[(c.method, c.status, str(c.response)[:80], text_of(c)[:80]) for c in app.slack.calls[since-6:]]}"
        time.sleep(0.02)


def eventually(done: Callable[[], bool], timeout: float = WAIT) -> bool:
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


# -- judging one cell -----------------------------------------------------------------------------

def judge(who: str, expected: str, told: Call | dict[str, Any], done: Callable[[], bool],
          before: object, now: Callable[[], object]) -> None:
    """The person got ``expected``: DONE (``done`` comes true), or the refusal (its words, or
    ``expected`` itself when it is no :data:`TOLD` key) with ``done`` false and the state read
    by ``now`` still ``before``."""
    text = assert_polite(told)
    if expected == DONE:
        assert eventually(done), f"{who} could not: {text}"
        return
    assert TOLD.get(expected, expected) in text, text
    if expected == NOT_LINKED:
        assert "Sign in with Harvest" in text or buttons_of(told), text
    assert not done(), f"{who} was told {text!r}, yet it was done"
    assert now() == before
