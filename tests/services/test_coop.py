"""Co-op services over the live emulator: what people may do, and what Co-op holds after."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.accounts import HarvestClients
from bot.coop import Coop, NeedsGroup, Posted
from bot.coop_errors import (
    BadTimezone,
    CoopDown,
    CoopOff,
    NoGroup,
    NotInGroup,
    NotMember,
    NotOwner,
    UnknownGroup,
)
from bot.parsing.dates import DaysAgo
from bot.services import Services, build_services
from emulator.runner import RunningEmulator
from tests.services.conftest import FAST_RETRY, TEAM, link, settings_for

CHANNEL = "C0TEAM"


def uid(who: str) -> str:
    return f"U0{who.upper()}"


def after_seeded_notes(emulator: RunningEmulator) -> None:
    """The demo seeds today's note at 09:30 UTC: keep Co-op's clock past it, so that what the
    tests post is the newest (statuses are ordered by when they were made)."""
    now = emulator.clock.now()
    seeded = datetime.combine(now.date(), time(9, 30, 1), tzinfo=UTC)
    if now < seeded:
        emulator.clock.advance((seeded - now).total_seconds())


@pytest.fixture
def coop(services: Services, emulator: RunningEmulator) -> Coop:
    after_seeded_notes(emulator)
    for who in ("basil", "sybil", "polly", "manuel"):
        link(services, emulator, who)
    return services.coop


def group_id(emulator: RunningEmulator) -> int:
    return emulator.info.ids["group:Fawlty Towers"]


def notes(emulator: RunningEmulator, who: str | None = None) -> list[str]:
    rows = emulator.store.all("SELECT s.text, s.user_id FROM statuses s ORDER BY s.id")
    user = emulator.info.logins[who].user_id if who else None
    return [row["text"] for row in rows if user is None or row["user_id"] == user]


# -- posting --------------------------------------------------------------------------------


def test_post_goes_to_the_only_group_as_the_person(coop: Coop, emulator: RunningEmulator) -> None:
    posted = coop.post(TEAM, uid("polly"), CHANNEL, "Menus are printed")
    assert isinstance(posted, Posted)
    assert posted.group.name == "Fawlty Towers"
    assert posted.status is not None and posted.status.user.name == "Polly Sherman"
    assert notes(emulator, "polly")[-1] == "Menus are printed"


def test_no_group_and_not_a_member_are_explained(coop: Coop, emulator: RunningEmulator) -> None:
    with pytest.raises(NoGroup, match="not in any Co-op group"):
        coop.post(TEAM, uid("manuel"), CHANNEL, "¿Qué?")
    coop.link(TEAM, uid("basil"), CHANNEL, "fawlty")
    before = notes(emulator)
    with pytest.raises(NotMember, match="not a member of \\*Fawlty Towers\\*"):
        coop.post(TEAM, uid("manuel"), CHANNEL, "¿Qué?")
    with pytest.raises(NotMember):
        coop.digest(TEAM, uid("manuel"), CHANNEL)
    with pytest.raises(UnknownGroup, match="not a member of any Co-op group called"):
        coop.link(TEAM, uid("manuel"), "C0MANUEL", "Fawlty Towers")
    assert notes(emulator) == before


def test_several_groups_ask_for_a_pick_which_becomes_the_default(
        coop: Coop, emulator: RunningEmulator) -> None:
    created = coop.admin.create(TEAM, uid("polly"), "Kitchen", "London", [])
    assert created.became_default
    coop.defaults.clear(TEAM, uid("polly"))
    asked = coop.post(TEAM, uid("polly"), CHANNEL, "Where does this go?")
    assert isinstance(asked, NeedsGroup)
    assert {g.name for g in asked.groups} == {"Fawlty Towers", "Kitchen"}
    assert "Where does this go?" not in notes(emulator)
    posted = coop.post_held(TEAM, uid("polly"), asked.held, created.group.id)
    assert posted.became_default and posted.group.name == "Kitchen"
    again = coop.post(TEAM, uid("polly"), CHANNEL, "And this?")
    assert isinstance(again, Posted) and again.group.name == "Kitchen"
    with pytest.raises(Exception, match="expired or was made already"):
        coop.post_held(TEAM, uid("polly"), asked.held, created.group.id)


def test_a_stale_default_is_forgotten(coop: Coop, emulator: RunningEmulator) -> None:
    coop.set_default(TEAM, uid("polly"), "Fawlty Towers")
    emulator.store.execute("DELETE FROM memberships WHERE user_id = ?",
                           emulator.info.logins["polly"].user_id)
    with pytest.raises(NotMember):
        coop.post(TEAM, uid("polly"), CHANNEL, "Hello?")
    assert coop.defaults.get(TEAM, uid("polly")) is None


def test_co_op_down_and_off(coop: Coop, emulator: RunningEmulator, services: Services,
                            tmp_path: Path) -> None:
    rule = emulator.faults.add("/coop/*", status=503)
    with pytest.raises(CoopDown, match="isn't answering"):
        coop.post(TEAM, uid("polly"), CHANNEL, "Anyone?")
    emulator.faults.remove(rule.id)
    off = Coop(services.db, services.accounts, enabled=False, clock=services.clock)
    with pytest.raises(CoopOff, match="isn't set up"):
        off.post(TEAM, uid("polly"), CHANNEL, "Anyone?")


# -- managing groups ------------------------------------------------------------------------


def test_create_checks_the_timezone_before_calling(coop: Coop, emulator: RunningEmulator) -> None:
    before = emulator.store.scalar("SELECT COUNT(*) FROM groups")
    with pytest.raises(BadTimezone, match="Mars"):
        coop.admin.create(TEAM, uid("sybil"), "Night shift", "Mars", [])
    assert emulator.store.scalar("SELECT COUNT(*) FROM groups") == before
    created = coop.admin.create(TEAM, uid("sybil"), "Night shift", None,
                                ["polly@fawltytowers.example", "terry@elsewhere.example"],
                                own_zone="Europe/Madrid")
    row = emulator.store.one("SELECT * FROM groups WHERE id = ?", created.group.id)
    assert row is not None and row["timezone"] == "Madrid" and row["name"] == "Night shift"
    states = {m["email"]: m["state"] for m in emulator.store.all(
        "SELECT email, state FROM memberships WHERE group_id = ?", created.group.id)}
    assert states == {"sybil@fawltytowers.example": "active",
                      "polly@fawltytowers.example": "active",
                      "terry@elsewhere.example": "invited"}


def test_only_the_owner_changes_the_owner_to_a_member(coop: Coop, emulator: RunningEmulator) -> None:
    coop.link(TEAM, uid("basil"), CHANNEL, "Fawlty Towers")
    with pytest.raises(NotOwner, match="Only the owner of \\*Fawlty Towers\\* \\(Basil Fawlty\\)"):
        coop.admin.change_owner(TEAM, uid("sybil"), CHANNEL, "sybil@fawltytowers.example")
    with pytest.raises(NotInGroup, match="manuel@fawltytowers.example isn't a member"):
        coop.admin.change_owner(TEAM, uid("basil"), CHANNEL, "manuel@fawltytowers.example")
    changed = coop.admin.change_owner(TEAM, uid("basil"), CHANNEL, "SYBIL@fawltytowers.example")
    assert changed.owner.email == "sybil@fawltytowers.example"
    owner = emulator.store.scalar("SELECT owner_id FROM groups WHERE id = ?", group_id(emulator))
    assert owner == emulator.info.logins["sybil"].user_id


def test_invite_rename_and_the_invited_member_may_link(coop: Coop, emulator: RunningEmulator) -> None:
    coop.link(TEAM, uid("basil"), CHANNEL, "Fawlty Towers")
    invited = coop.admin.invite(TEAM, uid("basil"), CHANNEL, ["manuel@fawltytowers.example"])
    assert [(m.email, bool(m.user_id)) for m in invited.memberships] == [
        ("manuel@fawltytowers.example", True)]
    assert coop.link(TEAM, uid("manuel"), "C0MANUEL", "fawlty").group_id == group_id(emulator)
    renamed = coop.admin.rename(TEAM, uid("basil"), CHANNEL, "Fawlty Towers & Co")
    assert renamed.name == "Fawlty Towers & Co"
    assert {lk.group_name for lk in coop.links.for_group(TEAM, group_id(emulator))} == {
        "Fawlty Towers & Co"}
    assert emulator.store.scalar("SELECT name FROM groups WHERE id = ?",
                                 group_id(emulator)) == "Fawlty Towers & Co"


def test_delete_is_for_the_owner_and_keeps_time_entries(coop: Coop, emulator: RunningEmulator) -> None:
    coop.link(TEAM, uid("basil"), CHANNEL, "Fawlty Towers")
    coop.set_default(TEAM, uid("polly"), "Fawlty Towers")
    with pytest.raises(NotOwner):
        coop.admin.deletable(TEAM, uid("polly"), CHANNEL)
    with pytest.raises(NotOwner):
        coop.admin.delete(TEAM, uid("polly"), group_id(emulator))
    entries = emulator.store.scalar("SELECT COUNT(*) FROM day_entries")
    assert coop.admin.deletable(TEAM, uid("basil"), CHANNEL).name == "Fawlty Towers"
    deleted = coop.admin.delete(TEAM, uid("basil"), group_id(emulator))
    assert [lk.channel_id for lk in deleted.unlinked] == [CHANNEL]
    assert emulator.store.scalar("SELECT COUNT(*) FROM groups WHERE id = ?", group_id(emulator)) == 0
    assert emulator.store.scalar("SELECT COUNT(*) FROM statuses WHERE group_id = ?",
                                 group_id(emulator)) == 0
    assert emulator.store.scalar("SELECT COUNT(*) FROM day_entries") == entries
    assert coop.defaults.get(TEAM, uid("polly")) is None
    assert coop.links.get(TEAM, CHANNEL) is None
    assert coop.cursors.get(TEAM, group_id(emulator)) is None


def test_digest_is_the_days_statuses_oldest_first(coop: Coop, emulator: RunningEmulator) -> None:
    coop.link(TEAM, uid("basil"), CHANNEL, "Fawlty Towers")
    coop.post(TEAM, uid("sybil"), CHANNEL, "Basil!")
    coop.post(TEAM, uid("basil"), CHANNEL, "Yes, dear.")
    today = coop.digest(TEAM, uid("polly"), CHANNEL)
    texts = [s.text for s in today.statuses if s.kind == "Note"]
    assert texts[-2:] == ["Basil!", "Yes, dear."]
    assert today.group.timezone == "London"
    yesterday = coop.digest(TEAM, uid("polly"), CHANNEL, DaysAgo(1))
    assert yesterday.day == today.day - timedelta(days=1)
    assert "The Major is back from the bank." in [s.text for s in yesterday.statuses]


# -- a Co-op-less configuration -------------------------------------------------------------


@pytest.fixture
def without_coop(emulator: RunningEmulator, tmp_path: Path) -> Iterator[Services]:
    settings, env = settings_for(emulator, tmp_path)
    env.pop("HARVEST_COOP_URL")
    from bot.config import load_settings

    settings = load_settings(env=env)
    clients = HarvestClients(None, retry=FAST_RETRY)
    built = build_services(settings, env=env, clients=clients)
    yield built
    built.close()
    clients.close()


def test_without_a_coop_url_co_op_is_off(without_coop: Services, emulator: RunningEmulator) -> None:
    link(without_coop, emulator, "polly")
    with pytest.raises(CoopOff):
        without_coop.coop.groups(TEAM, uid("polly"), CHANNEL)



@pytest.fixture
def v2_without_coop(emulator: RunningEmulator, tmp_path: Path) -> Iterator[Services]:
    """No Co-op URL, and people linked over Harvest API v2 (which has no Co-op of its own)."""
    from bot.config import load_settings

    _, env = settings_for(emulator, tmp_path)
    env.pop("HARVEST_COOP_URL")
    env.update(HARVEST_WIRE="v2", HARVEST_API_V2_URL=emulator.v2_url,
               HARVEST_ID_URL=emulator.id_url)
    clients = HarvestClients(None, retry=FAST_RETRY)
    built = build_services(load_settings(env=env), env=env, clients=clients)
    built.accounts.link_pat(TEAM, uid("polly"), emulator.info.pats["polly"],
                            str(emulator.info.account_id), timezone="Europe/London")
    yield built
    built.close()
    clients.close()


def test_a_v2_account_without_a_coop_url_is_told_co_op_is_not_for_v2_here(
        v2_without_coop: Services) -> None:
    plainly = "Co-op is not available for Harvest v2 accounts here"
    with pytest.raises(CoopOff, match=plainly):
        v2_without_coop.coop.groups(TEAM, uid("polly"), CHANNEL)
    with pytest.raises(CoopOff, match=plainly):
        v2_without_coop.coop.post(TEAM, uid("polly"), CHANNEL, "Anyone?")
    # Co-op switched on, but this account's client has no Co-op to reach: the same words.
    on = Coop(v2_without_coop.db, v2_without_coop.accounts, enabled=True,
              clock=v2_without_coop.clock)
    with pytest.raises(CoopOff, match=plainly):
        on.groups(TEAM, uid("polly"), CHANNEL)
