"""Digests, table-driven: the five people (``tests/reliability/authz.py``) against every
``/harvest digest …`` command and the "Post now" button, on both wires: who may set up, change
and stop a channel's digest, and what each person's digest *contains*.

What Harvest lets each see (overview.txt; v2-notes.md §8.2, §9): administrators everything,
project managers their own time and the projects they manage, everyone else their own time. The
module replaces yesterday's time (what a daily digest posted today reports) with four known
entries: Manuel's 7.77 h on Website Redesign (Basil manages it) and 6.66 h on Data Migration
(he does not), Polly's 1.11 h on Internal, Basil's 2.22 h on Gourmet Night; and adds 5.55 h of
Manuel's today. So Polly's ``digest now`` shows her 1.11 h and nothing of anyone else's;
Basil's his 2.22 h and Manuel's 7.77 h, not the 6.66 h nor Polly's; Sybil's all four. ``digest
me now`` shows only the person's own day (never Manuel's 5.55 h).

A channel's digest is set up by someone linked, reports what *its owner's* account sees (the
message says so), and is changed (set up again) or stopped only by its owner or a Harvest
administrator. Posting a channel's digest now (``digest now``, the "Post now" button) shows what
the channel is shown on schedule anyway, so anyone in the channel may, the guest too; in a channel
without one, ``digest now`` reports what the person's own account sees, so it needs their link.
The stranger's workspace has no digest in these channels: they can neither see, nor post, nor
stop the demo workspace's. Each refusal changes no schedule and posts nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.digest_blocks import NOT_OWNER_TEXT, NOTHING_TO_STOP_TEXT
from emulator.clock import iso
from emulator.runner import RunningEmulator
from handlers.digests import NOT_OWNER_CHANGE_TEXT, POST_NOW
from tests.e2e.harness import PEOPLE, Call, SlackAppHarness, text_of
from tests.reliability.authz import (
    DONE,
    PERSONS,
    WHO,
    Person,
    Row,
    add_guest,
    click,
    command,
    judge,
    rows,
)

SYBIL, POLLY = PEOPLE["sybil"][0], PEOPLE["polly"][0]
#: What each person's digest of yesterday must show, and must not.
SEES = {
    "polly": (("1.11 h",), ("7.77", "6.66", "2.22", "Manuel")),
    "basil": (("7.77 h", "2.22 h", "9.99 h"), ("6.66", "1.11")),
    "sybil": (("7.77 h", "6.66 h", "1.11 h", "2.22 h", "17.76 h", "Manuel Garcia"), ()),
    # Basil's digest of Manuel: his time on the projects Basil manages only.
    "basil of manuel": (("7.77 h",), ("6.66", "1.11", "2.22")),
}


@pytest.fixture(scope="module")
def app(shared_bot: SlackAppHarness, shared_emulator: RunningEmulator) -> SlackAppHarness:
    _known_days(shared_emulator)
    return add_guest(shared_bot)


def _london_today() -> datetime:
    return datetime.now(ZoneInfo("Europe/London"))


def _known_days(emulator: RunningEmulator) -> None:
    store, info, now = emulator.store, emulator.info, iso(emulator.clock.now())
    yesterday = (_london_today() - timedelta(days=1)).date().isoformat()
    store.execute("DELETE FROM day_entries WHERE spent_at = ?", yesterday)

    def entry(who: str, project: str, task: str, hours: float, day: str) -> None:
        store.insert("day_entries", user_id=info.logins[who].user_id,
                     project_id=info.ids[f"project:{project}"], task_id=info.ids[f"task:{task}"],
                     spent_at=day, hours=hours, notes=f"{who}'s", created_at=now, updated_at=now)

    entry("manuel", "Website Redesign", "Design", 7.77, yesterday)
    entry("manuel", "Data Migration", "Development", 6.66, yesterday)
    entry("polly", "Internal", "Meetings", 1.11, yesterday)
    entry("basil", "Gourmet Night", "Meetings", 2.22, yesterday)
    entry("manuel", "Website Redesign", "Design", 5.55, _london_today().date().isoformat())


def _schedules(app: SlackAppHarness) -> tuple[list[Any], list[Any]]:
    """Every channel digest and personal DM the bot keeps."""
    db = app.services.db
    return ([tuple(r) for r in db.execute(
                "SELECT team_id, channel_id, kind, owner_user_id, at_time, scope "
                "FROM digest_subscriptions ORDER BY id").fetchall()],
            [tuple(r) for r in db.execute(
                "SELECT team_id, user_id, at_time FROM personal_digests "
                "ORDER BY team_id, user_id").fetchall()])


def _channel() -> str:
    return f"C0DIGEST{next(rows)}"


def _owned(app: SlackAppHarness, channel: str, kind: str = "daily") -> str | None:
    found = app.services.db.execute(
        "SELECT owner_user_id FROM digest_subscriptions WHERE team_id = 'T0DEMO' AND "
        "channel_id = ? AND kind = ?", [channel, kind]).fetchone()
    return str(found[0]) if found else None


def _set_up(app: SlackAppHarness, owner: str, channel: str, words: str = "daily 09:00") -> None:
    said = command(app, PERSONS[owner], f"digest {words}", channel)
    assert "set up here" in text_of(said), text_of(said)


def _posted(app: SlackAppHarness, channel: str, since: int) -> list[Call]:
    return [c for c in app.slack.calls[since:]
            if c.method == "chat.postMessage" and c.ok and c.args.get("channel") == channel]


def _shows(text: str, owner: str) -> bool:
    """Whether a digest of yesterday shows what ``owner`` may see, and nothing more."""
    wanted, unwanted = SEES[owner]
    return all(w in text for w in wanted) and not any(u in text for u in unwanted)


# -- the operations -------------------------------------------------------------------------------
Told = Call | dict[str, Any]
#: An operation: ``(app, emulator, person, mark)``; it calls ``mark()`` once what the row needs
#: is set up, just before the person's request, and returns what they were told and ``done``.
Operation = Callable[[SlackAppHarness, RunningEmulator, Person, Callable[[], None]],
                     tuple[Told, Callable[[], bool]]]


def posting_now(owner: str | None, *, by_button: bool = False, words: str = "daily 09:00",
                sees: str | None = None) -> Operation:
    """``digest now`` (or the "Post now" button) in a channel with ``owner``'s daily digest (of
    ``words``), or none: done when the digest posted there shows what its owner (or the
    person) may see (``sees``: a key of :data:`SEES`)."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            mark: Callable[[], None]) -> tuple[Told, Callable[[], bool]]:
        channel = _channel()
        if owner is not None:
            _set_up(app, owner, channel, words)
        since = len(app.slack.calls)
        mark()
        if by_button:
            told = click(app, person, POST_NOW, "daily", channel=channel)
        else:
            told = command(app, person, "digest now", channel)
        seen_as = sees or owner or person.name

        def done() -> bool:
            posts = _posted(app, channel, since)
            return len(posts) == 1 and seen_as in SEES and _shows(text_of(posts[0]), seen_as)
        return told, done
    return run


def subscribing(words: str, *, over: str | None = None) -> Operation:
    """``digest <words>`` in a fresh channel (with ``over``'s digest of that kind already):
    done when the channel's digest is the person's."""
    kind = words.split()[0]

    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            mark: Callable[[], None]) -> tuple[Told, Callable[[], bool]]:
        channel = _channel()
        if over is not None:
            _set_up(app, over, channel, f"{kind} 09:00")
        mark()
        told = command(app, person, f"digest {words}", channel)
        return told, lambda: person.team_id == "T0DEMO" and \
            _owned(app, channel, kind) == person.user_id
    return run


def stopping(owner: str) -> Operation:
    """``digest off`` in a channel with ``owner``'s daily digest: done when it is gone."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            mark: Callable[[], None]) -> tuple[Told, Callable[[], bool]]:
        channel = _channel()
        _set_up(app, owner, channel)
        mark()
        told = command(app, person, "digest off", channel)
        return told, lambda: _owned(app, channel) is None
    return run


def showing(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            mark: Callable[[], None]) -> tuple[Told, Callable[[], bool]]:
    """``digest show`` in a channel with Sybil's digest: done when it lists hers."""
    channel = _channel()
    _set_up(app, "sybil", channel)
    mark()
    told = command(app, person, "digest show", channel)
    return told, lambda: f"as <@{SYBIL}> sees it" in text_of(told)


def personal(words: str) -> Operation:
    """``digest me …``: done when the person's own DM schedule is as asked (set, or gone)."""
    def run(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
            mark: Callable[[], None]) -> tuple[Told, Callable[[], bool]]:
        if words == "off" and person.name in SEES:
            said = command(app, person, "digest me 18:00 weekdays")
            assert "DM you your day" in text_of(said), text_of(said)
        mark()
        told = command(app, person, f"digest me {words}")
        mine = person.team_id == "T0DEMO" and person.name in SEES

        def done() -> bool:
            kept = app.services.db.execute(
                "SELECT at_time FROM personal_digests WHERE team_id = ? AND user_id = ?",
                [person.team_id, person.user_id]).fetchone()
            return mine and (kept is None if words == "off" else kept is not None)
        return told, done
    return run


def my_day_now(app: SlackAppHarness, emulator: RunningEmulator, person: Person,
               mark: Callable[[], None]) -> tuple[Told, Callable[[], bool]]:
    """``digest me now``: done when it shows the person's own day and nothing of Manuel's."""
    mark()
    told = command(app, person, "digest me now")
    text = text_of(told)
    return told, lambda: ("Your day" in text or "You haven't logged any time" in text) \
        and "5.55" not in text


NOT_OWNER_SYBIL = NOT_OWNER_TEXT.format(owner=SYBIL)
NOT_OWNER_POLLY = NOT_OWNER_TEXT.format(owner=POLLY)
SYBILS_DAILY = NOT_OWNER_CHANGE_TEXT.format(owner=SYBIL, kind="daily")
ONLY_OWN_PEOPLE = "Your Harvest role shows only your own time, so your digest can't cover other"
ONLY_OWN_CLIENTS = "Your Harvest role shows only your own time, so a digest can't cover clients"
#: Basil manages no project of Globex's: Harvest shows him none of its time.
NO_GLOBEX = "I can't find client “globex” among the ones your Harvest account can see."
MANUEL = "<@U0MANUEL|manuel>"

#                         operation                          polly      basil      sybil
#                                                   guest, stranger: NOT_LINKED unless given
MATRIX: dict[str, Row] = {
    "digest now, no channel digest": Row(posting_now(None), DONE, DONE, DONE),
    "digest now, Sybil's channel digest": Row(posting_now("sybil"), DONE, DONE, DONE, DONE),
    "digest now, Polly's channel digest": Row(posting_now("polly"), DONE, DONE, DONE, DONE),
    "digest now, Basil's digest of @manuel": Row(
        posting_now("basil", words="daily 09:00 people <@U0MANUEL|manuel>", sees="basil of manuel"),
        DONE, DONE, DONE, DONE),
    "Post now button, Sybil's channel digest": Row(posting_now("sybil", by_button=True),
                                                   DONE, DONE, DONE, DONE),
    "digest daily": Row(subscribing("daily 09:00 weekdays"), DONE, DONE, DONE),
    "digest weekly": Row(subscribing("weekly monday 09:00"), DONE, DONE, DONE),
    "digest daily, over Sybil's": Row(subscribing("daily 10:00", over="sybil"),
                                      SYBILS_DAILY, SYBILS_DAILY, DONE, SYBILS_DAILY),
    "digest daily, over Polly's": Row(subscribing("daily 10:00", over="polly"),
                                      DONE, NOT_OWNER_CHANGE_TEXT.format(owner=POLLY, kind="daily"),
                                      DONE, NOT_OWNER_CHANGE_TEXT.format(owner=POLLY, kind="daily")),
    "digest daily of @manuel": Row(subscribing(f"daily 09:00 people {MANUEL}"),
                                   ONLY_OWN_PEOPLE, DONE, DONE),
    "digest daily of a client": Row(subscribing("daily 09:00 clients globex"),
                                    ONLY_OWN_CLIENTS, NO_GLOBEX, DONE),
    "digest off, Sybil's": Row(stopping("sybil"), NOT_OWNER_SYBIL, NOT_OWNER_SYBIL, DONE,
                               NOT_OWNER_SYBIL, NOTHING_TO_STOP_TEXT),
    "digest off, Polly's": Row(stopping("polly"), DONE, NOT_OWNER_POLLY, DONE,
                               NOT_OWNER_POLLY, NOTHING_TO_STOP_TEXT),
    "digest show": Row(showing, DONE, DONE, DONE, DONE, "This channel has no digest"),
    "digest me": Row(personal("18:00 weekdays"), DONE, DONE, DONE),
    "digest me off": Row(personal("off"), DONE, DONE, DONE,
                         "You had no daily DM.", "You had no daily DM."),
    "digest me now": Row(my_day_now, DONE, DONE, DONE),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(MATRIX))
def test_each_person_gets_the_digests_harvest_allows_them(
        app: SlackAppHarness, shared_emulator: RunningEmulator, shared_wire: str,
        name: str, who: str) -> None:
    row = MATRIX[name]
    marked: dict[str, Any] = {}

    def mark() -> None:
        marked.update(before=_schedules(app), since=len(app.slack.calls))

    told, done = row.run(app, shared_emulator, PERSONS[who], mark)
    expected = row.expected(who, shared_wire)
    judge(who, expected, told, done, marked["before"], lambda: _schedules(app))
    if expected != DONE:  # and nothing was posted
        posts = [c for c in app.slack.calls[marked["since"]:] if c.method == "chat.postMessage"
                 and str(c.args.get("channel", "")).startswith("C0DIGEST")]
        assert posts == [], [text_of(p)[:200] for p in posts]
