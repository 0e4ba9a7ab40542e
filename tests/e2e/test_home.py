"""The App Home tab over real HTTP: what a linked and an unlinked person see there, and its
Stop and quick-start buttons, checked against what Harvest holds."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.entries import format_hours
from bot.home_blocks import HOME_START, HOME_STOP, LOCKED_NOTE, NO_TIMER, TROUBLE_TEXT
from bot.localslack.server import Call
from bot.modals import OPEN_LOG
from emulator.runner import RunningEmulator
from tests.e2e.harness import PEOPLE, SlackAppHarness, text_of, user_id
from tests.e2e.test_core import entries_of


def _elements(view: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in view["blocks"]:
        if block.get("type") == "actions":
            found += block["elements"]
        if "accessory" in block:
            found.append(block["accessory"])
    return found


def home_buttons(view: dict[str, Any], action_id: str) -> list[dict[str, Any]]:
    """The buttons whose action id is ``action_id`` or starts with ``action_id:``."""
    return [e for e in _elements(view)
            if e.get("action_id") == action_id or e.get("action_id", "").startswith(f"{action_id}:")]


def published(bot: SlackAppHarness, who: str, timeout: float = 10.0) -> dict[str, Any]:
    """The next Home published for ``who`` (calls are cleared before what should publish it)."""
    call = bot.slack.wait_for("views.publish", lambda c: c.args.get("user_id") == user_id(who),
                              timeout)
    return call.response["view"]


def quiet(bot: SlackAppHarness) -> None:
    """Let the app finish what it was doing (a command goes on after its reply to refresh the
    Home), then forget the calls so far."""
    bot.slack.settle(len(bot.slack.calls), first=0.2, quiet=0.2)
    bot.slack.clear()


def open_home(bot: SlackAppHarness, who: str) -> dict[str, Any]:
    """The person opens the Home tab; the view the app publishes for it."""
    quiet(bot)
    answer = bot.send(bot.signer.event(
        {"type": "app_home_opened", "user": user_id(who), "channel": "D0HOME", "tab": "home"}))
    assert answer.status_code == 200
    return published(bot, who)


def press(bot: SlackAppHarness, who: str, view: dict[str, Any], button: dict[str, Any]) -> None:
    """Press a button on the Home ``view`` (no response_url: Home is not a message)."""
    quiet(bot)
    bot.interact(bot.signer.block_action(
        user_id(who), button["action_id"], value=button.get("value"), block_id="home",
        container={"type": "view", "view_id": view["id"]}, view=view))


def local_today(who: str) -> date:
    return datetime.now(ZoneInfo(PEOPLE[who][1])).date()


def test_unlinked_person_is_offered_connect(bot: SlackAppHarness) -> None:
    view = open_home(bot, "polly")
    shown = text_of({"blocks": view["blocks"]})
    assert view["type"] == "home"
    assert "You haven't connected Harvest yet" in shown and "What I can do" in shown
    assert TROUBLE_TEXT not in shown
    assert home_buttons(view, "connect_password")
    sign_in = home_buttons(view, "connect_oauth")[0]
    assert sign_in["url"].startswith(bot.authorize_url + "?")
    assert bot.slack.home(user_id("polly")) == view


def test_linked_person_sees_timer_today_week_and_quick_starts(
    bot: SlackAppHarness, emulator: RunningEmulator
) -> None:
    bot.link("polly")
    bot.ask("polly", "log 1h30 gourmet / butter -- trays")
    bot.ask("polly", "start website / design fixing the login")
    view = open_home(bot, "polly")
    shown = text_of({"blocks": view["blocks"]})
    running = entries_of(emulator, "polly")[-1]
    assert running["timer_started_at"]
    assert ":stopwatch: *Website Redesign (Acme Corp) / Design* — fixing the login" in shown
    assert "running since" in shown
    assert [b["value"] for b in home_buttons(view, HOME_STOP)] == [str(running["id"])]
    assert "*Gourmet Night (City of Torquay) / Put butter on trays* 1:30\ntrays" in shown
    assert "*Today* — *1:30*" in shown
    # The week's total is Harvest's: every entry of polly's from Monday to today.
    today = local_today("polly")
    monday = today - timedelta(days=today.weekday())
    week = emulator.store.scalar(
        "SELECT SUM(hours) FROM day_entries WHERE user_id = ? AND spent_at BETWEEN ? AND ?",
        emulator.info.logins["polly"].user_id, monday.isoformat(), today.isoformat())
    assert f"This week — *{format_hours(float(week))}*" in shown
    starts = home_buttons(view, HOME_START)
    assert 1 <= len(starts) <= 5
    assert starts[0]["text"]["text"] == "Website Redesign (Acme Corp) / Design"  # the latest first
    assert home_buttons(view, OPEN_LOG)
    assert len(view["blocks"]) <= 100


def test_stop_on_home_stops_the_timer_and_republishes(
    bot: SlackAppHarness, emulator: RunningEmulator
) -> None:
    bot.link("polly")
    bot.ask("polly", "start mobile / research -- reading")
    view = open_home(bot, "polly")
    stop = home_buttons(view, HOME_STOP)[0]
    press(bot, "polly", view, stop)
    after = published(bot, "polly")
    assert not home_buttons(after, HOME_STOP)
    assert NO_TIMER in text_of({"blocks": after["blocks"]})
    row = entries_of(emulator, "polly")[-1]
    assert str(row["id"]) == stop["value"] and not row["timer_started_at"]


def test_stop_when_already_stopped_says_so_and_republishes(
    bot: SlackAppHarness, emulator: RunningEmulator
) -> None:
    bot.link("polly")
    bot.ask("polly", "start mobile / research")
    view = open_home(bot, "polly")
    bot.ask("polly", "stop")  # stopped elsewhere: the Home shown is out of date
    press(bot, "polly", view, home_buttons(view, HOME_STOP)[0])
    dm = bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == user_id("polly"))
    assert "No timer is running right now" in text_of(dm)
    assert not home_buttons(published(bot, "polly"), HOME_STOP)


def test_quick_start_starts_a_timer(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    view = open_home(bot, "polly")
    start = home_buttons(view, HOME_START)[0]  # from polly's last two weeks
    before = len(entries_of(emulator, "polly"))
    press(bot, "polly", view, start)
    after = published(bot, "polly")
    rows = entries_of(emulator, "polly")
    assert len(rows) == before + 1
    project_id, task_id = (int(part) for part in start["value"].split(":"))
    assert (rows[-1]["project_id"], rows[-1]["task_id"]) == (project_id, task_id)
    assert rows[-1]["timer_started_at"]
    assert [b["value"] for b in home_buttons(after, HOME_STOP)] == [str(rows[-1]["id"])]
    assert f":stopwatch: *{start['text']['text']}*" in text_of({"blocks": after["blocks"]})


def test_quick_start_on_a_project_archived_meanwhile_is_explained(
    bot: SlackAppHarness, emulator: RunningEmulator
) -> None:
    bot.link("polly")
    view = open_home(bot, "polly")
    start = home_buttons(view, HOME_START)[0]
    project_id = int(start["value"].split(":")[0])
    emulator.store.execute("UPDATE projects SET active = 0 WHERE id = ?", project_id)
    before = len(entries_of(emulator, "polly"))
    press(bot, "polly", view, start)
    dm = bot.slack.wait_for("chat.postMessage", lambda c: c.args["channel"] == user_id("polly"))
    assert "is archived: time cannot be tracked to it" in text_of(dm)
    after = published(bot, "polly")
    assert start["value"] not in [b["value"] for b in home_buttons(after, HOME_START)]
    assert len(entries_of(emulator, "polly")) == before


def test_approved_entries_are_marked_locked(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    bot.ask("polly", "log 2h mobile / design -- approved work")
    emulator.store.execute("UPDATE day_entries SET is_closed = 1 WHERE notes = 'approved work'")
    shown = text_of({"blocks": open_home(bot, "polly")["blocks"]})
    assert "*Mobile App (Acme Corp) / Design* 2:00 :lock: approved" in shown
    assert LOCKED_NOTE in shown


def test_harvest_down_is_explained_on_home(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    emulator.faults.add("*", status=503)
    shown = text_of({"blocks": open_home(bot, "polly")["blocks"]})
    assert TROUBLE_TEXT in shown and "Harvest isn't answering right now" in shown


def test_home_follows_slash_commands(bot: SlackAppHarness, emulator: RunningEmulator) -> None:
    bot.link("polly")
    assert not home_buttons(open_home(bot, "polly"), HOME_STOP)
    quiet(bot)
    bot.ask("polly", "start website / meetings -- standup")
    view = published(bot, "polly")
    assert [b["value"] for b in home_buttons(view, HOME_STOP)] == [
        str(entries_of(emulator, "polly")[-1]["id"])]


def _publishes(bot: SlackAppHarness) -> list[Call]:
    return bot.slack.calls_to("views.publish")


def test_help_does_not_republish_home(bot: SlackAppHarness) -> None:
    bot.link("polly")
    open_home(bot, "polly")
    quiet(bot)
    bot.ask("polly", "help")
    bot.ask("polly", "log 1h mobile / design")  # a change: the Home follows, after the reply
    bot.slack.wait_for("views.publish")
    bot.slack.settle(len(bot.slack.calls), first=0.2, quiet=0.2)
    assert len(_publishes(bot)) == 1
