"""The mirror's reading half over the live emulator: what each linked channel still needs.

Posting is played by :func:`deliver` (what ``bot.coop_poster`` does, without Slack), so these
tests are about order, exactly-once bookkeeping, catching up and who may read.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.coop import Coop
from bot.coop_mirror import Mirror, Round
from bot.harvest.models import Status
from bot.services import Services
from emulator.clock import iso
from emulator.runner import RunningEmulator
from tests.services.conftest import TEAM, link
from tests.services.test_coop import after_seeded_notes, group_id, uid

Posted = list[tuple[str, str]]


@pytest.fixture
def coop(services: Services, emulator: RunningEmulator) -> Coop:
    after_seeded_notes(emulator)
    for who in ("basil", "sybil", "polly", "manuel"):
        link(services, emulator, who)
    return services.coop


@pytest.fixture
def mirror(services: Services) -> Mirror:
    return services.coop_mirror


def insert_notes(emulator: RunningEmulator, who: str, texts: list[str]) -> None:
    """Statuses written straight into Co-op's store (faster than 120 posts through its API)."""
    user = emulator.info.logins[who].user_id
    for text in texts:
        now = iso(emulator.clock.now())
        emulator.store.insert("statuses", group_id=group_id(emulator), user_id=user, text=text,
                              created_at=now, updated_at=now)


def deliver(mirror: Mirror, *, stop_after: int | None = None) -> Posted:
    """One round as the poster plays it: post in order, record each, then move the cursor."""
    posted: Posted = []
    for team_id, gid in mirror.groups():
        found = mirror.read(team_id, gid)
        if found is None:
            continue
        for status in found.statuses:
            for where in found.channels_for(status):
                if stop_after is not None and len(posted) >= stop_after:
                    return posted  # the process dies here
                posted.append((where.channel_id, status.text))
                mirror.posted(where, status, f"ts{len(posted)}")
            mirror.done(team_id, gid, status)
    return posted


def test_new_statuses_reach_each_channel_once_in_order(coop: Coop, mirror: Mirror,
                                                        emulator: RunningEmulator) -> None:
    coop.link(TEAM, uid("basil"), "C0ONE", "Fawlty Towers")
    assert deliver(mirror) == []  # the group's history is not replayed
    for text in ("one", "two", "three"):
        coop.post(TEAM, uid("sybil"), "C0ONE", text)
    coop.link(TEAM, uid("polly"), "C0TWO", "Fawlty Towers")  # linked after: gets what follows
    coop.post(TEAM, uid("polly"), "C0TWO", "four")
    assert deliver(mirror) == [("C0ONE", "one"), ("C0ONE", "two"), ("C0ONE", "three"),
                               ("C0ONE", "four"), ("C0TWO", "four")]
    assert deliver(mirror) == []
    assert coop.cursors.get(TEAM, group_id(emulator)).kind == "Note"  # type: ignore[union-attr]


def test_a_crash_between_posts_and_the_cursor_posts_nothing_twice(
        coop: Coop, services: Services, emulator: RunningEmulator) -> None:
    coop.link(TEAM, uid("basil"), "C0ONE", "Fawlty Towers")
    coop.link(TEAM, uid("basil"), "C0TWO", "Fawlty Towers")
    for text in ("a", "b", "c"):
        coop.post(TEAM, uid("basil"), "C0ONE", text)
    first = deliver(services.coop_mirror, stop_after=3)  # a, a, b: b not yet in C0TWO
    assert first == [("C0ONE", "a"), ("C0TWO", "a"), ("C0ONE", "b")]
    restarted = Mirror(Coop(services.db, services.accounts, enabled=True, clock=services.clock),
                       clock=services.clock)
    assert deliver(restarted) == [("C0TWO", "b"), ("C0ONE", "c"), ("C0TWO", "c")]
    assert deliver(restarted) == []


def test_more_than_fifty_new_statuses_are_caught_up_by_day(coop: Coop, mirror: Mirror,
                                                           emulator: RunningEmulator) -> None:
    coop.link(TEAM, uid("basil"), "C0ONE", "Fawlty Towers")
    texts = [f"burst {n:03d}" for n in range(120)]
    insert_notes(emulator, "sybil", texts)
    found = mirror.read(TEAM, group_id(emulator))
    assert isinstance(found, Round) and [s.text for s in found.statuses] == texts
    assert [text for _, text in deliver(mirror)] == texts


def test_catch_up_reaches_back_over_days(coop: Coop, mirror: Mirror,
                                         emulator: RunningEmulator) -> None:
    coop.link(TEAM, uid("basil"), "C0ONE", "Fawlty Towers")
    insert_notes(emulator, "sybil", ["before midnight"])
    emulator.clock.advance(timedelta(days=1).total_seconds())
    later = [f"next day {n}" for n in range(60)]
    insert_notes(emulator, "polly", later)
    assert [text for _, text in deliver(mirror)] == ["before midnight", *later]


def start_timer(services: Services, emulator: RunningEmulator, who: str, notes: str) -> int:
    """Start a timer on Gourmet Night as ``who``, the way ``/harvest start`` does; its id."""
    api = services.accounts.acting(TEAM, uid(who)).api
    project = emulator.info.ids["project:Gourmet Night"]
    task = next(p.tasks[0].id for p in api.day().projects if p.id == project)
    return api.start_timer(project, task, notes=notes).id


def test_a_day_entry_made_in_the_cursors_second_is_not_lost(
        coop: Coop, mirror: Mirror, services: Services, emulator: RunningEmulator) -> None:
    coop.link(TEAM, uid("basil"), "C0ONE", "Fawlty Towers")
    emulator.clock.set(emulator.clock.now().replace(microsecond=500_000))  # Co-op's time stops
    coop.post(TEAM, uid("sybil"), "C0ONE", "a note first")
    assert deliver(mirror) == [("C0ONE", "a note first")]
    # In the same second a DayEntry sorts before the note, so behind the cursor: still posted.
    start_timer(services, emulator, "polly", "butter on the trays")
    assert deliver(mirror) == [("C0ONE", "butter on the trays")]
    assert deliver(mirror) == []


def test_a_timer_is_mirrored_once_and_stopping_it_posts_nothing(
        coop: Coop, mirror: Mirror, emulator: RunningEmulator, services: Services) -> None:
    coop.link(TEAM, uid("basil"), "C0ONE", "Fawlty Towers")
    entry = start_timer(services, emulator, "polly", "folding napkins")
    found = mirror.read(TEAM, group_id(emulator))
    assert found is not None
    assert [(s.text, s.timer_started_at is not None) for s in found.statuses] == [
        ("folding napkins", True)]
    assert deliver(mirror) == [("C0ONE", "folding napkins")]
    api = services.accounts.acting(TEAM, uid("polly")).api
    api.toggle_timer(entry)  # stopped
    api.toggle_timer(entry)  # restarted: the same entry on this account, so the same status
    assert deliver(mirror) == []


def test_a_linker_who_can_no_longer_read_loses_their_links(
        coop: Coop, mirror: Mirror, services: Services, emulator: RunningEmulator) -> None:
    coop.link(TEAM, uid("basil"), "C0ONE", "Fawlty Towers")
    coop.link(TEAM, uid("sybil"), "C0TWO", "Fawlty Towers")
    sybil = emulator.info.logins["sybil"].user_id
    emulator.store.execute("DELETE FROM memberships WHERE user_id = ?", sybil)
    coop.post(TEAM, uid("basil"), "C0ONE", "still here")
    found = mirror.read(TEAM, group_id(emulator))
    assert found is not None
    assert [(d.link.channel_id, d.reason) for d in found.dropped] == [
        ("C0TWO", "you are no longer a member of the group (or it was deleted)")]
    assert [lk.channel_id for lk in found.links] == ["C0ONE"]
    services.accounts.unlink(TEAM, uid("basil"))  # disconnected from Harvest
    found = mirror.read(TEAM, group_id(emulator))
    assert found is not None and [d.link.channel_id for d in found.dropped] == ["C0ONE"]
    assert mirror.groups() == []
    assert coop.cursors.get(TEAM, group_id(emulator)) is None


def test_co_op_down_reads_nothing_and_loses_nothing(coop: Coop, mirror: Mirror,
                                                    emulator: RunningEmulator) -> None:
    coop.link(TEAM, uid("basil"), "C0ONE", "Fawlty Towers")
    coop.post(TEAM, uid("basil"), "C0ONE", "before the outage")
    rule = emulator.faults.add("/coop/*", status=503)
    assert mirror.read(TEAM, group_id(emulator)) is None
    emulator.faults.remove(rule.id)
    assert deliver(mirror) == [("C0ONE", "before the outage")]


def test_a_status_shown_already_is_not_posted_back(coop: Coop, mirror: Mirror) -> None:
    coop.link(TEAM, uid("basil"), "C0ONE", "Fawlty Towers")
    posted = coop.post(TEAM, uid("polly"), "C0ONE", "from a Slack message")
    status = getattr(posted, "status", None)
    assert isinstance(status, Status)
    assert mirror.shown_already(TEAM, "C0ONE", status, "1700000000.000100")
    assert not mirror.shown_already(TEAM, "C0ELSEWHERE", status, None)
    assert deliver(mirror) == []
